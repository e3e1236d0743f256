"""Functional forms of every op, ``autograd.sin(x)`` and so on, for a Value or a plain number.

On a Value they record the op (the same node as ``x.sin()``); on a plain number (int,
float, numpy scalar) they return a plain float, with the same domain errors. So code
written against ``math`` can switch to them: ``math.exp(v)`` on a Value silently returns
a float (a Value has ``__float__``) and drops the graph; ``autograd.exp(v)`` does not.
``abs(v)``, ``v ** p`` and ``v % m`` need no function: Python's own work on Values.
"""

from __future__ import annotations

from typing import Protocol, overload

from . import ops
from .value import Value, _as_float

Number = Value | float


class UnaryFunction(Protocol):
    """A function of one argument: a Value for a Value, a plain float for a number."""

    @overload
    def __call__(self, x: Value) -> Value: ...
    @overload
    def __call__(self, x: float) -> float: ...


class BinaryFunction(Protocol):
    """A function of two arguments: a Value if either is one, else a plain float."""

    @overload
    def __call__(self, a: Value, b: Number) -> Value: ...
    @overload
    def __call__(self, a: float, b: Value) -> Value: ...
    @overload
    def __call__(self, a: float, b: float) -> float: ...


def _unary(method: str, op: ops.Op) -> UnaryFunction:
    """The function ``method(x)``: ``x.method()`` on a Value, ``op.forward`` on a number."""

    def function(x: Number) -> Number:
        if isinstance(x, Value):
            result: Value = getattr(x, method)()
            return result
        return op.forward(_as_float(x))

    function.__name__ = function.__qualname__ = method
    function.__doc__ = (
        f"{method}(x): ``x.{method}()`` for a Value x, a plain float for a number x "
        f"(see ``Value.{method}``)."
    )
    return function  # type: ignore[return-value]  # overloads of one runtime function


def _binary(method: str, op: ops.Op) -> BinaryFunction:
    """The function ``method(a, b)``: a Value if either is one, else a plain float."""

    def function(a: Number, b: Number) -> Number:
        if isinstance(a, Value):
            result: Value = getattr(a, method)(b)
            return result
        if isinstance(b, Value):
            result = getattr(Value(a), method)(b)  # the number becomes a constant leaf
            return result
        return op.forward(_as_float(a), _as_float(b))

    function.__name__ = function.__qualname__ = method
    function.__doc__ = (
        f"{method}(a, b): a Value if a or b is one (see ``Value.{method}``), else a plain float."
    )
    return function  # type: ignore[return-value]  # overloads of one runtime function


exp = _unary("exp", ops.EXP)
"""e^x. A Value for a Value (see ``Value.exp``), else a float."""
exp2 = _unary("exp2", ops.EXP2)
"""2^x. A Value for a Value (see ``Value.exp2``), else a float."""
expm1 = _unary("expm1", ops.EXPM1)
"""e^x - 1, exact for small x. A Value for a Value (see ``Value.expm1``), else a float."""
log = _unary("log", ops.LOG)
"""Natural logarithm, x > 0. A Value for a Value (see ``Value.log``), else a float."""
log2 = _unary("log2", ops.LOG2)
"""Base-2 logarithm, x > 0. A Value for a Value (see ``Value.log2``), else a float."""
log10 = _unary("log10", ops.LOG10)
"""Base-10 logarithm, x > 0. A Value for a Value (see ``Value.log10``), else a float."""
log1p = _unary("log1p", ops.LOG1P)
"""log(1 + x), exact for small x; x > -1. A Value for a Value (see ``Value.log1p``), else a float."""
sqrt = _unary("sqrt", ops.SQRT)
"""Square root, x >= 0. A Value for a Value (see ``Value.sqrt``), else a float."""
cbrt = _unary("cbrt", ops.CBRT)
"""Real cube root. A Value for a Value (see ``Value.cbrt``), else a float."""
sin = _unary("sin", ops.SIN)
"""Sine. A Value for a Value (see ``Value.sin``), else a float."""
cos = _unary("cos", ops.COS)
"""Cosine. A Value for a Value (see ``Value.cos``), else a float."""
tan = _unary("tan", ops.TAN)
"""Tangent. A Value for a Value (see ``Value.tan``), else a float."""
asin = _unary("asin", ops.ASIN)
"""Arcsine, -1 <= x <= 1. A Value for a Value (see ``Value.asin``), else a float."""
acos = _unary("acos", ops.ACOS)
"""Arccosine, -1 <= x <= 1. A Value for a Value (see ``Value.acos``), else a float."""
atan = _unary("atan", ops.ATAN)
"""Arctangent. A Value for a Value (see ``Value.atan``), else a float."""
sinh = _unary("sinh", ops.SINH)
"""Hyperbolic sine. A Value for a Value (see ``Value.sinh``), else a float."""
cosh = _unary("cosh", ops.COSH)
"""Hyperbolic cosine. A Value for a Value (see ``Value.cosh``), else a float."""
tanh = _unary("tanh", ops.TANH)
"""Hyperbolic tangent. A Value for a Value (see ``Value.tanh``), else a float."""
sigmoid = _unary("sigmoid", ops.SIGMOID)
"""1 / (1 + e^-x). A Value for a Value (see ``Value.sigmoid``), else a float."""
softplus = _unary("softplus", ops.SOFTPLUS)
"""log(1 + e^x). A Value for a Value (see ``Value.softplus``), else a float."""
relu = _unary("relu", ops.RELU)
"""max(x, 0). A Value for a Value (see ``Value.relu``), else a float."""
sign = _unary("sign", ops.SIGN)
"""-1, 0 or 1 (slope 0). A Value for a Value (see ``Value.sign``), else a float."""
atan2 = _binary("atan2", ops.ATAN2)
"""The angle of the point (b, a): atan2(a, b). A Value for a Value (see ``Value.atan2``), else a float."""
maximum = _binary("maximum", ops.MAXIMUM)
"""The larger of a and b (a tie splits the gradient half and half). A Value for a Value (see ``Value.maximum``), else a float."""
logaddexp = _binary("logaddexp", ops.LOG_ADD_EXP)
"""log(e^a + e^b) without overflow (``log_sum_exp`` of two). A Value for a Value (see ``Value.logaddexp``), else a float."""
minimum = _binary("minimum", ops.MINIMUM)
"""The smaller of a and b (a tie splits the gradient half and half). A Value for a Value (see ``Value.minimum``), else a float."""


def leaky_relu(x: Number, slope: float = 0.01) -> Number:
    """x for x > 0, slope * x otherwise: a Value for a Value x, a plain float for a number."""
    if isinstance(x, Value):
        return x.leaky_relu(slope)
    return ops.LeakyRelu(slope).forward(_as_float(x))


def elu(x: Number, alpha: float = 1.0) -> Number:
    """x for x > 0, alpha (e^x - 1) otherwise: a Value for a Value x, a float for a number."""
    if isinstance(x, Value):
        return x.elu(alpha)
    return ops.Elu(alpha).forward(_as_float(x))


def clamp(x: Number, lo: float | None = None, hi: float | None = None) -> Number:
    """min(max(x, lo), hi): a Value for a Value x, a plain float for a number (None: no bound)."""
    if isinstance(x, Value):
        return x.clamp(lo, hi)
    return ops.Clamp(lo, hi).forward(_as_float(x))
