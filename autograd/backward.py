"""The backward pass: a topological order of the graph, then the chain rule in reverse.

Everything here is iterative (no recursion), so a chain of a million ops works at
Python's default recursion limit.

Semantics follow PyTorch: a leaf's ``.grad`` accumulates across calls (gradient
accumulation), while every intermediate node's ``.grad`` is recomputed from zero on
each pass. So calling ``backward()`` twice gives exactly twice the leaf gradients.

An n-ary node (a fused neuron) that would pass back only zeros (an idle relu unit, a
sample with no loss) is skipped; not when a local derivative is inf or NaN, so that
0 * inf still gives NaN, as in PyTorch (a finite z means every input was finite).

Traversals mark visited nodes in the node's ``_mark`` slot with a token made for that
pass (cheaper than a set of visited nodes, and nothing to clean up if a pass fails), and
backward adds into shared leaves' ``.grad``. So traversals run one at a time across threads:
``backward``, ``grad`` and ``topological_order`` take one process-wide lock (once per call,
not per node), and two threads' passes over graphs sharing parameters add up exactly.
Backward's traversal also keeps a set of the leaves and n-ary nodes it is done with, only
to test in one C call whether all of a neuron's 2n + 1 parents are.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from math import isfinite

from . import ops
from .grad_mode import enable_grad
from .value import Value, made_under_no_grad

_ADD, _MUL = ops.ADD, ops.MUL

# Held by every traversal (see the module docstring); re-entrant, as backward with
# create_graph=True runs topological_order inside its own pass.
_one_traversal_at_a_time = threading.RLock()


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, each after all of its parents; ``root`` is last.

    Iterative depth-first search, deterministic (parents in their recorded order).
    A node is expanded (its parents pushed) on first sight and emitted when it is seen
    again on top of the stack, by which time all its parents have been emitted.
    """
    with _one_traversal_at_a_time:
        return _topological_order(root)


def _topological_order(root: Value) -> list[Value]:
    expanded, emitted = object(), object()
    order: list[Value] = []
    stack = [root]
    while stack:
        node = stack.pop()
        mark = node._mark
        if mark is expanded:
            node._mark = emitted
            order.append(node)
        elif mark is not emitted:
            node._mark = expanded
            stack.append(node)
            for parent in reversed(node.parents):
                if parent._mark is not emitted:
                    stack.append(parent)
    return order


def _order_for_backward(root: Value) -> tuple[list[Value], set[Value]]:
    """The non-leaf nodes under ``root`` (which is one), parents first, root last; and its leaves.

    The same search as ``topological_order``, but leaves are collected apart (backward only
    adds into their ``.grad``), and each intermediate ``.grad`` is zeroed on first sight, so
    the pass that follows recomputes it from scratch.
    """
    expanded, emitted = object(), object()
    order: list[Value] = []
    leaves: set[Value] = set()
    done: set[Value] = set()  # leaves met and n-ary nodes emitted, for the quick test below
    stack = [root]
    pop, push, emit, note, note_leaf = stack.pop, stack.append, order.append, done.add, leaves.add
    while stack:
        node = pop()
        mark = node._mark
        if mark is expanded:  # its parents are done
            node._mark = emitted
            emit(node)
            if node._a.__class__ is tuple:
                note(node)
            continue
        if mark is emitted:
            continue
        node.grad = 0.0
        a, b = node._a, node._b
        # Push the node back (to emit it later) only if a parent still needs a visit; a node
        # whose parents are leaves or done is emitted at once (about half of them).
        if a.__class__ is tuple:  # n-ary: a is the parents tuple
            if done.issuperset(a):
                # Tested in C, without a Python loop over the parents: the common case, since
                # a layer's neurons share their inputs and every sample reuses the weights.
                node._mark = emitted
                emit(node)
                note(node)
                continue
            node._mark = expanded
            push(node)
            for parent in reversed(a):
                if parent._a is None:
                    note(parent)
                    note_leaf(parent)
                elif parent._mark is not emitted:
                    push(parent)
            continue
        waiting = False  # one or two parents: push b, then a (so a is visited first)
        if b is not None:
            if b._a is None:
                note_leaf(b)
            elif b._mark is not emitted:
                node._mark = expanded
                push(node)
                push(b)
                waiting = True
        if a._a is None:
            note_leaf(a)
        elif a._mark is not emitted:
            if not waiting:
                node._mark = expanded
                push(node)
                waiting = True
            push(a)
        if not waiting:
            node._mark = emitted
            emit(node)
    return order, leaves


