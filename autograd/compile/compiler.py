"""From a traced graph to a ``Tape``: lower the ``Value``s to ``ir`` nodes (an ``nn`` layer as
one node), merge and split them, group them into kernels and lay out their rows of S and V.

The three stages are described in ``tape``'s docstring; ``autograd.trace`` calls
``compile_tape``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable

import numpy as np
import numpy.typing as npt

from .. import ops
from ..backward import topological_order
from ..value import Value
from .arrays import Rows
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
    Elementwise,
    Kernel,
    Linear,
    LogSumExp,
    rows_of,
    slice_or_index,
)
from .tape import Tape


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

    ones_row_set = set(ones_rows)  # a list lookup per kernel made deep graphs quadratic

    def folds(members: list[Node]) -> bool:
        first = members[0]
        if first.kind != "layer" and (first.kind != "lin" or first.static or first.bias is None):
            return False
        rows = slice_or_index([u.slot for u in read_inputs(first)])
        return isinstance(rows, slice) and rows.stop in ones_row_set

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
