"""Adagrad: per-parameter step sizes from the sum of squared gradients, as torch.optim.Adagrad."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from autograd import Value

from .flat import FloatArray
from .optimizer import GroupState, Optimizer, ParamGroup, with_weight_decay
from .settings import NON_NEGATIVE, POSITIVE, Check


class Adagrad(Optimizer):
    """Adagrad, as torch.optim.Adagrad (t counts the steps from 1; G starts at initial_accumulator_value)::

    g = grad + weight_decay * p
    G = G + g * g
    p = p - (lr / (1 + (t - 1) * lr_decay)) * g / (sqrt(G) + eps)
    """

    _squares: ClassVar[frozenset[str]] = frozenset({"sum"})
    _checks: ClassVar[dict[str, Check]] = {
        **Optimizer._checks,
        "lr_decay": NON_NEGATIVE,
        "weight_decay": NON_NEGATIVE,
        "initial_accumulator_value": NON_NEGATIVE,
        "eps": POSITIVE,
    }

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
        }
        super().__init__(params, defaults)

    def _state_names(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        return ("step", "sum")

    def _update(
        self, data: FloatArray, grads: FloatArray, group: ParamGroup, state: GroupState
    ) -> None:
        if not state:
            accumulator = group["initial_accumulator_value"]
            state.update(step=0, sum=np.full(len(data), accumulator, dtype=data.dtype))
        state["step"] += 1
        grads = with_weight_decay(grads, data, group)
        eps: float = group["eps"]
        decayed_lr: float = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        work, denominator = self._work(data, 2)
        sum_squares: FloatArray = state["sum"]  # G = G + g * g
        sum_squares += np.multiply(grads, grads, out=work)
        # p = p - (decayed_lr * g) / (sqrt(G) + eps)
        np.sqrt(sum_squares, out=denominator)
        denominator += eps
        work = np.multiply(grads, decayed_lr, out=work)
        work /= denominator
        data -= work
