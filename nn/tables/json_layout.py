"""The layout of valuegrad's JSON files (models, optimizer state): indented, with rows of numbers on one line.

A weight row reads as a row, and one parameter's optimizer state as one line. Those one-line
parts are written by json's C encoder: asked for an ``indent``, json writes everything with
its pure-Python encoder instead: saving an Adam optimizer of a 26,000-parameter network took
150 ms that way, 105 ms now (most of what is left is the shortest round-trip repr of each float).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

_encode = json.JSONEncoder(allow_nan=False).encode


def readable_json(document: Any) -> str:
    """``document`` as JSON indented by one space, each list or object of numbers on one line.

    Everything json.dumps refuses is refused the same way (NaN and infinities with ValueError,
    objects it cannot encode with TypeError).
    """
    return _render(document, 0, set())


def _numbers_only(values: Collection[object]) -> bool:
    """Whether ``values`` is not empty and holds only ints and floats (not booleans)."""
    kinds = set(map(type, values))  # one C-level pass: a parameter's state is checked 26,000 times
    if kinds <= {int, float}:
        return bool(kinds)
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _render(value: Any, depth: int, open_containers: set[int]) -> str:
    is_object = isinstance(value, dict)
    if not is_object and not isinstance(value, (list, tuple)):
        return _encode(value)
    members = value.values() if is_object else value
    if not value or _numbers_only(members):
        return _encode(value)
    if id(value) in open_containers:
        raise ValueError("Circular reference detected")
    open_containers.add(id(value))
    texts = [_render(member, depth + 1, open_containers) for member in members]
    open_containers.discard(id(value))
    indent = " " * (depth + 1)
    if is_object:
        lines = [f"{indent}{_key(key)}: {text}" for key, text in zip(value, texts)]
    else:
        lines = [indent + text for text in texts]
    opening, closing = ("{", "}") if is_object else ("[", "]")
    return opening + "\n" + ",\n".join(lines) + "\n" + " " * depth + closing


def _key(key: object) -> str:
    """An object key as json writes it: strings as they are; numbers, booleans and None as text."""
    if isinstance(key, str):
        return _encode(key)
    if key is None or isinstance(key, (bool, int, float)):
        return _encode(_encode(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
