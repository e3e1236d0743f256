"""The tape's matrix products: numpy's ``matmul``, or Intel MKL's ``gemm`` when it is installed.

numpy's wheels multiply with OpenBLAS; PyTorch's CPU wheels with MKL, which on an Intel Xeon
is 20 to 35% faster at the shapes of a layer, and on an AMD EPYC slower (``docs/speed.md``).
When the optional ``mkl`` package is installed (``pip install "valuegrad[mkl]"``) and the
processor is Intel's, ``matmul`` hands a product to MKL's
``cblas_dgemm``/``cblas_sgemm`` through ctypes, reading the operands where they lie (a
transposed view or a slice of wider rows is passed as BLAS's transpose flag and leading
dimension, never copied). Everything MKL cannot take that way (other strides, mixed or other
dtypes, an output that overlaps an operand, a small product) goes to numpy.
``VALUEGRAD_BLAS=numpy`` in the environment keeps MKL out, ``VALUEGRAD_BLAS=mkl`` takes it on
any processor.

``accumulate=True`` adds the product to ``out`` (BLAS's beta = 1): a layer adds its weights'
gradient to the parameters' gradient rows without a temporary.

``threads()`` and ``one_thread()`` are MKL's thread count and a one-thread mode for the calling
thread: a large batch runs in parts, one thread per core, each multiplying alone (``parts``).
The vector steps (``zero``, ``add_scaled``, ``all_finite``, ``positive_part``) run on MKL's
threads while a product keeps them awake, bit for bit what numpy gives.

The library's training and prediction code asks this module for every matrix product
(``product`` when there is no output array yet): with MKL installed, a product left to numpy's
OpenBLAS could wake a second pool of BLAS threads, and two pools spinning on the same cores
took turns with each other (the CLI's digits run went from 0.7 to 1.5 s).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib.metadata
import math
import os
import platform
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

from .arrays import Array

# cblas's enums: row-major storage, and whether an operand is read transposed
_ROW_MAJOR, _NO_TRANSPOSE, _TRANSPOSE = 101, 111, 112
_INT32_MAX = 2**31 - 1
# With MKL, numpy keeps only the products its OpenBLAS runs on the calling thread: a matrix
# product of at most 64^3 multiply-adds (older OpenBLAS runs anything larger on every core;
# the one numpy 2.4 ships first adds a thread at 2^19, measured), where numpy is also faster
# than a ctypes call into MKL; and a dot product (one row times one column) of up to 10,000
# terms (measured). The rest goes to MKL: OpenBLAS's threads would be a second pool
# beside MKL's, and two pools spinning on the same cores take turns (docs/speed.md).
MIN_WORK = 64**3
OPENBLAS_THREADED_DOT = 10_000

Gemm = Callable[..., None]


class VectorSteps(NamedTuple):
    """MKL's level-1 BLAS for one dtype: y = x (``copy``), x *= a (``scale``), y += a x (``add``),
    the sum of |x| (``magnitude``); and its vector maths' y = fdim(a, b) (``positive_difference``:
    a - b where a > b, else +0, NaN where either is NaN)."""

    copy: Callable[..., None]
    scale: Callable[..., None]
    add: Callable[..., None]
    magnitude: Callable[..., float]
    positive_difference: Callable[..., None] | None  # None: an MKL without it (see below)


VECTOR_STEPS = ("copy", "scal", "axpy", "asum")


# Where /proc/cpuinfo names the processor's maker (Linux); elsewhere platform.processor().
CPU_INFO = "/proc/cpuinfo"


def _intel_cpu() -> bool:
    """Whether the processor is Intel's: MKL picks its fastest kernels only there."""
    try:
        with open(CPU_INFO, encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith("vendor_id"):
                    return "GenuineIntel" in line
    except OSError:
        pass
    return "intel" in platform.processor().lower()


def _mkl_wanted() -> bool:
    """``VALUEGRAD_BLAS`` (``numpy`` or ``mkl``) when set, else whether the CPU is Intel's.

    On an AMD EPYC, numpy's OpenBLAS multiplied a layer's shapes 0.9 to 1.7x as fast as MKL in
    float64 and 1.1 to 1.3x in float32, one thread each, and the tape's training steps with it
    beat PyTorch in every default-thread cell of the sweep, where with MKL they lost 5 of 24
    (docs/speed.md)."""
    choice = os.environ.get("VALUEGRAD_BLAS", "").strip().lower()
    if choice in ("numpy", "mkl"):
        return choice == "mkl"
    if choice:
        warnings.warn(
            f"valuegrad: VALUEGRAD_BLAS is {choice!r}; it should be numpy or mkl (ignored)",
            RuntimeWarning,
            stacklevel=4,
        )
    return _intel_cpu()


@functools.cache
def _mkl() -> ctypes.CDLL | None:
    """MKL's library, or None when the ``mkl`` package is absent, broken or not wanted."""
    if not _mkl_wanted():
        return None
    try:
        files = importlib.metadata.files("mkl") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    paths = [f.locate() for f in files if f.name.startswith("libmkl_rt.so")]
    if not paths:
        return None
    try:
        library = ctypes.CDLL(str(paths[0]))
        for gemm, scalar in (
            (library.cblas_dgemm, ctypes.c_double),
            (library.cblas_sgemm, ctypes.c_float),
        ):
            flags, sizes, pointer = [ctypes.c_int] * 3, [ctypes.c_int] * 3, ctypes.c_void_p
            gemm.argtypes = [*flags, *sizes, scalar, pointer, ctypes.c_int, pointer, ctypes.c_int]
            gemm.argtypes += [scalar, pointer, ctypes.c_int]
            gemm.restype = None
        for letter, scalar in (("d", ctypes.c_double), ("s", ctypes.c_float)):
            pointer, size = ctypes.c_void_p, ctypes.c_int
            copy, scale, add, magnitude = (
                getattr(library, f"cblas_{letter}{name}") for name in VECTOR_STEPS
            )
            copy.argtypes = [size, pointer, size, pointer, size]
            scale.argtypes = [size, scalar, pointer, size]
            add.argtypes = [size, scalar, pointer, size, pointer, size]
            magnitude.argtypes = [size, pointer, size]
            copy.restype = scale.restype = add.restype = None
            magnitude.restype = scalar
            # the strided form, whose increment 0 reads one number for every entry
            difference = getattr(library, f"v{letter}FdimI", None)
            if difference is not None:
                difference.argtypes = [size, pointer, size, pointer, size, pointer, size]
                difference.restype = None
        library.MKL_Get_Max_Threads.restype = ctypes.c_int
        library.MKL_Set_Num_Threads_Local.restype = ctypes.c_int
        library.MKL_Set_Num_Threads_Local.argtypes = [ctypes.c_int]
    except (OSError, AttributeError) as error:  # a broken install, or a CPU MKL does not run on
        warnings.warn(
            f"valuegrad: the mkl package is installed but {paths[0]} cannot be used ({error}); "
            "the compiled tape multiplies with numpy",
            RuntimeWarning,
            stacklevel=4,
        )
        return None
    return library


@functools.cache
def _mkl_gemms() -> dict[np.dtype, Gemm] | None:
    """MKL's gemm per dtype, or None when MKL is not used."""
    library = _mkl()
    if library is None:
        return None
    return {np.dtype(np.float64): library.cblas_dgemm, np.dtype(np.float32): library.cblas_sgemm}


@functools.cache
def _mkl_vector_steps() -> dict[np.dtype, VectorSteps] | None:
    """MKL's vector steps per dtype, or None when MKL is not used."""
    library = _mkl()
    if library is None:
        return None
    steps = {}
    for letter, dtype in (("d", np.float64), ("s", np.float32)):
        copy, scale, add, magnitude = (
            getattr(library, f"cblas_{letter}{name}") for name in VECTOR_STEPS
        )
        difference = getattr(library, f"v{letter}FdimI", None) if _zero_increments() else None
        steps[np.dtype(dtype)] = VectorSteps(copy, scale, add, magnitude, difference)
    return steps


# MKL's vector maths documents an increment of 0 (one number read for every entry) from the
# 2025 release on; the 2021 reference asked for positive increments.
ZERO_INCREMENTS_FROM = 2025


def _zero_increments() -> bool:
    """Whether the installed MKL documents increment 0 for its strided vector maths."""
    try:
        return int(importlib.metadata.version("mkl").split(".")[0]) >= ZERO_INCREMENTS_FROM
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return False


def backend() -> str:
    """``"mkl"`` when products go to MKL, else ``"numpy"``."""
    return "numpy" if _mkl_gemms() is None else "mkl"


class _ThreadState(threading.local):
    alone = False  # inside one_thread()


_this_thread = _ThreadState()

# Whether MKL's most recent product ran on its threads (outside one_thread). After one, they spin
# for a while waiting for more (KMP_BLOCKTIME, 200 ms by default), with the product's rows in
# their caches: a vector step then costs them nothing. After products on one thread (a batch run
# in parts) they sleep, and waking them would take the cores from the next step's parts.
_threads_awake = False


def threads() -> int:
    """How many threads MKL multiplies on (``MKL_NUM_THREADS``, ``OMP_NUM_THREADS`` or the CPUs
    it may use); 1 without MKL, whose products then go to numpy (see ``autograd.compile.parts``)."""
    library = _mkl()
    return 1 if library is None else max(1, int(library.MKL_Get_Max_Threads()))


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """MKL multiplies on the calling thread alone while this lasts (in this thread only)."""
    library = _mkl()
    if library is None:
        yield
        return
    before = library.MKL_Set_Num_Threads_Local(1)  # 0: this thread followed the global setting
    was_alone, _this_thread.alone = _this_thread.alone, True
    try:
        yield
    finally:
        library.MKL_Set_Num_Threads_Local(before)
        _this_thread.alone = was_alone


def _layout(a: Array) -> tuple[int, int] | None:
    """(transpose flag, leading dimension) under which BLAS reads ``a`` in place, or None."""
    item = a.itemsize
    row_stride, column_stride = a.strides
    rows, columns = a.shape
    if column_stride == item and row_stride % item == 0 and columns <= row_stride // item:
        layout = _NO_TRANSPOSE, row_stride // item  # rows of a wider row-major block
    elif row_stride == item and column_stride % item == 0 and rows <= column_stride // item:
        layout = _TRANSPOSE, column_stride // item  # the transpose of such a block
    else:
        return None
    return layout if layout[1] <= _INT32_MAX else None


def product(a: Array, b: Array) -> Array:
    """``a @ b`` in a new array, through ``matmul``; both 2-D, of one float dtype."""
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))
    matmul(a, b, out)
    return out


