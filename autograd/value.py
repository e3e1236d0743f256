"""``Value``: one scalar node of the computation graph.

A node holds its float ``data``, its ``grad`` (filled by a backward pass), an optional
``label``, and, when it was made by an op, that op and the input nodes (its parents).
The math of every op lives in ``ops/``; this file only wires Python's operators to it.

Nodes hold references to their parents only (never to themselves or their children),
so a graph is a DAG that reference counting frees as soon as the last handle goes.

Speed (issue 6): a training step makes tens of thousands of nodes, so each node is one
small object with no dict, no closure and no parents tuple for the common one- and
two-input ops; the hot operators (``+ - *``) build their node inline instead of calling
helpers, because a Python call costs as much as the arithmetic and the node together.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from . import grad_mode, ops

_ADD, _SUB, _MUL, _NEG = ops.ADD, ops.SUB, ops.MUL, ops.NEG

# What ``Value(data)`` takes, for type checkers. A one-element real array works at run time
# too, but is left out: an array type would let any array through the checker.
Real = float | np.integer[Any] | np.floating[Any]


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
    if isinstance(data, numbers.Number):  # Fraction, Decimal: exact types, kept apart on purpose
        raise TypeError(
            f"Value takes an int, a float or a numpy real scalar, not {type(data).__name__}; "
            "float(x) converts it"
        )
    raise TypeError(
        f"Value takes a real number (int, float or numpy scalar), not {type(data).__name__}"
    )


class _NoGraph:
    """The marker in a no_grad result's ``_b`` slot: backward refuses such a root, where it
    could only set the root's own gradient (PyTorch raises there too). Pickled by name, so a
    loaded result keeps it."""

    def __reduce__(self) -> str:
        return "NO_GRAPH"

    def __repr__(self) -> str:
        return "NO_GRAPH"


NO_GRAPH = _NoGraph()


def made_under_no_grad(node: Value) -> bool:
    """Whether ``node`` is an op's result computed inside ``no_grad()`` (it has no graph)."""
    return node._b is NO_GRAPH


class _ValueType(type):
    """Gives ``Value(data, label="")`` its checks while ops build nodes without them.

    ``Value`` itself defines no ``__init__``, so ``_new_node()`` below (the plain
    ``type.__call__``) makes an empty node at C speed; a Python ``__init__`` would cost
    more than the rest of an op.
    """

    def __call__(cls, data: Real, label: str = "") -> Value:
        # mypy types cls as the metaclass, so it cannot see that object.__new__(cls) makes a Value.
        self: Value = _new_node() if cls is Value else object.__new__(cls)  # type: ignore[arg-type]
        self.data = _as_float(data)
        self.grad = 0.0
        self.label = label
        self._op = self._a = self._b = self._mark = None
        return self


