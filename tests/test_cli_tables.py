"""valuegrad train / predict on real-looking tables (issue 15), and the output and input bounds of
issue 12 (items 3, 4, 5, 6, 11, 12, 15, 16)."""

import csv
import io
import json
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from cli_run import one_line_error, run
from test_table_model import passengers, write_csv

import nn
from nn import DataError, ModelFileError, load_model, read_columns, read_csv
from nn.tables.csvfile import MAX_LINE_CHARS
from nn.tables.serialize import MAX_MODEL_PARAMETERS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def passenger_csv(tmp_path):
    return write_csv(tmp_path / "passengers.csv", *passengers(n=80))


def test_a_passenger_table_trains_and_predicts_with_ids_kept(tmp_path, passenger_csv, capsys):
    model = str(tmp_path / "m.json")
    status, out, err = run(["train", passenger_csv, "--target", "survived", "--out", model], capsys)
    assert status == 0, err
    assert "column 'id' left out: its integers are all distinct and increasing" in err
    assert "column 'name' left out" in err and "--features name" in err
    assert (
        "empty cells filled with the mean" in err and "filled with the most frequent value" in err
    )
    assert "training accuracy" in out and "validation accuracy" in out
    assert "epoch 20: loss" in err and "validation loss" in err
    status, out, err = run(["predict", model, passenger_csv, "--keep", "id,name"], capsys)
    assert status == 0 and err.endswith("wrote 80 prediction rows\n")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["id", "name", "prediction", "probability_yes"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, 81)]
    assert rows[1][1] == "Person 0 of seed 0"


def test_python_and_cli_predictions_are_identical_bit_for_bit(tmp_path, passenger_csv, capsys):
    model = str(tmp_path / "m.json")
    assert (
        run(
            ["train", passenger_csv, "--target", "survived", "--epochs", "20", "--out", model],
            capsys,
        )[0]
        == 0
    )
    status, out, _ = run(["predict", model, passenger_csv], capsys)
    assert status == 0
    cli_rows = list(csv.reader(io.StringIO(out)))[1:]
    python_rows = load_model(model).predict_table(passenger_csv)[1]
    assert [[label, float(p)] for label, p in cli_rows] == python_rows  # repr round-trips exactly


def test_version_and_singular_messages(tmp_path, capsys):
    status, out, _ = run(["--version"], capsys)
    assert status == 0 and out.startswith("valuegrad ")
    data = write_csv(
        tmp_path / "one.csv", ["x", "y"], [[i, i % 2] for i in [3, 1, 4, 1, 5, 9, 2, 6]]
    )
    status, _, err = run(["train", data, "--target", "y", "--hidden", "none", "--epochs", "2",
                          "--out", str(tmp_path / "m.json")], capsys)  # fmt: skip
    assert status == 0, err
    assert (
        "8 rows (no validation split), 1 input from 1 column, task binary (2 classes); network 1-1"
        in err
    )


def test_regression_with_a_semicolon_table_and_a_cosine_schedule(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    y = 3 * x[:, 0] - x[:, 1] + 0.1 * rng.normal(size=200)
    data = write_csv(tmp_path / "r.csv", ["a", "b", "y"], np.column_stack([x, y]).tolist(), ";")
    status, out, err = run(["train", data, "--target", "y", "--lr-schedule", "cosine", "--l2", "0",
                            "--out", str(tmp_path / "m.json")], capsys)  # fmt: skip
    assert status == 0, err
    assert float(out.split("validation R^2 ")[1].split(";")[0]) > 0.98


# --- issue 12 -------------------------------------------------------------------------------


def test_a_run_that_cannot_print_its_result_keeps_the_old_model(tmp_path, passenger_csv):
    # item 3: stdout on a full disk made train exit 1 after it had replaced the model file
    model = tmp_path / "m.json"
    model.write_text("the old model")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "nn.cli", "train", passenger_csv, "--target", "survived", "--epochs", "2",
             "--out", str(model)], cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode != 0
    assert model.read_text() == "the old model"


