"""Powers and roots: x ** p, a ** b, sqrt, cbrt, and the IEEE powers derivatives are written with."""

from __future__ import annotations

import math
from typing import Any

from .base import Op, ieee_pow, log_, pow_


def power_rule(x: Any, p: float) -> Any:
    """d(x^p)/dx = p x^(p-1), with IEEE results at x = 0: +inf for 0 < p < 1 (a vertical
    slope), and for create_graph a node whose own slope is +-inf there too, as in PyTorch."""
    if p == 0.0:
        return 0.0  # x^0 is constant, even at x = 0 (p x^-1 would be 0 * inf)
    return p * pow_(x, p - 1.0)


class PowConst(Op):
    """x ** p with a constant (non-Value) exponent p."""

    def __init__(self, exponent: float):
        self.exponent = exponent
        self.name = f"**{exponent:g}"

    def forward(self, x: float) -> float:
        p = self.exponent
        if x < 0.0 and not p.is_integer():
            raise ValueError(f"pow({x!r}, {p!r}): negative base with a non-integer exponent")
        if x == 0.0 and p < 0.0:
            raise ZeroDivisionError(f"pow({x!r}, {p!r}): zero to a negative power")
        try:
            result: float = x**p  # (annotated: typeshed's float ** float is Any)
            return result
        except OverflowError:
            raise OverflowError(f"pow({x!r}, {p!r}) overflows float") from None

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (power_rule(xs[0], self.exponent),)


class Pow(Op):
    """a ** b where the exponent b is a Value too: gradient flows to both."""

    name = "**"
    formula = "a ** b"

    def forward(self, a: float, b: float) -> float:
        if a < 0.0:
            raise ValueError(
                f"pow({a!r}, Value): negative base with a Value exponent (log(a) undefined)"
            )
        if a == 0.0 and b < 0.0:
            raise ZeroDivisionError(f"pow({a!r}, {b!r}): zero to a negative power")
        try:
            result: float = a**b
            return result
        except OverflowError:
            raise OverflowError(f"pow({a!r}, {b!r}) overflows float") from None

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        a, b = xs
        # d/da = b a^(b-1); at a = 0 that is +inf for 0 < b < 1, 1 for b = 1, 0 above
        slope_a = b * pow_(a, b - 1.0)
        if float(b) == 0.0 and math.isnan(float(slope_a)):
            slope_a = (
                0.0  # a^0 = 1 for every a; the formula gave 0 * inf (a = 0, or a^-1 overflows)
            )
        if float(a) == 0.0:
            return (slope_a, 0.0)  # a^b log a -> 0 as a -> 0+, so the exponent's slope is 0
        return (slope_a, out * log_(a))  # d/db = a^b log a


class IeeePowConst(PowConst):
    """x ** p inside a derivative: +-inf at the pole and on overflow, never an error.

    The slope of x ** 0.5 at 0 is 0.5 x^-0.5 = inf, and of x ** -1 at 1e-300 it is -1e600
    = -inf; a derivative must give those (as PyTorch does) where x ** p itself would raise.
    """

    def forward(self, x: float) -> float:
        return ieee_pow(x, self.exponent)


class IeeePow(Pow):
    """a ** b (Value exponent) inside a derivative: ``ieee_pow``'s results, never an error."""

    def forward(self, a: float, b: float) -> float:
        return ieee_pow(a, b)


class Sqrt(Op):
    """sqrt(x), x >= 0. Its slope at 0 is +inf, its second derivative there -inf (PyTorch's)."""

    name = "sqrt"

    def forward(self, x: float) -> float:
        if x < 0.0:
            raise ValueError(f"sqrt({x!r}): domain error, sqrt needs x >= 0")
        return math.sqrt(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (0.5 * pow_(out, -1.0),)  # d(sqrt x)/dx = 1 / (2 sqrt x)


class Cbrt(Op):
    """The real cube root, for any x. Its slope at 0 is +inf (vertical)."""

    name = "cbrt"

    def forward(self, x: float) -> float:
        return math.cbrt(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (pow_(out, -2.0) / 3.0,)  # d(x^(1/3))/dx = 1 / (3 cbrt(x)^2)


POW = Pow()
IEEE_POW = IeeePow()
SQRT = Sqrt()
CBRT = Cbrt()
