"""Memory: graphs are freed by reference counting alone, and repeated big graphs stay flat.

The cyclic garbage collector is switched off while these run, so anything that is not
freed by reference counting (a node in a reference cycle) stays and is counted.
Live nodes are counted with gc.get_objects() (every Value is GC-tracked) and memory with
sys.getallocatedblocks() (the interpreter's live small-object blocks; tracemalloc would
triple the run time).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import autograd
from autograd import Value, grad, hessian

ROUNDS = 20  # issue 7: "building and discarding a 1e6-node graph 20 times"
STEPS = 333_334  # three nodes per step: a graph of 1,000,002 nodes


def live_values() -> int:
    return sum(type(o) is Value for o in gc.get_objects())


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def million_node_graph(x: Value, w: Value) -> Value:
    """y <- tanh(y * w) + y, 333,334 times: a deep chain in which every y is used twice."""
    y = x
    for _ in range(STEPS):
        y = (y * w).tanh() + y
    return y


def test_a_million_node_graph_built_and_dropped_repeatedly_leaves_memory_flat() -> None:
    with without_cyclic_gc():
        x, w = Value(0.001), Value(1e-6)
        values_before = live_values()
        blocks = []
        for _ in range(ROUNDS):
            y = million_node_graph(x, w)
            y.backward()
            assert live_values() - values_before == 3 * STEPS  # the whole graph is alive ...
            del y
            assert live_values() == values_before  # ... and entirely freed by refcounting
            blocks.append(sys.getallocatedblocks())
        # A leak of even one block per node would add 1e6 blocks per round.
        growth = max(blocks) - blocks[0]
        assert growth < 10_000, f"allocated blocks after each round: {blocks}"
        assert x.grad > 0.0 and w.grad > 0.0  # the backward passes did run


def test_functional_higher_order_leaves_no_cycles() -> None:
    # grad(create_graph=True) and hessian build gradient graphs without storing them on
    # the nodes, so dropping the results frees everything.
    with without_cyclic_gc():
        before = live_values()
        xs = [Value(0.5), Value(-1.5)]
        y = autograd.sum([(xs[0] * xs[1]).tanh(), xs[0] ** 3, xs[1].exp()])
        first = grad(y, xs, create_graph=True)
        second = [grad(g, xs, create_graph=True) for g in first]
        h = hessian(lambda a, b: a * b.sigmoid(), xs)
        assert live_values() > before + 20 and len(h) == 2
        del xs, y, first, second
        assert live_values() == before


def test_backward_leaves_no_cycles() -> None:
    with without_cyclic_gc():
        before = live_values()
        x = Value(2.0)
        y = autograd.dot([x, x * 2], [x.exp(), x.log()]).softplus() / x
        y.backward()
        y.backward()
        del y
        assert live_values() == before + 1  # x alone
        del x
        assert live_values() == before
