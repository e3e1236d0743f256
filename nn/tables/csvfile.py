"""Reading a CSV table of numbers, with errors that say where the problem is.

Every problem raises ``DataError``, whose message names the file, the line (as a text editor
counts it, header = line 1) and the column where they are known, e.g.
``data.csv, line 4, column 'x2': 'abc' is not a number``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .regular_file import open_regular_file, why_not_utf8, why_unreadable


class DataError(ValueError):
    """Bad input data; ``path``, ``line`` and ``column`` say where, when known (for data given
    from Python, whose ``path`` is a name such as ``<DataFrame>``, the row by position)."""

    def __init__(
        self,
        message: str,
        path: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ):
        self.path, self.line, self.column = path, line, column
        where = [str(path)] if path is not None else []
        given_from_python = str(path).startswith("<") and str(path).endswith(">")
        if line is not None and given_from_python:
            # data given from Python (<columns>, <DataFrame>): rows by position, no file lines
            if line > 1:
                where.append(f"row {line - 2} (from 0)")
        elif line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(", ".join(where) + ": " + message if where else message)


# A decimal number as people write it in a CSV file. Python's float() also takes "1_000" and
# non-ASCII digits ("\u0661"), which are more likely damage than data; NaN and infinity are
# matched separately, to be refused with their own message.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.ASCII | re.IGNORECASE)


def _shown(cell: str, limit: int = 40) -> str:
    """``cell`` quoted for a message, shortened so that one bad cell cannot flood the terminal."""
    return (
        repr(cell) if len(cell) <= limit else repr(cell[:limit]) + f"... ({len(cell)} characters)"
    )


def parse_number(
    cell: str, path: str | None = None, line: int | None = None, column: str | None = None
) -> float:
    """The finite float written in ``cell``, or a DataError naming where the cell is."""
    text = cell.strip()
    if not text:
        raise DataError("empty cell, expected a number", path, line, column)
    if _NON_FINITE.fullmatch(text):
        number = math.nan
    elif _DECIMAL.fullmatch(text):
        number = float(text)
    else:
        raise DataError(f"{_shown(cell)} is not a number", path, line, column)
    if not math.isfinite(number):
        raise DataError(
            f"{_shown(cell)} is not a finite number (NaN and infinity are not allowed)",
            path,
            line,
            column,
        )
    return number


def column_list(columns: Iterable[str]) -> str:
    """Column names for a message, comma-separated; each quoted when one holds a comma itself."""
    columns = list(columns)
    if any("," in name for name in columns):
        return ", ".join(map(repr, columns))
    return ", ".join(columns)


@dataclass
class Table:
    """A CSV file's header and rows of text cells; ``lines[i]`` is the line where ``rows[i]`` ends."""

    path: str
    columns: list[str]
    rows: list[list[str]]
    lines: list[int]

    def require(self, name: str) -> int:
        """The position of column ``name``, or a DataError listing the columns there are."""
        if name not in self.columns:
            raise DataError(
                f"no column {name!r}; the columns are: {column_list(self.columns)}", self.path, 1
            )
        return self.columns.index(name)

    def cells(self, name: str) -> list[str]:
        """Every row's text in column ``name``, stripped."""
        position = self.require(name)
        return [row[position].strip() for row in self.rows]

    def numbers(self, names: Sequence[str]) -> list[list[float]]:
        """One list of floats per row, from the columns ``names`` in that order."""
        positions = [self.require(name) for name in names]
        return [
            [parse_number(row[p], self.path, line, self.columns[p]) for p in positions]
            for row, line in zip(self.rows, self.lines)
        ]


# A line longer than this is refused while it is read, so one huge line cannot fill memory.
MAX_LINE_CHARS = 1_000_000


def bounded_lines(handle: io.TextIOBase, path: str, counter: list[int]) -> Iterator[str]:
    """The file's lines (``counter[0]`` counts them), refusing one longer than ``MAX_LINE_CHARS``
    before it is read whole."""
    while True:
        line = handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        counter[0] += 1
        if len(line) > MAX_LINE_CHARS:
            raise DataError(
                f"a line longer than {MAX_LINE_CHARS:,} characters; is this a CSV file?",
                path,
                counter[0],
            )
        yield line


def read_csv(path: str) -> Table:
    """Read a CSV file with a header line; raises DataError for a missing, empty, or ragged file
    (or a path that is not a regular file: a pipe or a device could block or never end)."""
    try:
        with io.TextIOWrapper(open_regular_file(path), encoding="utf-8-sig", newline="") as handle:
            # strict: a quote left open at the end (a truncated file) is an error, not a cell.
            reader = csv.reader(bounded_lines(handle, path, [0]), strict=True)
            header: list[str] | None = None
            rows: list[list[str]] = []
            lines: list[int] = []
            for row in reader:
                if not row:
                    continue  # blank line
                if header is None:
                    header = [name.strip() for name in row]
                    _check_header(header, path, reader.line_num)
                    continue
                if len(row) != len(header):
                    raise DataError(
                        f"{len(row)} cells, but the header has {len(header)} columns",
                        path,
                        reader.line_num,
                    )
                rows.append(row)
                lines.append(reader.line_num)
    except OSError as error:  # no such file, a directory, a name too long, ...
        raise DataError(why_unreadable(error, "a CSV file"), path) from None
    except UnicodeDecodeError:
        reason, line = why_not_utf8(path)
        raise DataError(reason, path, line) from None
    except csv.Error as error:
        raise DataError(f"not valid CSV: {error}", path, reader.line_num) from None
    if header is None:
        raise DataError("the file is empty (expected a header line, then rows of numbers)", path)
    if not rows:
        raise DataError("no data rows after the header", path)
    return Table(str(path), header, rows, lines)


def _check_header(header: list[str], path: str, line: int) -> None:
    if any("\x00" in name for name in header):  # UTF-8 text has no NULs; UTF-16 has many
        raise DataError(
            "the header holds NUL characters: UTF-16 text without a byte-order mark? "
            "save it as CSV UTF-8",
            path,
            line,
        )
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            at_end = (
                " (a separator at the end of the header line?)" if position == len(header) else ""
            )
            index = (
                " (an unnamed first column is what pandas' to_csv writes for the index: "
                "index=False leaves it out)"
                if position == 1
                else ""
            )
            raise DataError(
                f"column {position} of the header has no name{at_end}{index}", path, line
            )
        if name in seen:
            raise DataError(f"column name {name!r} appears twice in the header", path, line)
        seen.add(name)
