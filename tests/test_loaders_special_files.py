"""Both file loaders refuse what is not a regular file (a pipe could block, a device never end) at once."""

import os

import pytest
from child_process import error_message_in_a_child_process

from nn import DataError, ModelFileError, load_model, read_csv

# (loader, its error, how its messages name the file)
LOADERS = [("read_csv", DataError, "a CSV file"), ("load_model", ModelFileError, "a model file")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
@pytest.mark.parametrize("loader, error, kind", LOADERS)
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path, loader, error, kind):
    pipe = tmp_path / "file"
    os.mkfifo(pipe)
    message = error_message_in_a_child_process(loader, error.__name__, pipe)
    assert message == f"{pipe}: is a named pipe (FIFO), not {kind}"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("loader, error, kind", LOADERS)
def test_an_endless_device_is_refused_before_reading(loader, error, kind):
    message = error_message_in_a_child_process(loader, error.__name__, "/dev/zero")
    assert message == f"/dev/zero: is a character device, not {kind}"


@pytest.mark.parametrize(
    "load, error, kind",
    [(read_csv, DataError, "a CSV file"), (load_model, ModelFileError, "a model file")],
)
def test_a_directory_is_refused(tmp_path, load, error, kind):
    with pytest.raises(error, match=f"is a directory, not {kind}"):
        load(tmp_path)


def test_a_regular_csv_file_still_reads(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("\ufeffx,y\n1,2\n")  # with a byte-order mark, as spreadsheets write
    table = read_csv(path)
    assert table.columns == ["x", "y"] and table.rows == [["1", "2"]]