def _huge_weights_model(tmp_path, passenger_csv, capsys):
    model = tmp_path / "m.json"
    assert (
        run(
            ["train", passenger_csv, "--target", "survived", "--epochs", "1", "--out", str(model)],
            capsys,
        )[0]
        == 0
    )
    document = json.loads(model.read_text())
    for layer in document["layers"]:
        layer["weights"] = [
            [1e300 * (-1) ** j for j, _ in enumerate(row)] for row in layer["weights"]
        ]
    model.write_text(json.dumps(document))
    return model


def test_predict_refuses_non_finite_probabilities(tmp_path, passenger_csv, capsys):
    # item 4: finite but huge weights gave nan probabilities, written with exit status 0
    model = _huge_weights_model(tmp_path, passenger_csv, capsys)
    out_file = tmp_path / "p.csv"
    message = one_line_error(
        *run(["predict", str(model), passenger_csv, "--out", str(out_file)], capsys)
    )
    assert "passengers.csv, line 2: the model's output for this row is not finite" in message
    assert not out_file.exists()


def test_predict_refuses_a_prediction_that_overflows_the_target_scale(tmp_path, capsys):
    # item 4: a regression model trained on targets near the float limit predicted inf
    data = write_csv(
        tmp_path / "big.csv", ["x", "y"], [[1, 1e308], [3, -1e308], [2, 1.7e308], [4, -1.7e308]]
    )
    model = tmp_path / "m.json"
    assert (
        run(
            [
                "train",
                data,
                "--target",
                "y",
                "--task",
                "regression",
                "--epochs",
                "2",
                "--out",
                str(model),
            ],
            capsys,
        )[0]
        == 0
    )
    document = json.loads(model.read_text())
    document["layers"][-1]["biases"] = [1e3]  # far outside the training range once un-standardized
    model.write_text(json.dumps(document))
    message = one_line_error(*run(["predict", str(model), data], capsys))
    assert (
        "big.csv, line 2: the model's prediction for this row is beyond the range of floating-point numbers"
        in message
    )


def test_targets_near_the_float_limit_train_and_predict_or_refuse_by_row(tmp_path, capsys):
    # x - mean overflowed while standardizing 1.79e308 against a negative mean: loss inf at step 1
    rows = [[1, 1e308], [3, -1e308], [2, 1.7e308], [4, -1.7e308], [5, 1.79e308]]
    data = write_csv(tmp_path / "near.csv", ["x", "y"], rows)
    model = str(tmp_path / "m.json")
    status, _, err = run(
        ["train", data, "--target", "y", "--task", "regression", "--out", model], capsys
    )
    assert status == 0, err
    status, out, err = run(["predict", model, data], capsys)
    if status == 0:
        assert all(np.isfinite(float(r[0])) for r in list(csv.reader(io.StringIO(out)))[1:])
    else:
        assert "near.csv, line " in one_line_error(status, out, err)


def test_an_unwritable_output_directory_is_found_before_training(tmp_path, passenger_csv, capsys):
    # item 5: noticed only after training, and the error named the temporary file
    target = "/proc/valuegrad-model.json"
    status, out, err = run(
        ["train", passenger_csv, "--target", "survived", "--out", target], capsys
    )
    message = one_line_error(status, out, err)
    assert message.startswith(f"valuegrad: error: {target}: cannot write in /proc")
    assert ".tmp" not in message


def test_a_lone_surrogate_in_a_class_name_is_refused_on_load(tmp_path, passenger_csv, capsys):
    # item 6: "\ud800" is valid JSON but no file can be written with it
    model = tmp_path / "m.json"
    assert (
        run(
            ["train", passenger_csv, "--target", "survived", "--epochs", "1", "--out", str(model)],
            capsys,
        )[0]
        == 0
    )
    document = json.loads(model.read_text())
    document["table"]["classes"][0] = "\ud800"
    model.write_text(json.dumps(document))
    message = one_line_error(*run(["predict", str(model), passenger_csv], capsys))
    assert str(model) in message and "is not valid Unicode text" in message
    with pytest.raises(ModelFileError, match="not valid Unicode text"):
        load_model(model)


