"""Writing an output file whole or not at all, and never in place of something that is not a file.

One writer for every output of the project (model files, predictions, graph images):

* an existing regular file (or none yet) is replaced atomically: the bytes go to a new
  temporary file beside it (a unique random name, created with ``O_EXCL | O_NOFOLLOW``, so a
  file or symlink planted there is never written through), are flushed to disk, and the
  temporary file is renamed over the path. Readers see the old contents or the new, never
  half; a failure leaves the old file as it was. A symlink is followed: the file it points to
  is replaced and the link stays a link.
* a character device or a named pipe (``/dev/null``, ``/dev/stdout`` on a terminal or a
  pipe, ``mkfifo out``) is written through: opened and written, its kind unchanged. A pipe
  with no reader is refused rather than waited for. A path that names an open descriptor
  (``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/1``) is written through too, appending
  when it is a regular file, as ``>> file`` would: what the shell redirected is never replaced.
* a directory, block device or socket is refused with ``NotAFileError``.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat

# Written through rather than replaced (see the module docstring).
_STREAM_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISFIFO, "a named pipe"))
# Refused: writing there would destroy something (a disk) or cannot mean a file.
_REFUSED_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_TEMPORARY_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotAFileError(OSError):
    """The output path names a directory, block device or socket, which is never written over."""

    def __init__(self, path: str, kind: str) -> None:
        super().__init__(
            errno.EINVAL,
            f"is {kind}: outputs go to regular files, character devices or named pipes",
            path,
        )
        self.kind = kind


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` (newlines as given), whole or not at all (see above)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path``, whole or not at all; a device or pipe is written through."""
    path = os.fspath(path)
    if not path:
        raise FileNotFoundError(errno.ENOENT, "the file name is empty", path)
    if path.endswith(("/", os.sep)):  # names a directory: writing would make a file of its name
        raise IsADirectoryError(errno.EISDIR, "a file name cannot end with a slash", path)
    try:
        mode = os.stat(path).st_mode  # of what the path finally names, links followed
    except FileNotFoundError:
        mode = None
    if mode is not None:
        for is_kind, kind in _REFUSED_KINDS:
            if is_kind(mode):
                raise NotAFileError(path, kind)
        for is_kind, kind in _STREAM_KINDS:
            if is_kind(mode):
                _write_through(path, data, kind)
                return
        if _names_a_descriptor(path):
            _write_through(path, data, "a regular file open as a descriptor", append=True)
            return
        if is_read_only(mode):  # refused as an ordinary write refuses it (here even for root)
            raise PermissionError(errno.EACCES, "read-only file, not replaced", path)
    _replace(os.path.realpath(path), data, mode)


def is_read_only(mode: int) -> bool:
    """A file nobody may write (``chmod a-w``): kept, not replaced by a rename."""
    return stat.S_ISREG(mode) and not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def _names_a_descriptor(path: str) -> bool:
    """True when ``path`` or a link it leads through is ``/dev/fd/N`` or ``/proc/PID/fd/N``."""
    for _ in range(40):  # the kernel's own limit on links in a row
        parts = os.path.abspath(path).split("/")
        if (len(parts) == 4 and parts[1:3] == ["dev", "fd"]) or (
            len(parts) == 5 and parts[1] == "proc" and parts[3] == "fd"
        ):
            return True
        if not os.path.islink(path):
            return False
        path = os.path.join(os.path.dirname(path), os.readlink(path))
    return False


def _write_through(path: str, data: bytes, kind: str, append: bool = False) -> None:
    """Open the existing device, pipe or descriptor (no create, no truncate) and write into it."""
    # Non-blocking open: a pipe with no reader fails with ENXIO at once instead of hanging.
    flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= os.O_APPEND if append else 0
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ENXIO:
            raise OSError(errno.ENXIO, f"is {kind} that no process is reading", path) from None
        raise
    try:
        opened = os.fstat(descriptor).st_mode
        if not (stat.S_ISCHR(opened) or stat.S_ISFIFO(opened) or append):
            # The path changed kind since it was looked at: never write into a file in place.
            raise OSError(errno.EAGAIN, "changed while it was being opened; try again", path)
        os.set_blocking(descriptor, True)  # a slow reader is waited for, as a shell would
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)


def _replace(path: str, data: bytes, old_mode: int | None) -> None:
    """Write ``data`` to a new temporary file in ``path``'s directory, then rename it over ``path``."""
    directory = os.path.dirname(path) or "."
    # A new file gets what an ordinary write gives, 0666 less the umask (applied by the system
    # on creation: reading the umask would mean setting it, a race with other threads); a
    # replacement is private until it takes the old file's permissions.
    temporary, descriptor = _create_temporary(
        directory, os.path.basename(path), 0o666 if old_mode is None else 0o600
    )
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            if old_mode is not None:
                os.fchmod(descriptor, old_mode & 0o7777 & ~(stat.S_ISUID | stat.S_ISGID))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _sync_directory(directory)


def _create_temporary(directory: str, name: str, mode: int) -> tuple[str, int]:
    """A new file ``.NAME.<random>.tmp`` in ``directory``, created by us alone (never a link),
    with ``mode`` less the umask."""
    for _ in range(100):
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return temporary, os.open(temporary, _TEMPORARY_FLAGS, mode)
        except FileExistsError:
            continue  # 48 random bits taken: someone else's file; pick another name
        except OSError as error:  # name the output, not a temporary file the user never chose
            raise OSError(error.errno, error.strerror, os.path.join(directory, name)) from None
    raise FileExistsError(
        errno.EEXIST, "no free temporary name beside it", os.path.join(directory, name)
    )


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
