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
import itertools
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from autograd import no_grad

from .activations import get_activation
from .metrics import accuracy, mean_squared_error, r2_score
from .module import MLP
from .optim import Adam
from .tables.atomic import atomic_write_text
from .tables.csvfile import DataError, read_csv
from .tables.serialize import ModelFileError, load_model_with_metadata, save_model
from .tables.tabular import TASKS, TrainingData, prediction_inputs, predictions, prepare_training
from .train import ENGINES, NonFiniteLossError, train

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


# Bigger networks are refused up front: at one Value per weight, 10,000 x 10,000 already takes
# minutes to build, and a model file holds at most about 3 million weights (serialize's 64 MiB cap).
MAX_LAYER_WIDTH = 10_000
MAX_PARAMETERS = 2_000_000


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
    if not text.strip():
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
    for other in not_same_as:
        if os.path.exists(path) and os.path.exists(other) and os.path.samefile(path, other):
            raise CliError(f"{path}: refusing to overwrite the input file {other}")


# --- valuegrad xor ----------------------------------------------------------------------


def add_xor_command(subparsers: argparse._SubParsersAction) -> None:
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


def add_worked_example_command(subparsers: argparse._SubParsersAction) -> None:
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


def add_train_command(subparsers: argparse._SubParsersAction) -> None:
    """``valuegrad train DATA.csv --target COLUMN --out MODEL.json``."""
    parser = subparsers.add_parser("train", help="train an MLP on a CSV file and save it as JSON")
    parser.add_argument(
        "data",
        metavar="DATA.csv",
        help="CSV with a header line; every column but the target is an input",
    )
    parser.add_argument("--target", required=True, metavar="COLUMN", help="the column to predict")
    parser.add_argument(
        "--out", required=True, metavar="MODEL.json", help="where to save the trained model"
    )
    parser.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=[16, 16],
        metavar="16,16",
        help="hidden layer widths",
    )
    parser.add_argument(
        "--activation", type=_activation, default="relu", help="hidden activation (default relu)"
    )
    parser.add_argument(
        "--task", choices=("auto", *TASKS), default="auto", help="default: inferred from the target"
    )
    parser.add_argument(
        "--epochs", type=_positive_int, default=100, help="passes over the data (default 100)"
    )
    parser.add_argument(
        "--lr", type=_learning_rate, default=0.01, help="Adam learning rate (default 0.01)"
    )
    parser.add_argument(
        "--batch-size", type=_positive_int, default=32, help="mini-batch size (default 32)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for initialization and shuffling (default 0)"
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
    """Read the CSV, train with Adam on mini-batches, print the training metric, save the model."""
    _check_writable_target(args.out, not_same_as=[args.data])
    table = read_csv(args.data)
    data = prepare_training(table, args.target, args.task)
    sizes = [len(data.inputs[0]), *args.hidden, data.nout]
    n_parameters = sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))
    if n_parameters > MAX_PARAMETERS:
        raise CliError(
            f"a {'-'.join(map(str, sizes))} network has {n_parameters:,} parameters, more than the limit of "
            f"{MAX_PARAMETERS:,} (its model file could not be loaded back); use narrower --hidden layers"
        )
    model = MLP(sizes[0], sizes[1:], args.activation, "linear", init="scaled", seed=args.seed)
    print(
        f"{args.data}: {len(data.inputs)} rows, {len(data.inputs[0])} inputs, task {data.task}"
        + (f" ({len(data.metadata['classes'])} classes)" if "classes" in data.metadata else "")
        + f"; network {'-'.join(map(str, model.sizes))}",
        file=sys.stderr,
    )
    history = train(
        model,
        data.inputs,
        data.targets,
        loss=data.loss,
        optimizer=Adam(model.parameters(), lr=args.lr),
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        progress=args.progress,
        engine=args.engine,
    )
    with no_grad():
        outputs = [
            [v.data for v in out] if isinstance(out, list) else [out.data]
            for out in map(model, data.inputs)
        ]
    if not all(math.isfinite(v) for row in outputs for v in row):
        # The last steps can blow the weights up without any loss seeing it: refuse to save a NaN model.
        raise CliError(
            f"training diverged: after the last step (epoch {args.epochs}) the model's outputs are not finite; "
            "lower --lr"
        )
    if data.task == "regression":
        metric = _regression_metric([row[0] for row in outputs], data)
    else:
        _, rows = predictions(model, data.metadata, data.inputs)
        classes = data.metadata["classes"]
        actual = [classes[int(t)] for t in data.targets]
        metric = f"training accuracy {accuracy([row[0] for row in rows], actual):.4f}"
    data.metadata["trained_with"] = {
        "epochs": args.epochs,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "final_loss": history[-1],
    }
    save_model(model, args.out, metadata=data.metadata)
    print(f"final loss {history[-1]:.6g}; {metric} ({history.engine} engine)")
    print(f"saved {args.out}")
    return 0


def _regression_metric(standardized: list[float], data: TrainingData) -> str:
    """Training MSE in the target's units, and R^2 (on the standardized scale, where it cannot overflow)."""
    mean, std = data.metadata["target_mean"], data.metadata["target_std"]
    try:
        mse = mean_squared_error(
            [p * std + mean for p in standardized], [t * std + mean for t in data.targets]
        )
    except OverflowError:  # targets near the float limit: their squared error is beyond it
        mse = math.inf
    return f"training MSE {mse:.6g}, R^2 {r2_score(standardized, data.targets):.4f}"


# --- valuegrad predict ------------------------------------------------------------------


def add_predict_command(subparsers: argparse._SubParsersAction) -> None:
    """``valuegrad predict MODEL.json DATA.csv [--out FILE]``."""
    parser = subparsers.add_parser("predict", help="predict with a saved model, writing CSV")
    parser.add_argument("model", metavar="MODEL.json")
    parser.add_argument(
        "data", metavar="DATA.csv", help="needs the model's input columns; others are ignored"
    )
    parser.add_argument(
        "--out", metavar="FILE", help="write the predictions here instead of stdout"
    )
    parser.set_defaults(handler=run_predict)


def run_predict(args: argparse.Namespace) -> int:
    """Write one CSV row of predictions per data row, to stdout or (atomically) to --out."""
    if args.out:
        _check_writable_target(args.out, not_same_as=[args.model, args.data])
    model, metadata = load_model_with_metadata(args.model)
    table = read_csv(args.data)
    inputs = prediction_inputs(table, model, metadata, args.model)
    header, rows = predictions(model, metadata, inputs)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[repr(v) if isinstance(v, float) else v for v in row] for row in rows])
    if args.out:
        atomic_write_text(args.out, buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())
    return 0


# --- valuegrad graph --------------------------------------------------------------------

GRAPHS = {
    "xor": "the hand-weighted XOR network of lecture 004 (neurons, weights on the edges)",
    "worked-example": "the 2-2-2 network of lecture 004 (neurons, weights on the edges)",
    "worked-example-loss": "the computation graph of the worked example's loss, with gradients",
}


def add_graph_command(subparsers: argparse._SubParsersAction) -> None:
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

COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_xor_command,
    add_worked_example_command,
    add_train_command,
    add_predict_command,
    add_graph_command,
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand in ``COMMANDS``."""
    parser = _Parser(
        prog=PROGRAM, description="valuegrad: scalar autodiff and small neural networks"
    )
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
    try:
        return args.handler(args)
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