def matmul(a: Array, b: Array, out: Array, accumulate: bool = False) -> None:
    """``out = a @ b``, or ``out += a @ b`` with ``accumulate``; all three 2-D, one float dtype."""
    gemms = _mkl_gemms()
    m, k = a.shape
    n = b.shape[1]
    small = m * n * k <= MIN_WORK and not (m == n == 1 and k > OPENBLAS_THREADED_DOT)
    gemm = None if gemms is None or small else gemms.get(out.dtype)
    if gemm is not None and a.dtype == b.dtype == out.dtype and max(m, n, k) <= _INT32_MAX:
        a_layout, b_layout, out_layout = _layout(a), _layout(b), _layout(out)
        if (
            a_layout is not None
            and b_layout is not None
            and out_layout is not None
            and out_layout[0] == _NO_TRANSPOSE
            and out.flags.writeable
            and a.flags.aligned
            and b.flags.aligned
            and out.flags.aligned
            and not np.may_share_memory(out, a)
            and not np.may_share_memory(out, b)
        ):
            global _threads_awake
            _threads_awake = not _this_thread.alone
            beta = 1.0 if accumulate else 0.0
            gemm(
                _ROW_MAJOR, a_layout[0], b_layout[0], m, n, k,
                1.0, a.ctypes.data, a_layout[1], b.ctypes.data, b_layout[1],
                beta, out.ctypes.data, out_layout[1],
            )  # fmt: skip
            return
    if accumulate:
        out += a @ b
    else:
        np.matmul(a, b, out=out)


