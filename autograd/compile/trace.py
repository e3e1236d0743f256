"""``autograd.trace``: record a per-sample function once, replay it over whole batches with numpy.

    model = MLP(2, [16, 16, 1])
    def per_sample_loss(x0, x1, y):
        return (1 - y * model([x0, x1])).relu() + l2_penalty(model.weights(), 1e-4)
    tape = autograd.trace(per_sample_loss, 3)
    for step in range(100):
        opt.zero_grad()
        loss = tape.backward(XY, reduce="mean")   # XY: shape (batch, 3)
        opt.step()

What can be traced: any function of its inputs made of Value operations, which may read
parameter Values it closes over (their ``.data`` is read at every call, so the tape stays
valid while an optimizer changes them). What cannot: control flow that depends on the
data, because the tape keeps only the path taken while tracing:

* ``if v: ...``, ``while v ...``, ``v < w``: a Value has no truth value or order, so these
  raise a TypeError while tracing, reworded here to say why;
* ``if v.data > 0: ...``, ``float(v)``, ``Value(v.data * 2)``: not detectable in one run, so
  ``trace`` runs ``fn`` twice on different inputs and raises ``UntraceableError`` if the
  two graphs differ (another op, a constant that changed with the inputs, or another
  parameter, even one holding the same number: each input is run a second time to tell the
  leaves fn reads, its parameters, from the constants it makes afresh). With the default
  rows, once more on a probe row, the first row times -4: every input changes sign and
  grows, so a test both rows pass alike (``x.data > 0``, ``abs(e.data) < 1``) shows there,
  as a warning (its other side may be a guard real data never reaches, or the same function
  written another way); where fn raises on the probe (log of a negative, say) it tells
  nothing. Rows given as ``example`` are not probed: pass rows that take both branches, and
  ``trace`` refuses.

Changing the model's structure (a layer's activation, its size) after tracing needs a new
trace; the tape does not see it.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from .. import grad_mode
from ..backward import topological_order
from ..value import Value
from .compiler import compile_tape
from .tape import Tape


class UntraceableError(ValueError):
    """``fn`` does not give one fixed graph for every input, so it cannot be compiled."""


def _placeholder_rows(n_inputs: int, example: npt.ArrayLike | None) -> list[list[float]]:
    """The two input rows to trace with: from ``example`` if given, else fixed draws in (0.25, 0.75)."""
    if example is None:
        rng = np.random.default_rng(20240611)
        draws: list[list[float]] = (0.25 + 0.5 * rng.random((2, n_inputs))).tolist()
        return draws
    rows = np.asarray(example, dtype=float)
    given_shape = rows.shape
    if rows.ndim == 1:
        rows = rows[None, :]
    if rows.ndim != 2 or rows.shape[1] != n_inputs or rows.shape[0] == 0:
        raise ValueError(
            f"trace: example must have shape ({n_inputs},) or (rows, {n_inputs}), not {given_shape}"
        )
    return [rows[0].tolist(), rows[min(1, len(rows) - 1)].tolist()]


def _run(fn: Callable[..., Value], row: list[float]) -> tuple[Value, list[Value]]:
    placeholders = [Value(x, label=f"x{k}") for k, x in enumerate(row)]
    try:
        with grad_mode.enable_grad():  # a trace records the graph even inside no_grad
            output = fn(*placeholders)
    except TypeError as error:
        message = str(error)
        if "no truth value" in message or "not ordered" in message:
            raise UntraceableError(
                "trace: fn branches on a Value (if/while/and/or/comparison on a Value): "
                "data-dependent control flow cannot be compiled; compute both sides and "
                "combine them with ops, or use the eager engine"
            ) from error
        raise
    if not isinstance(output, Value):
        raise TypeError(f"trace: fn must return one Value, not {type(output).__name__}")
    return output, placeholders


# What must match between two traces, node by node: ("op", its parameters or name, its class,
# its parents' positions), ("input", which one), or ("leaf", the Value).
NodeShape = tuple[object, ...]


def _describe(output: Value, placeholders: list[Value]) -> tuple[list[Value], list[NodeShape]]:
    """The graph in topological order, and for each node what must match between two traces."""
    order = topological_order(output)
    position = dict(zip(map(id, order), range(len(order))))
    inputs = {id(v): k for k, v in enumerate(placeholders)}
    where = position.__getitem__  # parents by position: a neuron has thousands (map runs in C)
    shape: list[NodeShape] = []
    for v in order:
        op = v.op
        if op is not None:
            shape.append(
                (
                    "op",
                    repr(vars(op)) if vars(op) else op.name,
                    type(op).__name__,
                    tuple(map(where, map(id, v.parents))),
                )
            )
        elif id(v) in inputs:
            shape.append(("input", inputs[id(v)]))
        else:
            shape.append(("leaf", v))
    return order, shape


def _difference(first: list[NodeShape], second: list[NodeShape]) -> str | None:
    """Why two traces differ, or None when they are the same graph."""
    if len(first) != len(second):
        return f"the graphs have {len(first)} and {len(second)} nodes"
    for k, (a, b) in enumerate(zip(first, second)):
        if a[0] != b[0]:
            return f"node {k} is {a[0]} in one trace and {b[0]} in the other"
        if a[0] == "leaf":
            x, y = a[1], b[1]
            assert isinstance(x, Value) and isinstance(y, Value)  # what _describe puts there
            if x is not y and float(x.data).hex() != float(y.data).hex():
                return (
                    f"node {k} is a constant that changed with the inputs ({x.data!r} vs {y.data!r}): "
                    "a number computed from an input (float(v), v.data) is frozen by the trace"
                )
        elif a != b:
            return f"node {k} differs ({a[1]} with parents {a[-1]} vs {b[1]} with parents {b[-1]})"
    return None


def trace(
    fn: Callable[..., Value],
    n_inputs: int,
    *,
    example: npt.ArrayLike | None = None,
    dtype: str = "float64",
    parameter_dtype: str = "float64",
) -> Tape:
    """Compile ``fn`` (``n_inputs`` Values -> one Value) into a ``Tape`` that runs it on whole batches.

    ``fn`` is called on placeholder Values (twice, to detect data-dependent control flow;
    see the module docstring); every leaf Value it reads that is not an input and that it
    did not create is a parameter: ``tape.backward`` adds gradients to its ``.grad``.
    ``example``: one or more rows (shape (n_inputs,) or (rows, n_inputs)) to trace with,
    for functions that need realistic inputs (the default draws lie in (0.25, 0.75)).
    ``dtype``: "float64" (the default: the eager engine's numbers to ~1e-15) or "float32"
    (about twice as fast on large batches, with float32's 1e-7 precision and range: exp
    overflows past 88, as in PyTorch's default).
    ``parameter_dtype``: what the parameters' numbers are kept in while the tape is in use.
    "float64" (the default) keeps them as the Values hold them: a float32 tape then reads
    them rounded and its optimizer updates them in float64 (mixed precision). "float32", for
    a float32 tape, keeps them in float32 as PyTorch's float32 default does, which saves
    the conversions and halves the optimizer's work: the numbers are rounded to float32 on
    the tape's first call and stay float32 (``p.data`` reads them, and they are what the
    Values get back when the tape is released).
    """
    if dtype not in ("float64", "float32"):
        raise ValueError(f'trace: dtype must be "float64" or "float32", not {dtype!r}')
    if parameter_dtype not in ("float64", "float32"):
        raise ValueError(
            f'trace: parameter_dtype must be "float64" or "float32", not {parameter_dtype!r}'
        )
    if parameter_dtype == "float32" and dtype != "float32":
        raise ValueError(
            'trace: parameter_dtype="float32" needs dtype="float32" (a float64 tape would '
            "compute with float32 parameters)"
        )
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, (int, np.integer)) or n_inputs < 0:
        raise ValueError(f"trace: n_inputs must be an int >= 0, not {n_inputs!r}")
    first_row, second_row = _placeholder_rows(int(n_inputs), example)
    # Tracing a large model makes hundreds of thousands of small objects that all stay alive
    # until the tape is built: the cyclic garbage collector would scan them again and again
    # (half the time of a 100,000-parameter trace) and could free none of them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # rows of the user's own are theirs to choose; only the default rows are probed
        return _trace(
            fn, first_row, second_row, np.dtype(dtype), np.dtype(parameter_dtype), example is None
        )
    finally:
        if collecting:
            gc.enable()


def _trace(
    fn: Callable[..., Value],
    first_row: list[float],
    second_row: list[float],
    dtype: np.dtype,
    parameter_dtype: np.dtype,
    probe: bool,
) -> Tape:
    """``trace`` after its checks: two runs, their comparison, the tape."""
    output, placeholders = _run(fn, first_row)
    order, shape = _describe(output, placeholders)
    second_output, second_placeholders = _run(fn, second_row)
    second_order, second_shape = _describe(second_output, second_placeholders)
    reason = _difference(shape, second_shape)
    if reason is None:
        reason = _parameter_difference(
            order, second_order, _read(fn, first_row, order), _read(fn, second_row, second_order)
        )
    if reason is not None:
        raise UntraceableError(
            f"trace: fn builds a different graph for different inputs ({reason}); "
            "data-dependent control flow cannot be compiled"
        )
    if probe:
        _warn_if_the_probe_differs(fn, first_row, shape)
    # Parameters: the leaves both traces share (fn closes over them); the rest fn made itself.
    params = [v for v, w in zip(order, second_order) if v.is_leaf and v is w]
    return compile_tape(output, placeholders, params, dtype, order, parameter_dtype)


# The probe row: the first row times this, so every input changes sign and grows (a test such
# as ``x.data > 0`` or ``abs(e.data) < 1``, which both trial rows may pass alike, flips there).
PROBE_SCALE = -4.0


def _warn_if_the_probe_differs(
    fn: Callable[..., Value], row: list[float], shape: list[NodeShape]
) -> None:
    """A warning when fn builds another graph on the probe row than on the default rows: a branch
    on the data that the tape keeps one way for every row. A warning, not a refusal: the other
    side may be a guard real data never reaches, or the same function written another way. A
    probe row fn cannot take (log of a negative, say) tells nothing."""
    probe = [PROBE_SCALE * x for x in row]
    try:
        with np.errstate(all="ignore"):
            output, placeholders = _run(fn, probe)
    except Exception:  # any error of fn here only means that the probe is unusable
        return
    reason = _difference(shape, _describe(output, placeholders)[1])
    if reason is not None:
        warnings.warn(
            f"trace: fn builds another graph for the probe row {probe!r} (the first default row "
            f"{row!r} times {PROBE_SCALE:g}): {reason}. It branches on its inputs' numbers, and "
            "the tape takes the default rows' branch for every row: where your data reaches the "
            "other branch its numbers are wrong. Pass example= rows that take both branches "
            "(trace then refuses), or rows of your own data (no probe), or use the eager engine",
            UserWarning,
            stacklevel=4,
        )


def _read(fn: Callable[..., Value], row: list[float], order: list[Value]) -> set[Value]:
    """The leaves of ``order`` that fn reads rather than makes (parameters, not its constants):
    those that are the same objects when fn runs on the same row again."""
    again = topological_order(_run(fn, row)[0])
    if len(again) != len(order):
        raise UntraceableError("trace: fn builds a different graph each time it runs on one input")
    return {v for v, w in zip(order, again) if v.is_leaf and v is w}


def _parameter_difference(
    first: list[Value], second: list[Value], read_first: set[Value], read_second: set[Value]
) -> str | None:
    """Where one trace reads a parameter and the other another leaf (of any value), or None.

    Values alone cannot tell: two zero-initialised biases, or a bias and the constant 0.0,
    hold the same number, and the tape would keep the first trace's choice for every row.
    """
    for k, (a, b) in enumerate(zip(first, second)):
        if a is not b and (a in read_first or b in read_second):
            return f"node {k} is a parameter read in one trace only, another leaf in the other"
    return None
