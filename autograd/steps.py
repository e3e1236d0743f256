"""Backprop one step at a time: ``backward_steps(root)`` yields what ``backward()`` does, node by node.

For teaching: each step is one node of the graph, taken in the order ``backward()`` takes it
(the root first), with its finished upstream gradient d root / d node and what it passes to each
parent (local derivative, and their product that is added to the parent's ``.grad``). Running the
generator to the end leaves the same ``.grad`` on every node as ``backward()``, to the last bit.
``backward()`` itself is untouched (this is a second, slower loop that spells the same arithmetic
out).
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from math import isfinite

from .backward import refuse_no_grad_result, topological_order
from .ops import NaryOp, Op
from .value import Value


@dataclass(frozen=True)
class GradientPass:
    """What a node passes to one parent: ``contribution = upstream * local`` (added to its grad)."""

    parent: Value
    local: float  # d node / d parent
    contribution: (
        float  # d root / d node * d node / d parent (for a neuron: via z, see BackwardStep)
    )


@dataclass(frozen=True)
class BackwardStep:
    """One node of the backward pass: its gradient, complete now, and what it sends to its parents.

    ``index`` counts steps from 0 (the root). For a fused neuron ``act(z)``, ``activation_slope`` is
    act'(z) and ``z_grad`` = d root / d z = upstream * act'(z) (the notes' delta); the passes are then
    ``z_grad * x_i`` to w_i, ``z_grad * w_i`` to x_i and ``z_grad`` to the bias. Both are None for
    every other op. ``order`` is the whole sequence of nodes the pass takes (shared by all steps), so
    a drawing can tell which gradients are complete at this step.
    """

    index: int
    node: Value
    upstream: float
    passes: tuple[GradientPass, ...]
    activation_slope: float | None
    z_grad: float | None
    order: tuple[Value, ...]


def made_by(node: Value) -> Op:
    """The op that made ``node``; asking for the op of a leaf is a ValueError that names it."""
    op = node.op
    if op is None:
        raise ValueError(f"{node!r} is a leaf: no op made it")
    return op


def nary_op(node: Value) -> NaryOp:
    """The n-ary op (sum, dot, neuron) that made ``node``, whose parents are kept as a tuple."""
    op = made_by(node)
    if not isinstance(op, NaryOp):
        raise ValueError(f"{node!r} was made by {op.name}, not by an n-ary op")
    return op


def plain_number(grad: float | Value) -> float:
    """A gradient that plain backward computed, so a number; a Value would come from
    ``create_graph=True``, which stepping never uses."""
    if isinstance(grad, Value):
        raise TypeError(f"expected a plain gradient (a number), got {grad!r}")
    return grad


def backward_order(root: Value) -> list[Value]:
    """The non-leaf nodes under ``root`` in the order ``backward()`` processes them: root first.

    Same order as backward's own search (a test checks it on random graphs), found with
    ``topological_order`` so that nothing is written to the graph.
    """
    return [node for node in reversed(topological_order(root)) if node._a is not None]


def backward_steps(root: Value) -> Generator[BackwardStep, None, None]:
    """Run ``root.backward()`` one node at a time, yielding a ``BackwardStep`` after each node.

    Before the first step every intermediate ``.grad`` is set to 0 and ``root.grad`` to 1, as
    backward does; leaves accumulate across calls as with backward (their earlier gradient is
    added back when the generator finishes or is closed). When a step is yielded, its parents'
    ``.grad`` already hold its contributions, so a drawing made then shows the state after it.
    A leaf root gives one step with no passes. Do not change or backward the graph while stepping.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps needs a Value, not {type(root).__name__}")
    refuse_no_grad_result(root, "backward_steps")
    if root._a is None:
        root.grad += 1.0
        yield BackwardStep(0, root, 1.0, (), None, None, (root,))
        return
    order = tuple(backward_order(root))
    leaves = {node for node in topological_order(root) if node._a is None}
    for node in order:
        node.grad = 0.0
    # As in backward: each leaf's gradient is summed from zero, then added to what it held.
    # (a Value there, from backward(create_graph=True), is carried as it is: it compares
    # with no number)
    carried = [
        (leaf, leaf.grad) for leaf in leaves if leaf.grad.__class__ is not float or leaf.grad != 0.0
    ]
    for leaf, _ in carried:
        leaf.grad = 0.0
    root.grad = 1.0
    try:
        for index, node in enumerate(order):
            yield _step(index, node, order)
    finally:
        for leaf, held in carried:
            leaf.grad = held + leaf.grad


@contextlib.contextmanager
def grads_at_step(root: Value, index: int) -> Iterator[None]:
    """While this lasts, every ``.grad`` under ``root`` holds what it holds right after step
    ``index`` of ``backward_steps(root)``; afterwards, what it held before. So a drawing of a
    step shows that step, whenever it is made: after the walk, or before any backward."""
    held = [(node, node.grad) for node in topological_order(root)]
    walk = backward_steps(root)
    try:
        for step in walk:
            if step.index == index:
                break
        yield
    finally:
        walk.close()
        for node, grad in held:
            node.grad = grad


def _step(index: int, node: Value, order: tuple[Value, ...]) -> BackwardStep:
    """Apply one node's chain rule to its parents' grads, exactly as ``backward()`` writes it."""
    upstream = plain_number(node.grad)
    a, b = node._a, node._b
    if a.__class__ is not tuple:
        op = made_by(node)
        parents = (a,) if b is None else (a, b)
        grads = op.local_grads(tuple([p.data for p in parents]), node.data)
        locals_ = [plain_number(local) for local in grads]
        sent = []
        for parent, local in zip(parents, locals_):
            contribution = upstream * local
            parent.grad += contribution
            sent.append(GradientPass(parent, local, contribution))
        return BackwardStep(index, node, upstream, tuple(sent), None, None, order)

    nary = nary_op(node)
    activation = nary.activation
    slope = None if activation is None else plain_number(activation.local_grads((b,), node.data)[0])
    z_grad = upstream if slope is None else upstream * slope
    n = len(a) // 2 if nary.paired else 0
    weights, inputs, terms = a[:n], a[n : 2 * n], a[2 * n :]
    locals_ = [x.data for x in inputs] + [w.data for w in weights] + [1.0] * len(terms)
    contributions = [z_grad * local for local in locals_]
    # backward skips a neuron that passes back only zeros (finite z): no += at all
    if not (z_grad == 0.0 and isfinite(b)):
        for parent, contribution in zip(a, contributions):
            parent.grad += contribution
    if slope is not None:  # the local derivative through the activation: act'(z) * (x_i, w_i, 1)
        locals_ = [slope * local for local in locals_]
    passes = tuple(map(GradientPass, a, locals_, contributions))
    return BackwardStep(index, node, upstream, passes, slope, z_grad, order)
