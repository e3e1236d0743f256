"""Optimizers on parameters a tape keeps in arrays: updated in place, with state in their precision.

References: the same optimizer on plain Values (whose steps tests/test_nn_optim.py checks bit
for bit against the scalar formulas), and torch.optim in float32.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pytest
from reference import requires_torch, torch

import autograd
from autograd import Value
from nn import MLP, SGD, Adagrad, Adam, AdamW, RMSprop
from nn.losses import softmax_cross_entropy
from nn.optim import Optimizer

# Settings that take every branch of each rule (momentum, Nesterov, AMSGrad, centering, decay).
CONFIGURED: dict[str, Callable[[list[Value]], Optimizer]] = {
    "sgd": lambda ps: SGD(ps, lr=0.05),
    "sgd-momentum": lambda ps: SGD(ps, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd-nesterov": lambda ps: SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
    "adam": lambda ps: Adam(ps, lr=0.01),
    "adam-amsgrad": lambda ps: Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.01),
    "adamw": lambda ps: AdamW(ps, lr=0.01, betas=(0.3, 0.6)),  # lerp's second form
    "rmsprop": lambda ps: RMSprop(ps, lr=0.01),
    "rmsprop-centered": lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
}


def classifier() -> tuple[MLP, np.ndarray]:
    model = MLP(4, [6, 3], activation="relu", output_activation="linear", seed=1)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    return model, np.column_stack([X, np.eye(3)[rng.integers(0, 3, size=50)]])


def traced(model: MLP, dtype: str = "float64") -> autograd.Tape:
    def per_sample_loss(*row: Value) -> Value:
        return softmax_cross_entropy(model(list(row[:4])), list(row[4:]))

    return autograd.trace(per_sample_loss, 7, dtype=dtype, parameter_dtype=dtype)


@pytest.mark.parametrize("order", ["the model's", "shuffled"])
@pytest.mark.parametrize("name", sorted(CONFIGURED))
def test_a_stored_update_is_bit_for_bit_the_update_of_plain_values(name: str, order: str) -> None:
    """Shuffled, the parameters are not consecutive in the storage: the update works on a copy
    and writes it back, where in order it writes into the storage itself."""
    stored_model, XY = classifier()
    plain_model, _ = classifier()
    stored_params, plain_params = stored_model.parameters(), plain_model.parameters()
    if order == "shuffled":
        permutation = list(range(len(stored_params)))
        random.Random(4).shuffle(permutation)
        stored_params = [stored_params[i] for i in permutation]
        plain_params = [plain_params[i] for i in permutation]
    stored_tape, plain_tape = traced(stored_model), traced(plain_model)
    stored_optimizer = CONFIGURED[name](stored_params)
    plain_optimizer = CONFIGURED[name](plain_params)
    for _ in range(4):
        stored_optimizer.zero_grad()
        plain_optimizer.zero_grad()
        stored_tape.backward(XY)
        plain_tape.backward(XY)
        plain_tape.release()  # its optimizer now steps plain Values, one float at a time
        assert [p.grad for p in stored_params] == [p.grad for p in plain_params]
        stored_optimizer.step()
        plain_optimizer.step()
        assert [p.data for p in stored_params] == [p.data for p in plain_params]
    assert stored_optimizer.state_dict() == plain_optimizer.state_dict()


@pytest.mark.parametrize("name", sorted(CONFIGURED))
def test_float32_parameters_get_float32_state_as_in_torch(name: str) -> None:
    model, XY = classifier()
    tape = traced(model, "float32")
    optimizer = CONFIGURED[name](model.parameters())
    for _ in range(3):
        optimizer.zero_grad()
        tape.backward(XY)
        optimizer.step()
    numbers = [
        value
        for entry in optimizer.state_dict()["state"].values()
        for key, value in entry.items()
        if key != "step"
    ]
    if name == "sgd":  # no state
        assert numbers == []
        return
    assert numbers and all(float(np.float32(x)) == x for x in numbers)
    assert any(x != 0.0 for x in numbers)
    tape.release()  # plain float64 Values again: the state follows them into float64
    before = [p.data for p in model.parameters()]
    for p in model.parameters():
        p.grad = 1e-3
    optimizer.step()
    assert [p.data for p in model.parameters()] != before
    assert all(type(p.data) is float for p in model.parameters())


TORCH_OPTIMIZERS = {
    "sgd-momentum": lambda ps: torch.optim.SGD(
        ps, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01
    ),
    "adam-amsgrad": lambda ps: torch.optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.01),
    "adamw": lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.3, 0.6)),
    "rmsprop-centered": lambda ps: torch.optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda ps: torch.optim.Adagrad(
        ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1
    ),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(TORCH_OPTIMIZERS))
def test_float32_steps_follow_torch_float32(name: str) -> None:
    """Fed the same float32 gradients, the float32 parameters move as torch.optim moves its
    float32 tensors, to a few float32 roundings (torch fuses some multiply-adds)."""
    model, XY = classifier()
    tape = traced(model, "float32")
    params = model.parameters()
    optimizer = CONFIGURED[name](params)
    theirs = torch.tensor([p.data for p in params], dtype=torch.float32, requires_grad=True)
    torch_optimizer = TORCH_OPTIMIZERS[name]([theirs])
    for _ in range(5):
        optimizer.zero_grad()
        tape.backward(XY)
        theirs.grad = torch.tensor([p.grad for p in params], dtype=torch.float32)
        optimizer.step()
        torch_optimizer.step()
        ours = np.array([p.data for p in params], dtype=np.float32)
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=3e-6, atol=3e-7)


@pytest.mark.parametrize("name", sorted(CONFIGURED))
def test_a_step_is_quiet_whatever_numpys_error_settings_say(name: str) -> None:
    """Python floats underflow to 0 and overflow to inf without a word; an update that raised
    midway would leave its parameters and state half written (the rules work in place)."""
    results = []
    for settings in ({}, {"all": "raise"}):
        params = [Value(x) for x in (1.0, -2.0, 3e300, 1e-300)]
        optimizer = CONFIGURED[name](params)
        with np.errstate(**settings):
            for grad in (1e-200, 1e300, -1e-310):  # squares underflow and overflow
                for p in params:
                    p.grad = grad
                optimizer.step()
        results.append(repr(([p.data for p in params], optimizer.state_dict())))
    assert results[1] == results[0]  # repr: NaN compares equal to NaN


def test_an_update_rule_that_returns_its_result_is_refused_loudly() -> None:
    """The rules write into data; one written to return new data would otherwise do nothing."""

    class Returning(SGD):
        def _update(self, data, grads, group, state):  # type: ignore[no-untyped-def]
            return data - group["lr"] * grads

    p = Value(1.0)
    p.grad = 1.0
    with pytest.raises(TypeError, match=r"Returning\._update returned a value"):
        Returning([p], lr=0.1).step()
