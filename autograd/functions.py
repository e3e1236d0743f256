"""Functional forms of every op, ``autograd.sin(x)`` and so on, for a Value or a plain number.

On a Value they record the op (the same node as ``x.sin()``); on a plain number (int,
float, numpy scalar) they return a plain float, with the same domain errors. So code
written against ``math`` can switch to them: ``math.exp(v)`` on a Value silently returns
a float (a Value has ``__float__``) and drops the graph; ``autograd.exp(v)`` does not.
``abs(v)``, ``v ** p`` and ``v % m`` need no function: Python's own work on Values.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from . import ops
from .value import Value, _as_float

Number = Value | float


def _unary(method: str, op: ops.Op) -> Callable[[Number], Number]:
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
    return function


def _binary(method: str, op: ops.Op) -> Callable[[Number, Number], Number]:
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
    return function


exp = _unary("exp", ops.EXP)
exp2 = _unary("exp2", ops.EXP2)
expm1 = _unary("expm1", ops.EXPM1)
log = _unary("log", ops.LOG)
log2 = _unary("log2", ops.LOG2)
log10 = _unary("log10", ops.LOG10)
log1p = _unary("log1p", ops.LOG1P)
sqrt = _unary("sqrt", ops.SQRT)
cbrt = _unary("cbrt", ops.CBRT)
sin = _unary("sin", ops.SIN)
cos = _unary("cos", ops.COS)
tan = _unary("tan", ops.TAN)
asin = _unary("asin", ops.ASIN)
acos = _unary("acos", ops.ACOS)
atan = _unary("atan", ops.ATAN)
sinh = _unary("sinh", ops.SINH)
cosh = _unary("cosh", ops.COSH)
tanh = _unary("tanh", ops.TANH)
sigmoid = _unary("sigmoid", ops.SIGMOID)
softplus = _unary("softplus", ops.SOFTPLUS)
relu = _unary("relu", ops.RELU)
sign = _unary("sign", ops.SIGN)
atan2 = _binary("atan2", ops.ATAN2)
maximum = _binary("maximum", ops.MAXIMUM)
minimum = _binary("minimum", ops.MINIMUM)


def leaky_relu(x: Number, slope: float = 0.01) -> Number:
    """x for x > 0, slope * x otherwise: a Value for a Value x, a plain float for a number."""
    if isinstance(x, Value):
        return x.leaky_relu(slope)
    return ops.LeakyRelu(float(slope)).forward(_as_float(x))


def elu(x: Number, alpha: float = 1.0) -> Number:
    """x for x > 0, alpha (e^x - 1) otherwise: a Value for a Value x, a float for a number."""
    if isinstance(x, Value):
        return x.elu(alpha)
    return ops.Elu(float(alpha)).forward(_as_float(x))


def clamp(x: Number, lo: float = -math.inf, hi: float = math.inf) -> Number:
    """min(max(x, lo), hi): a Value for a Value x, a plain float for a number."""
    if isinstance(x, Value):
        return x.clamp(lo, hi)
    return ops.Clamp(float(lo), float(hi)).forward(_as_float(x))
