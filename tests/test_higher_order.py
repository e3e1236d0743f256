"""Gradients of gradients: the lecture examples, closed forms, and random graphs.

References are hand-derived closed forms (each derivation in a comment) and, for random
graphs, finite differences of the engine's first derivatives (torch-free). The same
random graphs are compared with torch.autograd.grad(create_graph=True) to third order in
test_engine_torch_graphs.py.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from reference import DOMAIN_ERRORS, ENGINE, Graph, examples, graphs

import autograd
from autograd import Value, grad, hessian


def derivatives(f, x: float, order: int) -> list[float]:
    """[f(x), f'(x), ..., f^(order)(x)] by repeated grad(create_graph=True)."""
    v = Value(x)
    d = f(v)
    out = [d.data]
    for _ in range(order):
        (d,) = grad(d, [v], create_graph=True)
        out.append(float(d))
    return out


# --- the lecture examples ---


def test_second_derivative_of_x_cubed_at_2_is_12() -> None:
    # d/dx x^3 = 3x^2 = 12, d2/dx2 = 6x = 12 at x = 2
    assert derivatives(lambda x: x**3, 2.0, 2) == [8.0, 12.0, 12.0]
    assert hessian(lambda x: x**3, [Value(2.0)]) == [[12.0]]


def test_second_derivative_through_backward_create_graph() -> None:
    x = Value(2.0)
    y = x**3
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.data == 12.0
    x.grad = 0.0
    first.backward()  # differentiate the gradient itself
    assert x.grad == 12.0


def test_backward_create_graph_twice_accumulates_like_backward() -> None:
    x = Value(2.0)
    y = x**3
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    assert x.grad.data == 24.0
    (second,) = grad(x.grad, [x])
    assert second == 24.0  # d/dx (3x^2 + 3x^2) = 12x


@pytest.mark.parametrize("t1, t2", [(1.0, -3.0), (0.0, 0.0), (-2.5, 0.125)])
def test_hessian_of_t1_squared_plus_t2_squared(t1: float, t2: float) -> None:
    # lecture notes 002: f(t1, t2) = t1^2 + t2^2 has Hessian [[2, 0], [0, 2]] everywhere
    assert hessian(lambda a, b: a**2 + b**2, [Value(t1), Value(t2)]) == [[2.0, 0.0], [0.0, 2.0]]


def test_hessian_with_cross_terms() -> None:
    # f = t1^2 t2 + e^t2: f_11 = 2 t2, f_12 = f_21 = 2 t1, f_22 = e^t2
    t1, t2 = 1.5, -0.5
    h = hessian(lambda a, b: a**2 * b + b.exp(), [Value(t1), Value(t2)])
    assert h == [[2 * t2, 2 * t1], [2 * t1, math.exp(t2)]]


def test_hessian_and_gradcheck_take_plain_numbers_as_the_point() -> None:
    # a PyTorch-user trial: hessian(f, [1.0, 2.0]) failed with a message about grad
    # f = t1^2 t2 + t2^3 at (1, 2): f_11 = 2 t2 = 4, f_12 = 2 t1 = 2, f_22 = 6 t2 = 12
    assert hessian(lambda a, b: a * a * b + b**3, [1.0, 2]) == [[4.0, 2.0], [2.0, 12.0]]
    assert autograd.gradcheck(lambda a, b: (a * b).tanh(), [0.3, 2]).ok
    for bad, name in (("1.0", "str"), (True, "bool"), (None, "NoneType")):
        with pytest.raises(
            TypeError, match=f"hessian: values\\[0\\] is {name}, not a Value or a number"
        ):
            hessian(lambda a: a * a, [bad])


def test_hessian_of_a_dot_product_and_a_sum() -> None:
    # d2/dw_i dx_j (w . x) = [i == j]; d2/dx_i^2 sum(x_i^2) = 2, 0 off the diagonal
    vs = [Value(v) for v in (0.5, -1.0, 2.0, 3.0)]
    h = hessian(lambda w1, w2, x1, x2: autograd.dot([w1, w2], [x1, x2]), vs)
    assert h == [[0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]]
    h = hessian(lambda *xs: autograd.sum([x * x for x in xs]), vs[:3])
    assert h == [[2, 0, 0], [0, 2, 0], [0, 0, 2]]


def test_hessian_leaves_grad_fields_alone() -> None:
    vs = [Value(0.3), Value(0.4)]
    hessian(lambda a, b: (a * b).tanh(), vs)
    assert [v.grad for v in vs] == [0.0, 0.0]


# --- closed forms ---

POINTS = (-3.0, -0.5, 0.0, 0.7, 2.5)


@pytest.mark.parametrize("x", POINTS)
def test_second_derivative_of_tanh(x: float) -> None:
    # tanh' = sech^2 = 1 - t^2, tanh'' = -2 t (1 - t^2), tanh''' = (6 t^2 - 2)(1 - t^2)
    t = math.tanh(x)
    s = 1.0 / math.cosh(x) ** 2
    _, d1, d2, d3 = derivatives(lambda v: v.tanh(), x, 3)
    assert math.isclose(d1, s, rel_tol=1e-14)
    assert math.isclose(d2, -2 * t * s, rel_tol=1e-13, abs_tol=1e-16)
    assert math.isclose(d3, (6 * t * t - 2) * s, rel_tol=1e-13)


@pytest.mark.parametrize("x", POINTS + (10.0, -30.0))
def test_every_derivative_of_exp_is_exp(x: float) -> None:
    d = derivatives(lambda v: v.exp(), x, 4)
    assert d == [math.exp(x)] * 5  # the gradient of exp is its own output node: exact


@pytest.mark.parametrize("x", POINTS)
def test_second_derivatives_of_sigmoid_and_softplus(x: float) -> None:
    # s' = s (1 - s), s'' = s (1 - s)(1 - 2s); softplus' = s, softplus'' = s (1 - s)
    s = 1.0 / (1.0 + math.exp(-x))
    _, d1, d2 = derivatives(lambda v: v.sigmoid(), x, 2)
    assert math.isclose(d1, s * (1 - s), rel_tol=1e-14)
    assert math.isclose(d2, s * (1 - s) * (1 - 2 * s), rel_tol=1e-12, abs_tol=1e-17)
    _, d1, d2 = derivatives(lambda v: v.softplus(), x, 2)
    assert math.isclose(d1, s, rel_tol=1e-14) and math.isclose(d2, s * (1 - s), rel_tol=1e-13)


@pytest.mark.parametrize("x", (0.25, 1.0, 3.0))
def test_derivatives_of_log_and_powers(x: float) -> None:
    # log: 1/x, -1/x^2, 2/x^3;  x^2.5: 2.5 x^1.5, 3.75 x^0.5, 1.875 x^-0.5
    _, d1, d2, d3 = derivatives(lambda v: v.log(), x, 3)
    assert [d1, d2, d3] == pytest.approx([1 / x, -1 / x**2, 2 / x**3], rel=1e-14)
    _, d1, d2, d3 = derivatives(lambda v: v**2.5, x, 3)
    assert [d1, d2, d3] == pytest.approx([2.5 * x**1.5, 3.75 * x**0.5, 1.875 * x**-0.5], rel=1e-14)
    _, d1, d2 = derivatives(lambda v: 2.0**v, x, 2)  # ln2 2^x, ln2^2 2^x
    assert [d1, d2] == pytest.approx([math.log(2) * 2**x, math.log(2) ** 2 * 2**x], rel=1e-14)


def test_all_derivatives_of_x_to_the_fifth() -> None:
    # 5x^4, 20x^3, 60x^2, 120x, 120, 0 at x = 2
    assert derivatives(lambda v: v**5, 2.0, 6) == [32.0, 80.0, 160.0, 240.0, 240.0, 120.0, 0.0]


def test_pow_with_a_value_exponent_exactly_0_second_order() -> None:
    # f = (x + 2.5)^x = e^g, g = x ln(x + 2.5); f'' = f (g'^2 + g''), g'(0) = ln 2.5,
    # g''(0) = 1/2.5 + 2.5/2.5^2 = 0.8. (PyTorch 2.13 gives ln(2.5)^2 + 0.4 here: its pow
    # backward masks d/da to 0 where the exponent is 0, which drops a term.)
    _, d1, d2 = derivatives(lambda x: (x + 2.5) ** x, 0.0, 2)
    assert d1 == pytest.approx(math.log(2.5), rel=1e-15)
    assert d2 == pytest.approx(math.log(2.5) ** 2 + 0.8, rel=1e-14)


def test_pow_with_a_value_exponent_exactly_1_third_order() -> None:
    # f = (x + 2)^(3x + 1) = e^g, g = (3x + 1) ln(x + 2). At 0: f = 2, g' = 3 ln 2 + 1/2,
    # g'' = 3/2 + 5/4, g''' = -3/4 - 10/8; f''' = f (g'^3 + 3 g' g'' + g''') = 72.8855...
    # (PyTorch 2.13: 71.3855, for the same masking one order down.)
    g1, g2, g3 = 3 * math.log(2) + 0.5, 2.75, -2.0
    _, _, _, d3 = derivatives(lambda x: (x + 2) ** (3 * x + 1), 0.0, 3)
    assert d3 == pytest.approx(2 * (g1**3 + 3 * g1 * g2 + g3), rel=1e-14)


# --- kinks and zeros ---


@pytest.mark.parametrize(
    "f, x, expected",
    [
        (lambda v: v.relu(), 0.5, [0.5, 1.0, 0.0]),
        (lambda v: v.relu(), 0.0, [0.0, 0.0, 0.0]),
        (lambda v: v.leaky_relu(0.1), -2.0, [-0.2, 0.1, 0.0]),
        (lambda v: v.elu(2.0), 1.0, [1.0, 1.0, 0.0]),
        (
            lambda v: v.elu(2.0),
            -1.0,
            [2 * math.expm1(-1.0), 2 * math.exp(-1.0), 2 * math.exp(-1.0)],
        ),
        # at 0 the engine stays on the x <= 0 branch to every order: elu'' (0) = alpha
        # (PyTorch 2.13 agrees on elu'(0) = alpha but gives elu''(0) = 0)
        (lambda v: v.elu(2.0), 0.0, [0.0, 2.0, 2.0]),
    ],
    ids=["relu(0.5)", "relu(0)", "leaky_relu(-2)", "elu(1)", "elu(-1)", "elu(0)"],
)
def test_second_derivatives_of_the_piecewise_activations(f, x, expected) -> None:
    assert derivatives(f, x, 2) == pytest.approx(expected, rel=1e-15)


def test_a_zero_higher_derivative_is_0_not_an_error() -> None:
    x, unused = Value(1.5), Value(-2.0)
    (d1,) = grad(3 * x + 1, [x], create_graph=True)
    assert float(d1) == 3.0 and grad(d1, [x]) == [0.0]  # d2/dx2 of a line
    assert derivatives(lambda v: v**2, 1.5, 4)[3:] == [0.0, 0.0]
    assert derivatives(lambda v: v**3, 0.0, 4) == [0.0, 0.0, 0.0, 6.0, 0.0]
    assert derivatives(lambda v: v * 0.0, 1.5, 3)[1:] == [0.0, 0.0, 0.0]
    assert hessian(lambda a, b: 2 * a - b + 4, [x, unused]) == [[0.0, 0.0], [0.0, 0.0]]
    assert hessian(lambda a, b: a**2, [x, unused]) == [[2.0, 0.0], [0.0, 0.0]]
    assert hessian(lambda a, b: 4.0, [x, unused]) == [[0.0, 0.0], [0.0, 0.0]]  # a constant
    assert hessian(lambda a: a, [x]) == [[0.0]]


# --- random graphs: the Hessian against differences of the gradient ---


def gradient_at(graph: Graph, point: list[float]) -> tuple[list[float], tuple[bool, ...]]:
    xs = [Value(p) for p in point]
    nodes = graph.nodes(ENGINE, xs)
    return [float(g) for g in grad(graph.output(ENGINE, nodes), xs)], graph.kink_signature(nodes)


def gradients_around(
    graph: Graph, point: list[float], i: int, step: float
) -> list[list[float]] | None:
    """Gradients at point + (2, 1, -1, -2) * step along input i, or None if a stencil
    point leaves a domain or crosses a kink."""
    _, signature = gradient_at(graph, point)
    rows = []
    for t in (2, 1, -1, -2):
        try:
            g, s = gradient_at(graph, point[:i] + [point[i] + t * step] + point[i + 1 :])
        except DOMAIN_ERRORS:
            return None
        if s != signature:
            return None
        rows.append(g)
    return rows


@settings(max_examples=examples(250))
@given(graphs(max_inputs=3, max_steps=10))
def test_hessian_matches_differences_of_the_gradient_and_is_symmetric(graph: Graph) -> None:
    point = list(graph.inputs)
    h = hessian(lambda *xs: graph(ENGINE, *xs), [Value(p) for p in point])
    base, _ = gradient_at(graph, point)
    scale = max(1.0, *(abs(g) for g in base))
    for i in range(len(point)):
        step = 1e-5 * max(1.0, abs(point[i]))
        rows = gradients_around(graph, point, i, step)
        if rows is None:
            continue
        for j in range(len(point)):
            numeric = (-rows[0][j] + 8 * rows[1][j] - 8 * rows[2][j] + rows[3][j]) / (12 * step)
            assert math.isclose(h[j][i], numeric, rel_tol=1e-5, abs_tol=1e-7 * scale), (
                j,
                i,
                h[j][i],
                numeric,
            )
    for i in range(len(point)):
        for j in range(i):  # mixed partials agree (Schwarz), up to rounding
            assert math.isclose(h[i][j], h[j][i], rel_tol=1e-9, abs_tol=1e-12 * scale)


@settings(max_examples=examples(200))
@given(graphs())
def test_create_graph_gradients_equal_plain_gradients(graph: Graph) -> None:
    xs = [Value(x) for x in graph.inputs]
    out = graph(ENGINE, *xs)
    plain = grad(out, xs)
    with_graph = grad(out, xs, create_graph=True)
    assert [float(g) for g in with_graph] == plain  # same arithmetic, bit for bit


def test_create_graph_builds_the_gradient_graph_even_inside_no_grad() -> None:
    # Asking for create_graph is explicit; no_grad around it must not silently zero the Hessian.
    x, z = Value(2.0), Value(2.0)
    y, cube = x**3, z**3
    with autograd.no_grad():
        (first,) = grad(y, [x], create_graph=True)
        h = hessian(lambda v: v**3, [Value(2.0)])
        cube.backward(create_graph=True)
    assert grad(first, [x]) == [12.0]  # d2/dx2 x^3 = 6x = 12 at 2
    assert h == [[12.0]]
    assert grad(z.grad, [z]) == [12.0]
    assert autograd.is_grad_enabled()  # the mode is restored afterwards


# --- higher derivatives at a pole or past the float range (issue 13, part 1) ---
# References: the closed forms, in IEEE arithmetic; PyTorch 2.13 float64 gives the same.


def test_second_derivative_of_sqrt_power_at_0_is_minus_inf() -> None:
    # d/dx x^0.5 = 0.5 x^-0.5 = +inf at 0, d2 = -0.25 x^-1.5 = -inf (it was 0.0: the slope
    # was a bare inf constant, which differentiates to 0)
    assert derivatives(lambda v: v**0.5, 0.0, 2) == [0.0, math.inf, -math.inf]
    assert hessian(lambda v: v**0.5, [Value(0.0)]) == [[-math.inf]]


def test_third_derivative_of_x_to_the_1_5_at_0_is_minus_inf() -> None:
    # 1.5 x^0.5 = 0, 0.75 x^-0.5 = +inf, -0.375 x^-1.5 = -inf at 0
    assert derivatives(lambda v: v**1.5, 0.0, 3) == [0.0, 0.0, math.inf, -math.inf]


@pytest.mark.parametrize("x", (1e-300, 1e-200))
def test_create_graph_slope_of_reciprocal_overflows_to_minus_inf(x: float) -> None:
    # -x^-2 = -1e600 (or -1e400): -inf, as the plain backward gives; 2 x^-3 = +inf
    v = Value(x)
    (first,) = grad(v**-1, [v], create_graph=True)  # raised OverflowError
    assert float(first) == -math.inf
    assert hessian(lambda v: v**-1, [Value(x)]) == [[math.inf]]


def test_create_graph_slope_of_value_power_overflows_to_minus_inf() -> None:
    # a^b with b a Value: d/da = b a^(b-1) = -1e600 = -inf at a = 1e-300, b = -1
    a, b = Value(1e-300), Value(-1.0)
    da, _ = grad(a**b, [a, b], create_graph=True)
    assert float(da) == -math.inf


def test_subnormal_base_to_a_zero_exponent_has_slope_0() -> None:
    # a^0 = 1 for every a: d/da = 0 (it was 0 * a^-1 = 0 * inf = NaN); d/db = log(a) a^0
    a, b = Value(5e-324), Value(0.0)
    (a**b).backward()
    assert a.grad == 0.0
    assert b.grad == math.log(5e-324)


def test_mixed_second_derivative_of_a_to_the_b_at_a_0_b_1() -> None:
    # d/da a^b = b a^(b-1); its slope in b is a^(b-1) + b a^(b-1) log a: at a = 0, b = 1 the
    # first term is 0^0 = 1 and the second is taken as 0, as the exponent's slope a^b log a
    # is at a = 0 (PyTorch 2.13 gives 1 too; this was 0 while d/da was a constant there)
    a, b = Value(0.0), Value(1.0)
    da, _ = grad(a**b, [a, b], create_graph=True)
    assert float(da) == 1.0
    assert grad(da, [a, b]) == [0.0, 1.0]
