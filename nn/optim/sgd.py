"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay, as torch.optim.SGD."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from autograd import Value
from autograd.compile import blas

from .flat import FloatArray
from .optimizer import GroupState, Optimizer, ParamGroup, with_weight_decay
from .settings import BELOW_ONE, NON_NEGATIVE, UNIT, Check, flag


class SGD(Optimizer):
    """Gradient descent, as torch.optim.SGD (t counts the steps from 1)::

        g = grad + weight_decay * p
        b = g                                  if t == 1
        b = momentum * b + (1 - dampening) * g if t > 1        (only with momentum > 0)
        g = g + momentum * b if nesterov else b
        p = p - lr * g

    The notes' momentum form, theta_{k+1} = theta_k + a (theta_k - theta_{k-1}) - (1 - a) eta g,
    is ``SGD(params, lr=(1 - a) * eta, momentum=a)`` (same numbers to rounding, for a constant eta).
    """

    _checks: ClassVar[dict[str, Check]] = {
        **Optimizer._checks,
        "momentum": BELOW_ONE,
        "dampening": UNIT,
        "weight_decay": NON_NEGATIVE,
        "nesterov": flag,
    }

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 0.001,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
        }
        super().__init__(params, defaults)

    def _check_group(self, settings: Mapping[str, Any], where: str) -> None:
        if settings["nesterov"] and (settings["momentum"] <= 0.0 or settings["dampening"] != 0.0):
            raise ValueError(f"{where}Nesterov momentum needs momentum > 0 and dampening 0")

    def _state_names(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        return ("momentum_buffer",) if settings["momentum"] else ()

    def _update(
        self, data: FloatArray, grads: FloatArray, group: ParamGroup, state: GroupState
    ) -> None:
        grads = with_weight_decay(grads, data, group)
        (work,) = self._work(data, 1)
        momentum = group["momentum"]
        if momentum:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grads.copy()
            else:  # b = momentum * b + (1 - dampening) * g
                buffer *= momentum
                buffer += np.multiply(grads, 1.0 - group["dampening"], out=work)
            grads = grads + momentum * buffer if group["nesterov"] else buffer
        # p = p + (-lr) g: the same bits as p - lr g (negation is exact)
        blas.add_scaled(data, grads, -group["lr"], work)
