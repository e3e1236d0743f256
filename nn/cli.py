"""The ``valuegrad`` command: lecture demos, and training / predicting from CSV files.

    valuegrad xor                      the notes' logic networks, then XOR learned from random weights
    valuegrad worked-example           lecture 004's 2-2-2 example, number by number
    valuegrad train DATA.csv --target COLUMN --out MODEL.json [--hidden 16,16] ...
    valuegrad predict MODEL.json DATA.csv [--out FILE]
    valuegrad graph xor|worked-example|worked-example-loss --out FILE.svg|.png|.pdf
    valuegrad graph worked-example-loss --steps --out FILE.html

Each subcommand is one ``add_*`` function that declares its arguments and its handler;
adding a command means writing one such function and listing it in ``COMMANDS``.
Every error in the input ends the program with one line on stderr and exit status 1
(2 for a bad command line); an output file is only ever replaced by a complete new one.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .activations import get_activation
from .tables.atomic import atomic_write_text
from .tables.columns import read_columns
from .tables.csvfile import DataError, read_csv
from .tables.preprocess import MISSING_POLICIES
from .tables.serialize import ModelFileError, load_model
from .tables.table_model import LR_SCHEDULES, TableModel
from .tables.tabular import TASKS, prediction_inputs, predictions
from .train import ENGINES, NonFiniteLossError

PROGRAM = "valuegrad"


class CliError(Exception):
    """A problem to report in one line, without a traceback."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage; one line with a pointer to --help is easier to read in logs.
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# --- small argument types ---------------------------------------------------------------


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


def _check_writable_target(path: str, *, not_same_as: Sequence[str] = ()) -> None:
    """Fail before any work if ``path`` cannot be written, or would overwrite an input file."""
    if not path.strip():
        raise CliError("the output file name is empty")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CliError(f"{path}: cannot write here, directory {directory} does not exist")
    if os.path.isdir(path):
        raise CliError(f"{path}: is a directory")
    try:  # a read-only directory (or file system) is found now, not after the training
        descriptor, probe = tempfile.mkstemp(dir=directory, prefix=".valuegrad-write-test.")
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        raise CliError(f"{path}: cannot write in {directory} ({error.strerror or error})") from None
    for other in not_same_as:
        if os.path.exists(path) and os.path.exists(other) and os.path.samefile(path, other):
            raise CliError(f"{path}: refusing to overwrite the input file {other}")


# --- valuegrad xor ----------------------------------------------------------------------


def add_xor_command(subparsers: argparse._SubParsersAction[_Parser]) -> None:
    """``valuegrad xor``: the notes' logic networks, then XOR trained from random weights."""
    parser = subparsers.add_parser(
        "xor", help="logic networks from the notes, then XOR learned by backprop"
    )
    parser.add_argument(
        "--hidden", type=_layer_width, default=2, help="hidden units of the trained net (default 2)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the trained net (default 0)")
    parser.add_argument(
        "--epochs", type=_positive_int, default=None, help="full-batch steps (default 300)"
    )
    parser.add_argument(
        "--seeds",
        type=_positive_int,
        default=None,
        help="also measure the success rate over this many seeds",
    )
    parser.set_defaults(handler=run_xor)


