"""Notes 002's regression family on small generated data (item 7), against numpy closed forms.

linear regression by gradient descent = (X^T X)^-1 X^T y; Newton reaches it in one step;
ridge = its closed form (bias not penalized, as nn's L2 does); logistic regression by gradient
descent and by Newton/IRLS (Hessian from autograd.hessian) reach the same optimum as an IRLS
written in numpy; softmax regression on three classes follows a numpy gradient descent step by step.
"""

import numpy as np
import pytest

from autograd import Value, dot, grad, hessian
from autograd import sum as value_sum
from nn import Layer, Neuron, accuracy, binary_cross_entropy_with_logits, predict, train

rng = np.random.default_rng(0)
M = 40
FEATURES = rng.normal(size=(M, 2))
DESIGN = np.column_stack([np.ones(M), FEATURES])  # x_0 = 1 carries the bias
Y_LINEAR = DESIGN @ np.array([1.5, 2.0, -1.0]) + 0.3 * rng.normal(size=M)
# Overlapping classes, so the logistic likelihood has a finite maximum.
Y_BINARY = (FEATURES @ np.array([1.0, -2.0]) + 0.5 + rng.logistic(size=M) > 0).astype(float)


def theta_of(neuron):
    """[bias, w1, w2]: the order of DESIGN's columns."""
    return np.array([neuron.b.data] + [w.data for w in neuron.w])


def test_linear_regression_by_gradient_descent_equals_the_closed_form():
    closed_form = np.linalg.solve(DESIGN.T @ DESIGN, DESIGN.T @ Y_LINEAR)
    np.testing.assert_allclose(
        closed_form, np.linalg.lstsq(DESIGN, Y_LINEAR, rcond=None)[0], rtol=1e-12
    )
    neuron = Neuron(2, "linear", init="zeros")
    train(neuron, FEATURES, Y_LINEAR, loss="mse", lr=0.1, epochs=400)
    np.testing.assert_allclose(theta_of(neuron), closed_form, atol=1e-10)


def test_online_gradient_descent_with_a_decaying_rate_gets_close():
    closed_form = np.linalg.lstsq(DESIGN, Y_LINEAR, rcond=None)[0]
    neuron = Neuron(2, "linear", init="zeros")
    train(neuron, FEATURES, Y_LINEAR, loss="mse", lr=0.05, epochs=60, batch_size=1, seed=0,
          lr_schedule=lambda epoch: 0.05 / (1 + epoch))  # fmt: skip
    np.testing.assert_allclose(theta_of(neuron), closed_form, atol=0.05)


def sum_of_squares(*theta):
    """J(theta) = sum_i (y_i - x_i . theta)^2, the notes' least-squares cost, on Values."""
    return value_sum([(y - dot(theta, x)) ** 2 for x, y in zip(DESIGN.tolist(), Y_LINEAR.tolist())])


def test_newton_on_least_squares_lands_on_the_closed_form_in_one_step():
    theta = [Value(0.0) for _ in range(3)]
    H = np.array(hessian(sum_of_squares, theta))
    np.testing.assert_allclose(H, 2 * DESIGN.T @ DESIGN, rtol=1e-12)  # notes: H = 2 X^T X
    g = np.array(grad(sum_of_squares(*theta), theta))
    step = np.zeros(3) - np.linalg.solve(H, g)
    np.testing.assert_allclose(step, np.linalg.lstsq(DESIGN, Y_LINEAR, rcond=None)[0], atol=1e-12)


def test_ridge_equals_its_closed_form_with_the_bias_left_out():
    strength = 0.5
    # nn minimizes (1/m) sum (y - x.theta)^2 + strength |w|^2; times m that is the notes' ridge cost
    # with delta^2 = m * strength on the weights, none on the bias.
    penalty = M * strength * np.diag([0.0, 1.0, 1.0])
    closed_form = np.linalg.solve(DESIGN.T @ DESIGN + penalty, DESIGN.T @ Y_LINEAR)
    neuron = Neuron(2, "linear", init="zeros")
    train(neuron, FEATURES, Y_LINEAR, loss="mse", lr=0.1, epochs=300, l2=strength)
    np.testing.assert_allclose(theta_of(neuron), closed_form, atol=1e-10)
    assert np.linalg.norm(closed_form[1:]) < np.linalg.norm(
        np.linalg.lstsq(DESIGN, Y_LINEAR, rcond=None)[0][1:]
    )


