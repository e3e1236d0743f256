"""trace(..., dtype="float32", parameter_dtype="float32"): the parameters kept in float32 while
the tape is in use, as a PyTorch float32 model keeps them.

References: numpy's float32 rounding and arithmetic, and the mixed-precision float32 tape
(float64 parameters), whose gradients the other tests check against float64 and finite
differences. Reading the same rounded parameters and computing in float32, both tapes give the
same gradient bits from a zero start.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Value
from nn import MLP
from nn.losses import softmax_cross_entropy
from nn.optim import OPTIMIZERS


def classifier() -> tuple[MLP, list[Value], np.ndarray]:
    model = MLP(4, [6, 3], activation="relu", output_activation="linear", seed=1)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    XY = np.column_stack([X, np.eye(3)[rng.integers(0, 3, size=50)]])
    return model, model.parameters(), XY


def traced(model: MLP, parameter_dtype: str) -> autograd.Tape:
    def per_sample_loss(*row: Value) -> Value:
        return softmax_cross_entropy(model(list(row[:4])), list(row[4:]))

    return autograd.trace(per_sample_loss, 7, dtype="float32", parameter_dtype=parameter_dtype)


def as_float32(numbers: list[float]) -> list[float]:
    return [float(x) for x in np.asarray(numbers, dtype=np.float32)]


def test_the_first_call_rounds_the_parameters_to_float32_and_they_stay_float32() -> None:
    model, params, XY = classifier()
    before = [p.data for p in params]
    tape = traced(model, "float32")
    assert [p.data for p in params] == before  # tracing alone changes nothing
    tape.forward(XY)
    assert [p.data for p in params] == as_float32(before)
    params[0].data = 0.1  # set while stored: kept as float32 keeps it
    assert params[0].data == float(np.float32(0.1))
    tape.release()
    assert type(params[0]) is Value and params[0].data == float(np.float32(0.1))
    assert [p.data for p in params[1:]] == as_float32(before[1:])


def test_gradients_are_those_of_the_mixed_precision_tape() -> None:
    model, params, XY = classifier()
    for p in params:  # start both from float32 numbers, so both tapes read the same parameters
        p.data = float(np.float32(p.data))
    mixed = traced(model, "float64")
    mixed.backward(XY)
    expected = [p.grad for p in params]
    mixed.release()
    for p in params:
        p.grad = 0.0
    kept = traced(model, "float32")
    kept.backward(XY)
    assert [p.grad for p in params] == expected
    assert any(g != 0.0 for g in expected)


def test_sgd_updates_in_float32_arithmetic() -> None:
    model, params, XY = classifier()
    tape = traced(model, "float32")
    optimizer = OPTIMIZERS["sgd"](params, lr=0.1)
    optimizer.zero_grad()
    tape.backward(XY)
    data = np.array([p.data for p in params], dtype=np.float32)
    grads = np.array([p.grad for p in params], dtype=np.float32)
    optimizer.step()
    expected = data + grads * np.float32(-0.1)  # numpy's float32 arithmetic
    assert [p.data for p in params] == [float(x) for x in expected]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_steps_float32_parameters_as_it_steps_float64_ones(name: str) -> None:
    results = []
    for parameter_dtype in ("float64", "float32"):
        model, params, XY = classifier()
        for p in params:
            p.data = float(np.float32(p.data))
        tape = traced(model, parameter_dtype)
        optimizer = OPTIMIZERS[name](params, lr=0.01)
        for _ in range(3):
            optimizer.zero_grad()
            tape.backward(XY)
            optimizer.step()
        results.append(np.array([p.data for p in params]))
        tape.release()
    np.testing.assert_allclose(results[1], results[0], rtol=1e-5, atol=1e-6)
    start = as_float32([p.data for p in classifier()[1]])
    assert np.abs(results[1] - start).max() > 1e-4  # the steps moved the parameters


def test_a_float64_tape_after_a_float32_one_takes_the_parameters_back_into_float64() -> None:
    model, params, XY = classifier()
    kept = traced(model, "float32")
    kept.forward(XY)
    rounded = [p.data for p in params]

    def per_sample_loss(*row: Value) -> Value:
        return softmax_cross_entropy(model(list(row[:4])), list(row[4:]))

    plain = autograd.trace(per_sample_loss, 7)
    plain.forward(XY)
    params[0].data = 0.1  # float64 again: not rounded
    assert params[0].data == 0.1
    assert [p.data for p in params[1:]] == rounded[1:]
    kept.forward(XY)  # and the float32 tape rounds it once more
    assert params[0].data == float(np.float32(0.1))


def test_parameter_dtype_is_checked() -> None:
    model, _, _ = classifier()

    def per_sample_loss(*row: Value) -> Value:
        return softmax_cross_entropy(model(list(row[:4])), list(row[4:]))

    with pytest.raises(ValueError, match='parameter_dtype="float32" needs dtype="float32"'):
        autograd.trace(per_sample_loss, 7, parameter_dtype="float32")
    with pytest.raises(ValueError, match="parameter_dtype must be"):
        autograd.trace(per_sample_loss, 7, dtype="float32", parameter_dtype="float16")
