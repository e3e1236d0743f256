"""Reading a CSV file once into columns: numbers into float arrays, text kept only where a column is text.

A table of 100,000 rows x 20 numeric columns then costs 16 MB of floats, not 2 million Python
strings. Empty cells and ``NA``, ``N/A``, ``nan``, ``null``, ``#N/A``, ``#NA``, ``<NA>`` (any case)
are missing values.
Problems are collected (up to ``MAX_PROBLEMS``) and raised together as one ``TableErrors``,
each naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
import unicodedata
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .csvfile import DataError, _check_header, _shown, bounded_lines, column_list
from .regular_file import open_regular_file, why_not_utf8, why_unreadable

MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "#n/a", "#na", "<na>"})
# Other ways people mark a missing number, named in the error (they may be data in a text column)
OTHER_MISSING_MARKS = frozenset({"?", "-", "--", ".", "none", "missing", "nil", "n.a."})
MAX_PROBLEMS = 20
DELIMITERS = (",", ";", "\t", "|")


class TableErrors(DataError):
    """Several problems of one table, reported at once: ``problems`` holds each one's DataError."""

    def __init__(self, problems: list[DataError], more: int = 0) -> None:
        self.problems = problems
        first = str(problems[0])
        extra = len(problems) - 1 + more
        if extra:
            rest = "; ".join(str(p) for p in problems[1:])
            first += f" (and {extra} more problem{'s' if extra != 1 else ''}" + (
                f": {rest}" if rest else ""
            )
            first += ")" if not more else f"; {more} not shown)"
        super().__init__(first)


def _line_order(problem: DataError) -> tuple[bool, int]:
    """Sorts problems by line, those without one last (a stable sort keeps their columns' order)."""
    return problem.line is None, problem.line or 0