def test_a_version_1_model_with_a_lone_surrogate_class_is_refused(tmp_path):
    network = nn.MLP(1, [2], seed=0)
    metadata = {"task": "multiclass", "target": "y", "features": ["x"], "feature_mean": [0.0],
                "feature_std": [1.0], "classes": ["a", "\ud800"]}  # fmt: skip
    (tmp_path / "m.json").write_text(json.dumps(nn.model_to_dict(network, metadata)))
    with pytest.raises(ModelFileError, match="not valid Unicode text"):
        load_model(tmp_path / "m.json")


@pytest.mark.parametrize("reader", [read_csv, read_columns])
def test_one_huge_line_is_refused_without_reading_it_whole(tmp_path, reader):
    # item 11: a file that is one line was read whole (twice its size in memory) before the error
    path = tmp_path / "one_line.csv"
    size = 20 * MAX_LINE_CHARS
    with open(path, "w") as handle:
        for _ in range(20):
            handle.write("a" * MAX_LINE_CHARS)
    tracemalloc.start()
    try:
        with pytest.raises(
            DataError, match=f"line 1: a line longer than {MAX_LINE_CHARS:,} characters"
        ):
            reader(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size / 4


def test_a_model_file_of_too_many_parameters_is_refused_before_it_is_built(tmp_path):
    # item 12: a compact file of millions of zeros took 35 s and 1.9 GB before failing
    width = 1500  # 1500 x (1500 + 1) + ... > MAX_MODEL_PARAMETERS
    row = "[" + ",".join(["0"] * width) + "]"
    layer = (
        '{"activation": "linear", "weights": ['
        + ",".join([row] * width)
        + '], "biases": ['
        + ",".join(["0"] * width)
        + "]}"
    )
    text = '{"format": "valuegrad-mlp", "version": 1, "nin": 1500, "layers": [' + layer + "]}"
    (tmp_path / "big.json").write_text(text)
    expected = width * (width + 1)
    assert expected > MAX_MODEL_PARAMETERS
    with pytest.raises(
        ModelFileError, match=f"the network has {expected:,} parameters, more than the"
    ):
        nn.load_model_with_metadata(tmp_path / "big.json")
    many = (
        '{"format": "valuegrad-mlp", "version": 1, "nin": 1, "metadata": {"x": ['
        + ",".join(["0"] * 4_100_000)
        + "]}}"
    )
    (tmp_path / "many.json").write_text(many)
    with pytest.raises(ModelFileError, match="holds more than 4,000,000 list items"):
        nn.load_model(tmp_path / "many.json")


def test_final_metrics_do_not_run_the_network_row_by_row(tmp_path, monkeypatch, capsys):
    # item 15: after a compiled epoch, every row was evaluated eagerly, twice, for the metrics
    rows = [[i * 0.01, (i * 7919) % 13 * 0.1, i % 2] for i in range(400)]
    data = write_csv(tmp_path / "t.csv", ["a", "b", "y"], rows)
    calls = []
    real_call = nn.MLP.__call__
    monkeypatch.setattr(nn.MLP, "__call__", lambda self, x: calls.append(1) or real_call(self, x))
    status, _, err = run(
        ["train", data, "--target", "y", "--epochs", "3", "--out", str(tmp_path / "m.json")], capsys
    )
    assert status == 0, err
    assert len(calls) < 20  # the traces only, not one call per row


def test_spreadsheet_safe_prefixes_formula_like_class_names(tmp_path, capsys):
    # item 16: class names starting with = + - @ reach the CSV unchanged unless asked otherwise
    rows = [[(i * 7) % 20, "=SUM(A1)" if i % 2 else "@home"] for i in range(20)]
    data = write_csv(tmp_path / "t.csv", ["x", "y"], rows)
    model = str(tmp_path / "m.json")
    assert run(["train", data, "--target", "y", "--epochs", "2", "--out", model], capsys)[0] == 0
    status, out, _ = run(["predict", model, data, "--spreadsheet-safe"], capsys)
    assert status == 0
    labels = {r[0] for r in list(csv.reader(io.StringIO(out)))[1:]}
    assert labels <= {"'=SUM(A1)", "'@home"} and labels
    header = next(csv.reader(io.StringIO(out)))
    assert header[1].startswith("probability_")


def test_the_readme_commands_run_on_the_example_tables_that_ship(tmp_path, capsys):
    # A docs trial: the README's train/predict commands named tables the project did not have
    examples = Path(__file__).resolve().parents[1] / "docs" / "examples"
    model = tmp_path / "model.json"
    status, _, err = run(
        ["train", str(examples / "passengers.csv"), "--target", "survived", "--out", str(model)],
        capsys,
    )
    assert status == 0, err
    assert "column 'id' left out" in err and "column 'name' left out" in err
    assert "40 rows (32 training, 8 validation), 5 inputs from 4 columns" in err
    out_csv = tmp_path / "predictions.csv"
    status, _, err = run(
        ["predict", str(model), str(examples / "new_passengers.csv"), "--keep", "id,name",
         "--out", str(out_csv)],
        capsys,
    )  # fmt: skip
    assert status == 0, err
    rows = list(csv.reader(out_csv.open()))
    assert rows[0] == ["id", "name", "prediction", "probability_yes"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(41, 47)]
    assert {r[2] for r in rows[1:]} <= {"yes", "no"}


def test_a_negative_seed_is_a_usage_error(tmp_path, passenger_csv, capsys):
    # An adversarial trial: --seed -1 ended in "internal error: ValueError: expected non-negative integer"
    status, _, err = run(
        ["train", passenger_csv, "--target", "survived", "--seed", "-1", "--out", str(tmp_path / "m.json")],
        capsys,
    )  # fmt: skip
    assert status == 2 and "argument --seed: '-1' must be at least 0" in err


def test_a_diverging_run_says_what_to_change_on_the_command_line(tmp_path, passenger_csv, capsys):
    # An adversarial trial: --lr 1e300 ended with "pass allow_nonfinite=True to continue anyway",
    # an argument of nn.train that the command line does not have
    status, _, err = run(
        ["train", passenger_csv, "--target", "survived", "--lr", "1e300", "--out", str(tmp_path / "m.json")],
        capsys,
    )  # fmt: skip
    assert status == 1 and "lower the learning rate" in err and "allow_nonfinite" not in err


# --- a practitioner's real exports -----------------------------------------------------------


def test_decimal_commas_in_a_semicolon_export_train_as_the_same_numbers_with_points(
    tmp_path, capsys
):
    # A European spreadsheet's export (BOM, CRLF, ';', 0,5): its numeric columns were left out
    # as "like names or identifiers" and the model trained on almost nothing
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 2)).round(4)
    y = (2 * x[:, 0] - x[:, 1]).round(4)
    rows = np.column_stack([x, y]).tolist()
    dotted = write_csv(tmp_path / "dot.csv", ["a", "b", "y"], rows, ";")
    comma = tmp_path / "comma.csv"
    lines = ["a;b;y"] + [";".join(repr(v).replace(".", ",") for v in row) for row in rows]
    comma.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())
    models = []
    for data in (dotted, str(comma)):
        models.append(str(tmp_path / f"{Path(data).stem}.json"))
        status, _, err = run(["train", data, "--target", "y", "--epochs", "30", "--out", models[-1]], capsys)  # fmt: skip
        assert status == 0, err
        assert ("read with decimal commas (0,5 as 0.5): 'a', 'b'" in err) == (data != dotted)
        assert "left out" not in err
    first, second = (json.loads(Path(m).read_text()) for m in models)
    assert first["layers"] == second["layers"]  # the same numbers, the same training
    outputs = [run(["predict", m, str(comma)], capsys)[1] for m in models]
    assert outputs[0] == outputs[1]


