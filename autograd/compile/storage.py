"""Parameter storage: while a tape is in use, its parameters' numbers live in two numpy arrays.

A training step of a compiled tape is a few numpy calls; reading 100,000 parameters' ``.data``
into the tape, adding 100,000 gradients to ``.grad`` and updating them one by one in an
optimizer cost more than the matrix products themselves. So on its first call a tape moves its
parameters into a ``ParameterStorage``: ``data`` and ``grad`` arrays, one entry per parameter.
The tape then reads and writes the arrays, and an optimizer whose parameters all live in one
storage updates them in one vectorized step (``ParameterArrays``).

The parameters stay the same ``Value`` objects and always show the current numbers: while
stored, their class is a subclass of ``Value`` whose ``data`` and ``grad`` read and write the
arrays (a property), so user code that reads ``p.data`` or sets ``p.grad = 0.0`` between steps
sees and changes exactly what the tape uses. No sync can be forgotten. ``release()`` (called by
``Tape.release``, when the tape is garbage-collected, at the end of ``nn.train`` whether it
returns or raises, and when a Value gradient is assigned for a higher-order graph) writes the
numbers back into plain ``Value``s, which then run eager code at full speed again. Only
parameters pay the property's cost, and only while stored: ``Value`` itself is unchanged.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..value import Value
from . import blas
from .arrays import Rows

# float64 (the Values' own precision), or float32 for a tape traced with parameter_dtype="float32"
FloatArray = npt.NDArray[np.floating[Any]]

# Bumped whenever a storage is made or released, so that a ParameterArrays can keep its answer
# to "do my parameters live in one storage?" until something changes (an O(1) check per step).
_generation = 0


def _bump() -> None:
    global _generation
    _generation += 1


def _restored(data: float, grad: float, label: str) -> Value:
    """A plain Value with a stored parameter's numbers (what copy and pickle make of one)."""
    value = Value(data, label=label)
    value.grad = grad
    return value


class ParameterStorage:
    """``data[i]`` and ``grad[i]`` of ``params[i]`` in two arrays of one float dtype, while ``live``.

    ``buffers``: the two arrays to keep them in (a tape's own parameter rows, so that it reads
    and adds gradients in place), else new ones of ``dtype``. In float32 the numbers are
    rounded to float32 as they are stored and whenever they are set.

    Zeroing every gradient only marks them zero (``owe_zeros``): ``grad`` writes the zeros when
    it is next read, unless a tape's backward takes them over first (``take_owed_zeros``) and
    assigns its gradients instead of adding them, as PyTorch does after ``zero_grad``. At
    100,000 parameters and 32 rows that saves a pass over the gradients and one more inside
    the first layer's product: 15% of a step.
    """

    def __init__(
        self,
        params: Sequence[Value],
        buffers: tuple[FloatArray, FloatArray] | None = None,
        dtype: npt.DTypeLike = np.float64,
    ) -> None:
        self.params = list(params)
        self.index = {id(p): i for i, p in enumerate(self.params)}
        if buffers is None:
            buffers = np.empty(len(self.params), dtype), np.empty(len(self.params), dtype)
        self.data, self._grad = buffers
        self.data[:] = [p.data for p in self.params]
        # A .grad set to None holds nothing (as backward reads it, and PyTorch)
        self._grad[:] = [0.0 if p.grad is None else float(p.grad) for p in self.params]
        self._zeros_owed = False
        self.stored_class = _stored_class(self)
        for p in self.params:
            p.__class__ = self.stored_class
        self.live = True
        _bump()

    @property
    def grad(self) -> FloatArray:
        """The gradients, ``grad[i]`` of ``params[i]`` (zeroed now if that is owed)."""
        if self._zeros_owed:
            self._zeros_owed = False
            blas.zero(self._grad)
        return self._grad

    def owe_zeros(self) -> None:
        """Set every gradient to 0.0, by the time anything reads them (see the class)."""
        self._zeros_owed = True

    @property
    def zeros_owed(self) -> bool:
        """Whether every gradient is owed 0.0 and not yet written (see the class)."""
        return self._zeros_owed

    def take_owed_zeros(self) -> bool:
        """Whether every gradient is owed 0.0 and not yet written; if so, the caller now owes
        them: it must write every one (before anything else reads them) as if added to zeros."""
        owed, self._zeros_owed = self._zeros_owed, False
        return owed

    def release(self) -> None:
        """Write the numbers back into the parameters and make them plain ``Value``s again."""
        if not self.live:
            return
        self.live = False
        for p, data, grad in zip(self.params, self.data.tolist(), self.grad.tolist()):
            p.__class__ = Value
            p.data = data
            p.grad = grad
        _bump()

    def positions(self, params: Sequence[Value]) -> Rows:
        """Where ``params`` sit in the arrays: a slice when in order and consecutive (a view)."""
        listed = params if isinstance(params, list) else list(params)
        if len(listed) == len(self.params) and listed == self.params:
            return slice(0, len(params))  # the whole storage in order (list == compares identity)
        index = self.index
        found = np.fromiter((index[id(p)] for p in params), dtype=np.intp, count=len(params))
        if len(found) and np.array_equal(found, np.arange(found[0], found[0] + len(found))):
            return slice(int(found[0]), int(found[0]) + len(found))
        return found


