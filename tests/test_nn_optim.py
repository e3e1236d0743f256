"""Optimizers step for step against torch.optim, the notes' momentum form, and a settable lr."""

import math

import pytest

from autograd import Value
from nn import SGD, Adagrad, Adam

torch = pytest.importorskip("torch", reason="PyTorch is not installed: these nn parity tests need it (CI installs torch==2.13.0)")

START = [1.5, -0.7, 0.2]


def objective(xs):
    """A smooth non-quadratic function of three numbers; works on Values and on tensors."""
    a, b, c = xs
    return (a - 1) ** 2 + 3 * (b + 0.5) ** 4 + a * b * c + (c * c + 1) ** 0.5


def run_ours(make_optimizer, steps, lr_at=None):
    params = [Value(x) for x in START]
    optimizer = make_optimizer(params)
    for k in range(steps):
        if lr_at:
            optimizer.lr = lr_at(k)
        optimizer.zero_grad()
        objective(params).backward()
        optimizer.step()
    return [p.data for p in params]


def run_torch(make_optimizer, steps, lr_at=None):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    optimizer = make_optimizer(params)
    for k in range(steps):
        if lr_at:
            for group in optimizer.param_groups:
                group["lr"] = lr_at(k)
        optimizer.zero_grad()
        objective(params).backward()
        optimizer.step()
    return [p.item() for p in params]


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda p: SGD(p, lr=0.05), lambda p: torch.optim.SGD(p, lr=0.05)),
        (lambda p: SGD(p, lr=0.02, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9)),
        (lambda p: Adagrad(p, lr=0.3), lambda p: torch.optim.Adagrad(p, lr=0.3)),
        (lambda p: Adam(p, lr=0.05), lambda p: torch.optim.Adam(p, lr=0.05)),
        (lambda p: Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6),
         lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6)),  # fmt: skip
    ],
    ids=["sgd", "sgd-momentum", "adagrad", "adam", "adam-custom"],
)
def test_fifty_steps_agree_with_torch(ours, theirs):
    assert run_ours(ours, 50) == pytest.approx(run_torch(theirs, 50), rel=1e-12, abs=1e-14)


def test_lr_can_be_changed_between_steps_like_a_schedule():
    schedule = lambda k: 0.1 * (1.0 - 0.9 * k / 30)  # noqa: E731 - micrograd's linear decay
    ours = run_ours(lambda p: Adam(p, lr=1.0), 30, schedule)
    theirs = run_torch(lambda p: torch.optim.Adam(p, lr=1.0), 30, schedule)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)


def test_notes_momentum_form_is_momentum_with_dampening():
    # Notes 002: theta_{k+1} = theta_k + a (theta_k - theta_{k-1}) + (1 - a)(-eta grad), theta_{-1} = theta_0.
    a, eta = 0.7, 0.1
    grad = lambda t: 2 * (t - 3.0) + 0.4 * t**3  # noqa: E731 - d/dt of (t - 3)^2 + 0.1 t^4
    previous = current = 0.5
    for _ in range(25):
        previous, current = current, current + a * (current - previous) + (1 - a) * (-eta * grad(current))
    t = Value(0.5)
    optimizer = SGD([t], lr=eta, momentum=a, dampening=a)
    for _ in range(25):
        optimizer.zero_grad()
        ((t - 3.0) ** 2 + 0.1 * t**4).backward()
        optimizer.step()
    assert t.data == pytest.approx(current, rel=1e-13)


def test_zero_grad_and_step_touch_only_their_parameters():
    kept, moved = Value(1.0), Value(1.0)
    optimizer = SGD([moved, moved], lr=0.5)  # a parameter listed twice is updated once
    (kept * moved * 2.0).backward()
    optimizer.step()
    assert moved.data == 0.0 and kept.data == 1.0
    optimizer.zero_grad()
    assert moved.grad == 0.0 and kept.grad == 2.0


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="learning rate must be a finite number >= 0"):
        SGD([Value(1.0)], lr=-1.0)
    with pytest.raises(ValueError, match="optimizer got no parameters"):
        Adam([])
    with pytest.raises(ValueError, match=r"momentum must lie in \[0, 1\)"):
        SGD([Value(1.0)], lr=0.1, momentum=1.0)
    with pytest.raises(TypeError, match="parameter 0 is float, not a Value"):
        SGD([1.0], lr=0.1)
    optimizer = Adagrad([Value(1.0)])
    with pytest.raises(ValueError):
        optimizer.lr = math.nan