def backward(root: Value, create_graph: bool = False, seed: float = 1.0) -> None:
    """Set ``node.grad`` to seed * d root / d node for every node of root's graph.

    With ``create_graph=True`` the gradients are themselves ``Value``s (``.grad`` holds a
    Value), so they can be differentiated again. ``seed`` is d L / d root when root feeds a
    larger L (PyTorch's ``gradient`` argument); 1.0 differentiates root itself.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, not {type(root).__name__}")
    refuse_no_grad_result(root, "backward()")
    with _one_traversal_at_a_time:
        _backward(root, create_graph, seed)


def refuse_no_grad_result(root: Value, who: str) -> None:
    """A root computed inside ``no_grad()`` has no graph: every gradient from it would be
    missing, with no sign of why (training on it would change nothing)."""
    if made_under_no_grad(root):
        raise RuntimeError(
            f"{who}: this Value was computed inside no_grad(), so it recorded no graph and no "
            "input would get a gradient; compute it outside the no_grad() block"
        )


def _backward(root: Value, create_graph: bool, seed: float) -> None:
    if create_graph:
        order = _topological_order(root)
        with enable_grad():  # the gradient graph is asked for explicitly, even inside no_grad
            gradients = _gradients(order, create_graph=True, seed=seed)
            for node in order:
                if node._a is not None:
                    node.grad = gradients.get(node, 0.0)
                elif node in gradients:
                    # added to what the leaf held (None: nothing, as in PyTorch)
                    held = node.grad
                    node.grad = gradients[node] if held is None else held + gradients[node]
        return
    if root._a is None:
        root.grad = seed if root.grad is None else root.grad + seed
        return

    order, leaves = _order_for_backward(root)
    # Each leaf's gradient is summed afresh, then added to what it held: so a second call adds
    # exactly the same number again (twice the gradient, to the last bit, as in PyTorch).
    # (a Value there, from backward(create_graph=True), is carried as it is: it compares
    # with no number)
    carried = [
        (leaf, leaf.grad) for leaf in leaves if leaf.grad.__class__ is not float or leaf.grad != 0.0
    ]
    for leaf, _ in carried:
        leaf.grad = 0.0
    root.grad = seed
    try:
        # The chain rule, node by node from the root down. The arity cases are spelled out
        # (rather than one loop over a parents tuple) because most nodes have two inputs and
        # this loop is half the cost of a training step.
        for node in reversed(order):
            a, b, upstream = node._a, node._b, node.grad
            # Every node in order was made by an op (leaves are kept apart), so _op is set;
            # an n-ary node's op is an NaryOp. Checking either would cost a test per node.
            if b is None:
                (local,) = node._op.local_grads((a.data,), node.data)  # type: ignore[union-attr]
                a.grad += upstream * local
            elif a.__class__ is not tuple:
                two_input_op = node._op
                # + and * make most nodes of a plain graph; their rules (ops/arithmetic.py) are
                # spelled out here, as value.py spells out their forward: a call to local_grads
                # and its tuples cost a fifth of the backward pass. A test holds them to the op's.
                if two_input_op is _MUL:
                    a.grad += upstream * b.data  # d(ab)/da = b
                    b.grad += upstream * a.data  # d(ab)/db = a
                elif two_input_op is _ADD:
                    a.grad += upstream  # d(a+b)/da = d(a+b)/db = 1
                    b.grad += upstream
                else:
                    local_a, local_b = two_input_op.local_grads((a.data, b.data), node.data)  # type: ignore[union-attr]
                    a.grad += upstream * local_a
                    b.grad += upstream * local_b
            else:  # n-ary: a = (w_1..w_n, x_1..x_n, terms...), b = z (see the n-ary ops in ops/linear.py)
                op: ops.NaryOp = node._op  # type: ignore[assignment]
                activation = op.activation
                if activation is not None:
                    upstream *= activation.local_grads((b,), node.data)[0]  # act'(z)
                if upstream == 0.0 and isfinite(b):
                    continue  # every contribution is 0 (an idle relu neuron, a sample with no loss)
                n = len(a) // 2 if op.paired else 0
                inputs = a[n : 2 * n]
                for w, x in zip(a, inputs):  # the weights: a's first n
                    w.grad += upstream * x.data  # dz/dw_i = x_i
                for w, x in zip(a, inputs):
                    x.grad += upstream * w.data  # dz/dx_i = w_i
                for term in a[2 * n :]:
                    term.grad += upstream  # dz/dt_j = 1: a sum's terms, a neuron's bias
    finally:  # even if an op fails midway, the gradients the leaves held are kept
        for leaf, held in carried:  # (a leaf's .grad set to None held nothing, as in PyTorch)
            leaf.grad = leaf.grad if held is None else held + leaf.grad


def _gradients(
    order: list[Value], create_graph: bool, seed: float = 1.0
) -> dict[Value, float | Value]:
    """seed * d root / d node for every node in ``order`` (root last), kept in a dict, not in
    ``.grad``."""
    root = order[-1]
    gradients: dict[Value, float | Value] = {root: Value(seed) if create_graph else seed}
    for node in reversed(order):
        op = node._op
        if op is None or node not in gradients:  # a leaf: no parents to pass to
            continue
        parents = node.parents
        upstream = gradients[node]
        local_grads: tuple[float | Value, ...]
        if create_graph:
            local_grads = op.local_grads(parents, node)
        else:
            local_grads = op.local_grads(tuple([p.data for p in parents]), node.data)
        for parent, local in zip(parents, local_grads):
            contribution = upstream * local
            gradients[parent] = (
                gradients[parent] + contribution if parent in gradients else contribution
            )
    return gradients


def grad(
    output: Value | float,
    inputs: Value | Sequence[Value],
    create_graph: bool = False,
    retain_graph: bool | None = None,
) -> list[float | Value]:
    """d output / d x for each x in ``inputs`` (a Value, or a list of them), as a list; no
    ``.grad`` is touched.

    An input that ``output`` does not depend on gets 0.0 (so a zero higher derivative is
    0, never an error). With ``create_graph=True`` the results are Values that can be
    differentiated again, a constant Value(0.0) for such an input. ``retain_graph`` is
    accepted for PyTorch code and changes nothing: no graph is freed by differentiating it.
    """
    inputs = [inputs] if isinstance(inputs, Value) else list(inputs)  # grad(y, x) as grad(y, [x])
    for position, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{position}] is {type(x).__name__}, not a Value")
    if not isinstance(output, Value):
        if isinstance(output, (int, float)):  # a constant depends on nothing
            return [_no_gradient(create_graph) for _ in inputs]
        raise TypeError(f"grad: output is {type(output).__name__}, not a Value")
    refuse_no_grad_result(output, "grad")
    with _one_traversal_at_a_time:
        order = _topological_order(output)
        with enable_grad() if create_graph else contextlib.nullcontext():
            # create_graph: the gradient graph is asked for explicitly, even inside no_grad
            gradients = _gradients(order, create_graph)
    return [gradients[x] if x in gradients else _no_gradient(create_graph) for x in inputs]


def _no_gradient(create_graph: bool) -> float | Value:
    """d output / d x where the output does not depend on x: 0.0, or with ``create_graph`` a
    constant Value, which can be differentiated again."""
    return Value(0.0) if create_graph else 0.0
