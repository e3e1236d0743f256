"""The backward pass: a topological order of the graph, then the chain rule in reverse.

Everything here is iterative (no recursion), so a chain of a million ops works at
Python's default recursion limit.

Semantics follow PyTorch: a leaf's ``.grad`` accumulates across calls (gradient
accumulation), while every intermediate node's ``.grad`` is recomputed from zero on
each pass. So calling ``backward()`` twice gives exactly twice the leaf gradients.
"""

from __future__ import annotations

from collections.abc import Sequence

from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, each after all of its parents; ``root`` is last.

    Iterative depth-first search, deterministic (parents in their recorded order).
    A node is expanded (its parents pushed) on first sight and emitted when it is seen
    again on top of the stack, by which time all its parents have been emitted.
    """
    order: list[Value] = []
    expanded: set[Value] = set()
    emitted: set[Value] = set()
    stack = [root]
    while stack:
        node = stack[-1]
        if node in expanded:
            stack.pop()
            if node not in emitted:
                emitted.add(node)
                order.append(node)
            continue
        expanded.add(node)
        for parent in reversed(node._parents):
            if parent not in expanded:
                stack.append(parent)
    return order


def backward(root: Value, create_graph: bool = False) -> None:
    """Set ``node.grad`` to d root / d node for every node of root's graph.

    With ``create_graph=True`` the gradients are themselves ``Value``s (``.grad`` holds a
    Value), so they can be differentiated again.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, not {type(root).__name__}")
    order = topological_order(root)
    if create_graph:
        gradients = _gradients(order, create_graph=True)
        for node in order:
            if node._parents:
                node.grad = gradients.get(node, 0.0)
            elif node in gradients:
                node.grad = node.grad + gradients[node]
        return

    for node in order:
        if node._parents:
            node.grad = 0.0
    root.grad = 1.0 if root._parents else root.grad + 1.0
    for node in reversed(order):
        parents = node._parents
        if not parents:
            continue
        upstream = node.grad
        local_grads = node._op.local_grads(tuple([p.data for p in parents]), node.data)
        for parent, local in zip(parents, local_grads):
            parent.grad += upstream * local


def _gradients(order: list[Value], create_graph: bool) -> dict[Value, float | Value]:
    """d root / d node for every node in ``order`` (root last), kept in a dict, not in ``.grad``."""
    root = order[-1]
    gradients: dict[Value, float | Value] = {root: Value(1.0) if create_graph else 1.0}
    for node in reversed(order):
        parents = node._parents
        if not parents or node not in gradients:
            continue
        upstream = gradients[node]
        if create_graph:
            local_grads = node._op.local_grads(parents, node)
        else:
            local_grads = node._op.local_grads(tuple([p.data for p in parents]), node.data)
        for parent, local in zip(parents, local_grads):
            contribution = upstream * local
            gradients[parent] = gradients[parent] + contribution if parent in gradients else contribution
    return gradients


def grad(
    output: Value | float, inputs: Sequence[Value], create_graph: bool = False
) -> list[float | Value]:
    """d output / d x for each x in ``inputs``, as a list; no ``.grad`` is touched.

    An input that ``output`` does not depend on gets 0.0 (so a zero higher derivative is
    0, never an error). With ``create_graph=True`` the results are Values that can be
    differentiated again.
    """
    inputs = list(inputs)
    for position, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{position}] is {type(x).__name__}, not a Value")
    if not isinstance(output, Value):
        if isinstance(output, (int, float)):
            return [0.0 for _ in inputs]  # a constant depends on nothing
        raise TypeError(f"grad: output is {type(output).__name__}, not a Value")
    gradients = _gradients(topological_order(output), create_graph)
    return [gradients.get(x, 0.0) for x in inputs]
