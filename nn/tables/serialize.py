"""Saving and loading an MLP as JSON: architecture, exact weights, and optional metadata.

The file looks like::

    {"format": "valuegrad-mlp", "version": 1, "nin": 2,
     "layers": [{"activation": "relu", "weights": [[...], ...], "biases": [...]}, ...],
     "metadata": {...}}

``weights`` holds one row per neuron (nout x nin), like ``MLP.to_numpy()``. Floats are written
with Python's shortest round-trip repr, so a loaded model computes bit-for-bit the same
numbers. Saving goes through a temporary file and a rename; loading checks everything and
raises ``ModelFileError`` naming the file and what is wrong. Loading reads only regular files
and at most ``MAX_MODEL_FILE_BYTES`` (64 MiB) of them, so a wrong path such as ``/dev/zero``,
a named pipe or a huge log file is refused at once instead of read forever.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from typing import TYPE_CHECKING, Any, TypedDict

from autograd.files import atomic_write_text

from ..activations import get_activation
from ..module import MLP
from .json_layout import readable_json
from .regular_file import read_at_most, why_unreadable

if TYPE_CHECKING:
    from .table_model import TableModel

FORMAT_NAME = "valuegrad-mlp"
# Version 2 adds "table": the column rules, task and target encoding of a TableModel. A file
# without it is written as version 1, which every earlier valuegrad reads.
FORMAT_VERSION = 2
"""The newest model-file format version this valuegrad writes; a newer file raises ``ModelFileError``."""
# Loading refuses a network with more parameters than this before building it (the CLI trains
# at most as many), so a compact file of millions of zeros costs no minutes and gigabytes.
MAX_MODEL_PARAMETERS = 2_000_000

# At about 20 bytes a number, 64 MiB holds some three million weights: far more than a scalar
# engine trains, yet small enough to read into memory without a second thought.
MAX_MODEL_FILE_BYTES = 64 * 1024 * 1024


class ModelFileError(ValueError):
    """A model file that cannot be read, or does not hold a valid valuegrad MLP."""


class LayerDocument(TypedDict):
    """One layer of a model file: its activation's name, a weight row and a bias per neuron."""

    activation: str
    weights: list[list[float]]
    biases: list[float]


class ModelDocument(TypedDict):
    """What a model file holds (the layout at the top of this module), as ``model_to_dict`` gives it."""

    format: str
    version: int
    nin: int
    layers: list[LayerDocument]
    metadata: dict[str, Any]


class TableModelDocument(ModelDocument):
    """A TableModel's file (version 2): the network's document, and its table rules."""

    table: dict[str, Any]


def model_to_dict(model: MLP, metadata: dict[str, Any] | None = None) -> ModelDocument:
    """The JSON-ready dictionary that ``save_model`` writes."""
    if not isinstance(model, MLP):
        raise TypeError(
            f"can only save an MLP, not {type(model).__name__}: keep another module's numbers "
            "with model.state_dict() (names to floats, for json or pickle) and set them again "
            "with model.load_state_dict(state)"
        )
    for label, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ValueError(f"cannot save the model: parameter {label} is {p.data}")
    layers: list[LayerDocument] = []
    for layer in model.layers:
        layers.append(
            {
                "activation": layer.activation,
                "weights": [[w.data for w in neuron.w] for neuron in layer.neurons],
                "biases": [neuron.b.data for neuron in layer.neurons],
            }
        )
    return {
        "format": FORMAT_NAME,
        "version": 1,
        "nin": model.nin,
        "layers": layers,
        "metadata": dict(metadata or {}),
    }


def save_model(
    model: MLP, path: str | os.PathLike[str], metadata: dict[str, Any] | None = None
) -> None:
    """Write ``model`` (and JSON-serializable ``metadata``) to ``path`` atomically.

    Metadata holding all of task, target, features, feature_mean and feature_std is refused:
    that is how valuegrad 1's ``train`` marked a table model, so ``load_model`` would not give
    back the plain network."""
    if metadata is not None and _is_version_1_table(metadata):
        raise ValueError(
            "save_model: metadata with all of the keys "
            f"{', '.join(sorted(_VERSION_1_TABLE_KEYS))} marks an old table-model file, which "
            "load_model would read as a TableModel; rename one of them (a TableModel saves "
            "itself with its .save method)"
        )
    atomic_write_text(os.fspath(path), readable_json(model_to_dict(model, metadata)) + "\n")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in a model file")


