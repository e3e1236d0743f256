"""valuegrad train/predict with bad flags and bad files: exactly one line on stderr, a non-zero
status, no traceback, and an existing output file keeps its bytes and its modification time."""

import json
import os

import pytest
from cli_run import run

from nn import load_model
from nn.cli import main
from nn.tables.table_model import _split

GOOD_CSV = "x1,x2,y\n" + "".join(f"{i * 0.25},{(-1) ** i * i},{i * 0.5 + 1}\n" for i in range(12))


def error_line(status, err, expected_status=1):
    """The single stderr line of a failed run (progress or summary lines before it are not allowed either)."""
    lines = [line for line in err.splitlines() if not line.startswith(("\r", "epoch"))]
    assert status == expected_status
    assert len(lines) >= 1 and lines[-1].startswith("valuegrad: error: ") and "Traceback" not in err
    assert err.count("valuegrad: error") == 1 and err.endswith("\n")
    return lines[-1]


@pytest.fixture
def files(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text(GOOD_CSV)
    model = tmp_path / "model.json"
    assert (
        main(
            [
                "train",
                str(data),
                "--target",
                "y",
                "--hidden",
                "3",
                "--epochs",
                "2",
                "--out",
                str(model),
            ]
        )
        == 0
    )
    old = tmp_path / "old.out"
    old.write_bytes(b"precious \x00 bytes")
    os.utime(old, ns=(1_000_000_000, 1_000_000_000))
    return data, model, old


def unchanged(path):
    return path.read_bytes() == b"precious \x00 bytes" and path.stat().st_mtime_ns == 1_000_000_000


@pytest.mark.parametrize(
    "flags, fragment",
    [
        (["--epochs", "0"], "argument --epochs: '0' must be at least 1"),
        (["--epochs", "-5"], "argument --epochs: '-5' must be at least 1"),
        (["--epochs", "1e3"], "'1e3' is not a whole number"),
        (["--lr", "0"], "argument --lr: '0' must be a positive finite number"),
        (["--lr", "-0.1"], "'-0.1' must be a positive finite number"),
        (["--lr", "nan"], "'nan' must be a positive finite number"),
        (["--lr", "inf"], "'inf' must be a positive finite number"),
        (["--lr", "fast"], "'fast' is not a number"),
        (["--batch-size", "0"], "argument --batch-size: '0' must be at least 1"),
        (["--hidden", "0"], "'0' should be layer widths like 16,16"),
        (["--hidden", "16,,16"], "'16,,16' should be layer widths"),
        (["--hidden", "-4"], "'-4' should be layer widths"),
        (
            ["--hidden", "16,100000000"],
            "a layer of 100,000,000 units is wider than the limit of 10,000",
        ),
        (["--engine", "fast"], "argument --engine: invalid choice: 'fast'"),
        (["--activation", "RELU"], "unknown activation 'RELU'"),
        (["--activation", "elu(inf)"], "parameter must be a finite number"),
        (["--task", "ranking"], "argument --task: invalid choice: 'ranking'"),
        (["--seed", "x"], "argument --seed: 'x' is not a whole number"),
        # the subcommand's own error, pointing to its own --help (which lists its options)
        (
            ["--bogus"],
            "valuegrad train: error: unrecognized arguments: --bogus (see valuegrad train --help)",
        ),
        (["--hiden", "8"], "unrecognized arguments: --hiden 8 (see valuegrad train --help)"),
    ],
)
def test_bad_train_flags_exit_2_with_one_line(files, capsys, flags, fragment):
    data, _, old = files
    status, out, err = run(["train", str(data), "--target", "y", "--out", str(old), *flags], capsys)
    assert (
        status == 2
        and err.count("\n") == 1
        and fragment in err
        and "Traceback" not in err
        and out == ""
    )
    assert unchanged(old)


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["predict"], "the following arguments are required: MODEL.json, DATA.csv"),
        (["predict", "m.json"], "the following arguments are required: DATA.csv"),
        (["predict", "m.json", "d.csv", "--out"], "argument --out: expected one argument"),
        (["train", "d.csv", "--target", "y"], "the following arguments are required: --out"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_command_lines(capsys, argv, fragment):
    status, out, err = run(argv, capsys)
    assert status == 2 and err.count("\n") == 1 and fragment in err and out == ""


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


@pytest.mark.parametrize(
    "content, target, extra, expected",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "y", [], "bad.csv, line 1: not UTF-8 text (byte 0)"),
        (
            "x,y\n1,2\n3,4e999\n",
            "y",
            [],
            "bad.csv, line 3, column 'y': '4e999' is not a finite number",
        ),
        (
            'x,y\n1,2\n3,"4\n',
            "y",
            [],
            'bad.csv, line 3: a quote (") opened in this row is never closed; not valid CSV',
        ),
        ("x,y\n1_0,2\n3,4\n", "y", [], "bad.csv, line 2, column 'x': '1_0' is not a number"),
        (
            "y\n1\n2\n",
            "y",
            [],
            "bad.csv, line 1: no feature columns: the only column is the target 'y'",
        ),
        (
            "x,y\n1,a\n2,a\n",
            "y",
            [],
            "bad.csv, column 'y': the target column has a single class ('a')",
        ),
        (
            "x,y\n1,a\n2,b\n3,c\n",
            "y",
            ["--task", "binary"],
            "binary needs exactly 2 classes",
        ),
        (
            "x,y\n1,a\n2,\n3,b\n",
            "y",
            [],
            "bad.csv, line 3, column 'y': the target is empty or missing",
        ),
        ("x,y\n1,2\n", "", [], "bad.csv, line 1: no column ''"),
        ("x,y\n1,2\n\n\n", "Y", [], "bad.csv, line 1: no column 'Y'; the columns are: x, y"),
        (
            "x,y\n1.0,1\n2.0,x\n",
            "x",
            ["--task", "regression"],
            "bad.csv, line 3, column 'y': 'x' is not a number",
        ),
        # A word among numbered classes is a typo, not a class of its own; nor is 1e400 a class
        (
            "x,y\n1,0\n2,1\n3,2\n4,oops\n5,1\n6,0\n",
            "y",
            [],
            "bad.csv, line 5, column 'y': 'oops' is not a number",
        ),
        (
            "x,y\n1,0\n2,1e400\n3,1\n4,0\n",
            "y",
            [],
            "bad.csv, line 3, column 'y': '1e400' is not a finite number",
        ),
        # Caught before training: a constant number to predict (R^2 would be 0/0), one row
        (
            "x,y\n1,3.5\n2,3.5\n3,3.5\n",
            "y",
            [],
            "bad.csv, column 'y': the target is 3.5 in every row; nothing to learn",
        ),
        (
            "x,y\n1,2\n",
            "y",
            ["--validation", "0"],
            "bad.csv: 1 data row: training needs at least 2",
        ),
    ],
)
def test_bad_training_files(tmp_path, files, capsys, content, target, extra, expected):
    _, _, old = files
    path = write(tmp_path, "bad.csv", content)
    before = open(path, "rb").read()
    status, _out, err = run(
        ["train", path, "--target", target, "--out", str(old), "--epochs", "1", *extra], capsys
    )
    assert expected in error_line(status, err) and str(tmp_path) in err
    assert unchanged(old) and open(path, "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == [
        "bad.csv",
        "data.csv",
        "model.json",
        "old.out",
    ]  # no temporary left over


