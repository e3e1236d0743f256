"""A traced layer of fused neurons runs as one matrix kernel: the eager engine's numbers to 1e-12."""

import numpy as np
import pytest

import autograd
from autograd import Value
from nn import MLP, Layer

RNG = np.random.default_rng(5)
X = RNG.normal(size=(9, 4))


def eager_mean_and_grads(fn, rows, params):
    """The mean of fn over the rows and its gradient, from graphs of Values (the eager engine)."""
    for p in params:
        p.grad = 0.0
    total = autograd.sum([fn(*[Value(x) for x in row]) for row in rows.tolist()]) * (
        1.0 / len(rows)
    )
    total.backward()
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return total.data, grads


def tape_mean_and_grads(fn, n_inputs, rows, params, dtype="float64"):
    tape = autograd.trace(fn, n_inputs, dtype=dtype)
    for p in params:
        p.grad = 0.0
    mean = tape.backward(rows, reduce="mean")
    grads = [p.grad for p in params]
    tape.release()
    return mean, grads


@pytest.mark.parametrize(
    "activation", ["relu", "tanh", "sigmoid", "linear", "softplus", "leaky_relu(0.1)", "elu(0.5)"]
)
def test_an_mlp_traced_as_matrix_kernels_has_the_eager_gradients(activation):
    model = MLP(4, [6, 5, 3], activation=activation, output_activation="tanh", seed=2)
    params = model.parameters()

    def fn(*x):
        out = model(list(x))
        return out[0] * out[1] - out[2] * out[2]

    eager = eager_mean_and_grads(fn, X, params)
    compiled = tape_mean_and_grads(fn, 4, X, params)
    assert compiled[0] == pytest.approx(eager[0], rel=1e-12, abs=1e-14)
    assert compiled[1] == pytest.approx(eager[1], rel=1e-12, abs=1e-14)
    assert any(g != 0.0 for g in compiled[1])


def test_the_layer_kernel_matches_numpy_matrix_math():
    """Independent reference: the layer written as numpy matrices, gradients by hand."""
    layer = Layer(4, 3, activation="tanh", seed=8)
    W = np.array([[w.data for w in n.w] for n in layer.neurons])
    b = np.array([n.b.data for n in layer.neurons])
    tape = autograd.trace(lambda *x: autograd.sum(layer(list(x))), 4)
    for p in layer.parameters():
        p.grad = 0.0
    total = tape.backward(X, reduce="sum")
    tape.release()
    H = np.tanh(X @ W.T + b)  # (rows, 3)
    dZ = 1.0 - H**2  # d sum(tanh(z)) / dz
    assert total == pytest.approx(H.sum(), rel=1e-12)
    np.testing.assert_allclose([[w.grad for w in n.w] for n in layer.neurons], dZ.T @ X, rtol=1e-12)
    assert [n.b.grad for n in layer.neurons] == pytest.approx(dZ.sum(axis=0).tolist(), rel=1e-12)


@pytest.mark.parametrize("inputs", ["constant", "repeated"])
def test_a_layer_with_a_shared_weight_and_odd_inputs(inputs):
    """One Value used as several weights; among the inputs a constant (not a batch row, so the
    neurons are compiled one by one) or one input twice (a layer kernel reading a row twice)."""
    shared = Value(0.3)
    weights = [[shared, Value(-0.2), shared], [Value(0.5), shared, Value(0.1)]]
    biases = [Value(0.05), Value(-0.4)]
    params = [shared, weights[0][1], weights[1][0], weights[1][2], *biases]

    def fn(x0, x1):
        x = [x0, 2.0, x1] if inputs == "constant" else [x0, x1, x0]
        hidden = autograd.neuron_layer(weights, x, biases, "relu")
        return hidden[0] * hidden[1] + hidden[1]

    eager = eager_mean_and_grads(fn, X[:, :2], params)
    compiled = tape_mean_and_grads(fn, 2, X[:, :2], params)
    assert compiled[0] == pytest.approx(eager[0], rel=1e-12)
    assert compiled[1] == pytest.approx(eager[1], rel=1e-12, abs=1e-15)