class Value(metaclass=_ValueType):
    """A scalar that remembers how it was computed, so gradients can flow back to its inputs.

    ``Value(data, label="")`` accepts int, float and numpy real scalars (and one-element
    arrays); bool, complex, str, None, lists and larger arrays raise ``TypeError``.
    Equality and hashing are by identity, so Values work as dict keys and in sets.
    Under ``no_grad``, ``p -= lr * p.grad`` (and ``+= *= /= **= %=``) updates a leaf you made
    in place (see the in-place operators below).
    A Value has no truth value and no ordering: compare ``v.data`` instead.
    """

    # _op: the op that made this node (None for a leaf). Parents, by count:
    #   leaf: _a = _b = None (_b = NO_GRAPH for an op's result under no_grad, so that
    #   backward can refuse it);  one: _a = p, _b = None;  two: _a, _b = p, q;
    #   n-ary (sum, dot, neuron): _a = (p, q, r, ...), _b = z, the float the op summed before
    #   its activation (see the n-ary ops in ops/linear.py). Backward needs only z and the parents'
    #   data, so a neuron keeps one float, not a tuple of its 2n + 1 local grads.
    # _mark: scratch used by graph traversals (see backward.py).
    __slots__ = ("_a", "_b", "_mark", "_op", "data", "grad", "label")

    # Declarations for type checkers only (bare annotations make no class attribute, so
    # they do not clash with the slots, and cost nothing at run time).
    data: float
    grad: float | Value  # a Value after backward(create_graph=True)
    label: str
    _op: ops.Op | None
    # _a and _b change shape with the arity (above); the hot loops tell the cases apart by
    # ``__class__ is tuple``, which mypy cannot narrow, and a cast would cost a call per node.
    _a: Any
    _b: Any
    _mark: object

    if TYPE_CHECKING:
        # The metaclass builds nodes at run time; this tells tools the constructor's signature.
        def __init__(self, data: Real, label: str = "") -> None: ...

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """This node and its whole graph copied parents first: Python's own deepcopy recursed
        through the parents and stopped about 150 ops deep. Nodes shared in the graph (or with
        other objects copied in the same call, through ``memo``) stay shared; ops, which never
        change, are shared with the original; a parameter kept in a tape's arrays comes out a
        plain Value, as pickling gives it."""
        from .backward import topological_order  # backward imports this module

        nodes = [node for node in topological_order(self) if id(node) not in memo]
        for node in nodes:
            twin = _new_node()
            twin.data, twin.grad, twin.label = node.data, node.grad, node.label
            twin._op, twin._mark = node._op, None
            a, b = node._a, node._b  # parents in memo already (see the slot comment above)
            if a.__class__ is tuple:
                twin._a = tuple(memo[id(p)] for p in a)
            else:
                twin._a = None if a is None else memo[id(a)]
            twin._b = memo[id(b)] if isinstance(b, Value) else b  # n-ary: z, a float
            memo[id(node)] = twin
        for node in nodes:  # a Value gradient (create_graph=True) once every twin is in memo:
            if isinstance(node.grad, Value):  # its graph may hold the node itself
                memo[id(node)].grad = copy.deepcopy(node.grad, memo)
        twin_of_self: Value = memo[id(self)]
        return twin_of_self

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return self.data

    def __int__(self) -> int:
        """``int(v)``: the number truncated, as ``int(v.data)`` (a plain number: no gradient)."""
        return int(self.data)

    @overload
    def __round__(self, ndigits: None = None) -> int: ...
    @overload
    def __round__(self, ndigits: int) -> float: ...
    def __round__(self, ndigits: int | None = None) -> int | float:
        """``round(v)``, ``round(v, 2)``: the number rounded, as ``round(v.data)`` (no gradient)."""
        return round(self.data, ndigits)

    def __pos__(self) -> Value:
        """``+v`` is ``v`` itself."""
        return self

    def __bool__(self) -> bool:
        # Branching on a Value would hide which way the graph went (and break tracing).
        raise TypeError("a Value has no truth value; branch on v.data instead")

    def _no_ordering(self, other: object) -> bool:
        raise TypeError(
            "Values are not ordered; compare v.data instead (for max(v, 0) with a gradient: "
            "v.relu(), or autograd.maximum(a, b))"
        )

    __lt__ = __le__ = __gt__ = __ge__ = _no_ordering

    def __eq__(self, other: object) -> bool:
        """Identity between Values (so they serve as set members and dict keys); against a
        number a TypeError, since ``loss == 0`` would otherwise be False for every loss; False
        against anything else (None, text), as for any object."""
        if isinstance(other, Value):
            return self is other
        if isinstance(other, numbers.Number):
            raise TypeError(
                "a Value equals only itself (Values compare by identity); to compare its "
                f"number, use v.data == {other!r}"
            )
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = object.__hash__

    @property
    def is_leaf(self) -> bool:
        """True for a node made by the user (or under no_grad), not by an op."""
        return self._a is None

    @property
    def op(self) -> ops.Op | None:
        """The op that made this node, or None for a leaf."""
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The input nodes of the op that made this node (empty for a leaf)."""
        a, b = self._a, self._b
        if a is None:
            return ()
        if a.__class__ is tuple:
            return a
        if b is None:
            return (a,)
        return (a, b)

    # --- arithmetic: Python numbers are welcome on either side ---
    # The three hottest operators spell out _record by hand (see the module docstring).

    def __add__(self, other: Value | float) -> Value:
        if other.__class__ is not Value:
            other = _coerce(other)
            if other is NotImplemented:
                return NotImplemented
        out = _new_node()
        out.data = self.data + other.data
        out.grad = 0.0
        out.label = ""
        out._mark = None
        if grad_mode.everywhere or grad_mode.is_grad_enabled():
            out._op = _ADD
            out._a = self
            out._b = other
        else:
            out._op = out._a = None
            out._b = NO_GRAPH
        return out

    def __radd__(self, other: float) -> Value:
        left = _coerce(other)
        if left is NotImplemented:
            return NotImplemented
        return _record2(left.data + self.data, left, self, _ADD)

    def __sub__(self, other: Value | float) -> Value:
        if other.__class__ is not Value:
            other = _coerce(other)
            if other is NotImplemented:
                return NotImplemented
        out = _new_node()
        out.data = self.data - other.data
        out.grad = 0.0
        out.label = ""
        out._mark = None
        if grad_mode.everywhere or grad_mode.is_grad_enabled():
            out._op = _SUB
            out._a = self
            out._b = other
        else:
            out._op = out._a = None
            out._b = NO_GRAPH
        return out

    def __rsub__(self, other: float) -> Value:
        left = _coerce(other)
        if left is NotImplemented:
            return NotImplemented
        return _record2(left.data - self.data, left, self, _SUB)

    def __mul__(self, other: Value | float) -> Value:
        if other.__class__ is not Value:
            other = _coerce(other)
            if other is NotImplemented:
                return NotImplemented
        out = _new_node()
        out.data = self.data * other.data
        out.grad = 0.0
        out.label = ""
        out._mark = None
        if grad_mode.everywhere or grad_mode.is_grad_enabled():
            out._op = _MUL
            out._a = self
            out._b = other
        else:
            out._op = out._a = None
            out._b = NO_GRAPH
        return out

    def __rmul__(self, other: float) -> Value:
        left = _coerce(other)
        if left is NotImplemented:
            return NotImplemented
        return _record2(left.data * self.data, left, self, _MUL)

    def __truediv__(self, other: Value | float) -> Value:
        other = _coerce(other)
        if other is NotImplemented:
            return NotImplemented
        return _record2(ops.DIV.forward(self.data, other.data), self, other, ops.DIV)

    def __rtruediv__(self, other: float) -> Value:
        left = _coerce(other)
        if left is NotImplemented:
            return NotImplemented
        return _record2(ops.DIV.forward(left.data, self.data), left, self, ops.DIV)

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return _record2(ops.POW.forward(self.data, exponent.data), self, exponent, ops.POW)
        exponent = _coerce(exponent)
        if exponent is NotImplemented:
            return NotImplemented
        op = ops.PowConst(exponent.data)
        return _record1(op.forward(self.data), self, op)

    def __rpow__(self, base: float) -> Value:
        left = _coerce(base)
        if left is NotImplemented:
            return NotImplemented
        return left**self

    def __neg__(self) -> Value:
        return _record1(-self.data, self, _NEG)

    # --- in place: under no_grad, p -= lr * p.grad updates the Value p you made (a parameter) ---
    # Anywhere else ``x += y`` makes a new node, as ``+`` does: while recording (micrograd-style
    # sums are built that way), for a node made by an op (its graph's backward reads its number)
    # and for a result computed under no_grad (``total += loss`` leaves the first loss alone).

    def __iadd__(self, other: Value | float) -> Value:
        return _in_place(self, other, Value.__add__)

    def __isub__(self, other: Value | float) -> Value:
        return _in_place(self, other, Value.__sub__)

    def __imul__(self, other: Value | float) -> Value:
        return _in_place(self, other, Value.__mul__)

    def __itruediv__(self, other: Value | float) -> Value:
        return _in_place(self, other, Value.__truediv__)

    def __ipow__(self, other: Value | float) -> Value:
        return _in_place(self, other, Value.__pow__)

    def __imod__(self, other: Value | float) -> Value:
        return _in_place(self, other, Value.__mod__)

    # --- functions ---

    def exp(self) -> Value:
        """e^x; raises OverflowError past x = 709.78."""
        return _record1(ops.EXP.forward(self.data), self, ops.EXP)

    def log(self) -> Value:
        """Natural log; raises ValueError for x <= 0."""
        return _record1(ops.LOG.forward(self.data), self, ops.LOG)

    def tanh(self) -> Value:
        """Hyperbolic tangent, stable for any finite x."""
        return _record1(ops.TANH.forward(self.data), self, ops.TANH)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), stable for any finite x."""
        return _record1(ops.SIGMOID.forward(self.data), self, ops.SIGMOID)

    def relu(self) -> Value:
        """max(x, 0); its derivative at 0 is 0."""
        return _record1(ops.RELU.forward(self.data), self, ops.RELU)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, slope * x otherwise; derivative at 0 is slope."""
        op = ops.LeakyRelu(slope)
        return _record1(op.forward(self.data), self, op)

    def elu(self, alpha: float = 1.0) -> Value:
        """x for x > 0, alpha (e^x - 1) otherwise; derivative at 0 is alpha."""
        op = ops.Elu(alpha)
        return _record1(op.forward(self.data), self, op)

    def softplus(self) -> Value:
        """log(1 + e^x), stable for any finite x."""
        return _record1(ops.SOFTPLUS.forward(self.data), self, ops.SOFTPLUS)

    def sin(self) -> Value:
        """sin x; raises ValueError for x = +-inf."""
        return _record1(ops.SIN.forward(self.data), self, ops.SIN)

    def cos(self) -> Value:
        """cos x; raises ValueError for x = +-inf."""
        return _record1(ops.COS.forward(self.data), self, ops.COS)

    def tan(self) -> Value:
        """tan x; raises ValueError for x = +-inf."""
        return _record1(ops.TAN.forward(self.data), self, ops.TAN)

    def asin(self) -> Value:
        """asin x; raises ValueError outside -1 <= x <= 1; slope +inf at +-1."""
        return _record1(ops.ASIN.forward(self.data), self, ops.ASIN)

    def acos(self) -> Value:
        """acos x; raises ValueError outside -1 <= x <= 1; slope -inf at +-1."""
        return _record1(ops.ACOS.forward(self.data), self, ops.ACOS)

    def atan(self) -> Value:
        """atan x."""
        return _record1(ops.ATAN.forward(self.data), self, ops.ATAN)

    def atan2(self, other: Value | float) -> Value:
        """atan2(self, other): the angle of the point (other, self); slopes 0 at the origin."""
        return _binary(ops.ATAN2, self, other)

    # numpy's names: np.arcsin over an array of Values calls the element's method "arcsin"
    arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2

    def sinh(self) -> Value:
        """sinh x; raises OverflowError past |x| = 710.47."""
        return _record1(ops.SINH.forward(self.data), self, ops.SINH)

    def cosh(self) -> Value:
        """cosh x; raises OverflowError past |x| = 710.47."""
        return _record1(ops.COSH.forward(self.data), self, ops.COSH)

    def sqrt(self) -> Value:
        """Square root; raises ValueError for x < 0; slope +inf at 0."""
        return _record1(ops.SQRT.forward(self.data), self, ops.SQRT)

    def cbrt(self) -> Value:
        """Real cube root, for any x; slope +inf at 0."""
        return _record1(ops.CBRT.forward(self.data), self, ops.CBRT)

    def abs(self) -> Value:
        """|x| (also ``abs(v)``); its derivative at 0 is 0."""
        return _record1(ops.ABS.forward(self.data), self, ops.ABS)

    __abs__ = abs

    def sign(self) -> Value:
        """1, -1, or 0 at 0 (NaN for NaN); its derivative is 0."""
        return _record1(ops.SIGN.forward(self.data), self, ops.SIGN)

    def log1p(self) -> Value:
        """log(1 + x), exact for small x; raises ValueError for x <= -1."""
        return _record1(ops.LOG1P.forward(self.data), self, ops.LOG1P)

    def expm1(self) -> Value:
        """e^x - 1, exact for small x; raises OverflowError past x = 709.78."""
        return _record1(ops.EXPM1.forward(self.data), self, ops.EXPM1)

    def log2(self) -> Value:
        """Base-2 log; raises ValueError for x <= 0."""
        return _record1(ops.LOG2.forward(self.data), self, ops.LOG2)

    def log10(self) -> Value:
        """Base-10 log; raises ValueError for x <= 0."""
        return _record1(ops.LOG10.forward(self.data), self, ops.LOG10)

    def exp2(self) -> Value:
        """2^x; raises OverflowError from x = 1024."""
        return _record1(ops.EXP2.forward(self.data), self, ops.EXP2)

    def maximum(self, other: Value | float) -> Value:
        """max(self, other), NaN if either is; at a tie each gets half the slope."""
        return _binary(ops.MAXIMUM, self, other)

    def minimum(self, other: Value | float) -> Value:
        """min(self, other), NaN if either is; at a tie each gets half the slope."""
        return _binary(ops.MINIMUM, self, other)

    def logaddexp(self, other: Value | float) -> Value:
        """log(e^self + e^other) without overflow; slopes sigmoid(self - other) and
        sigmoid(other - self) (one half each for equal infinities)."""
        return _binary(ops.LOG_ADD_EXP, self, other)

    def clamp(self, lo: float | None = None, hi: float | None = None) -> Value:
        """min(max(x, lo), hi); slope 1 from lo to hi, both bounds included, else 0. A bound
        left None is no bound, as in PyTorch."""
        op = ops.Clamp(lo, hi)
        return _record1(op.forward(self.data), self, op)

    def __mod__(self, other: Value | float) -> Value:
        right = _coerce(other)
        if right is NotImplemented:
            return NotImplemented
        return _record2(ops.MOD.forward(self.data, right.data), self, right, ops.MOD)

    def __rmod__(self, other: float) -> Value:
        left = _coerce(other)
        if left is NotImplemented:
            return NotImplemented
        return _record2(ops.MOD.forward(left.data, self.data), left, self, ops.MOD)

    def _ieee_pow(self, exponent: Value | float) -> Value:
        """x ** p with +-inf at a pole or on overflow: the form derivatives use (ops/powers.py)."""
        if isinstance(exponent, Value):
            return _record2(
                ops.IEEE_POW.forward(self.data, exponent.data), self, exponent, ops.IEEE_POW
            )
        op = ops.IeeePowConst(float(exponent))
        return _record1(op.forward(self.data), self, op)

    # --- conveniences ---

    def item(self) -> float:
        """The float this node holds (``v.data``), as ``tensor.item()`` gives it."""
        return self.data

    def conjugate(self) -> Value:
        """The Value itself, as for every real number (np.var and np.std over Values ask it)."""
        return self

    def detach(self) -> Value:
        """A new leaf with the same number and no history: gradients stop here."""
        return _leaf(self.data)

    def __format__(self, spec: str) -> str:
        """``f"{v:.3f}"`` formats the number; an empty spec gives ``str(v)``."""
        return format(self.data, spec) if spec else str(self)

    def backward(
        self,
        gradient: Real | None = None,
        *,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Fill ``.grad`` of every node in this graph with d self / d node (see ``backward.py``).

        ``gradient``, as in PyTorch, is d L / d self for a larger L this Value feeds (the
        gradients are then d L / d node); ``retain_graph`` is accepted for PyTorch code and
        changes nothing (no graph is freed by a backward pass). ``create_graph`` is
        keyword-only, so ``y.backward(2.0)`` cannot quietly mean ``create_graph=True``."""
        from .backward import backward

        try:
            seed = 1.0 if gradient is None else _as_float(gradient)
        except TypeError as error:
            raise TypeError(f"backward: gradient is d loss / d this Value; {error}") from None
        backward(self, create_graph=create_graph, seed=seed)


