"""The parity table of the newer ops: trig, roots, the exp/log family, abs, sign, maximum,
minimum, clamp and %, one line per op, to second order.

Each row is checked against PyTorch 2.13 float64 (forward, first derivatives from
``backward()``, second derivatives from ``grad(create_graph=True)`` twice), against numpy
(forward) and against central differences of the engine's own forward (first
derivatives, torch-free). The engine side goes through the functional forms
(``autograd.sin(x)``), which are ``x.sin()`` for a Value. Points exactly at a kink, a
jump or a pole, where differences cannot see the slope, are in KINKS below with
hand-derived values (and PyTorch's).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from reference import (
    ENGINE,
    assert_close,
    close,
    engine_value_and_grads,
    gradient_by_differences,
    numpy_forward,
    requires_torch,
)

import autograd
from autograd import Value, grad

try:
    import torch
    from reference import TORCH
except ImportError:  # pragma: no cover - CI installs torch==2.13.0
    torch = None


@dataclass(frozen=True)
class Row:
    name: str
    f: Callable  # f(m, *args) for a backend m (see reference.py)
    points: tuple[tuple[float, ...], ...]
    rel: float = 1e-12  # tolerance against torch and numpy: relative ...
    abs_tol: float = 1e-300  # ... and absolute (an exact 0 may come out as a subnormal)
    second_rel: float = 1e-12  # second derivatives: relative tolerance
    singular: tuple[int, ...] = ()  # arguments with a kink or domain edge at 0 (differences)


def row(name, f, points, rel=1e-12, abs_tol=1e-300, second_rel=1e-12, singular=()) -> Row:
    points = tuple(p if isinstance(p, tuple) else (p,) for p in points)
    return Row(name, f, points, rel, abs_tol, second_rel, singular)


TINY = 1e-300
FINITE = (-1000.0, -3.7, -1.0, -1e-12, 0.0, 1e-12, TINY, 0.5, 2.0, 1e6)
UNIT = (-1.0, -0.999999, -0.5, -1e-12, 0.0, 1e-12, 0.5, 0.999999, 1.0)
POSITIVE = (TINY, 1e-12, 0.5, 1.0, 2.0, 700.0, 1e300)
PLANE = ((1.0, 2.0), (-1.0, 2.0), (1.0, -2.0), (-1.0, -2.0), (0.0, 1.0), (0.0, -1.0),
         (1.0, 0.0), (-1.0, 0.0), (1e-12, 1.0), (TINY, 1.0), (1000.0, -1e-3))  # fmt: skip
TIES = ((1.0, 2.0), (2.0, 1.0), (3.0, 3.0), (-0.5, -0.5), (0.0, 0.0), (-1e-12, 1e-12),
        (1000.0, -700.0))  # fmt: skip
CLAMPED = (-3.0, -1.0, -1e-12, 0.0, 1.5, 2.0, 2.0000001, 5.0)
# a % b away from its jumps (a / b an integer) and from b = 0
MODULI = ((7.5, 2.0), (-7.5, 2.0), (7.5, -2.0), (-7.5, -2.0), (-1e-20, 1.0), (0.3, 1e-3),
          (1000.0, 3.7))  # fmt: skip

TABLE = [
    #   name             f(m, *args)                              points
    row("sin",           lambda m, x: m.sin(x),                   FINITE),
    row("cos",           lambda m, x: m.cos(x),                   FINITE),
    # tan(pi/2 rounded) = 1.6e16: its slopes 1 + tan^2 and 2 tan (1 + tan^2) are huge, exact
    row("tan",           lambda m, x: m.tan(x),                   (-1.5, -1.0, -1e-12, 0.0, 1e-12, 0.5, 3.0, math.pi / 2)),
    row("asin",          lambda m, x: m.asin(x),                  UNIT),
    row("acos",          lambda m, x: m.acos(x),                  UNIT),
    row("atan",          lambda m, x: m.atan(x),                  (-1e200, -1000.0, -1.0, 0.0, 1e-12, 0.5, 1000.0, 1e200)),
    row("atan2",         lambda m, a, b: m.atan2(a, b),           PLANE),
    row("atan2(x, 2.5)", lambda m, x: m.atan2(x, 2.5),            FINITE),
    row("atan2(2.5, x)", lambda m, x: m.atan2(2.5, x),            FINITE),
    row("sinh",          lambda m, x: m.sinh(x),                  (-710.0, -20.0, -1.0, -1e-12, 0.0, 1e-12, 0.5, 20.0, 710.0)),
    row("cosh",          lambda m, x: m.cosh(x),                  (-710.0, -20.0, -1.0, -1e-12, 0.0, 1e-12, 0.5, 20.0, 710.0)),
    row("sqrt",          lambda m, x: m.sqrt(x),                  (0.0,) + POSITIVE, singular=(0,)),
    # torch's reference is sign(x) |x|^(1/3): 1/3 is rounded, so about 1e-17 |log x| apart
    row("cbrt",          lambda m, x: m.cbrt(x),                  (-1000.0, -3.7, -1e-12, 1e-12, TINY, 0.5, 2.0, 1e300), rel=1e-13, second_rel=1e-13, singular=(0,)),
    row("abs",           lambda m, x: abs(x),                     FINITE + (-0.0,), singular=(0,)),
    row("sign",          lambda m, x: m.sign(x),                  FINITE + (-0.0,), singular=(0,)),
    row("log1p",         lambda m, x: m.log1p(x),                 (-0.999999, -0.5, -1e-12, 0.0, 1e-12, 0.5, 700.0, 1e300)),
    # expm1' = e^x here; PyTorch uses out + 1, which is exactly 0 from x = -38 on
    row("expm1",         lambda m, x: m.expm1(x),                 (-1000.0, -40.0, -1.0, -1e-12, 0.0, 1e-12, 0.5, 700.0), abs_tol=1e-16),
    row("log2",          lambda m, x: m.log2(x),                  POSITIVE, singular=(0,)),
    row("log10",         lambda m, x: m.log10(x),                 POSITIVE, singular=(0,)),
    row("exp2",          lambda m, x: m.exp2(x),                  (-1000.0, -1.0, -1e-12, 0.0, 0.5, 10.0, 1023.5)),
    row("maximum",       lambda m, a, b: m.maximum(a, b),         TIES),
    row("minimum",       lambda m, a, b: m.minimum(a, b),         TIES),
    row("maximum(x, 0.5)", lambda m, x: m.maximum(x, 0.5),        (0.0, 0.5, 1.0)),
    row("minimum(0.5, x)", lambda m, x: m.minimum(0.5, x),        (0.0, 0.5, 1.0)),
    # slopes sigmoid(a - b), sigmoid(b - a); at a - b = 35 the second derivative s (1 - s) is
    # 6.7e-16 (s rounded next to 1) where PyTorch's e^(a - y) e^(b - y) gives 6.3e-16
    row("logaddexp",     lambda m, a, b: m.logaddexp(a, b),       TIES[:-1] + ((-800.0, -790.0), (30.0, -5.0)), abs_tol=1e-16),
    row("logaddexp(x, 0.5)", lambda m, x: m.logaddexp(x, 0.5),    (-40.0, 0.0, 0.5, 800.0)),
    row("clamp(x, -1, 2)", lambda m, x: m.clamp(x, -1.0, 2.0),    CLAMPED),
    row("clamp(x, 0, 0)", lambda m, x: m.clamp(x, 0.0, 0.0),      (-1.0, 0.0, 1.0)),
    row("a % b",         lambda m, a, b: a % b,                   MODULI + ((5.0, 2.5), (0.0, 3.0))),
    row("x % 2.5",       lambda m, x: x % 2.5,                    (-7.5 + 0.1, -1e-12, 0.0, 1.0, 7.6), singular=(0,)),
    row("2.5 % x",       lambda m, x: m.remainder(2.5, x),        (-3.7, -1.0 + 1e-9, 0.7, 2.0, 1000.0)),
    # a few compositions, so that second derivatives mix the new ops
    row("sin(x) * cos(x)", lambda m, x: m.sin(x) * m.cos(x),      (-1.0, 0.0, 0.5, 2.0)),
    row("sqrt(1 + x^2)", lambda m, x: m.sqrt(1.0 + x * x),        (-3.0, 0.0, 1e-12, 4.0)),
    row("log1p(expm1(x))", lambda m, x: m.log1p(m.expm1(x)),      (-2.0, 1e-12, 0.5, 3.0)),
    row("atan2(sinh, cosh)", lambda m, x: m.atan2(m.sinh(x), m.cosh(x)), (-2.0, 0.0, 0.5)),
    row("maximum(sin, cos)", lambda m, x: m.maximum(m.sin(x), m.cos(x)), (0.1, math.pi / 4, 2.0)),
]  # fmt: skip

CASES = [
    pytest.param(r, p, id=f"{r.name} at {p if len(p) > 1 else p[0]!r}")
    for r in TABLE
    for p in r.points
]
# points where a slope jumps or is infinite: a central difference cannot see it
NOT_SMOOTH = {
    "atan2": {(0.0, 0.0), (0.0, -1.0)},  # (0, -1): on the branch cut, atan2 jumps from pi to -pi
    "tan": {(math.pi / 2,)},
    "sinh": {(-710.0,), (710.0,)},  # the stencil overflows
    "cosh": {(-710.0,), (710.0,)},
    "log1p": {(-0.999999,)},  # the stencil leaves x > -1
    "exp2": {(1023.5,)},  # the stencil overflows
    "sign": {(0.0,), (-0.0,)},  # a jump
    "sqrt": {(0.0,)},
    "asin": {(-1.0,), (1.0,), (-0.999999,), (0.999999,)},  # the stencil leaves [-1, 1]
    "acos": {(-1.0,), (1.0,), (-0.999999,), (0.999999,)},
    "abs": {(0.0,), (-0.0,)},
    "maximum": {(3.0, 3.0), (-0.5, -0.5), (0.0, 0.0), (-1e-12, 1e-12)},
    "minimum": {(3.0, 3.0), (-0.5, -0.5), (0.0, 0.0), (-1e-12, 1e-12)},
    "maximum(x, 0.5)": {(0.5,)},
    "minimum(0.5, x)": {(0.5,)},
    "clamp(x, -1, 2)": {(-1.0,), (2.0,), (2.0000001,)},
    "clamp(x, 0, 0)": {(0.0,)},
    # a jump where a / b is an integer: at the point, or within the stencil
    "a % b": {(5.0, 2.5), (0.0, 3.0), (-1e-20, 1.0), (0.3, 1e-3)},
    "x % 2.5": {(0.0,), (-1e-12,)},
    "maximum(sin, cos)": {(math.pi / 4,)},
}


# --- derivatives to second order, by the engine and by torch ---


def engine_derivatives(f: Callable, point: tuple[float, ...]) -> tuple[float, list, list]:
    """(value, gradient, Hessian) of f(ENGINE, *point) with grad(create_graph=True)."""
    xs = [Value(p) for p in point]
    y = f(ENGINE, *xs)
    first = grad(y, xs, create_graph=True)
    hessian = [[float(d) for d in grad(g, xs)] if isinstance(g, Value) else [0.0] * len(xs)
               for g in first]  # fmt: skip
    return y.data, [float(g) for g in first], hessian


def torch_derivatives(f: Callable, point: tuple[float, ...]) -> tuple[float, list, list]:
    xs = [TORCH.leaf(p) for p in point]
    y = f(TORCH, *xs)
    first = torch.autograd.grad(y, xs, create_graph=True, allow_unused=True)
    hessian = []
    for g in first:
        if g is None or not g.requires_grad:
            hessian.append([0.0] * len(xs))
            continue
        second = torch.autograd.grad(g, xs, retain_graph=True, allow_unused=True)
        hessian.append([0.0 if d is None else d.item() for d in second])
    return y.item(), [0.0 if g is None else g.item() for g in first], hessian


def relative_error(ours: float, reference: float) -> float:
    """|ours - reference| / |reference| (0 for equal infinities or NaNs, inf for a mismatch)."""
    if not (math.isfinite(ours) and math.isfinite(reference)):
        same = ours == reference or (math.isnan(ours) and math.isnan(reference))
        return 0.0 if same else math.inf
    if ours == reference:
        return 0.0
    return abs(ours - reference) / max(abs(reference), 1e-300)


@requires_torch
@pytest.mark.parametrize("row, point", CASES)
def test_value_and_first_and_second_derivatives_match_torch(row: Row, point: tuple) -> None:
    value, first, hessian = engine_derivatives(row.f, point)
    t_value, t_first, t_hessian = torch_derivatives(row.f, point)
    assert_close(value, t_value, row.rel, row.abs_tol, what=f"{row.name} forward")
    for i, (g, tg) in enumerate(zip(first, t_first)):
        assert_close(g, tg, row.rel, row.abs_tol, what=f"{row.name} d/d(arg {i})")
    if row.name == "atan2" and point == (0.0, 0.0):
        return  # PyTorch's second derivatives are NaN at the origin; ours are 0 (see ops.Atan2)
    for i, (h, th) in enumerate(zip(hessian, t_hessian)):
        for j, (d2, td2) in enumerate(zip(h, th)):
            assert_close(d2, td2, row.second_rel, row.abs_tol, what=f"{row.name} d2/d{i}d{j}")


def test_backward_agrees_with_create_graph_gradients() -> None:
    for r in TABLE:
        for p in r.points:
            value, first, _ = engine_derivatives(r.f, p)
            plain_value, plain = engine_value_and_grads(r.f, p)
            assert plain_value == value
            for g, pg in zip(first, plain):
                assert close(g, pg, 1e-15, 1e-300), (r.name, p, first, plain)


@pytest.mark.parametrize("row, point", CASES)
def test_forward_matches_numpy(row: Row, point: tuple) -> None:
    value, _ = engine_value_and_grads(row.f, point)
    assert_close(value, numpy_forward(row.f, point), row.rel, row.abs_tol, what=row.name)


SMOOTH_CASES = [
    c
    for c in CASES
    if c.values[1] not in NOT_SMOOTH.get(c.values[0].name, ())
    # a step of 1e-5 |x| is too coarse for a period of 2 pi far from 0
    and not (c.values[0].name in ("sin", "cos") and abs(c.values[1][0]) > 100.0)
]


@pytest.mark.parametrize("row, point", SMOOTH_CASES)
def test_gradient_matches_central_differences(row: Row, point: tuple) -> None:
    value, grads = engine_value_and_grads(row.f, point)
    if not all(math.isfinite(g) for g in grads):
        pytest.skip("an infinite slope: checked against torch and by hand")
    numeric = gradient_by_differences(row.f, point, row.singular)
    for i, (g, n) in enumerate(zip(grads, numeric)):
        # rounding in a difference of forward values is about 1e-16 |f| / h
        scale = max(1.0, abs(value), *(abs(v) for v in point))
        assert_close(g, n, rel=1e-6, abs_tol=1e-9 * scale, what=f"{row.name} d/d(arg {i})")


# --- exactly at a kink, jump or pole: (value, first, second derivative), by hand ---

INF = math.inf
KINKS = [
    # name,                  f(m, x),                            x,     f, f', f'' (by hand)
    ("abs'(0) = 0",           lambda m, x: abs(x),                0.0,   0.0, 0.0, 0.0),
    ("sign'(0) = 0",          lambda m, x: m.sign(x),             0.0,   0.0, 0.0, 0.0),
    ("sqrt at 0",             lambda m, x: m.sqrt(x),             0.0,   0.0, INF, -INF),
    ("asin at 1",             lambda m, x: m.asin(x),             1.0,   math.pi / 2, INF, INF),
    ("asin at -1",            lambda m, x: m.asin(x),             -1.0,  -math.pi / 2, INF, -INF),
    ("acos at 1",             lambda m, x: m.acos(x),             1.0,   0.0, -INF, -INF),
    ("clamp at lo: slope 1",  lambda m, x: m.clamp(x, -1.0, 2.0), -1.0,  -1.0, 1.0, 0.0),
    ("clamp at hi: slope 1",  lambda m, x: m.clamp(x, -1.0, 2.0), 2.0,   2.0, 1.0, 0.0),
    ("maximum tie: 1/2",      lambda m, x: m.maximum(x, 0.5),     0.5,   0.5, 0.5, 0.0),
    ("minimum tie: 1/2",      lambda m, x: m.minimum(0.5, x),     0.5,   0.5, 0.5, 0.0),
    ("x % 2.5 at 5: slope 1", lambda m, x: x % 2.5,               5.0,   0.0, 1.0, 0.0),
    ("2.5 % x at 1.25",       lambda m, x: m.remainder(2.5, x),               1.25,  0.0, -2.0, 0.0),
]  # fmt: skip


@pytest.mark.parametrize("name, f, x, value, d1, d2", KINKS, ids=[k[0] for k in KINKS])
def test_kink_convention(name, f, x, value, d1, d2) -> None:
    assert engine_derivatives(f, (x,)) == (value, [d1], [[d2]])


@requires_torch
@pytest.mark.parametrize("name, f, x, value, d1, d2", KINKS, ids=[k[0] for k in KINKS])
def test_kink_convention_is_pytorchs(name, f, x, value, d1, d2) -> None:
    assert torch_derivatives(f, (x,)) == (value, [d1], [[d2]])


def test_cbrt_at_0_has_a_vertical_slope() -> None:
    # 1 / (3 cbrt(x)^2) -> +inf; the second derivative -2/9 x^(-5/3) takes the sign of the
    # zero: -inf at +0.0, +inf at -0.0 (torch has no cbrt to compare with)
    assert engine_derivatives(lambda m, x: m.cbrt(x), (0.0,)) == (0.0, [INF], [[-INF]])
    assert engine_derivatives(lambda m, x: m.cbrt(x), (-0.0,))[2] == [[INF]]


# --- domain errors name the op and the value ---

DOMAIN = [
    (lambda: autograd.sqrt(Value(-1.0)), ValueError, r"sqrt\(-1.0\): domain error, sqrt needs x >= 0"),
    (lambda: autograd.asin(Value(1.5)), ValueError, r"asin\(1.5\): domain error, asin needs -1 <= x <= 1"),
    (lambda: autograd.acos(-2.0), ValueError, r"acos\(-2.0\): domain error"),
    (lambda: autograd.log1p(Value(-1.0)), ValueError, r"log1p\(-1.0\): domain error, log1p needs x > -1"),
    (lambda: autograd.log2(Value(0.0)), ValueError, r"log2\(0.0\): domain error, log2 needs x > 0"),
    (lambda: autograd.log10(-3), ValueError, r"log10\(-3.0\): domain error"),
    (lambda: autograd.sin(Value(math.inf)), ValueError, r"sin\(inf\): domain error, sin needs a finite x"),
    (lambda: autograd.cos(Value(-math.inf)), ValueError, r"cos\(-inf\): domain error"),
    (lambda: autograd.tan(math.inf), ValueError, r"tan\(inf\): domain error"),
    (lambda: autograd.exp2(Value(1024.0)), OverflowError, r"exp2\(1024.0\) overflows float"),
    (lambda: autograd.expm1(Value(710.0)), OverflowError, r"expm1\(710.0\) overflows float"),
    (lambda: autograd.sinh(Value(711.0)), OverflowError, r"sinh\(711.0\) overflows float"),
    (lambda: autograd.cosh(Value(-711.0)), OverflowError, r"cosh\(-711.0\) overflows float"),
    (lambda: Value(3.0) % 0.0, ZeroDivisionError, r"modulo by zero: 3.0 % 0.0"),
    (lambda: 3.0 % Value(0.0), ZeroDivisionError, r"modulo by zero: 3.0 % 0.0"),
    (lambda: autograd.clamp(Value(1.0), 2.0, 1.0), ValueError, r"clamp: needs lo <= hi, got lo=2.0, hi=1.0"),
    (lambda: autograd.maximum(Value(1.0), "a"), TypeError, r"maximum: takes a Value or a number, not str"),
    (lambda: autograd.sin(True), TypeError, r"not bool"),
]  # fmt: skip


@pytest.mark.parametrize("call, error, message", DOMAIN, ids=[m for _, _, m in DOMAIN])
def test_domain_errors_name_the_op_and_the_value(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


def test_nan_passes_through_every_new_op() -> None:
    # as everywhere in the engine: a NaN that enters through data stays visible
    nan = Value(math.nan)
    for name in ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "sqrt", "cbrt",
                 "abs", "sign", "log1p", "expm1", "log2", "log10", "exp2"):  # fmt: skip
        assert math.isnan(getattr(nan, name)().data), name
    for name in ("atan2", "maximum", "minimum", "logaddexp"):
        assert math.isnan(getattr(nan, name)(1.0).data) and math.isnan(
            getattr(autograd, name)(1.0, nan).data
        ), name
    assert math.isnan(nan.clamp(0.0, 1.0).data) and math.isnan((nan % 2.0).data)


# --- functional forms: a Value in, the op's node out; a number in, a plain float out ---

UNARY = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "cbrt", "sin", "cos",
         "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "softplus", "relu",
         "sign", "leaky_relu", "elu", "clamp"]  # fmt: skip


@pytest.mark.parametrize("name", UNARY)
def test_functional_form_on_a_value_is_the_method(name: str) -> None:
    x = Value(0.3)
    y = getattr(autograd, name)(x)
    assert isinstance(y, Value) and y.parents == (x,) and y.data == getattr(x, name)().data
    assert y.op.name == getattr(x, name)().op.name  # the name drawings show


@pytest.mark.parametrize("name", UNARY)
def test_functional_form_on_a_number_is_a_plain_float(name: str) -> None:
    for number in (0.3, 1, np.float64(0.25)):
        y = getattr(autograd, name)(number)
        assert type(y) is float and y == getattr(Value(float(number)), name)().data


@pytest.mark.parametrize("name", ["atan2", "maximum", "minimum", "logaddexp"])
def test_binary_functional_forms(name: str) -> None:
    a = Value(0.3)
    assert getattr(autograd, name)(a, 2.0).parents[0] is a
    assert getattr(autograd, name)(2.0, a).parents[1] is a
    assert type(getattr(autograd, name)(0.3, 2)) is float


def test_math_exp_on_a_value_drops_the_graph_but_autograd_exp_keeps_it() -> None:
    x = Value(1.0)
    assert type(math.exp(x)) is float  # the pitfall docs/ops.md warns about
    y = autograd.exp(x)
    y.backward()
    assert x.grad == math.e


def test_autograd_sum_is_still_the_nary_sum() -> None:
    assert autograd.sum([Value(1.0), 2.0, Value(3.0)]).data == 6.0


def test_logaddexp_far_apart_is_the_larger_with_slopes_1_and_0() -> None:
    # where PyTorch's second derivative is NaN (0 * inf inside its formula); by hand:
    # slopes sigmoid(a - b) and sigmoid(b - a), sigmoid(1700) = 1 and e^-1700 = 0 in floats
    for a, b in ((1000.0, -700.0), (1e300, 1.0)):
        x, y = Value(a), Value(b)
        z = autograd.logaddexp(x, y)
        z.backward(create_graph=True)
        assert (z.data, x.grad.data, y.grad.data) == (a, 1.0, 0.0)
        assert grad(x.grad, [x, y]) == [0.0, 0.0]