def test_a_decimal_comma_is_read_only_where_commas_do_not_separate_the_cells(tmp_path):
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("a;b\n1,5;x\n2;y\n-0,25;z\n,5;w\n")
    table = read_columns(str(mixed))
    assert list(table.columns["a"].numbers) == [1.5, 2.0, -0.25, 0.5]
    assert table.columns["b"].is_text and not table.columns["b"].decimal_comma
    # a typo among them stays a typo (it made the whole column categories), and a number out
    # of float range is not read as inf
    odd = tmp_path / "odd.csv"
    odd.write_text("a;b\n1,5;1\n2,5;2\n1.234,5;3\n1,5e400;4\n")
    column = read_columns(str(odd)).columns["a"]
    assert list(column.numbers)[:2] == [1.5, 2.5] and column.texts == {2: "1.234,5", 3: "1,5e400"}
    with pytest.raises(DataError) as error:
        nn.TableModel(epochs=1).fit(str(odd), "b")
    assert "line 4, column 'a': '1.234,5' is not a number" in str(error.value)
    assert "line 5, column 'a': '1,5e400' is not a finite number" in str(error.value)
    # where 0,5 is ambiguous it is not read, and the error says why
    for rows, doubt in (
        ("1,5;1\n2.5;2\n3;3\n", "writes both decimal commas (0,5) and points (0.5)"),
        ("1,500;1\n2;2\n3;3\n", "may be a decimal comma or a thousands separator"),
    ):
        mixed = tmp_path / "doubt.csv"
        mixed.write_text("a;b\n" + rows)
        with pytest.raises(DataError, match=re.escape(doubt)):
            nn.TableModel(epochs=1).fit(str(mixed), "b")
    # in a comma-separated file a quoted "1,5" stays text: it may be a thousands separator
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('a,b\n"1,5",1\n"2,5",2\n')
    assert read_columns(str(quoted)).columns["a"].texts == {0: "1,5", 1: "2,5"}


