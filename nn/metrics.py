"""Scores for trained models: accuracy, mean squared error, R^2.

Each takes (predicted, actual), as the losses do, and what ``predict`` returns: a list or array
of one number or label per sample, or one row per sample for several outputs (a column of
shape (n, 1) counts as one output). R^2 is the one score whose order matters; scikit-learn's
``r2_score`` takes (actual, predicted).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

# A number or label per sample, or a row of them per sample: lists, tuples or numpy arrays.
Samples = Sequence[object] | np.ndarray


def _listed(values: Samples) -> Samples:
    """A pandas DataFrame or Series as its array (iterating a DataFrame gives its column names),
    any other iterable as a list; a list, tuple or array as it is."""
    if isinstance(values, (list, tuple, np.ndarray)):
        return values
    return values.to_numpy() if hasattr(values, "to_numpy") else list(values)


def _samples(values: Samples) -> list[object]:
    """One item per sample: a label, or a row (as a tuple) for several outputs; a row of one
    output is that output."""
    values = _listed(values)
    if isinstance(values, np.ndarray):
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        return [tuple(row) for row in values.tolist()] if values.ndim == 2 else values.tolist()
    items: list[object] = []
    for v in values:
        if isinstance(v, np.ndarray):
            v = v.tolist()
        if isinstance(v, (list, tuple)):
            v = v[0] if len(v) == 1 else tuple(v)
        items.append(v)
    return items


def _is_fraction(x: object) -> bool:
    """A number between whole numbers (0.9), or a row holding one."""
    if isinstance(x, tuple):
        return any(map(_is_fraction, x))
    return isinstance(x, (float, np.floating)) and math.isfinite(x) and x != round(x)


def _is_whole(x: object) -> bool:
    """A whole number (1, True, 1.0), or a row of them."""
    if isinstance(x, tuple):
        return all(map(_is_whole, x))
    if isinstance(x, numbers.Integral):
        return True
    return isinstance(x, (float, np.floating)) and math.isfinite(x) and x == round(x)


def accuracy(predicted: Samples, actual: Samples) -> float:
    """Fraction of samples whose prediction equals the label (a whole row, for several outputs).

    Text against numbers (``"1"`` against ``1``) is a TypeError, and fractions against whole
    labels (probabilities, not classes) a ValueError, not a silent 0."""
    ours, theirs = _samples(predicted), _samples(actual)
    if len(ours) != len(theirs):
        raise ValueError(f"accuracy: {len(ours)} predictions but {len(theirs)} labels")
    if len(theirs) == 0:
        raise ValueError("accuracy of no samples")
    for where, (p, a) in enumerate(zip(ours, theirs)):
        if (isinstance(p, str) and isinstance(a, numbers.Number)) or (
            isinstance(a, str) and isinstance(p, numbers.Number)
        ):
            raise TypeError(
                f"accuracy: prediction {where} is {p!r} but its label is {a!r}; text never "
                "equals a number, so convert one side (the labels must be of one kind)"
            )
    fraction = next((k for k, p in enumerate(ours) if _is_fraction(p)), None)
    if fraction is not None and all(map(_is_whole, theirs)):
        raise ValueError(
            f"accuracy: prediction {fraction} is {ours[fraction]!r}, not a whole number, but the labels "
            "are whole numbers: accuracy compares classes (probabilities or raw outputs "
            "never equal a label; take the class, such as round(p) or the index of the largest)"
        )
    return sum(p == a for p, a in zip(ours, theirs)) / len(theirs)


def _outputs(predicted: Samples, actual: Samples, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """Both sides as float arrays of one shape: (samples,) or (samples, outputs)."""
    arrays = []
    for values, what in ((predicted, "predictions"), (actual, "values")):
        try:
            given = np.asarray(_listed(values))
            if given.dtype.kind in "USO" and any(
                isinstance(v, str) or v is None for v in given.ravel().tolist()
            ):
                raise TypeError  # numpy would read "1" as 1, and None as nan
            array = given.astype(float)
        except (TypeError, ValueError):
            raise TypeError(
                f"{caller}: the {what} must be numbers, one per sample or one row per sample "
                "(not text or None)"
            ) from None
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim not in (1, 2):
            raise ValueError(
                f"{caller}: the {what} have shape {array.shape}; one number per sample, or "
                "one row per sample"
            )
        arrays.append(array)
    ours, theirs = arrays
    if len(ours) == 0 or len(theirs) == 0:
        raise ValueError(f"{caller} of no samples")
    if ours.shape != theirs.shape:
        raise ValueError(
            f"{caller}: predictions of shape {ours.shape} and values of shape {theirs.shape}"
        )
    return ours, theirs


def mean_squared_error(predicted: Samples, actual: Samples) -> float:
    """(1/m) sum_i (predicted_i - actual_i)^2, over every output of every sample (with several
    outputs, the mean of each output's error, as scikit-learn's default)."""
    ours, theirs = _outputs(predicted, actual, "mean_squared_error")
    squares = ((ours - theirs) ** 2).ravel().tolist()
    return math.fsum(squares) / len(squares)


def r2_score(predicted: Samples, actual: Samples) -> float:
    """1 - SS_res / SS_tot: 1 is a perfect fit, 0 is no better than predicting the mean; with
    several outputs, the mean of each output's R^2 (scikit-learn's default). Note the order:
    (predicted, actual), where scikit-learn's ``r2_score`` takes (actual, predicted)."""
    ours, theirs = _outputs(predicted, actual, "r2_score")
    if theirs.ndim == 2:
        outputs = int(theirs.shape[1])
        return math.fsum(r2_score(ours[:, j], theirs[:, j]) for j in range(outputs)) / outputs
    values = theirs.tolist()
    mean = math.fsum(values) / len(values)
    total = math.fsum((a - mean) ** 2 for a in values)
    residual = math.fsum(((ours - theirs) ** 2).tolist())
    return 1.0 - residual / total if total > 0 else (1.0 if residual == 0 else 0.0)
