"""Bad input to every public nn entry point: each is refused with its own exception and a message
that names the problem; NaN or inf entering training through data stops it naming the step."""

import json
import math
import sys
import warnings
from decimal import Decimal

import numpy as np
import pytest

import nn
from autograd import Value
from nn import MLP, DataError, Layer, Neuron, NonFiniteLossError, clip_grad_norm, read_csv, train
from nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    get_loss,
    hinge_loss,
    l2_penalty,
    log_softmax,
    mean_loss,
    mse_loss,
    softmax_cross_entropy,
    squared_error,
)
from nn.optim import SGD, Adagrad, Adam
from nn.tables.columns import table_from_columns
from nn.tables.preprocess import Preprocessor
from nn.tables.tabular import check_model_matches, prediction_inputs

nan, inf = math.nan, math.inf


# --- constructors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build, error, message",
    [
        (lambda: Neuron(0), ValueError, "nin must be a positive int, not 0"),
        (lambda: Neuron(-3), ValueError, "nin must be a positive int, not -3"),
        (lambda: Neuron(2.0), ValueError, "nin must be a positive int, not 2.0"),
        (lambda: Neuron("2"), ValueError, "nin must be a positive int, not '2'"),
        (lambda: Neuron(True), ValueError, "nin must be a positive int, not True"),
        (lambda: Neuron(None), ValueError, "nin must be a positive int, not None"),
        (lambda: Neuron(2, "swish"), ValueError, "unknown activation 'swish'; known: linear, relu"),
        (lambda: Neuron(2, None), TypeError, "activation must be a name"),
        (lambda: Neuron(2, "elu(inf)"), ValueError, "parameter must be a finite number"),
        (lambda: Neuron(2, init="he"), ValueError, "unknown init scheme 'he'"),
        (lambda: Neuron(2, seed="7"), TypeError, "seed must be an int or a random.Random, not str"),
        (
            lambda: Neuron(2, seed=1.5),
            TypeError,
            "seed must be an int or a random.Random, not float",
        ),
        (lambda: Layer(2, 0), ValueError, "nout must be a positive int, not 0"),
        (lambda: Layer(0, 2), ValueError, "nin must be a positive int, not 0"),
        (lambda: Layer(2, 2, "RELU"), ValueError, "unknown activation 'RELU'"),
        (lambda: MLP(2, []), ValueError, "nouts is empty"),
        (lambda: MLP(0, [1]), ValueError, "nin must be a positive int, not 0"),
        (lambda: MLP(2, [16, 0]), ValueError, r"nouts\[1\] must be a positive int, not 0"),
        (lambda: MLP(2, [4, -1]), ValueError, r"nouts\[1\] must be a positive int, not -1"),
        (lambda: MLP(2, [2.5]), ValueError, r"nouts\[0\] must be a positive int, not 2.5"),
        (lambda: MLP(2, "16"), ValueError, r"nouts\[0\] must be a positive int, not '1'"),
        (
            lambda: MLP(2, [1], output_activation="softmax"),
            ValueError,
            "unknown activation 'softmax'",
        ),
        (lambda: MLP(2, [1], init="normal"), ValueError, "unknown init scheme 'normal'"),
        (lambda: MLP.from_weights([]), ValueError, "needs at least one layer"),
        (lambda: MLP.from_weights([([1.0, 2.0], [0.0])]), ValueError, "weight matrix must be 2-D"),
        (lambda: Neuron.from_weights([1.0, inf], 0.0), ValueError, "number 1 is inf, not finite"),
        (lambda: Neuron.from_weights([1.0], nan), ValueError, "bias of neuron: number 0 is nan"),
    ],
)
def test_bad_constructor_arguments(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_set_weights_checks_shapes_and_keeps_the_model_on_failure():
    model = MLP(2, [2, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="got weights for 1 layers, the MLP has 2"):
        model.set_weights([([[1.0, 2.0]], [0.0])])
    with pytest.raises(ValueError, match="layer L1: 2 biases for 1 neurons"):
        model.layers[1].set_weights([[1.0, 2.0]], [0.0, 0.0])
    assert [p.data for p in model.parameters()] == before


# --- calling a model ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, error, message",
    [
        ([1.0, 2.0, 3.0], ValueError, "neuron L0.N0 takes 2 inputs, got 3"),
        ([1.0], ValueError, "neuron L0.N0 takes 2 inputs, got 1"),
        ([], ValueError, "neuron L0.N0 takes 2 inputs, got 0"),
        ([1.0, "a"], TypeError, "is str, not a Value or a number"),
        ([1.0, None], TypeError, "is NoneType, not a Value or a number"),
        ([[1.0], [2.0]], ValueError, "a model takes one sample .* not a batch of 2 rows"),
        ([1.0, 1j], TypeError, "is complex, not a Value or a number"),
        ([True, False], TypeError, "is bool, not a Value or a number"),
        ("ab", TypeError, "list of numbers or Values, not str"),
        (5, TypeError, "list of numbers or Values, not int"),
    ],
)
def test_calling_a_model_with_bad_inputs(x, error, message):
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(error, match=message):
        model(x)


def test_nan_and_inf_inputs_flow_through_as_ieee_values():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    assert math.isnan(model([nan, 1.0]).data)
    assert math.isnan(
        Neuron(2, "relu", seed=0)([nan, 0.0]).data
    )  # relu lets NaN through, as PyTorch does


# --- losses -------------------------------------------------------------------------------

v = Value(0.3)


@pytest.mark.parametrize(
    "compute, error, message",
    [
        (lambda: mse_loss([v, v], [1.0]), ValueError, "mse_loss: 2 outputs but 1 targets"),
        (
            lambda: squared_error([v], [1.0, 2.0]),
            ValueError,
            "squared_error: 1 outputs but 2 targets",
        ),
        (
            lambda: binary_cross_entropy_with_logits([v, v], 1.0),
            ValueError,
            "takes one output per sample, got 2",
        ),
        (
            lambda: binary_cross_entropy_with_logits(v, 2.0),
            ValueError,
            r"target must lie in \[0, 1\], got 2",
        ),
        (
            lambda: binary_cross_entropy_with_logits(v, -inf),
            ValueError,
            r"target must lie in \[0, 1\], got -inf",
        ),
        (
            lambda: binary_cross_entropy(Value(1.5), 1.0),
            ValueError,
            r"probability must lie in \[0, 1\], got 1.5",
        ),
        (
            lambda: binary_cross_entropy(Value(-0.1), 0.0),
            ValueError,
            r"probability must lie in \[0, 1\], got -0.1",
        ),
        (lambda: softmax_cross_entropy([v, v], 2), ValueError, r"class index 2 outside 0..1"),
        (lambda: softmax_cross_entropy([v, v], -1), ValueError, r"class index -1 outside 0..1"),
        (
            lambda: softmax_cross_entropy([v, v], 1.0),
            TypeError,
            r"target must be a class index .* not float 1.0 \(a whole number as a float, as "
            r"numpy and pandas keep labels: y.astype\(int\)\)",
        ),
        (
            lambda: softmax_cross_entropy([v, v], 0.5),
            TypeError,
            r"not float 0.5$",  # no hint: 0.5 is no class
        ),
        (
            lambda: softmax_cross_entropy([v, v], True),
            TypeError,
            "target must be a class index .* not bool True",
        ),
        (
            lambda: softmax_cross_entropy([v, v], None),
            TypeError,
            "target must be a class index .* not NoneType",
        ),
        (
            lambda: softmax_cross_entropy([v, v], "01"),
            TypeError,
            "target must be a class index .* not str",
        ),
        (
            lambda: softmax_cross_entropy([v, v], [1.0]),
            ValueError,
            "2 logits but a target of length 1",
        ),
        (
            lambda: softmax_cross_entropy([v, v], [1.5, -0.5]),
            ValueError,
            "not one-hot or a probability vector",
        ),
        (
            lambda: softmax_cross_entropy([v, v], [0.5, 0.6]),
            ValueError,
            "not one-hot or a probability vector",
        ),
        (lambda: softmax_cross_entropy([], 0), ValueError, "softmax of no logits"),
        (lambda: hinge_loss(v, 0.0), ValueError, r"label must be -1 or \+1, got 0"),
        (lambda: hinge_loss(v, inf), ValueError, r"label must be -1 or \+1, got inf"),
        (
            lambda: hinge_loss([v, v], 1.0),
            ValueError,
            "hinge_loss takes one output per sample, got 2",
        ),
        (lambda: mean_loss(mse_loss, [], []), ValueError, "mean_loss of an empty batch"),
        (lambda: mean_loss(mse_loss, [v], []), ValueError, "1 predictions but 0 targets"),
        (
            lambda: l2_penalty([v], nan),
            ValueError,
            "L2 strength must be a finite number >= 0, not nan",
        ),
        (
            lambda: l2_penalty([v], -0.1),
            ValueError,
            "L2 strength must be a finite number >= 0, not -0.1",
        ),
        (
            lambda: l2_penalty([v], inf),
            ValueError,
            "L2 strength must be a finite number >= 0, not inf",
        ),
        (
            lambda: l2_penalty([v], "0.1"),
            ValueError,
            "L2 strength must be a finite number >= 0, not '0.1'",
        ),
        (lambda: get_loss("l1"), ValueError, "unknown loss 'l1'; known: squared_error"),
        (lambda: get_loss(["mse"]), TypeError, "loss must be a name"),
    ],
)
def test_bad_loss_arguments(compute, error, message):
    with pytest.raises(error, match=message):
        compute()


@pytest.mark.parametrize(
    "compute",
    [
        lambda: mse_loss(Value(nan), 1.0),
        lambda: mse_loss(v, nan),
        lambda: binary_cross_entropy_with_logits(v, nan),
        lambda: binary_cross_entropy_with_logits(Value(nan), 1.0),
        lambda: binary_cross_entropy(Value(nan), 0.0),  # the -100 clamp must not hide it
        lambda: binary_cross_entropy(Value(0.5), nan),
        lambda: binary_cross_entropy(Value(nan).sigmoid(), 1.0),
        lambda: softmax_cross_entropy([v, Value(nan)], 0),
        lambda: softmax_cross_entropy([v, Value(inf)], 0),
        lambda: softmax_cross_entropy([v, v], [nan, 1.0]),
        lambda: hinge_loss(v, nan),
        lambda: hinge_loss(Value(nan), 1.0),
        lambda: log_softmax([Value(nan), v])[1],
    ],
)
def test_nan_in_a_prediction_or_target_is_a_nan_loss(compute):
    assert math.isnan(compute().data)


# --- optimizers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build, error, message",
    [
        (
            lambda p: SGD(p, -0.1),
            ValueError,
            "learning rate must be a finite number >= 0, not -0.1",
        ),
        (lambda p: SGD(p, nan), ValueError, "learning rate must be a finite number >= 0, not nan"),
        (lambda p: SGD(p, inf), ValueError, "learning rate must be a finite number >= 0, not inf"),
        (lambda p: SGD(p, "fast"), TypeError, "lr must be a number, not str"),
        (lambda p: SGD(p, "0.1"), TypeError, "lr must be a number, not str"),
        (lambda p: SGD(p, True), TypeError, "lr must be a number, not bool"),
        (lambda p: SGD([], 0.1), ValueError, "optimizer got no parameters"),
        (lambda p: SGD([*p, 1.0], 0.1), TypeError, "parameter 9 is float, not a Value"),
        (lambda p: SGD(None, 0.1), TypeError, "not iterable"),
        (lambda p: SGD(p, 0.1, momentum=1.0), ValueError, r"momentum must lie in \[0, 1\)"),
        (lambda p: SGD(p, 0.1, momentum=nan), ValueError, r"momentum must lie in \[0, 1\)"),
        (lambda p: SGD(p, 0.1, dampening=nan), ValueError, r"dampening must lie in \[0, 1\]"),
        (lambda p: Adam(p, betas=(1.0, 0.9)), ValueError, r"betas\[0\] must lie in \[0, 1\)"),
        (lambda p: Adam(p, betas=(nan, 0.9)), ValueError, r"betas\[0\] must lie in \[0, 1\)"),
        (lambda p: Adam(p, lr=-1.0), ValueError, "learning rate must be a finite number >= 0"),
        (lambda p: Adagrad(p, lr=nan), ValueError, "learning rate must be a finite number >= 0"),
    ],
)
def test_bad_optimizer_arguments(build, error, message):
    params = MLP(2, [2, 1], seed=0).parameters()
    with pytest.raises(error, match=message):
        build(params)


