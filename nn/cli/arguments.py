"""Argument types of the commands (each turns one command-line word into a checked value), and options they share."""

from __future__ import annotations

import argparse
import csv
import math

from ..activations import get_activation


def _whole_number(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least {least}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1 (epochs, batch size, layer width)."""
    return _whole_number(text, 1)


# Wider layers are refused up front: at one Value per weight, 10,000 x 10,000 already takes
# minutes to build (and TableModel refuses networks of more than 2 million parameters).
MAX_LAYER_WIDTH = 10_000


def narrow_enough(width: int) -> int:
    """``width`` itself, if it is at most ``MAX_LAYER_WIDTH``."""
    if width > MAX_LAYER_WIDTH:
        raise argparse.ArgumentTypeError(
            f"a layer of {width:,} units is wider than the limit of {MAX_LAYER_WIDTH:,}"
        )
    return width


def layer_width(text: str) -> int:
    """The width of one hidden layer."""
    return narrow_enough(positive_int(text))


def number(text: str) -> float:
    """Any number ``float`` reads; the callers below add their own limits."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def learning_rate(text: str) -> float:
    """A positive finite step size."""
    value = number(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive finite number")
    return value


def hidden_sizes(text: str) -> list[int]:
    """Hidden layer widths such as ``32,16``; empty or ``none`` for no hidden layer."""
    if not text.strip() or text.strip().lower() == "none":
        return []  # no hidden layer: a linear or logistic model
    try:
        widths = [positive_int(part.strip()) for part in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r} should be layer widths like 16,16") from None
    return [narrow_enough(width) for width in widths]


def activation(text: str) -> str:
    """The name of an activation that ``get_activation`` knows."""
    try:
        get_activation(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def column_names(text: str) -> list[str]:
    """Column names separated by commas, none of them empty; a name that holds a comma is written
    in double quotes, as in a CSV file's header (``'"length, cm",width'``)."""
    try:
        names = [
            name.strip() for name in next(csv.reader([text], skipinitialspace=True, strict=True))
        ]
    except (csv.Error, StopIteration):
        names = []
    if not names or not all(names):
        raise argparse.ArgumentTypeError(
            f"{text!r} should be column names separated by commas (a name with a comma in "
            "double quotes: '\"length, cm\",width')"
        )
    return names


def missing_marks(text: str) -> list[str]:
    """Texts that mean a missing value, separated by commas ("?" or "?,-"), none empty."""
    marks = [mark.strip() for mark in text.split(",")]
    if not all(marks):
        raise argparse.ArgumentTypeError(f"{text!r} should be texts separated by commas, such as ?")
    return marks


def seed(text: str) -> int:
    """A whole number of at least 0 (numpy's seeds cannot be negative)."""
    return _whole_number(text, 0)


def fraction(text: str) -> float:
    """A share of the rows, from 0 up to (not including) 1."""
    value = number(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(
            f"{text!r} should be a fraction from 0 up to (not including) 1"
        )
    return value


def non_negative(text: str) -> float:
    """A finite number of at least 0 (a penalty weight)."""
    value = number(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number >= 0")
    return value


def delimiter(text: str) -> str:
    """One cell separator character; ``tab``, ``comma`` and ``semicolon`` by name."""
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}
    value = named.get(text, text)
    if len(value) != 1 or value in '"\r\n':
        raise argparse.ArgumentTypeError(f"{text!r} should be one character, such as , ; or tab")
    return value


def add_delimiter_option(parser: argparse.ArgumentParser) -> None:
    """``--delimiter``, for the commands that read a CSV file."""
    parser.add_argument(
        "--delimiter",
        type=delimiter,
        help="the cell separator: , ; tab or | (default: sniffed from the header)",
    )
