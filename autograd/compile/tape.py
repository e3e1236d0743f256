"""A traced graph compiled into a short program of numpy calls over the batch.

``autograd.trace`` records one call of a per-sample function as an ordinary graph of
``Value``s; ``compiler.compile_tape`` turns that graph into a ``Tape``:

1. lower, merge, split (``ir``): elementwise ops and linear combinations, with
   single-use linear chains merged and the parts that do not depend on the inputs
   ("static": parameters, constants, an L2 term) set apart, computed once per call;
2. group: nodes of the same kind at the same depth run together (``kernels``): one
   numpy call for an elementwise op over stacked rows, one matrix product for linear
   combinations that read the same inputs (a layer);
3. lay out: static values in a column S (a layer's parameters row by row, so its matrix
   is a view), batch values in a matrix V (one column per sample, a row of ones after a
   layer's inputs so its bias rides in the product).

A call fills S with the parameters' current numbers (so a tape stays valid across
optimizer steps) and V with the inputs, then runs the kernels forward, and backward in
reverse. The parameters' numbers live in numpy arrays from the first call on
(``storage.ParameterStorage``): reading them and adding the gradients are one numpy step each,
and the Values keep showing the current numbers; ``Tape.release`` turns them back into plain
Values (as does dropping the tape).
"""

from __future__ import annotations

import numbers
import weakref
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from ..value import Value
from . import blas, parts
from .arrays import Array, Rows
from .kernels import (
    Cache,
    Kernel,
    Linear,
    multiply_in_place,
    plan_gradient_writes,
    plan_sole_weight_writers,
)
from .storage import ParameterStorage, store

# V and dV arrays kept between calls: a batch size's parts, for the most recent sizes
MAX_BUFFERS = 8


