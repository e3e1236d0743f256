"""The parity table: every op at points near kinks and at extremes, one line per op.

Each row is checked three ways, each against an independent reference:
forward and gradient against PyTorch float64 (skipped, with the reason shown, where torch
is absent), forward against numpy, and gradient against finite differences of the
engine's own forward (torch-free). Points where an error is the right answer live in
test_value_errors.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from reference import (
    ENGINE,
    assert_close,
    engine_value_and_grads,
    gradient_by_differences,
    numpy_forward,
    requires_torch,
    torch_value_and_grads,
)

import autograd
from autograd import Value


@dataclass(frozen=True)
class Row:
    name: str
    f: Callable  # f(m, *args) for a backend m (see reference.py)
    points: tuple[tuple[float, ...], ...]
    singular: tuple[int, ...] = ()  # arguments with a kink or domain edge at 0
    rel: float = 1e-12  # tolerance against torch and numpy: relative ...
    abs_tol: float = 0.0  # ... and absolute


def row(name, f, points, singular=(), rel=1e-12, abs_tol=0.0):
    return Row(
        name, f, tuple(p if isinstance(p, tuple) else (p,) for p in points), singular, rel, abs_tol
    )


TINY = 1e-300
ANYWHERE = (-1000.0, -700.0, -3.7, -1.0, -1e-12, 0.0, 1e-12, TINY, 0.5, 2.0, 700.0, 1000.0)
NONZERO = tuple(x for x in ANYWHERE if x != 0.0)
POSITIVE = (TINY, 1e-12, 0.5, 2.0, 700.0, 1000.0)
NONNEGATIVE = (0.0,) + POSITIVE
PAIRS = (
    (2.0, -3.0),
    (-0.5, 0.25),
    (1e-12, 3.0),
    (1000.0, -700.0),
    (0.0, 5.0),
    (-1e-12, 1e-12),
    (TINY, 2.0),
)
EXPONENT_PAIRS = ((2.0, 3.0), (0.5, -1.5), (3.0, 0.0), (1.0, 5.0), (700.0, 0.5), (2.0, -1000.0),
                  (1e-12, 2.0), (0.0, 1.0), (0.0, 2.5), (TINY, -1.0))  # fmt: skip

TABLE = [
    #   name                 f(m, *args)                                 points        singular at 0
    row("a + b",             lambda m, a, b: a + b,                      PAIRS),
    row("x + 2.5",           lambda m, x: x + 2.5,                       ANYWHERE),
    row("2.5 + x",           lambda m, x: 2.5 + x,                       ANYWHERE),
    row("a - b",             lambda m, a, b: a - b,                      PAIRS),
    row("x - 2.5",           lambda m, x: x - 2.5,                       ANYWHERE),
    row("2.5 - x",           lambda m, x: 2.5 - x,                       ANYWHERE),
    row("a * b",             lambda m, a, b: a * b,                      PAIRS),
    row("x * -2.5",          lambda m, x: x * -2.5,                      ANYWHERE),
    row("-2.5 * x",          lambda m, x: -2.5 * x,                      ANYWHERE),
    row("a / b",             lambda m, a, b: a / b,                      PAIRS,        singular=(1,)),
    row("x / 2.5",           lambda m, x: x / 2.5,                       ANYWHERE),
    row("2.5 / x",           lambda m, x: 2.5 / x,                       NONZERO,      singular=(0,)),
    row("-x",                lambda m, x: -x,                            ANYWHERE),
    row("x ** 2",            lambda m, x: x**2,                          ANYWHERE),
    row("x ** 3",            lambda m, x: x**3,                          ANYWHERE),
    row("x ** 0",            lambda m, x: x**0,                          ANYWHERE),
    row("x ** 1",            lambda m, x: x**1,                          ANYWHERE),
    row("x ** -1",           lambda m, x: x**-1,                         NONZERO,      singular=(0,)),
    row("x ** -2",           lambda m, x: x**-2,                         (-3.7, -1e-12, 1e-12, 0.5, 1000.0), singular=(0,)),
    row("x ** 0.5",          lambda m, x: x**0.5,                        POSITIVE,     singular=(0,)),
    row("x ** 1.5",          lambda m, x: x**1.5,                        NONNEGATIVE,  singular=(0,)),
    row("x ** 2.5",          lambda m, x: x**2.5,                        NONNEGATIVE,  singular=(0,)),
    row("x ** -0.5",         lambda m, x: x**-0.5,                       POSITIVE,     singular=(0,)),
    row("a ** b",            lambda m, a, b: a**b,                       EXPONENT_PAIRS, singular=(0,)),
    row("x ** x",            lambda m, x: x**x,                          (0.01, 0.5, 2.0, 100.0)),
    row("2.5 ** x",          lambda m, x: 2.5**x,                        ANYWHERE[:-1]),
    row("0 ** x",            lambda m, x: 0.0**x,                        POSITIVE,     singular=(0,)),
    row("exp",               lambda m, x: m.exp(x),                      ANYWHERE[:-2] + (700.0, 705.0)),
    row("log",               lambda m, x: m.log(x),                      POSITIVE + (1.0, 1e300), singular=(0,)),
    # 1 - tanh^2 and s(1 - s) come from the rounded output: absolute error about 1e-16
    row("tanh",              lambda m, x: m.tanh(x),                     ANYWHERE + (10.0, -20.0), abs_tol=1e-16),
    row("sigmoid",           lambda m, x: m.sigmoid(x),                  ANYWHERE + (30.0, -30.0), abs_tol=1e-16),
    row("relu",              lambda m, x: m.relu(x),                     ANYWHERE,     singular=(0,)),
    row("leaky_relu",        lambda m, x: m.leaky_relu(x),               ANYWHERE,     singular=(0,)),
    row("leaky_relu(0.2)",   lambda m, x: m.leaky_relu(x, 0.2),          ANYWHERE,     singular=(0,)),
    row("elu",               lambda m, x: m.elu(x),                      ANYWHERE + (-20.0, -40.0), singular=(0,)),
    row("elu(0.5)",          lambda m, x: m.elu(x, 0.5),                 ANYWHERE + (-20.0,), singular=(0,)),
    # torch's softplus is x itself past x = 20 (its threshold), off by log1p(e^-x) < 2.1e-9
    row("softplus",          lambda m, x: m.softplus(x),                 ANYWHERE + (20.5, -30.0), rel=3e-9),
    row("sum",               lambda m, a, b, c: m.sum([a, b, c]),        ((1.0, -2.0, 3.5), (1e-12, 1000.0, -700.0), (0.0, 0.0, 0.0))),
    row("sum, reused + 2.0", lambda m, a, b: m.sum([a, 2.0, b, a]),      PAIRS),
    row("sum of one",        lambda m, a: m.sum([a]),                    (-3.7, 1000.0)),
    row("dot",               lambda m, w1, w2, x1, x2: m.dot([w1, w2], [x1, x2]), ((1.0, 2.0, 3.0, 4.0), (-0.5, 1e-12, 700.0, -1000.0))),
    row("dot, shared",       lambda m, a, b: m.dot([a, b], [b, a]),      PAIRS),
    row("log_sum_exp",       lambda m, a, b, c: m.log_sum_exp([a, b, c]), ((1.0, -2.0, 3.5), (1000.0, 999.0, -1000.0), (0.0, 0.0, 0.0))),
    # d/db = p(b) - p(-b) cancels near b = 0: absolute error about 1e-17
    row("log_sum_exp of 5",  lambda m, a, b: m.log_sum_exp([a, b, 2.0, a, -b]), PAIRS, abs_tol=1e-16),
    row("dot, constants",    lambda m, a, b: m.dot([a, 2.0], [-3.0, b]), PAIRS),
]  # fmt: skip

CASES = [
    pytest.param(r, p, id=f"{r.name} at {p if len(p) > 1 else p[0]!r}")
    for r in TABLE
    for p in r.points
]


@requires_torch
@pytest.mark.parametrize("row, point", CASES)
def test_forward_and_gradient_match_torch(row: Row, point: tuple[float, ...]) -> None:
    value, grads = engine_value_and_grads(row.f, point)
    torch_value, torch_grads = torch_value_and_grads(row.f, point)
    assert_close(value, torch_value, row.rel, row.abs_tol, what=f"{row.name} forward")
    for i, (g, tg) in enumerate(zip(grads, torch_grads)):
        assert_close(g, tg, row.rel, row.abs_tol, what=f"{row.name} d/d(arg {i})")


@pytest.mark.parametrize("row, point", CASES)
def test_forward_matches_numpy(row: Row, point: tuple[float, ...]) -> None:
    value, _ = engine_value_and_grads(row.f, point)
    assert_close(
        value, numpy_forward(row.f, point), row.rel, row.abs_tol, what=f"{row.name} forward"
    )


@pytest.mark.parametrize("row, point", CASES)
def test_gradient_matches_central_differences(row: Row, point: tuple[float, ...]) -> None:
    value, grads = engine_value_and_grads(row.f, point)
    numeric = gradient_by_differences(row.f, point, row.singular)
    for i, (g, n) in enumerate(zip(grads, numeric)):
        # rounding in a difference of forward values is about 1e-16 |f| / h, h >= 1e-15 here
        assert_close(
            g, n, rel=1e-6, abs_tol=1e-9 * max(1.0, abs(value)), what=f"{row.name} d/d(arg {i})"
        )


@pytest.mark.parametrize("row", TABLE, ids=lambda r: r.name)
def test_under_no_grad_no_op_records_a_graph(row: Row) -> None:
    xs = [Value(p) for p in row.points[-1]]
    with autograd.no_grad():
        y = row.f(ENGINE, *xs)
    assert y.is_leaf and y.parents == () and y.op is None
    assert y.data == row.f(ENGINE, *[Value(p) for p in row.points[-1]]).data


# --- kinks: the derivative exactly at a non-differentiable point, as PyTorch defines it ---

KINKS = [
    # name,              f(m, x),                               x,    derivative there (by hand)
    ("relu'(0) = 0",       lambda m, x: m.relu(x),               0.0,  0.0),
    ("relu'(-0.0) = 0",    lambda m, x: m.relu(x),               -0.0, 0.0),
    ("leaky_relu'(0) = slope", lambda m, x: m.leaky_relu(x, 0.2), 0.0, 0.2),
    ("leaky_relu'(0) = 0.01", lambda m, x: m.leaky_relu(x),      0.0,  0.01),
    ("elu'(0) = alpha",    lambda m, x: m.elu(x, 2.0),           0.0,  2.0),
    ("elu'(0) = 1",        lambda m, x: m.elu(x),                0.0,  1.0),
    ("d/dx x**1.5 at 0 = 0", lambda m, x: x**1.5,                0.0,  0.0),
    ("d/db 0**b = 0",      lambda m, x: 0.0**x,                  2.5,  0.0),
    ("d/dx x**0 at 0 = 0", lambda m, x: x**0,                    0.0,  0.0),
]  # fmt: skip


@pytest.mark.parametrize("name, f, x, expected", KINKS, ids=[k[0] for k in KINKS])
def test_kink_convention(name, f, x, expected) -> None:
    _, (g,) = engine_value_and_grads(f, (x,))
    assert g == expected


@requires_torch
@pytest.mark.parametrize("name, f, x, expected", KINKS, ids=[k[0] for k in KINKS])
def test_kink_convention_is_pytorchs(name, f, x, expected) -> None:
    _, (torch_g,) = torch_value_and_grads(f, (x,))
    assert torch_g == expected


def test_zero_to_the_zero_is_one_with_zero_gradients() -> None:
    # 0 ** 0 = 1 (as in Python and torch); neither slope exists, both are taken as 0 (torch: same)
    a, b = Value(0.0), Value(0.0)
    y = a**b
    y.backward()
    assert (y.data, a.grad, b.grad) == (1.0, 0.0, 0.0)


@requires_torch
def test_zero_to_the_zero_gradients_are_pytorchs() -> None:
    assert torch_value_and_grads(lambda m, a, b: a**b, (0.0, 0.0)) == (1.0, [0.0, 0.0])


def test_sum_is_exactly_rounded() -> None:
    # fsum: 1e16 + 1 - 1e16 is 1, where left-to-right float addition gives 0
    assert autograd.sum([Value(1e16), Value(1.0), Value(-1e16)]).data == 1.0


def test_empty_sum_is_zero() -> None:
    assert autograd.sum([]).data == 0.0
    assert math.copysign(1.0, autograd.dot([], []).data) == 1.0


def test_sum_and_dot_accept_data_that_was_set_to_an_int() -> None:
    # users reset parameters with w.data = 0; every op must still work (dot once did not)
    w, x = Value(2.0), Value(1.5)
    w.data, x.data = 3, -2
    assert autograd.dot([w, 2.0], [x, 4]).data == 2.0
    assert autograd.sum([w, x, 1]).data == 2.0
    assert (w * x).data == -6.0


# --- infinities and NaN: what a + b gives, sum and dot give; NaN is never hidden ---

INF, NAN = math.inf, math.nan


def test_sum_and_dot_overflow_like_plus_instead_of_raising() -> None:
    big = [Value(1e308), Value(1e308)]
    assert (big[0] + big[1]).data == INF
    assert autograd.sum(big).data == INF  # fsum raised "intermediate overflow in fsum"
    assert autograd.dot([1e200], [1e200]).data == INF
    assert autograd.dot(big, [1.0, 1.0]).data == INF


def test_sum_stays_exact_when_only_a_partial_sum_overflows() -> None:
    # 1e308 + 1e308 - 1e308 = 1e308 exactly; left-to-right float addition gives inf
    assert autograd.sum([1e308, 1e308, -1e308]).data == 1e308
    assert autograd.sum([1e308] * 5 + [-1e308] * 4).data == 1e308
    assert autograd.dot([1e308, 1e308, 1e308], [1.0, 1.0, -1.0]).data == 1e308


def test_opposite_infinities_sum_to_nan_like_plus() -> None:
    assert math.isnan((Value(INF) + Value(-INF)).data)
    assert math.isnan(autograd.sum([INF, -INF]).data)  # fsum raised ValueError
    assert math.isnan(autograd.dot([INF, 1.0], [1.0, -INF]).data)
    assert autograd.sum([INF, 1.0]).data == INF


@pytest.mark.parametrize(
    "op", ["relu", "leaky_relu", "elu", "tanh", "sigmoid", "softplus", "exp", "log", "neg"]
)
def test_nan_propagates_through_every_activation(op: str) -> None:
    # as in PyTorch: a NaN that enters through data stays visible (relu used to turn it into 0)
    y = getattr(ENGINE, op)(Value(NAN)) if op != "neg" else -Value(NAN)
    assert math.isnan(y.data)
