"""Small datasets made on the spot (no downloads): XOR and two moons."""

from __future__ import annotations

import numpy as np

XOR_INPUTS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))


def xor_dataset() -> tuple[list[list[float]], list[float]]:
    """The four XOR cases: inputs [[0,0], [0,1], [1,0], [1,1]] and targets [0, 1, 1, 0]."""
    inputs = [list(x) for x in XOR_INPUTS]
    return inputs, [float(int(a) ^ int(b)) for a, b in XOR_INPUTS]


def make_moons(
    n_samples: int = 100, noise: float = 0.1, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (like scikit-learn's ``make_moons``), with Gaussian noise.

    Returns ``X`` of shape (n_samples, 2) and labels ``y`` in {0, 1}: the upper moon
    (cos t, sin t) is class 0, the lower moon (1 - cos t, 1/2 - sin t) class 1, t in [0, pi].
    """
    if n_samples < 2:
        raise ValueError(f"make_moons needs n_samples >= 2, not {n_samples}")
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower])
    y = np.concatenate([np.zeros(n_upper, dtype=int), np.ones(n_lower, dtype=int)])
    rng = np.random.default_rng(seed)
    X = X + rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n_samples)
    return X[order], y[order]
