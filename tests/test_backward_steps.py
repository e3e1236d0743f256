"""backward_steps: the backward pass one node at a time, ending with backward()'s gradients bit for bit."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from reference import ENGINE, Graph, examples, graphs

from autograd import Value, backward_steps, neuron, topological_order
from autograd.backward import _order_for_backward
from autograd.steps import backward_order
from nn import MLP, squared_error


def _build(graph: Graph) -> tuple[list[Value], Value]:
    xs = [Value(x) for x in graph.inputs]
    return xs, graph.output(ENGINE, graph.nodes(ENGINE, xs))


def _grads(root: Value) -> list[float]:
    return [node.grad for node in topological_order(root)]


def _same_bits(a: list[float], b: list[float]) -> bool:
    return [x.hex() for x in a] == [x.hex() for x in b]


@settings(max_examples=examples(300))
@given(graphs())
def test_stepping_to_the_end_gives_backwards_gradients_bit_for_bit(graph: Graph) -> None:
    _, stepped = _build(graph)
    _, plain = _build(graph)
    steps = list(backward_steps(stepped))
    plain.backward()
    assert _same_bits(_grads(stepped), _grads(plain))
    assert [s.node for s in steps] == backward_order(stepped)


@settings(max_examples=examples(300))
@given(graphs())
def test_the_step_order_is_the_order_backward_uses(graph: Graph) -> None:
    _, root = _build(graph)
    order, _ = _order_for_backward(root)
    assert backward_order(root) == [node for node in reversed(order)]


def _mlp_loss(seed: int) -> tuple[MLP, Value]:
    rng = random.Random(seed)
    model = MLP(3, [4, 3, 2], activation="tanh", output_activation="sigmoid", seed=seed)
    x = [rng.uniform(-1, 1) for _ in range(3)]
    return model, squared_error(model(x), [0.2, 0.7], half=True)


@pytest.mark.parametrize("seed", range(5))
def test_fused_neurons_twice_accumulate_like_backward(seed: int) -> None:
    """Two passes (leaf gradients accumulate) through fused neurons, against backward()."""
    model_a, loss_a = _mlp_loss(seed)
    model_b, loss_b = _mlp_loss(seed)
    for _ in range(2):
        for _ in backward_steps(loss_a):
            pass
        loss_b.backward()
    assert _same_bits(
        [p.grad for p in model_a.parameters()], [p.grad for p in model_b.parameters()]
    )


def test_a_neuron_step_reports_the_notes_delta_and_passes() -> None:
    """One sigmoid neuron, by hand: delta = dE/dout * out (1 - out), dE/dw_i = delta * x_i."""
    w, x, b = [Value(0.4), Value(0.45)], [Value(0.593269992), Value(0.596884378)], Value(0.6)
    out = neuron(w, x, b, "sigmoid")
    target = 0.01
    error = 0.5 * (out - target) ** 2
    steps = list(backward_steps(error))
    (neuron_step,) = [s for s in steps if s.node is out]
    o = out.data
    assert neuron_step.upstream == pytest.approx(o - target, rel=1e-15)
    assert neuron_step.activation_slope == pytest.approx(o * (1 - o), rel=1e-15)
    delta = (o - target) * o * (1 - o)
    assert neuron_step.z_grad == pytest.approx(delta, rel=1e-15)
    by_parent = {id(p.parent): p for p in neuron_step.passes}
    assert by_parent[id(w[0])].contribution == pytest.approx(delta * x[0].data, rel=1e-15)
    assert by_parent[id(x[1])].local == pytest.approx(o * (1 - o) * w[1].data, rel=1e-15)
    assert by_parent[id(b)].contribution == pytest.approx(delta, rel=1e-15)
    # the classic worked example's number for w5 (dE/dw5 = 0.082167041)
    assert w[0].grad == pytest.approx(0.082167041, abs=1e-9)


def test_each_step_sees_its_complete_gradient_and_passes_upstream_times_local() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    steps = list(backward_steps(d))
    assert [s.node for s in steps] == [d, c]
    assert steps[0].upstream == 1.0
    assert [(p.parent, p.local, p.contribution) for p in steps[1].passes] == [
        (a, -3.0, -3.0),
        (b, 2.0, 2.0),
    ]
    assert a.grad == -2.0 and b.grad == 2.0  # d = a*b + a: dd/da = b + 1, dd/db = a


def test_a_leaf_root_is_one_step_and_a_non_value_is_refused() -> None:
    x = Value(3.0)
    assert [s.passes for s in backward_steps(x)] == [()]
    assert x.grad == 1.0
    with pytest.raises(TypeError, match="backward_steps needs a Value, not float"):
        next(backward_steps(1.0))  # type: ignore[arg-type]
