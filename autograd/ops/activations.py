"""Activations: tanh, sigmoid, softplus, relu, leaky_relu, elu (also a fused neuron's activation)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .base import Op, exp_, sigmoid_, stable_sigmoid, stable_softplus


def _finite_parameter(op: str, name: str, value: object) -> float:
    """An activation's parameter as a float: a finite number (not text, not True/False), so
    that a NaN slope cannot turn every negative input into NaN unnoticed."""
    if value.__class__ is float:  # the usual case first: Value.leaky_relu makes an op per call
        number: float = value
    elif isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{op}: {name} must be a number, not {type(value).__name__}")
    else:
        try:
            number = float(value)  # type: ignore[arg-type]  # ints, numpy scalars, Decimal, ...
        except (TypeError, ValueError):
            raise TypeError(f"{op}: {name} must be a number, not {type(value).__name__}") from None
    if not math.isfinite(number):
        raise ValueError(f"{op}: {name} must be a finite number, not {number!r}")
    return number


class Tanh(Op):
    name = "tanh"

    def forward(self, x: float) -> float:
        return math.tanh(x)  # saturates to +-1, never overflows

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        # d(tanh x)/dx = 1 - tanh^2 x, as (1 - t)(1 + t): exact in t near +-1, where
        # 1 - t*t adds a rounding of t*t (2e-9 relative at x = 10; PyTorch is exact there)
        return ((1.0 - out) * (1.0 + out),)


class Sigmoid(Op):
    name = "sigmoid"

    def forward(self, x: float) -> float:
        return stable_sigmoid(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (out * (1.0 - out),)  # d(s(x))/dx = s(x)(1 - s(x))


class Relu(Op):
    name = "relu"

    def forward(self, x: float) -> float:
        return 0.0 if x <= 0.0 else x  # written so that NaN passes through, as in PyTorch

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (0.0 if float(xs[0]) <= 0.0 else 1.0,)  # step function; relu'(0) = 0


class LeakyRelu(Op):
    def __init__(self, slope: float):
        self.slope = _finite_parameter("leaky_relu", "slope", slope)
        self.name = f"leaky_relu({self.slope:g})"

    def forward(self, x: float) -> float:
        return x if x > 0.0 else self.slope * x

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (1.0 if float(xs[0]) > 0.0 else self.slope,)  # 1 or slope; slope at 0


class Elu(Op):
    """x for x > 0, alpha (e^x - 1) otherwise.

    At x = 0 every derivative takes the x <= 0 branch: elu'(0) = alpha (as PyTorch) and
    elu''(0) = alpha (PyTorch: 0, its second derivative takes the x > 0 side there).
    """

    def __init__(self, alpha: float):
        self.alpha = _finite_parameter("elu", "alpha", alpha)
        self.name = f"elu({self.alpha:g})"

    def forward(self, x: float) -> float:
        return x if x > 0.0 else self.alpha * math.expm1(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        # x > 0: 1;  x <= 0: alpha e^x. (Not out + alpha: for x < -20 that sum cancels
        # to a few ulps of alpha, and is exactly 0 from x = -38 on.)
        return (1.0 if float(xs[0]) > 0.0 else self.alpha * exp_(xs[0]),)


class Softplus(Op):
    name = "softplus"

    def forward(self, x: float) -> float:
        return stable_softplus(x)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (sigmoid_(xs[0]),)  # d(log(1 + e^x))/dx = sigmoid(x)


TANH = Tanh()
SIGMOID = Sigmoid()
RELU = Relu()
SOFTPLUS = Softplus()