def test_three_decimal_exports_read_every_column_as_the_file_writes_decimals(tmp_path, capsys):
    # a practitioner's German export with three decimals everywhere (110,000 for 110): columns
    # whose values were all >= 1 (every comma before three digits) became categories or were
    # left out, and predict on a test file of the same format refused 1,930 as ambiguous
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.uniform(1, 9, 80), rng.uniform(0, 1, 80)])  # a: 1,000 to 9,000
    y = (x[:, 0] + 4 * x[:, 1]).round(3)

    def write_export(path: Path, rows: np.ndarray, header: str = "a;b;y") -> str:
        cells = [";".join(f"{v:.3f}".replace(".", ",") for v in row) for row in rows]
        path.write_text(header + "\n" + "\n".join(cells) + "\n")
        return str(path)

    train_file = write_export(tmp_path / "train.csv", np.column_stack([x, y]))
    model = str(tmp_path / "m.json")
    status, _, err = run(["train", train_file, "--target", "y", "--epochs", "3", "--out", model], capsys)  # fmt: skip
    assert status == 0, err
    assert "read with decimal commas (0,5 as 0.5): 'a', 'b'" in err and "left out" not in err
    assert "2 inputs from 2 columns" in err
    table = read_columns(train_file)
    assert np.allclose(list(table.columns["a"].numbers), x[:, 0].round(3))
    # the test file's a and b both look like thousands (b >= 1 here): the model knows better
    test_rows = np.array([[1.93, 1.25], [2.5, 1.5]])
    status, out, err = run(
        ["predict", model, write_export(tmp_path / "t.csv", test_rows, "a;b")], capsys
    )
    assert status == 0, err
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n1.93,1.25\n2.5,1.5\n")
    # the same numbers read; one column is written as plain CSV (no separator to sniff back)
    assert out == run(["predict", model, str(plain)], capsys)[1]
    (tmp_path / "out.csv").write_text(out)
    assert nn.read_columns(str(tmp_path / "out.csv")).n_rows == 2
    # a file where nothing settles it is still refused, not taken as categories
    (tmp_path / "doubt.csv").write_text("a;y\n1,500;1\n2,250;2\n3,125;3\n4,000;4\n")
    with pytest.raises(DataError, match="no other column settles it") as refused:
        nn.TableModel(epochs=1).fit(str(tmp_path / "doubt.csv"), "y")
    # the reason once, at the column's first cell (it was repeated for each of 20 cells)
    message = str(refused.value)
    assert message.count("settles it") == 1 and message.count("is not a number") == 4
    assert "line 5, column 'a': '4,000' is not a number)" in message
    # the user can settle it: --decimal-comma (decimal_comma=True), kept in the model
    model = str(tmp_path / "doubt.json")
    arguments = ["--target", "y", "--decimal-comma", "--epochs", "1", "--validation", "0"]
    status, _, err = run(["train", str(tmp_path / "doubt.csv"), *arguments, "--out", model], capsys)
    assert status == 0, err
    [rule] = load_model(model).preprocessor.rules
    assert rule.decimal_comma and rule.mean == (1.5 + 2.25 + 3.125 + 4.0) / 4  # by hand
    assert run(["predict", model, str(tmp_path / "doubt.csv")], capsys)[0] == 0
    (tmp_path / "commas.csv").write_text("a,y\n1.5,1\n2.5,2\n3.5,3\n")
    status, _, err = run(
        ["train", str(tmp_path / "commas.csv"), *arguments, "--out", model], capsys
    )
    assert status == 1 and "separated by commas, so its numbers cannot have decimal commas" in err


