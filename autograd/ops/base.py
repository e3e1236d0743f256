"""The base of the op table: the ``Op`` class and the helpers its derivatives are written with.

The helpers take a float or a ``Value`` and give the same kind back, so one derivative
line serves ordinary backward (floats) and ``create_graph=True`` (Values).
"""

from __future__ import annotations

import math
from typing import Any


class Op:
    """Base of every op: a name (shown in graph drawings) and the two rules."""

    name = "?"
    # For a two-input op whose inputs' order matters: how it reads them, a first (a drawing
    # shows this in place of the name, and labels the inputs' edges a and b).
    formula: str | None = None

    def forward(self, *xs: Any, **unused: Any) -> float:  # each op takes its own inputs
        raise NotImplementedError

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name


def is_number(x: Any) -> bool:
    """True for a plain number (the ordinary backward), False for a Value (create_graph)."""
    return isinstance(x, (float, int))


def exp_(x: Any) -> Any:
    """e^x of a float or a Value."""
    return math.exp(x) if is_number(x) else x.exp()


def log_(x: Any) -> Any:
    """log x of a float or a Value."""
    return math.log(x) if is_number(x) else x.log()


def sigmoid_(x: Any) -> Any:
    """sigmoid(x) of a float or a Value."""
    return stable_sigmoid(x) if is_number(x) else x.sigmoid()


def stable_sigmoid(x: float) -> float:
    """1 / (1 + e^-x) without overflow for any finite x."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def stable_softplus(x: float) -> float:
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|), without overflow for any finite x."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def ieee_pow(x: float, p: float) -> float:
    """x ** p as IEEE 754 (numpy, PyTorch) defines it, where Python's float ** raises.

    Overflow gives +-inf, 0 ** -p gives +-inf (the pole), a negative base with a
    non-integer exponent gives NaN. Derivatives need these: the slope of sqrt at 0 is
    inf, and 1/x^2 at x = 1e-300 overflows to inf just as 1.0 / x / x does.
    """
    if x < 0.0 and not float(p).is_integer():
        return math.nan  # Python's ** would give a complex number
    try:
        result: float = x**p
        return result
    except (OverflowError, ZeroDivisionError):
        negative = math.copysign(1.0, x) < 0.0 and float(p) % 2.0 == 1.0  # odd power of -x
        return -math.inf if negative else math.inf


def pow_(x: Any, p: Any) -> Any:
    """x ** p of a float or a Value with ``ieee_pow``'s results (inf, never an error).

    ``p`` is a number or, for a Value x, a Value too.
    """
    if is_number(x):
        return ieee_pow(x, p)
    return x._ieee_pow(p)
