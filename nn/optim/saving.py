"""Saving an optimizer's state as JSON beside its model, so that training can resume where it stopped.

The file looks like::

    {"format": "valuegrad-optimizer", "version": 1, "optimizer": "Adam",
     "state_dict": {"state": {"0": {"step": 3, "exp_avg": ..., ...}, ...}, "param_groups": [...]}}

``state_dict`` is ``optimizer.state_dict()`` with the parameter positions as strings (JSON object
keys). Floats are written with Python's shortest round-trip repr, so a loaded optimizer
continues bit for bit as the saved one would have. Saving goes through a temporary file and a
rename (an existing file is never left half written); loading checks everything first and raises
``OptimizerFileError`` naming the file and the problem, leaving the optimizer untouched.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from autograd.files import atomic_write_text

from ..tables.json_layout import readable_json
from ..tables.regular_file import read_at_most, why_unreadable
from .optimizer import Optimizer, is_position_key

FORMAT_NAME = "valuegrad-optimizer"
FORMAT_VERSION = 1

# Three numbers of state per parameter at most, some 20 bytes each: far above anything a scalar engine trains.
MAX_OPTIMIZER_FILE_BYTES = 64 * 1024 * 1024


class OptimizerFileError(ValueError):
    """An optimizer file that cannot be read, or does not fit the optimizer it is loaded into."""


def save_optimizer(optimizer: Optimizer, path: str | os.PathLike[str]) -> None:
    """Write ``optimizer.state_dict()`` to ``path`` atomically (refused if any state is NaN or infinite)."""
    state_dict = optimizer.state_dict()
    for position, entry in state_dict["state"].items():
        for name, value in entry.items():
            if not math.isfinite(value):
                raise ValueError(
                    f"cannot save the optimizer: {name} of parameter {position} is {value}"
                )
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "optimizer": type(optimizer).__name__,
        "state_dict": {
            "state": {str(position): entry for position, entry in state_dict["state"].items()},
            "param_groups": state_dict["param_groups"],
        },
    }
    atomic_write_text(os.fspath(path), readable_json(document) + "\n")


def load_optimizer(optimizer: Optimizer, path: str | os.PathLike[str]) -> None:
    """Load the state saved at ``path`` into ``optimizer``: one of the same kind, over the same parameters."""
    path = os.fspath(path)
    document = _document(path)
    try:
        optimizer.load_state_dict(_state_dict(document, type(optimizer).__name__))
    except OptimizerFileError as error:
        raise OptimizerFileError(f"{path}: {error}") from None
    except ValueError as error:
        raise OptimizerFileError(f"{path}: does not fit this optimizer: {error}") from None


def _state_dict(document: Any, kind: str) -> dict[str, Any]:
    """The state dict in a parsed file, with its parameter positions as ints again."""
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise OptimizerFileError(f'not a valuegrad optimizer file (no "format": "{FORMAT_NAME}")')
    if document.get("version") != FORMAT_VERSION:
        raise OptimizerFileError(f"unknown format version {document.get('version')!r}")
    if document.get("optimizer") != kind:
        raise OptimizerFileError(
            f"holds the state of {document.get('optimizer')!r}, not of {kind!r}"
        )
    saved = document.get("state_dict")
    if not isinstance(saved, dict) or not isinstance(saved.get("state"), dict):
        raise OptimizerFileError('"state_dict" should be an object with a "state" object')
    state = {}
    for key, entry in saved["state"].items():
        if not is_position_key(key):
            raise OptimizerFileError(f'"state" key {key!r} is not a parameter position')
        state[int(key)] = entry
    return {**saved, "state": state}


def _reject_constant(name: str) -> float:
    raise OptimizerFileError(f"{name} is not allowed in an optimizer file")


def _document(path: str) -> Any:
    """The parsed JSON of the regular file ``path``, or ``OptimizerFileError`` naming the problem."""
    limit = MAX_OPTIMIZER_FILE_BYTES
    try:
        data = read_at_most(path, limit)
    except OSError as error:
        raise OptimizerFileError(f"{path}: {why_unreadable(error, 'an optimizer file')}") from None
    if len(data) > limit:
        raise OptimizerFileError(
            f"{path}: larger than {limit:,} bytes, too large for an optimizer file"
        )
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise OptimizerFileError(
            f"{path}: not a text (UTF-8) file, so not an optimizer file"
        ) from None
    except json.JSONDecodeError as error:
        raise OptimizerFileError(
            f"{path}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
    except OptimizerFileError as error:
        raise OptimizerFileError(f"{path}: {error}") from None
    except RecursionError:
        raise OptimizerFileError(f"{path}: nested too deeply for an optimizer file") from None
