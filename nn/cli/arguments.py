"""Argument types of the commands: each turns one command-line word into a checked value."""

from __future__ import annotations

import argparse
import math

from ..activations import get_activation


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


# Wider layers are refused up front: at one Value per weight, 10,000 x 10,000 already takes
# minutes to build (and TableModel refuses networks of more than 2 million parameters).
MAX_LAYER_WIDTH = 10_000


def _narrow_enough(width: int) -> int:
    if width > MAX_LAYER_WIDTH:
        raise argparse.ArgumentTypeError(
            f"a layer of {width:,} units is wider than the limit of {MAX_LAYER_WIDTH:,}"
        )
    return width


def _layer_width(text: str) -> int:
    return _narrow_enough(_positive_int(text))


def _learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive finite number")
    return value


def _hidden_sizes(text: str) -> list[int]:
    if not text.strip() or text.strip().lower() == "none":
        return []  # no hidden layer: a linear or logistic model
    try:
        widths = [_positive_int(part.strip()) for part in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r} should be layer widths like 16,16") from None
    return [_narrow_enough(width) for width in widths]


def _activation(text: str) -> str:
    try:
        get_activation(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _column_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"{text!r} should be column names separated by commas")
    return names


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(
            f"{text!r} should be a fraction from 0 up to (not including) 1"
        )
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number >= 0")
    return value


def _delimiter(text: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}
    value = named.get(text, text)
    if len(value) != 1 or value in '"\r\n':
        raise argparse.ArgumentTypeError(f"{text!r} should be one character, such as , ; or tab")
    return value
