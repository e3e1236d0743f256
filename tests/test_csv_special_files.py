"""read_csv refuses what is not a regular file (a pipe could block, a device never end) at once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nn import DataError, read_csv

ROOT = Path(__file__).resolve().parent.parent


def csv_refusal_in_a_child_process(path):
    """The DataError message of ``read_csv(path)``, run in a child process capped at 30 s and 2 GiB,
    so a reader that blocks or reads forever fails this test instead of hanging the suite."""
    code = (
        "import sys\n"
        "from nn import DataError, read_csv\n"
        "try:\n"
        "    read_csv(sys.argv[1])\n"
        "except DataError as error:\n"
        "    print(error)\n"
    )

    def cap_memory():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2**31, 2**31))

    try:
        done = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True,
                              timeout=30, preexec_fn=cap_memory)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"read_csv({str(path)!r}) was still reading after 30 s")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    pipe = tmp_path / "data.csv"
    os.mkfifo(pipe)
    assert csv_refusal_in_a_child_process(pipe) == f"{pipe}: is a named pipe (FIFO), not a CSV file"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_device_is_refused_before_reading():
    assert csv_refusal_in_a_child_process("/dev/zero") == "/dev/zero: is a character device, not a CSV file"


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(DataError, match="is a directory, not a CSV file"):
        read_csv(tmp_path)


def test_a_regular_file_still_reads(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("\ufeffx,y\n1,2\n")  # with a byte-order mark, as spreadsheets write
    table = read_csv(path)
    assert table.columns == ["x", "y"] and table.rows == [["1", "2"]]
