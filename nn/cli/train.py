"""``valuegrad train``: fit a table model on a CSV file and save it as JSON."""

from __future__ import annotations

import argparse
import sys

from ..tables.preprocess import MISSING_POLICIES
from ..tables.table_model import (
    DEFAULT_L2,
    L2_FULL_UNTIL_ROWS,
    LR_SCHEDULES,
    TableModel,
)
from ..tables.tabular import TASKS
from ..train import ENGINES
from .arguments import (
    activation,
    add_delimiter_option,
    column_names,
    fraction,
    hidden_sizes,
    learning_rate,
    missing_marks,
    non_negative,
    positive_int,
    seed,
)
from .common import CommandParser, check_writable_target, say, writing


def add_train_command(subparsers: argparse._SubParsersAction[CommandParser]) -> None:
    """``valuegrad train DATA.csv --target COLUMN --out MODEL.json``."""
    defaults = TableModel()
    parser = subparsers.add_parser(
        "train", help="train a table model on a CSV file and save it as JSON"
    )
    parser.add_argument(
        "data",
        metavar="DATA.csv",
        help="CSV with a header line; the columns other than the target are the inputs",
    )
    parser.add_argument("--target", required=True, metavar="COLUMN", help="the column to predict")
    parser.add_argument(
        "--out", required=True, metavar="MODEL.json", help="where to save the trained model"
    )
    parser.add_argument(
        "--features",
        type=column_names,
        metavar="a,b,c",
        help="use exactly these columns as inputs",
    )
    parser.add_argument(
        "--drop", type=column_names, default=[], metavar="x,y", help="leave these columns out"
    )
    parser.add_argument(
        "--decimal-comma",
        action="store_true",
        help="the file (separated by ; or tabs) writes decimal commas: 1,125 is 1.125 even in a "
        "column where it alone could be thousands",
    )
    parser.add_argument(
        "--missing",
        choices=MISSING_POLICIES,
        default="impute",
        help="impute (default): fill empty/NA/nan cells with the column's mean or most frequent value; error: refuse them",
    )
    parser.add_argument(
        "--missing-marks",
        type=missing_marks,
        default=[],
        metavar="?",
        help="more texts that mean a missing value, separated by commas (UCI's ?); empty, NA, "
        "N/A, nan, null and #N/A always do. The model keeps them for predict",
    )
    add_delimiter_option(parser)
    parser.add_argument(
        "--hidden",
        type=hidden_sizes,
        default=defaults.hidden,
        metavar="64",
        help="hidden layer widths, e.g. 32,16; '' or none for a linear (or logistic) model (default 64)",
    )
    parser.add_argument(
        "--activation", type=activation, default="relu", help="hidden activation (default relu)"
    )
    parser.add_argument(
        "--task", choices=("auto", *TASKS), default="auto", help="default: inferred from the target"
    )
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=defaults.epochs,
        help=f"most passes over the data (default {defaults.epochs})",
    )
    parser.add_argument(
        "--lr",
        type=learning_rate,
        default=defaults.lr,
        help=f"Adam learning rate (default {defaults.lr})",
    )
    parser.add_argument(
        "--lr-schedule",
        choices=LR_SCHEDULES,
        default="constant",
        help="constant (default), or cosine: decay from --lr to 0 over --epochs",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        help="mini-batch size (default: 200, or 1%% of the training rows when that is more)",
    )
    parser.add_argument(
        "--l2",
        type=non_negative,
        default=None,
        help=f"L2 penalty on the weights (default {DEFAULT_L2:g}, or {L2_FULL_UNTIL_ROWS:,}/rows "
        f"times that above {L2_FULL_UNTIL_ROWS:,} training rows)",
    )
    parser.add_argument(
        "--validation",
        type=fraction,
        default=defaults.validation,
        help=f"fraction of rows held out to validate and stop early, stratified by class (default {defaults.validation}; 0: none)",
    )
    parser.add_argument(
        "--patience",
        type=positive_int,
        default=defaults.patience,
        help=f"stop after this many epochs without a lower validation loss (default {defaults.patience})",
    )
    parser.add_argument(
        "--seed",
        type=seed,
        default=0,
        help="seed for the split, initialization and shuffling (default 0)",
    )
    parser.add_argument(
        "--progress",
        action="store_true",
        default=None,
        help="show the progress bar even when stderr is not a terminal",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="compiled: trace the loss once and run batches with numpy; eager: a graph of Values per sample; "
        "auto (default): compiled where the loss allows it",
    )
    parser.set_defaults(handler=run_train)


def run_train(args: argparse.Namespace) -> int:
    """Read the CSV once, fit a TableModel, print the training and validation metrics, save the model."""
    check_writable_target(args.out, not_same_as=[args.data])
    model = TableModel(
        hidden=args.hidden,
        activation=args.activation,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        l2=args.l2,
        validation=args.validation,
        patience=args.patience,
        lr_schedule=args.lr_schedule,
        seed=args.seed,
        engine=args.engine,
    )
    model.fit(
        args.data,
        args.target,
        features=args.features,
        drop=args.drop,
        missing=args.missing,
        task=args.task,
        delimiter=args.delimiter,
        missing_marks=args.missing_marks,
        decimal_comma=args.decimal_comma,
        progress=args.progress,
        log=say,
        result=print,
    )
    summary = model.summary
    print(f"saving {args.out}")
    # Everything is printed before the model file is replaced: a run that fails to print
    # (stdout on a full disk) exits 1 with the old file in place.
    sys.stdout.flush()
    trained_with = {
        "hidden": args.hidden,
        "epochs": args.epochs,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "l2": summary["l2"],
        "validation": args.validation,
        "seed": args.seed,
        **{key: summary[key] for key in ("epochs_run", "best_epoch", "training_metric")},
    }
    with writing(args.out):
        model.save(args.out, metadata={"trained_with": trained_with})
    return 0
