"""nn's own MLP run on a whole batch as arrays (nn.batch): predict and predict_proba agree with
calling the model row by row, and anything else still runs row by row."""

import math

import numpy as np
import pytest

import autograd
from autograd import Value
from nn import MLP, SGD, predict, predict_proba
from nn.batch import runs_as_arrays
from nn.losses import softmax_cross_entropy

RNG = np.random.default_rng(11)


def row_by_row(model, X):
    """The scalar engine's outputs, one graph per row (the reference)."""
    outputs = []
    for row in X.tolist():
        out = model([Value(x) for x in row])
        outputs.append([v.data for v in out] if isinstance(out, list) else [out.data])
    return np.array(outputs)


@pytest.mark.parametrize("nouts", [[1], [5, 1], [7, 3], [4, 4, 10]])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_predict_agrees_with_calling_the_model(nouts, activation):
    model = MLP(6, nouts, activation=activation, seed=2)
    X = RNG.normal(size=(37, 6))
    got = predict(model, X)
    expected = row_by_row(model, X)
    if nouts[-1] == 1:
        assert all(type(v) is float for v in got)
        np.testing.assert_allclose(got, expected[:, 0], rtol=1e-12, atol=1e-14)
    else:
        assert all(type(row) is list and len(row) == nouts[-1] for row in got)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("nout", [1, 4])
def test_predict_proba_agrees_with_the_scalar_softmax_and_sigmoid(nout):
    model = MLP(3, [8, nout], seed=5)
    X = RNG.normal(size=(20, 3)) * 30  # large logits: the max-shift and the sigmoid's branches
    logits = row_by_row(model, X)
    if nout == 1:
        p = np.array([Value(z).sigmoid().data for z in logits[:, 0]])
        expected = np.column_stack([1 - p, p])
    else:
        shifted = [[math.exp(v - max(z)) for v in z] for z in logits.tolist()]
        expected = np.array([[e / math.fsum(row) for e in row] for row in shifted])
    np.testing.assert_allclose(predict_proba(model, X), expected, rtol=1e-12, atol=1e-15)


def test_stored_parameters_predict_the_same_as_plain_ones():
    """Mid-training, with the parameters in a compiled tape's arrays (the case a per-row graph
    made 4.7 times slower), the batch path reads the current numbers."""
    model = MLP(4, [16, 3], seed=1, init="scaled")
    X = RNG.normal(size=(50, 4))
    XY = np.column_stack([X, np.eye(3)[RNG.integers(0, 3, size=50)]])
    tape = autograd.trace(lambda *r: softmax_cross_entropy(model(list(r[:4])), list(r[4:])), 7)
    optimizer = SGD(model.parameters(), lr=0.5)
    for _ in range(3):
        optimizer.zero_grad()
        tape.backward(XY)
        optimizer.step()
    during = predict(model, X)
    tape.release()
    np.testing.assert_allclose(during, row_by_row(model, X), rtol=1e-12, atol=1e-14)


class Doubled(MLP):
    def __call__(self, x):
        out = super().__call__(x)
        return out * 2 if not isinstance(out, list) else [v * 2 for v in out]


def test_other_modules_and_inputs_run_row_by_row():
    subclass = Doubled(2, [3, 1], seed=0)
    mixed = MLP(2, [3, 1], seed=0)
    mixed.layers[0].neurons[1].activation = "tanh"  # one neuron off its layer's activation
    assert not runs_as_arrays(subclass) and not runs_as_arrays(mixed)
    X = RNG.normal(size=(5, 2))
    for model in (subclass, mixed):
        np.testing.assert_array_equal(predict(model, X), row_by_row(model, X)[:, 0])
    with pytest.raises(ValueError):
        predict(MLP(2, [3, 1], seed=0), RNG.normal(size=(5, 3)))  # the row-by-row error
    assert predict(MLP(2, [1], seed=0), []) == []


def test_non_finite_inputs_give_non_finite_outputs_without_warnings():
    model = MLP(2, [3, 2], seed=0)
    with np.errstate(all="raise"):
        out = predict(model, [[math.inf, 0.0], [math.nan, 1.0], [1.0, 2.0]])
    assert not all(map(math.isfinite, out[1])) and all(map(math.isfinite, out[2]))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_to_numpy_of_stored_parameters_reads_the_current_numbers(dtype):
    model = MLP(3, [5, 4, 2], seed=3)
    plain = [(w.copy(), b.copy()) for w, b in model.to_numpy()]
    tape = autograd.trace(
        lambda a, b, c: autograd.sum(model([a, b, c])), 3, dtype=dtype, parameter_dtype=dtype
    )
    tape.backward(RNG.normal(size=(4, 3)))
    model.layers[1].neurons[2].w[3].data = 7.0  # set through the Value: lands in the arrays
    stored = model.to_numpy()
    tape.release()
    for (w, b), (w0, b0), layer in zip(stored, model.to_numpy(), model.layers):
        assert w.shape == (layer.nout, layer.nin) and b.shape == (layer.nout,)
        assert w.dtype == b.dtype == np.float64
        np.testing.assert_array_equal(w, w0)
        np.testing.assert_array_equal(b, b0)
    assert stored[1][0][2, 3] == 7.0
    if dtype == "float64":  # nothing rounded: the numbers before, with the one set by hand
        plain[1][0][2, 3] = 7.0
        for (w, b), (w0, b0) in zip(stored, plain):
            np.testing.assert_array_equal(w, w0)
            np.testing.assert_array_equal(b, b0)


def test_infinite_and_huge_logits_give_the_scalar_paths_probabilities_quietly():
    import warnings

    model = MLP(2, [3], activation="linear", output_activation="linear", seed=0)
    for sizes in ([[1.0, 2.0]], [[1e308, -1e308]], [[math.inf, 1.0]], [[math.nan, 0.0]]):
        X = np.array(sizes)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = predict_proba(model, X)
        with np.errstate(all="ignore"):
            logits = row_by_row(model, X)[0]
        finite = np.isfinite(logits).all() and np.ptp(logits) < 700
        if finite:
            shifted = [math.exp(v - max(logits)) for v in logits]
            np.testing.assert_allclose(
                got[0], [e / math.fsum(shifted) for e in shifted], rtol=1e-12
            )
        else:
            assert not all(map(math.isfinite, got[0])) or np.isclose(sum(got[0]), 1.0)
