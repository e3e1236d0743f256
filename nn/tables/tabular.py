"""Predictions from a plain network's file (no table rules): its inputs from a CSV table, its
outputs as CSV rows, and the check of a version-1 file's scaling metadata.

``valuegrad predict`` uses this for a model saved with ``nn.save_model``; a model from
``valuegrad train`` is a ``TableModel`` (``table_model``), and a version-1 file of the old
``valuegrad train`` is turned into one after ``check_model_matches`` accepts its metadata.
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

import numpy as np

from autograd import no_grad

from ..batch import network_outputs, runs_as_arrays
from ..module import MLP
from .csvfile import DataError, Table

TASKS = ("regression", "binary", "multiclass")  # what a table model predicts


def _standardize(x: float, mean: float, std: float) -> float:
    """(x - mean) / std, without overflowing where x - mean leaves float range (it is at most sqrt(n) stds)."""
    difference = x - mean
    return difference / std if math.isfinite(difference) else x / std - mean / std


def _is_number(x: object) -> bool:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an int beyond float range: JSON may hold one, written out in digits
        return False


def is_class_list(classes: object) -> TypeGuard[list[str]]:
    """True for what a classifier's model file must hold as ``classes``: at least 2 names (strings)."""
    return (
        isinstance(classes, list) and len(classes) >= 2 and all(isinstance(c, str) for c in classes)
    )


def check_model_matches(model: MLP, metadata: dict[str, Any], model_path: str) -> None:
    """Raise DataError when a model file's metadata is malformed or disagrees with its network."""

    def bad(message: str) -> DataError:
        return DataError(f"bad model metadata: {message}", model_path)

    task = metadata.get("task")
    if task is not None and task not in TASKS:
        raise bad(f"unknown task {task!r}")
    features = metadata.get("features")
    if features is not None:
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            raise bad('"features" should be a list of column names')
        if len(features) != model.nin:
            raise bad(f"it lists {len(features)} features but the network takes {model.nin} inputs")
    for key in ("feature_mean", "feature_std"):
        values = metadata.get(key)
        # Present means usable: null is refused too, since prediction_inputs only defaults a missing key.
        if key in metadata and (
            not isinstance(values, list)
            or len(values) != model.nin
            or not all(map(_is_number, values))
        ):
            raise bad(f"{key!r} should be {model.nin} finite numbers")
    if any(v == 0 for v in metadata.get("feature_std", [])) or metadata.get("target_std", 1.0) == 0:
        raise bad("a standard deviation is 0")
    for key in ("target_mean", "target_std"):
        if key in metadata and not _is_number(metadata[key]):
            raise bad(f"{key!r} should be a finite number")
    if task in ("binary", "multiclass"):
        classes = metadata.get("classes")
        if not is_class_list(classes):
            raise bad(f"a {task} model needs a list of at least 2 class names")
        if task == "binary" and len(classes) != 2:
            raise bad(f"a binary model needs 2 classes, it lists {len(classes)}")
        if task == "multiclass" and len(classes) != model.nout:
            raise bad(f"it lists {len(classes)} classes but the network has {model.nout} outputs")
    if task in ("binary", "regression") and model.nout != 1:
        raise bad(f"a {task} model should have 1 output, this network has {model.nout}")


def prediction_inputs(
    table: Table, model: MLP, metadata: dict[str, Any], model_path: str
) -> list[list[float]]:
    """The rows of ``table`` as the model's standardized inputs; DataError if the columns do not fit."""
    check_model_matches(model, metadata, model_path)
    features = metadata.get("features")
    if features is None:
        if len(table.columns) != model.nin:
            raise DataError(
                f"the model takes {model.nin} inputs but the file has {len(table.columns)} columns",
                table.path,
                1,
            )
        features = table.columns
    missing = [name for name in features if name not in table.columns]
    if missing:
        raise DataError(
            f"no column {missing[0]!r}, which the model in {model_path} was trained on "
            f"(it needs: {', '.join(features)})",
            table.path,
            1,
        )
    raw = table.numbers(features)
    mean = metadata.get("feature_mean", [0.0] * len(features))
    std = metadata.get("feature_std", [1.0] * len(features))
    inputs = []
    for row, line in zip(raw, table.lines):
        standardized = [_standardize(x, m, s) for x, m, s in zip(row, mean, std)]
        for name, x, z in zip(features, row, standardized):
            if not math.isfinite(z):
                raise DataError(
                    f"{x!r} is too far outside the training data for this model (standardized it is {z})",
                    table.path, line, name,
                )  # fmt: skip
        inputs.append(standardized)
    return inputs


def predictions(model: MLP, inputs: list[list[float]]) -> tuple[list[str], list[list[float]]]:
    """A header and one row of the network's raw outputs per input: what ``valuegrad predict``
    writes for a plain network's file (a table model's file predicts through ``TableModel``).

    nn's own MLP, as a model file holds, runs on the whole table as arrays (``nn.batch``): equal
    to calling it row by row to rounding, and 1,797 rows of a 64-128-128-10 network took 1.5 s
    that way."""
    if runs_as_arrays(model):
        batch = np.asarray(inputs, dtype=np.float64).reshape(len(inputs), model.nin)
        outputs: list[list[float]] = network_outputs(model, batch).tolist()
    else:
        with no_grad():  # the output layer's Values: a list even for one output
            outputs = [[v.data for v in model.layer_outputs(x)[-1]] for x in inputs]
    header = ["output"] if model.nout == 1 else [f"output_{k}" for k in range(model.nout)]
    return header, outputs
