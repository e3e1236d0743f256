"""zero_grad on stored parameters only marks the gradients zero; whoever reads them next sees 0.0,
and a tape's backward that takes the zeros over assigns its layers' gradients instead of adding.

The references are the eager engine's gradients (graphs of Values, backward) on a twin model.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable

import numpy as np
import pytest

import autograd
from autograd import Value
from autograd.compile import blas, parts
from autograd.compile.kernels import Linear
from autograd.compile.storage import ParameterArrays
from nn import MLP, SGD, Layer, l2_penalty

RNG = np.random.default_rng(21)
X = RNG.normal(size=(9, 4))
Y = RNG.normal(size=9)
XY = np.column_stack([X, Y])


def make_model() -> MLP:
    return MLP(4, [5, 3, 1], activation="tanh", seed=2)


def squared_error(model: Callable[[list[Value]], Value]) -> Callable[..., Value]:
    def per_sample(x0: Value, x1: Value, x2: Value, x3: Value, y: Value) -> Value:
        return (model([x0, x1, x2, x3]) - y) ** 2

    return per_sample


def eager_gradients(per_sample: Callable[..., Value], params: list[Value]) -> list[float]:
    """d(mean of per_sample over XY)/dp by graphs of Values, with .grad zeroed first."""
    for p in params:
        p.grad = 0.0
    losses = [per_sample(*[Value(x) for x in row]) for row in XY.tolist()]
    (autograd.sum(losses) * (1.0 / len(losses))).backward()
    return [p.grad for p in params]


def stored_with_gradients() -> tuple[MLP, SGD, autograd.Tape]:
    """A model whose parameters live in a tape's arrays and hold nonzero gradients."""
    model = make_model()
    optimizer = SGD(model.parameters(), lr=0.1)
    tape = autograd.trace(squared_error(model), 5)
    tape.backward(XY)
    assert all(p.grad != 0.0 for p in model.parameters())
    return model, optimizer, tape


def assert_backward_after_zero_grad_is_eagers(
    loss_of: Callable[[MLP], Callable[..., Value]],
) -> None:
    """A tape of loss_of(model): backward, zero_grad, backward again gives the eager gradients."""
    model, twin = make_model(), make_model()
    optimizer = SGD(model.parameters(), lr=0.1)
    tape = autograd.trace(loss_of(model), 5)
    tape.backward(XY)
    optimizer.zero_grad()
    tape.backward(XY)
    expected = eager_gradients(loss_of(twin), twin.parameters())
    assert [p.grad for p in model.parameters()] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_every_reader_sees_zeros_after_zero_grad() -> None:
    model, optimizer, tape = stored_with_gradients()
    params = model.parameters()
    optimizer.zero_grad()
    assert [p.grad for p in params] == [0.0] * len(params)

    tape.backward(XY)
    optimizer.zero_grad()
    arrays = ParameterArrays(params)
    assert arrays.stored()
    assert not arrays.grads().any()

    tape.backward(XY)
    optimizer.zero_grad()
    assert copy.copy(params[0]).grad == 0.0
    assert pickle.loads(pickle.dumps(params[-1])).grad == 0.0

    tape.backward(XY)
    optimizer.zero_grad()
    tape.release()
    assert all(type(p) is Value and p.grad == 0.0 for p in params)


def test_a_gradient_set_after_zero_grad_is_kept_and_added_to() -> None:
    model, optimizer, tape = stored_with_gradients()
    params = model.parameters()
    optimizer.zero_grad()
    params[0].grad = 5.0  # on top of the owed zeros: the rest stay 0.0
    tape.backward(XY)
    twin = make_model()
    expected = eager_gradients(squared_error(twin), twin.parameters())
    expected[0] += 5.0
    assert [p.grad for p in params] == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("calls", [1, 2, 3])
def test_backward_after_zero_grad_assigns_then_adds(calls: int) -> None:
    model, optimizer, tape = stored_with_gradients()
    optimizer.zero_grad()
    for _ in range(calls):
        tape.backward(XY)
    twin = make_model()
    expected = eager_gradients(squared_error(twin), twin.parameters())
    got = [p.grad for p in model.parameters()]
    assert got == pytest.approx([calls * g for g in expected], rel=1e-12, abs=1e-15)
    assert any(isinstance(k, Linear) and k.sole_weights_writer for k in tape._kernels), (
        "the layers were expected to assign their weights' gradients"
    )


def tied(layer: Layer, head: Layer) -> Callable[..., Value]:
    """One layer applied twice (its weights written by two products) before a head."""

    def per_sample(x0: Value, x1: Value, x2: Value, x3: Value, y: Value) -> Value:
        hidden = layer(layer([x0, x1, x2, x3]))
        return (head(hidden)[0] - y) ** 2

    return per_sample


def test_weights_written_by_two_layers_add_after_zero_grad() -> None:
    made = [(Layer(4, 4, "tanh", seed=5), Layer(4, 1, "linear", seed=6)) for _ in range(2)]
    (layer, head), (twin_layer, twin_head) = made
    params = layer.parameters() + head.parameters()
    optimizer = SGD(params, lr=0.1)
    tape = autograd.trace(tied(layer, head), 5)
    tape.backward(XY)
    optimizer.zero_grad()
    tape.backward(XY)
    expected = eager_gradients(
        tied(twin_layer, twin_head), twin_layer.parameters() + twin_head.parameters()
    )
    assert [p.grad for p in params] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    first = next(k for k in tape._kernels if isinstance(k, Linear) and k.weights_need_grad)
    assert not first.sole_weights_writer  # the tied weights are added, not assigned