def test_kept_columns_are_copied_as_written(tmp_path, passenger_csv, capsys):
    # --keep is there to match rows by id: 00123 came back as 123, a 20-digit id lost digits
    model = str(tmp_path / "m.json")
    assert run(["train", passenger_csv, "--target", "survived", "--epochs", "2", "--out", model], capsys)[0] == 0  # fmt: skip
    with open(passenger_csv, newline="") as handle:
        rows = list(csv.reader(handle))
    ids = ["00123", "12345678901234567890", "9007199254740993", "1e3", " 7 ", "", "-0.5"]
    for row, written in zip(rows[1:], ids):
        row[0] = written
    data = write_csv(tmp_path / "ids.csv", rows[0], rows[1:])
    status, out, err = run(["predict", model, data, "--keep", "id", "--spreadsheet-safe"], capsys)
    assert status == 0, err
    kept = [r[0] for r in list(csv.reader(io.StringIO(out)))[1:]]
    assert kept[: len(ids)] == ids  # -0.5 is a number, not a formula
    _, python_rows = load_model(model).predict_table(data, keep=["id"])
    assert [r[0] for r in python_rows] == kept


@pytest.mark.parametrize("keep", ["id,prediction", "id,id"])
def test_kept_columns_that_would_repeat_an_output_name_are_refused(
    tmp_path, passenger_csv, capsys, keep
):
    # a header with a name twice is ambiguous, and valuegrad refused to read it back
    model = str(tmp_path / "m.json")
    assert run(["train", passenger_csv, "--target", "survived", "--epochs", "2", "--out", model], capsys)[0] == 0  # fmt: skip
    with open(passenger_csv, newline="") as handle:
        rows = list(csv.reader(handle))
    data = write_csv(tmp_path / "p.csv", [*rows[0], "prediction"], [[*r, "old"] for r in rows[1:]])
    status, out, err = run(["predict", model, data, "--keep", keep], capsys)
    name = keep.split(",")[1]
    assert status != 0 and out == ""
    assert f"p.csv, line 1: keep: the output would have two columns named '{name}'" in err


def test_epoch_lines_clear_the_progress_bar_instead_of_being_glued_to_it(
    tmp_path, passenger_csv, capsys
):
    # in a terminal, each epoch line was written right after the bar ("...loss=0.089]epoch 6:
    # loss ...") and every redraw left an old bar line behind
    model = str(tmp_path / "m.json")
    status, _, err = run(["train", passenger_csv, "--target", "survived", "--epochs", "30", "--progress", "--out", model], capsys)  # fmt: skip
    assert status == 0
    starts = [
        err[:k]
        for k in range(len(err))
        if err.startswith("epoch 3: loss", k) or err.startswith("epoch 30: loss", k)
    ]
    assert len(starts) == 2 and "%|" in err  # the bar was drawn
    for before in starts:
        assert before.endswith("\r") or before.endswith("\n"), repr(before[-40:])


def test_spreadsheet_safe_covers_kept_column_names_and_leaves_decimal_comma_numbers(
    tmp_path, capsys
):
    rows = [[k % 5, f"{k % 3 - 1},5", "yes" if k % 2 else "no"] for k in range(20)]
    data = write_csv(tmp_path / "t.csv", ["x", "=cmd", "y"], rows, ";")
    model = str(tmp_path / "m.json")
    assert run(["train", data, "--target", "y", "--epochs", "2", "--out", model], capsys)[0] == 0
    status, out, err = run(["predict", model, data, "--keep", "=cmd", "--spreadsheet-safe"], capsys)
    assert status == 0, err
    table = list(csv.reader(io.StringIO(out), delimiter=";"))  # written as the input was
    assert table[0][0] == "'=cmd"  # a kept name is a cell of the file too
    assert [r[0] for r in table[1:4]] == ["-1,5", "0,5", "1,5"]  # numbers, not formulas


