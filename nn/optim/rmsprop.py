"""RMSprop: steps scaled by a running mean of squared gradients, as torch.optim.RMSprop."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from autograd import Value

from .flat import FloatArray
from .optimizer import GroupState, Optimizer, ParamGroup, lerp_into, with_weight_decay
from .settings import BELOW_ONE, NON_NEGATIVE, POSITIVE, UNIT, Check, flag


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop (v, m and b start at 0)::

    g = grad + weight_decay * p
    v = alpha * v + (1 - alpha) * g * g
    m = m + (1 - alpha) * (g - m);  d = sqrt(v - m * m) + eps   if centered
    d = sqrt(v) + eps                                           otherwise
    b = momentum * b + g / d;  p = p - lr * b                   if momentum > 0
    p = p - lr * g / d                                          otherwise
    """

    _squares: ClassVar[frozenset[str]] = frozenset({"square_avg"})
    _checks: ClassVar[dict[str, Check]] = {
        **Optimizer._checks,
        "alpha": UNIT,
        "eps": POSITIVE,
        "weight_decay": NON_NEGATIVE,
        "momentum": BELOW_ONE,
        "centered": flag,
    }

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        super().__init__(params, defaults)

    def _state_names(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        momentum = ("momentum_buffer",) if settings["momentum"] else ()
        centered = ("grad_avg",) if settings["centered"] else ()
        return ("step", "square_avg", *momentum, *centered)

    def _update(
        self, data: FloatArray, grads: FloatArray, group: ParamGroup, state: GroupState
    ) -> None:
        self._count_step(data, group, state)
        lr: float = group["lr"]
        eps: float = group["eps"]
        alpha, momentum = group["alpha"], group["momentum"]
        grads = with_weight_decay(grads, data, group)
        work, denominator = self._work(data, 2)
        square_avg: FloatArray = state["square_avg"]  # v = v * alpha + ((1 - alpha) * g) * g
        square_avg *= alpha
        work = np.multiply(grads, 1.0 - alpha, out=work)
        work *= grads
        square_avg += work
        if group["centered"]:  # sqrt(v - g_avg * g_avg) + eps
            grad_avg: FloatArray = state["grad_avg"]
            lerp_into(grad_avg, grads, 1.0 - alpha, work)
            np.multiply(grad_avg, grad_avg, out=denominator)
            np.subtract(square_avg, denominator, out=denominator)
            np.sqrt(denominator, out=denominator)
        else:  # sqrt(v) + eps
            np.sqrt(square_avg, out=denominator)
        denominator += eps
        if momentum:  # b = b * momentum + g / denominator; p = p - lr * b
            buffer: FloatArray = state["momentum_buffer"]
            buffer *= momentum
            buffer += np.divide(grads, denominator, out=work)
            data -= np.multiply(buffer, lr, out=work)
        else:  # p = p - (lr * g) / denominator
            work = np.multiply(grads, lr, out=work)
            work /= denominator
            data -= work
