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
        assert ours == theirs, f"epoch {epoch}"  # the same recurrences, to the last bit
    assert len({tuple(r) for r in mine}) > 2  # the schedule does change the rates


def chained_rates(make_optimizer, schedules, edit):
    """The lrs over 12 epochs of two schedules on one optimizer, halving them by hand at epoch 7;
    with what each schedule's get_last_lr() says, after every step and after the halving."""
    optimizer = make_optimizer()
    made = [make(optimizer) for make in schedules]

    def now():
        return optimizer.param_groups[0]["lr"], [schedule.get_last_lr() for schedule in made]

    rates = [now()]
    for epoch in range(1, 13):
        if edit and epoch == 7:
            for group in optimizer.param_groups:
                group["lr"] = group["lr"] / 2
            rates.append(now())
        for schedule in made:
            schedule.step()
            rates.append(now())
    return rates


@requires_torch
@pytest.mark.parametrize("edit", [False, True], ids=["chained", "chained, lr halved by hand"])
def test_two_schedules_on_one_optimizer_compose_as_in_torch(edit):
    """A warm-up then a decay (LinearLR with ExponentialLR), and a cosine after a step decay:
    each multiplies the lr the other left, and an lr set by hand carries on, as in torch."""
    pairs = [
        (("LinearLR", dict(start_factor=0.1, total_iters=5)), ("ExponentialLR", dict(gamma=0.9))),
        (("StepLR", dict(step_size=3, gamma=0.5)), ("CosineAnnealingLR", dict(T_max=4))),
    ]
    for first, second in pairs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = chained_rates(
                lambda: torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1),
                [
                    lambda o, s=spec: getattr(torch.optim.lr_scheduler, s[0])(o, **s[1])
                    for spec in (first, second)
                ],
                edit,
            )
        ours = chained_rates(
            lambda: SGD([Value(1.0)], lr=0.1),
            [lambda o, s=spec: OURS[s[0]](o, **s[1]) for spec in (first, second)],
            edit,
        )
        assert ours == theirs, (first[0], second[0])
    assert len({lr for lr, _ in theirs}) > 8  # the lr does move, epoch after epoch
    # each schedule reports the lr it set, not the group's lr now (that once differed)
    assert any(last[0] != [lr] for lr, last in theirs)


def test_a_warm_up_then_a_decay_by_hand():
    """LinearLR(0.1 -> 1 over 5) with ExponentialLR(0.9) from lr 0.1, derived by hand: epoch 5
    has the full warm-up (0.1 x 1.0) and five decays (0.9^5)."""
    optimizer = SGD([Value(1.0)], lr=0.1)
    warm_up = LinearLR(optimizer, start_factor=0.1, total_iters=5)
    decay = ExponentialLR(optimizer, gamma=0.9)
    assert optimizer.lr == pytest.approx(0.01, rel=1e-15)
    for _ in range(5):
        warm_up.step()
        decay.step()
    assert optimizer.lr == pytest.approx(0.1 * 0.9**5, rel=1e-14)
    assert decay.base_lrs == [0.1]  # the lr before the first schedule, as torch's initial_lr


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
    with pytest.raises(ValueError, match="last_lrs must be a list of 2 learning rates"):
        again.load_state_dict({"last_epoch": 3, "base_lrs": [0.1, 0.1], "last_lrs": [0.1]})
    with pytest.raises(ValueError, match="last_epoch must be an int >= 0, not -1"):
        again.load_state_dict({"last_epoch": -1, "base_lrs": [0.1, 0.1]})


def test_a_warm_up_resumes_on_a_new_optimizer_from_saved_states():
    """Made again, LinearLR first multiplies the lr by its start factor; loading its state
    sets the saved lrs back, so 3 + 4 epochs equal 7 uninterrupted ones."""

    def optimizer():
        return SGD([{"params": [Value(1.0)], "lr": lr} for lr in BASE_LRS])

    def warm_up(on):
        return LinearLR(on, start_factor=0.25, total_iters=6)

    uninterrupted = optimizer()
    schedule = warm_up(uninterrupted)
    for _ in range(7):
        schedule.step()
    first = optimizer()
    schedule = warm_up(first)
    for _ in range(3):
        schedule.step()
    saved_optimizer, saved_schedule = first.state_dict(), schedule.state_dict()
    again = optimizer()
    again.load_state_dict(saved_optimizer)
    schedule = warm_up(again)  # made on the loaded optimizer: its lrs times 0.25
    schedule.load_state_dict(saved_schedule)
    for _ in range(4):
        schedule.step()
    assert schedule.get_last_lr() == [g["lr"] for g in uninterrupted.param_groups]
    assert schedule.base_lrs == list(BASE_LRS)


