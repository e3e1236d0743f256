"""``autograd.neuron_layer``: a layer of fused neurons, the nodes ``nn.Layer`` builds.

Each output must be the very node ``neuron(w, x, b, act)`` makes (same float, same parents,
same gradients to the last bit), and so agree with the neuron built from single + and * ops
and with PyTorch. Backward reads a fused node's factors from its parents' data, as a ``*``
node does, and skips an idle unit only when that cannot hide a NaN.
"""

from __future__ import annotations

import math
import random

import pytest
from reference import unfused_neuron

from autograd import Value, grad, neuron, neuron_layer, no_grad

ACTIVATIONS = ["linear", "relu", "tanh", "sigmoid", "softplus", "leaky_relu(0.2)", "elu(0.5)"]


def random_layer(rng: random.Random, nin: int, nout: int):
    rows = [[Value(rng.uniform(-2, 2)) for _ in range(nin)] for _ in range(nout)]
    x = [Value(rng.uniform(-2, 2)) for _ in range(nin)]
    biases = [Value(rng.uniform(-1, 1)) for _ in range(nout)]
    return rows, x, biases


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("nin, nout", [(0, 1), (1, 1), (2, 16), (16, 16), (16, 1)])
def test_each_output_is_the_node_neuron_makes(activation: str, nin: int, nout: int) -> None:
    rng = random.Random(nin * 100 + nout)
    rows, x, biases = random_layer(rng, nin, nout)
    layer = neuron_layer(rows, x, biases, activation)
    assert len(layer) == nout
    leaves = [*x, *(w for row in rows for w in row), *biases]
    for out, row, b in zip(layer, rows, biases):
        single, reference = neuron(row, x, b, activation), unfused_neuron(row, x, b, activation)
        assert out.data == single.data == reference.data  # b + w1*x1 + ... summed left to right
        assert out.op is single.op and out.op.name == f"neuron({activation})"
        assert out.parents == single.parents == (*row, *x, b)
        # one neuron: the same products as the single-op graph, so equal to the last bit
        expected = backward_grads(reference, leaves)
        assert backward_grads(out, leaves) == backward_grads(single, leaves) == expected
        assert grad(out, leaves) == expected


def backward_grads(out: Value, leaves: list[Value]) -> list[float]:
    """The leaves' gradients from ``out.backward()`` (the fast path), starting from zero."""
    for leaf in leaves:
        leaf.grad = 0.0
    out.backward()
    return [leaf.grad for leaf in leaves]


def test_backward_of_a_layer_matches_single_ops_and_accumulates() -> None:
    rng = random.Random(3)
    rows, x, biases = random_layer(rng, 5, 4)
    coefficients = [rng.uniform(-1, 1) for _ in rows]
    leaves = [*x, *(w for row in rows for w in row), *biases]

    def loss(outputs):
        return sum((c * o for c, o in zip(coefficients, outputs)), Value(0.0))

    expected = grad(
        loss([unfused_neuron(row, x, b, "tanh") for row, b in zip(rows, biases)]), leaves
    )
    total = loss(neuron_layer(rows, x, biases, "tanh"))
    total.backward()
    for leaf, e in zip(leaves, expected):
        assert math.isclose(leaf.grad, e, rel_tol=1e-14, abs_tol=1e-15)
    first = [leaf.grad for leaf in leaves]
    total.backward()  # leaves accumulate, intermediate nodes are recomputed
    assert [leaf.grad for leaf in leaves] == pytest.approx([2 * g for g in first], rel=1e-15)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "elu(0.5)"])
def test_second_derivatives_match_single_ops(activation: str) -> None:
    rng = random.Random(11)
    rows, x, biases = random_layer(rng, 3, 2)
    inputs = [*x, *rows[0], biases[0]]

    def hessian(out: Value) -> list[list[float]]:
        return [[float(h) for h in grad(g, inputs)] for g in grad(out, inputs, create_graph=True)]

    fused = neuron_layer(rows, x, biases, activation)
    fused_out = fused[0] * fused[1]
    reference_out = unfused_neuron(rows[0], x, biases[0], activation) * unfused_neuron(
        rows[1], x, biases[1], activation
    )
    for row_fused, row_reference in zip(hessian(fused_out), hessian(reference_out)):
        for got, expected in zip(row_fused, row_reference):
            assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-15)


def test_two_layers_against_torch() -> None:
    torch = pytest.importorskip(
        "torch",
        reason="PyTorch is not installed: torch parity not checked (CI installs torch==2.13.0)",
    )
    rng = random.Random(5)
    rows1, x, biases1 = random_layer(rng, 3, 4)
    rows2, _, biases2 = random_layer(rng, 4, 2)
    hidden = neuron_layer(rows1, x, biases1, "relu")
    assert sorted(h.data > 0.0 for h in hidden) == [
        False,
        False,
        False,
        True,
    ]  # idle units are skipped
    out = neuron_layer(rows2, hidden, biases2, "tanh")
    (out[0] - 2.0 * out[1]).backward()

    def vector(values):
        return torch.tensor([v.data for v in values], dtype=torch.float64, requires_grad=True)

    def matrix(rows):
        return torch.tensor(
            [[v.data for v in row] for row in rows], dtype=torch.float64, requires_grad=True
        )

    tx, tw1, tb1, tw2, tb2 = (
        vector(x),
        matrix(rows1),
        vector(biases1),
        matrix(rows2),
        vector(biases2),
    )
    tout = torch.tanh(torch.relu(tx @ tw1.T + tb1) @ tw2.T + tb2)
    (tout[0] - 2.0 * tout[1]).backward()
    assert [o.data for o in out] == pytest.approx(tout.tolist(), rel=1e-14)
    for values, tensor_grad in [(x, tx.grad), (biases1, tb1.grad), (biases2, tb2.grad)]:
        assert [v.grad for v in values] == pytest.approx(tensor_grad.tolist(), rel=1e-12, abs=1e-15)
    for rows, tensor_grad in [(rows1, tw1.grad), (rows2, tw2.grad)]:
        assert [v.grad for row in rows for v in row] == pytest.approx(
            tensor_grad.flatten().tolist(), rel=1e-12, abs=1e-15
        )


