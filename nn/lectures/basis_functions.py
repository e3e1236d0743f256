"""Notes 002's regression with basis functions: polynomial features and RBF kernels, fitted in closed form.

A basis phi(x) turns a curve fit into linear regression on new columns: y ~ phi(x) theta, so
least squares (theta = (Phi^T Phi)^-1 Phi^T y) and ridge ((Phi^T Phi + delta2 I)^-1 Phi^T y) apply
unchanged. The notes' RBF kernel is k(x, mu, lam) = exp(-||x - mu||^2 / lam): lam is the kernel's
width (no factor 2, so scikit-learn's rbf_kernel with gamma = 1 / lam is the same function).
"""

from __future__ import annotations

import numpy as np

from .regularization import check_penalty


def quadratic_data(m: int, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The notes' "true model" y = 1 - 2x + 3x^2 + N(0, noise^2), x uniform in [-1, 1]: m points."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, m)
    return x, 1.0 - 2.0 * x + 3.0 * x**2 + noise * rng.normal(size=m)


def wave_data(m: int, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(2 pi x) + N(0, noise^2), x uniform in [0, 1]: m points for kernel regression."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, m)
    return x, np.sin(2.0 * np.pi * x) + noise * rng.normal(size=m)


def polynomial_design(x: np.ndarray, degree: int) -> np.ndarray:
    """Rows phi(x) = [1, x, x^2, ..., x^degree] for 1-D inputs ``x``."""
    if isinstance(degree, bool) or not isinstance(degree, int) or degree < 0:
        raise ValueError(f"polynomial_design: degree must be an int >= 0, got {degree!r}")
    return np.asarray(x, dtype=float)[:, None] ** np.arange(degree + 1)


def rbf_kernel(x: np.ndarray, centre: np.ndarray, width: float) -> np.ndarray:
    """The notes' k(x, mu, lam) = exp(-||x - mu||^2 / lam) for each row of ``x`` (or each number, in 1-D)."""
    if check_penalty("rbf_kernel: width", width) == 0.0:
        raise ValueError("rbf_kernel: width must be > 0, got 0")
    points = np.asarray(x, dtype=float)
    points = points[:, None] if points.ndim == 1 else points
    squared_distance = np.sum((points - np.asarray(centre, dtype=float)) ** 2, axis=1)
    kernel: np.ndarray = np.exp(-squared_distance / width)
    return kernel


def rbf_design(x: np.ndarray, centres: np.ndarray, width: float) -> np.ndarray:
    """Rows phi(x) = [1, k(x, mu_1, lam), ..., k(x, mu_d, lam)], one kernel per centre."""
    columns = [np.ones(len(x))] + [rbf_kernel(x, mu, width) for mu in centres]
    return np.column_stack(columns)


def fit_least_squares(design: np.ndarray, y: np.ndarray, delta2: float = 0.0) -> np.ndarray:
    """theta minimizing ||y - Phi theta||^2 + delta2 ||theta||^2 (the notes' ridge, every theta penalized).

    With delta2 = 0 this is plain least squares, solved by numpy's lstsq (an SVD) rather than
    the normal equations, which lose half the digits when Phi^T Phi is badly conditioned.
    """
    theta: np.ndarray
    if check_penalty("fit_least_squares: delta2", delta2) == 0.0:
        theta = np.linalg.lstsq(design, y, rcond=None)[0]
    else:
        theta = np.linalg.solve(design.T @ design + delta2 * np.eye(design.shape[1]), design.T @ y)
    return theta


def rms(values: np.ndarray) -> float:
    """Root mean square: sqrt(mean(values^2))."""
    return float(np.sqrt(np.mean(np.square(values))))


def polynomial_errors(
    train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray], degrees: list[int]
) -> list[tuple[int, float, float]]:
    """(degree, training RMS error, held-out RMS error) of a least-squares polynomial fit, per degree."""
    rows = []
    for degree in degrees:
        theta = fit_least_squares(polynomial_design(train[0], degree), train[1])
        train_error = rms(polynomial_design(train[0], degree) @ theta - train[1])
        test_error = rms(polynomial_design(test[0], degree) @ theta - test[1])
        rows.append((degree, train_error, test_error))
    return rows


def rbf_errors(
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    widths: list[float],
    delta2: float = 1e-6,
) -> list[tuple[float, float, float]]:
    """(width, training RMS error, held-out RMS error) of ridge regression with one kernel on each training point."""
    rows = []
    for width in widths:
        theta = fit_least_squares(rbf_design(train[0], train[0], width), train[1], delta2)
        train_error = rms(rbf_design(train[0], train[0], width) @ theta - train[1])
        test_error = rms(rbf_design(test[0], train[0], width) @ theta - test[1])
        rows.append((width, train_error, test_error))
    return rows
