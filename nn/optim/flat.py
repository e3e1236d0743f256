"""The one place optimizers touch Values: gather ``.data`` and ``.grad`` into float arrays, scatter new data back.

Every update rule works on a parameter group's flat arrays; only this file knows where a
parameter's numbers live. Usually that is a ``Value`` holding Python floats; while a compiled
tape runs, it is the tape's parameter arrays (``autograd.compile.storage``), and then gathering,
scattering and zeroing are each one numpy step instead of a Python loop over every parameter.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

from autograd import Value
from autograd.compile.storage import FloatArray as FloatArray  # the update rules' array type
from autograd.compile.storage import ParameterArrays


def gather(params: Sequence[Value]) -> tuple[FloatArray, FloatArray]:
    """Every parameter's ``.data`` and ``.grad``, as two (read-only) float64 arrays."""
    # Packing the floats into bytes takes about half the time of np.array or np.fromiter (measured).
    layout = f"{len(params)}d"
    try:
        data = np.frombuffer(struct.pack(layout, *[p.data for p in params]))
        grads = np.frombuffer(struct.pack(layout, *[p.grad for p in params]))
    except struct.error:
        raise _not_a_number(params) from None
    return data, grads


def _not_a_number(params: Sequence[Value]) -> TypeError:
    """The error for the first parameter whose ``.data`` or ``.grad`` is not a number."""
    for position, p in enumerate(params):
        for name in ("data", "grad"):
            number = getattr(p, name)
            try:
                struct.pack("d", number)  # a float, an int, or anything with __float__ (a Value)
            except struct.error:
                label = f" ({p.label!r})" if p.label else ""
                hint = (
                    ": give it a number (zero_grad() sets 0.0; a parameter without a gradient "
                    "is not skipped, as torch.optim skips it)"
                    if number is None
                    else ""
                )
                return TypeError(
                    f"parameter {position}{label} has .{name} = {type(number).__name__}, "
                    f"not a number{hint}"
                )
    return TypeError("a parameter's .data or .grad is not a number")


def scatter(params: Sequence[Value], data: FloatArray) -> None:
    """Set every parameter's ``.data`` from ``data`` (as Python floats, like the rest of the engine)."""
    for p, x in zip(params, data.tolist()):
        p.data = x


class GroupArrays:
    """One parameter group's numbers as flat arrays, from wherever they live now."""

    def __init__(self, params: Sequence[Value]) -> None:
        self.source = params  # the group's tuple these arrays were made from
        self.params = list(params)
        self._stored = ParameterArrays(self.params)

    def gather(self) -> tuple[FloatArray, FloatArray]:
        """``.data``, for an update to write the new numbers into, and ``.grad``, read-only
        (float32 when a tape keeps them so); ``scatter`` the updated data afterwards.

        When stored, data is a view of the storage where the parameters are consecutive in it
        (an update then writes them in place) and grads always is one: no copies, which at
        100,000 parameters cost as much as the update. So an update must copy what it keeps,
        as SGD's first momentum buffer does; read-only, a write into grads fails loudly.
        """
        if not self._stored.stored():
            data, grads = gather(self.params)
            return data.copy(), grads
        grads = self._stored.grads().view()
        grads.flags.writeable = False
        return self._stored.data(), grads

    def scatter(self, data: FloatArray) -> None:
        """Make ``data``, as ``gather`` gave it and an update wrote it, every parameter's ``.data``."""
        if not self._stored.stored():
            scatter(self.params, data)
        elif not self._stored.consecutive:  # data was a copy, not a view of the storage
            self._stored.set_data(data)

    def zero_grads(self) -> None:
        """Set every parameter's ``.grad`` to 0.0."""
        if self._stored.stored():
            self._stored.zero_grads()
        else:
            for p in self.params:
                p.grad = 0.0
