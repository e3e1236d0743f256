"""N-ary helpers: a sum or a dot product of many Values as ONE node.

A 100,000-term ``sum`` is one node with 100,000 inputs, not a 100,000-deep chain,
so backward stays shallow and fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import ops
from .value import Value, _coerce, _record


def _as_values(items: tuple, what: str) -> tuple[Value, ...]:
    values = tuple(_coerce(item) for item in items)
    for position, value in enumerate(values):
        if value is NotImplemented:
            bad = type(items[position]).__name__
            raise TypeError(f"{what}: item {position} is {bad}, not a Value or a number")
    return values


def sum(values: Iterable[Value | float]) -> Value:  # noqa: A001 - mirrors builtins.sum on purpose
    """Sum of any number of Values (and numbers) as one node; the empty sum is Value(0.0)."""
    terms = _as_values(tuple(values), "sum")
    return _record(ops.SUM.forward(*[t.data for t in terms]), terms, ops.SUM)


def dot(weights: Sequence[Value | float], inputs: Sequence[Value | float]) -> Value:
    """sum_i weights[i] * inputs[i] as one node."""
    weights, inputs = tuple(weights), tuple(inputs)
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs")
    operands = _as_values(weights + inputs, "dot")
    return _record(ops.DOT.forward(*[v.data for v in operands]), operands, ops.DOT)
