"""Learning-rate schedules, as torch.optim.lr_scheduler: objects that only change each parameter group's lr.

A schedule remembers every group's lr when it is made (``base_lrs``), sets the lr for epoch 0
at once, and moves one epoch on per ``step()`` (call it after each epoch's optimizer steps, as
in torch; ``nn.train`` does so when given one as ``lr_schedule``). Each lr is computed from
the base lr by the closed formula in the class docstring; torch updates its lrs by recurrence,
which gives the same numbers to rounding (checked against torch in tests/test_nn_schedules.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .optim import Optimizer
from .optim.settings import NON_NEGATIVE, UNIT, interval, learning_rate


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, not {value!r}")
    return value


def _optimizer(value: object) -> Optimizer:
    if not isinstance(value, Optimizer):
        raise TypeError(f"a schedule needs an nn optimizer, not {type(value).__name__}")
    return value


class LRScheduler:
    """The base: sets every group's lr to ``lr_at(epoch, base_lr, group_index)`` for the current epoch."""

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = _optimizer(optimizer)
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._apply(0)

    def lr_at(self, epoch: int, base_lr: float, group_index: int) -> float:
        """The learning rate of group ``group_index`` at ``epoch``."""
        raise NotImplementedError

    def step(self) -> None:
        """Move on one epoch and set the groups' lrs for it."""
        self._apply(self.last_epoch + 1)

    def state_dict(self) -> dict[str, Any]:
        """``{"last_epoch": ..., "base_lrs": [...]}``: what a schedule made again needs to resume."""
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Take ``last_epoch`` and ``base_lrs`` from ``state`` and set the groups' lrs for that epoch."""
        if not isinstance(state, Mapping) or set(state) != {"last_epoch", "base_lrs"}:
            raise ValueError('a schedule state has exactly the keys "last_epoch" and "base_lrs"')
        epoch, rates = state["last_epoch"], state["base_lrs"]
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"last_epoch must be an int >= 0, not {epoch!r}")
        if not isinstance(rates, list) or len(rates) != len(self.base_lrs):
            raise ValueError(
                f"base_lrs must be a list of {len(self.base_lrs)} learning rates (one per group)"
            )
        previous, self.base_lrs = self.base_lrs, [learning_rate("base_lrs", lr) for lr in rates]
        try:
            self._apply(epoch)
        except ValueError:
            self.base_lrs = previous
            raise

    def get_last_lr(self) -> list[float]:
        """The lr of every group, as last set."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def _apply(self, epoch: int) -> None:
        """Set every group's lr for ``epoch``; if any is not a valid lr, raise and change nothing."""
        rates = []
        for i, base in enumerate(self.base_lrs):
            try:
                rates.append(learning_rate("lr", self.lr_at(epoch, base, i)))
            except (TypeError, ValueError) as error:
                raise ValueError(f"{type(self).__name__} at epoch {epoch}: {error}") from None
        for group, rate in zip(self.optimizer.param_groups, rates):
            group["lr"] = rate
        self.last_epoch = epoch


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): decays by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _positive_int("step_size", step_size)
        self.gamma: float = NON_NEGATIVE("gamma", gamma)
        super().__init__(optimizer)

    def lr_at(self, epoch: int, base_lr: float, group_index: int) -> float:
        """base_lr * gamma ** (epoch // step_size)."""
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma: float = NON_NEGATIVE("gamma", gamma)
        super().__init__(optimizer)

    def lr_at(self, epoch: int, base_lr: float, group_index: int) -> float:
        """base_lr * gamma ** epoch."""
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2: half a cosine from base_lr
    down to ``eta_min`` over ``T_max`` epochs (and back up after, as torch's)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = _positive_int("T_max", T_max)
        self.eta_min: float = NON_NEGATIVE("eta_min", eta_min)
        super().__init__(optimizer)

    def lr_at(self, epoch: int, base_lr: float, group_index: int) -> float:
        """eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2."""
        cosine = 1 + math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (base_lr - self.eta_min) * cosine / 2


class LinearLR(LRScheduler):
    """lr = base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) / total_iters):
    a linear warm-up (or cool-down) over ``total_iters`` epochs, constant after."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
    ) -> None:
        self.start_factor: float = interval(0.0, 1.0, low_open=True)("start_factor", start_factor)
        self.end_factor: float = UNIT("end_factor", end_factor)
        self.total_iters = _positive_int("total_iters", total_iters)
        super().__init__(optimizer)

    def lr_at(self, epoch: int, base_lr: float, group_index: int) -> float:
        """base_lr times a factor going linearly from start_factor to end_factor over total_iters."""
        progress = min(epoch, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch); one function for every group, or a list with one per group."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
    ) -> None:
        groups = len(_optimizer(optimizer).param_groups)
        functions = list(lr_lambda) if isinstance(lr_lambda, Sequence) else [lr_lambda] * groups
        if len(functions) != groups or not all(map(callable, functions)):
            raise TypeError(
                f"lr_lambda must be a function of the epoch, or a list of {groups} (one per group)"
            )
        self.lr_lambdas = functions
        super().__init__(optimizer)

    def lr_at(self, epoch: int, base_lr: float, group_index: int) -> float:
        """base_lr times the group's lambda of the epoch."""
        factor: float = self.lr_lambdas[group_index](epoch)
        return base_lr * factor
