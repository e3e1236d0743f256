"""What every command shares: the parser class, one-line errors, and checks on output files."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from autograd.files import is_read_only

PROGRAM = "valuegrad"


class CliError(Exception):
    """A problem to report in one line, without a traceback."""


class Parser(argparse.ArgumentParser):
    """argparse, but a bad command line gets one line of error instead of the whole usage."""

    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage; one line with a pointer to --help is easier to read in logs.
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class CommandParser(Parser):
    """A subcommand's parser: an option it does not know is its own error, so the message
    points to its own --help, which lists its options (the top level's does not)."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[Any, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def check_writable_target(path: str, *, not_same_as: Sequence[str] = ()) -> None:
    """Fail before any work if ``path`` cannot be written, or would overwrite an input file."""
    if not path.strip():
        raise CliError("the output file name is empty")
    if path == "-":  # standard output, by the usual convention: not a file named "-"
        raise CliError("--out -: this command writes a file; give it a name")
    # The writer follows a symlink and replaces the file it points to, so that is what is checked.
    real = os.path.realpath(path)
    directory = os.path.dirname(real)
    if not os.path.isdir(directory):
        through = f" (the symlink leads to {real})" if os.path.islink(path) else ""
        raise CliError(f"{path}: cannot write here, directory {directory} does not exist{through}")
    if os.path.isdir(path):
        raise CliError(f"{path}: is a directory")
    if os.path.exists(path) and is_read_only(os.stat(path).st_mode):
        raise CliError(f"{path}: read-only file, not replaced")
    try:  # a read-only directory (or file system) is found now, not after the training
        descriptor, probe = tempfile.mkstemp(dir=directory, prefix=".valuegrad-write-test.")
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        raise CliError(f"{path}: cannot write in {directory} ({error.strerror or error})") from None
    for other in not_same_as:
        if os.path.exists(path) and os.path.exists(other) and os.path.samefile(path, other):
            raise CliError(f"{path}: refusing to overwrite the input file {other}")


@contextmanager
def writing(path: str) -> Iterator[None]:
    """Report an OSError while writing the output file ``path`` as one CliError line."""
    try:
        yield
    except OSError as error:
        raise CliError(f"{path}: cannot be written ({error.strerror or error})") from None


def say(line: str) -> None:
    """Print a progress or note line on stderr, leaving stdout to the results; a progress bar
    drawn there is cleared first and drawn again below the line (written after it, the line
    was glued to the bar, and each redraw left an old bar behind)."""
    from tqdm import tqdm

    tqdm.write(line, file=sys.stderr)


def one_line(error: BaseException) -> str:
    """The error's message on one line (its type name when it has none)."""
    return " ".join(str(error).split()) or type(error).__name__
