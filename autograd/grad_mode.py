"""Whether new operations record the graph: on by default, off inside ``no_grad()``.

The mode belongs to a thread, as in PyTorch: a background thread running inference under
``no_grad`` does not stop the main thread's graph from recording.

Every op asks ``everywhere or is_grad_enabled()``: ``everywhere`` is a plain module global,
True while no thread has recording off, so the common case costs one global read (as the
single process-wide flag did); only while some thread is inside ``no_grad`` does an op look
up its own thread's mode.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, overload

Function = TypeVar("Function", bound=Callable[..., Any])

everywhere = True  # no thread has recording off (read first by every op; see above)
_this_thread = threading.local()  # .enabled, set once a thread enters no_grad or enable_grad
_threads_off = 0  # how many threads have recording off now (everywhere == (_threads_off == 0))
_count_lock = threading.Lock()


def is_grad_enabled() -> bool:
    """True when operations in this thread record their inputs (the default)."""
    enabled: bool = getattr(_this_thread, "enabled", True)
    return enabled


def _set(on: bool) -> None:
    global everywhere, _threads_off
    if is_grad_enabled() == on:
        return
    with _count_lock:
        _this_thread.enabled = on
        _threads_off += -1 if on else 1
        everywhere = _threads_off == 0


@contextlib.contextmanager
def _recording(on: bool) -> Iterator[None]:
    previous = is_grad_enabled()
    _set(on)
    try:
        yield
    finally:
        _set(previous)


def _mode(on: bool, function: Callable[..., Any] | None, name: str) -> Any:
    """The block, or ``function`` wrapped to run inside it (a bare decorator, as in PyTorch)."""
    if function is None:
        return _recording(on)
    if not callable(function):
        raise TypeError(
            f"{name}() takes no argument as a block; as a decorator it takes a function, "
            f"not {type(function).__name__}"
        )
    return _recording(on)(function)


@overload
def no_grad() -> contextlib.AbstractContextManager[None]: ...
@overload
def no_grad(function: Function) -> Function: ...
def no_grad(function: Callable[..., Any] | None = None) -> Any:
    """Inside this block this thread's operations compute values but record no graph
    (for updates and inference). Also a decorator: ``@no_grad`` or ``@no_grad()`` (over a
    generator function it covers the call, not the generator's steps)."""
    return _mode(False, function, "no_grad")


@overload
def enable_grad() -> contextlib.AbstractContextManager[None]: ...
@overload
def enable_grad(function: Function) -> Function: ...
def enable_grad(function: Callable[..., Any] | None = None) -> Any:
    """Record the graph again, even inside ``no_grad`` (create_graph and tracing need it).
    Also a decorator: ``@enable_grad`` or ``@enable_grad()``."""
    return _mode(True, function, "enable_grad")
