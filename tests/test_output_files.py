"""Output files (issue 12, items 1 and 2): written whole or not at all, and never in place of
something that is not a regular file: a pipe, a device or a symlink keeps its kind."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

import autograd.files
from autograd import Value, draw_dot, save_graph
from autograd.files import NotAFileError, atomic_write_bytes, atomic_write_text
from nn.cli import main


def kind(path: Path) -> str:
    mode = os.lstat(path).st_mode
    for test, name in [(stat.S_ISLNK, "link"), (stat.S_ISREG, "file"), (stat.S_ISFIFO, "fifo"),
                       (stat.S_ISCHR, "chr"), (stat.S_ISBLK, "blk"), (stat.S_ISDIR, "dir")]:  # fmt: skip
        if test(mode):
            return name
    return "other"


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def make_node(path: Path, kind_bits: int, major: int, minor: int) -> None:
    """A device node in tmp, or skip (needs root, and a container may forbid it)."""
    try:
        os.mknod(path, kind_bits | 0o600, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("making a device node needs root")


# --- regular files ---------------------------------------------------------------------------


def test_a_new_file_gets_the_text_and_ordinary_permissions(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    atomic_write_text(out, "a,b\r\n1,2\n")
    assert out.read_bytes() == b"a,b\r\n1,2\n"  # newlines as given
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o666 & ~umask
    assert leftovers(tmp_path) == []


def test_replacing_keeps_the_old_permissions(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old")
    out.chmod(0o640)
    atomic_write_text(out, "new")
    assert out.read_text() == "new" and stat.S_IMODE(os.stat(out).st_mode) == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old")

    def disk_error(descriptor: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", disk_error)
    with pytest.raises(OSError, match="Input/output"):
        atomic_write_text(out, "new")
    assert out.read_text() == "old" and leftovers(tmp_path) == []


# --- symlinks --------------------------------------------------------------------------------


def test_a_symlink_stays_a_link_and_its_target_gets_the_text(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    atomic_write_text(link, "new")
    assert kind(link) == "link" and os.readlink(link) == str(target)
    assert target.read_text() == "new"


def test_a_dangling_symlink_stays_a_link_and_its_target_is_created(tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "later.csv")
    atomic_write_text(link, "text")
    assert kind(link) == "link" and (tmp_path / "later.csv").read_text() == "text"


def test_a_symlink_planted_at_the_temporary_name_is_not_followed(
    tmp_path: Path, monkeypatch
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out.txt"
    names = iter(["0123456789ab"])  # the first temporary name is guessed and taken by a symlink
    real_token_hex = autograd.files.secrets.token_hex
    monkeypatch.setattr(
        autograd.files.secrets, "token_hex", lambda n: next(names, None) or real_token_hex(n)
    )
    (tmp_path / ".out.txt.0123456789ab.tmp").symlink_to(victim)
    atomic_write_text(out, "mine")
    assert victim.read_text() == "precious" and out.read_text() == "mine"
    assert kind(tmp_path / ".out.txt.0123456789ab.tmp") == "link"  # someone else's: left alone


def test_save_graph_ignores_a_symlink_planted_at_the_old_fixed_temporary_name(
    tmp_path: Path,
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / ".graph.svg.partial").symlink_to(victim)
    save_graph(draw_dot(Value(1.0) * 2), tmp_path / "graph.svg")
    assert victim.read_text() == "precious"
    assert (tmp_path / "graph.svg").read_text().lstrip().startswith("<?xml")


# --- pipes and devices: written through, never replaced ---------------------------------------


def test_a_named_pipe_with_a_reader_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader waiting before the write
    try:
        atomic_write_bytes(fifo, b"through the pipe")
        assert os.read(reader, 100) == b"through the pipe"
    finally:
        os.close(reader)
    assert kind(fifo) == "fifo" and leftovers(tmp_path) == []


def test_a_named_pipe_without_a_reader_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="named pipe that no process is reading") as caught:
        atomic_write_text(fifo, "nobody listens")
    assert caught.value.filename == str(fifo) and kind(fifo) == "fifo"


def test_a_character_device_is_written_through(tmp_path: Path) -> None:
    null = tmp_path / "null"
    make_node(null, stat.S_IFCHR, 1, 3)  # a second /dev/null, in tmp
    atomic_write_text(null, "discarded")
    assert kind(null) == "chr" and leftovers(tmp_path) == []


def test_a_symlink_to_a_character_device_stays_a_link(tmp_path: Path) -> None:
    link = tmp_path / "to_null"
    link.symlink_to("/dev/null")  # what /dev/stdout is when stdout goes to /dev/null
    atomic_write_text(link, "discarded")
    assert kind(link) == "link" and kind(Path("/dev/null")) == "chr"


def test_an_open_descriptor_path_is_appended_to_not_replaced(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("earlier lines\n")
    inode = os.stat(log).st_ino
    with open(log, "a") as handle:  # as `valuegrad ... --out /dev/stdout >> log.csv` gives it
        atomic_write_text(f"/dev/fd/{handle.fileno()}", "prediction\n1.5\n")
    assert log.read_text() == "earlier lines\nprediction\n1.5\n" and os.stat(log).st_ino == inode


@pytest.mark.parametrize("what", ["dir", "blk"])
def test_a_directory_or_block_device_is_refused_with_one_line(tmp_path: Path, what: str) -> None:
    path = tmp_path / "target"
    if what == "dir":
        path.mkdir()
    else:
        make_node(path, stat.S_IFBLK, 7, 250)  # a loop device number; never opened
    with pytest.raises(NotAFileError, match="outputs go to regular files") as caught:
        atomic_write_text(path, "x")
    assert caught.value.filename == str(path) and "\n" not in str(caught.value)
    assert kind(path) == what and leftovers(tmp_path) == []


# --- the CLI's three outputs --------------------------------------------------------------------


@pytest.fixture
def model_and_data(tmp_path: Path, capsys) -> tuple[str, str]:
    data = tmp_path / "data.csv"
    data.write_text("x,y\n" + "".join(f"{i / 10},{i / 5}\n" for i in range(20)))
    model = tmp_path / "model.json"
    status = main(["train", str(data), "--target", "y", "--hidden", "2", "--epochs", "2",
                   "--out", str(model)])  # fmt: skip
    assert status == 0, capsys.readouterr().err
    capsys.readouterr()
    return str(model), str(data)


def test_cli_predict_writes_through_a_named_pipe(tmp_path: Path, model_and_data, capsys) -> None:
    model, data = model_and_data
    fifo = tmp_path / "predictions"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert main(["predict", model, data, "--out", str(fifo)]) == 0, capsys.readouterr().err
        assert os.read(reader, 65536).decode().startswith("prediction\n")
    finally:
        os.close(reader)
    assert kind(fifo) == "fifo"


def test_cli_predict_to_a_pipe_nobody_reads_is_one_line(
    tmp_path: Path, model_and_data, capsys
) -> None:
    model, data = model_and_data
    fifo = tmp_path / "predictions"
    os.mkfifo(fifo)
    assert main(["predict", model, data, "--out", str(fifo)]) == 1
    err = capsys.readouterr().err
    # Found by the check before any work is done, which names the user's path.
    assert err == (
        f"valuegrad: error: {fifo}: cannot be written (is a named pipe that no process is reading)\n"
    )
    assert kind(fifo) == "fifo"


def test_cli_train_and_graph_keep_a_symlink_a_symlink(
    tmp_path: Path, model_and_data, capsys
) -> None:
    _, data = model_and_data
    real_model, model_link = tmp_path / "real.json", tmp_path / "link.json"
    model_link.symlink_to(real_model)
    assert main(["train", data, "--target", "y", "--hidden", "2", "--epochs", "1",
                 "--out", str(model_link)]) == 0  # fmt: skip
    assert kind(model_link) == "link" and real_model.read_text().startswith("{")
    real_image, image_link = tmp_path / "real.svg", tmp_path / "link.svg"
    image_link.symlink_to(real_image)
    assert main(["graph", "xor", "--out", str(image_link)]) == 0, capsys.readouterr().err
    assert kind(image_link) == "link" and "<svg" in real_image.read_text()


def test_cli_graph_into_a_directory_is_refused(tmp_path: Path, capsys) -> None:
    target = tmp_path / "pictures.svg"
    target.mkdir()
    assert main(["graph", "xor", "--out", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"valuegrad: error: {target}: is a directory") and err.count("\n") == 1
    assert kind(target) == "dir"


def test_an_error_names_the_output_not_the_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "missing_directory" / "model.json"
    with pytest.raises(FileNotFoundError) as caught:
        atomic_write_text(out, "{}")
    assert caught.value.filename == str(out)


def test_a_new_file_is_written_without_touching_the_umask(tmp_path: Path, monkeypatch) -> None:
    """Reading the umask means setting it for a moment: a race with other threads' files."""
    umask = os.umask(0o027)
    try:

        def no_umask(mask: int) -> int:
            raise AssertionError("os.umask called while writing")

        monkeypatch.setattr(os, "umask", no_umask)
        out = tmp_path / "out.txt"
        atomic_write_text(out, "x")
        monkeypatch.undo()
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o640


