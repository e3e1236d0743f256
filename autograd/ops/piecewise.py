"""Piecewise ops: abs, sign, maximum, minimum, clamp (their kinks follow PyTorch; see the package docstring)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .base import Op


def sign_of(x: float) -> float:
    """1.0, -1.0 or 0.0 (for +-0.0); NaN for NaN, as numpy's sign."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else x * 0.0  # x * 0.0: 0.0, or NaN for NaN


class Abs(Op):
    """|x|; abs'(0) = 0, as in PyTorch (the subgradient in the middle)."""

    name = "abs"

    def forward(self, x: float) -> float:
        return abs(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (sign_of(float(xs[0])),)  # d|x|/dx = sign(x): a step, its own slope is 0


class Sign(Op):
    """sign(x): 1, -1, or 0 at 0; NaN for NaN. Its slope is 0 everywhere, 0 included."""

    name = "sign"

    def forward(self, x: float) -> float:
        return sign_of(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (0.0,)


class Maximum(Op):
    """max(a, b), NaN if either is NaN; at a tie a == b the slope is split, 1/2 each (PyTorch)."""

    name = "maximum"

    def forward(self, a: float, b: float) -> float:
        return a if a >= b else b if b > a else math.nan

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        a, b = float(xs[0]), float(xs[1])
        if a == b:
            return (0.5, 0.5)
        return (0.0 if a < b else 1.0, 0.0 if b < a else 1.0)  # both 1 at NaN, as in PyTorch


class Minimum(Op):
    """min(a, b), NaN if either is NaN; at a tie a == b the slope is split, 1/2 each (PyTorch)."""

    name = "minimum"

    def forward(self, a: float, b: float) -> float:
        return a if a <= b else b if b < a else math.nan

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        a, b = float(xs[0]), float(xs[1])
        if a == b:
            return (0.5, 0.5)
        return (0.0 if a > b else 1.0, 0.0 if b > a else 1.0)  # both 1 at NaN, as in PyTorch


def _bound(name: str, value: object, none: float) -> float:
    """A bound of clamp as a float: a number, or None for no bound (PyTorch's reading)."""
    if value is None:
        return none
    text_or_flag = isinstance(value, (str, bytes, bool, np.bool_))  # float() would take "1", True
    try:
        number = math.nan if text_or_flag else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        text_or_flag = True
    if text_or_flag:
        raise TypeError(f"clamp: {name} must be a number or None, not {type(value).__name__}")
    if math.isnan(number):
        raise ValueError(f"clamp: {name} must be a number or None, not nan")
    return number


class Clamp(Op):
    """min(max(x, lo), hi); slope 1 for lo <= x <= hi, bounds included (PyTorch), else 0."""

    def __init__(self, lo: float | None, hi: float | None):
        self.lo, self.hi = _bound("lo", lo, -math.inf), _bound("hi", hi, math.inf)
        lo, hi = self.lo, self.hi
        if not lo <= hi:
            raise ValueError(f"clamp: needs lo <= hi, got lo={lo!r}, hi={hi!r}")
        self.name = f"clamp({lo:g}, {hi:g})"

    def forward(self, x: float) -> float:
        return self.lo if x < self.lo else self.hi if x > self.hi else x  # NaN passes through

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (1.0 if self.lo <= float(xs[0]) <= self.hi else 0.0,)  # 0 at NaN, as in PyTorch


ABS = Abs()
SIGN = Sign()
MAXIMUM = Maximum()
MINIMUM = Minimum()
