"""What a table model learns from its training columns besides the weights: which columns, and how each becomes numbers.

* a numeric column is standardized (mean 0, standard deviation 1); a missing cell gets the mean;
* a text column with few distinct values is one-hot encoded, one input per category seen in
  training; a missing cell gets the most frequent category; a category never seen in training
  is encoded as all zeros (counted, and reported as a warning);
* left out unless named in ``features``: a text column whose values are nearly all distinct
  (names, identifiers), and an integer column that is all distinct and increasing (a row number).
"""

from __future__ import annotations

import math
import re
import shlex
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import (
    OTHER_MISSING_MARKS,
    Column,
    ColumnTable,
    ProblemList,
    comma_number,
    number_or_none,
    number_text,
    numbers_in_doubt,
    numeric_problems,
    read_decimal_commas,
    read_thousands_dots,
)
from .csvfile import DataError

MISSING_POLICIES = ("impute", "error")
# A column where at least a tenth of the cells to predict lie this many training standard
# deviations from the training mean gets a warning: a shifted column (ids, other units), not
# the odd rare value (a pixel that is almost always 0 in training).
FAR_FROM_TRAINING = 10
# A text column with more distinct values than this (or than half its rows) is left out by default.
MAX_CATEGORIES = 50
# Even when asked for by name, a text column may not become more one-hot inputs than this.
MAX_CATEGORIES_KEPT = 1_000


@dataclass
class NumericRule:
    """Standardize: (x - mean) / std; a missing value becomes ``mean`` (0 once standardized)."""

    name: str
    mean: float
    std: float
    decimal_comma: bool = False  # the training file wrote it 0,5: so is 1,500 (1.5) at predict
    low: float | None = None  # the training range (None in files written before it was kept)
    high: float | None = None
    thousands_dots: bool = False  # the training file wrote 1.095 for 1095: so is it at predict

    def to_dict(self) -> dict[str, Any]:
        saved: dict[str, Any] = {
            "name": self.name,
            "kind": "numeric",
            "mean": self.mean,
            "std": self.std,
        }
        if self.low is not None and self.high is not None:
            saved.update(min=self.low, max=self.high)
        if self.decimal_comma:
            saved["decimal_comma"] = True
        if self.thousands_dots:
            saved["thousands_dots"] = True
        return saved


# The fill of a flag column (one value, or empty): no category, so an empty cell is all zeros.
EMPTY_CATEGORY = ""


@dataclass
class CategoryRule:
    """One-hot over ``categories``; a missing value becomes ``fill``; an unseen one is all zeros
    (as is a missing one when ``fill`` is ``EMPTY_CATEGORY``, in a flag column)."""

    name: str
    categories: list[str]
    fill: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": "category",
            "categories": self.categories,
            "fill": self.fill,
        }


Rule = NumericRule | CategoryRule


