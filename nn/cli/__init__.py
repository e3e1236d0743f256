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
import os
import sys
from collections.abc import Callable, Sequence

from ..tables.csvfile import DataError
from ..tables.serialize import ModelFileError
from ..train import NonFiniteLossError
from .common import PROGRAM, CliError, CommandParser, Parser, one_line
from .graph import add_graph_command
from .lectures import add_worked_example_command, add_xor_command
from .predict import add_predict_command
from .train import add_train_command

__all__ = ["COMMANDS", "CliError", "build_parser", "main"]

COMMANDS: list[Callable[[argparse._SubParsersAction[CommandParser]], None]] = [
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
    parser = Parser(
        prog=PROGRAM, description="valuegrad: scalar autodiff and small neural networks"
    )
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {_version()}")
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=CommandParser
    )
    for add_command in COMMANDS:
        add_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``valuegrad`` with ``argv`` (default: the command line); returns the exit status."""
    args = build_parser().parse_args(argv)
    # Every subcommand sets ``handler`` (argparse's Namespace holds it untyped).
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except NonFiniteLossError as error:
        message = " ".join(error.reason.split())  # without train's hint: a Python argument
    except (CliError, DataError, ModelFileError) as error:
        message = one_line(error)
    except BrokenPipeError:
        # The reader went away (valuegrad predict ... | head): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        message = where + (error.strerror or one_line(error))
    except KeyboardInterrupt:
        print(f"{PROGRAM}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if os.environ.get("VALUEGRAD_TRACEBACK"):
            raise
        message = f"internal error: {type(error).__name__}: {one_line(error)} (set VALUEGRAD_TRACEBACK=1 for details)"
    print(f"{PROGRAM}: error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
