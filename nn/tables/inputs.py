"""What ``TableModel`` reads a table from: a CSV path, columns by name (a dict, a pandas
DataFrame), rows as dicts, or one row; and the targets given beside it, as scikit-learn takes
them (``fit(X, y)``)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeGuard

import numpy as np

from .columns import Column, ColumnTable, read_columns, table_from_columns
from .csvfile import DataError


class DataFrameLike(Protocol):
    """A pandas (or alike) DataFrame: named columns, each with ``tolist()``."""

    @property
    def columns(self) -> Any: ...

    def __getitem__(self, name: Any) -> Any: ...


TableInput = (
    str
    | os.PathLike[str]
    | Mapping[str, Sequence[object]]  # columns: {"age": [31, None], "sex": ["m", "f"]}
    | Mapping[str, object]  # one row: {"age": 31, "sex": "m"}
    | Sequence[Mapping[str, object]]  # rows: [{"age": 31, "sex": "m"}, ...]
    | DataFrameLike
    | ColumnTable
)


def _is_data_frame(value: object) -> TypeGuard[DataFrameLike]:
    """Whether ``value`` is a pandas DataFrame (or alike), known without importing pandas."""
    return hasattr(value, "columns") and hasattr(value, "dtypes")


def list_like(value: object) -> bool:
    """A column's values (a list, tuple, array or Series), not one cell."""
    if isinstance(value, (str, bytes)):
        return False
    return isinstance(value, (Sequence, np.ndarray)) or (
        hasattr(value, "tolist") and hasattr(value, "__len__")
    )


def as_table(
    data: TableInput,
    delimiter: str | None = None,
    written: Sequence[str] = (),
    missing_marks: Sequence[str] = (),
    decimal_comma: bool = False,
) -> ColumnTable:
    """A CSV path, columns by name (a dict of lists or a DataFrame), rows (a list of dicts),
    one row (a dict of single values) or an already read table, as a ColumnTable (a file's
    ``written`` columns keeping their cells as written; ``missing_marks``, such as "?", are
    texts that mean a missing value; ``decimal_comma``: a file writes decimal commas)."""
    marks = missing_marks  # (short, for the many calls below)
    if isinstance(data, ColumnTable):
        return data
    if isinstance(data, (str, os.PathLike)):
        return read_columns(data, delimiter, written, marks, decimal_comma)
    if isinstance(data, Mapping):
        if data and not any(map(list_like, data.values())):
            one_row = {name: [value] for name, value in data.items()}
            return table_from_columns(one_row, "<row>", marks)
        return table_from_columns(data, "<columns>", marks)
    if _is_data_frame(data):
        names = list(data.columns)
        if len(set(map(str, names))) != len(names):
            twice = next(str(n) for n in names if list(map(str, names)).count(str(n)) > 1)
            raise DataError("two columns have this name", "<DataFrame>", None, twice)
        frame = {str(name): data[name] for name in names}
        return table_from_columns(frame, "<DataFrame>", marks)
    if hasattr(data, "index") and hasattr(data, "to_dict"):  # a pandas Series: one row
        return as_table(dict(data.to_dict()), missing_marks=marks)
    if isinstance(data, (list, tuple)) and not data:
        raise DataError("no rows", "<rows>")
    if isinstance(data, Sequence) and data and all(isinstance(row, Mapping) for row in data):
        rows: Sequence[Mapping[str, object]] = data  # type: ignore[assignment]
        names = list(dict.fromkeys(name for row in rows for name in row))
        by_column = {name: [row.get(name) for row in rows] for name in names}
        return table_from_columns(by_column, "<rows>", marks)
    shape = f" of shape {data.shape}" if isinstance(data, np.ndarray) else ""
    raise TypeError(
        f"a TableModel reads columns by name: a CSV path, a dict of columns, a DataFrame, a list "
        f"of row dicts or one row as a dict, not a {type(data).__name__}{shape} (for an array, "
        "name its columns: {name: X[:, i] for i, name in enumerate(names)})"
    )


def target_column(y: Any, caller: str = "fit") -> tuple[Column, str]:
    """The targets ``y`` (a list, array, Series, column vector or one-column DataFrame) as a
    column, and its name: the Series' name, else "target"."""
    if _is_data_frame(y) and len(y.columns) == 1:
        y = y[y.columns[0]]  # a one-column DataFrame: its column
    if isinstance(y, np.ndarray) and y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]  # a column vector
    if isinstance(y, np.ndarray) and y.ndim != 1:
        raise ValueError(
            f"{caller}: the targets should be one per row, not an array of shape {y.shape}"
        )
    if isinstance(y, (bytes, Mapping)) or not list_like(y):
        raise TypeError(
            f"{caller}: the targets are a column's name or the targets themselves (a list, "
            f"array or Series), not a {type(y).__name__}"
        )
    if isinstance(y, list) and y and all(isinstance(v, (list, tuple)) and len(v) == 1 for v in y):
        y = [v[0] for v in y]  # rows of one value, as df[["y"]].values.tolist() gives
    name = getattr(y, "name", None)
    name = "target" if name is None else str(name)
    return table_from_columns({name: y}, "<targets>").columns[name], name


def with_target(table: ColumnTable, y: Any) -> tuple[ColumnTable, str]:
    """``table`` with the targets ``y`` as one more column (see ``target_column``), and that
    column's name."""
    column, name = target_column(y)
    if name in table.columns:
        raise DataError(
            f"the targets are named {name!r}, as a column of the inputs is; rename one",
            table.path,
            None,
            name,
        )
    if len(column.numbers) != table.n_rows:
        raise DataError(f"{len(column.numbers)} targets for {table.n_rows} rows", table.path)
    columns = {**table.columns, name: column}
    return ColumnTable(table.path, columns, table.lines, table.delimiter), name