# Vector steps over at least this many numbers (zeroing the gradients, SGD's update) run on
# MKL's threads when they are awake (see _threads_awake): where they wrote a layer's weight
# gradient, a numpy loop on the calling core pulls it back from the other core's cache. SGD's
# update of 26,122 parameters after a 64-128-128-10 step at 32 rows: 82 us in numpy, 37 us on
# MKL's two threads; of 8,970 parameters (64-64-64-10, whose products numpy runs): 12 us
# against 30. After a step in parts, waking them made the next step 60% slower (docs/speed.md).
MIN_THREADED_VECTOR = 20_000


def _vector_steps(*arrays: Array) -> VectorSteps | None:
    """MKL's vector steps for these 1-D arrays of one dtype, or None where numpy should do it."""
    steps = _mkl_vector_steps()
    first = arrays[0]
    if (
        steps is None
        or not _threads_awake
        or not MIN_THREADED_VECTOR <= len(first) <= _INT32_MAX
        or threads() < 2
    ):
        return None
    usable = all(
        a.ndim == 1
        and len(a) == len(first)
        and a.dtype == first.dtype
        and a.flags.c_contiguous
        and a.flags.aligned
        for a in arrays
    )
    return steps.get(first.dtype) if usable else None


def positive_part(x: Array, out: Array) -> Array:
    """``out = max(x, 0)``, bit for bit ``np.maximum(x, 0.0, out=out)`` (NaN passes through, -0.0
    gives +0.0; only a signalling NaN comes out quiet): a relu's forward. On MKL's threads when
    awake, as fdim(x, 0), which is exactly that; a relu over 256 x 512 float64 numbers took 62
    us in numpy, 31 there."""
    steps = None
    if (  # the size and awake tests first: small batches take numpy's way at once
        _threads_awake
        and x.size >= MIN_THREADED_VECTOR
        and x.shape == out.shape
        and x.flags.c_contiguous
        and out.flags.c_contiguous
        and out.flags.writeable
        and not np.may_share_memory(x, out)
    ):
        flat_x, flat_out = x.reshape(-1), out.reshape(-1)
        steps = _vector_steps(flat_x, flat_out)
    if steps is None or steps.positive_difference is None:
        return np.maximum(x, 0.0, out=out)
    zero = np.zeros(1, dtype=x.dtype)
    steps.positive_difference(
        len(flat_x), flat_x.ctypes.data, 1, zero.ctypes.data, 0, flat_out.ctypes.data, 1
    )
    return out