# An empty node at C speed: type.__call__ skips _ValueType.__call__ (see its docstring).
_new_node: Callable[[], Value] = type.__call__.__get__(Value)


def _leaf(data: float) -> Value:
    """A leaf holding ``data``, already a float (constants and no_grad results)."""
    out = _new_node()
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = out._a = out._b = out._mark = None
    return out


def _record1(data: float, parent: Value, op: ops.Op) -> Value:
    """The output node of a one-input op; outside ``no_grad`` it remembers its op and input."""
    out = _new_node()
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._b = out._mark = None
    if grad_mode.everywhere or grad_mode.is_grad_enabled():
        out._op = op
        out._a = parent
    else:
        out._op = out._a = None
        out._b = NO_GRAPH
    return out


def _record2(data: float, a: Value, b: Value, op: ops.Op) -> Value:
    """The output node of a two-input op."""
    out = _new_node()
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._mark = None
    if grad_mode.everywhere or grad_mode.is_grad_enabled():
        out._op = op
        out._a = a
        out._b = b
    else:
        out._op = out._a = None
        out._b = NO_GRAPH
    return out


def _record(data: float, parents: tuple[Value, ...], op: ops.Op) -> Value:
    """The output node of ``op`` with any number of inputs (a sum or a dot product).

    These ops have no activation, so the z kept by a node with three or more inputs (see
    the slots comment of Value) is the output itself.
    """
    n = len(parents)
    if n == 1:
        return _record1(data, parents[0], op)
    if n == 2:
        return _record2(data, parents[0], parents[1], op)
    out = _new_node()
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._mark = None
    if n and (grad_mode.everywhere or grad_mode.is_grad_enabled()):
        out._op = op
        out._a = parents
        out._b = data
    else:
        out._op = out._a = None
        out._b = NO_GRAPH if n else None  # no inputs: a constant, not a no_grad result
    return out