def test_two_layers_on_the_same_inputs_and_a_weight_shared_across_them():
    first, second = Layer(4, 3, activation="relu", seed=1), Layer(4, 2, activation="relu", seed=2)
    second.neurons[1].w[2] = first.neurons[0].w[2]  # tied weight
    params = list({id(p): p for p in first.parameters() + second.parameters()}.values())

    def fn(*x):
        return autograd.sum(first(list(x))) * autograd.sum(second(list(x)))

    eager = eager_mean_and_grads(fn, X, params)
    compiled = tape_mean_and_grads(fn, 4, X, params)
    assert compiled[0] == pytest.approx(eager[0], rel=1e-12)
    assert compiled[1] == pytest.approx(eager[1], rel=1e-12, abs=1e-15)


def test_float32_layers_agree_to_float32_precision():
    model = MLP(4, [8, 2], activation="tanh", seed=4)
    params = model.parameters()

    def fn(*x):
        a, b = model(list(x))
        return a * b

    eager = eager_mean_and_grads(fn, X, params)
    compiled = tape_mean_and_grads(fn, 4, X, params, dtype="float32")
    assert compiled[1] == pytest.approx(eager[1], rel=1e-4, abs=1e-6)


def _direct_layers(tape):
    return [k for k in tape._kernels if getattr(k, "direct", None) is not None]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_first_layer_that_reads_x_itself_has_the_numpy_gradients(dtype):
    """A layer with no more outputs than inputs multiplies X's columns in place of a copy into
    the tape's rows; checked against numpy matrix math, with the targets after the inputs."""
    layer = Layer(4, 3, activation="relu", seed=6)
    W = np.array([[w.data for w in n.w] for n in layer.neurons])
    b = np.array([n.b.data for n in layer.neurons])
    targets = RNG.normal(size=(len(X), 3))

    def fn(*row):
        return autograd.sum([(h - t) ** 2 for h, t in zip(layer(list(row[:4])), row[4:])])

    tape = autograd.trace(fn, 7, dtype=dtype)
    assert len(_direct_layers(tape)) == 1
    for p in layer.parameters():
        p.grad = 0.0
    total = tape.backward(np.column_stack([X, targets]), reduce="sum")
    tape.release()
    Z = X @ W.T + b
    H = np.maximum(Z, 0.0)
    dZ = 2.0 * (H - targets) * (Z > 0.0)
    rel = 1e-12 if dtype == "float64" else 1e-4
    assert total == pytest.approx(((H - targets) ** 2).sum(), rel=rel)
    np.testing.assert_allclose(
        [[w.grad for w in n.w] for n in layer.neurons], dZ.T @ X, rtol=rel, atol=rel
    )
    np.testing.assert_allclose(
        [n.b.grad for n in layer.neurons], dZ.sum(axis=0), rtol=rel, atol=rel
    )


def test_inputs_also_read_outside_the_layer_are_copied_and_the_gradients_still_agree():
    layer = Layer(4, 2, activation="tanh", seed=3)
    params = layer.parameters()

    def fn(*x):
        h = layer(list(x))
        return h[0] * x[0] + h[1] * x[3]  # x read by an elementwise op as well

    tape = autograd.trace(fn, 4)
    assert _direct_layers(tape) == []
    tape.release()
    eager = eager_mean_and_grads(fn, X, params)
    compiled = tape_mean_and_grads(fn, 4, X, params)
    assert compiled[0] == pytest.approx(eager[0], rel=1e-12)
    assert compiled[1] == pytest.approx(eager[1], rel=1e-12, abs=1e-15)


def test_a_wide_first_layer_keeps_the_copy():
    """More outputs than inputs: adding the bias apart would cost more than the copy."""
    tape = autograd.trace(lambda *x: autograd.sum(Layer(2, 8, seed=0)(list(x))), 2)
    assert _direct_layers(tape) == []


