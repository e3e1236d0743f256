"""Python's arithmetic operators: + - * / % and negation (powers are in ``powers.py``)."""

from __future__ import annotations

from typing import Any

from .base import Op


class Add(Op):
    name = "+"

    def forward(self, a: float, b: float) -> float:
        return a + b

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (1.0, 1.0)  # d(a+b)/da = 1, d(a+b)/db = 1 (backward.py inlines this rule)


class Sub(Op):
    name = "-"
    formula = "a - b"

    def forward(self, a: float, b: float) -> float:
        return a - b

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (1.0, -1.0)  # d(a-b)/da = 1, d(a-b)/db = -1


class Neg(Op):
    name = "neg"

    def forward(self, a: float) -> float:
        return -a

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (-1.0,)  # d(-a)/da = -1


class Mul(Op):
    name = "*"

    def forward(self, a: float, b: float) -> float:
        return a * b

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        a, b = xs
        return (b, a)  # d(ab)/da = b, d(ab)/db = a (backward.py inlines this rule)


class Div(Op):
    name = "/"
    formula = "a / b"

    def forward(self, a: float, b: float) -> float:
        if b == 0.0:
            raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
        return a / b

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        _a, b = xs
        return (1.0 / b, -out / b)  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -out/b


class Mod(Op):
    """a % b as Python (and torch.remainder) define it: a - floor(a / b) b, the sign of b."""

    name = "%"
    formula = "a % b"

    def forward(self, a: float, b: float) -> float:
        if b == 0.0:
            raise ZeroDivisionError(f"modulo by zero: {a!r} % {b!r}")
        return a % b

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        a, b = xs
        # d/da = 1, d/db = -floor(a / b) (a step function: its own slope is 0, as in torch)
        return (1.0, -(float(a) // float(b)))


ADD = Add()
SUB = Sub()
NEG = Neg()
MUL = Mul()
DIV = Div()
MOD = Mod()
