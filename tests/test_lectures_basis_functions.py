"""Notes 002's basis-function regression (nn.lectures.basis_functions): polynomial and RBF features.

The RBF kernel is checked against the notes' formula by hand and against scikit-learn's
rbf_kernel (exp(-gamma ||x - mu||^2), so gamma = 1 / lam); fits against numpy's lstsq and sklearn.
"""

import math

import numpy as np
import pytest

from nn import Neuron, train
from nn.lectures.basis_functions import (
    fit_least_squares,
    polynomial_design,
    polynomial_errors,
    quadratic_data,
    rbf_design,
    rbf_errors,
    rbf_kernel,
    wave_data,
)

pairwise = pytest.importorskip("sklearn.metrics.pairwise")
linear_model = pytest.importorskip("sklearn.linear_model")


def test_rbf_kernel_is_the_notes_formula():
    # The notes' example: y(x) = theta_0 + e^-||x-1||^2 theta_1 + ..., lam = 1.
    assert rbf_kernel(np.array([1.0]), 1.0, 1.0)[0] == 1.0
    assert rbf_kernel(np.array([3.0]), 1.0, 1.0)[0] == pytest.approx(math.exp(-4.0), rel=1e-15)
    assert rbf_kernel(np.array([[1.0, 2.0]]), np.array([0.0, 0.0]), 0.5)[0] == pytest.approx(
        math.exp(-5.0 / 0.5), rel=1e-15
    )


@pytest.mark.parametrize("width", [0.01, 0.1, 2.0])
def test_rbf_design_matches_sklearn_rbf_kernel(width):
    x, _ = wave_data(15, seed=3)
    centres = np.array([0.2, 0.5, 0.9])
    design = rbf_design(x, centres, width)
    reference = pairwise.rbf_kernel(x[:, None], centres[:, None], gamma=1.0 / width)
    np.testing.assert_array_equal(design[:, 0], 1.0)
    np.testing.assert_allclose(design[:, 1:], reference, rtol=1e-12)


def test_polynomial_design_is_a_vandermonde_matrix():
    x = np.array([-1.0, 0.5, 2.0])
    np.testing.assert_array_equal(polynomial_design(x, 3), np.vander(x, 4, increasing=True))


def test_least_squares_and_ridge_match_sklearn():
    x, y = quadratic_data(30, seed=4)
    design = polynomial_design(x, 3)
    plain = linear_model.LinearRegression(fit_intercept=False).fit(design, y)
    np.testing.assert_allclose(fit_least_squares(design, y), plain.coef_, rtol=1e-10)
    ridge = linear_model.Ridge(alpha=0.5, fit_intercept=False).fit(design, y)
    np.testing.assert_allclose(fit_least_squares(design, y, 0.5), ridge.coef_, rtol=1e-10)


def test_a_linear_neuron_trained_on_the_basis_reaches_the_closed_form():
    # "It is still a regression!": gradient descent on phi(x) finds the same theta.
    x, y = quadratic_data(30, seed=4)
    design = polynomial_design(x, 2)
    neuron = Neuron(2, "linear", init="zeros")
    train(neuron, design[:, 1:], y, loss="mse", lr=0.3, epochs=3000, progress=False)
    learned = [neuron.b.data] + [w.data for w in neuron.w]
    np.testing.assert_allclose(learned, fit_least_squares(design, y), atol=1e-6)


def test_polynomial_degree_underfits_then_overfits_on_held_out_points():
    rows = polynomial_errors(
        quadratic_data(12, seed=1), quadratic_data(200, seed=2), list(range(12))
    )
    train_error = {degree: tr for degree, tr, _ in rows}
    test_error = {degree: te for degree, _, te in rows}
    # Training error never rises with the degree, and 12 points are interpolated at degree 11.
    assert all(train_error[d + 1] <= train_error[d] + 1e-12 for d in range(11))
    assert train_error[11] < 1e-8
    # Held out: the true degree (2) beats both too simple (1) and too complex (9, 11) by far.
    assert test_error[2] < 0.5 * test_error[1]
    assert test_error[2] < 0.5 * test_error[9]
    assert test_error[11] > 10 * test_error[2]
    assert min(test_error, key=test_error.get) in (2, 3)


def test_rbf_width_too_narrow_or_too_wide_loses_on_held_out_points():
    rows = rbf_errors(wave_data(25, seed=1), wave_data(200, seed=2), [1e-3, 1e-2, 1e-1, 1.0], 1e-3)
    test_error = [te for _, _, te in rows]
    train_error = [tr for _, tr, _ in rows]
    assert test_error[2] == min(test_error)
    assert test_error[0] > 3 * test_error[2] and test_error[3] > 3 * test_error[2]
    assert train_error[0] < train_error[2]  # narrow kernels fit the training points, not the curve


def test_bad_widths_and_degrees_are_named():
    x = np.array([0.0, 1.0])
    for width in (0.0, -1.0, math.nan):
        with pytest.raises(ValueError, match="rbf_kernel: width must be"):
            rbf_kernel(x, 0.0, width)
    with pytest.raises(ValueError, match="degree must be an int >= 0, got -1"):
        polynomial_design(x, -1)
    with pytest.raises(ValueError, match="fit_least_squares: delta2 must be"):
        fit_least_squares(polynomial_design(x, 1), x, -0.5)
