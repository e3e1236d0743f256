"""Learning-rate schedules, as torch.optim.lr_scheduler: objects that only change each parameter group's lr.

A schedule sets the lr for epoch 0 when it is made and moves one epoch on per ``step()`` (call
it after each epoch's optimizer steps, as in torch; ``nn.train`` does so when given one as
``lr_schedule``). As torch's, each one updates the lr a group has now (mostly multiplying it),
so two schedules on one optimizer compose (a warm-up then a decay) and an lr changed by hand
carries on from there; the class docstrings give the lr each reaches alone, in closed form.
``base_lrs`` are the groups' lrs before the first schedule on the optimizer
(``Optimizer.initial_lrs``, torch's "initial_lr"). Checked number for number against torch in
tests/test_nn_schedules.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .optim import Optimizer
from .optim.settings import NON_NEGATIVE, UNIT, interval, learning_rate

# A state saved without the lrs is replayed epoch by epoch (0.3 s a million epochs and group)
MAX_REPLAYED_EPOCHS = 1_000_000


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, not {value!r}")
    return value


def _optimizer(value: object) -> Optimizer:
    if not isinstance(value, Optimizer):
        raise TypeError(f"a schedule needs an nn optimizer, not {type(value).__name__}")
    return value


class LRScheduler:
    """The base: each epoch sets every group's lr to ``next_lr(epoch, lr, base_lr, group_index)``."""

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = _optimizer(optimizer)
        self.base_lrs: list[float] = []
        self._cover_added_groups()  # every group, from the lrs the first schedule found
        self.last_epoch = 0
        self._apply(0)

    def next_lr(self, epoch: int, lr: float, base_lr: float, group_index: int) -> float:
        """The learning rate of group ``group_index`` at ``epoch``, from its lr now (``lr``, the
        previous epoch's unless changed since) and its lr before any schedule (``base_lr``)."""
        raise NotImplementedError

    def step(self) -> None:
        """Move on one epoch and set the groups' lrs for it."""
        self._apply(self.last_epoch + 1)

    def _cover_added_groups(self) -> None:
        """Give the groups added since (``add_param_group``) a base lr: they are scheduled too,
        as in torch, from their lr when first met."""
        groups = self.optimizer.param_groups
        if len(groups) > len(self.base_lrs):
            initial = self.optimizer.initial_lrs
            initial.extend(group["lr"] for group in groups[len(initial) :])
            self.base_lrs = [*self.base_lrs, *initial[len(self.base_lrs) : len(groups)]]

    def state_dict(self) -> dict[str, Any]:
        """``{"last_epoch": ..., "base_lrs": [...], "last_lrs": [...]}``: what a schedule made
        again needs to resume (``last_lrs``: every group's lr now, set again on loading)."""
        self._cover_added_groups()
        return {
            "last_epoch": self.last_epoch,
            "base_lrs": list(self.base_lrs),
            "last_lrs": [group["lr"] for group in self.optimizer.param_groups],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Take ``last_epoch``, ``base_lrs`` and the groups' lrs from ``state``.

        The lrs are set again because making this schedule already moved them to its epoch 0
        (a warm-up's start factor); the next ``step()`` goes on from the saved ones. A state
        saved before ``last_lrs`` was kept gets the lrs this schedule alone reaches at
        ``last_epoch`` from ``base_lrs``, as such states were loaded then."""
        keys = {"last_epoch", "base_lrs"}
        if not isinstance(state, Mapping) or set(state) - {"last_lrs"} != keys:
            raise ValueError(
                'a schedule state has the keys "last_epoch", "base_lrs" and "last_lrs"'
            )
        epoch = state["last_epoch"]
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"last_epoch must be an int >= 0, not {epoch!r}")
        self._cover_added_groups()
        groups = len(self.base_lrs)
        lists = {name: state[name] for name in ("base_lrs", "last_lrs") if name in state}
        for name, rates in lists.items():
            if not isinstance(rates, list) or len(rates) != groups:
                raise ValueError(
                    f"{name} must be a list of {groups} learning rates (one per group)"
                )
        checked = {name: [learning_rate(name, lr) for lr in rates] for name, rates in lists.items()}
        rates = checked.get("last_lrs") or self._rates_alone(epoch, checked["base_lrs"])
        self.base_lrs = checked["base_lrs"]
        for group, rate in zip(self.optimizer.param_groups, rates):
            group["lr"] = rate
        self.last_epoch = epoch
        self._last_lrs = rates

    def _rates_alone(self, last_epoch: int, base_lrs: list[float]) -> list[float]:
        """Every group's lr at ``last_epoch``, this schedule stepping alone from ``base_lrs``."""
        if last_epoch > MAX_REPLAYED_EPOCHS:
            raise ValueError(
                f"last_epoch {last_epoch:,} is too far to replay (at most {MAX_REPLAYED_EPOCHS:,}) "
                'for a state without "last_lrs"; give the lrs as "last_lrs"'
            )
        rates = []
        for i, base in enumerate(base_lrs):
            rate = base
            for epoch in range(last_epoch + 1):
                rate = self.next_lr(epoch, rate, base, i)
            rates.append(learning_rate("lr", rate))
        return rates

    def get_last_lr(self) -> list[float]:
        """The lr this schedule last set for every group, as torch's: with two schedules on one
        optimizer, or an lr changed by hand since, the groups' lrs now may differ from these."""
        return list(self._last_lrs)

    def _apply(self, epoch: int) -> None:
        """Set every group's lr for ``epoch``; if any is not a valid lr, raise and change nothing."""
        groups = self.optimizer.param_groups
        self._cover_added_groups()
        rates = []
        for i, (group, base) in enumerate(zip(groups, self.base_lrs)):
            try:
                rates.append(learning_rate("lr", self.next_lr(epoch, group["lr"], base, i)))
            except (TypeError, ValueError) as error:
                raise ValueError(f"{type(self).__name__} at epoch {epoch}: {error}") from None
        for group, rate in zip(groups, rates):
            group["lr"] = rate
        self.last_epoch = epoch
        self._last_lrs = rates


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): decays by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _positive_int("step_size", step_size)
        self.gamma: float = NON_NEGATIVE("gamma", gamma)
        super().__init__(optimizer)

    def next_lr(self, epoch: int, lr: float, base_lr: float, group_index: int) -> float:
        """lr times gamma at every step_size-th epoch."""
        return lr * self.gamma if epoch > 0 and epoch % self.step_size == 0 else lr


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma: float = NON_NEGATIVE("gamma", gamma)
        super().__init__(optimizer)

    def next_lr(self, epoch: int, lr: float, base_lr: float, group_index: int) -> float:
        """lr times gamma, from epoch 1 on."""
        return lr * self.gamma if epoch > 0 else lr


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2: half a cosine from base_lr
    down to ``eta_min`` over ``T_max`` epochs (and back up after, as torch's)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = _positive_int("T_max", T_max)
        self.eta_min: float = NON_NEGATIVE("eta_min", eta_min)
        super().__init__(optimizer)

    def next_lr(self, epoch: int, lr: float, base_lr: float, group_index: int) -> float:
        """The distance to eta_min times the ratio of this epoch's cosine term to the last's; at
        the bottom of the cosine (where that ratio is 0/0) the step up from there instead."""
        if epoch == 0:
            return lr
        if (epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return lr + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
        ratio = (1 + math.cos(math.pi * epoch / self.T_max)) / (
            1 + math.cos(math.pi * (epoch - 1) / self.T_max)
        )
        return ratio * (lr - self.eta_min) + self.eta_min


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

    def next_lr(self, epoch: int, lr: float, base_lr: float, group_index: int) -> float:
        """lr times start_factor at epoch 0; then times the ratio of this epoch's factor to the
        last's, until total_iters."""
        if epoch == 0:
            return lr * self.start_factor
        if epoch > self.total_iters:
            return lr
        change = self.end_factor - self.start_factor
        return lr * (1.0 + change / (self.total_iters * self.start_factor + (epoch - 1) * change))


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

    def next_lr(self, epoch: int, lr: float, base_lr: float, group_index: int) -> float:
        """base_lr times the group's lambda of the epoch (not chained: as in torch, it sets the
        lr whatever it was)."""
        if group_index >= len(self.lr_lambdas):
            raise ValueError(
                f"{len(self.lr_lambdas)} lr_lambda(s) for {group_index + 1} or more parameter "
                "groups: a group was added after this schedule was made"
            )
        factor: float = self.lr_lambdas[group_index](epoch)
        return base_lr * factor
