"""The fused neuron (``autograd.neuron``): one node, same numbers as the neuron built from single ops.

``neuron(w, x, b, act)`` must give the same float as ``act(b + w1*x1 + ... + wn*xn)`` built
node by node, the same gradients (first and second order), and draw as "neuron(act)".
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from reference import unfused_neuron

from autograd import Value, grad, neuron, no_grad

ACTIVATIONS = [
    "linear",
    "relu",
    "tanh",
    "sigmoid",
    "softplus",
    "leaky_relu",
    "elu",
    "leaky_relu(0.2)",
    "elu(0.5)",
]


def random_neuron(rng, n, zero_z=False):
    w = [Value(rng.uniform(-2, 2)) for _ in range(n)]
    x = [Value(rng.uniform(-2, 2)) for _ in range(n)]
    b = Value(rng.uniform(-2, 2))
    if zero_z:  # exactly at the kink: z = 0
        b.data = -sum(wi.data * xi.data for wi, xi in zip(w, x))
    return w, x, b


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 16])
def test_same_value_and_gradients_as_single_ops(activation: str, n: int) -> None:
    rng = random.Random(n)
    for trial in range(5):
        w, x, b = random_neuron(rng, n, zero_z=trial == 0 and n == 1)
        inputs = [*w, *x, b]
        fused, reference = neuron(w, x, b, activation), unfused_neuron(w, x, b, activation)
        assert fused.data == reference.data  # same floats in the same order
        for got, expected in zip(grad(fused, inputs), grad(reference, inputs)):
            assert math.isclose(got, expected, rel_tol=1e-15, abs_tol=1e-300)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_second_derivatives_match_single_ops(activation: str) -> None:
    rng = random.Random(7)
    w, x, b = random_neuron(rng, 3)
    inputs = [*w, *x, b]

    def hessian(out: Value) -> list[list[float]]:
        return [[float(h) for h in grad(g, inputs)] for g in grad(out, inputs, create_graph=True)]

    for row_fused, row_reference in zip(
        hessian(neuron(w, x, b, activation)), hessian(unfused_neuron(w, x, b, activation))
    ):
        for got, expected in zip(row_fused, row_reference):
            assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-15)


def test_backward_accumulates_into_weights_and_inputs() -> None:
    w, x, b = [Value(2.0), Value(-1.0)], [Value(3.0), Value(4.0)], Value(0.5)
    out = neuron(w, x, b, "relu")  # z = 0.5 + 6 - 4 = 2.5 > 0
    assert out.data == 2.5
    out.backward()
    assert [v.grad for v in w] == [3.0, 4.0]
    assert [v.grad for v in x] == [2.0, -1.0]
    assert b.grad == 1.0
    out.backward()  # leaves accumulate
    assert [v.grad for v in w] == [6.0, 8.0]


def test_reused_input_and_shared_value_get_summed_gradients() -> None:
    a = Value(3.0)
    out = neuron([a, a], [a, Value(2.0)], a, "linear")  # a*a + 2a + a
    out.backward()
    assert out.data == 9.0 + 6.0 + 3.0
    assert a.grad == 2 * 3.0 + 2.0 + 1.0


def test_one_node_drawn_with_the_activation_name() -> None:
    w, x, b = [Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)], Value(0.0)
    out = neuron(w, x, b, "tanh")
    assert out.op.name == "neuron(tanh)"
    assert out.parents == (*w, *x, b)
    assert all(p.is_leaf for p in out.parents)
    assert neuron(w, x, b, "elu(0.5)").op.name == "neuron(elu(0.5))"
    assert neuron(w, x, b).op.name == "neuron(linear)"


def test_numbers_are_constants() -> None:
    w = [Value(0.5), Value(-2.0)]
    out = neuron(w, [1.0, np.float64(3.0)], 1, "linear")
    assert out.data == 1 + 0.5 - 6.0
    out.backward()
    assert [v.grad for v in w] == [1.0, 3.0]


def test_constant_weights_are_allowed() -> None:
    x = [Value(1.0), Value(2.0)]
    out = neuron([3.0, 4], x, Value(0.0), "linear")
    out.backward()
    assert [v.grad for v in x] == [3.0, 4.0]


def test_bad_inputs_raise_clear_errors() -> None:
    w, x = [Value(1.0)], [Value(2.0)]
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        neuron([Value(1.0), Value(2.0)], x, 0.0)
    with pytest.raises(TypeError, match="neuron: inputs: item 0 is str"):
        neuron(w, ["a"], 0.0)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        neuron(w, x, 0.0, "swish")
    with pytest.raises(ValueError, match="needs a number"):
        neuron(w, x, 0.0, "elu(a)")
    with pytest.raises(TypeError, match="activation must be a name"):
        neuron(w, x, 0.0, None)


def test_no_grad_records_nothing() -> None:
    w, x = [Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]
    with no_grad():
        out = neuron(w, x, Value(1.0), "relu")
    assert out.data == 12.0
    assert out.is_leaf and out.parents == ()
