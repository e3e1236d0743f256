"""Notes 002's ridge, lasso and the noise level's MLE (nn.lectures.regularization), against scikit-learn and numpy.

scikit-learn's Lasso minimizes (1/(2m)) ||y - b - X w||^2 + alpha ||w||_1, the notes' lasso cost
||y - b - X w||^2 + lam ||w||_1 divided by 2m: so alpha = lam / (2m). Its Ridge minimizes
||y - b - X w||^2 + alpha ||w||^2, the notes' ridge cost as written (alpha = delta2). Both leave
the intercept unpenalized, as the module does.
"""

import itertools
import math

import numpy as np
import pytest

from autograd import Value, grad
from nn.lectures.regularization import (
    gaussian_nll,
    l1_norm,
    lasso_cost_value,
    lasso_ista,
    lasso_subgradient,
    make_sparse_regression,
    maximum_likelihood_fit,
    ridge_closed_form,
    soft_threshold,
)

linear_model = pytest.importorskip("sklearn.linear_model")

X, Y, W_TRUE = make_sparse_regression()
M = len(Y)


def sklearn_lasso(lam):
    model = linear_model.Lasso(alpha=lam / (2 * M), tol=1e-12, max_iter=100_000)
    return model.fit(X, Y)


@pytest.mark.parametrize("lam", [5.0, 20.0, 60.0])
def test_ista_matches_sklearn_lasso_and_its_exact_zeros(lam):
    reference = sklearn_lasso(lam)
    fit = lasso_ista(X, Y, lam, steps=500)
    np.testing.assert_array_equal(fit.weights == 0.0, reference.coef_ == 0.0)
    np.testing.assert_allclose(fit.weights, reference.coef_, atol=1e-8)
    assert fit.intercept == pytest.approx(reference.intercept_, abs=1e-8)


def test_lasso_zeros_the_irrelevant_features_at_a_moderate_penalty():
    fit = lasso_ista(X, Y, 20.0, steps=500)
    assert set(np.flatnonzero(fit.weights == 0.0)) == set(np.flatnonzero(W_TRUE == 0.0))


def test_ista_never_raises_the_cost():
    history = lasso_ista(X, Y, 20.0, steps=200).history
    assert all(later <= earlier + 1e-9 for earlier, later in itertools.pairwise(history))


def test_subgradient_descent_gets_close_but_gives_no_exact_zeros():
    reference = sklearn_lasso(20.0)
    best = lasso_cost_value(reference.intercept_, reference.coef_, X, Y, 20.0)
    fit = lasso_subgradient(X, Y, 20.0, steps=500)
    assert lasso_cost_value(fit.intercept, fit.weights, X, Y, 20.0) == pytest.approx(best, rel=2e-3)
    np.testing.assert_allclose(fit.weights, reference.coef_, atol=0.02)
    assert np.all(fit.weights != 0.0)


def test_l1_norm_and_its_subgradient():
    w = [Value(-2.0), Value(0.0), Value(3.0)]
    norm = l1_norm(w)
    assert norm.data == 5.0
    assert grad(norm, w) == [-1.0, 0.0, 1.0]  # sign(w), with 0 at the kink


def test_soft_threshold_by_hand():
    v = np.array([-3.0, -0.5, 0.0, 0.4, 2.0])
    np.testing.assert_array_equal(soft_threshold(v, 1.0), [-2.0, 0.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("delta2", [0.0, 1.0, 50.0])
def test_ridge_matches_sklearn_and_the_augmented_normal_equations(delta2):
    b, w = ridge_closed_form(X, Y, delta2)
    reference = linear_model.Ridge(alpha=delta2).fit(X, Y)
    np.testing.assert_allclose(w, reference.coef_, rtol=1e-10, atol=1e-12)
    assert b == pytest.approx(reference.intercept_, rel=1e-10)
    # The normal equations with a column of ones and a penalty that spares it.
    design = np.column_stack([np.ones(M), X])
    penalty = delta2 * np.diag([0.0] + [1.0] * X.shape[1])
    theta = np.linalg.solve(design.T @ design + penalty, design.T @ Y)
    np.testing.assert_allclose(np.r_[b, w], theta, rtol=1e-9, atol=1e-12)


def test_ridge_shrinks_but_does_not_zero():
    _, w = ridge_closed_form(X, Y, 50.0)
    _, w_ls = ridge_closed_form(X, Y, 0.0)
    assert np.linalg.norm(w) < np.linalg.norm(w_ls)
    assert np.all(w != 0.0)


def test_gaussian_nll_equals_the_log_density_sum():
    b, w, log_sigma = 0.3, np.linspace(-1, 1, X.shape[1]), math.log(0.7)
    nll = gaussian_nll(Value(b), [Value(v) for v in w], Value(log_sigma), X, Y)
    sigma = math.exp(log_sigma)
    residual = Y - b - X @ w
    density = np.exp(-(residual**2) / (2 * sigma**2)) / math.sqrt(2 * math.pi * sigma**2)
    assert nll.data == pytest.approx(-np.sum(np.log(density)), rel=1e-12)


def test_mle_of_sigma_is_the_rms_residual_of_least_squares():
    design = np.column_stack([np.ones(M), X])
    theta_ls = np.linalg.lstsq(design, Y, rcond=None)[0]
    rms_residual = math.sqrt(np.mean((Y - design @ theta_ls) ** 2))
    b, w, sigma, history = maximum_likelihood_fit(X, Y)
    np.testing.assert_allclose(np.r_[b, w], theta_ls, atol=1e-10)
    assert sigma == pytest.approx(rms_residual, rel=1e-10)
    assert history[-1] < history[0]


def test_nll_slope_in_sigma_vanishes_at_the_rms_residual():
    # By hand: d NLL / d sigma = m / sigma - ||r||^2 / sigma^3, zero at sigma^2 = ||r||^2 / m.
    design = np.column_stack([np.ones(M), X])
    theta_ls = np.linalg.lstsq(design, Y, rcond=None)[0]
    residual = Y - design @ theta_ls
    sigma = math.sqrt(np.mean(residual**2))
    for s, expected_sign in ((0.8 * sigma, -1.0), (sigma, 0.0), (1.25 * sigma, 1.0)):
        log_sigma = Value(math.log(s))
        nll = gaussian_nll(Value(theta_ls[0]), [Value(t) for t in theta_ls[1:]], log_sigma, X, Y)
        (slope,) = grad(nll, [log_sigma])  # d/d log sigma = sigma d/d sigma
        by_hand = s * (M / s - residual @ residual / s**3)
        assert slope == pytest.approx(by_hand, abs=1e-9)
        assert np.sign(round(slope, 9)) == expected_sign


@pytest.mark.parametrize("lam", [-1.0, math.nan, math.inf, "1"])
def test_a_bad_penalty_is_named(lam):
    with pytest.raises(ValueError, match="lasso: lam must be a finite number >= 0"):
        lasso_ista(X, Y, lam, steps=1)
    with pytest.raises(ValueError, match="ridge: delta2 must be a finite number >= 0"):
        ridge_closed_form(X, Y, lam)