def save_table_model(
    model: TableModel, path: str | os.PathLike[str], metadata: dict[str, Any] | None = None
) -> None:
    """Write a fitted TableModel: its network, and its table rules under ``"table"`` (version 2)."""
    network, _ = model.fitted_parts()
    document: TableModelDocument = {
        **model_to_dict(network, metadata),
        "version": FORMAT_VERSION,
        "table": model.table_dict(),
    }
    atomic_write_text(os.fspath(path), readable_json(document) + "\n")


def _read_document(path: str) -> Any:
    """The parsed JSON of the model file at ``path``, or ``ModelFileError``."""
    text = _read_text(path)
    if not text.strip():
        raise ModelFileError(f"{path}: the file is empty")
    if text.count(",") > 2 * MAX_MODEL_PARAMETERS:
        # Checked before parsing: millions of numbers cost seconds and gigabytes as Python floats.
        raise ModelFileError(
            f"{path}: holds more than {2 * MAX_MODEL_PARAMETERS:,} list items, far more than a network of at most "
            f"{MAX_MODEL_PARAMETERS:,} parameters (nn.tables.serialize.MAX_MODEL_PARAMETERS)"
        )
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise ModelFileError(
            f"{path}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}); "
            "the file may be truncated or corrupt"
        ) from None
    except ValueError as error:
        raise ModelFileError(f"{path}: {error}") from None
    except RecursionError:
        raise ModelFileError(
            f"{path}: lists or objects nested too deeply for a model file"
        ) from None
    return document


def load_model_with_metadata(path: str | os.PathLike[str]) -> tuple[MLP, dict[str, Any]]:
    """Read a model file; returns ``(model, metadata)`` or raises ``ModelFileError``.

    A table model's file (from ``valuegrad train``) is refused: its network alone would be
    given unscaled columns; ``load_model`` returns the whole ``TableModel``.
    """
    path = os.fspath(path)
    document = _read_document(path)
    try:
        if isinstance(document, dict) and "table" in document:
            raise ModelFileError(
                "holds a table model (a network with its column preprocessing); load it with "
                "nn.load_model, which returns a TableModel, not the bare network"
            )
        return model_from_dict(document)
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None


def _read_text(path: str) -> str:
    """The UTF-8 text of the regular file ``path``, at most ``MAX_MODEL_FILE_BYTES``; else ``ModelFileError``."""
    limit = MAX_MODEL_FILE_BYTES
    try:
        data = read_at_most(path, limit)
    except OSError as error:
        raise ModelFileError(f"{path}: {why_unreadable(error, 'a model file')}") from None
    if len(data) > limit:
        raise ModelFileError(
            f"{path}: larger than {limit:,} bytes, the most a model file may hold (nn.tables.serialize.MAX_MODEL_FILE_BYTES)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: not a text (UTF-8) file, so not a valuegrad model") from None


def load_model(path: str | os.PathLike[str]) -> MLP | TableModel:
    """The model saved at ``path``: a ``TableModel`` for a file ``valuegrad train`` wrote (with its
    column rules, so it predicts from raw columns), else the plain ``MLP``."""
    from .table_model import TableModel

    path = os.fspath(path)
    document = _read_document(path)
    try:
        network, metadata = model_from_dict(document)
        if "table" in document:
            return TableModel.from_parts(network, document["table"])
        if _is_version_1_table(metadata):
            return _table_model_from_version_1(network, metadata)
    except ValueError as error:  # ModelFileError, or what TableModel finds inconsistent
        raise ModelFileError(f"{path}: {error}") from None
    return network


# What every version-1 file of ``valuegrad train`` kept in its metadata (with target_mean and
# target_std for regression, classes otherwise): all of them together mark a table model. A
# plain model's own metadata may use some of these names (a scaler's feature_mean, say).
_VERSION_1_TABLE_KEYS = frozenset({"task", "target", "features", "feature_mean", "feature_std"})


def _is_version_1_table(metadata: dict[str, Any]) -> bool:
    return _VERSION_1_TABLE_KEYS <= metadata.keys()


