"""From a CSV table to an MLP's inputs and targets, and from its outputs back to predictions.

Used by ``valuegrad train`` and ``valuegrad predict``. The task decides the output layer and
the loss:

* ``regression``: one linear output, mean squared error; the target is standardized for
  training and un-standardized for predictions.
* ``binary``: one logit, binary cross-entropy from logits; predictions are the class label and
  the probability of the second class.
* ``multiclass``: one logit per class, softmax cross-entropy; predictions are the class label
  and one probability per class.

Features are standardized (mean 0, standard deviation 1) with the training data's statistics,
which the model file keeps in its metadata, so ``predict`` applies the same transformation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from autograd import no_grad

from ..losses import softmax
from ..module import MLP
from .csvfile import DataError, Table, parse_number

TASKS = ("regression", "binary", "multiclass")
# An integer-valued numeric target with at most this many distinct values is taken as classes.
MAX_AUTO_CLASSES = 10


@dataclass
class TrainingData:
    """Standardized inputs and encoded targets for one task, plus what ``predict`` needs to undo it."""

    task: str
    inputs: list[list[float]]
    targets: list[Any]
    metadata: dict[str, Any]
    loss: str
    nout: int


def _mean_and_std(values: list[float]) -> tuple[float, float]:
    # Computed on values scaled into [-1, 1], so numbers near the float limit (1e308) do not
    # overflow the sums and squares; both results lie within the values' range, so are finite.
    scale = max(abs(v) for v in values) or 1.0
    scaled = [v / scale for v in values]
    mean = math.fsum(scaled) / len(values)
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in scaled) / len(values))
    mean, std = mean * scale, std * scale
    return mean, (std if std > 0.0 else 1.0)  # a constant column is left centred, not divided by 0


def _standardize(x: float, mean: float, std: float) -> float:
    """(x - mean) / std, without overflowing where x - mean leaves float range (it is at most sqrt(n) stds)."""
    difference = x - mean
    return difference / std if math.isfinite(difference) else x / std - mean / std


def _class_name(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _numeric_target(table: Table, target: str) -> list[float] | None:
    """The target column as numbers, or None when no cell is a number (class names such as 'setosa').

    A column mixing numbers and other text is an error at the first cell that is not a number,
    so a typo in a numeric column is reported rather than turning it into class names.
    """
    position = table.require(target)
    numbers, first_error = [], None
    for row, line in zip(table.rows, table.lines):
        try:
            numbers.append(parse_number(row[position], table.path, line, target))
        except DataError as error:
            first_error = first_error or error
    if first_error is None:
        return numbers
    if numbers:
        raise first_error
    return None


def infer_task(table: Table, target: str) -> str:
    """``binary``, ``multiclass`` or ``regression``, from the target column's values."""
    numbers = _numeric_target(table, target)
    if numbers is None:
        labels = set(table.cells(target))
        return "binary" if len(labels) == 2 else "multiclass"
    distinct = set(numbers)
    if len(distinct) == 2 and all(v.is_integer() for v in distinct):
        return "binary"
    if all(v.is_integer() for v in distinct) and 2 < len(distinct) <= MAX_AUTO_CLASSES:
        return "multiclass"
    return "regression"


def _class_labels(table: Table, target: str) -> tuple[list[str], list[str]]:
    """Each row's class label as text, and the sorted distinct labels (numeric order for numbers)."""
    numbers = _numeric_target(table, target)
    if numbers is not None:
        labels = [_class_name(v) for v in numbers]
        classes = [_class_name(v) for v in sorted(set(numbers))]
    else:
        labels = table.cells(target)
        for label, line in zip(labels, table.lines):
            if not label:
                raise DataError("empty class label", table.path, line, target)
        classes = sorted(set(labels))
    return labels, classes


def prepare_training(table: Table, target: str, task: str = "auto") -> TrainingData:
    """Standardize the features and encode the target of ``table`` for ``task`` (or the inferred one)."""
    table.require(target)
    features = [name for name in table.columns if name != target]
    if not features:
        raise DataError(
            f"no feature columns: the only column is the target {target!r}", table.path, 1
        )
    raw = table.numbers(features)
    columns = list(zip(*raw))
    stats = [_mean_and_std(list(column)) for column in columns]
    inputs = [[_standardize(x, mean, std) for x, (mean, std) in zip(row, stats)] for row in raw]
    if task == "auto":
        task = infer_task(table, target)
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose auto, {', '.join(TASKS)}")
    metadata: dict[str, Any] = {
        "task": task,
        "target": target,
        "features": features,
        "feature_mean": [mean for mean, _ in stats],
        "feature_std": [std for _, std in stats],
    }
    if task == "regression":
        position = table.require(target)
        values = [
            parse_number(row[position], table.path, line, target)
            for row, line in zip(table.rows, table.lines)
        ]
        mean, std = _mean_and_std(values)
        metadata.update(target_mean=mean, target_std=std)
        return TrainingData(
            task, inputs, [_standardize(v, mean, std) for v in values], metadata, "mse", 1
        )
    labels, classes = _class_labels(table, target)
    if len(classes) < 2:
        raise DataError(
            f"the target column has a single class ({classes[0]!r}); nothing to learn", table.path
        )
    if task == "binary" and len(classes) != 2:
        raise DataError(
            f"--task binary needs exactly 2 classes, the target column has {len(classes)}: {', '.join(classes[:10])}",
            table.path,
        )
    metadata["classes"] = classes
    index = {label: i for i, label in enumerate(classes)}
    encoded = [index[label] for label in labels]
    if task == "binary":
        return TrainingData(
            task, inputs, [float(i) for i in encoded], metadata, "bce_with_logits", 1
        )
    return TrainingData(task, inputs, encoded, metadata, "softmax_cross_entropy", len(classes))


def _is_number(x: object) -> bool:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an int beyond float range: JSON may hold one, written out in digits
        return False


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
    classes = metadata.get("classes")
    if task in ("binary", "multiclass") and (
        not isinstance(classes, list)
        or len(classes) < 2
        or not all(isinstance(c, str) for c in classes)
    ):
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


def predictions(
    model: MLP, metadata: dict[str, Any], inputs: list[list[float]]
) -> tuple[list[str], list[list[Any]]]:
    """A header and one row per input: what ``valuegrad predict`` writes as CSV."""
    task = metadata.get("task")
    classes = metadata.get("classes")
    rows: list[list[Any]] = []
    with no_grad():
        outputs = [model(x) for x in inputs]
        if task == "regression":
            mean, std = metadata.get("target_mean", 0.0), metadata.get("target_std", 1.0)
            return ["prediction"], [[out.data * std + mean] for out in outputs]
        if task == "binary":
            for out in outputs:
                p = out.sigmoid().data
                rows.append([classes[1] if p >= 0.5 else classes[0], p])
            return ["prediction", f"probability_{classes[1]}"], rows
        if task == "multiclass":
            for out in outputs:
                probabilities = [p.data for p in softmax(out)]
                best = max(range(len(probabilities)), key=probabilities.__getitem__)
                rows.append([classes[best], *probabilities])
            return ["prediction", *[f"probability_{c}" for c in classes]], rows
    # A model saved without task metadata: its raw outputs.
    if model.nout == 1:
        return ["output"], [[out.data] for out in outputs]
    return [f"output_{k}" for k in range(model.nout)], [[v.data for v in out] for out in outputs]
