"""Optimizers step for step against torch.optim, the notes' momentum form, a settable lr, and
bit for bit against the scalar formulas (the optimizers update their state with numpy)."""

import math
import random
import warnings

import pytest
from reference import requires_torch, torch

from autograd import Value
from nn import SGD, Adagrad, Adam, AdamW, RMSprop

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
        (
            lambda p: SGD(p, lr=0.02, momentum=0.9),
            lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9),
        ),
        (lambda p: Adagrad(p, lr=0.3), lambda p: torch.optim.Adagrad(p, lr=0.3)),
        (lambda p: Adam(p, lr=0.05), lambda p: torch.optim.Adam(p, lr=0.05)),
        (
            lambda p: Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6),
            lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6),
        ),
    ],
    ids=["sgd", "sgd-momentum", "adagrad", "adam", "adam-custom"],
)
@requires_torch
def test_fifty_steps_agree_with_torch(ours, theirs):
    assert run_ours(ours, 50) == pytest.approx(run_torch(theirs, 50), rel=1e-12, abs=1e-14)


@requires_torch
def test_lr_can_be_changed_between_steps_like_a_schedule():
    schedule = lambda k: 0.1 * (1.0 - 0.9 * k / 30)  # noqa: E731 - micrograd's linear decay
    ours = run_ours(lambda p: Adam(p, lr=1.0), 30, schedule)
    theirs = run_torch(lambda p: torch.optim.Adam(p, lr=1.0), 30, schedule)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)


def test_notes_momentum_form_is_momentum_with_the_step_size_scaled():
    # Notes 002: theta_{k+1} = theta_k + a (theta_k - theta_{k-1}) + (1 - a)(-eta grad), theta_{-1} = theta_0.
    # Unrolled, the step is -(1 - a) eta sum_j a^(k-j) g_j: torch's undamped momentum buffer times
    # lr = (1 - a) eta.
    a, eta = 0.7, 0.1
    grad = lambda t: 2 * (t - 3.0) + 0.4 * t**3  # noqa: E731 - d/dt of (t - 3)^2 + 0.1 t^4
    previous = current = 0.5
    for _ in range(25):
        previous, current = (
            current,
            current + a * (current - previous) + (1 - a) * (-eta * grad(current)),
        )
    t = Value(0.5)
    optimizer = SGD([t], lr=(1 - a) * eta, momentum=a)
    for _ in range(25):
        optimizer.zero_grad()
        ((t - 3.0) ** 2 + 0.1 * t**4).backward()
        optimizer.step()
    assert t.data == pytest.approx(current, rel=1e-13)


def test_dampening_leaves_the_first_step_undamped_as_torch_does():
    # torch.optim.SGD starts its momentum buffer at the first gradient, whatever the dampening.
    t = Value(2.0)
    optimizer = SGD([t], lr=0.5, momentum=0.7, dampening=0.7)
    t.grad = 3.0
    optimizer.step()
    assert t.data == 2.0 - 0.5 * 3.0
    t.grad = 1.0
    optimizer.step()
    assert t.data == 0.5 - 0.5 * (0.7 * 3.0 + 0.3 * 1.0)


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


# The update rules again, one number at a time in torch.optim's order of operations, kept apart
# from nn.optim so that its vectorized form is checked against the plain formulas.
def root(x):
    """math.sqrt, but NaN for a negative number as numpy gives."""
    return math.sqrt(x) if x >= 0.0 else math.nan


def lerp(start, end, weight):
    """torch.lerp's two forms (the second for weight >= 0.5)."""
    return (
        start + weight * (end - start) if abs(weight) < 0.5 else end - (end - start) * (1 - weight)
    )