class ProblemList:
    """Collects DataErrors up to ``MAX_PROBLEMS``, counting the rest; ``raise_if_any`` reports
    them in the order of their lines (they are found column by column), as an editor shows them."""

    def __init__(self) -> None:
        self.problems: list[DataError] = []
        self.more = 0
        self._latest: tuple[bool, int] | None = None  # the latest line kept, once the list is full

    def add(self, problem: DataError) -> None:
        """Keep the problems of the earliest lines: once the list is full, one on a later line
        than all it holds is only counted, at once (a column may have millions)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
            return
        self.more += 1
        if self._latest is None:
            self._latest = max(map(_line_order, self.problems))
        if _line_order(problem) >= self._latest:
            return
        keys = [_line_order(p) for p in self.problems]
        self.problems[keys.index(self._latest)] = problem
        self._latest = max(map(_line_order, self.problems))

    def raise_if_any(self) -> None:
        if len(self.problems) == 1 and not self.more:
            raise self.problems[0]
        if self.problems:
            raise TableErrors(sorted(self.problems, key=_line_order), self.more)


def number_or_none(cell: str) -> float | None:
    """The finite float written in ``cell`` (ASCII digits only), or None if it is not one."""
    try:
        number = float(cell)
    except ValueError:
        return None
    # float() also takes "1_000", non-ASCII digits, "inf" and "nan": damage, not data.
    if not math.isfinite(number) or "_" in cell or not cell.isascii():
        return None
    return number


def number_text(number: float) -> str:
    """How a number reads as a category or class name: ``3`` for 3.0, else its shortest repr."""
    return str(int(number)) if number.is_integer() else repr(number)


@dataclass
class Column:
    """One column: ``numbers`` per row (NaN where missing or text), the text cells by row, the missing rows."""

    name: str
    numbers: array[float] = field(default_factory=lambda: array("d"))
    texts: dict[int, str] = field(default_factory=dict)
    # numbers written with leading zeros (007, 01), as written: as categories they are codes
    padded: dict[int, str] = field(default_factory=dict)
    # In a file whose cells commas do not separate: the rows of cells written like 1.095 or
    # 12.345.678 (dots before groups of three digits), until a cell rules that reading out
    # (``points``: a decimal point otherwise, 0.5, or a word with a dot, Dr. or 10.0.0.1):
    # thousands dots where the file writes decimal commas
    dotted: array[int] = field(default_factory=lambda: array("q"))
    points: bool = False
    thousands_dots: bool = False  # its dotted cells were read as thousands (1.095 is 1095)
    missing: int = 0
    decimal_comma: bool = False  # its numbers were written 0,5 (read_columns)
    comma_doubt: str = ""  # why its cells written 0,5 were not read as numbers (read_columns)
    written: list[str] | None = None  # every cell as written, when asked for (read_columns)
    # given from Python as strings, bools or a pandas categorical: labels, even if they are digits
    labels_given: bool = False
    # given from Python as strings throughout: each cell as given ("01" stays "01"), for labels
    strings_given: list[str] | None = None

    @property
    def is_text(self) -> bool:
        """A text column: more text cells than numbers (a few text cells in numbers are errors)."""
        counted = len(self.numbers) - self.missing
        return len(self.texts) * 2 > counted

    def text_values(self) -> list[str | None]:
        """Every row as text (numbers as ``number_text``), None where missing."""
        values: list[str | None] = []
        for row, number in enumerate(self.numbers):
            if row in self.texts:
                values.append(self.texts[row])
            elif math.isnan(number):
                values.append(None)
            else:
                values.append(self.padded.get(row) or number_text(number))
        return values


@dataclass
class ColumnTable:
    """A table read by columns; ``lines[i]`` is the file line of row i (header = line 1)."""

    path: str
    columns: dict[str, Column]
    lines: array[int]
    delimiter: str | None = None  # what separated a file's cells; None for columns from Python

    @property
    def comma_delimited(self) -> bool:
        """Whether commas separated the cells (where 1,5 is no number)."""
        return self.delimiter == ","

    @property
    def writes_decimal_points(self) -> bool:
        """Whether some column wrote a number with a decimal point (2.5): the file's own style."""
        return any(
            not column.decimal_comma and _writes_decimal_points(column)
            for column in self.columns.values()
        )

    @property
    def writes_decimal_commas(self) -> bool:
        """Whether some column was read with decimal commas (0,5): the file's own style."""
        return any(column.decimal_comma for column in self.columns.values())

    @property
    def n_rows(self) -> int:
        """How many data rows the table has."""
        return len(self.lines)

    def require(self, name: str) -> Column:
        """Column ``name`` (see ``name_of``), or a DataError listing the columns there are."""
        return self.columns[self.name_of(name)]

    def name_of(self, name: str) -> str:
        """The table's own spelling of column ``name``, whose accents may be composed or not
        (é as one character, or e and a combining accent as macOS writes it); or a DataError
        listing the columns there are."""
        if name in self.columns:
            return name
        composed = unicodedata.normalize("NFC", name)
        for spelled in self.columns:
            if unicodedata.normalize("NFC", spelled) == composed:
                return spelled
        alike = [c for c in self.columns if c.casefold().strip() == name.casefold().strip()]
        cut = [c for c in self.columns if "," in c and name in map(str.strip, c.split(","))]
        numbers = sum(number_or_none(c.replace(",", ".")) is not None for c in self.columns)
        if alike:
            hint = f" (did you mean {alike[0]!r}? names are matched exactly)"
        elif cut:
            hint = (
                f" (the column {cut[0]!r} holds a comma: on the command line, a list of columns "
                f"gives it in double quotes, as in '\"{cut[0]}\"')"
            )
        elif numbers * 2 > len(self.columns):
            hint = (
                " (the first line, read as the header, holds numbers: the file may have no "
                "header line; add one naming the columns)"
            )
        elif len(self.columns) == 1:
            hint = (
                " (the header was read as one column: if the file is separated by another "
                "character, --delimiter names it)"
            )
        else:
            hint = ""
        raise DataError(
            f"no column {name!r}; the columns are: {column_list(self.columns)}{hint}",
            self.path,
            1,
        )

    def subset(self, rows: Sequence[int]) -> ColumnTable:
        """The table restricted to ``rows`` (a validation split)."""
        picked = np.asarray(rows, dtype=np.int64)
        # Where each picked row lands, for the text cells only (a dict of every row would be large).
        new_row = np.full(self.n_rows, -1, dtype=np.int64)
        new_row[picked] = np.arange(len(picked))
        columns = {}
        for name, column in self.columns.items():
            numbers = np.frombuffer(column.numbers, dtype=float)[picked]
            part = Column(
                name,
                array("d", numbers.tobytes()),
                decimal_comma=column.decimal_comma,
                comma_doubt=column.comma_doubt,
            )
            if column.written is not None:
                part.written = [column.written[i] for i in rows]
            if column.strings_given is not None:
                part.strings_given = [column.strings_given[i] for i in rows]
            part.labels_given = column.labels_given
            part.texts = {int(new_row[i]): t for i, t in column.texts.items() if new_row[i] >= 0}
            part.padded = {int(new_row[i]): t for i, t in column.padded.items() if new_row[i] >= 0}
            part.missing = int(np.isnan(numbers).sum()) - len(part.texts)
            columns[name] = part
        lines = array("q", np.frombuffer(self.lines, dtype=np.int64)[picked].tobytes())
        return ColumnTable(self.path, columns, lines, self.delimiter)