def test_setting_a_bad_lr_later_keeps_the_old_one():
    optimizer = SGD(MLP(2, [1], seed=0).parameters(), 0.1)
    with pytest.raises(ValueError, match="learning rate must be a finite number >= 0, not nan"):
        optimizer.lr = nan
    assert optimizer.lr == 0.1


# --- training -----------------------------------------------------------------------------

X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(inputs=[], targets=[]), ValueError, "train: no samples"),
        (dict(inputs=np.zeros((0, 2)), targets=np.zeros(0)), ValueError, "train: no samples"),
        (dict(targets=[1.0]), ValueError, "3 inputs but 1 targets"),
        (dict(epochs=-1), ValueError, "epochs must be an int >= 0, not -1"),
        (dict(epochs=1.5), ValueError, "epochs must be an int >= 0, not 1.5"),
        (dict(batch_size=0), ValueError, "batch_size must be a positive int"),
        (dict(batch_size=1.5), ValueError, "batch_size must be a positive int"),
        (dict(inputs=[[0.0, 1.0], [1.0], [1.0, 1.0]]), ValueError, "takes 2 inputs, got 1"),
        (dict(inputs=[[0.0, 1.0, 2.0]] * 3), ValueError, "takes 2 inputs, got 3"),
        (dict(inputs=[[0.0, "a"]] * 3), ValueError, "could not convert string to float"),
        (
            dict(targets=[0.0, None, 1.0]),
            TypeError,
            "train: a target should be a number or a sequence of numbers, not NoneType",
        ),
        (dict(loss="l1"), ValueError, "unknown loss 'l1'"),
        (dict(lr=nan), ValueError, "learning rate must be a finite number >= 0, not nan"),
        (dict(l2=nan), ValueError, "L2 strength must be a finite number >= 0, not nan"),
        (dict(l2=-1.0), ValueError, "L2 strength must be a finite number >= 0, not -1.0"),
        (dict(seed="s"), TypeError, "seed must be an int or a random.Random"),
        (
            dict(loss="bce_with_logits", targets=[0.0, 2.0, 1.0]),
            ValueError,
            r"target must lie in \[0, 1\], got 2",
        ),
        (
            dict(loss="hinge", targets=[1.0, 0.0, -1.0]),
            ValueError,
            r"label must be -1 or \+1, got 0",
        ),
    ],
)
def test_bad_training_arguments(kwargs, error, message):
    arguments = dict(inputs=X, targets=[0.0, 1.0, 1.0], epochs=2, seed=0) | kwargs
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(error, match=message):
        train(model, arguments.pop("inputs"), arguments.pop("targets"), **arguments)


