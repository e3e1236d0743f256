"""Hypothesis: random expression graphs against finite differences (no torch needed).

Graphs (reference.graphs) use every op, shared sub-expressions, constants on either side,
chains and wide sums/dots. Their operands stay inside each op's domain, so no error is
due; a central difference is only used where its stencil stays on one side of every
relu/leaky_relu/elu kink. The same graphs are compared with PyTorch in
test_engine_torch_graphs.py.
"""

from __future__ import annotations

import math

from hypothesis import event, example, given, note, settings
from reference import DOMAIN_ERRORS, ENGINE, Graph, Step, examples, graphs

import autograd
from autograd import Value, grad, topological_order


def build(graph: Graph) -> tuple[list[Value], list[Value], Value]:
    xs = [Value(x) for x in graph.inputs]
    nodes = graph.nodes(ENGINE, xs)
    return xs, nodes, graph.output(ENGINE, nodes)


def differences(graph: Graph, i: int, signature: tuple[bool, ...]) -> float | None:
    """d output / d input i by a fourth-order central difference, or None where the
    stencil would cross a kink or leave a domain."""
    x = graph.inputs[i]
    h = 1e-5 * max(1.0, abs(x))
    values = []
    for t in (x + 2 * h, x + h, x - h, x - 2 * h):
        moved = [Value(v) for v in graph.inputs]
        moved[i] = Value(t)
        try:
            with autograd.no_grad():
                nodes = graph.nodes(ENGINE, moved)
                out = graph.output(ENGINE, nodes)
        except DOMAIN_ERRORS:
            return None
        if graph.kink_signature(nodes) != signature:
            return None
        values.append(out.data)
    return (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * h)


@settings(max_examples=examples(1500))
@given(graphs())
def test_gradients_match_finite_differences(graph: Graph) -> None:
    xs, nodes, out = build(graph)
    out.backward()
    scale = max(1.0, *(abs(n.data) for n in nodes))
    signature = graph.kink_signature(nodes)
    for i, x in enumerate(xs):
        numeric = differences(graph, i, signature)
        event("an input's stencil crosses a kink" if numeric is None else "an input checked")
        if numeric is None:
            continue
        note(f"input {i}: backward {x.grad!r}, differences {numeric!r}")
        # rounding of the stencil: about 1e-16 * scale / h
        assert math.isclose(x.grad, numeric, rel_tol=1e-6, abs_tol=1e-8 * scale), (
            i,
            x.grad,
            numeric,
        )


@settings(max_examples=examples(300))
@given(graphs())
# shrunk from a failure of exact doubling: x used twice (see the comment below)
@example(Graph(inputs=(-2.0,), steps=(Step("c_pow", (0,), 0.5), Step("c_sub", (0,), -2.5))))
def test_backward_twice_doubles_and_grad_agrees(graph: Graph) -> None:
    xs, nodes, out = build(graph)
    expected = [float(g) for g in grad(out, xs)]
    out.backward()
    assert [x.grad for x in xs] == expected
    intermediate = [n.grad for n in nodes[len(xs) :]]
    out.backward()
    # Leaves accumulate: twice the gradient (to rounding: backward adds each edge's share
    # into .grad one by one, so a leaf used twice gets ((g1 + g2) + g1) + g2, not 2(g1 + g2);
    # reported as an engine bug, exact doubling is the regression test that awaits the fix)
    scale = max(1.0, *(abs(n.data) for n in nodes))
    for x, g in zip(xs, expected):
        assert math.isclose(x.grad, 2 * g, rel_tol=1e-12, abs_tol=1e-12 * scale)
    assert [n.grad for n in nodes[len(xs) :]] == intermediate  # recomputed, not doubled


@settings(max_examples=examples(300))
@given(graphs())
def test_topological_order_has_each_node_once_after_its_parents(graph: Graph) -> None:
    _xs, _nodes, out = build(graph)
    order = topological_order(out)
    position = {id(n): k for k, n in enumerate(order)}
    assert len(position) == len(order) and order[-1] is out
    for n in order:
        assert all(position[id(p)] < position[id(n)] for p in n.parents)
    reachable, stack = {id(out)}, [out]
    while stack:
        for p in stack.pop().parents:
            if id(p) not in reachable:
                reachable.add(id(p))
                stack.append(p)
    assert reachable == set(position)  # every ancestor, nothing else


@settings(max_examples=examples(200))
@given(graphs())
def test_rebuilding_a_graph_gives_bit_identical_gradients(graph: Graph) -> None:
    runs = []
    for _ in range(2):
        _xs, nodes, out = build(graph)
        out.backward()
        runs.append([(n.data, n.grad) for n in nodes])
    assert runs[0] == runs[1]
