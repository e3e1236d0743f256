"""Exponentials and logarithms: exp, exp2, expm1, log, log2, log10, log1p, logaddexp."""

from __future__ import annotations

import math
from typing import Any

from .base import Op, exp_, pow_, sigmoid_

LN2, LN10 = math.log(2.0), math.log(10.0)


class Exp(Op):
    name = "exp"

    def forward(self, x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            raise OverflowError(f"exp({x!r}) overflows float (x > 709.78)") from None

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (out,)  # d(e^x)/dx = e^x


class Exp2(Op):
    name = "exp2"

    def forward(self, x: float) -> float:
        try:
            result: float = 2.0**x
            return result
        except OverflowError:
            raise OverflowError(f"exp2({x!r}) overflows float (x >= 1024)") from None

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (out * LN2,)  # d(2^x)/dx = 2^x ln 2


class Expm1(Op):
    """e^x - 1, exact near x = 0 where exp(x) - 1 cancels."""

    name = "expm1"

    def forward(self, x: float) -> float:
        try:
            return math.expm1(x)
        except OverflowError:
            raise OverflowError(f"expm1({x!r}) overflows float (x > 709.78)") from None

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        # d(e^x - 1)/dx = e^x. (PyTorch uses out + 1, which is exactly 0 from x = -38 on.)
        return (exp_(xs[0]),)


class Log(Op):
    name = "log"

    def forward(self, x: float) -> float:
        if x <= 0.0:
            raise ValueError(f"log({x!r}): domain error, log needs x > 0")
        return math.log(x)  # NaN passes through, as in every other op

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        (x,) = xs
        return (1.0 / x,)  # d(log x)/dx = 1/x


class Log2(Op):
    name = "log2"

    def forward(self, x: float) -> float:
        if x <= 0.0:
            raise ValueError(f"log2({x!r}): domain error, log2 needs x > 0")
        return math.log2(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (1.0 / (xs[0] * LN2),)  # d(log2 x)/dx = 1 / (x ln 2)


class Log10(Op):
    name = "log10"

    def forward(self, x: float) -> float:
        if x <= 0.0:
            raise ValueError(f"log10({x!r}): domain error, log10 needs x > 0")
        return math.log10(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (1.0 / (xs[0] * LN10),)  # d(log10 x)/dx = 1 / (x ln 10)


class Log1p(Op):
    """log(1 + x), exact near x = 0 where log(1 + x) rounds 1 + x first."""

    name = "log1p"

    def forward(self, x: float) -> float:
        if x <= -1.0:
            raise ValueError(f"log1p({x!r}): domain error, log1p needs x > -1")
        return math.log1p(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (pow_(1.0 + xs[0], -1.0),)  # d(log(1 + x))/dx = 1 / (1 + x)


class LogAddExp(Op):
    """log(e^a + e^b), the normalizer of a two-way softmax, without overflow for finite inputs."""

    name = "logaddexp"

    def forward(self, a: float, b: float) -> float:
        if a == b and math.isinf(a):
            return a  # log(e^inf + e^inf) = inf, log(0 + 0) = -inf (PyTorch); a - b would be NaN
        return max(a, b) + math.log1p(math.exp(-abs(a - b)))

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        a, b = xs
        if float(a) == float(b) and math.isinf(float(a)):
            return (0.5, 0.5)  # a tie, as at every finite a == b (PyTorch: NaN)
        return (sigmoid_(a - b), sigmoid_(b - a))  # d/da = e^a / (e^a + e^b) = sigmoid(a - b)


EXP = Exp()
EXP2 = Exp2()
EXPM1 = Expm1()
LOG = Log()
LOG2 = Log2()
LOG10 = Log10()
LOG1P = Log1p()
LOG_ADD_EXP = LogAddExp()
