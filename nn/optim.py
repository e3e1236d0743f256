"""Optimizers: how a step moves each parameter, given the gradient in ``p.grad``.

All follow PyTorch's conventions (``step()``, ``zero_grad()``, a settable ``lr`` for
schedules) and its update formulas, so a step here equals a step of ``torch.optim`` with the
same settings, with one exception: with ``dampening`` > 0 the first momentum step here is
(1 - dampening) g, as the notes' form needs, where torch starts its buffer at g. The notes'
momentum form theta_{k+1} = theta_k + a (theta_k - theta_{k-1}) - (1 - a) eta g is
``SGD(params, lr=eta, momentum=a, dampening=a)``.

Speed (issue 6): a compiled training step takes well under a millisecond, so Adagrad and Adam
keep their state in float64 arrays and update it with numpy, using the same operations in the
same order as the scalar formulas (so every step is bit for bit equal to them); only reading
``p.grad`` and writing ``p.data`` stay per parameter. SGD's update is so short that a plain
Python loop is as fast.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable

import numpy as np

from autograd import Value
from autograd.compile.storage import ParameterArrays


def _setting(
    name: str, value: object, low: float, high: float, *, low_open: bool, high_open: bool
) -> float:
    """A hyperparameter as a float, or an error naming it and its allowed interval."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    value = float(value)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below):  # also refuses NaN, which compares false
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must lie in {interval}, not {value!r}")
    return value


def _float_semantics() -> np.errstate:
    """A context in which numpy, like Python floats, turns overflow into inf and inf - inf into nan silently."""
    return np.errstate(over="ignore", invalid="ignore")


class Optimizer:
    """Holds the parameters to update and a learning rate ``lr`` that may be changed between steps."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        unique: dict[int, Value] = {}
        for position, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"parameter {position} is {type(p).__name__}, not a Value")
            unique.setdefault(id(p), p)
        if not unique:
            raise ValueError("optimizer got no parameters")
        self.params = list(unique.values())
        self.lr = lr
        self._pack_grads = struct.Struct(f"{len(self.params)}d").pack
        # While a compiled tape holds the parameters in arrays, gather and scatter are numpy steps.
        self._arrays = ParameterArrays(self.params)

    @property
    def lr(self) -> float:
        """The learning rate (step size) used by the next ``step()``."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        value = float(value)
        if not (math.isfinite(value) and value >= 0.0):
            raise ValueError(f"learning rate must be a finite number >= 0, not {value!r}")
        self._lr = value

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 before the next backward pass."""
        if self._arrays.stored():
            self._arrays.zero_grads()
            return
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter's ``.data`` from its ``.grad``."""
        raise NotImplementedError

    def _grads(self) -> np.ndarray:
        """Every parameter's ``.grad``, as one float64 array."""
        if self._arrays.stored():
            return self._arrays.grads()
        # Packing the floats into bytes takes about half the time of np.array or np.fromiter (measured).
        return np.frombuffer(self._pack_grads(*[p.grad for p in self.params]))

    def _subtract(self, steps: np.ndarray) -> None:
        """``p.data -= step`` for every parameter; ``.data`` stays a Python float."""
        if self._arrays.stored():
            self._arrays.set_data(self._arrays.data() - steps)
            return
        for p, step in zip(self.params, steps.tolist()):
            p.data -= step


class SGD(Optimizer):
    """Gradient descent, optionally with momentum: v = mu v + (1 - dampening) g;  p -= lr v."""

    def __init__(
        self, params: Iterable[Value], lr: float, momentum: float = 0.0, dampening: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _setting("momentum", momentum, 0.0, 1.0, low_open=False, high_open=True)
        self.dampening = _setting("dampening", dampening, 0.0, 1.0, low_open=False, high_open=False)
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        # One pass in Python, with or without momentum (measured): at 337 parameters as fast as the
        # numpy form of Adagrad and Adam, at 10 five times faster, at 5000 only 10-20% slower.
        lr, mu = self._lr, self.momentum
        if self._arrays.stored():
            self._stored_step(lr, mu)
            return
        if mu == 0.0:
            for p in self.params:
                p.data -= lr * p.grad
            return
        keep = 1.0 - self.dampening
        if not isinstance(self._velocity, list):  # left as an array by _stored_step
            self._velocity = self._velocity.tolist()
        velocity = self._velocity
        for i, p in enumerate(self.params):
            v = mu * velocity[i] + keep * p.grad
            velocity[i] = v
            p.data -= lr * v

    def _stored_step(self, lr: float, mu: float) -> None:
        """The same update as the loop in ``step``, as numpy steps over the stored arrays."""
        grads = self._arrays.grads()
        with _float_semantics():
            if mu == 0.0:
                self._arrays.set_data(self._arrays.data() - lr * grads)
                return
            velocity = mu * np.asarray(self._velocity) + (1.0 - self.dampening) * grads
            self._velocity = velocity
            self._arrays.set_data(self._arrays.data() - lr * velocity)


class Adagrad(Optimizer):
    """Per-parameter step sizes from the gradient history: G += g^2;  p -= lr g / (sqrt(G) + eps)."""

    def __init__(self, params: Iterable[Value], lr: float = 0.01, eps: float = 1e-10) -> None:
        super().__init__(params, lr)
        self.eps = _setting("eps", eps, 0.0, math.inf, low_open=True, high_open=True)
        self._sum_squares = np.zeros(len(self.params))

    def step(self) -> None:
        grads = self._grads()
        with _float_semantics():
            self._sum_squares += grads * grads
            steps = self._lr * grads / (np.sqrt(self._sum_squares) + self.eps)
        self._subtract(steps)


class Adam(Optimizer):
    """Momentum plus Adagrad-like scaling, bias-corrected (Kingma and Ba):

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr m_hat / (sqrt(v_hat) + eps)
    with m_hat = m / (1 - b1^t) and v_hat = v / (1 - b2^t).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers, not {betas!r}")
        self.betas = tuple(
            _setting(f"betas[{i}]", b, 0.0, 1.0, low_open=False, high_open=True)
            for i, b in enumerate(betas)
        )
        self.eps = _setting("eps", eps, 0.0, math.inf, low_open=True, high_open=True)
        self._steps = 0
        self._first = np.zeros(len(self.params))
        self._second = np.zeros(len(self.params))

    def step(self) -> None:
        self._steps += 1
        beta1, beta2 = self.betas
        correction1 = 1.0 - beta1**self._steps
        root_correction2 = math.sqrt(1.0 - beta2**self._steps)
        step_size = self._lr / correction1
        grads = self._grads()
        with _float_semantics():
            self._first = beta1 * self._first + (1.0 - beta1) * grads
            self._second = beta2 * self._second + (1.0 - beta2) * grads * grads
            # Same arrangement as torch.optim.Adam, so the two agree to rounding.
            steps = step_size * self._first / (np.sqrt(self._second) / root_correction2 + self.eps)
        self._subtract(steps)


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adagrad": Adagrad, "adam": Adam}
