"""Training through the compiled replay: the per-sample objective traced once, run on whole batches.

``train`` uses this path (``engine="compiled"``, or ``"auto"`` when it is known to be
safe) instead of building a graph of Values for every sample of every step. The objective
``loss(model(x), t) + l2 * sum(w^2)`` is traced with both the inputs x and the targets t
as placeholders (``autograd.trace``), so one tape serves every batch; a step is then one
``tape.backward(XT[batch], reduce="mean")``, with the same gradients as the eager engine to
rounding.

From the first step on, the parameters' numbers live in the tape's arrays (issue 16,
``autograd.compile.storage``): the Values keep showing the current numbers, and ``train``
releases them (plain Values again) when it returns or raises. A batched forward for other
uses: ``objective.tape.forward(rows)`` gives the per-sample objective for every row of
``np.column_stack([inputs, _target_rows(targets, loss, width)])`` in one call (no graph of
Values), e.g. the loss of a validation set.

"auto" takes this path only where tracing is known to give the same function for every
input: ``nn``'s own modules (Neuron, Layer, MLP) with a built-in loss whose traced form
has no data-dependent branch (``TRACEABLE_LOSSES``). A custom module or loss may branch on
data in ways two trial traces cannot detect, so it runs eagerly unless asked for.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from autograd import Tape, UntraceableError, Value, no_grad, trace

from .losses import LOSSES, LossFunction, Target, l2_penalty, softmax_cross_entropy
from .module import MLP, Layer, Module, Neuron, outputs_of

# Built-in losses that, given Value targets, take a branch-free form (see nn.losses).
# "bce" (from probabilities) clamps its log on the data, so it is not among them.
TRACEABLE_LOSSES = (
    "mse",
    "squared_error",
    "half_squared_error",
    "hinge",
    "bce_with_logits",
    "softmax_cross_entropy",
)
_TRACEABLE_FUNCTIONS = tuple(LOSSES[name] for name in TRACEABLE_LOSSES)


def plain_nn_module(model: Module) -> bool:
    """A Neuron, Layer or MLP of nn's own classes throughout (a subclass may branch on the data)."""
    if type(model) is Neuron:
        return True
    if type(model) is Layer:
        return all(type(neuron) is Neuron for neuron in model.neurons)
    return type(model) is MLP and all(
        type(layer) is Layer and plain_nn_module(layer) for layer in model.layers
    )


def known_traceable(model: Module, loss_function: LossFunction) -> bool:
    """Whether "auto" may compile: nn's own modules and a built-in loss with a branch-free traced form."""
    return plain_nn_module(model) and loss_function in _TRACEABLE_FUNCTIONS


