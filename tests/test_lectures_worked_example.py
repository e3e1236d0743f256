"""Lecture 004's worked 2-2-2 example (item 4), against a numpy derivation written out here.

The reference below is the backprop recursion of the lecture in numpy, independent of nn:
delta_out = (o - y) o (1 - o), delta_hidden = (W2^T delta_out) h (1 - h), dJ/dW = delta a^T.
"""

import numpy as np
import pytest

from nn.lectures.worked_example import (
    worked_example_report,
    worked_example_run,
    worked_example_step,
)

X = np.array([0.05, 0.10])
Y = np.array([0.01, 0.99])
LR = 0.5
TOL = 1e-9


def start():
    W1, b1 = np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([0.35, 0.35])
    W2, b2 = np.array([[0.40, 0.45], [0.50, 0.55]]), np.array([0.60, 0.60])
    return W1, b1, W2, b2


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(W1, b1, W2, b2):
    z1 = W1 @ X + b1
    h = sigmoid(z1)
    z2 = W2 @ h + b2
    o = sigmoid(z2)
    return z1, h, z2, o, 0.5 * np.sum((o - Y) ** 2)


def backward(W1, b1, W2, b2):
    _, h, _, o, _ = forward(W1, b1, W2, b2)
    delta_out = (o - Y) * o * (1 - o)
    delta_hidden = (W2.T @ delta_out) * h * (1 - h)
    return np.outer(delta_hidden, X), delta_hidden, np.outer(delta_out, h), delta_out


def numpy_run(steps, train_biases):
    W1, b1, W2, b2 = start()
    for _ in range(steps):
        gW1, gb1, gW2, gb2 = backward(W1, b1, W2, b2)
        W1, W2 = W1 - LR * gW1, W2 - LR * gW2
        if train_biases:
            b1, b2 = b1 - LR * gb1, b2 - LR * gb2
    return (W1, b1, W2, b2), forward(W1, b1, W2, b2)


def as_labels(W1, b1, W2, b2):
    """The numpy arrays keyed by nn's parameter labels (row j of W = neuron j's weights)."""
    named = {}
    for layer, (W, b) in enumerate([(W1, b1), (W2, b2)]):
        for j in range(2):
            named[f"L{layer}.N{j}.w0"], named[f"L{layer}.N{j}.w1"] = W[j]
            named[f"L{layer}.N{j}.b"] = b[j]
    return named


@pytest.fixture(scope="module")
def step():
    return worked_example_step()


def test_forward_pass(step):
    z1, h, z2, o, J = forward(*start())
    assert step.hidden_net == pytest.approx(z1, abs=TOL) and step.hidden == pytest.approx(
        h, abs=TOL
    )
    assert step.output_net == pytest.approx(z2, abs=TOL) and step.output == pytest.approx(
        o, abs=TOL
    )
    assert step.errors == pytest.approx(0.5 * (o - Y) ** 2, abs=TOL)
    assert step.total_error == pytest.approx(J, abs=TOL)


def test_every_gradient(step):
    expected = as_labels(*backward(*start()))
    assert step.gradients.keys() == expected.keys()
    for label, value in expected.items():
        assert step.gradients[label] == pytest.approx(value, abs=TOL), label


def test_all_eight_weights_after_one_step_with_biases_fixed(step):
    W1, b1, W2, b2 = start()
    gW1, _, gW2, _ = backward(W1, b1, W2, b2)
    expected = as_labels(W1 - LR * gW1, b1, W2 - LR * gW2, b2)
    for label, value in expected.items():
        assert step.updated[label] == pytest.approx(value, abs=TOL), label
    assert [step.updated[f"L{i}.N{j}.b"] for i in (0, 1) for j in (0, 1)] == [
        0.35,
        0.35,
        0.60,
        0.60,
    ]


def test_the_classic_printed_numbers(step):
    # The walk-through this example comes from prints these to 9 decimals.
    assert step.hidden == pytest.approx([0.593269992, 0.596884378], abs=1e-9)
    assert step.output == pytest.approx([0.75136507, 0.772928465], abs=1e-9)
    assert step.total_error == pytest.approx(0.298371109, abs=1e-9)
    w = step.updated
    assert [w["L1.N0.w0"], w["L1.N0.w1"], w["L1.N1.w0"], w["L1.N1.w1"]] == pytest.approx(
        [0.35891648, 0.408666186, 0.511301270, 0.561370121], abs=1e-9
    )
    assert [w["L0.N0.w0"], w["L0.N0.w1"], w["L0.N1.w0"], w["L0.N1.w1"]] == pytest.approx(
        [0.149780716, 0.19956143, 0.24975114, 0.29950229],
        abs=1e-8,  # printed to 8-9 digits
    )


def test_error_after_ten_thousand_steps():
    run = worked_example_run(10_000)
    params, (_, _, _, o, J) = numpy_run(10_000, train_biases=False)
    assert run.total_error == pytest.approx(J, abs=TOL)
    assert run.total_error == pytest.approx(
        3.5101878e-05, rel=1e-6
    )  # numpy's value, kept to spot drift
    assert run.output == pytest.approx(o, abs=TOL)
    for label, value in as_labels(*params).items():
        assert run.parameters[label] == pytest.approx(value, abs=TOL), label


def test_variant_training_the_biases_too():
    step = worked_example_step(train_biases=True)
    W1, b1, W2, b2 = start()
    gW1, gb1, gW2, gb2 = backward(W1, b1, W2, b2)
    expected = as_labels(W1 - LR * gW1, b1 - LR * gb1, W2 - LR * gW2, b2 - LR * gb2)
    for label, value in expected.items():
        assert step.updated[label] == pytest.approx(value, abs=TOL), label
    run = worked_example_run(10_000, train_biases=True)
    params, (_, _, _, o, J) = numpy_run(10_000, train_biases=True)
    assert run.total_error == pytest.approx(J, abs=TOL) and run.output == pytest.approx(o, abs=TOL)
    for label, value in as_labels(*params).items():
        assert run.parameters[label] == pytest.approx(value, abs=TOL), label
    assert (
        J < 0.1 * numpy_run(10_000, train_biases=False)[1][4]
    )  # training the biases helps a lot here


def test_report_prints_the_numbers():
    report = worked_example_report(steps=10)
    assert "h1: z = 0.377500000  a = 0.593269992" in report
    assert "J = 0.298371109" in report
    assert "w5    L1.N0.w0  0.4000  +0.082167041  0.358916480" in report
