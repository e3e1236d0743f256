"""A large batch cut into parts that run at the same time, one thread per core.

With MKL the tape's matrix products use every core, but numpy's elementwise kernels (an
activation, its gradient, the bias sums) run on one, and MKL's threads leave the rows they
wrote in the other core's cache. PyTorch runs every step over a share of the batch on each
core. So a tape with a large batch and several cores cuts the batch into parts and runs the
whole forward and backward of each part on its own thread, MKL multiplying on that thread
alone: numpy and MKL release Python's lock while they work, so the parts run side by side.

A part pays a hand-over of Python's lock at every kernel (a few microseconds each), so parts
are made only where each holds ``MIN_PART_BYTES`` of batch values (on a two-core Xeon, a
64-128-128-10 float64 step over 1,797 rows went from 3.39 to 3.16 ms in two parts, while
1,024 rows and smaller networks were slower in parts). Only with MKL, whose threads can be
set for one calling thread: numpy's OpenBLAS would start its own threads under every part.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

from . import blas

MIN_PART_BYTES = 4_000_000

Result = TypeVar("Result")

_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def _forget_pool() -> None:
    """In a forked child: the parent's pool threads do not exist here (work sent to them would
    wait forever), so the next call makes a pool of its own."""
    global _pool, _pool_size, _pool_lock
    _pool, _pool_size, _pool_lock = None, 0, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def split(batch: int, bytes_per_sample: int) -> list[slice]:
    """The rows of each part: as many parts as MKL has threads and the data fills, nearly equal."""
    count = min(blas.threads(), batch * bytes_per_sample // MIN_PART_BYTES, batch)
    if count <= 1:
        return [slice(0, batch)]
    bounds = [batch * k // count for k in range(count + 1)]
    return [slice(start, stop) for start, stop in itertools.pairwise(bounds)]


def _workers(count: int) -> concurrent.futures.ThreadPoolExecutor:
    """A pool of at least ``count`` threads, kept for the next call. A smaller pool is left as
    it is (another thread may be sending it work), not shut down."""
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size < count:
            _pool = concurrent.futures.ThreadPoolExecutor(
                count, thread_name_prefix="valuegrad-part"
            )
            _pool_size = count
        return _pool


# numpy's error settings (np.geterr(), np.geterrcall()): per thread in numpy 1, so handed over
ErrorSettings = tuple[Any, Any]


def _in_part(
    work: Callable[[int, slice], Result], index: int, part: slice, errors: ErrorSettings
) -> Result:
    """One part, under the caller's numpy error settings, MKL on this thread alone."""
    settings, call = errors
    with np.errstate(call=call, **settings), blas.one_thread():
        return work(index, part)


def _submit(
    pool: concurrent.futures.ThreadPoolExecutor,
    work: Callable[[int, slice], Result],
    index: int,
    part: slice,
    errors: ErrorSettings,
) -> concurrent.futures.Future[Result]:
    try:
        return pool.submit(_in_part, work, index, part, errors)
    except RuntimeError:  # the interpreter is shutting down and takes no new threads: run it here
        done: concurrent.futures.Future[Result] = concurrent.futures.Future()
        try:
            done.set_result(_in_part(work, index, part, errors))
        except Exception as error:
            done.set_exception(error)
        return done


@contextlib.contextmanager
def _ctrl_c_held_back() -> Iterator[None]:
    """Ctrl-C held back while the parts are handed to the pool, and raised when that is done.

    A KeyboardInterrupt between a part's submission and its being recorded would leave that
    part writing its arrays, unwaited for. Python raises it only in the main thread, and only
    where SIGINT has its default handler is it ours to hold back."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    pressed: list[int] = []
    signal.signal(signal.SIGINT, lambda number, frame: pressed.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if pressed:
        raise KeyboardInterrupt


def _wait_for(pending: list[concurrent.futures.Future[Result]]) -> None:
    """Wait until every part has finished, even through a KeyboardInterrupt, raised after."""
    interrupted: BaseException | None = None
    while True:
        try:
            concurrent.futures.wait(pending)
            break
        except BaseException as error:  # Ctrl-C while waiting: a part still writes its arrays
            interrupted = interrupted or error
    if interrupted is not None:
        raise interrupted


def run(work: Callable[[int, slice], Result], parts: list[slice]) -> list[Result]:
    """``work(k, parts[k])`` for every part at the same time, MKL on one thread in each.

    The first part runs on the calling thread, the others on the pool, each under the caller's
    numpy error settings. Returns when every part has finished, so no part is still writing
    when the caller goes on (a KeyboardInterrupt is raised after that too); a part's error is
    raised then (the first part's first).
    """
    errors: ErrorSettings = (np.geterr(), np.geterrcall())
    pool = _workers(len(parts) - 1)
    pending: list[concurrent.futures.Future[Result]] = []
    try:
        with _ctrl_c_held_back():
            for index, part in enumerate(parts[1:], start=1):
                pending.append(_submit(pool, work, index, part, errors))
        first = _in_part(work, 0, parts[0], errors)
    finally:
        _wait_for(pending)
    return [first, *(future.result() for future in pending)]
