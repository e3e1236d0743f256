"""The training loop: full-batch, mini-batch or online gradient descent (notes 002).

``train(model, inputs, targets, loss=..., optimizer=..., epochs=..., batch_size=...)`` runs
forward, loss, backward and an optimizer step per batch, and returns the loss history (one
number per epoch: the mean of that epoch's batch objectives, L2 term included).

* ``batch_size=None``: full batch, one step per epoch on all samples.
* ``batch_size=1``: online (stochastic) gradient descent, one step per sample.
* ``batch_size=k``: mini-batches of k samples, reshuffled every epoch from ``seed``.

If the loss or a parameter's gradient becomes NaN or infinite (or the loss cannot be
computed because a number overflows), training stops before the step with
``NonFiniteLossError`` naming the epoch, the step and the likely cause (a non-finite sample,
or too large a step); pass ``allow_nonfinite=True`` to carry on regardless.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import numpy as np

from autograd import UntraceableError, Value, enable_grad, no_grad
from autograd.compile import blas
from autograd.compile.storage import ParameterArrays

from .batch import class_probabilities, network_outputs, runs_as_arrays
from .clip import clip_grad_norm, positive_number
from .compiled import CompiledObjective, compiled_objective, known_traceable, plain_nn_module
from .init import Seed, make_rng
from .losses import LOSSES, LossFunction, Target, get_loss, l2_penalty, mean_loss
from .module import MLP, Module, outputs_of
from .optim import SGD, Optimizer
from .progress import ProgressBar
from .schedules import LRScheduler


class NonFiniteLossError(ArithmeticError):
    """Training produced a NaN or infinite loss; ``epoch`` and ``step`` say where (both 1-based)."""

    def __init__(
        self, value: float, epoch: int, step: int, detail: str = "", quantity: str = "loss"
    ) -> None:
        self.value, self.epoch, self.step = value, epoch, step
        message = f"{quantity} became {value} at epoch {epoch}, step {step}"
        if detail:
            message += f" ({detail})"
        self.reason = message  # without the hint for train's callers (the CLI has no such option)
        super().__init__(message + "; pass allow_nonfinite=True to continue anyway")


def _plain_input(row: object) -> list[float]:
    return [float(x) for x in np.asarray(row, dtype=float).reshape(-1)]


Data = TypeVar("Data")


def _numpy_if_array_like(data: Data) -> Data | np.ndarray:
    """Another library's array (a PyTorch tensor, say) as a numpy array; anything else as it is."""
    if isinstance(data, (np.ndarray, list, tuple)) or not hasattr(data, "__array__"):
        return data
    return np.asarray(data)


def _plain_rows(inputs: Sequence[Sequence[float]] | np.ndarray) -> _Rows:
    """Input rows as train keeps them: a float matrix as it is (as lists of Python floats a big
    table takes about 5x the memory), anything else as lists of floats."""
    inputs = _numpy_if_array_like(inputs)
    if isinstance(inputs, np.ndarray) and inputs.ndim == 2 and inputs.dtype == np.float64:
        return inputs
    return [_plain_input(row) for row in inputs]


def _plain_target(target: object) -> Target:
    # numpy scalars and arrays become Python numbers and lists, so losses see one kind of thing.
    if isinstance(target, (str, bytes)):  # else taken as a sequence of its characters
        raise TypeError(
            f"train: a target should be a number or a sequence of numbers, not text ({str(target)!r}); "
            "give classes as indices 0, 1, ... (nn.TableModel takes class names as they are)"
        )
    target = _numpy_if_array_like(target)
    if isinstance(target, np.ndarray):
        plain: Target = target.tolist() if target.ndim else target.item()
        return plain
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        return int(target)
    if isinstance(target, numbers.Real):
        return float(target)
    if isinstance(target, Iterable):
        return list(target)
    raise TypeError(
        f"train: a target should be a number or a sequence of numbers, not {type(target).__name__}"
    )