# A number written with a zero before another digit (007, -01, 00.5): a code's spelling
_LEADING_ZERO = re.compile(r"[+-]?0[0-9]")


def _add_cell(
    column: Column, row: int, cell: str, markers: frozenset[str] = MISSING_MARKERS
) -> None:
    """One cell: a missing value (empty, or one of ``markers``, even a number such as -999), a
    number or text."""
    text = cell.strip()
    if not text or text.lower() in markers:
        column.numbers.append(math.nan)
        column.missing += 1
        return
    number = number_or_none(text)
    if number is not None:
        column.numbers.append(number)
        return
    column.numbers.append(math.nan)
    column.texts[row] = text


def _note_padded(column: Column, cells: Sequence[str], first_row: int) -> None:
    """Keep the numbers of ``cells`` written with leading zeros (007) as written: in a column
    with words they are codes (``Column.padded``). Not kept in a column of numbers alone, where
    they would be read as numbers anyway and could be every cell."""
    for row, cell in enumerate(cells, first_row):
        if _LEADING_ZERO.match(text := cell.strip()) and number_or_none(text) is not None:
            column.padded[row] = text


_CHUNK_ROWS = 2048  # rows held as text before they are added to the columns


def _note_dots(column: Column, cells: Sequence[str], first_row: int) -> None:
    """Keep the rows of ``cells`` written like 1.095 (``Column.dotted``), until a cell with a
    dot reads otherwise (0.5, Dr., 10.0.0.1): then none are kept, nor looked for again."""
    for row, cell in enumerate(cells, first_row):
        if "." in cell:
            if _THOUSANDS_DOTS.fullmatch(cell.strip()):
                column.dotted.append(row)
            else:
                column.points = True
                column.dotted = array("q")
                return


def _add_rows(
    columns: list[Column],
    rows: list[list[str]],
    first_row: int,
    markers: frozenset[str],
    dots: bool = False,
) -> None:
    """Append a chunk of rows, column by column: a column whose cells in the chunk are all
    plain finite numbers in one go (at C speed), any other cell by cell (``markers``: the
    texts that mean a missing value). ``dots``: keep the cells written like 1.095
    (``_note_dots``), in a file where commas may be decimal."""
    numeric_marks = {mark for mark in markers if number_or_none(mark) is not None}  # -999
    for column, cells in zip(columns, zip(*rows)):
        joined = "".join(cells)  # float() takes "1_000" and non-ASCII digits too: not data
        if dots and not column.points and "." in joined:
            _note_dots(column, cells, first_row)
        try:
            values = list(map(float, cells))
        except ValueError:
            values = []
        if (
            values
            and math.isfinite(sum(values))
            and joined.isascii()
            and "_" not in joined
            and not (numeric_marks and any(cell.strip() in numeric_marks for cell in cells))
        ):
            column.numbers.extend(values)
        else:
            for row, cell in enumerate(cells, first_row):
                _add_cell(column, row, cell, markers)
            if column.texts:
                _note_padded(column, cells, first_row)


def _dates_as_written(values: object) -> object:
    """A pandas column of dates as the texts ``to_csv`` writes for it (``2021-01-03`` when every
    time is midnight, else ``2021-01-03 05:06:07``; a missing date stays missing), so that
    a model sees the same dates from a DataFrame as from its CSV file. Anything else as it is.

    Its Timestamps would otherwise be read as ``str`` gives them, ``2021-01-03 00:00:00``: a
    category the CSV file never writes.
    """
    dtype = getattr(values, "dtype", None)
    if getattr(dtype, "kind", None) != "M" or isinstance(values, np.ndarray):
        return values
    missing = values.isna().tolist()  # type: ignore[attr-defined]
    texts = values.astype(str).tolist()  # type: ignore[attr-defined]  # pandas: to_csv's format
    return [None if gap else text for gap, text in zip(missing, texts)]