def test_an_idle_relu_unit_passes_nan_from_an_infinite_input_as_torch_does() -> None:
    # z = -inf: relu'(z) = 0, and 0 * inf is NaN for the weight on the infinite input only
    w, x, b = [Value(1.0), Value(2.0)], [Value(-math.inf), Value(3.0)], Value(0.5)
    (out,) = neuron_layer([w], x, [b], "relu")
    out.backward()
    reference_w, reference_x, reference_b = (
        [Value(1.0), Value(2.0)],
        [Value(-math.inf), Value(3.0)],
        Value(0.5),
    )
    unfused_neuron(reference_w, reference_x, reference_b, "relu").backward()
    assert out.data == 0.0
    assert math.isnan(w[0].grad) and math.isnan(reference_w[0].grad)
    assert [w[1].grad, x[0].grad, x[1].grad, b.grad] == [0.0, 0.0, 0.0, 0.0]
    assert [reference_w[1].grad, reference_x[0].grad, reference_x[1].grad, reference_b.grad] == [
        0.0,
        0.0,
        0.0,
        0.0,
    ]


def test_a_nan_upstream_reaches_every_input_of_an_idle_unit() -> None:
    w, x, b = [Value(1.0)], [Value(-3.0)], Value(0.0)
    (out,) = neuron_layer([w], x, [b], "relu")  # z = -3: idle
    (out * math.inf).backward()  # upstream inf, times relu'(z) = 0: NaN
    assert math.isnan(w[0].grad) and math.isnan(x[0].grad) and math.isnan(b.grad)


def test_backward_reads_the_inputs_data_as_a_product_node_does() -> None:
    w, x, b = [Value(2.0), Value(-1.0)], [Value(3.0), Value(4.0)], Value(0.5)
    (fused,) = neuron_layer([w], x, [b], "linear")
    reference = unfused_neuron(w, x, b, "linear")
    w[0].data = 5.0  # changed between forward and backward: both graphs use the new weight
    fused.backward()
    from_fused = [v.grad for v in (*w, *x, b)]
    for v in (*w, *x, b):
        v.grad = 0.0
    reference.backward()
    assert from_fused == [v.grad for v in (*w, *x, b)] == [3.0, 4.0, 5.0, -1.0, 1.0]


def test_inputs_shared_by_many_neurons_and_layers_get_summed_gradients() -> None:
    a = Value(1.5)
    hidden = neuron_layer([[a, a], [a, Value(2.0)]], [a, a], [a, Value(0.0)], "linear")
    out = neuron_layer([[a, Value(1.0)]], hidden, [Value(0.0)], "linear")[0]  # a * h0 + h1
    out.backward()
    # h0 = 2a^2 + a, h1 = a^2 + 2a: out = 2a^3 + a^2 + a^2 + 2a, d/da = 6a^2 + 4a + 2
    assert out.data == 2 * 1.5**3 + 2 * 1.5**2 + 2 * 1.5
    assert a.grad == 6 * 1.5**2 + 4 * 1.5 + 2


def test_numbers_are_constants_and_no_grad_records_nothing() -> None:
    w = [Value(0.5), Value(-2.0)]
    (out,) = neuron_layer([w], [1.0, 3], [1], "linear")
    assert out.data == 1 + 0.5 - 6.0
    out.backward()
    assert [v.grad for v in w] == [1.0, 3.0]
    with no_grad():
        (inference,) = neuron_layer([w], [Value(1.0), Value(3.0)], [Value(1.0)], "relu")
    assert inference.data == 0.0 and inference.is_leaf and inference.parents == ()


def test_bad_arguments_raise_clear_errors() -> None:
    x = [Value(1.0), Value(2.0)]
    with pytest.raises(ValueError, match="2 weight rows but 1 biases"):
        neuron_layer([[Value(1.0), Value(1.0)]] * 2, x, [Value(0.0)])
    with pytest.raises(ValueError, match="neuron: 1 weights but 2 inputs"):
        neuron_layer([[Value(1.0), Value(1.0)], [Value(1.0)]], x, [0.0, 0.0])
    with pytest.raises(TypeError, match="neuron: inputs: item 1 is str"):
        neuron_layer([[Value(1.0), Value(1.0)]], [1.0, "a"], [0.0])
    with pytest.raises(TypeError, match="neuron: weights: item 0 is NoneType"):
        neuron_layer([[None, Value(1.0)]], x, [0.0])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        neuron_layer([[Value(1.0), Value(1.0)]], x, [0.0], "swish")
    assert neuron_layer([], x, []) == []
