"""The op table's rules on numpy arrays, for the compiled replay (``autograd.trace``).

``RULES[op class]`` is ``(forward, local_grads)`` taking arrays that hold one value per
batch row (any broadcastable shapes); ``forward(op, *xs, out)`` writes into ``out``. Where the table's own rule is plain arithmetic
(+ - * / and the derivatives of exp, log, tanh, sigmoid) the entry *is* the method in
``autograd/ops/``, applied to arrays, so that derivative is still written in one place. Where
the table branches on a float (relu's kink, pow at 0) or calls ``math``, the entry here
mirrors it with ``np.where`` and numpy functions; ``tests/test_trace_ops.py`` checks each
entry against the table at ordinary points, kinks, extremes, infinities and NaN.

Domain errors raise the same exception types as the table (ZeroDivisionError for
x / 0, ValueError for log(-1), OverflowError for exp(1000)), naming a bad value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from .. import ops
from . import blas
from .arrays import Array

# A batch of numbers, or one number (an op's exponent, slope...) that broadcasts like one.
Operand: TypeAlias = Array | float
Mask: TypeAlias = npt.NDArray[np.bool_]
# A local gradient: numbers per row, a mask (relu: 1 or 0), or one number for every row.
Slope: TypeAlias = Array | Mask | float


def _first_bad(x: Operand, bad: Mask | bool) -> float:
    """The first value of ``x`` where ``bad`` holds (for an error message)."""
    return float(np.broadcast_to(x, np.shape(bad))[bad].flat[0])


def _same_rule(op: ops.Op, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
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


def _check_pow(x: Array, p: Operand) -> None:
    negative = (x < 0.0) & (np.floor(p) != p)
    if np.any(negative):
        raise ValueError(
            f"pow({_first_bad(x, negative)!r}, {_first_bad(p, negative)!r}): negative base with a non-integer exponent"
        )
    pole = (x == 0.0) & (p < 0.0)
    if np.any(pole):
        raise ZeroDivisionError(f"pow(0.0, {_first_bad(p, pole)!r}): zero to a negative power")


def _checked_power(x: Array, p: Operand, out: Array) -> Array:
    with np.errstate(over="ignore"):
        result = np.power(x, p)
    overflow = np.isinf(result) & np.isfinite(x) & np.isfinite(p)  # 2 ** inf is inf, as in ops
    if np.any(overflow):
        raise OverflowError(
            f"pow({_first_bad(x, overflow)!r}, {_first_bad(p, overflow)!r}) overflows float"
        )
    out[...] = result
    return out


def _pow_const_forward(op: ops.PowConst, x: Array, out: Array) -> Array:
    _check_pow(x, op.exponent)
    return _checked_power(x, op.exponent, out)


def _power_rule(x: Array, p: Operand) -> Array:
    """Mirrors ops.power_rule: p x^(p-1) with IEEE results (inf at the pole 0^-q); 0 for p = 0."""
    with np.errstate(invalid="ignore"):  # 0 * inf where p = 0, replaced by 0
        return np.where(p == 0.0, 0.0, p * _ieee_power(x, p - 1.0))


def _ieee_power(x: Array, p: Operand) -> Array:
    """ops.ieee_pow on arrays: inf at a pole or on overflow, NaN for a negative base with a
    non-integer exponent (-inf included: numpy gives 0 or NaN there)."""
    with np.errstate(all="ignore"):
        return np.where((x < 0.0) & (np.floor(p) != p), np.nan, np.power(x, p))


def _pow_const_grads(op: ops.PowConst, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
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


def _pow_grads(op: ops.Pow, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
    a, b = xs
    zero = a == 0.0
    safe_a = np.where(zero, 1.0, a)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        slope_a = b * np.power(safe_a, b - 1.0)
        log_a = np.log(safe_a)
    # as in ops.Pow: slope 0 in a where b = 0 even if a^-1 overflows (a subnormal); at
    # a = 0 the power rule's cases, and the exponent's slope is 0 (a^b log a -> 0 as a -> 0+)
    slope_a = np.where((b == 0.0) & np.isnan(slope_a), 0.0, slope_a)
    return (np.where(zero, _power_rule(a, b), slope_a), np.where(zero, 0.0, out * log_a))


def _ieee_pow_forward(op: ops.Op, *xs: Array, out: Array) -> Array:
    """x ** p with IEEE results (ops.ieee_pow): inf at a pole or on overflow, NaN for (-x) ** 0.5."""
    base, exponent = (xs[0], op.exponent) if isinstance(op, ops.IeeePowConst) else xs
    out[...] = _ieee_power(base, exponent)
    return out


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
    return blas.positive_part(x, out)


def _relu_grads(op: ops.Relu, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
    # True (1) unless x <= 0: relu'(0) = 0 and NaN gets 1, as in ops.Relu. Read off the output,
    # max(x, 0), which is nonzero exactly there: one pass over the rows instead of two.
    return (out != 0.0,)


def _leaky_relu_forward(op: ops.LeakyRelu, x: Array, out: Array) -> Array:
    out[...] = np.where(x > 0.0, x, op.slope * x)
    return out


def _leaky_relu_grads(op: ops.LeakyRelu, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
    return (np.where(xs[0] > 0.0, 1.0, op.slope),)  # slope at 0, as in ops.LeakyRelu


def _elu_forward(op: ops.Elu, x: Array, out: Array) -> Array:
    out[...] = np.where(x > 0.0, x, op.alpha * np.expm1(np.minimum(x, 0.0)))
    return out


def _elu_grads(op: ops.Elu, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
    x = xs[0]
    return (np.where(x > 0.0, 1.0, op.alpha * np.exp(np.minimum(x, 0.0))),)  # alpha e^x for x <= 0


def _softplus_forward(op: ops.Softplus, x: Array, out: Array) -> Array:
    return np.add(np.maximum(x, 0.0), np.log1p(np.exp(-np.abs(x))), out=out)


def _softplus_grads(op: ops.Softplus, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
    return (stable_sigmoid(xs[0]),)  # d softplus / dx = sigmoid(x), as in ops.Softplus


def _mod_forward(op: ops.Mod, a: Array, b: Array, out: Array) -> Array:
    zero = b == 0.0
    if np.any(zero):
        raise ZeroDivisionError(f"modulo by zero: {_first_bad(a, zero)!r} % 0.0")
    with np.errstate(invalid="ignore"):
        return np.remainder(a, b, out=out)  # Python's %: the sign of b


def _mod_grads(op: ops.Mod, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
    a, b = xs
    with np.errstate(invalid="ignore", divide="ignore"):
        return (1.0, -np.floor_divide(a, b))  # d/da = 1, d/db = -floor(a / b), as in ops.Mod


def _checked(
    name: str,
    function: Callable[[Array], Array],
    bad: Callable[[Array, Array], Mask | bool],  # False: no x is bad
    kind: type[Exception],
    why: str,
) -> Forward:
    """A forward rule: ``function`` of numpy, after raising ``kind`` at the first bad x."""

    def forward(op: ops.Op, x: Array, out: Array) -> Array:
        with np.errstate(all="ignore"):
            result = function(x)
            problem = bad(x, result)
        if np.any(problem):
            raise kind(f"{name}({_first_bad(x, problem)!r}){why}")
        out[...] = result
        return out

    return forward


def _overflows(x: Array, result: Array) -> Mask:
    return np.isinf(result) & np.isfinite(x)


def _infinite(x: Array, result: Array) -> Mask:
    return np.isinf(x)


def _slopes(rule: Callable[[Array], Slope]) -> LocalGrads:
    """A one-input local_grads rule from the slope as a numpy function of x."""

    def local_grads(op: ops.Op, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
        with np.errstate(all="ignore"):
            return (rule(xs[0]),)

    return local_grads


def _with_out(rule: Callable[[Array, Array], Slope]) -> LocalGrads:
    """A one-input local_grads rule from the slope as a numpy function of x and the output."""

    def local_grads(op: ops.Op, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
        with np.errstate(all="ignore"):
            return (rule(xs[0], out),)

    return local_grads


_FINITE = ": domain error, {} needs a finite x"
_UNIT = ": domain error, {} needs -1 <= x <= 1"


def _atan2_forward(op: ops.Atan2, a: Array, b: Array, out: Array) -> Array:
    return np.arctan2(a, b, out=out)


def _atan2_grads(op: ops.Atan2, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
    a, b = xs
    with np.errstate(all="ignore"):
        r2 = a * a + b * b
        zero = r2 == 0.0  # slopes 0 where a^2 + b^2 is 0, as in ops.Atan2
        return (np.where(zero, 0.0, b / r2), np.where(zero, -0.0, -a / r2))


def _maximum_forward(op: ops.Op, a: Array, b: Array, out: Array) -> Array:
    return np.maximum(a, b, out=out)


def _minimum_forward(op: ops.Op, a: Array, b: Array, out: Array) -> Array:
    return np.minimum(a, b, out=out)


def _maximum_grads(op: ops.Op, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
    a, b = xs
    tie = a == b  # half each at a tie; 1 to both at NaN, as in ops.Maximum
    return (
        np.where(tie, 0.5, np.where(a < b, 0.0, 1.0)),
        np.where(tie, 0.5, np.where(b < a, 0.0, 1.0)),
    )


def _minimum_grads(op: ops.Op, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
    a, b = xs
    tie = a == b
    return (
        np.where(tie, 0.5, np.where(a > b, 0.0, 1.0)),
        np.where(tie, 0.5, np.where(b > a, 0.0, 1.0)),
    )


def _clamp_forward(op: ops.Clamp, x: Array, out: Array) -> Array:
    out[...] = np.where(x < op.lo, op.lo, np.where(x > op.hi, op.hi, x))  # NaN passes through
    return out


def _clamp_grads(op: ops.Clamp, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
    x = xs[0]
    return (((x >= op.lo) & (x <= op.hi)).astype(float),)  # bounds included, 0 at NaN


def _sign(x: Array) -> Array:
    return np.sign(x)  # 0 at +-0, NaN for NaN, as ops.sign_of


def _log_add_exp_forward(op: ops.LogAddExp, a: Array, b: Array, out: Array) -> Array:
    # max(a, b) + log1p(e^-|a - b|), as in ops.LogAddExp, in place: five times np.logaddexp's speed
    gap = np.subtract(a, b)
    np.abs(gap, out=gap)
    np.negative(gap, out=gap)
    np.exp(gap, out=gap)
    np.log1p(gap, out=gap)
    np.maximum(a, b, out=out)
    out += gap
    if np.isnan(out).any():  # equal infinities give themselves, as in ops.LogAddExp
        np.copyto(out, np.where((a == b) & np.isinf(a), a, out))
    return out


def _log_add_exp_grads(op: ops.LogAddExp, xs: tuple[Array, ...], out: Array) -> tuple[Slope, ...]:
    a, b = xs
    # e^a / (e^a + e^b) = e^(a - out): sigmoid(a - b) of ops.LogAddExp, from the output in one exp
    with np.errstate(invalid="ignore"):
        da, db = np.exp(a - out), np.exp(b - out)
    finite = np.isfinite(out)
    if not finite.all():  # an infinite input: e^(inf - inf) is NaN where sigmoid(a - b) is not
        with np.errstate(invalid="ignore"):
            gap = a - b
        tie = (a == b) & np.isinf(a)  # equal infinities: 1/2 each, as in ops.LogAddExp
        da = np.where(finite, da, np.where(tie, 0.5, stable_sigmoid(gap)))
        db = np.where(finite, db, np.where(tie, 0.5, stable_sigmoid(-gap)))
    return (da, db)


Forward = Callable[..., Array]
LocalGrads = Callable[..., tuple[Slope, ...]]  # (op, xs, out) -> one slope per input

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
    ops.Mod: (_mod_forward, _mod_grads),
    ops.IeeePowConst: (_ieee_pow_forward, _pow_const_grads),
    ops.IeeePow: (_ieee_pow_forward, _pow_grads),
    ops.Sqrt: (
        _checked(
            "sqrt", np.sqrt, lambda x, r: x < 0.0, ValueError, ": domain error, sqrt needs x >= 0"
        ),
        _with_out(lambda x, out: 0.5 * np.power(out, -1.0)),
    ),
    ops.Cbrt: (
        _checked("cbrt", np.cbrt, lambda x, r: False, ValueError, ""),
        _with_out(lambda x, out: np.power(out, -2.0) / 3.0),
    ),
    ops.Exp2: (
        _checked("exp2", np.exp2, _overflows, OverflowError, " overflows float (x >= 1024)"),
        _with_out(lambda x, out: out * ops.exp_log.LN2),
    ),
    ops.Expm1: (
        _checked("expm1", np.expm1, _overflows, OverflowError, " overflows float (x > 709.78)"),
        _slopes(np.exp),
    ),
    ops.Log2: (
        _checked(
            "log2", np.log2, lambda x, r: x <= 0.0, ValueError, ": domain error, log2 needs x > 0"
        ),
        _slopes(lambda x: 1.0 / (x * ops.exp_log.LN2)),
    ),
    ops.Log10: (
        _checked(
            "log10",
            np.log10,
            lambda x, r: x <= 0.0,
            ValueError,
            ": domain error, log10 needs x > 0",
        ),
        _slopes(lambda x: 1.0 / (x * ops.exp_log.LN10)),
    ),
    ops.Log1p: (
        _checked(
            "log1p",
            np.log1p,
            lambda x, r: x <= -1.0,
            ValueError,
            ": domain error, log1p needs x > -1",
        ),
        _slopes(lambda x: np.power(1.0 + x, -1.0)),
    ),
    ops.Sin: (
        _checked("sin", np.sin, _infinite, ValueError, _FINITE.format("sin")),
        _slopes(np.cos),
    ),
    ops.Cos: (
        _checked("cos", np.cos, _infinite, ValueError, _FINITE.format("cos")),
        _slopes(lambda x: -np.sin(x)),
    ),
    ops.Tan: (
        _checked("tan", np.tan, _infinite, ValueError, _FINITE.format("tan")),
        _with_out(lambda x, out: 1.0 + out * out),
    ),
    ops.Asin: (
        _checked(
            "asin", np.arcsin, lambda x, r: (x < -1.0) | (x > 1.0), ValueError, _UNIT.format("asin")
        ),
        _slopes(lambda x: np.power(1.0 - x * x, -0.5)),
    ),
    ops.Acos: (
        _checked(
            "acos", np.arccos, lambda x, r: (x < -1.0) | (x > 1.0), ValueError, _UNIT.format("acos")
        ),
        _slopes(lambda x: -np.power(1.0 - x * x, -0.5)),
    ),
    ops.Atan: (
        _checked("atan", np.arctan, lambda x, r: False, ValueError, ""),
        _slopes(lambda x: 1.0 / (1.0 + x * x)),
    ),
    ops.Atan2: (_atan2_forward, _atan2_grads),
    ops.Sinh: (
        _checked("sinh", np.sinh, _overflows, OverflowError, " overflows float (|x| > 710.47)"),
        _slopes(np.cosh),
    ),
    ops.Cosh: (
        _checked("cosh", np.cosh, _overflows, OverflowError, " overflows float (|x| > 710.47)"),
        _slopes(np.sinh),
    ),
    ops.Abs: (_checked("abs", np.abs, lambda x, r: False, ValueError, ""), _slopes(_sign)),
    ops.Sign: (
        _checked("sign", _sign, lambda x, r: False, ValueError, ""),
        _slopes(lambda x: np.zeros_like(x)),
    ),
    ops.Maximum: (_maximum_forward, _maximum_grads),
    ops.Minimum: (_minimum_forward, _minimum_grads),
    ops.Clamp: (_clamp_forward, _clamp_grads),
    ops.LogAddExp: (_log_add_exp_forward, _log_add_exp_grads),
}