def _text_if_bytes(value: object, name: str, column: str) -> object:
    """Bytes (numpy's "S" strings) as the text they encode in UTF-8; any other value as it is."""
    if not isinstance(value, bytes):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{value!r} is bytes that are not UTF-8 text", name, None, column) from None


def is_missing(value: object) -> bool:
    """None, or a value unequal to itself: NaN, and pandas' NaT and NA (whose comparisons
    give NA, which is neither true nor false)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:
        return True


def marks_as_markers(missing_marks: Sequence[str]) -> frozenset[str]:
    """Extra texts that mean a missing value, as cells are compared (stripped, lower case)."""
    return frozenset(mark.strip().lower() for mark in missing_marks)


def table_from_columns(
    data: Mapping[str, object], name: str = "<columns>", missing_marks: Sequence[str] = ()
) -> ColumnTable:
    """A ColumnTable from ``{"name": [values...]}``: numbers, strings, or None, NaN, pandas' NA
    and NaT and empty strings (missing). A string such as "NA" is text here: pandas has already
    read a file's missing-value marks, and what is left is data; only ``missing_marks`` ("?")
    name strings that mean a missing value."""
    markers = marks_as_markers(missing_marks)
    if not data:
        raise DataError("no columns", name)
    lists: dict[str, Sequence[object]] = {}
    categorical: set[str] = set()
    for column_name, values in data.items():
        if str(getattr(values, "dtype", "")) == "category":  # pandas' declared categories
            categorical.add(str(column_name))
        values = _dates_as_written(values)
        if not isinstance(values, (str, bytes)) and hasattr(values, "tolist"):
            values = values.tolist()  # a numpy array or a pandas Series
        if str(column_name) in lists:
            raise DataError("two columns have this name", name, None, str(column_name))
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise DataError(
                f"{values!r} is a single value, not a list of the column's values (one row is "
                "a dict of single values throughout)",
                name,
                None,
                str(column_name),
            )
        lists[str(column_name)] = [
            None if isinstance(v, str) and v.strip().lower() in markers else v
            for v in (_text_if_bytes(v, name, str(column_name)) for v in values)
        ]
    lengths = {len(values) for values in lists.values()}
    if len(lengths) != 1:
        raise DataError(f"columns of different lengths: {sorted(lengths)}", name)
    columns = {}
    for column_name, values in lists.items():
        column = Column(str(column_name))
        present = [v for v in values if not is_missing(v)]
        column.labels_given = column_name in categorical or bool(
            present and all(isinstance(v, (str, bool, np.bool_)) for v in present)
        )
        if present and all(isinstance(v, str) for v in present):
            column.strings_given = ["" if is_missing(v) else str(v) for v in values]
        for row, value in enumerate(values):
            if is_missing(value):
                _add_cell(column, row, "")
            elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                value, (bool, np.bool_)
            ):
                if not math.isfinite(value):
                    raise DataError(f"{value!r} is not a finite number", name, row + 2, column.name)
                else:
                    column.numbers.append(float(value))
            else:  # text: "NA" in Python data is North America, not a missing cell
                _add_cell(column, row, str(value), markers=frozenset())
        if column.strings_given is not None:  # "1.095": thousands where training read them so
            _note_dots(column, column.strings_given, 0)
        if column.texts or column.strings_given is not None:  # strings given are text: "007"
            _note_padded(column, [v if isinstance(v, str) else "" for v in values], 0)
        columns[column.name] = column
    n_rows = lengths.pop()
    if not n_rows:
        raise DataError("no rows", name)
    _read_file_decimal_commas(list(columns.values()), in_file=False)  # strings such as "0,5"
    # No file lines here: rows are counted from 1, with line = row + 1 as if under a header.
    return ColumnTable(name, columns, array("q", range(2, n_rows + 2)))


# A quoted cell ("" inside it is a quote): its separators are part of a name, not between names
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


# The first line Excel writes to name a CSV file's separator, as in "sep=;"
_EXCEL_SEPARATOR = re.compile(r"sep=([,;\t|])")


def sniff_delimiter(header_line: str, first_row: str | None = None) -> str:
    """The one of ``,`` ``;`` tab ``|`` that the header line holds most often outside quoted names
    (``,`` when none); of those that cut ``first_row`` into as many cells as the header, when
    some do (a header ``weight; kg,height; cm,y`` over rows ``70,180,1`` is cut by commas)."""
    unquoted = _QUOTED.sub("", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    candidates = [d for d in DELIMITERS if counts[d]]
    # (a row whose quote runs onto the next line cannot be counted on its own line)
    if first_row is not None and first_row.count('"') % 2 == 0:
        row = _QUOTED.sub("", first_row)
        agreeing = [d for d in candidates if row.count(d) == counts[d]]
        if len(agreeing) > 1:  # a tie both lines keep: commas inside names ("Gewicht, kg")
            agreeing.sort(key=lambda d: d == ",")  # are likelier than tabs or semicolons
        candidates = agreeing or candidates
    return max(candidates, key=lambda d: counts[d], default=",")


def open_lines(path: str, counter: list[int]) -> tuple[io.TextIOWrapper, Iterator[str]]:
    """The file opened as UTF-8 text and its bounded lines; DataError for what cannot be opened."""
    try:
        handle = io.TextIOWrapper(open_regular_file(path), encoding="utf-8-sig", newline="")
    except OSError as error:
        raise DataError(why_unreadable(error, "a CSV file"), path) from None
    return handle, bounded_lines(handle, path, counter)


# A number written with a decimal comma, as spreadsheets in much of Europe export it (0,5).
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+(?:[eE][+-]?[0-9]+)?", re.ASCII)
# A comma followed by exactly three digits: as likely a thousands separator (1,500) as a decimal
_THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}", re.ASCII)  # (0,038 is no thousands)
# Commas between groups of three digits, then maybe decimals: 1,095 or 12,345,678.5
_GROUPED_THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?", re.ASCII)
# Dots before groups of three digits, then maybe a decimal comma: 1.095, 12.345.678, 1.095,5
_THOUSANDS_DOTS = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?", re.ASCII)


def written_number(text: str) -> bool:
    """Whether ``text`` is a finite number as a table may write it: 0.5, or 0,5."""
    number = comma_number(text) if _DECIMAL_COMMA.fullmatch(text) else number_or_none(text)
    return number is not None


def comma_number(text: str) -> float | None:
    """The number ``text`` writes with a decimal comma (12,500 is 12.5), or None."""
    return number_or_none(text.replace(",", ".")) if _DECIMAL_COMMA.fullmatch(text) else None


def _decimal_comma_cells(column: Column) -> dict[int, float]:
    """The text cells of ``column`` written with a decimal comma (0,5), as numbers, by row."""
    return {
        row: number
        for row, text in column.texts.items()
        if (number := comma_number(text)) is not None
    }


def _like_thousands(column: Column, commas: dict[int, float]) -> bool:
    """Whether every comma cell has exactly three digits after its comma (1,500)."""
    return all(_THOUSANDS.fullmatch(column.texts[row]) for row in commas)


def _writes_decimal_points(column: Column) -> bool:
    numbers = np.frombuffer(column.numbers, dtype=float)
    return bool(np.any(numbers[np.isfinite(numbers)] % 1))


def _weigh_decimal_commas(column: Column) -> bool | None:
    """Whether ``column``'s comma cells are surely decimal commas (True), cannot be (False: it
    also writes decimal points, ``comma_doubt`` says so), or may be thousands (None: every
    comma has three digits after it, 1,500); no comma cells is False."""
    commas = _decimal_comma_cells(column)
    if not commas:
        return False
    if _writes_decimal_points(column):
        column.comma_doubt = "this column writes both decimal commas (0,5) and points (0.5)"
        return False
    if _like_thousands(column, commas):
        return None
    return True


def _all_written_with_commas(column: Column) -> bool:
    """Whether every cell that holds something is a number written with a decimal comma
    (1.095,50 with dots between its thousands too): a column of numbers, not words with a
    number among them, nor 800 beside 1,500."""
    commas = _decimal_comma_cells(column)
    grouped = [t for t in column.texts.values() if "," in t and _THOUSANDS_DOTS.fullmatch(t)]
    numbers = np.frombuffer(column.numbers, dtype=float)
    return len(commas) + len(grouped) == len(column.texts) and not np.isfinite(numbers).any()


def read_decimal_commas(column: Column) -> bool:
    """Read ``column``'s cells written with a decimal comma (0,5) as numbers, unless it also
    writes decimal points; whether it did. For a column known to write decimal commas (the
    training file's, or the rest of its own file's), where 1,500 means 1.5."""
    commas = _decimal_comma_cells(column)
    if not commas or _writes_decimal_points(column):
        return False
    plain = np.isfinite(np.frombuffer(column.numbers, dtype=float)).any()
    if plain and _like_thousands(column, commas):
        column.comma_doubt = (
            "800 beside 1,500 reads as thousands, where an export with decimal commas "
            "writes 800,000"
        )
        return False
    for row, number in commas.items():
        column.numbers[row] = number
        del column.texts[row]
    column.decimal_comma = True
    column.comma_doubt = ""
    return True


def read_thousands_dots(column: Column) -> bool:
    """Read ``column``'s cells written like 1.095 as thousands (1095; 1.095,5 is 1095.5), for
    a column of numbers (its every text cell so written) with no other dot, in a file that
    writes decimal commas or where training read the column so; whether it reads so now."""
    if column.thousands_dots:
        return True
    dotted = set(column.dotted)
    if column.points or not dotted or not dotted.issuperset(column.texts):
        return False
    for row in column.dotted:
        text = column.texts.get(row)
        if text is None:  # read as a number with one dot: 1.095 -> 1095 (exact: 1095/1000 * 1000)
            column.numbers[row] = float(round(column.numbers[row] * 1000.0))
        elif math.isfinite(number := float(text.replace(".", "").replace(",", "."))):
            column.numbers[row] = number  # two dots or a decimal comma: 12.345.678, 1.095,5
            del column.texts[row]
    column.thousands_dots = True
    return True


def numbers_in_doubt(column: Column) -> bool:
    """Whether every text cell of ``column`` is a number left unread for its comma (1,500 with
    nothing to settle it, or 0,5 beside 2.5): a column of numbers to report, not of words."""
    return bool(column.comma_doubt) and len(_decimal_comma_cells(column)) == len(column.texts)


def _read_file_decimal_commas(
    columns: list[Column], in_file: bool = True, decimal_comma: bool = False
) -> None:
    """Decimal commas (0,5) in a table whose cells commas do not separate (where 1,5 cannot be
    a misread row) become numbers. A column whose every comma has three digits after it
    (1,500) may mean thousands on its own. It is read as decimals (1.5) when every one of its
    cells is written so and another column, of numbers all written with commas, surely writes
    decimal commas (0,290 or 1095,000): a table that writes decimals with commas does not also
    separate thousands with them, and an export with three decimals writes 800 as 800,000.
    A column that also writes points (2.5) mixes two styles and is not read.
    ``Column.comma_doubt`` says why, for the messages about its cells. Columns given from
    Python (not ``in_file``) are not doubted: a "1,000" there is text, as in a quoted cell of
    a comma-separated file. ``decimal_comma``: the user says the file writes decimal commas,
    which settles every column (``read_columns``)."""
    verdicts = [_weigh_decimal_commas(column) for column in columns]
    settled = decimal_comma or any(
        verdict and _all_written_with_commas(column) for column, verdict in zip(columns, verdicts)
    )
    for column, verdict in zip(columns, verdicts):
        if verdict is None and (decimal_comma or (settled and _all_written_with_commas(column))):
            verdict = True
        if verdict:
            read_decimal_commas(column)
        elif verdict is None and in_file and settled:  # settled, but this column writes 800
            column.comma_doubt = (
                "800 beside 1,500 reads as thousands, where an export with decimal commas "
                "writes 800,000; --decimal-comma, decimal_comma=True from Python, reads 1,500 "
                "as 1.5"
            )
        elif verdict is None and in_file:
            column.comma_doubt = (
                "a comma before three digits may be a decimal comma or a thousands separator, "
                "and no other column settles it; --decimal-comma, decimal_comma=True from "
                "Python, says the file writes decimal commas"
            )
    if settled and in_file:  # after the decimal commas: 385,20 beside 1.095,50 is read first
        for column in columns:
            read_thousands_dots(column)


def read_columns(
    path: str | os.PathLike[str],
    delimiter: str | None = None,
    written: Sequence[str] = (),
    missing_marks: Sequence[str] = (),
    decimal_comma: bool = False,
) -> ColumnTable:
    """Read a CSV file with a header line into columns, in one pass; ``delimiter`` None sniffs it.

    In a file separated by ``;`` or tabs, a column whose text cells are all numbers written with
    a decimal comma (0,5) is read as numbers (``Column.decimal_comma``); 1,125 alone could be
    thousands, and is read so only where another column settles that the file writes decimal
    commas, or where ``decimal_comma`` says it (``--decimal-comma``). The columns named in
    ``written`` also keep every cell as written (``Column.written``: 007 stays 007). Cells that
    are empty, NA, N/A, nan, null, #N/A or one of ``missing_marks`` ("?") are missing."""
    markers = MISSING_MARKERS | marks_as_markers(missing_marks)
    path = os.fspath(path)
    counter = [0]
    problems = ProblemList()
    handle, lines = open_lines(path, counter)
    columns: list[Column] = []
    line_numbers = array("q")
    header_line = 1
    last_row_end: int | None = None  # the line where the last row read ended (the header's first)
    try:
        with handle:
            first = next(lines, None)
            while first is not None and not first.strip():
                first = next(lines, None)
            if first is None:
                raise DataError("the file is empty (expected a header line, then rows)", path)
            excel_hint = _EXCEL_SEPARATOR.fullmatch(first.rstrip("\r\n"))
            if excel_hint:  # Excel's "sep=;" line names the separator; the header follows
                first = next(lines, None)
                while first is not None and not first.strip():
                    first = next(lines, None)
                if first is None:
                    raise DataError("no header line after the sep= line", path)
                first = first.lstrip("\ufeff")
            header_line = counter[0]
            # the first row, to check a separator guessed from the header
            second = next(lines, None)
            chosen = delimiter or (excel_hint[1] if excel_hint else sniff_delimiter(first, second))
            dots = chosen != ","  # where commas may be decimal, dots may separate thousands
            reader = csv.reader(
                _chain(first, second, lines), delimiter=chosen, strict=True
            )  # strict: an unclosed quote is an error
            # composed accents (NFC), as typed: a header written é as e + a combining accent
            # (macOS's NFD) looks the same and is named the same
            header = [unicodedata.normalize("NFC", name.strip()) for name in next(reader)]
            last_row_end = header_line
            _check_header(header, path, header_line)
            columns = [Column(name) for name in header]
            chunk: list[list[str]] = []  # rows read, added to the columns a chunk at a time
            kept: list[tuple[int, list[str]]] = []  # (position, its cells as written)
            for name in dict.fromkeys(
                map(functools.partial(unicodedata.normalize, "NFC"), written)
            ):
                if name in header:  # (composed, as the header is)
                    position = header.index(name)
                    cells_written: list[str] = []
                    columns[position].written = cells_written
                    kept.append((position, cells_written))
            empty_rows: list[tuple[int, list[str]]] = []  # rows of empty cells, kept back
            for cells in reader:
                last_row_end = counter[0]
                if len(header) == 1 and not cells:
                    cells = [""]  # a one-column file writes an empty cell as a blank line
                if not cells or (len(cells) == 1 and len(header) > 1 and not cells[0].strip()):
                    continue  # a blank line
                if len(cells) != len(header):
                    problems.add(DataError(_ragged(cells, header), path, counter[0]))
                    continue
                if not any(cell.strip() for cell in cells):
                    # ",,,,": such rows at the end of a spreadsheet's export are no data; between
                    # rows of data, one is a row (predict owes it a line of output)
                    empty_rows.append((counter[0], cells))
                    continue
                for line, row_cells in [*empty_rows, (counter[0], cells)]:
                    chunk.append(row_cells)
                    for position, cells_written in kept:
                        cells_written.append(row_cells[position])
                    line_numbers.append(line)
                empty_rows = []
                if len(chunk) >= _CHUNK_ROWS:
                    _add_rows(columns, chunk, len(line_numbers) - len(chunk), markers, dots)
                    chunk = []
            _add_rows(columns, chunk, len(line_numbers) - len(chunk), markers, dots)
    except UnicodeDecodeError:
        reason, line = why_not_utf8(path)
        raise DataError(reason, path, line) from None
    except csv.Error as error:
        if "unexpected end of data" in str(error):  # a quote left open runs to the end
            start = header_line if last_row_end is None else last_row_end + 1
            rest = (
                f", so the rest of the file (to line {counter[0]}) would be one cell"
                if counter[0] > start
                else ""
            )
            raise DataError(
                f'a quote (") opened in this row is never closed{rest}; not valid CSV',
                path,
                start,
            ) from None
        line = header_line if last_row_end is None else counter[0]  # (a row was read ahead)
        raise DataError(f"not valid CSV: {error}", path, line) from None
    except OSError as error:
        raise DataError(f"cannot be read ({error.strerror or error})", path) from None
    problems.raise_if_any()
    if not line_numbers:
        raise DataError("no data rows after the header", path)
    for column in columns:
        if column.written is not None:  # (asked for as written: its codes 007 stay 007 too)
            _note_padded(column, column.written, 0)
    if chosen != ",":
        _read_file_decimal_commas(columns, decimal_comma=decimal_comma)
    elif decimal_comma:
        raise DataError(
            "the file is separated by commas, so its numbers cannot have decimal commas "
            "(--decimal-comma is for files separated by ; or tabs)",
            path,
        )
    return ColumnTable(path, {c.name: c for c in columns}, line_numbers, chosen)


