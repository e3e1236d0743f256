"""The valuegrad command: demos, train/predict round trips, and one-line errors for bad input."""

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest
from cli_run import one_line_error, run

from nn.cli import COMMANDS, build_parser


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def regression_csv(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = 3.0 * X[:, 0] - X[:, 1] + 10.0
    return write_csv(tmp_path / "reg.csv", ["x1", "x2", "y"], np.column_stack([X, y]).tolist())


@pytest.fixture
def species_csv(tmp_path):
    rng = np.random.default_rng(1)
    centres = {"setosa": (0.0, 3.0), "versicolor": (-3.0, -2.0), "virginica": (3.0, -2.0)}
    rows = [
        [*(np.array(c) + rng.normal(scale=0.5, size=2)).tolist(), name]
        for name, c in centres.items()
        for _ in range(15)
    ]
    return write_csv(tmp_path / "iris.csv", ["a", "b", "species"], rows)


def test_xor_refuses_a_hidden_layer_too_wide_to_build(capsys):
    status, out, err = run(["xor", "--hidden", "100000000"], capsys)
    assert status == 2 and "wider than the limit of 10,000" in err and out == ""


def test_train_compiles_by_default_and_eager_gives_the_same_model(tmp_path, species_csv, capsys):
    models = {}
    for engine in ("auto", "eager"):
        path = tmp_path / f"{engine}.json"
        status, out, err = run(["train", species_csv, "--target", "species", "--hidden", "5", "--epochs", "4",
                                "--engine", engine, "--out", str(path)], capsys)  # fmt: skip
        assert status == 0, err
        assert ("(compiled engine)" if engine == "auto" else "(eager engine)") in out
        models[engine] = json.loads(path.read_text())
    compiled_layers, eager_layers = models["auto"]["layers"], models["eager"]["layers"]
    flat = [
        np.ravel(np.asarray(layer[key], dtype=float))
        for layer in compiled_layers
        for key in ("weights", "biases")
    ]
    twin = [
        np.ravel(np.asarray(layer[key], dtype=float))
        for layer in eager_layers
        for key in ("weights", "biases")
    ]
    np.testing.assert_allclose(np.concatenate(flat), np.concatenate(twin), rtol=1e-10, atol=1e-13)


def test_xor_prints_the_notes_tables_and_a_trained_net(capsys):
    status, out, err = run(["xor", "--epochs", "300"], capsys)
    assert status == 0 and err == ""
    assert (
        "AND bias -30, weights +20, +20:  00->0.00000  01->0.00005  10->0.00005  11->0.99995" in out
    )
    assert "z = 0.81" in out
    assert "   0  1 | 1.0000  1.0000 | 1.0000 -> 1" in out  # XOR row of lecture 004
    assert "XNOR = OR(AND, NOR)" in out and "solved" in out


def test_worked_example_prints_the_step_by_step_numbers(capsys):
    status, out, _ = run(["worked-example", "--steps", "10"], capsys)
    assert status == 0
    assert "o1: z = 1.105905967  a = 0.751365070" in out
    assert "J = 0.298371109" in out
    assert "w1    L0.N0.w0  0.1500  +0.000438568  0.149780716" in out
    assert "After 10 steps: J = " in out and "Variant: biases trained too" in out


def read_predictions(text):
    return list(csv.reader(io.StringIO(text)))


def test_train_then_predict_regression(tmp_path, regression_csv, capsys):
    model = str(tmp_path / "model.json")
    status, out, err = run(["train", regression_csv, "--target", "y", "--hidden", "8", "--epochs", "60",
                            "--lr", "0.03", "--batch-size", "8", "--out", model], capsys)  # fmt: skip
    assert status == 0, err
    assert "task regression" in err and "network 2-8-1" in err
    r2 = float(out.split("R^2 ")[1].split()[0].strip(",;"))
    assert r2 > 0.95
    table = json.load(open(model))["table"]
    assert [c["name"] for c in table["columns"]] == ["x1", "x2"] and table["task"] == "regression"
    status, out, err = run(["predict", model, regression_csv], capsys)
    assert status == 0 and err == "wrote 40 prediction rows\n"
    rows = read_predictions(out)
    assert rows[0] == ["prediction"] and len(rows) == 41
    truth = np.loadtxt(regression_csv, delimiter=",", skiprows=1)[:, 2]
    assert (
        np.abs(np.array([float(r[0]) for r in rows[1:]]) - truth).mean() < 0.5
    )  # y spans about +-8 around 10


def test_train_then_predict_classes_by_name(tmp_path, species_csv, capsys):
    model, out_file = str(tmp_path / "model.json"), str(tmp_path / "pred.csv")
    status, out, err = run(["train", species_csv, "--target", "species", "--hidden", "6", "--epochs", "30",
                            "--activation", "tanh", "--out", model], capsys)  # fmt: skip
    assert status == 0, err
    assert "task multiclass (3 classes)" in err and "training accuracy 1.0000" in out
    status, out, err = run(["predict", model, species_csv, "--out", out_file], capsys)
    assert status == 0 and out == "" and err == f"wrote 45 prediction rows to {out_file}\n"
    rows = read_predictions(open(out_file).read())
    assert rows[0] == [
        "prediction",
        "probability_setosa",
        "probability_versicolor",
        "probability_virginica",
    ]
    assert [r[0] for r in rows[1:]] == ["setosa"] * 15 + ["versicolor"] * 15 + ["virginica"] * 15
    assert all(abs(sum(map(float, r[1:])) - 1.0) < 1e-12 for r in rows[1:])


def test_binary_task_is_inferred_from_zero_one_targets(tmp_path, capsys):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2))
    data = write_csv(
        tmp_path / "b.csv", ["p", "q", "label"], [[*x, int(x[0] > 0)] for x in X.tolist()]
    )
    model = str(tmp_path / "m.json")
    status, out, err = run(
        ["train", data, "--target", "label", "--hidden", "", "--epochs", "40", "--out", model],
        capsys,
    )
    assert status == 0 and "task binary (2 classes); network 2-1" in err
    status, out, _ = run(["predict", model, data], capsys)
    assert read_predictions(out)[0] == ["prediction", "probability_1"]


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "missing.csv: no such file"),
        ("", "data.csv: the file is empty"),
        ("x1,x2,y\n1,2,3\n4,oops,6\n", "data.csv, line 3, column 'x2': 'oops' is not a number"),
        ("x1,x2,y\n1,2,3\n4,5\n", "data.csv, line 3: 2 cells, but the header has 3 columns"),
        (
            "x1,x2,y\n1,2,3\n4,5,nan\n",
            "data.csv, line 3, column 'y': the target is empty or missing",
        ),
        (
            "x1,x2,y\n1,inf,3\n4,5,6\n",
            "data.csv, line 2, column 'x2': 'inf' is not a finite number",
        ),
        ("x1,x2,z\n1,2,3\n4,5,6\n", "data.csv, line 1: no column 'y'; the columns are: x1, x2, z"),
        (
            "x1,x2,y\n1,2,3.5\n4,5,abc\n6,7,8.25\n",
            "data.csv, line 3, column 'y': 'abc' is not a number",
        ),
    ],
    ids=["missing", "empty", "non-numeric", "ragged", "nan", "inf", "no-target", "typo-in-target"],
)
def test_bad_training_data_is_one_line_naming_the_place(tmp_path, capsys, content, expected):
    name = "missing.csv" if content is None else "data.csv"
    if content is not None:
        (tmp_path / name).write_text(content)
    out_file = tmp_path / "model.json"
    out_file.write_text("an older model")
    status, out, err = run(
        ["train", str(tmp_path / name), "--target", "y", "--out", str(out_file)], capsys
    )
    message = one_line_error(status, out, err)
    assert expected in message and str(tmp_path) in message
    assert out_file.read_text() == "an older model"  # never clobbered by a failed run