def run_xor(args: argparse.Namespace) -> int:
    """Print the truth tables and a training run (and, with --seeds, a success rate)."""
    from .lectures import logic_gates as logic
    from .lectures.xor_experiment import EPOCHS, train_xor, xor_success_rate

    epochs = args.epochs or EPOCHS
    out = sys.stdout
    print("Single sigmoid neurons (lecture 004): g(z) = 1 / (1 + e^-z)", file=out)
    for name, gate in (("AND", logic.AND), ("OR", logic.OR), ("NOT", logic.NOT)):
        weights, bias = gate
        rows = "  ".join(
            f"{''.join(str(int(v)) for v in x)}->{y:.5f}"
            for x, y in logic.gate_table(logic.logic_neuron(gate))
        )
        print(
            f"  {name:<3} bias {bias:+g}, weights {', '.join(f'{w:+g}' for w in weights)}:  {rows}",
            file=out,
        )
    z = logic.exercise_neuron()(logic.EXERCISE_INPUT).data
    print(
        f"Exercise neuron: w = {logic.EXERCISE_WEIGHTS}, b = {logic.EXERCISE_BIAS}, x = {logic.EXERCISE_INPUT}: z = {z:.2f}",
        file=out,
    )
    for title, model in (
        ("XOR = AND(OR, NAND) (lecture 004)", logic.xor_network()),
        ("XNOR = OR(AND, NOR) (notes 000)", logic.xnor_network()),
    ):
        print(f"\n{title}\n  x1 x2 |   a1      a2    |   h", file=out)
        for x, hidden, h in logic.network_table(model):
            print(
                f"   {int(x[0])}  {int(x[1])} | {hidden[0]:.4f}  {hidden[1]:.4f} | {h:.4f} -> {round(h)}",
                file=out,
            )
    run = train_xor(args.hidden, args.seed, epochs=epochs)
    print(
        f"\nXOR learned from random weights: 2-{args.hidden}-1 sigmoid net, seed {args.seed}, "
        f"{epochs} full-batch steps of gradient descent (lr 4) on cross-entropy",
        file=out,
    )
    print(f"  loss {run.history[0]:.4f} -> {run.history[-1]:.4f}", file=out)
    for x, o in zip(((0, 0), (0, 1), (1, 0), (1, 1)), run.outputs):
        print(f"  {x[0]} {x[1]} -> {o:.4f}", file=out)
    print(f"  {'solved' if run.solved else 'NOT solved (stuck in a local minimum)'}", file=out)
    if args.seeds:
        rate, runs = xor_success_rate(args.hidden, range(args.seeds), epochs=epochs)
        failed = [r.seed for r in runs if not r.solved]
        print(
            f"\nSuccess rate over seeds 0..{args.seeds - 1}: {rate:.0%}"
            + (f" (failed: {failed})" if failed else ""),
            file=out,
        )
    return 0


# --- valuegrad worked-example -----------------------------------------------------------


def add_worked_example_command(subparsers: argparse._SubParsersAction[_Parser]) -> None:
    """``valuegrad worked-example``: lecture 004's 2-2-2 network, number by number."""
    parser = subparsers.add_parser(
        "worked-example", help="lecture 004's 2-2-2 example, step by step"
    )
    parser.add_argument(
        "--steps", type=_positive_int, default=10_000, help="steps for the long run (default 10000)"
    )
    parser.set_defaults(handler=run_worked_example)


def run_worked_example(args: argparse.Namespace) -> int:
    """Print the forward pass, gradients, one step, and the long runs."""
    from .lectures.worked_example import worked_example_report

    print(worked_example_report(args.steps))
    return 0


# --- valuegrad train --------------------------------------------------------------------


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


def add_train_command(subparsers: argparse._SubParsersAction[_Parser]) -> None:
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
        type=_column_names,
        metavar="a,b,c",
        help="use exactly these columns as inputs",
    )
    parser.add_argument(
        "--drop", type=_column_names, default=[], metavar="x,y", help="leave these columns out"
    )
    parser.add_argument(
        "--missing",
        choices=MISSING_POLICIES,
        default="impute",
        help="impute (default): fill empty/NA/nan cells with the column's mean or most frequent value; error: refuse them",
    )
    parser.add_argument(
        "--delimiter",
        type=_delimiter,
        help="the cell separator: , ; or tab (default: sniffed from the header)",
    )
    parser.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=defaults.hidden,
        metavar="64",
        help="hidden layer widths, e.g. 32,16; '' or none for a linear (or logistic) model (default 64)",
    )
    parser.add_argument(
        "--activation", type=_activation, default="relu", help="hidden activation (default relu)"
    )
    parser.add_argument(
        "--task", choices=("auto", *TASKS), default="auto", help="default: inferred from the target"
    )
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        default=defaults.epochs,
        help=f"most passes over the data (default {defaults.epochs})",
    )
    parser.add_argument(
        "--lr",
        type=_learning_rate,
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
        type=_positive_int,
        default=None,
        help="mini-batch size (default: 200, or 1%% of the training rows when that is more)",
    )
    parser.add_argument(
        "--l2",
        type=_non_negative,
        default=defaults.l2,
        help=f"L2 penalty on the weights (default {defaults.l2:g})",
    )
    parser.add_argument(
        "--validation",
        type=_fraction,
        default=defaults.validation,
        help=f"fraction of rows held out to validate and stop early, stratified by class (default {defaults.validation}; 0: none)",
    )
    parser.add_argument(
        "--patience",
        type=_positive_int,
        default=defaults.patience,
        help=f"stop after this many epochs without a lower validation loss (default {defaults.patience})",
    )
    parser.add_argument(
        "--seed",
        type=int,
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


def _say(line: str) -> None:
    print(line, file=sys.stderr)


def run_train(args: argparse.Namespace) -> int:
    """Read the CSV once, fit a TableModel, print the training and validation metrics, save the model."""
    _check_writable_target(args.out, not_same_as=[args.data])
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
        progress=args.progress,
        log=_say,
    )
    summary = model.summary
    metric = summary["metric"]
    result = f"training {metric} {summary['training_metric']:.4f}"
    if "validation_metric" in summary:
        result += f", validation {metric} {summary['validation_metric']:.4f}"
    print(
        f"{result}; weights of epoch {summary['best_epoch']} of {summary['epochs_run']} "
        f"({summary['engine']} engine)"
    )
    print(f"saving {args.out}")
    # Everything is printed before the model file is replaced: a run that fails to print
    # (stdout on a full disk) exits 1 with the old file in place.
    sys.stdout.flush()
    trained_with = {
        "hidden": args.hidden,
        "epochs": args.epochs,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "l2": args.l2,
        "validation": args.validation,
        "seed": args.seed,
        **{key: summary[key] for key in ("epochs_run", "best_epoch", "training_metric")},
    }
    try:
        model.save(args.out, metadata={"trained_with": trained_with})
    except OSError as error:
        raise CliError(f"{args.out}: cannot be written ({error.strerror or error})") from None
    return 0


