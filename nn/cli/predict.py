"""``valuegrad predict``: predictions of a saved model for the rows of a CSV file."""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from typing import Any

from autograd.files import atomic_write_text

from ..tables.columns import read_columns, written_number
from ..tables.csvfile import DataError, read_csv
from ..tables.serialize import ModelFileError, load_model
from ..tables.table_model import TableModel
from ..tables.tabular import prediction_inputs, predictions
from .arguments import add_delimiter_option, column_names, missing_marks
from .common import CliError, CommandParser, check_writable_target, say, writing


def add_predict_command(subparsers: argparse._SubParsersAction[CommandParser]) -> None:
    """``valuegrad predict MODEL.json DATA.csv [--out FILE] [--keep id]``."""
    parser = subparsers.add_parser("predict", help="predict with a saved model, writing CSV")
    parser.add_argument("model", metavar="MODEL.json")
    parser.add_argument(
        "data", metavar="DATA.csv", help="needs the model's input columns; others are ignored"
    )
    parser.add_argument(
        "--out", metavar="FILE", help="write the predictions here instead of stdout (- is stdout)"
    )
    parser.add_argument(
        "--keep",
        type=column_names,
        default=[],
        metavar="id",
        help="copy these columns of DATA.csv in front of the predictions",
    )
    add_delimiter_option(parser)
    parser.add_argument(
        "--missing-marks",
        type=missing_marks,
        default=[],
        metavar="?",
        help="more texts that mean a missing value in DATA.csv, separated by commas (UCI's ?); "
        "the marks the model was trained with always do",
    )
    parser.add_argument(
        "--spreadsheet-safe",
        action="store_true",
        help="prefix ' to text cells starting with = + - @ so spreadsheets do not run them as "
        "formulas (numbers such as -0.5 stay numbers)",
    )
    parser.set_defaults(handler=run_predict)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any, spreadsheet_safe: bool, decimal_comma: bool = False) -> str:
    if isinstance(value, float):
        return repr(value).replace(".", ",") if decimal_comma else repr(value)
    text = str(value)
    plain_number = written_number(text) and text == text.strip()
    if spreadsheet_safe and text.startswith(_FORMULA_STARTS) and not plain_number:
        return "'" + text  # (a kept -0.5 stays a number)
    return text


def run_predict(args: argparse.Namespace) -> int:
    """Write one CSV row of predictions per data row, to stdout or (atomically) to --out."""
    if args.out == "-":  # standard output, as without --out
        args.out = None
    if args.out is not None:
        check_writable_target(args.out, not_same_as=[args.model, args.data])
    try:
        model = load_model(args.model)
    except ModelFileError as error:
        if args.data.lower().endswith(".json") and not args.model.lower().endswith(".json"):
            raise CliError(
                f"{error} (the model comes first: valuegrad predict MODEL.json DATA.csv)"
            ) from None
        raise
    delimiter, decimal_comma = ",", False
    if isinstance(model, TableModel):
        notes: list[str] = []
        marks = [*model.missing_marks, *args.missing_marks]
        as_written = [*args.keep, *model.category_columns()]  # (codes such as 007 as written)
        columns = read_columns(args.data, args.delimiter, as_written, marks)
        header, rows = model.predict_table(columns, keep=args.keep, notes=notes)
        if len(header) > 1:  # (one column has no separator to show: plain CSV reads back)
            # Written in the input's style, so the spreadsheet that wrote it reads it back
            delimiter = columns.delimiter or ","
            decimal_comma = delimiter != "," and (
                columns.writes_decimal_commas
                or (not columns.writes_decimal_points and model.fitted_parts()[1].decimal_commas)
            )
        for note in notes:
            say(note)
    else:  # a plain network, saved without column rules: the file's columns in order
        for option, given in (("--keep", args.keep), ("--missing-marks", args.missing_marks)):
            if given:
                raise CliError(
                    f"{args.model}: {option} needs a model trained on a table, this one is a "
                    "bare network"
                )
        table = read_csv(args.data)
        inputs = prediction_inputs(table, model, {}, args.model)
        header, rows = predictions(model, inputs)
        for row, line in zip(rows, table.lines):
            if not all(math.isfinite(v) for v in row):
                raise DataError(
                    "the model's output for this row is not finite; no predictions written",
                    args.data,
                    line,
                )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow([_cell(name, args.spreadsheet_safe) for name in header])
    writer.writerows(
        [[_cell(v, args.spreadsheet_safe, decimal_comma) for v in row] for row in rows]
    )
    written = f"wrote {len(rows):,} prediction row{'s' if len(rows) != 1 else ''}"
    if args.out is not None:
        with writing(args.out):
            atomic_write_text(args.out, buffer.getvalue())
        say(f"{written} to {args.out}")
    else:
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
        say(written)
    return 0
