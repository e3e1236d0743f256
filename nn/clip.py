"""Gradient clipping, as torch.nn.utils: scale all gradients down to a total norm, or clamp each one."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd import Value
from autograd.compile.storage import ParameterArrays

from .optim.flat import gather


def _parameters(params: Iterable[Value], caller: str) -> tuple[list[Value], ParameterArrays]:
    """The parameters as a list, and as arrays (in one step when they live in a tape's storage);
    anything but a Value is refused."""
    if hasattr(params, "parameters") and callable(params.parameters):
        raise TypeError(
            f"{caller} takes the parameters, not the {type(params).__name__} itself: "
            "pass model.parameters()"
        )
    try:
        listed: list[Value] = [params] if isinstance(params, Value) else [*params]
    except TypeError:
        raise TypeError(
            f"{caller} takes a list of parameters (model.parameters()), not {type(params).__name__}"
        ) from None
    arrays = ParameterArrays(listed)
    # Stored means every item is a parameter of one storage; else one C-level pass over the types.
    if arrays.stored() or all(issubclass(kind, Value) for kind in set(map(type, listed))):
        return listed, arrays
    position = next(i for i, p in enumerate(listed) if not isinstance(p, Value))
    raise TypeError(
        f"{caller}: parameter {position} is {type(listed[position]).__name__}, not a Value"
    )


def positive_number(name: str, value: object, caller: str) -> float:
    """``value`` as a float, or a ValueError naming ``caller`` and ``name`` unless it is a number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{caller}: {name} must be a number > 0, not {value!r}")
    return float(value)


def _two_norm(grads: np.ndarray) -> float:
    """sqrt(sum g^2), by the largest |g| when the squares overflow or underflow (torch gives
    inf when the norms of several tensors overflow together; a single tensor's it scales).

    Not np.linalg.norm: its BLAS dot runs on OpenBLAS's threads, beside MKL's
    (``autograd.compile.blas``)."""
    squares = float(np.sum(grads * grads))
    if 0.0 < squares < math.inf or not np.all(np.isfinite(grads)):
        return math.sqrt(squares)
    largest = float(np.max(np.abs(grads), initial=0.0))
    if largest == 0.0:
        return 0.0
    return largest * math.sqrt(float(np.sum(np.square(grads / largest))))


def clip_grad_norm(
    params: Iterable[Value],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale every ``.grad`` by min(1, max_norm / (total + 1e-6)), where total is the ``norm_type``-norm
    of all gradients together (``math.inf`` for the largest |g|); returns total, as torch does."""
    listed, arrays = _parameters(params, "clip_grad_norm")
    max_norm = positive_number("max_norm", max_norm, "clip_grad_norm")
    norm_type = positive_number("norm_type", norm_type, "clip_grad_norm")
    if not listed:
        return 0.0
    stored = arrays.stored()  # in a tape's storage: read and scale the gradients in one step
    try:
        grads = arrays.grads().astype(np.float64, copy=False) if stored else gather(listed)[1]
    except TypeError as error:
        raise TypeError(f"clip_grad_norm: {error}") from None
    with np.errstate(over="ignore", invalid="ignore"):
        if norm_type == 2.0:
            total = _two_norm(grads)
        else:
            total = float(np.linalg.norm(grads, ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise ValueError(
            f"clip_grad_norm: the total {norm_type:g}-norm of the gradients is {total}; "
            "pass error_if_nonfinite=False to clip anyway"
        )
    scale = max_norm / (total + 1e-6)
    if not scale >= 1.0:  # torch multiplies by min(scale, 1); a NaN norm makes every gradient NaN
        # One array step, the float64 product stored in the storage's dtype as the Python
        # floats' would be; a parameter listed twice is scaled twice, Value by Value, as torch does.
        if stored and not arrays.repeats:
            with np.errstate(invalid="ignore"):  # inf * 0 is NaN quietly, as in Python and torch
                arrays.set_grads(grads * scale)
        else:
            for p in listed:
                p.grad *= scale
    return total


def clip_grad_value(params: Iterable[Value], clip_value: float) -> None:
    """Clamp every ``.grad`` into [-clip_value, clip_value] (NaN stays NaN, as in torch)."""
    listed, arrays = _parameters(params, "clip_grad_value")
    limit = positive_number("clip_value", clip_value, "clip_grad_value")
    if arrays.stored():  # in a tape's storage: one array step (np.clip keeps NaN, as torch)
        arrays.set_grads(np.clip(arrays.grads().astype(np.float64), -limit, limit))
        return
    for p in listed:
        if p.grad > limit:
            p.grad = limit
        elif p.grad < -limit:
            p.grad = -limit