def _in_place(target: Value, other: object, operator: Callable[[Value, Any], Value]) -> Value:
    """``target op= other``: under no_grad, a leaf the user made (not an op's result, nor one
    computed under no_grad) takes the number ``target op other`` and stays itself; anywhere
    else that new node. A one-element numpy array counts as its number, as Value() takes it."""
    result = operator(target, other)
    if target._a is not None or target._b is not None:  # (_b: NO_GRAPH, made under no_grad)
        return result
    if grad_mode.everywhere or grad_mode.is_grad_enabled():
        grad = target.grad  # (0 as an int or a numpy zero is no gradient either)
        if result is not NotImplemented and not (isinstance(grad, numbers.Real) and grad == 0):
            _warn_update_outside_no_grad()
        return result
    if result is NotImplemented and isinstance(other, np.ndarray) and other.size == 1:
        result = operator(target, _as_float(other))
    if result is NotImplemented:
        return result  # type: ignore[no-any-return]  # the operator protocol's "no" (see _coerce)
    target.data = result.data
    return target


def _warn_update_outside_no_grad() -> None:
    """``p -= lr * p.grad`` with gradients recorded: p becomes a new node, and the parameter the
    model holds is not changed, so a hand-written training loop learns nothing. PyTorch refuses
    it; a leaf with a gradient is that mistake (``total += term`` from ``Value(0.0)`` has none).
    One text for every Value, so that Python shows it once for the line, not once a parameter."""
    warnings.warn(
        "an in-place update (p -= ..., +=, *=) of a Value with a gradient while gradients are "
        "recorded makes a new node and leaves the Value itself (the model's parameter) "
        "unchanged; update parameters inside `with autograd.no_grad():`",
        UserWarning,
        stacklevel=4,
    )


def _binary(op: ops.Op, a: Value, other: object) -> Value:
    """The output node of a two-input op called as a method, ``a.op(other)``."""
    b = _coerce(other)
    if b is NotImplemented:
        raise TypeError(f"{op.name}: takes a Value or a number, not {type(other).__name__}")
    return _record2(op.forward(a.data, b.data), a, b, op)


def _coerce(other: object) -> Value:
    """``other`` as a Value: itself, a constant leaf for a number, or NotImplemented (a bool
    is refused with its own message).

    Callers test ``is NotImplemented`` and hand it on to Python's operator protocol (an
    Optional would cost the hot operators a second name); typeshed types the constant as Any.
    """
    if other.__class__ is float:
        return _leaf(other)
    if isinstance(other, Value):
        return other
    if isinstance(other, (bool, np.bool_)):  # refused as Value(True) is, saying so
        raise TypeError(
            f"a Value takes part in arithmetic with real numbers, not bool ({other!r}); "
            "use 0.0 or 1.0 (float(flag))"
        )
    if isinstance(other, (int, float, np.integer, np.floating)):
        return _leaf(float(other))
    return NotImplemented  # type: ignore[no-any-return]  # the operator protocol's "no"