def _table_model_from_version_1(network: MLP, metadata: dict[str, Any]) -> TableModel:
    """A TableModel from a version-1 file of ``valuegrad train`` (scaling kept in its metadata)."""
    from .table_model import TableModel
    from .tabular import check_model_matches

    check_model_matches(network, metadata, "")
    features = metadata.get("features") or [f"x{i}" for i in range(network.nin)]
    means = metadata.get("feature_mean", [0.0] * network.nin)
    stds = metadata.get("feature_std", [1.0] * network.nin)
    table = {
        "target": metadata.get("target", "target"),
        "task": metadata.get("task", "regression"),
        "columns": [
            {"name": f, "kind": "numeric", "mean": m, "std": s}
            for f, m, s in zip(features, means, stds)
        ],
        "classes": metadata.get("classes"),
        "target_mean": metadata.get("target_mean", 0.0),
        "target_std": metadata.get("target_std", 1.0),
    }
    return TableModel.from_parts(network, table)


def _numbers(value: Any, where: str) -> list[float]:
    if not isinstance(value, list):
        raise ModelFileError(f"{where} should be a list of numbers")
    for position, number in enumerate(value):
        if (
            isinstance(number, bool)
            or not isinstance(number, numbers.Real)
            or not _is_finite(number)
        ):
            raise ModelFileError(f"{where}[{position}] is {_shown(number)}, not a finite number")
    return [float(n) for n in value]


def _is_finite(number: numbers.Real) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # a JSON integer with more than 308 digits
        return False


def _check_parameter_count(nin: int, layers: list[Any]) -> None:
    """Refuse a network of more than ``MAX_MODEL_PARAMETERS`` before reading its numbers."""
    count, width = 0, nin
    for layer in layers:
        rows = layer.get("weights") if isinstance(layer, dict) else None
        if not isinstance(rows, list):
            return  # the layer-by-layer checks say what is wrong
        count += len(rows) * (width + 1)
        width = len(rows)
    if count > MAX_MODEL_PARAMETERS:
        raise ModelFileError(
            f"the network has {count:,} parameters, more than the {MAX_MODEL_PARAMETERS:,} a model file "
            "may hold (nn.tables.serialize.MAX_MODEL_PARAMETERS)"
        )


def _shown(value: Any, limit: int = 60) -> str:
    """``repr(value)``, shortened so that a huge cell cannot flood a one-line message."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def model_from_dict(document: Any) -> tuple[MLP, dict[str, Any]]:
    """Check a parsed model file and build ``(model, metadata)``; raises ``ModelFileError``."""
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise ModelFileError(f'not a valuegrad model file (no "format": "{FORMAT_NAME}")')
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelFileError(f"format version {version!r} is not an integer")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"format version {version} is newer than this valuegrad reads ({FORMAT_VERSION}); upgrade valuegrad"
        )
    if version < 1:
        raise ModelFileError(f"unknown format version {version}")
    nin = document.get("nin")
    if isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
        raise ModelFileError(f'"nin" should be a positive integer, not {nin!r}')
    layers = document.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ModelFileError('"layers" should be a non-empty list')
    _check_parameter_count(nin, layers)
    shapes, activations, numbers_by_layer = [], [], []
    width = nin
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise ModelFileError(
                f"layers[{i}] should be an object with activation, weights and biases"
            )
        activation = layer.get("activation")
        if not isinstance(activation, str):
            raise ModelFileError(
                f"layers[{i}].activation: activation must be a name (str), not {type(activation).__name__}"
            )
        try:
            get_activation(activation)
        except ValueError as error:
            raise ModelFileError(f"layers[{i}].activation: {error}") from None
        rows = layer.get("weights")
        if not isinstance(rows, list) or not rows:
            raise ModelFileError(f"layers[{i}].weights should be a non-empty list of rows")
        matrix = [_numbers(row, f"layers[{i}].weights[{j}]") for j, row in enumerate(rows)]
        for j, row in enumerate(matrix):
            if len(row) != width:
                raise ModelFileError(
                    f"layers[{i}].weights[{j}] has {len(row)} numbers but the layer takes {width} inputs"
                )
        biases = _numbers(layer.get("biases"), f"layers[{i}].biases")
        if len(biases) != len(matrix):
            raise ModelFileError(
                f"layers[{i}] has {len(matrix)} weight rows but {len(biases)} biases"
            )
        shapes.append(len(matrix))
        activations.append(activation)
        numbers_by_layer.append((matrix, biases))
        width = len(matrix)
    metadata = document.get("metadata", {})
    if not isinstance(metadata, dict):
        raise ModelFileError('"metadata" should be an object')
    model = MLP(nin, shapes, init="zeros")
    for layer, activation in zip(model.layers, activations):
        layer.set_activation(activation)  # each layer may have its own
    model.set_weights(numbers_by_layer)
    return model, metadata