def test_numbers_near_the_float_limit_train_without_an_internal_error(tmp_path, capsys):
    data = write(tmp_path, "big.csv", "x,y\n1e308,1\n-1e308,2\n1.5e308,-1e308\n-1e300,1e308\n")
    model = str(tmp_path / "m.json")
    argv = [
        "train",
        data,
        "--target",
        "y",
        "--task",
        "regression",
        "--hidden",
        "2",
        "--epochs",
        "3",
        "--out",
        model,
    ]
    status, out, err = run(argv, capsys)
    assert status == 0, err
    assert "training R^2" in out and "internal error" not in err
    status, out, err = run(["predict", model, data], capsys)
    assert status == 0 and len(out.splitlines()) == 5


def test_a_run_that_diverges_in_its_last_step_saves_nothing(tmp_path, files, capsys):
    data, _, old = files
    argv = [
        "train",
        str(data),
        "--target",
        "y",
        "--epochs",
        "1",
        "--batch-size",
        "100",
        "--lr",
        "1e300",
        "--out",
        str(old),
    ]
    line = error_line(*run(argv, capsys)[::2])
    assert "training diverged" in line and "lower the learning rate" in line
    assert unchanged(old)


@pytest.mark.parametrize("row", range(12))
def test_missing_error_refuses_an_empty_cell_in_any_row(tmp_path, capsys, row):
    """The cell may fall in the validation rows (12 rows: 2 or 3 of them); it is refused, and
    with the default it is counted in the note, wherever it falls."""
    lines = GOOD_CSV.splitlines()
    cells = lines[row + 1].split(",")
    lines[row + 1] = ",".join(["NA", *cells[1:]])
    path = write(tmp_path, "gap.csv", "\n".join(lines) + "\n")
    out = str(tmp_path / "m.json")
    argv = ["train", path, "--target", "y", "--out", out, "--epochs", "1"]
    status, _out, err = run([*argv, "--missing", "error"], capsys)
    assert error_line(status, err).endswith(
        f"gap.csv, line {row + 2}, column 'x1': empty or missing value (--missing error)"
    )
    assert not os.path.exists(out)
    status, _out, err = run(argv, capsys)
    assert status == 0 and "column 'x1': 1 empty cell filled with the mean" in err


