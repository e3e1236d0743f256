"""Notes 000 and 003: one hidden layer approximates a smooth function, and K classes need K softmax outputs.

* Universal approximation (notes 000, theorem 10): a 1-h-1 tanh network, trained by Adam, fits
  f(x) = sin(3x) on [-2, 2] better as the hidden width h grows. Each wider network starts from
  the narrower one's solution plus fresh units whose output weights are 0 (so it starts exactly
  where the narrower one ended): what it gains is what the extra units add, not the luck of a
  new random start.
* K-class outputs (notes 000 and 003): a network with K linear outputs, read through softmax,
  trained with softmax cross-entropy on three interleaved spirals that no linear model separates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..module import MLP
from ..optim import Adam
from ..train import History, predict, train

DOMAIN = (-2.0, 2.0)
WIDTHS = (1, 2, 4, 8, 16)


def target_function(x: np.ndarray) -> np.ndarray:
    """f(x) = sin(3x): smooth, with four turning points on [-2, 2]."""
    return np.sin(3.0 * np.asarray(x, dtype=float))


def training_points(m: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """m evenly spaced x in DOMAIN (as a column) and f(x)."""
    x = np.linspace(*DOMAIN, m)
    return x[:, None], target_function(x)


def approximation_errors(model: MLP, points: int = 400) -> tuple[float, float]:
    """(RMS, max) of model(x) - f(x) over a fine grid of DOMAIN; the max is the notes' epsilon."""
    x = np.linspace(*DOMAIN, points)
    error = np.array(predict(model, x[:, None])) - target_function(x)
    return float(np.sqrt(np.mean(error**2))), float(np.max(np.abs(error)))


def widen(model: MLP | None, width: int, seed: int) -> MLP:
    """A 1-``width``-1 tanh network: ``model``'s units first, then fresh random ones with output weight 0.

    It computes exactly what ``model`` computes (a fresh random network when ``model`` is None).
    """
    wider = MLP(1, [width, 1], activation="tanh", seed=seed)
    if model is None:
        return wider
    (old_hidden, old_biases), (old_output, old_output_bias) = model.to_numpy()
    (hidden, biases), (output, _) = wider.to_numpy()
    kept = old_hidden.shape[0]
    if kept > width:
        raise ValueError(f"widen: cannot narrow a network of width {kept} to {width}")
    hidden[:kept], biases[:kept] = old_hidden, old_biases
    output[:, :kept], output[:, kept:] = old_output, 0.0
    wider.set_weights(
        [(hidden.tolist(), biases.tolist()), (output.tolist(), old_output_bias.tolist())]
    )
    return wider


@dataclass(frozen=True)
class WidthFit:
    """One trained 1-h-1 network: its width, RMS and max error on the grid, the model and its loss history."""

    width: int
    rms_error: float
    max_error: float
    model: MLP
    history: History


def fit_widths(
    widths: Sequence[int] = WIDTHS, seed: int = 0, epochs: int = 1500, lr: float = 0.01
) -> list[WidthFit]:
    """Train 1-h-1 tanh networks of growing widths (full batch, Adam, MSE), each widened from the previous one."""
    x, y = training_points()
    fits: list[WidthFit] = []
    model: MLP | None = None
    for width in widths:
        model = widen(model, width, seed)
        history = train(
            model,
            x,
            y,
            loss="mse",
            optimizer=Adam(model.parameters(), lr=lr),
            epochs=epochs,
            progress=False,
        )
        fits.append(WidthFit(width, *approximation_errors(model), model, history))
    return fits


def make_spirals(
    per_class: int = 60, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms in the plane, ``per_class`` points each: X (n x 2), labels 0..classes-1."""
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.1, 1.0, per_class), classes)
    labels = np.repeat(np.arange(classes), per_class)
    angle = 4.0 * radius + labels * 2.0 * math.pi / classes + noise * rng.normal(size=radius.size)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X, labels


def train_softmax_classifier(
    X: np.ndarray,
    labels: np.ndarray,
    hidden: Sequence[int] = (16, 16),
    epochs: int = 400,
    lr: float = 0.03,
    seed: int = 0,
) -> tuple[MLP, History]:
    """An MLP with tanh ``hidden`` layers and one linear output per class, trained by Adam on softmax cross-entropy."""
    classes = int(labels.max()) + 1
    model = MLP(X.shape[1], [*hidden, classes], activation="tanh", seed=seed)
    history = train(
        model,
        X,
        [int(c) for c in labels],
        loss="softmax_cross_entropy",
        optimizer=Adam(model.parameters(), lr=lr),
        epochs=epochs,
        progress=False,
    )
    return model, history


def class_probabilities(model: MLP, X: np.ndarray) -> np.ndarray:
    """softmax of the model's K outputs for each row of X: an n x K array whose rows sum to 1."""
    logits = np.array(predict(model, X), dtype=float)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return probabilities