def test_model_and_data_that_do_not_match(tmp_path, regression_csv, capsys):
    model = str(tmp_path / "model.json")
    assert (
        run(
            [
                "train",
                regression_csv,
                "--target",
                "y",
                "--hidden",
                "4",
                "--epochs",
                "2",
                "--out",
                model,
            ],
            capsys,
        )[0]
        == 0
    )
    other = write_csv(tmp_path / "other.csv", ["x1", "w"], [[1.0, 2.0]])
    previous = tmp_path / "pred.csv"
    previous.write_text("keep me")
    message = one_line_error(*run(["predict", model, other, "--out", str(previous)], capsys))
    assert message.endswith(
        "other.csv, line 1: no column 'x2', which the model was trained on (it needs: x1, x2)"
    )
    assert previous.read_text() == "keep me"

    document = json.load(open(model))
    document["table"]["columns"].append({"name": "x3", "kind": "numeric", "mean": 0, "std": 1})
    json.dump(document, open(model, "w"))
    message = one_line_error(*run(["predict", model, regression_csv], capsys))
    assert message.endswith("the columns make 3 inputs but the network takes 2")

    open(model, "w").write('{"format": "valuegrad-mlp", "version": 1, "nin": 2, "layers": [')
    message = one_line_error(*run(["predict", model, regression_csv], capsys))
    assert "model.json: not valid JSON" in message

    message = one_line_error(*run(["predict", regression_csv, regression_csv], capsys))
    assert "reg.csv: not valid JSON" in message


