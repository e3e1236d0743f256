"""``autograd.compile.batched_ops`` against the op table, point by point.

The compiled replay runs each op with numpy; the op table (autograd/ops/) is the reference. For
every op: forward values and local gradients at ordinary points, kinks, extremes,
infinities and NaN, and the same exception type where the table raises one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import ops
from autograd.compile.batched_ops import RULES

POINTS = [
    -1000.0,
    -40.0,
    -3.0,
    -1.0,
    -0.5,
    -1e-300,
    -0.0,
    0.0,
    1e-300,
    0.25,
    0.5,
    1.0,
    2.0,
    3.0,
    40.0,
    700.0,
    math.inf,
    -math.inf,
    math.nan,
]
SMALL_POINTS = [-3.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0, 3.0, math.nan]

UNARY = [
    ops.NEG,
    ops.EXP,
    ops.LOG,
    ops.TANH,
    ops.SIGMOID,
    ops.RELU,
    ops.SOFTPLUS,
    ops.LeakyRelu(0.01),
    ops.LeakyRelu(0.3),
    ops.Elu(1.0),
    ops.Elu(0.5),
    ops.PowConst(2.0),
    ops.PowConst(3.0),
    ops.PowConst(-1.0),
    ops.PowConst(0.5),
    ops.PowConst(0.0),
    ops.PowConst(-2.5),
    ops.IeeePowConst(-1.0),
    ops.IeeePowConst(-0.5),
    ops.IeeePowConst(0.5),
    ops.SQRT,
    ops.CBRT,
    ops.EXP2,
    ops.EXPM1,
    ops.LOG2,
    ops.LOG10,
    ops.LOG1P,
    ops.SIN,
    ops.COS,
    ops.TAN,
    ops.ASIN,
    ops.ACOS,
    ops.ATAN,
    ops.SINH,
    ops.COSH,
    ops.ABS,
    ops.SIGN,
    ops.Clamp(-1.0, 2.0),
    ops.Clamp(0.0, 0.0),
]
BINARY = [
    ops.ADD,
    ops.SUB,
    ops.MUL,
    ops.DIV,
    ops.POW,
    ops.IEEE_POW,
    ops.MOD,
    ops.ATAN2,
    ops.MAXIMUM,
    ops.MINIMUM,
    ops.LOG_ADD_EXP,
]
# the unary points, and where the new ops have their edges: +-1 for asin, -1 for log1p,
# pi/2 for tan, the bounds of a clamp, the overflow of exp2, sinh and cosh
POINTS += [-0.999999, 0.999999, math.pi / 2, -1.5, 1023.5, 1024.0, 710.0, 711.0, -711.0, 5e-324]


def same(a: float, b: float) -> bool:
    """Equal to 1e-15 relative, or both NaN, or both the same infinity."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-15 * max(1.0, abs(b))


def scalar(op: ops.Op, xs: tuple[float, ...]):
    """(forward, local grads) from the table, or the exception type it raises."""
    try:
        out = op.forward(*xs)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        return type(error)
    try:
        grads = op.local_grads(xs, out)
    except (
        ValueError,
        ZeroDivisionError,
        OverflowError,
    ) as error:  # pragma: no cover - the table does not raise here
        return type(error)
    return out, grads


def batched(op: ops.Op, xs: tuple[float, ...]):
    forward, local_grads = RULES[type(op)]
    arrays = tuple(np.array([[x]]) for x in xs)
    try:
        with np.errstate(all="ignore"):
            out = forward(op, *arrays, out=np.empty((1, 1)))
            grads = local_grads(op, arrays, out)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        return type(error)
    return out, grads


def check(op: ops.Op, xs: tuple[float, ...]) -> None:
    expected, got = scalar(op, xs), batched(op, xs)
    if isinstance(expected, type):
        assert got is expected, (
            f"{op.name}{xs}: the table raises {expected.__name__}, batched gives {got}"
        )
        return
    assert not isinstance(got, type), (
        f"{op.name}{xs}: batched raises {got.__name__}, the table gives {expected}"
    )
    (out, grads), (b_out, b_grads) = expected, got
    assert same(out, np.asarray(b_out).item()), f"{op.name}{xs}: forward {out!r} vs {b_out!r}"
    for k, (g, b) in enumerate(zip(grads, b_grads)):
        b = np.broadcast_to(b, (1, 1)).item()
        assert same(g, b), f"{op.name}{xs}: d/dx{k} {g!r} vs {b!r}"


def test_every_table_op_has_a_batched_rule() -> None:
    table_ops = {
        cls for cls in vars(ops).values() if isinstance(cls, type) and issubclass(cls, ops.Op)
    }
    # Op and NaryOp are bases; Sum, Dot and Neuron become matrix products in the tape.
    lowered_elsewhere = {ops.Op, ops.NaryOp, ops.Sum, ops.Dot, ops.Neuron}
    assert table_ops - lowered_elsewhere <= set(RULES)
    assert set(RULES) <= table_ops


@pytest.mark.parametrize("op", UNARY, ids=lambda op: op.name)
def test_unary_rules_match_the_table(op: ops.Op) -> None:
    for x in POINTS:
        check(op, (x,))


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.name)
def test_binary_rules_match_the_table(op: ops.Op) -> None:
    for a in SMALL_POINTS + [1e300, -1e300, 5e-324, math.inf, -math.inf]:
        for b in SMALL_POINTS + [-0.0, math.inf]:
            if op is ops.IEEE_POW and a < 0.0:
                continue  # only a derivative of a ** b (a > 0) makes this op
            check(op, (a, b))


def test_errors_name_the_bad_value() -> None:
    log, _ = RULES[ops.Log]
    with pytest.raises(ValueError, match=r"log\(-2.0\)"):
        log(ops.LOG, np.array([[1.0, -2.0, 3.0]]), out=np.empty((1, 3)))
    div, _ = RULES[ops.Div]
    with pytest.raises(ZeroDivisionError, match=r"7.0 / 0.0"):
        div(ops.DIV, np.array([[1.0, 7.0]]), np.array([[1.0, 0.0]]), out=np.empty((1, 2)))


def test_new_ops_errors_name_the_bad_value() -> None:
    sqrt, _ = RULES[ops.Sqrt]
    with pytest.raises(ValueError, match=r"sqrt\(-4.0\): domain error"):
        sqrt(ops.SQRT, np.array([[1.0, -4.0]]), out=np.empty((1, 2)))
    asin, _ = RULES[ops.Asin]
    with pytest.raises(ValueError, match=r"asin\(1.5\): domain error"):
        asin(ops.ASIN, np.array([[1.5]]), out=np.empty((1, 1)))
    mod, _ = RULES[ops.Mod]
    with pytest.raises(ZeroDivisionError, match=r"modulo by zero: 7.0 % 0.0"):
        mod(ops.MOD, np.array([[1.0, 7.0]]), np.array([[1.0, 0.0]]), out=np.empty((1, 2)))