def test_predict_writes_in_the_input_files_style(tmp_path, capsys):
    # a German user's round trip: the predictions came back comma-separated with decimal
    # points beside kept cells with decimal commas, one column in their spreadsheet
    rows = "id;x;y\n" + "".join(f"{k};{k % 7},25;{'ab'[k % 2]}\n" for k in range(30))
    (tmp_path / "de.csv").write_text(rows)
    model = str(tmp_path / "m.json")
    assert run(["train", str(tmp_path / "de.csv"), "--target", "y", "--epochs", "2", "--out", model], capsys)[0] == 0  # fmt: skip
    status, out, err = run(["predict", model, str(tmp_path / "de.csv"), "--keep", "id,x"], capsys)
    assert status == 0, err
    table = list(csv.reader(io.StringIO(out), delimiter=";"))
    assert table[0] == ["id", "x", "prediction", "probability_b"]
    assert table[1][:3] == ["0", "0,25", "a"] or table[1][:3] == ["0", "0,25", "b"]
    probability = float(table[1][3].replace(",", "."))  # a decimal comma, as the input wrote
    assert "," in table[1][3] and 0.0 < probability < 1.0
    # features all whole numbers: the model's decimal commas decide the style
    (tmp_path / "whole.csv").write_text("id;x\n0;1\n1;\n")  # (an empty cell writes no point)
    whole = run(["predict", model, str(tmp_path / "whole.csv")], capsys)[1].splitlines()
    assert whole[0] == "prediction;probability_b" and "," in whole[1] and "." not in whole[1]
    # a tab-separated file that writes points keeps points, beside its own kept 0.25
    (tmp_path / "tab.csv").write_text("id\tx\n0\t0.25\n")
    status, out, _ = run(["predict", model, str(tmp_path / "tab.csv"), "--keep", "x"], capsys)
    kept, _, probability = out.splitlines()[1].split("\t")
    assert kept == "0.25" and "." in probability and "," not in probability
    # a comma-separated file with points gets commas and points back
    (tmp_path / "en.csv").write_text("id,x\n0,0.25\n")
    status, out, _ = run(["predict", model, str(tmp_path / "en.csv")], capsys)
    assert out.splitlines()[0] == "prediction,probability_b" and "." in out.splitlines()[1]


def test_a_column_name_with_a_comma_is_given_in_double_quotes(tmp_path, capsys):
    # "sepal length, cm" could not be named in --drop, --features or --keep: the list was cut
    # at its comma, and the error listed the columns with commas between them
    rows = [[f"{4 + k % 7 * 0.3:.1f}", f"{k % 5:.1f}", "ab"[k % 2]] for k in range(30)]
    path = write_csv(tmp_path / "iris.csv", ["sepal length, cm", "width", "name"], rows)
    model = str(tmp_path / "m.json")
    status, _, err = run(
        ["train", path, "--target", "name", "--out", model, "--drop", "sepal length"], capsys
    )
    assert status == 1
    assert "the columns are: 'sepal length, cm', 'width', 'name'" in err
    assert """gives it in double quotes, as in '"sepal length, cm"'""" in err
    arguments = ["--drop", '"sepal length, cm"', "--epochs", "1"]
    status, out, err = run(["train", path, "--target", "name", "--out", model, *arguments], capsys)
    assert status == 0, err
    assert [rule.name for rule in load_model(model).preprocessor.rules] == ["width"]
    status, out, err = run(["predict", model, path, "--keep", 'width,"sepal length, cm"'], capsys)
    assert status == 0, err
    assert out.splitlines()[0].startswith('width,"sepal length, cm",prediction')
    status, _, err = run(
        ["train", path, "--target", "name", "--out", model, "--drop", '"open'], capsys
    )
    assert status == 2 and "a name with a comma in double quotes" in err