def test_refuses_to_overwrite_its_input(tmp_path, regression_csv, capsys):
    before = open(regression_csv).read()
    message = one_line_error(
        *run(["train", regression_csv, "--target", "y", "--out", regression_csv], capsys)
    )
    assert (
        "refusing to overwrite the input file" in message and open(regression_csv).read() == before
    )
    message = one_line_error(
        *run(
            ["train", regression_csv, "--target", "y", "--out", str(tmp_path / "no" / "m.json")],
            capsys,
        )
    )
    assert "does not exist" in message


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (
            ["train", "d.csv", "--target", "y", "--out", "m.json", "--epochs", "ten"],
            "argument --epochs: 'ten' is not a whole number",
        ),
        (
            ["train", "d.csv", "--target", "y", "--out", "m.json", "--hidden", "16,x"],
            "'16,x' should be layer widths like 16,16",
        ),
        (
            ["train", "d.csv", "--target", "y", "--out", "m.json", "--activation", "swish"],
            "unknown activation 'swish'",
        ),
        (["train", "d.csv", "--out", "m.json"], "the following arguments are required: --target"),
        (["fly"], "invalid choice: 'fly'"),
    ],
)
def test_bad_command_lines_are_one_line_with_status_2(capsys, argv, fragment):
    status, _out, err = run(argv, capsys)
    assert status == 2 and err.count("\n") == 1 and fragment in err and "--help" in err


def test_every_command_is_one_registered_function():
    parser = build_parser()
    names = set(parser._subparsers._group_actions[0].choices)
    assert {"xor", "worked-example", "train", "predict"} <= names and len(names) == len(COMMANDS)


def test_the_real_process_exits_non_zero_without_a_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nn.cli",
            "predict",
            str(tmp_path / "nope.json"),
            str(tmp_path / "nope.csv"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"valuegrad: error: {tmp_path / 'nope.json'}: no such file\n"


@pytest.mark.parametrize("sizes", [[5, 1], [6, 4, 3]])
def test_predict_with_a_plain_network_file_gives_what_calling_the_network_gives(
    tmp_path, capsys, sizes
):
    """A plain network's file predicts the whole table as arrays (nn.batch): the numbers are the
    network's own, called row by row with the scalar engine, to rounding."""
    import nn

    network = nn.MLP(3, sizes, activation="tanh", output_activation="linear", seed=2)
    nn.save_model(network, tmp_path / "net.json")
    X = np.random.default_rng(5).normal(size=(30, 3)) * 2.0
    data = write_csv(tmp_path / "x.csv", ["a", "b", "c"], X.tolist())
    status, out, _ = run(["predict", str(tmp_path / "net.json"), data], capsys)
    assert status == 0
    header, *rows = read_predictions(out)
    nout = sizes[-1]
    assert header == (["output"] if nout == 1 else [f"output_{k}" for k in range(nout)])
    expected = [network.layer_outputs(row)[-1] for row in X.tolist()]
    got = np.array(rows, dtype=float)
    want = np.array([[v.data for v in out] for out in expected])
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def test_predict_names_the_row_whose_plain_network_output_overflows(tmp_path, capsys):
    import nn

    network = nn.MLP(1, [1], activation="linear", seed=0)
    network.layers[0].neurons[0].w[0].data = 1e300
    nn.save_model(network, tmp_path / "net.json")
    data = write_csv(tmp_path / "x.csv", ["a"], [[0.5], [1e10], [2.0]])
    message = one_line_error(*run(["predict", str(tmp_path / "net.json"), data], capsys))
    assert "not finite" in message and "line 3" in message
