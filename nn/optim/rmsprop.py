"""RMSprop: steps scaled by a running mean of squared gradients, as torch.optim.RMSprop."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from autograd import Value

from .flat import FloatArray
from .optimizer import GroupState, Optimizer, ParamGroup, lerp, with_weight_decay
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
    ) -> FloatArray:
        self._count_step(data, group, state)
        lr: float = group["lr"]
        eps: float = group["eps"]
        alpha, momentum = group["alpha"], group["momentum"]
        grads = with_weight_decay(grads, data, group)
        square_avg: FloatArray = state["square_avg"] * alpha + (1.0 - alpha) * grads * grads
        state["square_avg"] = square_avg
        if group["centered"]:
            grad_avg = state["grad_avg"] = lerp(state["grad_avg"], grads, 1.0 - alpha)
            denominator = np.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            denominator = np.sqrt(square_avg) + eps
        if momentum:
            buffer: FloatArray = state["momentum_buffer"] * momentum + grads / denominator
            state["momentum_buffer"] = buffer
            return data - lr * buffer
        return data - lr * grads / denominator