def numpy_irls(iterations):
    """Notes 002: theta <- theta - (X^T S X)^-1 X^T (pi - y), S = diag(pi (1 - pi))."""
    theta, path = np.zeros(3), []
    for _ in range(iterations):
        pi = 1 / (1 + np.exp(-DESIGN @ theta))
        theta = theta - np.linalg.solve(
            DESIGN.T @ (DESIGN * (pi * (1 - pi))[:, None]), DESIGN.T @ (pi - Y_BINARY)
        )
        path.append(theta)
    return path


def negative_log_likelihood(*theta):
    """C(theta) = -sum_i [y log pi + (1 - y) log(1 - pi)], pi = s(x . theta), on Values."""
    return value_sum(
        [
            binary_cross_entropy_with_logits(dot(theta, x), y)
            for x, y in zip(DESIGN.tolist(), Y_BINARY.tolist())
        ]
    )


def test_logistic_regression_newton_irls_converges_in_a_handful_of_steps():
    theta = np.zeros(3)
    reference = numpy_irls(8)
    for iteration in range(8):
        values = [Value(t) for t in theta]
        g = np.array(grad(negative_log_likelihood(*values), values))
        H = np.array(hessian(negative_log_likelihood, values))
        pi = 1 / (1 + np.exp(-DESIGN @ theta))
        np.testing.assert_allclose(
            H, DESIGN.T @ (DESIGN * (pi * (1 - pi))[:, None]), rtol=1e-10
        )  # X^T S X
        theta = theta - np.linalg.solve(H, g)
        np.testing.assert_allclose(theta, reference[iteration], rtol=1e-9, atol=1e-12)
    values = [Value(t) for t in theta]
    assert np.abs(grad(negative_log_likelihood(*values), values)).max() < 1e-10


def test_logistic_regression_by_gradient_descent_reaches_the_newton_optimum():
    optimum = numpy_irls(12)[-1]
    neuron = Neuron(2, "linear", init="zeros")
    train(neuron, FEATURES, Y_BINARY, loss="bce_with_logits", lr=4.0, epochs=600)
    np.testing.assert_allclose(theta_of(neuron), optimum, atol=1e-6)


def test_softmax_regression_on_three_classes_follows_numpy_step_by_step():
    centres = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])
    labels = np.repeat(np.arange(3), 15)
    points = centres[labels] + rng.normal(scale=0.9, size=(45, 2))
    layer = Layer(2, 3, "linear", seed=0)
    weights, biases = layer.to_numpy()
    theta = np.column_stack([biases, weights])  # row c: [bias_c, w_c]
    X = np.column_stack([np.ones(len(labels)), points])
    one_hot = np.eye(3)[labels]
    lr, steps = 0.5, 40
    for _ in range(steps):
        logits = X @ theta.T
        logits -= logits.max(axis=1, keepdims=True)
        pi = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        theta -= lr * (pi - one_hot).T @ X / len(labels)  # gradient of the mean cross-entropy
    history = train(
        layer, points, labels.tolist(), loss="softmax_cross_entropy", lr=lr, epochs=steps
    )
    weights, biases = layer.to_numpy()
    np.testing.assert_allclose(np.column_stack([biases, weights]), theta, atol=1e-12)
    assert history[-1] < history[0] / 3
    predicted = [int(np.argmax(out)) for out in predict(layer, points)]
    assert accuracy(predicted, labels.tolist()) >= 0.9
    one_hot_history = train(
        Layer(2, 3, "linear", seed=0),
        points,
        one_hot,
        loss="softmax_cross_entropy",
        lr=lr,
        epochs=3,
    )
    assert one_hot_history == pytest.approx(history[:3], rel=1e-14)