class Tape:
    """A compiled per-sample function: ``forward(X)`` and ``backward(X, reduce)`` over a batch.

    Made by ``autograd.trace`` (see its docstring). Buffers are kept between calls (for the
    most recent batch sizes, a set per part), so a Tape is not for use from two threads at
    once. A large batch runs in parts, one thread per core, when MKL multiplies (``parts``).
    """

    def __init__(
        self,
        input_segments: list[tuple[slice, slice]],
        params: list[Value],
        static_values: Array,
        param_slots: slice,
        n_rows: int,
        ones_rows: list[int],
        kernels: list[Kernel],
        output: tuple[bool, int],
        n_nodes: int,
        parameter_dtype: npt.DTypeLike = np.float64,
    ) -> None:
        self.n_inputs = input_segments[-1][1].stop
        # (rows of V, columns of X): the inputs, a ones row after each run a layer reads
        self._input_segments = input_segments
        # Runs read only by layers that multiply X's columns themselves: not copied into V.
        self._direct_columns = [k.direct for k in kernels if isinstance(k, Linear) and k.direct]
        self._ones_rows = ones_rows  # rows of V that hold 1.0 (folded biases); inputs come first
        self.params = params
        # S: constants, then parameters, then static results; a column (slots, 1) so that it
        # broadcasts against V's rows, over a flat array (filling the parameters is one copy)
        self.dtype = static_values.dtype  # float64, or float32 when traced with dtype="float32"
        # What the parameters' numbers are kept in while the tape is in use (see trace)
        self.parameter_dtype = np.dtype(parameter_dtype)
        self._S_flat = static_values[:, 0]
        self._S = static_values
        self._dS = np.zeros_like(static_values)
        self._param_slots = param_slots
        # The parameters' rows of S and dS: the storage's arrays themselves when the parameters
        # are kept in the tape's dtype (no copy in, gradients added in place), else filled from
        # and added to the storage.
        self._param_data = self._S_flat[param_slots]
        self._param_grad = self._dS[param_slots, 0]
        self._n_rows = n_rows
        self._kernels = kernels
        self._backward_order = kernels[::-1]
        self._output_static, self._output_slot = output
        self._zero_rows = plan_gradient_writes(
            kernels, n_rows, None if self._output_static else self._output_slot
        )
        multiply_in_place(kernels)
        # The parameters' rows of dS no layer alone writes (zeroed when zeros are owed)
        covered = plan_sole_weight_writers(
            kernels, len(static_values), self._output_slot if self._output_static else None
        )
        self._shared_param_rows = np.flatnonzero(~covered[param_slots])
        # The static kernels run once per call, the batch kernels over every part of a batch
        self._static_kernels = [kernel for kernel in kernels if kernel.static]
        self._batch_kernels = [kernel for kernel in kernels if not kernel.static]
        # The batch values a sample fills (a layer that reads X itself leaves its rows empty)
        direct_rows = sum(columns.stop - columns.start for columns in self._direct_columns)
        self._bytes_per_sample = (n_rows - direct_rows) * self.dtype.itemsize
        # V and dV per (part, rows in it), for the most recent batch sizes
        self._buffers: dict[tuple[int, int], tuple[Array, Array]] = {}
        self._part_dS: list[Array] = []  # the gradients of static values from parts 2, 3, ...
        self.n_traced_nodes = n_nodes
        self._storage: ParameterStorage | None = None
        self._finalizer: weakref.finalize[[], Tape] | None = None
        self._positions: Rows = slice(0, 0)

    def __repr__(self) -> str:
        return (
            f"Tape({self.n_inputs} inputs, {len(self.params)} parameters, {self.n_traced_nodes} traced nodes "
            f"-> {len(self._kernels)} kernels)"
        )

    @property
    def n_kernels(self) -> int:
        """How many grouped numpy steps one forward pass runs."""
        return len(self._kernels)

    def _stored(self) -> ParameterStorage:
        """The storage holding the parameters' numbers (moving them there on first use)."""
        storage = self._storage
        if storage is None or not storage.live:
            own_rows = self.dtype == self.parameter_dtype
            buffers = (self._param_data, self._param_grad) if own_rows else None
            storage, self._positions = store(self.params, buffers, self.parameter_dtype)
            if storage is not self._storage:
                # A dropped tape gives plain Values back; one finalizer at a time, so a tape
                # released and used again does not keep its old storages alive.
                if self._finalizer is not None:
                    self._finalizer.detach()
                self._finalizer = weakref.finalize(self, storage.release)
            self._storage = storage
        return storage

    def release(self) -> None:
        """Give the parameters back as plain ``Value``s holding the current numbers.

        Not needed for correctness (a stored parameter's ``.data`` is always current), only for
        speed: eager code reads plain Values faster. The next call of the tape stores them again.
        """
        if self._storage is not None:
            self._storage.release()

    def _inputs(self, X: npt.ArrayLike) -> Array:
        if isinstance(X, np.ma.MaskedArray) and np.ma.is_masked(X):  # asarray reads under the mask
            raise ValueError("tape: X has masked entries; fill them first (X.filled(value))")
        given = np.asarray(X)
        # numpy would also read text ("1.5", "nan"), dates, None (as NaN), a Value (dropping its
        # graph) or a complex number (dropping its imaginary part, with a warning only)
        if given.dtype.kind not in "biufO" or (
            given.dtype.kind == "O" and not all(map(_is_real_number, given.flat))
        ):
            bad = (
                given.dtype
                if given.dtype.kind != "O"
                else next(type(x).__name__ for x in given.flat if not _is_real_number(x))
            )
            raise TypeError(f"tape: X must hold real numbers, not {bad}")
        X = np.asarray(given, dtype=self.dtype)
        if X.ndim == 1 and self.n_inputs == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"tape: X must have shape (batch, {self.n_inputs}), not {X.shape}")
        if X.shape[0] == 0:
            raise ValueError("tape: empty batch")
        return X

    def _buffers_for(self, part: int, rows: int) -> tuple[Array, Array]:
        """V and dV of one part of a batch of ``rows`` samples, kept for the next call."""
        key = (part, rows)
        if key not in self._buffers:
            if len(self._buffers) >= MAX_BUFFERS:
                self._buffers.pop(next(iter(self._buffers)))
            V = np.empty((self._n_rows, rows), dtype=self.dtype)
            V[self._ones_rows] = 1.0
            self._buffers[key] = (V, np.empty_like(V))
        return self._buffers[key]

    def _read_parameters(self) -> ParameterStorage:
        storage = self._stored()
        if storage.data is not self._param_data:  # read at call time
            self._param_data[:] = storage.data[self._positions]
        return storage

    def _parts(self, batch: int) -> list[slice]:
        """The batch's rows cut into parts run at the same time (``parts``), or one part."""
        if self._output_static:
            return [slice(0, batch)]
        return parts.split(batch, self._bytes_per_sample)

    def _start_parts(
        self, X: Array, pieces: list[slice]
    ) -> tuple[list[tuple[Array, Array]], list[Cache]]:
        """Each part's V and dV (made here, before any part thread runs), and the static kernels
        run once forward (their caches)."""
        buffers = [self._buffers_for(k, part.stop - part.start) for k, part in enumerate(pieces)]
        static_caches = [
            kernel.forward(self._S, buffers[0][0], X) for kernel in self._static_kernels
        ]
        return buffers, static_caches

    def _forward_part(self, X: Array, V: Array, kernels: list[Kernel]) -> list[Cache]:
        for rows, columns in self._input_segments:
            if columns not in self._direct_columns:
                V[rows] = X[:, columns].T
        return [kernel.forward(self._S, V, X) for kernel in kernels]

    def _outputs(self, V: Array, batch: int) -> Array:
        if self._output_static:
            return np.full(batch, self._S[self._output_slot, 0])
        return V[self._output_slot, :]

    def forward(self, X: npt.ArrayLike) -> Array:
        """fn's output for every row of X (shape (batch, n_inputs)); shape (batch,)."""
        X = self._inputs(X)
        batch = X.shape[0]
        self._read_parameters()
        pieces = self._parts(batch)
        if len(pieces) == 1:
            V, _ = self._buffers_for(0, batch)
            self._forward_part(X, V, self._kernels)
            return self._outputs(V, batch).copy()
        buffers, _ = self._start_parts(X, pieces)
        outputs = np.empty(batch, dtype=self.dtype)

        def forward_part(k: int, part: slice) -> None:
            V = buffers[k][0]
            self._forward_part(X[part], V, self._batch_kernels)
            outputs[part] = V[self._output_slot, :]

        parts.run(forward_part, pieces)
        return outputs

    def backward(self, X: npt.ArrayLike, reduce: str = "mean") -> float:
        """Add d(mean or sum of fn over the rows of X)/dp to ``p.grad`` of every parameter; return that mean or sum.

        The gradients are added as the kernels run, so one that raises midway (numpy errors set
        to raise) leaves the contributions made so far, as the eager backward does.

        After an optimizer's ``zero_grad`` the zeros are only owed (see ``storage``): this
        backward then writes them, or, over a batch in one part, lets each layer that alone
        writes its weights' gradients assign them, as PyTorch does after its ``zero_grad``. If
        it raises, those layers' gradients are left at 0.0 (or still owed), never at the
        numbers from before ``zero_grad``.
        """
        if reduce not in ("mean", "sum"):
            raise ValueError(f'tape.backward: reduce must be "mean" or "sum", not {reduce!r}')
        X = self._inputs(X)
        batch = X.shape[0]
        seed = 1.0 / batch if reduce == "mean" else 1.0
        storage = self._read_parameters()
        dS = self._dS
        # Kernels add into the parameters' .grad (the storage is the tape's own rows)
        in_place = storage.data is self._param_data
        pieces = self._parts(batch)
        zeroed = False  # the parameters' gradients owed zeros, to be assigned by their layers
        if in_place:  # every other row of dS
            dS[: self._param_slots.start] = 0.0
            dS[self._param_slots.stop :] = 0.0
            if storage.zeros_owed:  # taken only once written, or inside the next try
                zeroed = len(pieces) == 1
                if not zeroed:
                    blas.zero(self._param_grad)
                    storage.take_owed_zeros()
        else:
            dS.fill(0.0)
        if len(pieces) == 1:
            total = self._backward_whole(X, seed, reduce, storage if zeroed else None)
        else:  # the outputs gathered whole, so the total is summed as in one piece
            outputs = self._backward_in_parts(X, pieces, seed)
            total = float(outputs.mean() if reduce == "mean" else outputs.sum())
        if in_place and not storage.live:
            # Released midway (the garbage collector ran the finalizer of another tape holding
            # it): the Values got the gradients of the kernels run so far, the rows hold all.
            gradients = self._param_grad.copy()
            self._stored().grad[self._positions] = gradients
        elif not in_place:
            self._stored().grad[self._positions] += self._param_grad
        return total

    def _backward_whole(
        self, X: Array, seed: float, reduce: str, owing: ParameterStorage | None
    ) -> float:
        """Every kernel forward then backward over the whole batch; returns the outputs' mean or sum.

        ``owing``: the storage whose owed zeros this pass takes; the layers that alone write
        their weights' gradients then assign them, and if anything raises first, the ones that
        have not are given their zeros.
        """
        batch = X.shape[0]
        S, dS = self._S, self._dS
        backward_order = self._backward_order
        zeroed = owing is not None
        finished = 0  # kernels of backward_order whose backward has run
        try:
            if owing is not None:
                self._param_grad[self._shared_param_rows] = 0.0
                owing.take_owed_zeros()
            V, dV = self._buffers_for(0, batch)
            caches = self._forward_part(X, V, self._kernels)
            outputs = self._outputs(V, batch)
            total = float(outputs.mean() if reduce == "mean" else outputs.sum())
            dV[self._zero_rows] = 0.0
            if self._output_static:
                dS[self._output_slot] += seed * batch  # added: the output may be a parameter
            else:
                dV[self._output_slot] = seed
            for kernel, cache in zip(backward_order, reversed(caches)):
                if zeroed and isinstance(kernel, Linear) and kernel.sole_weights_writer:
                    kernel.backward(cache, S, V, dS, dV, weights_zeroed=True)
                elif kernel.needs_grad:
                    kernel.backward(cache, S, V, dS, dV)
                finished += 1
        except BaseException:
            if zeroed:  # the zeros still owed (a layer that raised midway may have assigned part)
                for kernel in backward_order[finished:]:
                    if isinstance(kernel, Linear) and kernel.sole_weights_writer:
                        dS[kernel.block] = 0.0
            raise
        return total

    def _backward_in_parts(self, X: Array, pieces: list[slice], seed: float) -> Array:
        """The batch kernels over each part at the same time (``parts``), each adding its
        gradients of static values into its own dS, summed into the tape's at the end; the
        static kernels once, before and after. Returns the outputs."""
        S, dS = self._S, self._dS
        buffers, static_caches = self._start_parts(X, pieces)
        while len(self._part_dS) < len(pieces) - 1:
            self._part_dS.append(np.empty_like(dS))
        part_dS = [dS, *self._part_dS[: len(pieces) - 1]]
        for own in part_dS[1:]:
            own.fill(0.0)

        outputs = np.empty(X.shape[0], dtype=self.dtype)

        def backward_part(k: int, part: slice) -> None:
            V, dV = buffers[k]
            caches = self._forward_part(X[part], V, self._batch_kernels)
            outputs[part] = V[self._output_slot]
            dV[self._zero_rows] = 0.0
            dV[self._output_slot] = seed
            for kernel, cache in zip(reversed(self._batch_kernels), reversed(caches)):
                if kernel.needs_grad:
                    kernel.backward(cache, S, V, part_dS[k], dV)

        try:
            parts.run(backward_part, pieces)
        finally:  # what every part added, even when one raised
            for own in part_dS[1:]:
                dS += own
        V, dV = buffers[0]
        for kernel, cache in zip(reversed(self._static_kernels), reversed(static_caches)):
            if kernel.needs_grad:
                kernel.backward(cache, S, V, dS, dV)
        return outputs


def _is_real_number(x: object) -> bool:
    """A real number of any Python or numpy type (Fraction, Decimal, big ints), not text or a Value."""
    return isinstance(x, (numbers.Real, Decimal, np.bool_)) and not isinstance(x, Value)
