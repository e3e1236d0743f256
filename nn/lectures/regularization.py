"""Notes 002's regularized linear regression: ridge, lasso (two ways) and the noise level's MLE.

The costs keep the notes' scale, a sum over the m samples, with the intercept b left out of
the penalty (as ``nn``'s L2 leaves biases out):

    ridge   J(b, w) = ||y - b - X w||^2 + delta2 ||w||^2
    lasso   J(b, w) = ||y - b - X w||^2 + lam ||w||_1

Ridge has a closed form. The lasso's |w| has a kink at 0, so it has none: it is fitted by
subgradient descent (backward through |w| = relu(w) + relu(-w), whose slope at 0 is 0) or by
proximal gradient descent (ISTA): a gradient step on the squared error, then soft-thresholding,
which sets small weights to exactly 0. Gradients come from the engine (``autograd.grad``).
scikit-learn's ``Lasso(alpha)`` minimizes the same lasso cost divided by 2m: alpha = lam / (2m).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from autograd import Value, dot, grad
from autograd import sum as value_sum


def check_penalty(what: str, value: float) -> float:
    """``value`` as a float if it is a finite number >= 0, else a ValueError naming ``what``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0.0 <= value < math.inf
    ):
        raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")
    return float(value)


def make_sparse_regression(
    m: int = 40, noise: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X`` (m x 8, correlated columns), ``y = 1 + X w_true + noise`` and ``w_true``, which has 5 zeros."""
    rng = np.random.default_rng(seed)
    w_true = np.array([3.0, -2.0, 0.0, 0.0, 1.5, 0.0, 0.0, 0.0])
    shared = rng.normal(size=(m, 1))  # a common factor makes neighbouring features correlate
    X = rng.normal(size=(m, w_true.size)) + 0.5 * shared
    y = 1.0 + X @ w_true + noise * rng.normal(size=m)
    return X, y, w_true


def ridge_closed_form(X: np.ndarray, y: np.ndarray, delta2: float) -> tuple[float, np.ndarray]:
    """(b, w) minimizing ||y - b - X w||^2 + delta2 ||w||^2: centring removes b, then (X^T X + delta2 I) w = X^T y."""
    delta2 = check_penalty("ridge: delta2", delta2)
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc = X - x_mean
    w = np.linalg.solve(Xc.T @ Xc + delta2 * np.eye(X.shape[1]), Xc.T @ (y - y_mean))
    return float(y_mean - x_mean @ w), w


def squared_error_cost(b: Value, w: Sequence[Value], X: np.ndarray, y: np.ndarray) -> Value:
    """||y - b - X w||^2 as one graph: one ``dot`` node per sample."""
    return value_sum([(yi - b - dot(w, xi)) ** 2 for xi, yi in zip(X.tolist(), y.tolist())])


def l1_norm(w: Sequence[Value]) -> Value:
    """sum_j |w_j|, with |w| = relu(w) + relu(-w): backward gives slope -1, 0 or +1 (0 at w = 0)."""
    return value_sum([wj.relu() + (-wj).relu() for wj in w])


def lasso_cost(b: Value, w: Sequence[Value], X: np.ndarray, y: np.ndarray, lam: float) -> Value:
    """||y - b - X w||^2 + lam ||w||_1."""
    return squared_error_cost(b, w, X, y) + lam * l1_norm(w)


def lasso_cost_value(b: float, w: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float) -> float:
    """The lasso cost at plain numbers (numpy), to compare fits."""
    residual = y - b - X @ w
    return float(residual @ residual + lam * np.abs(w).sum())


@dataclass(frozen=True)
class LinearFit:
    """An intercept, a weight vector and the cost after each step."""

    intercept: float
    weights: np.ndarray
    history: list[float]


def lipschitz_step(X: np.ndarray) -> float:
    """1 / L, L = 2 lambda_max([1 X]^T [1 X]): the largest step for which a gradient step on ||y - b - X w||^2 cannot overshoot."""
    design = np.column_stack([np.ones(len(X)), X])
    return 1.0 / (2.0 * float(np.linalg.eigvalsh(design.T @ design).max()))


def lasso_subgradient(
    X: np.ndarray, y: np.ndarray, lam: float, steps: int = 500, lr: float | None = None
) -> LinearFit:
    """Subgradient descent on the lasso cost, step lr / sqrt(k + 1) at step k (lr defaults to ``lipschitz_step``).

    The weights hover around 0 without ever landing on it: a subgradient method gives no exact zeros.
    """
    lam = check_penalty("lasso: lam", lam)
    lr = lipschitz_step(X) if lr is None else lr
    b, w = 0.0, np.zeros(X.shape[1])
    history = []
    for k in range(steps):
        params = [Value(b)] + [Value(wj) for wj in w]
        cost = lasso_cost(params[0], params[1:], X, y, lam)
        history.append(cost.data)
        gradient = np.array(grad(cost, params), dtype=float)
        step = lr / math.sqrt(k + 1)
        b, w = b - step * gradient[0], w - step * gradient[1:]
    return LinearFit(b, w, history)


def soft_threshold(v: np.ndarray, threshold: float) -> np.ndarray:
    """sign(v) max(|v| - threshold, 0): the proximal step of threshold |v|, exactly 0 inside [-threshold, threshold]."""
    shrunk: np.ndarray = np.sign(v) * np.maximum(np.abs(v) - threshold, 0.0)
    return shrunk


def lasso_ista(
    X: np.ndarray,
    y: np.ndarray,
    lam: float,
    steps: int = 500,
    lr: float | None = None,
    start: LinearFit | None = None,
) -> LinearFit:
    """Proximal gradient descent (ISTA): a gradient step on the squared error, then soft-threshold w by lr * lam.

    lr defaults to ``lipschitz_step``, which makes every step lower the cost. ``start`` warm-starts
    from an earlier fit (to follow a path of lam values). b is not penalized, so not thresholded.
    """
    lam = check_penalty("lasso: lam", lam)
    lr = lipschitz_step(X) if lr is None else lr
    b, w = (0.0, np.zeros(X.shape[1])) if start is None else (start.intercept, start.weights.copy())
    history = []
    for _ in range(steps):
        params = [Value(b)] + [Value(wj) for wj in w]
        gradient = np.array(grad(squared_error_cost(params[0], params[1:], X, y), params))
        b = b - lr * gradient[0]
        w = soft_threshold(w - lr * gradient[1:], lr * lam)
        history.append(lasso_cost_value(b, w, X, y, lam))
    return LinearFit(b, w, history)


def gaussian_nll(
    b: Value, w: Sequence[Value], log_sigma: Value, X: np.ndarray, y: np.ndarray
) -> Value:
    """-log p(y | X, b, w, sigma) = m/2 log(2 pi) + m log sigma + ||y - b - X w||^2 / (2 sigma^2), sigma = exp(log_sigma)."""
    m = len(y)
    inverse_variance = (-2.0 * log_sigma).exp()
    return (
        0.5 * m * math.log(2.0 * math.pi)
        + m * log_sigma
        + 0.5 * inverse_variance * squared_error_cost(b, w, X, y)
    )


def maximum_likelihood_fit(
    X: np.ndarray, y: np.ndarray, steps: int = 400, lr: float = 0.1
) -> tuple[float, np.ndarray, float, list[float]]:
    """(b, w, sigma, mean NLL per step) maximizing the Gaussian likelihood over b, w and log sigma jointly.

    Gradient descent on the mean NLL with the engine's gradients, from w = 0 and sigma = std(y).
    Nothing here is told the answer; the notes derive it: w is least squares, sigma^2 = ||residual||^2 / m.
    (Newton's method is no shortcut here: the NLL is not convex in (w, log sigma) far from the optimum.)
    """
    theta = np.concatenate([[0.0], np.zeros(X.shape[1]), [math.log(float(np.std(y)))]])
    history = []
    for _ in range(steps):
        params = [Value(t) for t in theta]
        mean_nll = gaussian_nll(params[0], params[1:-1], params[-1], X, y) * (1.0 / len(y))
        history.append(mean_nll.data)
        theta = theta - lr * np.array(grad(mean_nll, params), dtype=float)
    return float(theta[0]), theta[1:-1], math.exp(theta[-1]), history