def _in_place_ops(tape):
    return [k for k in tape._kernels if getattr(k, "in_place", False)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_activations_read_by_one_layer_multiply_their_gradient_in_place(dtype):
    """Each hidden relu is read by the next layer alone: that layer writes d/d its inputs into
    the relu's argument rows and the relu multiplies there. Checked against numpy backprop."""
    model = MLP(4, [6, 5, 2], activation="relu", seed=9)
    params = model.parameters()
    targets = RNG.normal(size=(len(X), 2))

    def fn(*row):
        out = model(list(row[:4]))
        return autograd.sum([(h - t) ** 2 for h, t in zip(out, row[4:])])

    tape = autograd.trace(fn, 6, dtype=dtype)
    relus = [k for k in tape._kernels if type(getattr(k, "op", None)).__name__ == "Relu"]
    assert len(relus) == 2 and all(k in _in_place_ops(tape) for k in relus)
    for p in params:
        p.grad = 0.0
    total = tape.backward(np.column_stack([X, targets]), reduce="sum")
    tape.release()

    weights = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    biases = [np.array([n.b.data for n in layer.neurons]) for layer in model.layers]
    Z1 = X @ weights[0].T + biases[0]
    H1 = np.maximum(Z1, 0.0)
    Z2 = H1 @ weights[1].T + biases[1]
    H2 = np.maximum(Z2, 0.0)
    Y = H2 @ weights[2].T + biases[2]
    dY = 2.0 * (Y - targets)
    dZ2 = (dY @ weights[2]) * (Z2 > 0.0)
    dZ1 = (dZ2 @ weights[1]) * (Z1 > 0.0)
    expected = [(dY.T @ H2, dY.sum(0)), (dZ2.T @ H1, dZ2.sum(0)), (dZ1.T @ X, dZ1.sum(0))][::-1]
    rel = 1e-12 if dtype == "float64" else 1e-4
    assert total == pytest.approx(((Y - targets) ** 2).sum(), rel=rel)
    for layer, (d_weights, d_bias) in zip(model.layers, expected):
        got = [[w.grad for w in n.w] for n in layer.neurons]
        np.testing.assert_allclose(got, d_weights, rtol=rel, atol=rel)
        np.testing.assert_allclose([n.b.grad for n in layer.neurons], d_bias, rtol=rel, atol=rel)


def _hidden_read_twice(first, second):
    def fn(*x):
        h = first(list(x))
        return autograd.sum(second(h)) + h[0] * h[1]  # h also read by an elementwise op

    return fn


def _hidden_read_by_two_layers(first, second):
    third = Layer(3, 2, activation="linear", seed=12)

    def fn(*x):
        h = first(list(x))
        return autograd.sum(second(h)) * autograd.sum(third(h))

    return fn, third.parameters()


def test_an_activation_read_by_more_than_one_layer_keeps_its_gradient_out_of_place():
    """The in-place product needs the layer to be the only writer of the activation's
    gradient; read by an elementwise op too, or by two layers, the relu sums them as before."""
    first = Layer(4, 3, activation="relu", seed=10)
    second = Layer(3, 2, activation="tanh", seed=11)
    fn_op = _hidden_read_twice(first, second)
    fn_layers, third_params = _hidden_read_by_two_layers(first, second)
    for fn, params in [
        (fn_op, first.parameters() + second.parameters()),
        (fn_layers, first.parameters() + second.parameters() + third_params),
    ]:
        tape = autograd.trace(fn, 4)
        relus = [k for k in tape._kernels if type(getattr(k, "op", None)).__name__ == "Relu"]
        assert relus and not any(k.in_place for k in relus)
        tape.release()
        eager = eager_mean_and_grads(fn, X, params)
        compiled = tape_mean_and_grads(fn, 4, X, params)
        assert compiled[0] == pytest.approx(eager[0], rel=1e-12)
        assert compiled[1] == pytest.approx(eager[1], rel=1e-12, abs=1e-15)
