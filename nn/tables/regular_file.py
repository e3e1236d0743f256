"""Opening a file to read only when it is a regular file, so that a loader given a named pipe
or a device (``/dev/zero``, ``/dev/stdin``) refuses it at once instead of waiting or reading forever."""

from __future__ import annotations

import codecs
import os
import stat
from typing import BinaryIO

_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotARegularFileError(OSError):
    """The path names a directory, pipe, device or socket; ``kind`` says which ("a named pipe (FIFO)")."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"is {kind}, not a regular file")
        self.kind = kind


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for binary reading, or ``NotARegularFileError`` (and the usual OSErrors)."""
    # Non-blocking, so that opening a named pipe does not wait for a writer: it is refused below.
    descriptor = os.open(
        path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    )
    try:
        mode = os.fstat(
            descriptor
        ).st_mode  # of what was opened, so the file cannot change in between
        if not stat.S_ISREG(mode):
            raise NotARegularFileError(
                next((name for is_kind, name in _FILE_KINDS if is_kind(mode)), "a special file")
            )
        return open(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_at_most(path: str, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes of the regular file ``path``: more than ``limit`` means too large."""
    with open_regular_file(path) as handle:
        return handle.read(limit + 1)


def why_unreadable(error: OSError, what: str) -> str:
    """Why opening or reading a file failed, in a few words; ``what`` is the kind expected ("a CSV file")."""
    if isinstance(error, NotARegularFileError):
        return f"is {error.kind}, not {what}"
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, PermissionError):
        return "permission denied"
    return f"cannot be read ({error.strerror or error})"


def first_bad_utf8(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(byte offset, line from 1) of the first byte of ``path`` that is not UTF-8, read in pieces:
    the offset a decoding error reports is inside the reader's current piece, not the file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 1  # bytes decoded so far, and the line they end on
    with open_regular_file(path) as handle:
        while piece := handle.read(1 << 20):
            pending = len(decoder.getstate()[0])  # the start of a character cut by the last piece
            try:
                decoder.decode(piece)
            except UnicodeDecodeError as error:
                bad = offset - pending + error.start
                return bad, lines + piece[: max(0, bad - offset)].count(b"\n")
            offset += len(piece)
            lines += piece.count(b"\n")
    pending = len(decoder.getstate()[0])  # a character cut off by the end of the file
    return offset - pending, lines


# How files that are not text begin, and what to do with each (checked in this order).
_NOT_TEXT = (
    (
        (b"\xff\xfe", b"\xfe\xff"),
        'UTF-16 text, as a spreadsheet\'s "Unicode text" is: save it as CSV UTF-8',
    ),
    ((b"PK\x03\x04",), "a zip archive (an .xlsx workbook?), not a CSV file: save it as CSV UTF-8"),
    ((b"\x1f\x8b",), "gzip-compressed: decompress it first (gunzip)"),
)


def why_not_utf8(path: str | os.PathLike[str]) -> tuple[str, int]:
    """Why ``path`` cannot be read as UTF-8 (with what to do), and the line of the first bad byte."""
    offset, line = first_bad_utf8(path)
    with open_regular_file(path) as handle:
        start = handle.read(4)
    for beginnings, reason in _NOT_TEXT:
        if start.startswith(beginnings):
            return f"not UTF-8 text (byte {offset:,}): {reason}", line
    return (
        f'not UTF-8 text (byte {offset:,}); save it as UTF-8 (a spreadsheet\'s "CSV UTF-8"), '
        "or convert it (iconv -f cp1252 -t utf-8, for a file from Windows)",
        line,
    )
