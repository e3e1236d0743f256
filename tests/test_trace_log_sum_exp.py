"""A traced log_sum_exp runs as one kernel over its rows: the eager tree's numbers, also at
infinities and NaN."""

import math

import numpy as np
import pytest

import autograd
from autograd import Value
from autograd.compile.kernels import LogSumExp
from nn import Layer

RNG = np.random.default_rng(11)


def eager_sum_and_grads(fn, rows, params):
    """sum over rows of fn, and its gradient, one eager graph per row (the reference)."""
    for p in params:
        p.grad = 0.0
    outputs = []
    for row in rows.tolist():
        out = fn(*[Value(x) for x in row])
        out.backward()
        outputs.append(out.data)
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return np.array(outputs), grads


def tape_sum_and_grads(fn, n_inputs, rows, params):
    tape = autograd.trace(fn, n_inputs)
    for p in params:
        p.grad = 0.0
    outputs = tape.forward(rows)
    with np.errstate(invalid="ignore"):  # numpy warns of inf - inf with infinite data
        tape.backward(rows, reduce="sum")
    grads = [p.grad for p in params]
    merged = [k for k in tape._kernels if isinstance(k, LogSumExp)]
    tape.release()
    return outputs, grads, merged


@pytest.mark.parametrize("k", [2, 3, 5, 10, 17])
def test_log_sum_exp_of_k_logits_has_the_eager_gradients(k):
    layer = Layer(3, k, activation="linear", seed=k)
    params = layer.parameters()

    def fn(*x):
        z = layer(list(x))
        return autograd.log_sum_exp(z) - z[0]  # the cross-entropy of class 0

    rows = RNG.normal(size=(12, 3)) * 5.0
    eager = eager_sum_and_grads(fn, rows, params)
    outputs, grads, merged = tape_sum_and_grads(fn, 3, rows, params)
    assert len(merged) == (1 if k > 2 else 0)  # one logaddexp stays an elementwise kernel
    np.testing.assert_allclose(outputs, eager[0], rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(grads, eager[1], rtol=1e-12, atol=1e-14)


def test_a_repeated_leaf_and_a_leaf_read_elsewhere():
    layer = Layer(2, 3, activation="linear", seed=4)
    params = layer.parameters()

    def fn(*x):
        z = layer(list(x))
        return autograd.log_sum_exp([z[0], z[1], z[0], z[2]]) * z[1]

    rows = RNG.normal(size=(9, 2))
    eager = eager_sum_and_grads(fn, rows, params)
    outputs, grads, merged = tape_sum_and_grads(fn, 2, rows, params)
    assert len(merged) == 1
    np.testing.assert_allclose(outputs, eager[0], rtol=1e-13)
    np.testing.assert_allclose(grads, eager[1], rtol=1e-12, atol=1e-15)


def test_infinite_and_nan_logits_give_the_trees_numbers():
    """Samples whose largest logit is inf, -inf (all of them) or NaN: the merged kernel works
    those out by the tree, so values and gradients are the unmerged ones, NaN for NaN."""
    w = [Value(1.0), Value(0.5), Value(-2.0), Value(1.5)]

    def fn(*x):
        return autograd.log_sum_exp([wi * xi for wi, xi in zip(w, x)]) * 2.0

    inf, nan = math.inf, math.nan
    rows = np.array(
        [
            [1.0, 2.0, 3.0, 4.0],
            [inf, 1.0, 0.0, 2.0],
            [inf, 0.0, -inf, 2.0],  # two +inf logits
            [-inf, -inf, inf, -inf],  # all -inf
            [nan, 1.0, 2.0, 3.0],
            [1000.0, -1000.0, 3.0, 700.0],
        ]
    )
    eager = eager_sum_and_grads(fn, rows, w)
    outputs, _, merged = tape_sum_and_grads(fn, 4, rows, w)
    assert len(merged) == 1
    np.testing.assert_allclose(outputs, eager[0], rtol=1e-13, equal_nan=True)
    assert not np.isfinite(outputs[1:5]).all()  # the rows above really are the odd cases
    for row in range(len(rows)):  # gradients sample by sample (one NaN would hide the others)
        single = rows[row : row + 1]
        expected = eager_sum_and_grads(fn, single, w)[1]
        got = tape_sum_and_grads(fn, 4, single, w)[1]
        np.testing.assert_allclose(got, expected, rtol=1e-13, equal_nan=True, err_msg=f"row {row}")


@pytest.mark.parametrize("infinity", [math.inf, -math.inf])
def test_logaddexp_of_equal_infinities_is_that_infinity_with_a_tie_slope(infinity):
    """numpy and PyTorch give log(e^-inf + e^-inf) = -inf (the gap a - b would be NaN); the
    slopes are the tie's 1/2 each (PyTorch: NaN), so a merged log_sum_exp agrees with its tree."""
    a, b = Value(infinity), Value(infinity)
    out = autograd.log_sum_exp([a, b])
    assert out.data == np.logaddexp(infinity, infinity) == infinity
    out.backward()
    assert (a.grad, b.grad) == (0.5, 0.5)