def test_a_question_mark_among_numbers_says_how_to_write_a_missing_value(tmp_path, capsys):
    """UCI's files write missing values as '?'. It is not read as missing, because in a text
    column '?' may be a category that models already saved have learned."""
    path = write(tmp_path, "uci.csv", GOOD_CSV.replace("\n0.5,", "\n?,", 1))
    status, _out, err = run(
        ["train", path, "--target", "y", "--out", str(tmp_path / "m.json")], capsys
    )
    assert error_line(status, err).endswith(
        "uci.csv, line 4, column 'x1': '?' is not a number (a missing value is an empty cell or "
        "NA; --missing-marks ? on the command line, missing_marks=['?'] from Python, reads '?' "
        "as one)"
    )
    # as the message says: the model keeps the mark, and predict reads the file with it too
    model = str(tmp_path / "m.json")
    status, _out, err = run(
        ["train", path, "--target", "y", "--missing-marks", "?", "--out", model], capsys
    )
    assert status == 0 and "column 'x1': 1 empty cell filled with the mean" in err
    status, _out, err = run(["predict", model, path], capsys)
    assert status == 0 and "x1': 1 empty cell filled" in err, err
    assert json.load(open(model))["table"]["missing_marks"] == ["?"]


def test_a_symlink_out_into_a_missing_directory_is_refused_before_training(tmp_path, files, capsys):
    data, _, _ = files
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "gone" / "model.json")
    status, _out, err = run(["train", str(data), "--target", "y", "--out", str(link)], capsys)
    assert error_line(status, err).endswith(
        f"does not exist (the symlink leads to {tmp_path / 'gone' / 'model.json'})"
    )
    assert "epoch" not in err and link.is_symlink()


def test_an_empty_out_name_is_refused_before_training(files, capsys):
    data, _, _ = files
    status, _out, err = run(["train", str(data), "--target", "y", "--out", ""], capsys)
    assert (
        error_line(status, err) == "valuegrad: error: the output file name is empty"
        and err.count("\n") == 1
    )


def test_a_directory_as_out_or_as_data(tmp_path, files, capsys):
    data, model, _ = files
    assert "is a directory" in error_line(
        *run(["train", str(data), "--target", "y", "--out", str(tmp_path)], capsys)[::2]
    )
    assert "is a directory" in error_line(*run(["predict", str(model), str(tmp_path)], capsys)[::2])
    assert "is a directory" in error_line(*run(["predict", str(tmp_path), str(data)], capsys)[::2])