@pytest.mark.parametrize("with_optimizer_state", [False, True])
def test_a_state_saved_without_last_lrs_resumes_at_its_epoch(with_optimizer_state):
    """{"last_epoch", "base_lrs"} as the previous release saved them: the lr is that of the
    schedule alone at the epoch, by hand 0.1 (0.25 + 0.75 * 3 / 6) = 0.0625, then the full 0.1."""
    optimizer = SGD([Value(1.0)], lr=0.1)
    if with_optimizer_state:
        optimizer.lr = 0.0625  # as optimizer.load_state_dict restores it
    schedule = LinearLR(optimizer, start_factor=0.25, total_iters=6)
    schedule.load_state_dict({"last_epoch": 3, "base_lrs": [0.1]})
    assert optimizer.lr == pytest.approx(0.0625, rel=1e-15)
    for _ in range(3):
        schedule.step()
    assert optimizer.lr == pytest.approx(0.1, rel=1e-15)


@requires_torch
def test_a_group_added_after_the_schedule_is_scheduled_too():
    """torch's ExponentialLR decays a group added by add_param_group: 0.5, 0.45, 0.405, ..."""

    def rates(optimizer, schedule, add):
        for _ in range(2):
            schedule.step()
        add()
        seen = []
        for _ in range(4):
            schedule.step()
            seen.append([group["lr"] for group in optimizer.param_groups])
        return seen

    theirs_optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with warnings.catch_warnings():  # "lr_scheduler.step() before optimizer.step()"
        warnings.simplefilter("ignore")
        theirs = rates(
            theirs_optimizer,
            torch.optim.lr_scheduler.ExponentialLR(theirs_optimizer, gamma=0.9),
            lambda: theirs_optimizer.add_param_group(
                {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5}
            ),
        )
    ours_optimizer = SGD([Value(1.0)], lr=0.1)
    ours = rates(
        ours_optimizer,
        ExponentialLR(ours_optimizer, gamma=0.9),
        lambda: ours_optimizer.add_param_group({"params": [Value(2.0)], "lr": 0.5}),
    )
    assert ours == theirs and theirs[0][1] == 0.5 * 0.9


def test_a_state_without_last_lrs_too_far_to_replay_is_refused_and_changes_nothing():
    optimizer = SGD([Value(1.0)], lr=0.1)
    schedule = StepLR(optimizer, step_size=2)
    with pytest.raises(ValueError, match="last_epoch 1,000,000,000 is too far to replay"):
        schedule.load_state_dict({"last_epoch": 10**9, "base_lrs": [0.2]})
    assert (schedule.last_epoch, schedule.base_lrs, optimizer.lr) == (0, [0.1], 0.1)


def test_a_group_added_after_a_lambda_schedule_is_named_and_states_round_trip():
    optimizer = SGD([Value(1.0)], lr=0.1)
    schedule = LambdaLR(optimizer, lambda epoch: 0.5**epoch)
    optimizer.add_param_group({"params": [Value(2.0)], "lr": 0.3})
    with pytest.raises(ValueError, match=r"LambdaLR at epoch 1: 1 lr_lambda\(s\) for 2 or more"):
        schedule.step()
    assert optimizer.param_groups[0]["lr"] == 0.1  # nothing changed

    def made_then_grown():
        optimizer = SGD([Value(1.0)], lr=0.1)
        schedule = ExponentialLR(optimizer, gamma=0.9)
        optimizer.add_param_group({"params": [Value(2.0)], "lr": 0.3})
        return optimizer, schedule

    optimizer, schedule = made_then_grown()
    saved = schedule.state_dict()  # before any step covers the new group
    assert saved["base_lrs"] == [0.1, 0.3] and saved["last_lrs"] == [0.1, 0.3]
    schedule.step()
    saved = schedule.state_dict()
    _, again = made_then_grown()
    again.load_state_dict(saved)
    again.step()
    schedule.step()
    assert again.get_last_lr() == schedule.get_last_lr()
    assert schedule.get_last_lr() == pytest.approx([0.1 * 0.9**2, 0.3 * 0.9**2], rel=1e-15)