# The input rows as train keeps them: lists of floats, or a float matrix (see ``train``).
_Rows = Sequence[Sequence[float]] | np.ndarray


def _nonfinite_data(xs: _Rows, ys: Sequence[Target], batch: Sequence[int]) -> str:
    """Why a step went non-finite: the first sample of the batch holding NaN or inf, else the step size."""
    for i in batch:
        if not all(map(math.isfinite, xs[i])):
            return f"sample {i} of the inputs holds a non-finite number: clean the data"
        if not np.all(np.isfinite(np.asarray(ys[i], dtype=float))):
            return f"the target of sample {i} is not finite: clean the data"
    return "the step is too large: lower the learning rate"


def _mean(values: list[float]) -> float:
    # fsum is exact but raises on inf - inf; NaN and inf only occur with allow_nonfinite=True.
    total = math.fsum(values) if all(map(math.isfinite, values)) else sum(values)
    return total / len(values) if values else math.nan


def _zero_model_grads(model: Module, arrays: ParameterArrays) -> None:
    """``model.zero_grad()``, in one numpy step while the parameters live in a tape's arrays."""
    if arrays.stored() and type(model).zero_grad is Module.zero_grad:
        arrays.zero_grads()
    else:
        model.zero_grad()


def _first_nonfinite_grad(arrays: ParameterArrays) -> Value | None:
    """The first parameter whose ``.grad`` is NaN or infinite, or None."""
    if not arrays.stored():
        return next((p for p in arrays.params if not math.isfinite(p.grad)), None)
    grads = arrays.grads()
    if blas.all_finite(grads):
        return None
    return arrays.params[int(np.argmin(np.isfinite(grads)))]


ENGINES = ("auto", "compiled", "eager")


class History(list[float]):
    """The loss history (one float per epoch), and ``engine``: "compiled" or "eager", the one that
    ran. With a validation set: ``validation``, its mean loss after each epoch, ``best_epoch``
    (counted from 1, as the progress bar counts), the epoch where that was lowest, and
    ``best_validation``, that loss (None without validation, or when no validation loss was
    finite). Epoch k's numbers are ``history[k - 1]`` and
    ``history.validation[k - 1]``: the lists start at 0."""

    def __init__(self, engine: str) -> None:
        super().__init__()
        self.engine = engine
        self.validation: list[float] = []
        self.best_epoch: int | None = None

    @property
    def best_validation(self) -> float | None:
        """The lowest validation loss, ``validation[best_epoch - 1]`` (None where ``best_epoch`` is)."""
        return None if self.best_epoch is None else self.validation[self.best_epoch - 1]


def _validation_loss(
    model: Module, loss_function: LossFunction, xs: _Rows, ys: list[Target]
) -> float:
    """The mean loss over the validation rows (no L2 term), without building the model's graph."""
    outputs = predict(model, xs)  # nn's MLP as arrays, other modules row by row
    with no_grad():  # the loss gets Values, as in training (a custom loss may call their methods)
        predictions = [
            [Value(o) for o in out] if isinstance(out, list) else Value(out) for out in outputs
        ]
        return mean_loss(loss_function, predictions, ys).data


def _eager_objective(
    model: Module,
    loss_function: LossFunction,
    xs: _Rows,
    ys: list[Target],
    penalized: list[Value],
    l2: float,
) -> Callable[[Sequence[int]], float]:
    """The batch objective as a graph of Values, one per sample: backward fills the gradients.
    The graph is recorded even when ``train`` is called inside ``no_grad``, as a trace is."""

    def batch_gradients(batch: Sequence[int]) -> float:
        with enable_grad():
            outputs = [outputs_of(model, xs[i]) for i in batch]
            objective = mean_loss(loss_function, outputs, [ys[i] for i in batch])
            if l2:
                objective = objective + l2_penalty(penalized, l2)
        objective.backward()
        return objective.data

    return batch_gradients


