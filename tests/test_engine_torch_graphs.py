"""Hypothesis: random expression graphs against PyTorch float64, to third order.

The graphs of test_random_graphs.py, replayed op for op in PyTorch: forward values and
every gradient agree to 1e-9 relative, and so do second and third derivatives taken with
``create_graph=True`` against ``torch.autograd.grad(..., create_graph=True)``. Kinks are
allowed here (both sides use the same conventions), errors are not generated.
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed: torch parity not checked (CI installs torch==2.13.0)"
)

from hypothesis import assume, given, note, settings  # noqa: E402
from reference import ENGINE, TORCH, Graph, examples, graphs  # noqa: E402

import autograd  # noqa: E402
from autograd import Value, grad  # noqa: E402

REL = 1e-9


def agree(ours: float, theirs: float, scale: float) -> bool:
    """Equal to 1e-9 relative; values that should cancel to 0 may keep ~1e-16 of the scale."""
    if math.isinf(theirs) or math.isnan(theirs):
        return ours == theirs or (math.isnan(ours) and math.isnan(theirs))
    return math.isclose(ours, theirs, rel_tol=REL, abs_tol=1e-13 * scale)


def engine_derivatives(graph: Graph, order: int) -> list:
    """[value, gradient, Hessian, third-derivative tensor] up to ``order`` as nested lists."""
    xs = [Value(x) for x in graph.inputs]
    out = graph(ENGINE, *xs)
    levels, current = [out.data], [out]
    for k in range(order):
        last = k == order - 1
        nxt = []
        for d in current:
            nxt.append(
                grad(d, xs, create_graph=not last) if isinstance(d, Value) else [0.0] * len(xs)
            )
        current = [g for row in nxt for g in row]
        levels.append(_reshape([float(g) for g in current], len(xs), k + 1))
    return levels


def torch_derivatives(graph: Graph, order: int) -> list:
    xs = [TORCH.leaf(x) for x in graph.inputs]
    out = graph(TORCH, *xs)
    levels, current = [out.item()], [out]
    for k in range(order):
        last = k == order - 1
        nxt = []
        for d in current:
            if d is None or not d.requires_grad:
                nxt.append([None] * len(xs))
            else:
                grads = torch.autograd.grad(
                    d, xs, retain_graph=True, create_graph=not last, allow_unused=True
                )
                nxt.append(list(grads))
        current = [g for row in nxt for g in row]
        levels.append(_reshape([0.0 if g is None else g.item() for g in current], len(xs), k + 1))
    return levels


def _reshape(flat: list[float], n: int, rank: int):
    for _ in range(rank - 1):
        flat = [flat[i : i + n] for i in range(0, len(flat), n)]
    return flat


def _flatten(nested) -> list[float]:
    if isinstance(nested, list):
        return [v for item in nested for v in _flatten(item)]
    return [nested]


def assert_levels_agree(ours: list, theirs: list) -> None:
    for k, (mine, ref) in enumerate(zip(ours, theirs)):
        mine, ref = _flatten(mine), _flatten(ref)
        scale = max(1.0, *(abs(v) for v in ref if math.isfinite(v)))
        for position, (a, b) in enumerate(zip(mine, ref)):
            assert agree(a, b, scale), f"order {k}, entry {position}: engine {a!r}, torch {b!r}"


@settings(max_examples=examples(1500))
@given(graphs())
def test_forward_and_gradients_match_torch(graph: Graph) -> None:
    ours, theirs = engine_derivatives(graph, 1), torch_derivatives(graph, 1)
    note(f"engine {ours}\ntorch  {theirs}")
    assert_levels_agree(ours, theirs)


def elu_exactly_at_its_kink(graph: Graph) -> bool:
    with autograd.no_grad():
        nodes = graph.nodes(ENGINE, [Value(x) for x in graph.inputs])
    return any(s.op == "elu" and nodes[s.args[0]].data == 0.0 for s in graph.steps)


@settings(max_examples=examples(300))
@given(graphs(max_inputs=3, max_steps=8))
def test_second_and_third_derivatives_match_torch_create_graph(graph: Graph) -> None:
    # At exactly x = 0 PyTorch's elu is alpha e^x to first order but its second derivative
    # is 0 (the x > 0 side); the engine stays on the x <= 0 branch: elu''(0) = alpha
    # (test_higher_order.py). Those graphs are left out here.
    assume(not elu_exactly_at_its_kink(graph))
    ours, theirs = engine_derivatives(graph, 3), torch_derivatives(graph, 3)
    note(f"engine {ours}\ntorch  {theirs}")
    assert_levels_agree(ours, theirs)
