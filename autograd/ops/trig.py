"""Trigonometric and hyperbolic functions: sin cos tan asin acos atan atan2 sinh cosh (tanh is an
activation, in ``activations.py``)."""

from __future__ import annotations

import math
from typing import Any

from .base import Op, is_number, pow_


def _finite(name: str, x: float) -> None:
    if x in (math.inf, -math.inf):
        raise ValueError(f"{name}({x!r}): domain error, {name} needs a finite x")


def _in_unit_interval(name: str, x: float) -> None:
    if x < -1.0 or x > 1.0:  # written so that NaN passes through
        raise ValueError(f"{name}({x!r}): domain error, {name} needs -1 <= x <= 1")


class Sin(Op):
    name = "sin"

    def forward(self, x: float) -> float:
        _finite("sin", x)
        return math.sin(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        (x,) = xs
        return (math.cos(x) if is_number(x) else x.cos(),)  # d(sin x)/dx = cos x


class Cos(Op):
    name = "cos"

    def forward(self, x: float) -> float:
        _finite("cos", x)
        return math.cos(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        (x,) = xs
        return (-math.sin(x) if is_number(x) else -x.sin(),)  # d(cos x)/dx = -sin x


class Tan(Op):
    name = "tan"

    def forward(self, x: float) -> float:
        _finite("tan", x)
        return math.tan(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (1.0 + out * out,)  # d(tan x)/dx = 1 + tan^2 x


class Asin(Op):
    """asin(x), -1 <= x <= 1; its slope at +-1 is +inf."""

    name = "asin"

    def forward(self, x: float) -> float:
        _in_unit_interval("asin", x)
        return math.asin(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        (x,) = xs
        return (pow_(1.0 - x * x, -0.5),)  # d(asin x)/dx = 1 / sqrt(1 - x^2)


class Acos(Op):
    """acos(x), -1 <= x <= 1; its slope at +-1 is -inf."""

    name = "acos"

    def forward(self, x: float) -> float:
        _in_unit_interval("acos", x)
        return math.acos(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        (x,) = xs
        return (-pow_(1.0 - x * x, -0.5),)  # d(acos x)/dx = -1 / sqrt(1 - x^2)


class Atan(Op):
    name = "atan"

    def forward(self, x: float) -> float:
        return math.atan(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        (x,) = xs
        return (1.0 / (1.0 + x * x),)  # d(atan x)/dx = 1 / (1 + x^2)


class Atan2(Op):
    """atan2(a, b), the angle of the point (b, a); both slopes are 0 where a^2 + b^2 is 0.

    At the origin (or where a^2 + b^2 underflows) the slopes b / (a^2 + b^2) and
    -a / (a^2 + b^2) would be 0 * inf; PyTorch gives 0 there, and so does this table.
    """

    name = "atan2"
    formula = "atan2(a, b)"

    def forward(self, a: float, b: float) -> float:
        return math.atan2(a, b)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        a, b = xs
        r2 = a * a + b * b
        if float(r2) == 0.0:
            return (0.0, -0.0)
        return (b / r2, -a / r2)  # d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)


class Sinh(Op):
    name = "sinh"

    def forward(self, x: float) -> float:
        try:
            return math.sinh(x)
        except OverflowError:
            raise OverflowError(f"sinh({x!r}) overflows float (|x| > 710.47)") from None

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        (x,) = xs
        return (math.cosh(x) if is_number(x) else x.cosh(),)  # d(sinh x)/dx = cosh x


class Cosh(Op):
    name = "cosh"

    def forward(self, x: float) -> float:
        try:
            return math.cosh(x)
        except OverflowError:
            raise OverflowError(f"cosh({x!r}) overflows float (|x| > 710.47)") from None

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        (x,) = xs
        return (math.sinh(x) if is_number(x) else x.sinh(),)  # d(cosh x)/dx = sinh x


SIN = Sin()
COS = Cos()
TAN = Tan()
ASIN = Asin()
ACOS = Acos()
ATAN = Atan()
ATAN2 = Atan2()
SINH = Sinh()
COSH = Cosh()