def test_weights_also_in_a_penalty_add_after_zero_grad() -> None:
    def with_penalty(model: MLP) -> Callable[..., Value]:
        error = squared_error(model)

        def per_sample(*row: Value) -> Value:
            return error(*row) + l2_penalty(model.weights(), 0.3)

        return per_sample

    assert_backward_after_zero_grad_is_eagers(with_penalty)


def test_a_batch_in_parts_pays_the_owed_zeros(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts, "MIN_PART_BYTES", 1)
    monkeypatch.setattr(blas, "threads", lambda: 2)
    model, optimizer, tape = stored_with_gradients()
    optimizer.zero_grad()
    assert len(tape._parts(len(XY))) == 2
    tape.backward(XY)
    twin = make_model()
    expected = eager_gradients(squared_error(twin), twin.parameters())
    assert [p.grad for p in model.parameters()] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_an_error_in_the_forward_pass_leaves_the_owed_zeros() -> None:
    model, optimizer, tape = stored_with_gradients()
    optimizer.zero_grad()
    huge = XY.copy()
    huge[0, -1] = 1e200  # (out - y)^2 overflows, an error as with Python floats
    with pytest.raises(OverflowError):
        tape.backward(huge)
    assert [p.grad for p in model.parameters()] == [0.0] * len(model.parameters())


def test_an_interrupt_midway_through_backward_keeps_what_the_layers_before_it_wrote() -> None:
    """Backward runs the last layer first: interrupted at the first layer, the later layers hold
    their gradients and the first layer's parameters their zeros, not the old numbers."""
    model, optimizer, tape = stored_with_gradients()
    first = next(k for k in tape._kernels if isinstance(k, Linear) and k.weights_need_grad)
    assert first.sole_weights_writer

    def interrupted(*args: object, **options: object) -> None:
        raise KeyboardInterrupt

    first.backward = interrupted  # type: ignore[method-assign]
    optimizer.zero_grad()
    with pytest.raises(KeyboardInterrupt):
        tape.backward(XY)
    twin = make_model()
    expected = eager_gradients(squared_error(twin), twin.parameters())
    first_layer = len(model.layers[0].parameters())
    got = [p.grad for p in model.parameters()]
    assert got[:first_layer] == [0.0] * first_layer
    assert got[first_layer:] == pytest.approx(expected[first_layer:], rel=1e-12, abs=1e-15)


def test_zero_grad_of_some_parameters_zeroes_only_those() -> None:
    model, _optimizer, _tape = stored_with_gradients()
    before = [p.grad for p in model.parameters()]
    last = model.layers[-1].parameters()
    SGD(last, lr=0.1).zero_grad()
    after = [p.grad for p in model.parameters()]
    assert after[: -len(last)] == before[: -len(last)]
    assert after[-len(last) :] == [0.0] * len(last)


def test_a_second_tape_on_the_same_parameters_adds_onto_the_zeros() -> None:
    """The second tape keeps its own rows and adds them to the storage: it must see the zeros."""
    model, optimizer, _tape = stored_with_gradients()

    def cubed(x0: Value, x1: Value, x2: Value, x3: Value, y: Value) -> Value:
        return (model([x0, x1, x2, x3]) - y) ** 3

    other = autograd.trace(cubed, 5)
    optimizer.zero_grad()
    other.backward(XY)
    twin = make_model()

    def twin_cubed(x0: Value, x1: Value, x2: Value, x3: Value, y: Value) -> Value:
        return (twin([x0, x1, x2, x3]) - y) ** 3

    expected = eager_gradients(twin_cubed, twin.parameters())
    assert [p.grad for p in model.parameters()] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_an_error_before_the_first_kernel_leaves_no_old_gradient(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The buffers for a new batch size cannot be made (out of memory): zeros, not old numbers."""
    model, optimizer, tape = stored_with_gradients()
    optimizer.zero_grad()

    def out_of_memory(*args: object) -> None:
        raise MemoryError

    monkeypatch.setattr(tape, "_buffers_for", out_of_memory)
    with pytest.raises(MemoryError):
        tape.backward(XY)
    assert [p.grad for p in model.parameters()] == [0.0] * len(model.parameters())


def test_the_layers_assign_their_gradients_after_zero_grad(monkeypatch: pytest.MonkeyPatch) -> None:
    """Old gradients that are NaN would poison an add: assigned (BLAS beta = 0), they are gone."""
    model, optimizer, tape = stored_with_gradients()
    for p in model.parameters():
        p.grad = float("nan")
    optimizer.zero_grad()
    told = []
    linear_backward = Linear.backward

    def spy(self: Linear, *args: object, weights_zeroed: bool = False) -> None:
        told.append(weights_zeroed)
        linear_backward(self, *args, weights_zeroed=weights_zeroed)  # type: ignore[arg-type]

    monkeypatch.setattr(Linear, "backward", spy)
    tape.backward(XY)
    assert any(told)  # at least one layer was told its weights' gradients are to be assigned
    twin = make_model()
    expected = eager_gradients(squared_error(twin), twin.parameters())
    assert [p.grad for p in model.parameters()] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_a_weight_also_read_by_an_elementwise_op_adds_after_zero_grad() -> None:
    """loss / w with w a first-layer weight: that layer does not write w's gradient alone."""

    def divided(model: MLP) -> Callable[..., Value]:
        error = squared_error(model)
        weight = model.layers[0].neurons[0].w[0]

        def per_sample(*row: Value) -> Value:
            return error(*row) / weight

        return per_sample

    assert_backward_after_zero_grad_is_eagers(divided)