def mutate_model(model, change):
    document = json.loads(model.read_text())
    change(document)
    model.write_text(json.dumps(document))


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d.update(version=99), "format version 99 is newer than this valuegrad reads"),
        (lambda d: d.update(version="1"), "format version '1' is not an integer"),
        (lambda d: d["layers"][0]["weights"][0].__setitem__(0, 10**400), "is 1000000000"),
        (lambda d: d["layers"][0]["weights"].pop(), "layers[0] has 2 weight rows but 3 biases"),
        (
            lambda d: d["table"]["columns"][1].update(std=None),
            "columns[1] needs a finite mean and a positive finite std",
        ),
        (
            lambda d: d["table"]["columns"][0].update(mean=10**400),
            "columns[0] needs a finite mean",
        ),
        (
            lambda d: d["table"]["columns"][0].update(std=0),
            "columns[0] needs a finite mean and a positive finite std",
        ),
        (
            lambda d: d["table"]["columns"][0].update(std=-1.5),
            "columns[0] needs a finite mean and a positive finite std",
        ),
        (lambda d: d.update(layers=[[[[[]]]]]), "layers[0] should be an object"),
        (lambda d: d.clear(), 'not a valuegrad model file (no "format": "valuegrad-mlp")'),
    ],
)
def test_bad_model_files_for_predict(files, capsys, change, expected):
    data, model, old = files
    mutate_model(model, change)
    before = model.read_bytes()
    line = error_line(*run(["predict", str(model), str(data), "--out", str(old)], capsys)[::2])
    assert expected in line and str(model) in line
    assert unchanged(old) and model.read_bytes() == before


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"[" * 100_000, "nested too deeply for a model file"),
        (b"\x00\x01\x02\xff", "not a text (UTF-8) file"),
        (b"   \n", "the file is empty"),
        (
            b'{"format": "valuegrad-mlp", "version": 1, "nin": 2, "layers": [{"activation": "relu", "weights": [[NaN, 1]]',
            "NaN is not allowed",
        ),
    ],
)
def test_corrupt_model_files_for_predict(tmp_path, files, capsys, content, expected):
    data, _, old = files
    model = write(tmp_path, "broken.json", content)
    line = error_line(*run(["predict", model, str(data), "--out", str(old)], capsys)[::2])
    assert expected in line and line.startswith(f"valuegrad: error: {model}: ")
    assert unchanged(old) and open(model, "rb").read() == content


def test_predict_names_a_value_too_far_out_for_the_model(tmp_path, files, capsys):
    _, model, old = files
    mutate_model(model, lambda d: d["table"]["columns"][0].update(std=1e-300))
    data = write(tmp_path, "new.csv", "x1,x2\n1,2\n1e300,3\n")
    line = error_line(*run(["predict", str(model), data, "--out", str(old)], capsys)[::2])
    assert line.endswith(
        "new.csv, line 3, column 'x1': 1e+300 is too far outside the training data for this model"
    )
    assert unchanged(old)


def test_predict_refuses_to_overwrite_its_inputs(files, capsys):
    data, model, _ = files
    before_data, before_model = data.read_bytes(), model.read_bytes()
    for target in (data, model):
        line = error_line(
            *run(["predict", str(model), str(data), "--out", str(target)], capsys)[::2]
        )
        assert "refusing to overwrite the input file" in line
    assert data.read_bytes() == before_data and model.read_bytes() == before_model


def test_a_network_too_big_to_save_and_load_back_is_refused_before_training(files, capsys):
    data, _, old = files
    status, out, err = run(
        ["train", str(data), "--target", "y", "--hidden", "2000,2000", "--out", str(old)], capsys
    )
    line = error_line(status, err)
    assert (
        "a 2-2000-2000-1 network has 4,010,001 parameters, more than the limit of 2,000,000" in line
    )
    assert unchanged(old) and out == ""


def test_data_paths_that_cannot_be_opened_name_the_reason(files, tmp_path, capsys):
    data, _, old = files
    for path, reason in (
        (f"{data}/inside.csv", "Not a directory"),
        (str(tmp_path / ("x" * 5000)), "File name too long"),
    ):
        status, _, err = run(["train", path, "--target", "y", "--out", str(old)], capsys)
        assert f"cannot be read ({reason})" in error_line(status, err)
    assert unchanged(old)


def _seed_putting_rows_0_and_1_in_validation() -> int:
    """A --seed whose split of 10 rows holds out exactly rows 0 and 1 (found, not assumed)."""
    return next(seed for seed in range(1000) if _split(None, 10, 0.2, seed)[1] == [0, 1])