def mean_and_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and (population) standard deviation, computed on values scaled into [-1, 1] so that
    numbers near the float limit cannot overflow; a constant column gets std 1 (centred, not divided by 0)."""
    scale = float(np.max(np.abs(values))) or 1.0
    scaled = values / scale
    mean = math.fsum(scaled.tolist()) / len(values)
    std = math.sqrt(math.fsum(((scaled - mean) ** 2).tolist()) / len(values))
    return mean * scale, (std * scale if std > 0.0 else 1.0)


def standardize(values: np.ndarray, mean: float, std: float) -> np.ndarray:
    """(x - mean) / std, also where x - mean leaves float range (x near 1e308, mean of the other
    sign): there as x / std - mean / std, which is finite whenever the result is."""
    with np.errstate(over="ignore", invalid="ignore"):
        result: np.ndarray = (values - mean) / std
        overflowed = ~np.isfinite(result) & np.isfinite(values)
        result[overflowed] = values[overflowed] / std - mean / std
    return result


# Text that people mean as a date, or as a number in a spreadsheet's format (12%, 1,234.5, $3)
_DATE = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T].*)?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}([ T].*)?"
)
_FORMATTED_NUMBER = re.compile(r"[-+(]?[$€£¥]?\s?[\d.,' ]*\d[\d.,' ]*\s?[%$€£¥)]?")


def _looks_like(values: list[str]) -> str:
    """What a text column left out for its many values seems to hold, said so the user can act."""
    sample = values[:1000]
    if sum(bool(_DATE.fullmatch(v)) for v in sample) >= 0.9 * len(sample):
        return f"like dates ({sample[0]!r}): turn them into numbers, such as a year or days, to use them"
    formatted = [v for v in sample if _FORMATTED_NUMBER.fullmatch(v) and number_or_none(v) is None]
    if len(formatted) >= 0.9 * len(sample):
        return (
            f"numbers written as text ({formatted[0]!r}): write them as plain numbers "
            "(0.12 for 12%, 1234.5 for 1,234.5) to use them as numbers"
        )
    return "like names or identifiers"


def _numbers_but_for_a_mark(column: Column) -> str:
    """When a text column's cells are numbers but for one mark of a missing value (``?``), what
    to do about it; else ""."""
    marks = set(column.texts.values())
    numbers = len(column.numbers) - column.missing - len(column.texts)
    if len(marks) != 1 or numbers == 0:
        return ""
    mark = marks.pop()
    if mark.lower() not in OTHER_MISSING_MARKS:
        return ""
    return (
        f"its cells are numbers but for {len(column.texts):,} of {mark!r}; if {mark!r} marks a "
        f"missing value, --missing-marks {mark} (missing_marks=[{mark!r}] from Python) reads "
        "the column as numbers"
    )


def _thousands_as_trained(
    rule: NumericRule, column: Column, table: ColumnTable, problems: ProblemList
) -> None:
    """Read the column's dots as training did: as thousands (1.095 is 1095) where the training
    file wrote them so, whatever this file's other columns say; as decimal points elsewhere.
    Where this file's dots cannot be read as training read them, an error says so."""
    if rule.thousands_dots and (column.dotted or column.points):
        if not read_thousands_dots(column):
            problems.add(
                DataError(
                    "training read this column's dots as thousands (1.095 as 1095), but here a "
                    "dot also stands elsewhere (0.5): write its numbers as the training file did",
                    table.path,
                    None,
                    column.name,
                )
            )
    elif not rule.thousands_dots and column.thousands_dots:
        problems.add(
            DataError(
                "this file writes decimal commas, so its dots here read as thousands (1.095 as "
                "1095), but training read this column's dots as decimal points: write its "
                "numbers as the training file did",
                table.path,
                table.lines[column.dotted[0]],
                column.name,
            )
        )


def _value_or_empty(name: str, value: str, column: Column, notes: list[str]) -> list[Rule]:
    """A column with one value: left out when it is in every row; when some cells are empty,
    whether it is there is what the column says (a flag), so it is one input, 1 where given."""
    if not column.missing:
        notes.append(
            f"column {name!r} left out: {value!r} in every row, nothing to learn from; "
            f"{_naming(name)} keeps it"
        )
        return []
    notes.append(
        f"column {name!r}: {value!r} or empty ({_cells(column.missing)}), taken as one input: "
        "1 where the value is given, 0 where empty"
    )
    return [CategoryRule(name, [value], EMPTY_CATEGORY)]


def _one_value(column: Column) -> bool:
    """Whether every present cell of ``column`` holds the same value (a constant input)."""
    numbers = np.frombuffer(column.numbers, dtype=float)
    present = numbers[~np.isnan(numbers)]  # (a text cell's number is NaN too)
    texts = set(column.texts.values())
    if not texts:
        return len(present) > 0 and bool(np.all(present == present[0]))
    return len(texts) == 1 and not len(present)


def _distinct_integers(column: Column, min_rows: int = 20) -> bool:
    """Whether ``column`` holds whole numbers, each once, in every row (at least ``min_rows``)."""
    numbers = np.frombuffer(column.numbers, dtype=float)
    return (
        len(numbers) >= min_rows
        and bool(np.all(np.abs(numbers) < 2**53))  # beyond, every float is a whole number
        and not column.texts
        and not column.missing
        and bool(np.all(numbers == np.round(numbers)))
        and len(np.unique(numbers)) == len(numbers)
    )