def _trial_rows(rows: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The two rows to trace with: the first, and the one that differs from it in the most columns,
    so that a branch on the data (in a custom loss or module) is as likely as can be to show."""
    differing = (rows != rows[0]).sum(axis=1)
    return rows[[0, int(np.argmax(differing))]]


def _output_width(model: Module, x: list[float]) -> int:
    with no_grad():
        out = outputs_of(model, x)
    return len(out) if isinstance(out, list) else 1


def _target_rows(
    ys: Sequence[Target], loss_function: LossFunction, width: int
) -> npt.NDArray[np.float64]:
    """The targets as a matrix, one row per sample.

    Class indices for softmax cross-entropy become one-hot rows (the same loss, with the
    index turned into numbers a tape can take as inputs).
    """
    one_hot = loss_function is softmax_cross_entropy
    # Plain numbers, the common case, go straight into one array: a list of one-element rows
    # would cost about 90 bytes a sample on top of it (90 MB for a million rows).
    if ys and (
        all(type(y) is float for y in ys)
        or (not one_hot and all(type(y) is int or type(y) is float for y in ys))
    ):
        return np.fromiter(ys, dtype=float, count=len(ys)).reshape(-1, 1)
    if ys and one_hot and all(type(y) is int for y in ys):
        classes = np.fromiter(ys, dtype=np.intp, count=len(ys))
        matrix = np.zeros((len(ys), width))
        inside = np.flatnonzero((classes >= 0) & (classes < width))  # else a row of zeros, as below
        matrix[inside, classes[inside]] = 1.0
        return matrix

    def row(y: Target) -> list[float]:
        if one_hot and isinstance(y, numbers.Integral):
            return [1.0 if k == y else 0.0 for k in range(width)]
        if isinstance(y, (float, numbers.Real)):  # float: the one mypy knows is a Real
            return [float(y)]
        if isinstance(y, Value):  # as before, a TypeError (it used to be "not iterable")
            raise TypeError("compiled training takes numbers as targets, not Values")
        return [float(t) for t in y]

    rows = [row(y) for y in ys]
    if len({len(r) for r in rows}) != 1:
        raise UntraceableError("compiled training needs targets of one length")
    return np.asarray(rows, dtype=float)


class CompiledObjective:
    """``objective(batch)``: adds the gradient of the batch objective (mean loss + l2 penalty
    over the rows ``batch``) to every parameter's ``.grad`` and returns the objective.

    From the first call on, the parameters' numbers live in the tape's arrays (see
    ``autograd.compile.storage``); ``release()`` gives them back as plain Values, which
    ``nn.train`` does when it returns or raises.
    """

    def __init__(self, tape: Tape, inputs_and_targets: npt.NDArray[np.float64]) -> None:
        self.tape = tape
        # Kept transposed (one row per column of the data): a batch is then handed to the tape
        # in Fortran order, which it copies into its own column-per-sample layout without a
        # transposition.
        self._columns = np.ascontiguousarray(inputs_and_targets.T)

    def __call__(self, batch: Sequence[int]) -> float:
        # A range of rows is a view of the data, a list of rows a copy.
        columns = (
            self._columns[:, batch.start : batch.stop]
            if isinstance(batch, range) and batch.step == 1
            else self._columns[:, batch]
        )
        # NaN or inf from the data gives a non-finite objective that train reports; numpy need not warn.
        with np.errstate(invalid="ignore", over="ignore"):
            return self.tape.backward(columns.T, reduce="mean")

    def release(self) -> None:
        """Plain Values again (eager speed), holding the current numbers."""
        self.tape.release()


def compiled_objective(
    model: Module,
    loss_function: LossFunction,
    xs: list[list[float]],
    ys: list[Target],
    penalized: list[Value],
    l2: float,
) -> CompiledObjective:
    """The batch objective of ``train``, compiled (see ``CompiledObjective``).

    Raises what the eager loss raises for a bad target (checked once, sample by sample),
    ``UntraceableError`` or ``NotImplementedError`` when the objective cannot be traced.
    """
    n_inputs = len(xs[0])
    if any(len(x) != n_inputs for x in xs):
        with no_grad():
            for x in xs:  # the model's own error for the first row of a wrong length
                outputs_of(model, x)
        raise ValueError(
            f"compiled training needs input rows of one length; the first has {n_inputs}"
        )
    width = _output_width(model, xs[0])
    if loss_function in LOSSES.values():
        placeholder_output = [0.0] * width if width > 1 else 0.0
        with no_grad():
            # the built-in loss's own checks of every target (domain, length, class index)
            for y in ys:
                loss_function(placeholder_output, y)
    targets = _target_rows(ys, loss_function, width)
    one_number = targets.shape[1] == 1 and loss_function is not softmax_cross_entropy
    inputs_and_targets = np.column_stack([np.asarray(xs, dtype=float), targets])

    def objective(*row: Value) -> Value:
        target = row[n_inputs] if one_number else list(row[n_inputs:])
        loss = loss_function(outputs_of(model, list(row[:n_inputs])), target)
        return loss + l2_penalty(penalized, l2) if l2 else loss

    try:
        tape = trace(
            objective, inputs_and_targets.shape[1], example=_trial_rows(inputs_and_targets)
        )
    except TypeError as error:  # a loss or module that refuses Value targets or inputs
        raise UntraceableError(f"cannot trace the objective: {error}") from error

    return CompiledObjective(tape, inputs_and_targets)