# --- valuegrad predict ------------------------------------------------------------------


def add_predict_command(subparsers: argparse._SubParsersAction[_Parser]) -> None:
    """``valuegrad predict MODEL.json DATA.csv [--out FILE] [--keep id]``."""
    parser = subparsers.add_parser("predict", help="predict with a saved model, writing CSV")
    parser.add_argument("model", metavar="MODEL.json")
    parser.add_argument(
        "data", metavar="DATA.csv", help="needs the model's input columns; others are ignored"
    )
    parser.add_argument(
        "--out", metavar="FILE", help="write the predictions here instead of stdout"
    )
    parser.add_argument(
        "--keep",
        type=_column_names,
        default=[],
        metavar="id",
        help="copy these columns of DATA.csv in front of the predictions",
    )
    parser.add_argument(
        "--delimiter", type=_delimiter, help="the cell separator: , ; or tab (default: sniffed)"
    )
    parser.add_argument(
        "--spreadsheet-safe",
        action="store_true",
        help="prefix ' to text cells starting with = + - @ so spreadsheets do not run them as formulas",
    )
    parser.set_defaults(handler=run_predict)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any, spreadsheet_safe: bool) -> str:
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return "'" + text if spreadsheet_safe and text.startswith(_FORMULA_STARTS) else text


def run_predict(args: argparse.Namespace) -> int:
    """Write one CSV row of predictions per data row, to stdout or (atomically) to --out."""
    if args.out:
        _check_writable_target(args.out, not_same_as=[args.model, args.data])
    model = load_model(args.model)
    if isinstance(model, TableModel):
        notes: list[str] = []
        header, rows = model.predict_table(
            read_columns(args.data, args.delimiter), keep=args.keep, notes=notes
        )
        for note in notes:
            _say(note)
    else:  # a plain network, saved without column rules: the file's columns in order
        if args.keep:
            raise CliError(
                f"{args.model}: --keep needs a model trained on a table, this one is a bare network"
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
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_cell(v, args.spreadsheet_safe) for v in row] for row in rows])
    if args.out:
        try:
            atomic_write_text(args.out, buffer.getvalue())
        except OSError as error:
            raise CliError(f"{args.out}: cannot be written ({error.strerror or error})") from None
        _say(f"wrote {len(rows):,} prediction row{'s' if len(rows) != 1 else ''} to {args.out}")
    else:
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
        _say(f"wrote {len(rows):,} prediction row{'s' if len(rows) != 1 else ''}")
    return 0


# --- valuegrad graph --------------------------------------------------------------------

GRAPHS = {
    "xor": "the hand-weighted XOR network of lecture 004 (neurons, weights on the edges)",
    "worked-example": "the 2-2-2 network of lecture 004 (neurons, weights on the edges)",
    "worked-example-loss": "the computation graph of the worked example's loss, with gradients",
}