DATA_LOSSES = [
    ("mse", "linear", [0.0, 1.0, 1.0]),
    ("bce_with_logits", "linear", [0.0, 1.0, 1.0]),
    ("bce", "sigmoid", [0.0, 1.0, 1.0]),
    ("hinge", "linear", [-1.0, 1.0, 1.0]),
    ("softmax_cross_entropy", "linear", [0, 1, 1]),
]
# Every loss eagerly, and compiled where it can be (bce from probabilities cannot be traced).
ENGINE_CASES = [
    (*case, engine)
    for engine in ("eager", "compiled")
    for case in DATA_LOSSES
    if not (engine == "compiled" and case[0] == "bce")
]


@pytest.mark.parametrize("loss, output, targets, engine", ENGINE_CASES)
@pytest.mark.parametrize("bad", [nan, inf, -inf])
@pytest.mark.parametrize("where", ["input", "target"])
def test_nan_or_inf_in_the_data_stops_training_naming_the_step(
    loss, output, targets, engine, bad, where
):
    nout = 2 if loss == "softmax_cross_entropy" else 1
    inputs, targets = [list(row) for row in X], list(targets)
    if where == "input":
        inputs[2][0] = bad
    else:
        targets[2] = [bad, 1.0] if loss == "softmax_cross_entropy" else bad
    model = MLP(2, [3, nout], activation="tanh", output_activation=output, seed=0)
    if where == "target" and loss != "mse" and not math.isnan(bad):
        # An infinite class label is outside the loss's domain: refused outright, not trained on.
        with pytest.raises(ValueError, match="inf"):
            train(model, inputs, targets, loss=loss, epochs=3, batch_size=1, seed=0, engine=engine)
        return
    with pytest.raises(
        NonFiniteLossError, match=r"(loss|gradient) became (nan|inf) at epoch 1, step \d+"
    ) as caught:
        train(model, inputs, targets, loss=loss, epochs=3, batch_size=1, seed=0, engine=engine)
    assert caught.value.epoch == 1 and 1 <= caught.value.step <= 3
    assert "sample 2" in str(caught.value)  # the cause is named, not just the step
    history = train(
        MLP(2, [3, nout], "tanh", output, seed=0),
        inputs,
        targets,
        loss=loss,
        epochs=2,
        allow_nonfinite=True,
        engine=engine,
    )
    assert len(history) == 2 and not all(map(math.isfinite, history)) and history.engine == engine