def _stored_class(storage: ParameterStorage) -> type:
    """The class a parameter takes while in ``storage``: ``data`` and ``grad`` read the arrays."""
    index, data = storage.index, storage.data

    class StoredValue(Value):
        """A parameter whose numbers live in a tape's arrays (see ``autograd.compile.storage``)."""

        __slots__ = ()
        parameter_storage = storage

        @property
        def data(self) -> float:
            return data.item(index[id(self)])

        @data.setter
        def data(self, number: float) -> None:
            if not _accepted(number):
                storage.release()  # anything but a number: leave it to the plain Value
                self.data = number
                return
            data[index[id(self)]] = number

        @property
        def grad(self) -> float:
            return storage.grad.item(index[id(self)])

        @grad.setter
        def grad(self, number: float) -> None:
            if not _accepted(number):
                storage.release()  # a Value gradient (create_graph=True): plain Values again
                self.grad = number
                return
            storage.grad[index[id(self)]] = number

        def __reduce__(self) -> tuple[object, tuple[float, float, str]]:
            return _restored, (self.data, self.grad, self.label)

    return StoredValue


def storage_of(value: Value) -> ParameterStorage | None:
    """The live storage a Value's numbers are in, or None for a plain Value."""
    return getattr(type(value), "parameter_storage", None)


def store(
    params: Sequence[Value],
    buffers: tuple[FloatArray, FloatArray] | None = None,
    dtype: npt.DTypeLike = np.float64,
) -> tuple[ParameterStorage, Rows]:
    """The live storage of ``dtype`` holding all of ``params`` (made now, over ``buffers`` if
    given, when there is none) and their positions.

    A parameter belongs to one storage at a time: storages that hold only some of ``params``,
    or hold them in another dtype, are released first.
    """
    owners = {}
    plain = 0
    for p in params:
        owner = storage_of(p)
        if owner is None:
            plain += 1
        else:
            owners[id(owner)] = owner
    if not plain and len(owners) == 1:
        (owner,) = owners.values()
        if owner.data.dtype == dtype:
            return owner, owner.positions(params)
    for owner in owners.values():
        owner.release()
    return ParameterStorage(params, buffers, dtype), slice(0, len(params))


def _accepted(number: object) -> bool:
    """A number a stored parameter keeps in its array (anything else releases the storage)."""
    # Any real number (numpy's float32 and int64 too), not a bool and not a Value gradient.
    return isinstance(number, numbers.Real) and not isinstance(number, bool)


class ParameterArrays:
    """A fixed list of parameters seen as arrays, when they all live in one storage.

    What an optimizer (or ``nn.train``) uses to gather ``.data`` and ``.grad`` and to scatter
    new ``.data`` in one numpy step; ``stored()`` says whether that is possible now. The answer
    is kept until a storage is made or released, so asking costs O(1) per step.
    """

    def __init__(self, params: Sequence[Value]) -> None:
        self.params = list(params)
        self._seen = -1
        self._storage: ParameterStorage | None = None
        self._positions: Rows = slice(0, 0)
        self.repeats = False  # when stored: whether a parameter is listed more than once

    def stored(self) -> bool:
        """Whether every parameter lives in one live storage (so the array methods below work)."""
        if self._seen != _generation:
            self._seen = _generation
            self._storage = self._find()
        return self._storage is not None

    def _find(self) -> ParameterStorage | None:
        owner = storage_of(self.params[0]) if self.params else None
        if owner is None:
            return None
        # The storage's own list (== compares Values by identity), or every parameter of its
        # class: C-level passes (a Python loop over 26,000 parameters cost 5 ms a clip call).
        try:
            same_list = self.params == owner.params
        except (ValueError, TypeError):  # an item that is no Value (a number, an array): not stored
            same_list = False
        if not same_list and set(map(type, self.params)) != {owner.stored_class}:
            return None
        self._positions = owner.positions(self.params)
        positions = self._positions
        self.repeats = not isinstance(positions, slice) and len(np.unique(positions)) < len(
            positions
        )
        return owner

    @property
    def consecutive(self) -> bool:
        """Whether the parameters sit in order, one after another, in the storage, so that
        ``data()`` and ``grads()`` are views of it (when stored)."""
        return isinstance(self._positions, slice)

    def data(self) -> FloatArray:
        """The parameters' numbers (a view when they are consecutive in the storage)."""
        assert self._storage is not None, "ParameterArrays.data: call stored() first"
        return self._storage.data[self._positions]

    def grads(self) -> FloatArray:
        """The parameters' gradients (a view when they are consecutive in the storage, showing
        them until the next ``zero_grads``, which may only mark them zero)."""
        assert self._storage is not None, "ParameterArrays.grads: call stored() first"
        return self._storage.grad[self._positions]

    def set_data(self, numbers: npt.ArrayLike) -> None:
        """``p.data = numbers[i]`` for every parameter, in one numpy step."""
        assert self._storage is not None, "ParameterArrays.set_data: call stored() first"
        self._storage.data[self._positions] = numbers

    def set_grads(self, numbers: npt.ArrayLike) -> None:
        """``p.grad = numbers[i]`` for every parameter, in one numpy step."""
        assert self._storage is not None, "ParameterArrays.set_grads: call stored() first"
        self._storage.grad[self._positions] = numbers

    def zero_grads(self) -> None:
        """``p.grad = 0.0`` for every parameter, in one numpy step."""
        storage = self._storage
        assert storage is not None, "ParameterArrays.zero_grads: call stored() first"
        positions = self._positions
        if isinstance(positions, slice):
            if positions == slice(0, len(storage.params)):
                storage.owe_zeros()  # all of them: written when next read, or taken by a tape
            else:
                blas.zero(storage.grad[positions])
        else:
            storage.grad[self._positions] = 0.0
