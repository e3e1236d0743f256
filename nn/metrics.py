"""Scores for trained models: accuracy, mean squared error, R^2."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence


def accuracy(predicted: Sequence[object], actual: Sequence[object]) -> float:
    """Fraction of positions where ``predicted[i] == actual[i]``.

    Text against numbers (``"1"`` against ``1``) is a TypeError, not a silent 0: such labels
    never compare equal."""
    if len(predicted) != len(actual):
        raise ValueError(f"accuracy: {len(predicted)} predictions but {len(actual)} labels")
    if len(actual) == 0:
        raise ValueError("accuracy of no samples")
    for where, (p, a) in enumerate(zip(predicted, actual)):
        if (isinstance(p, str) and isinstance(a, numbers.Number)) or (
            isinstance(a, str) and isinstance(p, numbers.Number)
        ):
            raise TypeError(
                f"accuracy: prediction {where} is {p!r} but its label is {a!r}; text never "
                "equals a number, so convert one side (the labels must be of one kind)"
            )
    return sum(p == a for p, a in zip(predicted, actual)) / len(actual)


def mean_squared_error(predicted: Sequence[float], actual: Sequence[float]) -> float:
    """(1/m) sum_i (predicted_i - actual_i)^2."""
    if len(predicted) != len(actual) or len(actual) == 0:
        raise ValueError(
            f"mean_squared_error: {len(predicted)} predictions and {len(actual)} values"
        )
    return math.fsum((p - a) ** 2 for p, a in zip(predicted, actual)) / len(actual)


def r2_score(predicted: Sequence[float], actual: Sequence[float]) -> float:
    """1 - SS_res / SS_tot: 1 is a perfect fit, 0 is no better than predicting the mean."""
    mean = math.fsum(actual) / len(actual)
    total = math.fsum((a - mean) ** 2 for a in actual)
    residual = mean_squared_error(predicted, actual) * len(actual)
    return 1.0 - residual / total if total > 0 else (1.0 if residual == 0 else 0.0)