class ScalarSGD:
    def __init__(self, n, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        self.momentum, self.dampening, self.decay, self.nesterov = (
            momentum,
            dampening,
            weight_decay,
            nesterov,
        )
        self.buffers = [None] * n

    def update(self, data, grads, lr):
        new = []
        for i, (x, g) in enumerate(zip(data, grads)):
            if self.decay:
                g = g + self.decay * x
            if self.momentum:
                b = self.buffers[i]
                b = g if b is None else b * self.momentum + (1.0 - self.dampening) * g
                self.buffers[i] = b
                g = g + self.momentum * b if self.nesterov else b
            new.append(x - lr * g)
        return new


class ScalarAdagrad:
    def __init__(self, n, eps=1e-10, lr_decay=0.0, weight_decay=0.0, initial=0.0):
        self.eps, self.lr_decay, self.decay, self.t = eps, lr_decay, weight_decay, 0
        self.sums = [initial] * n

    def update(self, data, grads, lr):
        self.t += 1
        decayed_lr = lr / (1 + (self.t - 1) * self.lr_decay)
        new = []
        for i, (x, g) in enumerate(zip(data, grads)):
            if self.decay:
                g = g + self.decay * x
            self.sums[i] = self.sums[i] + g * g
            new.append(x - decayed_lr * g / (root(self.sums[i]) + self.eps))
        return new


class ScalarAdam:
    def __init__(
        self, n, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False
    ):
        self.betas, self.eps, self.decay, self.amsgrad, self.decoupled = (
            betas,
            eps,
            weight_decay,
            amsgrad,
            decoupled,
        )
        self.t, self.m, self.v, self.v_max = 0, [0.0] * n, [0.0] * n, [0.0] * n

    def update(self, data, grads, lr):
        self.t += 1
        b1, b2 = self.betas
        step_size, root_correction2 = lr / (1 - b1**self.t), (1 - b2**self.t) ** 0.5
        new = []
        for i, (x, g) in enumerate(zip(data, grads)):
            if self.decay and self.decoupled:
                x = x * (1 - lr * self.decay)
            elif self.decay:
                g = g + self.decay * x
            self.m[i] = lerp(self.m[i], g, 1 - b1)
            self.v[i] = v = self.v[i] * b2 + (1 - b2) * g * g
            if self.amsgrad:
                self.v_max[i] = v = (
                    math.nan if math.isnan(v + self.v_max[i]) else max(self.v_max[i], v)
                )
            new.append(x - step_size * self.m[i] / (root(v) / root_correction2 + self.eps))
        return new


class ScalarRMSprop:
    def __init__(self, n, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        self.alpha, self.eps, self.decay, self.momentum, self.centered = (
            alpha,
            eps,
            weight_decay,
            momentum,
            centered,
        )
        self.squares, self.means, self.buffers = [0.0] * n, [0.0] * n, [0.0] * n

    def update(self, data, grads, lr):
        a = self.alpha
        new = []
        for i, (x, g) in enumerate(zip(data, grads)):
            if self.decay:
                g = g + self.decay * x
            self.squares[i] = self.squares[i] * a + (1.0 - a) * g * g
            if self.centered:
                self.means[i] = lerp(self.means[i], g, 1.0 - a)
                d = root(self.squares[i] - self.means[i] * self.means[i]) + self.eps
            else:
                d = root(self.squares[i]) + self.eps
            if self.momentum:
                self.buffers[i] = self.buffers[i] * self.momentum + g / d
                new.append(x - lr * self.buffers[i])
            else:
                new.append(x - lr * g / d)
        return new


CASES = {
    "sgd": (lambda p: SGD(p, lr=0.05), lambda n: ScalarSGD(n)),
    "sgd-momentum": (lambda p: SGD(p, lr=0.02, momentum=0.9), lambda n: ScalarSGD(n, 0.9)),
    "sgd-dampening": (
        lambda p: SGD(p, lr=0.1, momentum=0.7, dampening=0.7),
        lambda n: ScalarSGD(n, 0.7, 0.7),
    ),
    "sgd-nesterov-decay": (
        lambda p: SGD(p, lr=0.02, momentum=0.8, weight_decay=0.1, nesterov=True),
        lambda n: ScalarSGD(n, 0.8, 0.0, 0.1, True),
    ),
    "adagrad": (lambda p: Adagrad(p, lr=0.3), lambda n: ScalarAdagrad(n)),
    "adagrad-all": (
        lambda p: Adagrad(
            p, lr=0.3, lr_decay=0.01, weight_decay=0.2, initial_accumulator_value=0.5, eps=1e-3
        ),
        lambda n: ScalarAdagrad(n, 1e-3, 0.01, 0.2, 0.5),
    ),
    "adam": (lambda p: Adam(p, lr=0.05), lambda n: ScalarAdam(n)),
    "adam-custom": (
        lambda p: Adam(p, lr=0.01, betas=(0.3, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True),
        lambda n: ScalarAdam(n, (0.3, 0.99), 1e-6, 0.1, True),
    ),
    "adamw": (
        lambda p: AdamW(p, lr=0.05),
        lambda n: ScalarAdam(n, weight_decay=0.01, decoupled=True),
    ),
    "rmsprop": (lambda p: RMSprop(p, lr=0.01), lambda n: ScalarRMSprop(n)),
    "rmsprop-all": (
        lambda p: RMSprop(
            p, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5, centered=True
        ),
        lambda n: ScalarRMSprop(n, 0.9, 1e-6, 0.1, 0.5, True),
    ),
}
PAIRS, PAIR_IDS = list(CASES.values()), list(CASES)


def bits(values):
    """Each float's exact bits as text (tells -0.0 from 0.0; every NaN reads 'nan')."""
    return [float.hex(x) for x in values]


def random_grads(rng, n):
    """Gradients of very different sizes, with some exact zeros of either sign."""
    return [
        rng.choice((0.0, -0.0))
        if rng.random() < 0.05
        else rng.gauss(0.0, 10.0 ** rng.randint(-8, 3))
        for _ in range(n)
    ]


@pytest.mark.parametrize("n", [1, 40])
@pytest.mark.parametrize("ours, scalar", PAIRS, ids=PAIR_IDS)
def test_many_random_steps_equal_the_scalar_formulas_bit_for_bit(ours, scalar, n):
    rng = random.Random(6)
    expected = [rng.uniform(-2.0, 2.0) for _ in range(n)]
    params = [Value(x) for x in expected]
    optimizer, reference = ours(params), scalar(n)
    for k in range(200):
        if (
            k % 50 == 49
        ):  # a schedule: the state (velocity, sums, moments, step count) must carry over
            optimizer.lr = optimizer.lr * rng.uniform(0.1, 2.0)
        if k == 120:  # .data set by hand between steps is read by the next step
            params[0].data = expected[0] = 0.25
        grads = random_grads(rng, n)
        for p, g in zip(params, grads):
            p.grad = g
        optimizer.step()
        expected = reference.update(expected, grads, optimizer.lr)
        assert bits(p.data for p in params) == bits(expected), f"step {k + 1}"
    assert all(type(p.data) is float for p in params)


@pytest.mark.parametrize("ours, scalar", PAIRS, ids=PAIR_IDS)
def test_inf_nan_and_huge_grads_give_what_the_scalar_formulas_give_without_warnings(ours, scalar):
    grads_per_step = [
        [1e200, -1e200, 1e-320, 3.0, -0.0],  # g * g overflows; a subnormal grad
        [math.inf, 1.0, 1e-320, -math.inf, 0.0],
        [-math.inf, math.nan, 2.0, math.inf, 1.0],  # inf - inf and nan in the state
        [1.0, 1.0, 1.0, 1.0, 1.0],
    ]
    expected = [1.0, -2.0, 1e300, 0.0, -0.0]
    params = [Value(x) for x in expected]
    optimizer, reference = ours(params), scalar(len(params))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's floating-point warnings would now raise
        for grads in grads_per_step:
            for p, g in zip(params, grads):
                p.grad = g
            optimizer.step()
            expected = reference.update(expected, grads, optimizer.lr)
            assert bits(p.data for p in params) == bits(expected)
    assert all(type(p.data) is float for p in params)


@requires_torch
def test_step_takes_a_closure_and_returns_its_loss_as_torch_optim_does():
    # ported torch code calls optimizer.step(closure); it was a TypeError
    from autograd import no_grad

    def closure_loop(params, optimizer, steps):
        losses = []
        for _ in range(steps):

            def closure():
                optimizer.zero_grad()
                loss = objective(params)
                loss.backward()
                return loss

            loss = optimizer.step(closure)
            losses.append(loss.item() if hasattr(loss, "item") else loss.data)
        return losses, [p.item() if hasattr(p, "item") else p.data for p in params]

    ours = [Value(x) for x in START]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    with no_grad():  # the closure records its graph even so, as torch's step does
        our_losses, our_params = closure_loop(ours, Adam(ours, lr=0.05), 20)
    their_losses, their_params = closure_loop(theirs, torch.optim.Adam(theirs, lr=0.05), 20)
    assert our_losses == pytest.approx(their_losses, rel=1e-12)
    assert our_params == pytest.approx(their_params, rel=1e-12)
    assert SGD([Value(1.0)], lr=0.1).step() is None