def _looks_like_row_ids(column: Column) -> bool:
    """Whole numbers, all different and increasing, mostly by 1 (a few rows deleted): row
    numbers. A file sorted by a measure (square feet: 812, 845, 901) rises by more, and keeps it."""
    numbers = np.frombuffer(column.numbers, dtype=float)
    with np.errstate(over="ignore"):  # a difference of numbers near 1e308 is inf: still increasing
        steps = np.diff(numbers)
        return (
            len(numbers) >= 3
            and not column.texts
            and not column.missing
            and bool(np.all(numbers == np.round(numbers)))
            and bool(np.all(steps > 0))
            and bool(np.mean(steps == 1) >= 0.5)
        )


@dataclass
class Preprocessor:
    """The rules of the kept columns, in input order, and the columns left out with why."""

    rules: list[Rule]

    @property
    def input_names(self) -> list[str]:
        """One name per network input: the column, or ``column=category`` for one-hot inputs."""
        names = []
        for rule in self.rules:
            if isinstance(rule, NumericRule):
                names.append(rule.name)
            else:
                names.extend(f"{rule.name}={c}" for c in rule.categories)
        return names

    @property
    def width(self) -> int:
        return len(self.input_names)

    @property
    def columns(self) -> list[str]:
        return [rule.name for rule in self.rules]

    @property
    def decimal_commas(self) -> bool:
        """Whether the training file wrote some numeric column with decimal commas (0,5)."""
        return any(isinstance(rule, NumericRule) and rule.decimal_comma for rule in self.rules)

    @classmethod
    def fit(
        cls,
        table: ColumnTable,
        target: str,
        *,
        features: Sequence[str] | None = None,
        drop: Sequence[str] = (),
        missing: str = "impute",
        notes: list[str] | None = None,
        whole: ColumnTable | None = None,
    ) -> Preprocessor:
        """Learn the rules from ``table``'s columns other than ``target``; ``notes`` receives one line per choice made.

        ``whole``: the table that ``table``'s rows were taken from (training rows, beside the
        validation ones). Its bad cells are the ones reported (``--missing error``, a word among
        numbers) and its empty cells the ones counted in the notes, since every row gets filled.
        """
        if missing not in MISSING_POLICIES:
            raise ValueError(f"missing must be one of {MISSING_POLICIES}, not {missing!r}")
        notes = notes if notes is not None else []
        # the table's spellings (accents composed or not), checked to be columns
        features = None if features is None else [table.name_of(name) for name in features]
        drop = [table.name_of(name) for name in drop]
        for chosen_names in (features or [], drop):
            twice = sorted({n for n in chosen_names if list(chosen_names).count(n) > 1})
            if twice:
                raise DataError(f"column {twice[0]!r} is named twice", table.path)
        for name in features or []:
            if name == target:
                raise DataError(f"{name!r} is the target; it cannot also be a feature", table.path)
        chosen = (
            list(features)
            if features
            else [n for n in table.columns if n != target and n not in drop]
        )
        problems = ProblemList()
        rules: list[Rule] = []
        decimal_commas: list[str] = []
        thousands_dots: list[str] = []
        n_rows = table.n_rows
        checked = whole or table
        for name in chosen:
            column = table.columns[name]
            every_row = checked.columns[name]
            named = bool(features)
            if missing == "error" and every_row.missing:
                _report_missing(checked, every_row, problems)
                continue
            if not column.is_text or numbers_in_doubt(every_row):
                if every_row.texts:
                    numeric_problems(checked, every_row, problems)
                    continue
                if not named and _pandas_index(name, every_row):
                    notes.append(
                        f"column {name!r} left out: pandas gives this name to a column with no "
                        "name in the header, such as the index that to_csv writes, and its "
                        "numbers label the rows (read the file with index_col=0, or write it with "
                        f"index=False); {_naming(name)} keeps it"
                    )
                    continue
                if not named and _looks_like_row_ids(every_row):
                    notes.append(
                        f"column {name!r} left out: its integers are all distinct and increasing, "
                        f"mostly by 1, like row numbers; {_naming(name)} keeps it"
                    )
                    continue
                values = np.frombuffer(column.numbers, dtype=float)
                present = values[~np.isnan(values)]
                if not len(present):
                    notes.append(f"column {name!r} left out: every cell is empty")
                    continue
                if not named and _one_value(every_row):
                    rules += _value_or_empty(name, number_text(float(present[0])), every_row, notes)
                    continue
                if not named and _distinct_integers(every_row):
                    notes.append(
                        f"column {name!r}: every value is a different whole number, as ids are; "
                        f"if it is one, --drop {_on_command_line(name)} (drop=[{name!r}] from "
                        "Python) leaves it out"
                    )
                mean, std = mean_and_std(present)
                if every_row.decimal_comma:
                    decimal_commas.append(name)
                if every_row.thousands_dots:
                    thousands_dots.append(name)
                if every_row.missing:
                    notes.append(
                        f"column {name!r}: {_cells(every_row.missing)} filled with the mean {mean:.6g}"
                        + _mostly_empty(name, every_row.missing, checked.n_rows)
                    )
                rules.append(
                    NumericRule(
                        name,
                        mean,
                        std,
                        every_row.decimal_comma,
                        float(present.min()),
                        float(present.max()),
                        every_row.thousands_dots,
                    )
                )
                continue
            counts = Counter(v for v in column.text_values() if v is not None)
            if not named and _one_value(every_row):
                rules += _value_or_empty(name, next(iter(counts)), every_row, notes)
                continue
            mark = _numbers_but_for_a_mark(every_row)
            limit = MAX_CATEGORIES_KEPT if named else min(MAX_CATEGORIES, max(2, n_rows // 2))
            if len(counts) > limit:
                if named:
                    problems.add(
                        DataError(
                            f"{len(counts):,} distinct values, more than the {limit:,} categories a column may have",
                            table.path,
                            None,
                            name,
                        )
                    )
                elif mark:
                    notes.append(
                        f"column {name!r} left out: {len(counts):,} distinct values, {mark}; "
                        f"{_naming(name)} keeps it as categories"
                    )
                else:
                    notes.append(
                        f"column {name!r} left out: {len(counts):,} distinct values in "
                        f"{n_rows:,}{' training' if checked.n_rows != n_rows else ''} rows, "
                        f"{_looks_like(list(counts))}; {_naming(name)} keeps it"
                    )
                continue
            if mark:
                notes.append(f"column {name!r} taken as categories: {mark}")
            fill = max(sorted(counts), key=lambda c: counts[c])
            if every_row.missing:
                notes.append(
                    f"column {name!r}: {_cells(every_row.missing)} filled with the most frequent value {fill!r}"
                    + _mostly_empty(name, every_row.missing, checked.n_rows)
                )
            rules.append(CategoryRule(name, sorted(counts), fill))
        problems.raise_if_any()
        if decimal_commas:
            notes.append(
                f"read with decimal commas (0,5 as 0.5): {', '.join(map(repr, decimal_commas))}"
            )
        if thousands_dots:
            notes.append(
                "read with dots between thousands, as a file with decimal commas writes them "
                f"(1.095 as 1095): {', '.join(map(repr, thousands_dots))}"
            )
        if not rules:
            raise DataError(
                "no feature columns left to learn from"
                + (f" ({'; '.join(notes)})" if notes else ""),
                table.path,
            )
        return cls(rules)

    def transform(
        self, table: ColumnTable, *, missing: str = "impute", notes: list[str] | None = None
    ) -> np.ndarray:
        """The table as network inputs, one row per table row; ``notes`` receives the cells filled in."""
        problems = ProblemList()
        blocks = []
        for rule in self.rules:
            try:
                column = table.require(rule.name)  # its accents composed or not
            except DataError:
                alike = [c for c in table.columns if c.casefold() == rule.name.casefold()]
                hint = f"; {alike[0]!r} differs only in case" if alike else ""
                raise DataError(
                    f"no column {rule.name!r}, which the model was trained on (it needs: {', '.join(self.columns)}){hint}",
                    table.path,
                    1,
                ) from None
            if missing == "error" and column.missing:
                _report_missing(table, column, problems)
                continue
            if isinstance(rule, NumericRule):
                if column.texts and rule.decimal_comma and not table.comma_delimited:
                    read_decimal_commas(column)
                _thousands_as_trained(rule, column, table, problems)
                if column.texts:
                    numeric_problems(table, column, problems)
                    continue
                values = np.frombuffer(column.numbers, dtype=float)
                block = standardize(
                    np.where(np.isnan(values), rule.mean, values), rule.mean, rule.std
                )
                for row in np.flatnonzero(~np.isfinite(block))[:5]:
                    problems.add(
                        DataError(
                            f"{float(values[row])!r} is too far outside the training data for this model",
                            table.path,
                            table.lines[row],
                            rule.name,
                        )
                    )
                blocks.append(block[:, None])
                far_off = np.isfinite(block) & (np.abs(block) > FAR_FROM_TRAINING)
                if rule.low is not None and rule.high is not None:  # and beyond what it saw
                    far_off &= (values < rule.low) | (values > rule.high)
                far = np.flatnonzero(far_off)
                if len(far) * 10 >= len(block) and notes is not None and len(far):
                    farthest = float(values[far[np.argmax(np.abs(block[far]))]])
                    seen = (
                        f", outside the training range {rule.low:.6g} to {rule.high:.6g}"
                        if rule.low is not None and rule.high is not None
                        else ""
                    )
                    notes.append(
                        f"warning: column {rule.name!r}: {_count(len(far), 'cell')} more than "
                        f"{FAR_FROM_TRAINING} standard deviations from the training mean "
                        f"{rule.mean:.6g}{seen} (the farthest {farthest:.6g}): the model's "
                        "predictions there are guesses (an id column, perhaps?)"
                    )
                if column.missing and notes is not None:
                    notes.append(
                        f"column {rule.name!r}: {_cells(column.missing)} filled with {rule.mean:.6g}"
                    )
            else:
                index = {c: k for k, c in enumerate(rule.categories)}
                # A model written before decimal commas were read as numbers may have learned
                # "12,500" as a category: the 12.5 such a cell now reads as is that category.
                by_number = {}
                if column.decimal_comma:
                    by_number = {
                        n: k for c, k in index.items() if (n := comma_number(c)) is not None
                    }
                block = np.zeros((table.n_rows, len(rule.categories)))
                unseen: Counter[str] = Counter()
                for row, value in enumerate(column.text_values()):
                    key = rule.fill if value is None else value
                    if key in index:
                        block[row, index[key]] = 1.0
                    elif by_number and (number := number_or_none(key)) in by_number:
                        block[row, by_number[number]] = 1.0
                    elif value is not None:  # (an empty cell of a flag column is all zeros)
                        unseen[key] += 1
                blocks.append(block)
                if notes is not None and column.missing and rule.fill in index:
                    notes.append(
                        f"column {rule.name!r}: {_cells(column.missing)} filled with {rule.fill!r}"
                    )
                if notes is not None and unseen:
                    shown = ", ".join(repr(v) for v in list(unseen)[:3])
                    notes.append(
                        f"warning: column {rule.name!r}: {_count(sum(unseen.values()), 'cell')} with a value not seen in training "
                        f"({shown}{', ...' if len(unseen) > 3 else ''}), encoded as no category"
                    )
        problems.raise_if_any()
        return np.hstack(blocks) if blocks else np.zeros((table.n_rows, 0))

    def to_dict(self) -> list[dict[str, Any]]:
        return [rule.to_dict() for rule in self.rules]

    @classmethod
    def from_dict(cls, rules: object) -> Preprocessor:
        """Rules from a model file, checked; ValueError says what is wrong."""
        if not isinstance(rules, list) or not rules:
            raise ValueError('"columns" should be a non-empty list')
        parsed: list[Rule] = []
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict) or not _is_text(rule.get("name")):
                raise ValueError(f"columns[{i}] should be an object with a text name")
            if rule.get("kind") == "numeric":
                mean, std = rule.get("mean"), rule.get("std")
                if not (is_finite_number(mean) and is_finite_number(std) and std > 0):  # type: ignore[operator]
                    raise ValueError(f"columns[{i}] needs a finite mean and a positive finite std")
                comma = rule.get("decimal_comma", False)
                if not isinstance(comma, bool):
                    raise ValueError(f"columns[{i}].decimal_comma should be true or false")
                thousands = rule.get("thousands_dots", False)
                if not isinstance(thousands, bool):
                    raise ValueError(f"columns[{i}].thousands_dots should be true or false")
                low, high = rule.get("min"), rule.get("max")
                if (low, high) != (None, None) and not (
                    is_finite_number(low) and is_finite_number(high) and low <= high  # type: ignore[operator]
                ):
                    raise ValueError(
                        f"columns[{i}] ({rule['name']!r}) needs a finite min <= max, or "
                        f"neither, not min {low!r} and max {high!r}"
                    )
                parsed.append(
                    NumericRule(
                        rule["name"],
                        float(mean),  # type: ignore[arg-type]
                        float(std),  # type: ignore[arg-type]
                        comma,
                        None if low is None else float(low),
                        None if high is None else float(high),
                        thousands,
                    )
                )
            elif rule.get("kind") == "category":
                categories, fill = rule.get("categories"), rule.get("fill")
                if (
                    not isinstance(categories, list)
                    or not categories
                    or not all(map(_is_text, categories))
                    or len(set(categories)) != len(categories)
                    or not _is_text(fill)
                ):
                    raise ValueError(
                        f"columns[{i}] needs a list of distinct category names and a fill value"
                    )
                parsed.append(CategoryRule(rule["name"], list(categories), fill))  # type: ignore[arg-type]
            else:
                raise ValueError(f'columns[{i}].kind should be "numeric" or "category"')
        names = [rule.name for rule in parsed]
        if len(set(names)) != len(names):
            raise ValueError("a column is listed twice")
        return cls(parsed)


def is_finite_number(x: object) -> bool:
    """A finite real number (numpy's too), not a bool: a model file's or a setting's number."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def _is_text(x: object) -> bool:
    """A str that is valid Unicode text (JSON can hold a lone surrogate, which no file can be written with)."""
    if not isinstance(x, str):
        return False
    try:
        x.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _naming(name: str) -> str:
    """How to name a column as a feature, on the command line and from Python."""
    return f"--features {_on_command_line(name)},... (features=[..., {name!r}] from Python)"


def _on_command_line(name: str) -> str:
    """``name`` as a shell takes it in a list of columns: in double quotes if it holds a comma or
    a quote (as a CSV cell), then quoted for the shell where it must be ('Unnamed: 0')."""
    if "," in name or '"' in name:
        name = '"' + name.replace('"', '""') + '"'
    return shlex.quote(name)


# The name pandas' read_csv gives a column with no name in the header: "Unnamed: 0" for the
# index that to_csv writes first, when the file is read back without index_col.
PANDAS_UNNAMED = re.compile(r"Unnamed: \d+")


def _pandas_index(name: str, column: Column) -> bool:
    """A column pandas named for its empty header cell, of distinct whole numbers: the row labels
    of a DataFrame written with its index and read back without it. Kept as a feature, a file
    sorted by class before it was shuffled gave them away: 1.0 accuracy, 0.66 on new numbering."""
    return bool(PANDAS_UNNAMED.fullmatch(name)) and _distinct_integers(column, min_rows=2)


def _mostly_empty(name: str, missing: int, rows: int) -> str:
    """A word on a column more empty than not: its filled cells are mostly the filler."""
    if missing * 2 <= rows:
        return ""
    return (
        f" ({missing:,} of {rows:,} rows: a column mostly empty tells little; "
        f"--drop {_on_command_line(name)} leaves it out)"
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _cells(count: int) -> str:
    return f"{count:,} empty cell{'s' if count != 1 else ''}" if count else "no cells"


def _report_missing(table: ColumnTable, column: Column, problems: ProblemList) -> None:
    values = column.text_values()
    for row, value in enumerate(values):
        if value is None:
            problems.add(
                DataError(
                    "empty or missing value (--missing error)",
                    table.path,
                    table.lines[row],
                    column.name,
                )
            )
