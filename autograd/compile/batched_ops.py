"""The op table's rules on numpy arrays, for the compiled replay (``autograd.trace``).

``RULES[op class]`` is ``(forward, local_grads)`` taking arrays that hold one value per
batch row (any broadcastable shapes); ``forward(op, *xs, out)`` writes into ``out``. Where the table's own rule is plain arithmetic
(+ - * / and the derivatives of exp, log, tanh, sigmoid) the entry *is* the method in
``ops.py``, applied to arrays, so that derivative is still written in one place. Where
the table branches on a float (relu's kink, pow at 0) or calls ``math``, the entry here
mirrors it with ``np.where`` and numpy functions; ``tests/test_trace_ops.py`` checks each
entry against the table at ordinary points, kinks, extremes, infinities and NaN.

Domain errors raise the same exception types as the table (ZeroDivisionError for
x / 0, ValueError for log(-1), OverflowError for exp(1000)), naming a bad value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ops

Array = Any  # an ndarray, or a float that broadcasts like one


def _first_bad(x: Array, bad: Array) -> float:
    """The first value of ``x`` where ``bad`` holds (for an error message)."""
    return float(np.broadcast_to(x, np.shape(bad))[bad].flat[0])


def _same_rule(op: ops.Op, xs: tuple, out: Array) -> tuple:
    """The table's own local_grads: plain arithmetic, so it works on arrays as written."""
    return op.local_grads(xs, out)


def _table_forward(op: ops.Op, *xs: Array, out: Array) -> Array:
    """The table's own forward (+ - * and negation work on arrays as written)."""
    out[...] = op.forward(*xs)
    return out


def _div_forward(op: ops.Div, a: Array, b: Array, out: Array) -> Array:
    zero = b == 0.0
    if np.any(zero):
        raise ZeroDivisionError(f"division by zero: {_first_bad(a, zero)!r} / 0.0")
    return np.divide(a, b, out=out)


def _check_pow(x: Array, p: Array) -> None:
    negative = (x < 0.0) & (np.floor(p) != p)
    if np.any(negative):
        raise ValueError(
            f"pow({_first_bad(x, negative)!r}, {_first_bad(p, negative)!r}): negative base with a non-integer exponent"
        )
    pole = (x == 0.0) & (p < 0.0)
    if np.any(pole):
        raise ZeroDivisionError(f"pow(0.0, {_first_bad(p, pole)!r}): zero to a negative power")


def _checked_power(x: Array, p: Array, out: Array) -> Array:
    with np.errstate(over="ignore"):
        result = np.power(x, p)
    overflow = np.isinf(result) & np.isfinite(x)
    if np.any(overflow):
        raise OverflowError(
            f"pow({_first_bad(x, overflow)!r}, {_first_bad(p, overflow)!r}) overflows float"
        )
    out[...] = result
    return out


def _pow_const_forward(op: ops.PowConst, x: Array, out: Array) -> Array:
    _check_pow(x, op.exponent)
    return _checked_power(x, op.exponent, out)