def test_a_read_only_file_is_kept_not_replaced(tmp_path: Path) -> None:
    """A rename would replace it whatever its permissions; an ordinary write refuses it."""
    out = tmp_path / "frozen.txt"
    out.write_text("old")
    out.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        atomic_write_text(out, "new")
    assert out.read_text() == "old" and stat.S_IMODE(os.stat(out).st_mode) == 0o444
    assert leftovers(tmp_path) == []


def test_cli_refuses_a_read_only_output_before_any_work(
    tmp_path: Path, model_and_data, capsys
) -> None:
    model, data = model_and_data
    out = tmp_path / "predictions.csv"
    out.write_text("keep me")
    out.chmod(0o444)
    assert main(["predict", model, data, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "read-only" in err and str(out) in err and len(err.strip().splitlines()) == 1
    assert out.read_text() == "keep me"


def test_an_empty_name_or_one_ending_in_a_slash_is_refused_before_writing(tmp_path, monkeypatch):
    # An adversarial trial: save_model(m, "") made a temporary file beside the working folder and
    # then named it in a rename error; "newdir/" created a regular file called newdir
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="the file name is empty"):
        atomic_write_text("", "x")
    with pytest.raises(IsADirectoryError, match="cannot end with a slash"):
        atomic_write_text("newdir/", "x")
    assert os.listdir(tmp_path) == [] and not [
        n for n in os.listdir(tmp_path.parent) if n.endswith(".tmp")
    ]


def test_predict_with_an_empty_out_is_refused_as_train_refuses_it(tmp_path, capsys):
    # An adversarial trial: train --out '' was refused, predict --out '' wrote to stdout
    model = tmp_path / "m.json"
    data = tmp_path / "d.csv"
    data.write_text("x,y\n" + "".join(f"{(i * 7) % 5 / 2},{i % 2}\n" for i in range(12)))
    assert main(["train", str(data), "--target", "y", "--epochs", "1", "--out", str(model)]) == 0
    capsys.readouterr()
    assert main(["predict", str(model), str(data), "--out", ""]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "the output file name is empty" in err