# --- tables and model metadata ------------------------------------------------------------


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    "text, message",
    [
        (
            'x,y\n1,"2\n',
            "line 2: not valid CSV: unexpected end of data",
        ),  # a file cut inside a quoted cell
        ('x,y\n1,2\n"3"x,4\n', "line 3: not valid CSV"),
    ],
)
def test_broken_quoting_is_an_error_not_a_cell(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(DataError, match=message) as caught:
        read_csv(path)
    assert str(caught.value).startswith(path)


@pytest.mark.parametrize("cell", ["1_000", "\u0661", "0x10", "1e", "--1", "1.2.3", "\ufeff1"])
def test_only_plain_decimal_numbers_are_numbers(tmp_path, cell):
    table = read_csv(write(tmp_path, f"x,y\n1,2\n{cell},3\n"))
    with pytest.raises(DataError, match=r"line 3, column 'x': .* is not a number"):
        table.numbers(["x"])


@pytest.mark.parametrize(
    "cell, value", [("+.5", 0.5), ("1.", 1.0), ("-2E-3", -0.002), (" 7 ", 7.0), ("1e308", 1e308)]
)
def test_plain_decimal_numbers_still_parse(tmp_path, cell, value):
    assert read_csv(write(tmp_path, f"x\n{cell}\n")).numbers(["x"]) == [[value]]


def test_a_huge_cell_is_shortened_in_the_message(tmp_path):
    table = read_csv(write(tmp_path, "x\n" + "9" * 50_000 + "\n"))
    with pytest.raises(DataError, match=r"is not a finite number") as caught:
        table.numbers(["x"])
    assert len(str(caught.value)) < 300 and "(50000 characters)" in str(caught.value)


def test_numbers_near_the_float_limit_are_standardized_without_overflow():
    big = 1.7976931348623157e308
    table = table_from_columns({"x": [big, -big, -big], "z": [1, 2, 3], "y": [big, -big, 0.0]})
    x = Preprocessor.fit(table, "y").transform(table)
    assert np.all(np.isfinite(x))
    column = x[:, 0]
    assert abs(column.sum()) < 1e-12 and abs((column**2).mean() - 1.0) < 1e-12  # mean 0, std 1
    assert np.allclose(
        column, (np.array([big, -big, -big]) / big - (-1 / 3)) / np.std([1.0, -1.0, -1.0])
    )


def bad_metadata_cases():
    cases = {
        "feature_std null": {"feature_std": None},
        "feature_mean null": {"feature_mean": None},
        "huge int mean": {"feature_mean": [10**400, 0]},
        "huge int target": {"task": "regression", "target_mean": -(10**400)},
        "zero std": {"feature_std": [1.0, 0]},
        "string std": {"feature_std": ["1", 1.0]},
        "short mean": {"feature_mean": [0.0]},
        "bad task": {"task": "ranking"},
        "features not names": {"features": [1, 2]},
        "binary without classes": {"task": "binary"},
        "binary three classes": {"task": "binary", "classes": ["a", "b", "c"]},
        "regression two outputs": {"task": "regression"},
    }
    return pytest.mark.parametrize("metadata", list(cases.values()), ids=list(cases))


@bad_metadata_cases()
def test_malformed_model_metadata_is_a_data_error(metadata):
    nout = 2 if metadata.get("task") == "regression" and "target_mean" not in metadata else 1
    model = MLP(2, [nout], seed=0)
    with pytest.raises(DataError, match="model.json: bad model metadata: "):
        check_model_matches(model, metadata, "model.json")


def test_a_value_too_far_out_to_standardize_is_named_by_line_and_column(tmp_path):
    model = MLP(2, [1], seed=0)
    metadata = json.loads(
        json.dumps(
            {"features": ["a", "b"], "feature_mean": [0.0, 0.0], "feature_std": [1e-300, 1.0]}
        )
    )
    table = read_csv(write(tmp_path, "a,b\n1,2\n1e300,3\n"))
    with pytest.raises(
        DataError, match=r"line 3, column 'a': 1e\+300 is too far outside the training data"
    ):
        prediction_inputs(table, model, metadata, "model.json")


def test_a_finite_loss_with_a_nan_gradient_stops_before_the_weights_turn_nan():
    # tanh(inf) = 1 is finite, but its slope times an infinite input is NaN.
    model = MLP(2, [3, 1], "tanh", seed=0)
    with pytest.raises(
        NonFiniteLossError, match=r"gradient became nan at epoch 1, step 1.*sample 2"
    ):
        train(model, [[0.0, 1.0], [1.0, 0.0], [math.inf, 1.0]], [0.0, 1.0, 1.0], epochs=1)
    assert all(math.isfinite(p.data) for p in model.parameters())


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda p: Adam(p, eps=math.nan), ValueError, r"eps must lie in \(0, inf\), not nan"),
        (lambda p: Adam(p, eps=-1.0), ValueError, r"eps must lie in \(0, inf\)"),
        (lambda p: Adagrad(p, eps=0.0), ValueError, r"eps must lie in \(0, inf\)"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), ValueError, r"betas\[1\] must lie in \[0, 1\)"),
        (lambda p: Adam(p, betas=0.9), TypeError, r"betas must be a pair"),
        (lambda p: SGD(p, 0.1, momentum="a"), TypeError, r"momentum must be a number, not str"),
        (lambda p: SGD(p, 0.1, momentum=math.nan), ValueError, r"momentum must lie in \[0, 1\)"),
        (lambda p: SGD(p, 0.1, dampening=1.5), ValueError, r"dampening must lie in \[0, 1\]"),
    ],
)
def test_optimizer_settings_are_checked_by_name(make, error, message):
    with pytest.raises(error, match=message):
        make(MLP(2, [1], seed=0).parameters())