def add_graph_command(subparsers: argparse._SubParsersAction[_Parser]) -> None:
    """``valuegrad graph NAME --out FILE``: draw a lecture network or graph to an image file."""
    parser = subparsers.add_parser(
        "graph", help="draw a lecture network or computation graph to a file"
    )
    parser.add_argument(
        "name", choices=sorted(GRAPHS), help="; ".join(f"{k}: {v}" for k, v in GRAPHS.items())
    )
    parser.add_argument(
        "--out", required=True, help="file to write: .svg, .png or .pdf (with --steps: .html)"
    )
    parser.add_argument(
        "--steps",
        action="store_true",
        help="write an HTML page that steps through the backward pass (worked-example-loss only)",
    )
    parser.set_defaults(handler=run_graph)


def run_graph(args: argparse.Namespace) -> int:
    """Build the drawing, then write it in one step (a failed render leaves no file behind)."""
    from autograd import GraphvizNotFound, draw_dot, save_graph

    from .draw import draw_network
    from .lectures.logic_gates import xor_network
    from .lectures.worked_example import worked_example_loss, worked_example_network

    if args.steps:
        return _write_steps_page(args)
    if os.path.splitext(args.out)[1].lower() not in (".svg", ".png", ".pdf"):
        raise CliError(
            f"{args.out}: the image format comes from the suffix: use .svg, .png or .pdf"
        )
    if args.name == "xor":
        drawing = draw_network(xor_network(), title="XOR = AND(OR, NAND), lecture 004")
    elif args.name == "worked-example":
        drawing = draw_network(
            worked_example_network(), title="The 2-2-2 worked example, lecture 004"
        )
    else:
        loss, parameters = worked_example_loss()
        loss.backward()
        drawing = draw_dot(
            loss,
            expand=True,
            params=parameters,
            title="E = 1/2 (out_o1 - y1)^2 + 1/2 (out_o2 - y2)^2, lecture 004",
        )
    try:
        path = save_graph(drawing, args.out)
    except GraphvizNotFound as error:
        raise CliError(_one_line(error)) from None
    print(f"wrote {path}")
    return 0


def _write_steps_page(args: argparse.Namespace) -> int:
    """``graph worked-example-loss --steps --out FILE.html``: the backward pass, one step a page."""
    from autograd import GraphvizNotFound
    from autograd.draw import save_steps_page

    from .lectures.worked_example import worked_example_loss

    if args.name != "worked-example-loss":
        raise CliError(
            f"--steps steps through a loss graph: use worked-example-loss, not {args.name}"
        )
    if os.path.splitext(args.out)[1].lower() not in (".html", ".htm"):
        raise CliError(f"{args.out}: --steps writes an HTML page: give a .html file")
    loss, parameters = worked_example_loss()
    try:
        path = save_steps_page(
            loss,
            args.out,
            params=parameters,
            title="Backpropagation step by step: the worked example of lecture 004",
        )
    except GraphvizNotFound as error:
        raise CliError(_one_line(error)) from None
    print(f"wrote {path}")
    return 0


# --- entry point ------------------------------------------------------------------------

COMMANDS: list[Callable[[argparse._SubParsersAction[_Parser]], None]] = [
    add_xor_command,
    add_worked_example_command,
    add_train_command,
    add_predict_command,
    add_graph_command,
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("valuegrad")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand in ``COMMANDS``."""
    parser = _Parser(
        prog=PROGRAM, description="valuegrad: scalar autodiff and small neural networks"
    )
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {_version()}")
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for add_command in COMMANDS:
        add_command(subparsers)
    return parser


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``valuegrad`` with ``argv`` (default: the command line); returns the exit status."""
    args = build_parser().parse_args(argv)
    # Every subcommand sets ``handler`` (argparse's Namespace holds it untyped).
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (CliError, DataError, ModelFileError, NonFiniteLossError) as error:
        message = _one_line(error)
    except BrokenPipeError:
        # The reader went away (valuegrad predict ... | head): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        message = where + (error.strerror or _one_line(error))
    except KeyboardInterrupt:
        print(f"{PROGRAM}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if os.environ.get("VALUEGRAD_TRACEBACK"):
            raise
        message = f"internal error: {type(error).__name__}: {_one_line(error)} (set VALUEGRAD_TRACEBACK=1 for details)"
    print(f"{PROGRAM}: error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