def _objective(
    engine: str,
    model: Module,
    loss_function: LossFunction,
    xs: _Rows,
    ys: list[Target],
    penalized: list[Value],
    l2: float,
) -> tuple[str, Callable[[Sequence[int]], float]]:
    """The engine that will run, and its batch function (see ``nn.compiled`` for when "auto" compiles)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, not {engine!r}")
    if engine == "compiled" or (engine == "auto" and known_traceable(model, loss_function)):
        try:
            # compiled_objective reads xs by len, index and np.asarray, so the float matrix that
            # train keeps works; only its annotation (list[list[float]], nn/compiled.py) is narrower.
            objective = compiled_objective(model, loss_function, xs, ys, penalized, l2)  # type: ignore[arg-type]
            return "compiled", objective
        except (UntraceableError, NotImplementedError) as error:
            if engine == "compiled":
                raise UntraceableError(
                    f'train: cannot compile this model and loss ({error}); use engine="eager"'
                ) from error
        except ArithmeticError:
            pass  # the trial trace overflowed on the data: the eager run reports the step (or goes on)
    return "eager", _eager_objective(model, loss_function, xs, ys, penalized, l2)


# Sample passes (rows x epochs) from which an eager run of a custom loss takes long enough
# (about 100 us a sample for a small MLP) that a hint to compile is worth a warning.
EAGER_HINT_SAMPLES = 100_000


def _say_compiling_may_help(model: Module, loss_function: LossFunction, samples: int) -> None:
    """Warn once that "auto" ran a custom loss eagerly, where compiling it may be much faster:
    "auto" compiles only the built-in losses, since a custom one may branch on the data where
    two trial rows do not show it."""
    if samples >= EAGER_HINT_SAMPLES and plain_nn_module(model):
        if loss_function not in LOSSES.values():
            warnings.warn(
                "train: engine='auto' runs a custom loss eagerly, one graph of Values per "
                "sample; if it does not branch on the data (if, max, int() of a Value), "
                "engine='compiled' runs it on whole batches, often 100x faster",
                stacklevel=3,
            )


# The learning rate of the SGD that train makes when it is given no optimizer.
DEFAULT_LR = 0.01


def _check_optimizer(optimizer: Optimizer, parameters: list[Value], lr: float | None) -> None:
    """Refuse an optimizer that cannot be what the user meant: one that updates none of the
    model's parameters (made for a model since replaced, say, so that training would change
    nothing), or one given beside ``lr``, which only the SGD made by train would use."""
    if lr is not None:
        raise ValueError(
            f"train: lr={lr!r} is given beside an optimizer, which has its own lr "
            f"({_optimizer_lr(optimizer)}); set that one (optimizer.lr = {lr!r}) or leave out "
            "the optimizer"
        )
    held = {id(p) for p in parameters}
    if parameters and not any(id(p) in held for p in optimizer.params):
        raise ValueError(
            "train: the optimizer updates none of this model's parameters, so training would "
            "change nothing; was it made for another model (one made again since)? Make it "
            "from this model: SGD(model.parameters(), lr=...)"
        )


def _optimizer_lr(optimizer: Optimizer) -> str:
    rates = sorted({group["lr"] for group in optimizer.param_groups})
    return ", ".join(map(repr, rates))


def train(
    model: Module,
    inputs: Sequence[Sequence[float]] | np.ndarray,
    targets: Sequence[Target] | np.ndarray,
    *,
    loss: str | LossFunction = "mse",
    optimizer: Optimizer | None = None,
    lr: float | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    l2_biases: bool = False,
    seed: Seed = None,
    lr_schedule: Callable[[int], float] | LRScheduler | None = None,
    progress: bool | None = None,
    allow_nonfinite: bool = False,
    engine: str = "auto",
    epoch_end: Callable[[int, float], bool] | None = None,
    validation: tuple[Sequence[Sequence[float]] | np.ndarray, Sequence[Target] | np.ndarray]
    | None = None,
    patience: int | None = None,
    max_grad_norm: float | None = None,
) -> History:
    """Train ``model`` in place and return the loss history, one float per epoch.

    ``loss`` is a name from ``nn.losses.LOSSES`` or a function ``(prediction, target) -> Value``.
    Without ``optimizer``, plain ``SGD(model.parameters(), lr)`` is used (lr 0.01 unless
    given; an optimizer given brings its own lr, and ``lr`` beside it is refused). ``l2`` adds
    ``l2 * sum(w^2)`` over ``model.weights()``, biases left out as the notes do, or over every
    parameter with ``l2_biases=True`` (as micrograd's demo does). ``lr_schedule(epoch)`` (epoch
    counted from 0) sets the learning rate before each epoch; an ``nn.schedules`` schedule of
    this optimizer is stepped after each epoch instead. ``progress``: True/False, or None
    for a tqdm bar in a terminal or a notebook (not in pipes or CI), once a run lasts ~1 s. ``engine``: "eager" builds a graph of Values per
    sample; "compiled" traces the objective once and runs each batch with numpy (``nn.compiled``:
    same gradients to rounding, much faster); "auto" compiles nn's own modules with the losses
    of ``nn.compiled.TRACEABLE_LOSSES`` and runs everything else eagerly. With "compiled", a
    custom loss or module that branches on the data is caught only if two trial rows take
    different branches (see ``autograd.trace``). If the trial trace overflows, training runs
    eagerly, which reports the step. The returned history's ``.engine`` says which ran.
    ``validation=(inputs, targets)``: after each epoch the mean loss over these rows (without
    the L2 term) is added to ``history.validation``. With ``patience=k`` as well, training stops
    once that loss has not reached a new low for k epochs, and the weights of its lowest epoch
    (``history.best_epoch``) are put back, also when every epoch ran.
    ``epoch_end(epoch, loss)`` (epoch counted from 1) is called after each epoch, after the
    validation loss; returning True stops training there. ``max_grad_norm``: before each step
    the gradients are scaled down to this total 2-norm (``nn.clip_grad_norm`` of the model's
    parameters), as a PyTorch loop calls ``clip_grad_norm_`` between backward and step.
    """
    xs, ys = _plain_rows(inputs), [_plain_target(t) for t in _numpy_if_array_like(targets)]
    if len(xs) != len(ys):
        raise ValueError(f"train: {len(xs)} inputs but {len(ys)} targets")
    if len(xs) == 0:
        raise ValueError("train: no samples")
    valid_xs, valid_ys = _validation_rows(validation, patience, len(xs[0]))
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, not {epochs!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ValueError(
            f"batch_size must be a positive int or None (full batch), not {batch_size!r}"
        )
    loss_function = get_loss(loss) if isinstance(loss, str) else loss
    parameters = model.parameters()
    if optimizer is None:
        optimizer = SGD(parameters, lr=DEFAULT_LR if lr is None else lr)
    else:
        _check_optimizer(optimizer, parameters, lr)
    if max_grad_norm is not None:  # checked before training, as clip_grad_norm would at step 1
        positive_number("max_grad_norm", max_grad_norm, "train")
    if not isinstance(l2_biases, bool):
        raise TypeError(f"l2_biases must be True or False, not {l2_biases!r}")
    penalized = (parameters if l2_biases else model.weights()) if l2 else []
    if isinstance(lr_schedule, LRScheduler) and lr_schedule.optimizer is not optimizer:
        raise ValueError("train: lr_schedule belongs to another optimizer than the one training")
    rng = make_rng(seed)
    size = len(xs) if batch_size is None else min(batch_size, len(xs))
    # A range while it is not shuffled: its slices are ranges, which a compiled objective reads
    # as a view of its data (no gather of the whole data set every full-batch step).
    order: Sequence[int] = range(len(xs)) if size == len(xs) else list(range(len(xs)))
    chosen = engine
    engine, batch_gradients = _objective(engine, model, loss_function, xs, ys, penalized, l2)
    if chosen == "auto" and engine == "eager":
        _say_compiling_may_help(model, loss_function, len(xs) * epochs)
    history = History(engine)
    step = 0

    best_loss, best_weights = math.inf, []  # the lowest validation loss, and those weights
    arrays = ParameterArrays(parameters)
    # optimizer.zero_grad() clears the model's gradients too when it holds every parameter
    # (and the model adds nothing of its own to zero_grad): then one pass per step, not two.
    zero_model_too = type(model).zero_grad is not Module.zero_grad or not {
        id(p) for p in optimizer.params
    }.issuperset(map(id, parameters))
    # A compiled run keeps the parameters in the tape's arrays (Values read them there); when
    # train returns or raises (KeyboardInterrupt included) they become plain Values again.
    try:
        with ProgressBar(epochs, description="epoch", enabled=progress) as bar:
            for epoch in range(epochs):
                if lr_schedule is not None and not isinstance(lr_schedule, LRScheduler):
                    optimizer.lr = lr_schedule(epoch)
                if isinstance(order, list):
                    rng.shuffle(order)
                batch_objectives = []
                for start in range(0, len(xs), size):
                    step += 1
                    batch = order[start : start + size]
                    if zero_model_too:
                        _zero_model_grads(model, arrays)
                    optimizer.zero_grad()
                    try:
                        value = batch_gradients(batch)
                    except OverflowError as error:
                        # A number left float range while computing the loss or its gradient: the loss is +inf.
                        if not allow_nonfinite:
                            detail = f"{error}; {_nonfinite_data(xs, ys, batch)}"
                            raise NonFiniteLossError(math.inf, epoch + 1, step, detail) from error
                        batch_objectives.append(math.inf)
                        continue
                    if not math.isfinite(value) and not allow_nonfinite:
                        raise NonFiniteLossError(
                            value, epoch + 1, step, _nonfinite_data(xs, ys, batch)
                        )
                    batch_objectives.append(value)
                    if not allow_nonfinite:
                        # A finite loss can still have a NaN slope (tanh at inf): never step into a NaN model.
                        bad = _first_nonfinite_grad(arrays)
                        if bad is not None:
                            detail = f"d loss / d {bad.label or 'a parameter'}; {_nonfinite_data(xs, ys, batch)}"
                            raise NonFiniteLossError(
                                float(bad.grad), epoch + 1, step, detail, quantity="gradient"
                            )
                    if max_grad_norm is not None:
                        clip_grad_norm(parameters, max_grad_norm)
                    optimizer.step()
                if isinstance(lr_schedule, LRScheduler):
                    lr_schedule.step()
                history.append(_mean(batch_objectives))
                postfix = f"loss={history[-1]:.4g}"
                stop = False
                if valid_xs is not None:
                    valid_loss = _validation_loss(model, loss_function, valid_xs, valid_ys)
                    history.validation.append(valid_loss)
                    postfix += f", validation={valid_loss:.4g}"
                    if valid_loss < best_loss:  # never for NaN
                        best_loss, history.best_epoch = valid_loss, epoch + 1
                        best_weights = [p.data for p in parameters]
                    since_best = epoch + 1 - (history.best_epoch or 0)
                    stop = patience is not None and since_best >= patience
                bar.update(1, postfix=postfix)
                if epoch_end is not None and epoch_end(epoch + 1, history[-1]):
                    break
                if stop:
                    break
    finally:
        if isinstance(batch_gradients, CompiledObjective):
            batch_gradients.release()
    if patience is not None and history.best_epoch is not None:
        for p, value in zip(parameters, best_weights):
            p.data = value
    return history


def _validation_rows(
    validation: tuple[Sequence[Sequence[float]] | np.ndarray, Sequence[Target] | np.ndarray] | None,
    patience: int | None,
    width: int,
) -> tuple[_Rows | None, list[Target]]:
    """train's validation rows as it keeps its training rows (``width`` numbers each), after
    checking them and patience before any epoch changes the model."""
    if patience is not None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"train: patience must be an int >= 1, not {patience!r}")
        if validation is None:
            raise ValueError("train: patience needs validation=(inputs, targets) to watch")
    if validation is None:
        return None, []
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise TypeError("train: validation must be a pair (inputs, targets)")
    inputs, targets = validation
    xs, ys = _plain_rows(inputs), [_plain_target(t) for t in _numpy_if_array_like(targets)]
    if len(xs) != len(ys) or not ys:
        raise ValueError(f"train: validation has {len(xs)} inputs and {len(ys)} targets")
    for k, row in enumerate(xs):
        if len(row) != width:
            raise ValueError(
                f"train: validation row {k} has {len(row)} numbers, the training rows {width}"
            )
    return xs, ys


def _as_batch(model: MLP, inputs: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray | None:
    """``inputs`` as a (rows, nin) float array, or None for inputs of another shape (whose
    errors the row-by-row path gives)."""
    try:
        batch = np.asarray(inputs, dtype=float)
    except (TypeError, ValueError):
        return None
    return batch if batch.ndim == 2 and batch.shape[1] == model.nin and len(batch) else None


def _refuse_a_single_row(model: Module, inputs: object, what: str) -> None:
    """A flat list of a model's nin > 1 numbers is one row, not a batch: say how to pass it
    (read as rows of one number each, it failed with "takes 4 inputs, got 1")."""
    nin = getattr(model, "nin", 1)
    if nin > 1 and isinstance(inputs, (Sequence, np.ndarray)) and not isinstance(inputs, str):
        if len(inputs) and all(isinstance(x, numbers.Real) for x in inputs):
            raise ValueError(
                f"{what}: takes a batch of rows, and this is one row of {len(inputs)} numbers; "
                f"pass [row] (or a 2-D array of shape (rows, {nin}))"
            )


def predict(
    model: Module, inputs: Sequence[Sequence[float]] | np.ndarray
) -> list[float | list[float]]:
    """The model's outputs as plain floats (a float per sample, or a list for several outputs).

    nn's own MLP runs on the whole batch as arrays (``nn.batch``: one matrix product per
    layer, equal to the scalar engine's numbers to rounding); other modules row by row."""
    _refuse_a_single_row(model, inputs, "predict")
    if runs_as_arrays(model) and (batch := _as_batch(model, inputs)) is not None:
        array = network_outputs(model, batch)
        values: list[float | list[float]] = (
            array[:, 0].tolist() if array.shape[1] == 1 else array.tolist()
        )
        return values
    outputs = []
    with no_grad():
        for row in inputs:
            out = outputs_of(model, _plain_input(row))
            outputs.append([v.data for v in out] if isinstance(out, list) else out.data)
    return outputs


def predict_proba(
    model: Module, inputs: Sequence[Sequence[float]] | np.ndarray
) -> list[list[float]]:
    """Class probabilities from a network's logits: softmax over several outputs, or
    ``[1 - p, p]`` with ``p = sigmoid(output)`` for one output (a binary classifier).
    nn's own MLP runs on the whole batch as arrays, as in ``predict``."""
    from .losses import softmax

    _refuse_a_single_row(model, inputs, "predict_proba")
    if runs_as_arrays(model) and (batch := _as_batch(model, inputs)) is not None:
        logits = network_outputs(model, batch)
        table: list[list[float]] = class_probabilities(logits).tolist()
        return table
    rows = []
    with no_grad():
        for row in inputs:
            out = outputs_of(model, _plain_input(row))
            if isinstance(out, list):
                rows.append([p.data for p in softmax(out)])
            else:
                p = out.sigmoid().data
                rows.append([1.0 - p, p])
    return rows
