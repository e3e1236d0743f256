"""The one place optimizers touch Values: gather ``.data`` and ``.grad`` into float64 arrays, scatter new data back.

Every update rule works on a parameter group's flat arrays; only these two functions know that
a parameter is a ``Value`` holding Python floats.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from autograd import Value

FloatArray = npt.NDArray[np.float64]


def gather(params: Sequence[Value]) -> tuple[FloatArray, FloatArray]:
    """Every parameter's ``.data`` and ``.grad``, as two (read-only) float64 arrays."""
    # Packing the floats into bytes takes about half the time of np.array or np.fromiter (measured).
    layout = f"{len(params)}d"
    data = np.frombuffer(struct.pack(layout, *[p.data for p in params]))
    grads = np.frombuffer(struct.pack(layout, *[p.grad for p in params]))
    return data, grads


def scatter(params: Sequence[Value], data: FloatArray) -> None:
    """Set every parameter's ``.data`` from ``data`` (as Python floats, like the rest of the engine)."""
    for p, x in zip(params, data.tolist()):
        p.data = x
