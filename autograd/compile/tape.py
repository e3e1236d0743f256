"""A traced graph compiled into a short program of numpy calls over the batch.

``autograd.trace`` records one call of a per-sample function as an ordinary graph of
``Value``s; ``compile_tape`` turns that graph into a ``Tape``:

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

import itertools
import numbers
import weakref
from collections.abc import Callable, Hashable
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from .. import ops
from ..backward import topological_order
from ..value import Value
from . import blas, parts
from .arrays import Array, Rows
from .ir import (
    Builder,
    Node,
    dependencies,
    live_order,
    merge_linear,
    merge_log_add_exp,
    op_key,
    split_static,
)
from .kernels import (
    Cache,
    Elementwise,
    Kernel,
    Linear,
    LogSumExp,
    multiply_in_place,
    plan_gradient_writes,
    plan_sole_weight_writers,
    rows_of,
    slice_or_index,
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


def _layer_groups(traced: list[Value], param_index: dict[int, int]) -> dict[int, list[Value]]:
    """Fused neurons whose weights and bias are all parameters, grouped into layers (the same op
    on the same inputs, as ``autograd.neuron_layer`` makes them): id(neuron) -> its layer."""
    layers: dict[tuple[int, tuple[int, ...]], list[Value]] = {}
    member_of: dict[int, list[Value]] = {}
    for v in traced:
        op = v.op
        if type(op) is not ops.Neuron:
            continue
        parents = v.parents
        n = len(parents) // 2
        if not all(id(p) in param_index for p in (*parents[:n], parents[-1])):
            continue
        layer = layers.setdefault((id(op), tuple(map(id, parents[n:-1]))), [])
        layer.append(v)
        member_of[id(v)] = layer
    return member_of


def _lower_layer(
    builder: Builder,
    members: list[Value],
    lowered: dict[int, Node],
    node_of: Callable[[Value], Node],
    param_index: dict[int, int],
) -> bool:
    """Lower a layer of fused neurons as one ``layer`` node (False when its inputs are not all
    batch values, so the neurons are lowered one by one)."""
    first = members[0].parents
    n = len(first) // 2
    inputs = [node_of(x) for x in first[n:-1]]
    if not inputs or any(x.static for x in inputs):
        return False
    position = param_index.__getitem__
    weights = np.array(
        [list(map(position, map(id, v.parents[:n]))) for v in members], dtype=np.intp
    )
    biases = np.array([param_index[id(v.parents[-1])] for v in members], dtype=np.intp)
    rows = builder.layer(inputs, weights, biases, len(members))
    op = members[0].op
    if not isinstance(op, ops.Neuron):
        raise ValueError(f"compile_tape: a layer of {type(op).__name__} nodes, not fused neurons")
    activation = op.activation
    for v, row in zip(members, rows):
        lowered[id(v)] = row if activation is None else builder.ew(activation, [row])
    return True


def _lower(
    builder: Builder, traced: list[Value], placeholders: list[Value], params: list[Value]
) -> dict[int, Node]:
    """Every traced Value's Node (parameters used only inside layers get none); ``traced``
    ends with the output."""
    param_index = {id(p): k for k, p in enumerate(params)}
    layer_of = _layer_groups(traced, param_index)
    lowered: dict[int, Node] = {
        id(v): Node("input", False, index=k) for k, v in enumerate(placeholders)
    }

    def node_of(v: Value) -> Node:
        node = lowered.get(id(v))
        if node is None:  # a parameter (its position in params) or a constant
            k = param_index.get(id(v))
            node = builder.const(v.data) if k is None else Node("param", True, index=k)
            lowered[id(v)] = node
        return node

    for v in traced:
        if v.is_leaf or id(v) in lowered:
            continue
        layer = layer_of.get(id(v))
        if layer is not None and _lower_layer(builder, layer, lowered, node_of, param_index):
            continue
        lowered[id(v)] = builder.lower(v, [node_of(p) for p in v.parents])
    for v in (*placeholders, traced[-1]):  # the output may be a leaf
        node_of(v)
    return lowered


def _read_inputs_directly(
    kernels: list[Kernel], input_segments: list[tuple[slice, slice]], out: Node
) -> None:
    """Let the batch layers that alone read a run of inputs (and its ones row) multiply X's
    columns themselves (``Linear.direct``), so that the run is never copied into V.

    Only where that moves fewer numbers: the copy moves the run's inputs, a direct layer
    copies its bias into its outputs before the product (and sums them for the bias's
    gradient).
    """
    readers: dict[int, list[Kernel]] = {}
    for kernel in kernels:
        for rows in kernel.batch_reads():
            for row in rows_of(rows).tolist():
                readers.setdefault(row, []).append(kernel)
    for rows, columns in input_segments:
        layers = {
            id(k): k for row in range(rows.start, rows.stop + 1) for k in readers.get(row, [])
        }
        direct = layers and all(
            isinstance(k, Linear)
            and k.folded
            and not k.inputs_need_grad
            and k.reads == slice(rows.start, rows.stop + 1)
            and k.out.stop - k.out.start <= rows.stop - rows.start
            for k in layers.values()
        )
        if direct and not (out.kind == "input" and out.slot in range(rows.start, rows.stop)):
            for layer in layers.values():
                assert isinstance(layer, Linear)
                layer.direct = columns


def compile_tape(
    output: Value,
    placeholders: list[Value],
    params: list[Value],
    dtype: npt.DTypeLike = np.float64,
    traced: list[Value] | None = None,
    parameter_dtype: npt.DTypeLike = np.float64,
) -> Tape:
    """The Tape for the graph under ``output``: ``placeholders`` are the inputs (in order),
    ``params`` the leaves whose ``.data`` is read at call time; every other leaf is a constant.
    ``dtype``: the float type the batch is computed in; ``traced``: the graph's topological
    order, if known; ``parameter_dtype``: the float type the parameters are kept in while
    the tape is in use."""
    builder = Builder()
    if traced is None:
        traced = topological_order(output)
    lowered = _lower(builder, traced, placeholders, params)
    input_nodes = [lowered[id(v)] for v in placeholders]
    node_of_input = {id(node): node for node in input_nodes}
    out = lowered[id(output)]

    merge_linear(builder, live_order(out), out)
    merge_log_add_exp(live_order(out))
    split_static(builder, live_order(out))
    order = live_order(out)

    for node in order:
        if node.kind == "param":
            node.needs_grad = True
        elif node.kind != "const" and node.kind != "input":
            deps = dependencies(node)
            # it depends on a parameter (a layer always does: its weights)
            node.needs_grad = node.kind == "layer" or any(d.needs_grad for d in deps)
            # depth among nodes of its own space (static nodes are all computed first)
            node.level = 1 + max((d.level for d in deps if d.static == node.static), default=0)

    # Slots: S holds constants, parameters, then static results; V holds inputs, then batch results.
    consts = [n for n in order if n.kind == "const"]
    for slot, node in enumerate(consts):
        node.slot = slot
    # Key: (batch?, depth, kind, what members must share to run as one kernel)
    groups: dict[tuple[bool, int, str, Hashable], list[Node]] = {}
    for node in order:
        key: tuple[bool, int, str, Hashable]
        if node.kind == "ew":
            shared = (op_key(node.elementwise_op()), tuple(a.static for a in node.args))
            key = (not node.static, node.level, "ew", shared)
        elif node.kind == "lin":
            shared_inputs = (tuple(id(u) for u, _ in node.terms), node.bias is None)
            key = (not node.static, node.level, "lin", shared_inputs)
        elif node.kind in ("layer", "lse"):
            key = (True, node.level, node.kind, id(node))
        else:
            continue
        groups.setdefault(key, []).append(node)
    kernel_groups = [
        groups[key] for key in sorted(groups, key=lambda k: (k[0], k[1]))
    ]  # static first, by depth
    first_param = len(consts)
    n_static = first_param + len(params)

    def height(members: list[Node]) -> int:
        """Rows a group fills: one per member, a layer's one per neuron."""
        return len(members[0].biases) if members[0].kind == "layer" else len(members)

    def read_inputs(node: Node) -> list[Node]:
        return node.args if node.kind == "layer" else [u for u, _ in node.terms]

    # A batch layer with a bias reads a group's rows: put a row of ones just after them.
    biased_inputs = {
        tuple(id(u) for u in read_inputs(m[0]))
        for m in kernel_groups
        if m[0].kind == "layer"
        or (m[0].kind == "lin" and not m[0].static and m[0].bias is not None)
    }
    # The inputs come first in V, with a row of ones after each run of them that a layer with
    # a bias reads (the first layer reads x, not the targets that follow), then the results.
    runs_end = {len(placeholders)}
    for read_ids in biased_inputs:
        values = [node_of_input[i].index for i in read_ids if i in node_of_input]
        if len(values) == len(read_ids) and values == list(
            range(values[0], values[0] + len(values))
        ):
            runs_end.add(values[-1] + 1)
    ones_rows: list[int] = []
    input_segments: list[tuple[slice, slice]] = []
    n_rows = 0
    for start, stop in itertools.pairwise([0, *sorted(runs_end)]):
        for node in input_nodes[start:stop]:
            node.slot = n_rows + node.index - start
        input_segments.append((slice(n_rows, n_rows + stop - start), slice(start, stop)))
        n_rows += stop - start
        ones_rows.append(n_rows)
        n_rows += 1
    for members in kernel_groups:
        if members[0].static:
            start, n_static = n_static, n_static + len(members)
        else:
            start, n_rows = n_rows, n_rows + height(members)
            if tuple(id(m) for m in members) in biased_inputs:
                ones_rows.append(n_rows)
                n_rows += 1
        for k, node in enumerate(members):
            node.slot = start + k
    for node in order:
        if node.kind == "row":
            node.slot = node.args[0].slot + node.index

    def folds(members: list[Node]) -> bool:
        first = members[0]
        if first.kind != "layer" and (first.kind != "lin" or first.static or first.bias is None):
            return False
        rows = slice_or_index([u.slot for u in read_inputs(first)])
        return isinstance(rows, slice) and rows.stop in ones_rows

    # Parameters (by position in params) in order of first use by the kernels, batch ones first
    # (a layer row by row: its weights, then its bias, the order of nn's parameters()), so that
    # most kernels read them as one block of S (a view) and optimizers as one block of storage.
    placed: dict[int, None] = {}
    for members in sorted(kernel_groups, key=lambda m: m[0].static):
        first = members[0]
        if first.kind == "layer":
            weights, biases = first.weights, first.biases
            block = np.column_stack([weights, biases]) if folds(members) else weights
            placed.update(dict.fromkeys(block.ravel().tolist()))
            placed.update(dict.fromkeys(biases.tolist()))
            continue
        uses: list[Node]
        if first.kind == "lse":
            continue  # its leaves are batch values
        if first.kind == "ew":
            uses = [m.args[k] for k in range(len(first.args)) for m in members]
        elif folds(members):
            uses = [x for m in members for x in (*(c for _, c in m.terms), m.required_bias())]
        else:
            uses = [c for m in members for _, c in m.terms] + [
                m.bias for m in members if m.bias is not None
            ]
        for node in uses:
            if node.kind == "param":
                placed.setdefault(node.index, None)
    placed.update(dict.fromkeys(range(len(params))))
    slot_of_param = np.empty(len(params), dtype=np.intp)
    slot_of_param[list(placed)] = np.arange(first_param, first_param + len(params))
    for node in order:
        if node.kind == "param":
            node.slot = int(slot_of_param[node.index])
    params = [params[k] for k in placed]

    static_values = np.zeros((n_static, 1), dtype=dtype)
    for node in consts:
        static_values[node.slot, 0] = node.number
    kernels: list[Kernel] = []
    for members in kernel_groups:
        first = members[0]
        out_slots = slice(first.slot, first.slot + height(members))
        if first.kind == "ew":
            args: list[tuple[bool, Rows, bool]] = []
            for position in range(len(first.args)):
                rows = slice_or_index([m.args[position].slot for m in members])
                args.append(
                    (
                        first.args[position].static,
                        rows,
                        any(m.args[position].needs_grad for m in members),
                    )
                )
            kernels.append(Elementwise(first.elementwise_op(), first.static, out_slots, args))
        elif first.kind == "lse":
            leaves = slice_or_index([u.slot for u in first.args])
            needs_grad = any(u.needs_grad for u in first.args)
            kernels.append(LogSumExp(out_slots, leaves, first.tree, needs_grad))
        elif first.kind == "layer":
            weights, biases = first.weights, first.biases
            folded = folds(members)
            weight_slots = slot_of_param[np.column_stack([weights, biases]) if folded else weights]
            inputs = slice_or_index([u.slot for u in first.args])
            kernels.append(
                Linear(
                    False,
                    out_slots,
                    inputs,
                    weight_slots,
                    None if folded else slice_or_index(slot_of_param[biases].tolist()),
                    (any(u.needs_grad for u in first.args), True, True),
                    static_values,
                    folded,
                )
            )
        else:
            folded = folds(members)
            weight_slots = np.array(
                [
                    [c.slot for _, c in m.terms] + ([m.required_bias().slot] if folded else [])
                    for m in members
                ],
                dtype=np.intp,
            )
            bias = (
                None
                if first.bias is None
                else slice_or_index([m.required_bias().slot for m in members])
            )
            grads = (
                any(u.needs_grad for u, _ in first.terms),
                any(c.needs_grad for m in members for _, c in m.terms),
                first.bias is not None and any(m.required_bias().needs_grad for m in members),
            )
            inputs = slice_or_index([u.slot for u, _ in first.terms])
            kernels.append(
                Linear(
                    first.static,
                    out_slots,
                    inputs,
                    weight_slots,
                    bias,
                    grads,
                    static_values,
                    folded,
                )
            )

    _read_inputs_directly(kernels, input_segments, out)
    return Tape(
        input_segments,
        params,
        static_values,
        slice(first_param, first_param + len(params)),
        n_rows,
        ones_rows,
        kernels,
        (out.static, out.slot),
        len(traced),
        parameter_dtype,
    )