@pytest.mark.parametrize(
    "x, error, message",
    [
        ({1: 2.0, 3: 4.0}, TypeError, "not dict"),
        ({1.0, 2.0}, TypeError, "not set"),
        ("ab", TypeError, "not str"),
        (np.zeros((1, 2)), ValueError, "a model takes one sample .* not a batch of 1 rows"),
        (np.zeros((1, 2, 2)), ValueError, r"1-D input vector, not an array of shape \(1, 2, 2\)"),
    ],
)
def test_a_model_refuses_inputs_that_are_not_a_vector(x, error, message):
    with pytest.raises(error, match=message):
        MLP(2, [3, 1], seed=0)(x)


def test_a_model_takes_a_numpy_vector_like_a_list():
    model = MLP(2, [3, 1], seed=0)
    assert model(np.array([0.5, -1.0])).data == model([0.5, -1.0]).data


def test_a_parameter_whose_grad_is_not_a_number_is_named_by_the_optimizer():
    w, b = Value(2.0, label="w"), Value(3.0)
    optimizer = SGD([b, w], lr=0.1)
    (w * b).backward()
    w.grad = None  # PyTorch's zeroing; torch.optim would skip w
    with pytest.raises(
        TypeError, match=r"^SGD\.step: parameter 1 \('w'\) has \.grad = NoneType, not a number"
    ):
        optimizer.step()
    with pytest.raises(TypeError, match=r"^clip_grad_norm: parameter 1 \('w'\) has \.grad"):
        clip_grad_norm([b, w], 1.0)
    # with groups: the group is named, and that the groups before it were updated (as torch,
    # the groups step in turn: a parameter put in two groups by hand gets both updates)
    grouped = SGD([{"params": [b]}, {"params": [w]}], lr=0.1)
    with pytest.raises(
        TypeError,
        match=r"^SGD\.step: param_groups\[1\] \(the groups before it were updated\), "
        r"parameter 0 \('w'\)",
    ):
        grouped.step()
    assert b.data == 3.0 - 0.1 * 2.0
    w.grad = 3.0
    b.data = "3"
    with pytest.raises(TypeError, match=r"parameter 0 has \.data = str, not a number$"):
        optimizer.step()
    assert (w.data, b.data) == (2.0, "3")  # nothing was updated


