"""Learning-rate schedules against torch.optim.lr_scheduler, epoch by epoch, and their checks."""

import math
import warnings

import pytest
from reference import requires_torch, torch

from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    StepLR,
    make_moons,
    train,
)

EPOCHS = 60
BASE_LRS = (0.1, 0.03)

SCHEDULES = {
    "step": ("StepLR", dict(step_size=7)),
    "step-gamma": ("StepLR", dict(step_size=3, gamma=0.5)),
    "exponential": ("ExponentialLR", dict(gamma=0.93)),
    "cosine": ("CosineAnnealingLR", dict(T_max=25)),
    "cosine-floor": ("CosineAnnealingLR", dict(T_max=40, eta_min=0.001)),
    "linear-warmup": ("LinearLR", dict()),
    "linear-custom": ("LinearLR", dict(start_factor=0.1, end_factor=0.5, total_iters=20)),
    "lambda": ("LambdaLR", dict(lr_lambda=lambda epoch: 1.0 / (1.0 + 0.1 * epoch))),
    "lambda-per-group": (
        "LambdaLR",
        dict(lr_lambda=[lambda epoch: 0.97**epoch, lambda epoch: min(1.0, (epoch + 1) / 10)]),
    ),
}
OURS = {
    "StepLR": StepLR,
    "ExponentialLR": ExponentialLR,
    "CosineAnnealingLR": CosineAnnealingLR,
    "LinearLR": LinearLR,
    "LambdaLR": LambdaLR,
}


def our_rates(name, settings):
    optimizer = SGD([{"params": [Value(1.0)], "lr": lr} for lr in BASE_LRS])
    schedule = OURS[name](optimizer, **settings)
    rates = [schedule.get_last_lr()]
    for _ in range(EPOCHS):
        schedule.step()
        rates.append([group["lr"] for group in optimizer.param_groups])
    return rates


def torch_rates(name, settings):
    groups = [
        {"params": [torch.zeros(1, dtype=torch.float64, requires_grad=True)], "lr": lr}
        for lr in BASE_LRS
    ]
    optimizer = torch.optim.SGD(groups)
    schedule = getattr(torch.optim.lr_scheduler, name)(optimizer, **settings)
    rates = [schedule.get_last_lr()]
    for _ in range(EPOCHS):
        optimizer.step()
        schedule.step()
        rates.append([group["lr"] for group in optimizer.param_groups])
    return rates


@requires_torch
@pytest.mark.parametrize("case", list(SCHEDULES))
def test_every_epochs_learning_rates_agree_with_torch(case):
    name, settings = SCHEDULES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch_rates(name, settings)
    mine = our_rates(name, settings)
    for epoch, (ours, theirs) in enumerate(zip(mine, expected)):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15), f"epoch {epoch}"
    assert len({tuple(r) for r in mine}) > 2  # the schedule does change the rates


def test_train_steps_a_schedule_after_each_epoch():
    X, y = make_moons(20, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    optimizer = Adam(model.parameters(), lr=0.1)
    schedule = StepLR(optimizer, step_size=2, gamma=0.5)
    train(model, X, y, optimizer=optimizer, epochs=5, lr_schedule=schedule, batch_size=None)
    assert schedule.last_epoch == 5 and optimizer.lr == 0.1 * 0.5**2
    with pytest.raises(ValueError, match="lr_schedule belongs to another optimizer"):
        train(model, X, y, optimizer=Adam(model.parameters()), epochs=1, lr_schedule=schedule)


def test_bad_schedules_are_refused():
    optimizer = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="step_size must be a positive int, not 0"):
        StepLR(optimizer, step_size=0)
    with pytest.raises(ValueError, match=r"gamma must lie in \[0, inf\), not nan"):
        ExponentialLR(optimizer, gamma=math.nan)
    with pytest.raises(ValueError, match=r"start_factor must lie in \(0, 1\]"):
        LinearLR(optimizer, start_factor=0.0)
    with pytest.raises(TypeError, match="a schedule needs an nn optimizer, not list"):
        CosineAnnealingLR([Value(1.0)], T_max=3)
    with pytest.raises(TypeError, match="or a list of 1 \\(one per group\\)"):
        LambdaLR(optimizer, lr_lambda=[abs, abs])
    schedule = LambdaLR(optimizer, lr_lambda=lambda epoch: 1.0 if epoch < 2 else math.nan)
    schedule.step()
    with pytest.raises(
        ValueError, match="LambdaLR at epoch 2: learning rate must be a finite number >= 0, not nan"
    ):
        schedule.step()
    assert optimizer.lr == 0.1 and schedule.last_epoch == 1


def test_a_schedule_made_again_resumes_from_its_state():
    def run(stop):
        optimizer = SGD([{"params": [Value(1.0)], "lr": lr} for lr in BASE_LRS])
        schedule = CosineAnnealingLR(optimizer, T_max=10, eta_min=0.001)
        for _ in range(stop):
            schedule.step()
        return optimizer, schedule

    uninterrupted, _ = run(9)
    optimizer, schedule = run(4)
    state = schedule.state_dict()
    again = CosineAnnealingLR(optimizer, T_max=10, eta_min=0.001)  # its base lrs are now epoch 4's
    again.load_state_dict(state)
    for _ in range(5):
        again.step()
    assert again.get_last_lr() == [g["lr"] for g in uninterrupted.param_groups]
    with pytest.raises(ValueError, match="base_lrs must be a list of 2 learning rates"):
        again.load_state_dict({"last_epoch": 3, "base_lrs": [0.1]})
    with pytest.raises(ValueError, match="last_epoch must be an int >= 0, not -1"):
        again.load_state_dict({"last_epoch": -1, "base_lrs": [0.1, 0.1]})
