"""``Value``: one scalar node of the computation graph.

A node holds its float ``data``, its ``grad`` (filled by a backward pass), an optional
``label``, and, when it was made by an op, that op and the input nodes (its parents).
The math of every op lives in ``ops.py``; this file only wires Python's operators to it.

Nodes hold references to their parents only (never to themselves or their children),
so a graph is a DAG that reference counting frees as soon as the last handle goes.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import grad_mode, ops


def _as_float(data: object) -> float:
    """The float a Value may hold, or a TypeError that names what was given."""
    if isinstance(data, (bool, np.bool_)):
        raise TypeError(f"Value takes a real number, not bool ({data!r}); use 0.0 or 1.0")
    if isinstance(data, (int, float, np.integer, np.floating)):
        return float(data)
    if isinstance(data, np.ndarray) and data.size == 1 and data.dtype.kind in "iuf":
        return float(data.reshape(()))
    if isinstance(data, Value):
        raise TypeError("Value takes a number, not another Value; use v.data to copy its number")
    if isinstance(data, np.ndarray):
        raise TypeError(
            f"Value takes one real number, not a numpy array of shape {data.shape} and dtype {data.dtype}"
        )
    if isinstance(data, numbers.Complex) and not isinstance(data, numbers.Real):
        raise TypeError(f"Value takes a real number, not complex ({data!r})")
    raise TypeError(f"Value takes a real number (int, float or numpy scalar), not {type(data).__name__}")


def _record(data: float, parents: tuple, op: ops.Op) -> Value:
    """Make the output node of ``op``; outside ``no_grad`` it remembers its op and inputs."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if grad_mode.enabled:
        out._parents = parents
        out._op = op
    else:
        out._parents = ()
        out._op = None
    return out


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back to its inputs.

    ``Value(data, label="")`` accepts int, float and numpy real scalars (and one-element
    arrays); bool, complex, str, None, lists and larger arrays raise ``TypeError``.
    Equality and hashing are by identity, so Values work as dict keys and in sets.
    A Value has no truth value and no ordering: compare ``v.data`` instead.
    """

    __slots__ = ("data", "grad", "label", "_parents", "_op")

    def __init__(self, data: float, label: str = "") -> None:
        self.data = _as_float(data)
        self.grad = 0.0
        self.label = label
        self._parents: tuple[Value, ...] = ()
        self._op: ops.Op | None = None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        # Branching on a Value would hide which way the graph went (and break tracing).
        raise TypeError("a Value has no truth value; branch on v.data instead")

    def _no_ordering(self, other: object) -> bool:
        raise TypeError("Values are not ordered; compare v.data instead")

    __lt__ = __le__ = __gt__ = __ge__ = _no_ordering

    @property
    def is_leaf(self) -> bool:
        """True for a node made by the user (or under no_grad), not by an op."""
        return not self._parents

    @property
    def op(self) -> ops.Op | None:
        """The op that made this node, or None for a leaf."""
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The input nodes of the op that made this node (empty for a leaf)."""
        return self._parents

    # --- arithmetic: Python numbers are welcome on either side ---

    def __add__(self, other: Value | float) -> Value:
        other = _coerce(other)
        if other is NotImplemented:
            return NotImplemented
        return _record(self.data + other.data, (self, other), ops.ADD)

    def __radd__(self, other: float) -> Value:
        other = _coerce(other)
        if other is NotImplemented:
            return NotImplemented
        return _record(other.data + self.data, (other, self), ops.ADD)

    def __sub__(self, other: Value | float) -> Value:
        other = _coerce(other)
        if other is NotImplemented:
            return NotImplemented
        return _record(self.data - other.data, (self, other), ops.SUB)

    def __rsub__(self, other: float) -> Value:
        other = _coerce(other)
        if other is NotImplemented:
            return NotImplemented
        return _record(other.data - self.data, (other, self), ops.SUB)

    def __mul__(self, other: Value | float) -> Value:
        other = _coerce(other)
        if other is NotImplemented:
            return NotImplemented
        return _record(self.data * other.data, (self, other), ops.MUL)

    def __rmul__(self, other: float) -> Value:
        other = _coerce(other)
        if other is NotImplemented:
            return NotImplemented
        return _record(other.data * self.data, (other, self), ops.MUL)

    def __truediv__(self, other: Value | float) -> Value:
        other = _coerce(other)
        if other is NotImplemented:
            return NotImplemented
        return _record(ops.DIV.forward(self.data, other.data), (self, other), ops.DIV)

    def __rtruediv__(self, other: float) -> Value:
        other = _coerce(other)
        if other is NotImplemented:
            return NotImplemented
        return _record(ops.DIV.forward(other.data, self.data), (other, self), ops.DIV)

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return _record(ops.POW.forward(self.data, exponent.data), (self, exponent), ops.POW)
        exponent = _coerce(exponent)
        if exponent is NotImplemented:
            return NotImplemented
        op = ops.PowConst(exponent.data)
        return _record(op.forward(self.data), (self,), op)

    def __rpow__(self, base: float) -> Value:
        base = _coerce(base)
        if base is NotImplemented:
            return NotImplemented
        return base**self

    def __neg__(self) -> Value:
        return _record(-self.data, (self,), ops.NEG)

    # --- functions ---

    def exp(self) -> Value:
        """e^x; raises OverflowError past x = 709.78."""
        return _record(ops.EXP.forward(self.data), (self,), ops.EXP)

    def log(self) -> Value:
        """Natural log; raises ValueError for x <= 0."""
        return _record(ops.LOG.forward(self.data), (self,), ops.LOG)

    def tanh(self) -> Value:
        """Hyperbolic tangent, stable for any finite x."""
        return _record(ops.TANH.forward(self.data), (self,), ops.TANH)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), stable for any finite x."""
        return _record(ops.SIGMOID.forward(self.data), (self,), ops.SIGMOID)

    def relu(self) -> Value:
        """max(x, 0); its derivative at 0 is 0."""
        return _record(ops.RELU.forward(self.data), (self,), ops.RELU)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, slope * x otherwise; derivative at 0 is slope."""
        op = ops.LeakyRelu(float(slope))
        return _record(op.forward(self.data), (self,), op)

    def elu(self, alpha: float = 1.0) -> Value:
        """x for x > 0, alpha (e^x - 1) otherwise; derivative at 0 is alpha."""
        op = ops.Elu(float(alpha))
        return _record(op.forward(self.data), (self,), op)

    def softplus(self) -> Value:
        """log(1 + e^x), stable for any finite x."""
        return _record(ops.SOFTPLUS.forward(self.data), (self,), ops.SOFTPLUS)

    def backward(self, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every node in this graph with d self / d node (see ``backward.py``)."""
        from .backward import backward

        backward(self, create_graph=create_graph)


_new_value = Value.__new__


def _coerce(other: object) -> Value:
    """``other`` as a Value: itself, a constant leaf for a number, or NotImplemented."""
    if type(other) is Value:
        return other
    if isinstance(other, Value):
        return other
    if isinstance(other, (bool, np.bool_)):
        return NotImplemented
    if isinstance(other, (int, float, np.integer, np.floating)):
        return Value(other)
    return NotImplemented