def _ragged(cells: list[str], header: list[str]) -> str:
    """What is wrong with a row of the wrong length, with a hint when the header is one column."""
    columns = f"{len(header)} column{'s' if len(header) != 1 else ''}"
    message = f"{len(cells)} cells, but the header has {columns}"
    if len(header) == 1:
        message += " (the header was read as one column: --delimiter names the separator)"
    return message


def _chain(first: str, second: str | None, rest: Iterator[str]) -> Iterator[str]:
    yield first
    if second is not None:
        yield second
        yield from rest


def _hint_for(table: ColumnTable, column: Column, text: str, comma: bool) -> tuple[str, str]:
    """What may be meant by a text cell among numbers: the kind of hint (given once per column:
    a missing mark once per mark), and its words (empty when there is none to give)."""
    if table.delimiter is None and text.lower() in MISSING_MARKERS | OTHER_MISSING_MARKS:
        return f"missing from Python: {text}", (
            " (a missing value given from Python is None or float('nan'), or a text named "
            f"in missing_marks=[{text!r}])"
        )
    if text.lower() in OTHER_MISSING_MARKS:  # UCI's "?" (in a text column, a category)
        return f"missing mark: {text}", (
            f" (a missing value is an empty cell or NA; --missing-marks {text} on the command "
            f"line, missing_marks=[{text!r}] from Python, reads {_shown(text)} as one)"
        )
    if comma and column.comma_doubt:
        return "comma", f" ({column.comma_doubt}: write plain numbers such as 1500 or 1.5)"
    if _GROUPED_THOUSANDS.fullmatch(text):  # "1,095" quoted in a comma-separated file
        return "thousands", (
            " (commas between thousands are not read as numbers: write it as "
            f"{text.replace(',', '')}, or format the column without thousands separators)"
        )
    return "none", ""


def numeric_problems(table: ColumnTable, column: Column, problems: ProblemList) -> None:
    """Report each text cell of a column of numbers: a typo there is an error, not a category.
    A reason or a hint is given once per column, at its first cell (20 cells of one ambiguous
    column repeated the same sentence 20 times)."""
    given: set[str] = set()
    for row, text in sorted(column.texts.items()):
        comma = _DECIMAL_COMMA.fullmatch(text)
        try:
            number = float(text.replace(",", ".") if comma else text)
            finite = math.isfinite(number) or "_" in text or not text.isascii()
        except ValueError:
            finite = True
        problem = f"{_shown(text)} is not a {'' if finite else 'finite '}number"
        kind, hint = _hint_for(table, column, text, bool(comma))
        if kind not in given:
            given.add(kind)
            problem += hint
        problems.add(DataError(problem, table.path, table.lines[row], column.name))