def test_training_rows_with_one_target_value_are_refused_before_training(tmp_path, capsys):
    """The two other values went to validation: R^2 on the training rows would be 0/0."""
    rows = ["1.5,3.5", "2,4.5"] + [f"{x},2.5" for x in (3, 4, 5, 6, 7, 8, 9, 1)]
    path = write(tmp_path, "flat.csv", "x,y\n" + "\n".join(rows) + "\n")
    seed = str(_seed_putting_rows_0_and_1_in_validation())
    out = str(tmp_path / "m.json")
    status, _out, err = run(["train", path, "--target", "y", "--out", out, "--seed", seed], capsys)
    assert error_line(status, err).endswith(
        "column 'y': the target is 2.5 in every training row (the others went to the 2 validation "
        "rows); nothing to learn: try another --seed or a smaller --validation"
    )
    assert "epoch" not in err and not os.path.exists(out)


@pytest.mark.parametrize("value", [2.5, 0.1])
def test_validation_rows_with_one_target_value_give_an_undefined_r2(tmp_path, capsys, value):
    """R^2 there is 0/0; with seven 0.1s the sum of squares about their mean came out 1e-33, not
    0, and R^2 -9e32 was printed."""
    validation = set(_split(None, 35, 0.2, 0)[1])
    rows = [f"{x},{value if x in validation else x * 0.75}" for x in range(35)]
    path = write(tmp_path, "same.csv", "x,y\n" + "\n".join(rows) + "\n")
    argv = ["train", path, "--target", "y", "--out", str(tmp_path / "m.json"), "--epochs", "3"]
    status, out, err = run([*argv, "--features", "x"], capsys)
    assert status == 0 and "validation R^2 undefined (its targets do not vary)" in out
    assert "R^2 undefined (its targets do not vary)" in err and "nan" not in err


def test_predict_takes_the_missing_marks_its_error_advises(tmp_path, capsys):
    """A model trained without marks meets a '?' in a file to predict: the error advises
    --missing-marks ?, which predict (and TableModel.predict, as missing_marks=) now takes;
    the cell is then filled as the model fills empty cells, as an empty cell would be."""
    model = str(tmp_path / "m.json")
    status, _out, _err = run(
        ["train", write(tmp_path, "d.csv", GOOD_CSV), "--target", "y", "--out", model], capsys
    )
    assert status == 0
    marked = write(tmp_path, "q.csv", GOOD_CSV.replace("\n0.5,", "\n?,", 1))
    status, _out, err = run(["predict", model, marked], capsys)
    assert "--missing-marks ? on the command line" in error_line(status, err)
    status, with_mark, err = run(["predict", model, marked, "--missing-marks", "?"], capsys)
    assert status == 0 and "x1': 1 empty cell filled" in err, err
    empty = write(tmp_path, "e.csv", GOOD_CSV.replace("\n0.5,", "\n,", 1))
    status, with_empty, _err = run(["predict", model, empty], capsys)
    assert status == 0 and with_mark == with_empty
    table_model = load_model(model)
    assert table_model.predict(marked, missing_marks=["?"]) == table_model.predict(empty)


def test_out_dash_is_standard_output_for_predict_and_refused_where_a_file_is_written(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a file named "-" would land here
    model = str(tmp_path / "m.json")
    data = write(tmp_path, "d.csv", GOOD_CSV)
    assert run(["train", data, "--target", "y", "--out", model], capsys)[0] == 0
    status, to_stdout, _err = run(["predict", model, data], capsys)
    status_dash, dash, _err = run(["predict", model, data, "--out", "-"], capsys)
    assert status == status_dash == 0 and dash == to_stdout and dash.startswith("prediction")
    status, _out, err = run(["train", data, "--target", "y", "--out", "-"], capsys)
    assert error_line(status, err).endswith("--out -: this command writes a file; give it a name")
    assert not (tmp_path / "-").exists()


def test_predict_with_its_two_files_swapped_says_the_model_comes_first(tmp_path, capsys):
    model = str(tmp_path / "m.json")
    data = write(tmp_path, "d.csv", GOOD_CSV)
    assert run(["train", data, "--target", "y", "--out", model], capsys)[0] == 0
    status, _out, err = run(["predict", data, model], capsys)
    assert error_line(status, err).endswith(
        "(the model comes first: valuegrad predict MODEL.json DATA.csv)"
    )
