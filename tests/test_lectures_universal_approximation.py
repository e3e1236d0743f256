"""Notes 000 and 003: width against approximation error, and K-class softmax outputs (nn.lectures.universal_approximation).

The networks are recomputed here with numpy from their weights (tanh(W x + b), then a linear
output), so the errors do not rest on the code under test. Seeds are fixed; each claim is
checked from two seeds.
"""

import itertools

import numpy as np
import pytest

from nn import softmax
from nn.lectures.universal_approximation import (
    WIDTHS,
    class_probabilities,
    fit_widths,
    make_spirals,
    target_function,
    train_softmax_classifier,
    widen,
)


def numpy_forward(model, x):
    """A 1-h-1 tanh network with a linear output, from its weights."""
    (hidden, biases), (output, output_bias) = model.to_numpy()
    return np.tanh(x[:, None] @ hidden.T + biases) @ output.T[:, 0] + output_bias[0]


@pytest.fixture(scope="module", params=[0, 1])
def fits(request):
    return fit_widths(seed=request.param)


def test_error_falls_as_the_width_grows(fits):
    grid = np.linspace(-2.0, 2.0, 400)
    rms = [
        np.sqrt(np.mean((numpy_forward(f.model, grid) - target_function(grid)) ** 2)) for f in fits
    ]
    assert [f.width for f in fits] == list(WIDTHS)
    np.testing.assert_allclose([f.rms_error for f in fits], rms, rtol=1e-9)
    assert all(wider < narrower for narrower, wider in itertools.pairwise(rms))
    assert rms[0] > 0.5  # one tanh unit cannot follow four turning points
    assert rms[-1] < 0.05 and rms[-1] < rms[0] / 10


def test_max_error_of_sixteen_units_is_small(fits):
    grid = np.linspace(-2.0, 2.0, 400)
    worst = np.max(np.abs(numpy_forward(fits[-1].model, grid) - target_function(grid)))
    assert fits[-1].max_error == pytest.approx(worst, rel=1e-9)
    assert worst < 0.15


def test_widen_keeps_the_function_and_adds_silent_units():
    narrow = widen(None, 3, seed=5)
    wide = widen(narrow, 7, seed=6)
    grid = np.linspace(-3.0, 3.0, 50)
    np.testing.assert_allclose(numpy_forward(wide, grid), numpy_forward(narrow, grid), rtol=1e-14)
    assert np.all(wide.to_numpy()[1][0][:, 3:] == 0.0)
    with pytest.raises(ValueError, match="cannot narrow"):
        widen(wide, 2, seed=0)


@pytest.fixture(scope="module")
def spirals():
    X, labels = make_spirals(seed=0)
    model, history = train_softmax_classifier(X, labels)
    return X, labels, model, history


def test_spirals_have_three_balanced_classes():
    X, labels = make_spirals(per_class=20, seed=3)
    assert X.shape == (60, 2)
    assert np.bincount(labels).tolist() == [20, 20, 20]


def test_softmax_outputs_are_class_probabilities(spirals):
    X, _, model, _ = spirals
    probabilities = class_probabilities(model, X[:10])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-12)
    engine = [[p.data for p in softmax(model(list(row)))] for row in X[:10]]
    np.testing.assert_allclose(probabilities, engine, rtol=1e-12)


def test_three_spirals_are_learned_by_a_hidden_layer_network(spirals):
    X, labels, model, history = spirals
    assert history[-1] < 0.1 * history[0]
    assert np.mean(class_probabilities(model, X).argmax(axis=1) == labels) >= 0.97
    X_new, labels_new = make_spirals(seed=1)  # fresh noise: held-out points
    assert np.mean(class_probabilities(model, X_new).argmax(axis=1) == labels_new) >= 0.9


def test_a_linear_softmax_cannot_separate_the_spirals(spirals):
    X, labels, _, _ = spirals
    linear, _ = train_softmax_classifier(X, labels, hidden=())
    assert np.mean(class_probabilities(linear, X).argmax(axis=1) == labels) < 0.7