def test_mse_of_no_outputs_names_the_problem():
    # An adversarial trial: mse_loss([], []) raised a bare ZeroDivisionError
    with pytest.raises(ValueError, match="mse_loss of no outputs"):
        mse_loss([], [])


def test_one_row_given_to_predict_is_named_as_one_row():
    # A practitioner's trial: predict(m, X[0]) said "neuron L0.N0 takes 4 inputs, got 1"
    model = MLP(4, [3, 2], seed=0)
    row = np.array([0.1, 0.2, 0.3, 0.4])
    for call in (nn.predict, nn.predict_proba):
        with pytest.raises(ValueError, match=r"one row of 4 numbers; pass \[row\]"):
            call(model, row)
    assert len(nn.predict(model, [row])) == 1
    assert nn.predict(MLP(1, [1], seed=0), [0.1, 0.2]) == nn.predict(
        MLP(1, [1], seed=0), [[0.1], [0.2]]
    )


def test_text_class_labels_given_to_train_are_named():
    # A practitioner's trial: labels "setosa", ... gave "could not convert string to float: 's'"
    model = MLP(2, [3], seed=0)
    with pytest.raises(TypeError, match=r"not text \('setosa'\); give classes as indices"):
        train(model, [[0.0, 1.0]], np.array(["setosa"]), loss="softmax_cross_entropy", epochs=1)