def _power_rule(x: Array, p: Array) -> Array:
    """Mirrors ops._power_rule: p x^(p-1); 0 for p = 0; +inf at x = 0 for p < 1; overflow -> inf."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        slope = p * np.power(x, p - 1.0)
    slope = np.where((x == 0.0) & (p < 1.0), np.inf, slope)
    return np.where(p == 0.0, 0.0, slope)


def _pow_const_grads(op: ops.PowConst, xs: tuple, out: Array) -> tuple:
    return (_power_rule(xs[0], op.exponent),)


def _pow_forward(op: ops.Pow, a: Array, b: Array, out: Array) -> Array:
    negative = a < 0.0
    if np.any(negative):
        raise ValueError(
            f"pow({_first_bad(a, negative)!r}, Value): negative base with a Value exponent (log(a) undefined)"
        )
    pole = (a == 0.0) & (b < 0.0)
    if np.any(pole):
        raise ZeroDivisionError(f"pow(0.0, {_first_bad(b, pole)!r}): zero to a negative power")
    return _checked_power(a, b, out)


def _pow_grads(op: ops.Pow, xs: tuple, out: Array) -> tuple:
    a, b = xs
    zero = a == 0.0
    safe_a = np.where(zero, 1.0, a)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        slope_a = b * np.power(safe_a, b - 1.0)
        log_a = np.log(safe_a)
    # at a = 0, as in ops.Pow: the power rule's cases, and the exponent's slope is 0
    # (a^b log a -> 0 as a -> 0+)
    return (np.where(zero, _power_rule(a, b), slope_a), np.where(zero, 0.0, out * log_a))


def _exp_forward(op: ops.Exp, x: Array, out: Array) -> Array:
    with np.errstate(over="ignore"):
        result = np.exp(x)
    overflow = np.isinf(result) & np.isfinite(x)
    if np.any(overflow):
        raise OverflowError(f"exp({_first_bad(x, overflow)!r}) overflows float (x > 709.78)")
    out[...] = result
    return out


def _log_forward(op: ops.Log, x: Array, out: Array) -> Array:
    bad = x <= 0.0  # NaN passes through, as in ops.Log
    if np.any(bad):
        raise ValueError(f"log({_first_bad(x, bad)!r}): domain error, log needs x > 0")
    return np.log(x, out=out)


def _tanh_forward(op: ops.Tanh, x: Array, out: Array) -> Array:
    return np.tanh(x, out=out)


def stable_sigmoid(x: Array) -> Array:
    """1 / (1 + e^-x) for arrays, without overflow: e^min(x, 0) / (1 + e^-|x|) is the two
    branches of ops.stable_sigmoid at once (1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below)."""
    return np.exp(np.minimum(x, 0.0)) / (1.0 + np.exp(-np.abs(x)))


def _sigmoid_forward(op: ops.Sigmoid, x: Array, out: Array) -> Array:
    out[...] = stable_sigmoid(x)
    return out


def _relu_forward(op: ops.Relu, x: Array, out: Array) -> Array:
    # max(x, 0.0): NaN passes through and -0.0 gives 0.0, as in ops.Relu (np.where is 10x slower)
    return np.maximum(x, 0.0, out=out)


def _relu_grads(op: ops.Relu, xs: tuple, out: Array) -> tuple:
    return (~(xs[0] <= 0.0),)  # True (1) unless x <= 0: relu'(0) = 0 and NaN gets 1, as in ops.Relu


def _leaky_relu_forward(op: ops.LeakyRelu, x: Array, out: Array) -> Array:
    out[...] = np.where(x > 0.0, x, op.slope * x)
    return out


def _leaky_relu_grads(op: ops.LeakyRelu, xs: tuple, out: Array) -> tuple:
    return (np.where(xs[0] > 0.0, 1.0, op.slope),)  # slope at 0, as in ops.LeakyRelu


def _elu_forward(op: ops.Elu, x: Array, out: Array) -> Array:
    out[...] = np.where(x > 0.0, x, op.alpha * np.expm1(np.minimum(x, 0.0)))
    return out


def _elu_grads(op: ops.Elu, xs: tuple, out: Array) -> tuple:
    x = xs[0]
    return (np.where(x > 0.0, 1.0, op.alpha * np.exp(np.minimum(x, 0.0))),)  # alpha e^x for x <= 0


def _softplus_forward(op: ops.Softplus, x: Array, out: Array) -> Array:
    return np.add(np.maximum(x, 0.0), np.log1p(np.exp(-np.abs(x))), out=out)


def _softplus_grads(op: ops.Softplus, xs: tuple, out: Array) -> tuple:
    return (stable_sigmoid(xs[0]),)  # d softplus / dx = sigmoid(x), as in ops.Softplus


def _log_add_exp_forward(op: ops.LogAddExp, a: Array, b: Array, out: Array) -> Array:
    # max(a, b) + log1p(e^-|a - b|), as in ops.LogAddExp, in place: five times np.logaddexp's speed
    gap = np.subtract(a, b)
    np.abs(gap, out=gap)
    np.negative(gap, out=gap)
    np.exp(gap, out=gap)
    np.log1p(gap, out=gap)
    np.maximum(a, b, out=out)
    out += gap
    return out


def _log_add_exp_grads(op: ops.LogAddExp, xs: tuple, out: Array) -> tuple:
    a, b = xs
    # e^a / (e^a + e^b) = e^(a - out): sigmoid(a - b) of ops.LogAddExp, from the output in one exp
    return (np.exp(a - out), np.exp(b - out))


Forward = Callable[..., Array]
LocalGrads = Callable[[ops.Op, tuple, Array], tuple]

RULES: dict[type, tuple[Forward, LocalGrads]] = {
    ops.Add: (_table_forward, _same_rule),
    ops.Sub: (_table_forward, _same_rule),
    ops.Neg: (_table_forward, _same_rule),
    ops.Mul: (_table_forward, _same_rule),
    ops.Div: (_div_forward, _same_rule),
    ops.PowConst: (_pow_const_forward, _pow_const_grads),
    ops.Pow: (_pow_forward, _pow_grads),
    ops.Exp: (_exp_forward, _same_rule),
    ops.Log: (_log_forward, _same_rule),
    ops.Tanh: (_tanh_forward, _same_rule),
    ops.Sigmoid: (_sigmoid_forward, _same_rule),
    ops.Relu: (_relu_forward, _relu_grads),
    ops.LeakyRelu: (_leaky_relu_forward, _leaky_relu_grads),
    ops.Elu: (_elu_forward, _elu_grads),
    ops.Softplus: (_softplus_forward, _softplus_grads),
    ops.LogAddExp: (_log_add_exp_forward, _log_add_exp_grads),
}