def zero(a: Array) -> None:
    """``a[...] = 0.0`` for a 1-D float array (MKL copies one 0.0 to every entry)."""
    steps = _vector_steps(a) if a.flags.writeable else None
    if steps is None:
        a.fill(0.0)
        return
    zeros = np.zeros(1, dtype=a.dtype)
    steps.copy(len(a), zeros.ctypes.data, 0, a.ctypes.data, 1)


def add_scaled(target: Array, source: Array, factor: float, work: Array) -> None:
    """``target += factor * source`` for 1-D float arrays, rounded as numpy's two steps are (the
    product, then the sum): bit for bit the same numbers wherever it runs.

    MKL's way: ``work = source``, ``work *= factor``, ``target += 1.0 * work`` (a fused
    multiply-add by 1.0 rounds once, as the plain sum does). A factor of 0 stays in numpy, which
    gives NaN for 0 * inf where a BLAS may write 0.
    """
    steps = _vector_steps(target, source, work)
    if (
        steps is None
        or type(factor) is not float  # np.float64 * float32 arrays: numpy multiplies in float64
        or factor == 0.0
        or not (target.flags.writeable and work.flags.writeable)
        or np.may_share_memory(target, source)
        or np.may_share_memory(work, source)
        or np.may_share_memory(work, target)
    ):
        target += np.multiply(source, factor, out=work)
        return
    n = len(target)
    steps.copy(n, source.ctypes.data, 1, work.ctypes.data, 1)
    steps.scale(n, factor, work.ctypes.data, 1)
    steps.add(n, 1.0, work.ctypes.data, 1, target.ctypes.data, 1)


def all_finite(a: Array) -> bool:
    """Whether every entry of a 1-D float array is finite, in one pass without a temporary: the
    sum of the entries (of their magnitudes, on MKL's threads) is finite when they all are, and
    when it is not (an inf or NaN, or an overflow of the sum), every entry is looked at."""
    steps = _vector_steps(a)
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(a.sum()) if steps is None else steps.magnitude(len(a), a.ctypes.data, 1)
    return math.isfinite(total) or bool(np.isfinite(a).all())