def test_auto_says_when_a_custom_loss_runs_eagerly_on_a_large_job(monkeypatch):
    # A practitioner's trial: a class-weighted loss took 10.9 s an epoch under "auto" (eager)
    # and 0.05 s with engine="compiled", and nothing said so
    def weighted(prediction, target):
        return 2.0 * nn.mse_loss(prediction, target)

    monkeypatch.setattr(sys.modules["nn.train"], "EAGER_HINT_SAMPLES", 200)  # 100,000: seconds
    X = [[0.1 * i, 1.0] for i in range(50)]
    y = [0.0] * 50
    with pytest.warns(UserWarning, match="engine='compiled' runs it on whole batches"):
        train(MLP(2, [1], seed=0), X, y, loss=weighted, epochs=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a built-in loss, or a small job: no warning
        train(MLP(2, [1], seed=0), X, y, loss="mse", epochs=4)
        train(MLP(2, [1], seed=0), X, y, loss=weighted, epochs=3)


def test_numbers_of_other_types_are_still_taken_as_settings():
    # A review: Decimal and 0-d arrays, which float() reads, were refused by the new checks
    p = [Value(1.0)]
    assert SGD(p, lr=Decimal("0.1")).defaults["lr"] == 0.1
    assert Adam(p, lr=np.array(0.01)).defaults["lr"] == 0.01
    assert Value(-2.0).leaky_relu(Decimal("0.5")).data == -1.0
    assert nn.accuracy([b"a"], ["a"]) == 0.0  # neither is a number: compared, not refused
