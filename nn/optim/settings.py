"""Checks for optimizer hyperparameters: each turns a value into its stored form or names the problem."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

Check = Callable[[str, Any], Any]


def _number(name: str, value: object) -> float:
    """A number of any kind (numpy's, Decimal, a 0-d array) as a float; not True/False, not text
    (which float() would read)."""
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}") from None


def interval(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> Check:
    """A check that the value is a number in the interval from ``low`` to ``high``."""

    def check(name: str, value: object) -> float:
        number = _number(name, value)
        above = number > low if low_open else number >= low
        below = number < high if high_open else number <= high
        if not (above and below):  # also refuses NaN, which compares false
            shown = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
            raise ValueError(f"{name} must lie in {shown}, not {number!r}")
        return number

    return check


def learning_rate(name: str, value: object) -> float:
    """A learning rate: a finite number >= 0."""
    number = _number(name, value)
    if not (math.isfinite(number) and number >= 0.0):
        raise ValueError(f"learning rate must be a finite number >= 0, not {number!r}")
    return number


def flag(name: str, value: object) -> bool:
    """A switch: True or False."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return value


def betas(name: str, value: object) -> tuple[float, float]:
    """Adam's pair of decay rates, each in [0, 1)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair of numbers, not {value!r}")
    below_one = interval(0.0, 1.0, high_open=True)
    return below_one(f"{name}[0]", value[0]), below_one(f"{name}[1]", value[1])


UNIT = interval(0.0, 1.0)
BELOW_ONE = interval(0.0, 1.0, high_open=True)
NON_NEGATIVE = interval(0.0, math.inf, high_open=True)
POSITIVE = interval(0.0, math.inf, low_open=True, high_open=True)
