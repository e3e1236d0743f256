"""The numpy array types the compiled replay passes around, named once."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

# S, V and their gradients: float64, or float32 when traced with dtype="float32".
Array: TypeAlias = npt.NDArray[np.floating[Any]]
# Positions in an array: parameter indices, slots of S, rows of V.
Positions: TypeAlias = npt.NDArray[np.intp]
# Rows that a kernel (or a parameter storage) reads or writes: a slice (a view) or an index array.
Rows: TypeAlias = slice | Positions
