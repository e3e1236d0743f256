"""Adam and AdamW: momentum plus per-parameter scaling, bias-corrected (Kingma and Ba), as torch.optim."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from autograd import Value

from .flat import FloatArray
from .optimizer import GroupState, Optimizer, ParamGroup, lerp_into, with_weight_decay
from .settings import NON_NEGATIVE, POSITIVE, Check, betas, flag


class Adam(Optimizer):
    """Adam, as torch.optim.Adam (t counts the steps from 1; m, v and v_max start at 0)::

    g = grad + weight_decay * p          (AdamW instead: p = p * (1 - lr * weight_decay))
    m = m + (1 - beta1) * (g - m)
    v = beta2 * v + (1 - beta2) * g * g
    v_max = max(v_max, v), used for v below   if amsgrad
    p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    _squares: ClassVar[frozenset[str]] = frozenset({"exp_avg_sq", "max_exp_avg_sq"})
    _checks: ClassVar[dict[str, Check]] = {
        **Optimizer._checks,
        "betas": betas,
        "eps": POSITIVE,
        "weight_decay": NON_NEGATIVE,
        "amsgrad": flag,
    }
    _decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
        }
        super().__init__(params, defaults)

    def _state_names(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        maximum = ("max_exp_avg_sq",) if settings["amsgrad"] else ()
        return ("step", "exp_avg", "exp_avg_sq", *maximum)

    def _update(
        self, data: FloatArray, grads: FloatArray, group: ParamGroup, state: GroupState
    ) -> None:
        step = self._count_step(data, group, state)
        lr: float = group["lr"]
        betas: tuple[float, float] = group["betas"]
        beta1, beta2 = betas
        if not self._decoupled_weight_decay:
            grads = with_weight_decay(grads, data, group)
        elif group["weight_decay"]:
            data *= 1 - lr * group["weight_decay"]
        work, denominator = self._work(data, 2)
        first: FloatArray = state["exp_avg"]
        lerp_into(first, grads, 1 - beta1, work)
        second: FloatArray = state["exp_avg_sq"]  # v = v * beta2 + ((1 - beta2) * g) * g
        second *= beta2
        work = np.multiply(grads, 1 - beta2, out=work)
        work *= grads
        second += work
        if group["amsgrad"]:
            second = np.maximum(state["max_exp_avg_sq"], second, out=state["max_exp_avg_sq"])
        eps: float = group["eps"]
        step_size: float = lr / (1 - beta1**step)
        root_correction2: float = (1 - beta2**step) ** 0.5
        # p = p - (step_size * m) / (sqrt(v) / root_correction2 + eps)
        np.sqrt(second, out=denominator)
        denominator /= root_correction2
        denominator += eps
        work = np.multiply(first, step_size, out=work)
        work /= denominator
        data -= work


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), as torch.optim.AdamW: the decay
    shrinks the parameters, p = p * (1 - lr * weight_decay), instead of joining the gradient."""

    _decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
