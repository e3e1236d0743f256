"""A traced graph compiled into a short program of numpy calls over the batch.

``autograd.trace`` records one call of a per-sample function as an ordinary graph of
``Value``s; ``compile_tape`` turns that graph into a ``Tape`` in four steps:

1. lower: each node becomes an elementwise op (a rule of ``batched_ops``) or a linear
   combination sum_k coef_k * input_k, for +, -, negation, sum, dot, the z of a fused
   neuron, and a product with something that does not depend on the inputs;
2. merge: a linear combination used only by another one is folded into it, so a
   micrograd-style neuron b + w1*x1 + ... + wn*xn becomes one row of one matrix;
3. split: "static" nodes, which do not depend on the inputs (parameters, constants, an L2
   term), are computed once per call as a batch of one; the rest once per row;
4. group: nodes of the same kind at the same depth run together: one numpy call for an
   elementwise op over stacked rows, one matrix product for linear combinations that read
   the same inputs (a layer).

A call fills a column vector S with the parameters' current ``.data`` (so a tape stays
valid across optimizer steps) and a matrix V with one row per batch node and one column
per sample, then runs the kernels forward, and backward in reverse.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import ops
from .backward import topological_order
from .batched_ops import RULES
from .value import Value


class _Node:
    """One node of the intermediate form: input, param, const, ew (elementwise) or lin."""

    __slots__ = ("kind", "op", "args", "terms", "bias", "value", "static", "needs_grad", "uses", "level", "slot")

    def __init__(self, kind: str, static: bool, **fields: object) -> None:
        self.kind = kind
        self.static = static
        self.op = self.value = self.bias = None
        self.args: list[_Node] = []
        self.terms: list[tuple[_Node, _Node]] = []  # lin: (input, coefficient); coefficients are static
        self.needs_grad = False
        self.uses = 0
        self.level = 0
        self.slot = -1
        for name, value in fields.items():
            setattr(self, name, value)


class _Builder:
    """Lowers a traced graph to _Nodes and rewrites them (steps 1 to 3 of the module docstring)."""

    def __init__(self) -> None:
        self.consts: dict[str, _Node] = {}
        self.one = self.const(1.0)
        self.minus_one = self.const(-1.0)

    def const(self, value: float) -> _Node:
        key = float(value).hex()  # keeps -0.0 apart from 0.0
        if key not in self.consts:
            self.consts[key] = _Node("const", True, value=float(value))
        return self.consts[key]

    def ew(self, op: ops.Op, args: list[_Node]) -> _Node:
        if type(op) not in RULES:
            raise NotImplementedError(f"trace: op {op.name!r} ({type(op).__name__}) has no batched rule")
        return _Node("ew", all(a.static for a in args), op=op, args=args)

    def lin(self, terms: list[tuple[_Node, _Node]]) -> _Node:
        return _Node("lin", all(u.static for u, _ in terms), terms=terms)

    def term(self, a: _Node, b: _Node) -> tuple[_Node, _Node]:
        """a * b as one term (input, coefficient): the static factor becomes the coefficient."""
        if a.static and not b.static:
            return (b, a)
        if b.static and not a.static:
            return (a, b)
        return (self.ew(ops.MUL, [a, b]), self.one)

    def scale(self, c: _Node, d: _Node) -> _Node:
        """The coefficient c * d (both static)."""
        if c is self.one:
            return d
        if d is self.one:
            return c
        if c.kind == "const" and d.kind == "const":
            return self.const(c.value * d.value)
        return self.ew(ops.MUL, [c, d])

    def lower(self, node: Value, parents: list[_Node]) -> _Node:
        """The _Node for one traced op node whose parents are already lowered."""
        op = node.op
        kind = type(op)
        if all(p.kind == "const" for p in parents):
            return self.const(node.data)  # depends on nothing that changes: fold
        if kind is ops.Add:
            return self.lin([(parents[0], self.one), (parents[1], self.one)])
        if kind is ops.Sub:
            return self.lin([(parents[0], self.one), (parents[1], self.minus_one)])
        if kind is ops.Neg:
            return self.lin([(parents[0], self.minus_one)])
        if kind is ops.Mul:
            a, b = parents
            if a.static != b.static:
                return self.lin([self.term(a, b)])
            return self.ew(op, parents)
        if kind is ops.Sum:
            return self.lin([(p, self.one) for p in parents])
        if kind is ops.Dot:
            n = len(parents) // 2
            return self.lin([self.term(w, x) for w, x in zip(parents[:n], parents[n:])])
        if kind is ops.Neuron:
            n = len(parents) // 2
            z = self.lin([self.term(w, x) for w, x in zip(parents[:n], parents[n:-1])] + [(parents[-1], self.one)])
            return z if op.activation is None else self.ew(op.activation, [z])
        return self.ew(op, parents)


def _live_order(output: _Node) -> list[_Node]:
    """Every _Node the output depends on, dependencies first (iterative DFS)."""
    order: list[_Node] = []
    state: dict[int, int] = {}
    stack = [output]
    while stack:
        node = stack.pop()
        seen = state.get(id(node), 0)
        if seen == 2:
            continue
        if seen == 1:
            state[id(node)] = 2
            order.append(node)
            continue
        state[id(node)] = 1
        stack.append(node)
        stack.extend(d for d in reversed(_deps(node)) if state.get(id(d), 0) != 2)
    return order


def _deps(node: _Node) -> list[_Node]:
    """What a node reads: its arguments, or its terms' inputs and coefficients and its bias."""
    deps = [*node.args, *(x for term in node.terms for x in term)]
    if node.bias is not None:
        deps.append(node.bias)
    return deps


def _op_key(op: ops.Op) -> tuple:
    """Ops that may share one numpy call: same class and same parameters (exponent, slope...)."""
    return (type(op), tuple(sorted((name, repr(value)) for name, value in vars(op).items())))


def _merge_linear(builder: _Builder, order: list[_Node], output: _Node) -> None:
    """Fold each lin node used by exactly one other lin (as an input) into that one."""
    for node in order:
        for dep in node.args:
            dep.uses += 1
        for u, c in node.terms:
            u.uses += 1
            c.uses += 1
    output.uses += 1
    for node in order:
        if node.kind != "lin":
            continue
        terms: list[tuple[_Node, _Node]] = []
        for u, c in node.terms:
            if u.kind == "lin" and u.uses == 1:
                terms.extend((v, builder.scale(c, d)) for v, d in u.terms)
            else:
                terms.append((u, c))
        node.terms = terms


def _split_static(builder: _Builder, order: list[_Node]) -> None:
    """A batch lin keeps its batch terms; the static ones become its bias, computed once per call.

    Also combines repeated inputs of one lin (x + x) into one term, so each row of a
    layer's matrix has one coefficient per input.
    """
    for node in order:
        if node.kind != "lin" or node.static:
            continue
        static_terms = [(u, c) for u, c in node.terms if u.static]
        by_input: dict[int, tuple[_Node, list[_Node]]] = {}
        for u, c in node.terms:
            if not u.static:
                by_input.setdefault(id(u), (u, []))[1].append(c)
        node.terms = [
            (u, cs[0] if len(cs) == 1 else builder.lin([(c, builder.one) for c in cs])) for u, cs in by_input.values()
        ]
        if static_terms:
            u, c = static_terms[0]
            node.bias = u if len(static_terms) == 1 and c is builder.one else builder.lin(static_terms)


def _slice_or_index(indices: Sequence[int]) -> slice | np.ndarray:
    """A slice when the indices are consecutive (a view, no copy), else an index array."""
    if len(indices) and all(b == a + 1 for a, b in zip(indices, indices[1:])):
        return slice(indices[0], indices[-1] + 1)
    return np.asarray(indices, dtype=np.intp)


def _rows(index: slice | np.ndarray) -> np.ndarray:
    return np.arange(index.start, index.stop) if isinstance(index, slice) else index


def _has_repeats(index: slice | np.ndarray) -> bool:
    return not isinstance(index, slice) and len(np.unique(index)) != len(index)


# How a kernel's backward writes a gradient into rows of dV (decided once, at compile time,
# so that dV need not be zeroed every call): the first contribution to a row is assigned,
# later ones added; add.at where one write names a row twice.
ASSIGN, ADD, ADD_AT = "assign", "add", "add.at"


def _write(target: np.ndarray, rows: slice | np.ndarray, mode: str, value: np.ndarray) -> None:
    if mode is ASSIGN:
        target[rows] = value
    elif mode is ADD:
        target[rows] += value
    else:
        np.add.at(target, rows, value)


class _Elementwise:
    """One op of ``batched_ops`` over a group of rows: out[i] = op(arg_1[i], ..., arg_k[i]).

    ``static``: the rows live in S (computed once per call), else in V (one column per sample).
    ``args``: per argument, (in S?, rows, needs grad?); ``modes``: how each gradient is written.
    """

    def __init__(self, op: ops.Op, static: bool, out: slice, args: list[tuple[bool, object, bool]]) -> None:
        self.forward_rule, self.grads_rule = RULES[type(op)]
        self.op = op
        self.static = static
        self.out = out
        self.args = args
        self.modes = [ADD_AT if in_s and _has_repeats(rows) else ADD for in_s, rows, _ in args]
        self.needs_grad = any(needs_grad for _, _, needs_grad in args)

    def grad_writes(self) -> list[tuple[int, object, bool]]:
        """(argument, rows of V, rows repeat?) for each gradient this kernel writes into V."""
        if self.static:
            return []
        return [(k, rows, _has_repeats(rows)) for k, (in_s, rows, g) in enumerate(self.args) if g and not in_s]

    def forward(self, S: np.ndarray, V: np.ndarray) -> tuple:
        xs = tuple([S[rows] if in_s else V[rows] for in_s, rows, _ in self.args])
        self.forward_rule(self.op, *xs, out=(S if self.static else V)[self.out])
        return xs

    def backward(self, xs: tuple, S: np.ndarray, V: np.ndarray, dS: np.ndarray, dV: np.ndarray) -> None:
        space, d_space = (S, dS) if self.static else (V, dV)
        upstream = d_space[self.out]
        local_grads = self.grads_rule(self.op, xs, space[self.out])
        for (in_s, rows, needs_grad), mode, local in zip(self.args, self.modes, local_grads):
            if not needs_grad:
                continue
            contribution = upstream * local
            if in_s and not self.static:  # a static argument served every sample: sum over them
                contribution = contribution.sum(axis=1, keepdims=True)
            _write(dS if in_s else dV, rows, mode, contribution)


class _Linear:
    """Linear combinations that read the same inputs, as one matrix product: out = W @ inputs + bias.

    W's entries (``weight_slots``) and the bias are read from S, so they are parameters,
    constants or static results. ``static``: everything lives in S (a batch of one).
    ``folded``: the row before the inputs in V is all ones and ``weight_slots`` starts with
    the bias column, so the bias rides in the product (and its gradient in d/dW): two
    passes over the batch fewer per layer.
    """

    def __init__(self, static: bool, out: slice, inputs: object, weight_slots: np.ndarray, bias: object,
                 grads: tuple[bool, bool, bool], S: np.ndarray, folded: bool = False) -> None:
        self.static = static
        self.out = out
        self.inputs = inputs
        self.folded = folded
        self.reads = slice(inputs.start - 1, inputs.stop) if folded else inputs  # what W multiplies
        self.weight_slots = weight_slots  # shape (rows, inputs), or (rows, 1 + inputs) when folded
        self.weight_slots_flat = weight_slots.ravel()
        first = int(weight_slots.flat[0])
        # W's slots are usually one block of S (a layer's weights, row by row): then W is a view
        self.block = slice(first, first + weight_slots.size)
        if not np.array_equal(self.weight_slots_flat, np.arange(first, first + weight_slots.size)):
            self.block = None
        self.weights = None if self.block is None else S[self.block, 0].reshape(weight_slots.shape)
        self.bias = None if folded else bias  # slots of S, one per row, or None
        self.bias_mode = ADD_AT if self.bias is not None and _has_repeats(self.bias) else ADD
        self.inputs_need_grad, self.weights_need_grad, self.bias_needs_grad = grads
        if folded:
            self.weights_need_grad = self.weights_need_grad or self.bias_needs_grad
            self.bias_needs_grad = False
        self.needs_grad = any(grads)
        self.inputs_mode = ADD_AT if _has_repeats(inputs) else ADD  # batch kernels: see _plan_gradient_writes

    def grad_writes(self) -> list[tuple[int, object, bool]]:
        if self.static or not self.inputs_need_grad:
            return []
        return [(0, self.inputs, _has_repeats(self.inputs))]

    def forward(self, S: np.ndarray, V: np.ndarray) -> tuple:
        weights = S[self.weight_slots, 0] if self.weights is None else self.weights
        space = S if self.static else V
        inputs = space[self.reads]
        out = space[self.out]
        if weights.shape[1] == 1:  # an outer product: broadcasting beats a matrix product with k = 1
            np.multiply(weights, inputs, out=out)
        else:
            np.matmul(weights, inputs, out=out)
        if self.bias is not None:
            out += S[self.bias]
        return weights, inputs

    def backward(self, cache: tuple, S: np.ndarray, V: np.ndarray, dS: np.ndarray, dV: np.ndarray) -> None:
        weights, inputs = cache
        d_space = dS if self.static else dV
        upstream = d_space[self.out]
        if self.bias_needs_grad:
            _write(dS, self.bias, self.bias_mode, upstream.sum(axis=1, keepdims=True))
        if self.weights_need_grad:  # d/dW = upstream @ inputs^T, scattered to W's slots (some may repeat)
            d_weights = upstream @ inputs.T
            if self.block is not None:
                dS[self.block, 0] += d_weights.ravel()
            else:
                dS[:, 0] += np.bincount(self.weight_slots_flat, d_weights.ravel(), minlength=len(dS))
        if self.inputs_need_grad:
            if self.folded:
                weights = weights[:, 1:]
            product = np.multiply if len(weights) == 1 else np.matmul  # outer product: see forward
            if self.inputs_mode is ASSIGN and isinstance(self.inputs, slice):
                product(weights.T, upstream, out=d_space[self.inputs])
            else:
                _write(d_space, self.inputs, self.inputs_mode, product(weights.T, upstream))


def _plan_gradient_writes(kernels: list, n_rows: int, output_row: int | None) -> np.ndarray:
    """Give each kernel's gradient writes into dV a mode (see ASSIGN); return the rows of dV
    to zero at the start of backward (written only by add, or read without being written)."""
    written = np.zeros(n_rows, dtype=bool)
    if output_row is not None:
        written[output_row] = True  # the seed
    to_zero: list[np.ndarray] = []
    for kernel in reversed(kernels):
        if not kernel.needs_grad:
            continue
        if not kernel.static:
            upstream = _rows(kernel.out)
            to_zero.append(upstream[~written[upstream]])  # rows no consumer writes (no gradient)
            written[upstream] = True
        for argument, rows, repeats in kernel.grad_writes():
            targets = _rows(rows)
            fresh = ~written[targets]
            if repeats:
                mode = ADD_AT
                to_zero.append(targets[fresh])
            elif fresh.all():
                mode = ASSIGN
            else:
                mode = ADD
                to_zero.append(targets[fresh])
            written[targets] = True
            if isinstance(kernel, _Linear):
                kernel.inputs_mode = mode
            else:
                kernel.modes[argument] = mode
    return np.unique(np.concatenate(to_zero)) if to_zero else np.zeros(0, dtype=np.intp)


class Tape:
    """A compiled per-sample function: ``forward(X)`` and ``backward(X, reduce)`` over a batch.

    Made by ``autograd.trace`` (see its docstring). Buffers are kept between calls (one set
    per recent batch size), so a Tape is not for use from two threads at once.
    """

    def __init__(self, n_inputs: int, params: list[Value], static_values: np.ndarray, param_slots: slice,
                 n_rows: int, ones_rows: list[int], kernels: list, output: tuple[bool, int], n_nodes: int) -> None:
        self.n_inputs = n_inputs
        self._ones_rows = ones_rows  # rows of V that hold 1.0 (folded biases); inputs follow row 0
        self.params = params
        # S: constants, then parameters, then static results; a column (slots, 1) so that it
        # broadcasts against V's rows, over a flat array (filling the parameters is one copy)
        self.dtype = static_values.dtype  # float64, or float32 when traced with dtype="float32"
        self._S_flat = static_values[:, 0]
        self._S = static_values
        self._dS = np.zeros_like(static_values)
        self._param_slots = param_slots
        self._n_rows = n_rows
        self._kernels = kernels
        self._output_static, self._output_slot = output
        self._zero_rows = _plan_gradient_writes(kernels, n_rows, None if self._output_static else self._output_slot)
        self._buffers: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.n_traced_nodes = n_nodes

    def __repr__(self) -> str:
        return (f"Tape({self.n_inputs} inputs, {len(self.params)} parameters, {self.n_traced_nodes} traced nodes "
                f"-> {len(self._kernels)} kernels)")

    @property
    def n_kernels(self) -> int:
        """How many grouped numpy steps one forward pass runs."""
        return len(self._kernels)

    def _inputs(self, X: object) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim == 1 and self.n_inputs == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"tape: X must have shape (batch, {self.n_inputs}), not {X.shape}")
        if X.shape[0] == 0:
            raise ValueError("tape: empty batch")
        return X

    def _run(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
        batch = X.shape[0]
        if batch not in self._buffers:
            if len(self._buffers) >= 4:
                self._buffers.pop(next(iter(self._buffers)))
            V = np.empty((self._n_rows, batch), dtype=self.dtype)
            V[self._ones_rows] = 1.0
            self._buffers[batch] = (V, np.empty_like(V))
        V, dV = self._buffers[batch]
        S = self._S
        self._S_flat[self._param_slots] = [p.data for p in self.params]  # read at call time
        V[1 : 1 + self.n_inputs] = X.T
        caches = [kernel.forward(S, V) for kernel in self._kernels]
        return V, dV, caches

    def _outputs(self, V: np.ndarray, batch: int) -> np.ndarray:
        if self._output_static:
            return np.full(batch, self._S[self._output_slot, 0])
        return V[self._output_slot]

    def forward(self, X: object) -> np.ndarray:
        """fn's output for every row of X (shape (batch, n_inputs)); shape (batch,)."""
        X = self._inputs(X)
        V, _, _ = self._run(X)
        return self._outputs(V, X.shape[0]).copy()

    def backward(self, X: object, reduce: str = "mean") -> float:
        """Add d(mean or sum of fn over the rows of X)/dp to ``p.grad`` of every parameter; return that mean or sum."""
        if reduce not in ("mean", "sum"):
            raise ValueError(f'tape.backward: reduce must be "mean" or "sum", not {reduce!r}')
        X = self._inputs(X)
        batch = X.shape[0]
        V, dV, caches = self._run(X)
        outputs = self._outputs(V, batch)
        total = float(outputs.mean() if reduce == "mean" else outputs.sum())
        seed = 1.0 / batch if reduce == "mean" else 1.0
        S, dS = self._S, self._dS
        dS.fill(0.0)
        dV[self._zero_rows] = 0.0
        if self._output_static:
            dS[self._output_slot] = seed * batch
        else:
            dV[self._output_slot] = seed
        for kernel, cache in zip(reversed(self._kernels), reversed(caches)):
            if kernel.needs_grad:
                kernel.backward(cache, S, V, dS, dV)
        for p, g in zip(self.params, self._dS[self._param_slots, 0].tolist()):
            p.grad += g
        return total


def compile_tape(output: Value, placeholders: list[Value], params: list[Value], dtype: object = np.float64) -> Tape:
    """The Tape for the graph under ``output``: ``placeholders`` are the inputs (in order),
    ``params`` the leaves whose ``.data`` is read at call time; every other leaf is a constant.
    ``dtype``: the float type the batch is computed in."""
    builder = _Builder()
    inputs = {id(v): k for k, v in enumerate(placeholders)}
    param_index = {id(p): k for k, p in enumerate(params)}
    lowered: dict[int, _Node] = {}
    input_nodes = [_Node("input", False, value=k) for k in range(len(placeholders))]
    param_nodes = [_Node("param", True, value=p) for p in params]
    traced = topological_order(output)
    for v in traced:
        if v.is_leaf:
            if id(v) in inputs:
                node = input_nodes[inputs[id(v)]]
            elif id(v) in param_index:
                node = param_nodes[param_index[id(v)]]
            else:
                node = builder.const(v.data)
        else:
            node = builder.lower(v, [lowered[id(p)] for p in v.parents])
        lowered[id(v)] = node
    out = lowered[id(output)]

    _merge_linear(builder, _live_order(out), out)
    _split_static(builder, _live_order(out))
    order = _live_order(out)

    for node in order:
        if node.kind == "param":
            node.needs_grad = True
        elif node.kind in ("ew", "lin"):
            deps = _deps(node)
            node.needs_grad = any(d.needs_grad for d in deps)  # it depends on a parameter
            # depth among nodes of its own space (static nodes are all computed first)
            node.level = 1 + max((d.level for d in deps if d.static == node.static), default=0)

    # Slots: S holds constants, parameters, then static results; V holds inputs, then batch results.
    consts = [n for n in order if n.kind == "const"]
    for slot, node in enumerate(consts):
        node.slot = slot
    for node in input_nodes:
        node.slot = 1 + node.value  # row 0 of V is all ones (see _Linear's folded bias)
    groups: dict[tuple, list[_Node]] = {}
    for node in order:
        if node.kind == "ew":
            key = (not node.static, node.level, "ew", _op_key(node.op), tuple(a.static for a in node.args))
        elif node.kind == "lin":
            key = (not node.static, node.level, "lin", tuple(id(u) for u, _ in node.terms), node.bias is None)
        else:
            continue
        groups.setdefault(key, []).append(node)
    kernel_groups = [groups[key] for key in sorted(groups, key=lambda k: (k[0], k[1]))]  # static first, by depth
    first_param = len(consts)
    n_static = first_param + len(params)
    n_rows = 1 + len(placeholders)
    ones_rows = [0]
    # A batch layer with a bias reads a group's rows: put a row of ones just before them.
    biased_inputs = {tuple(id(u) for u, _ in m[0].terms) for m in kernel_groups
                     if m[0].kind == "lin" and not m[0].static and m[0].bias is not None}
    for members in kernel_groups:
        if members[0].static:
            start, n_static = n_static, n_static + len(members)
        else:
            if tuple(id(m) for m in members) in biased_inputs:
                ones_rows.append(n_rows)
                n_rows += 1
            start, n_rows = n_rows, n_rows + len(members)
        for k, node in enumerate(members):
            node.slot = start + k

    def folds(members: list[_Node]) -> bool:
        first = members[0]
        if first.kind != "lin" or first.static or first.bias is None:
            return False
        rows = _slice_or_index([u.slot for u, _ in first.terms])
        return isinstance(rows, slice) and rows.start - 1 in ones_rows

    # Parameters in order of first use by the kernels, batch ones first (a layer row by row:
    # its bias, then its weights), so that most kernels read them as one block of S: a view.
    placed: dict[int, _Node] = {}
    for members in sorted(kernel_groups, key=lambda m: m[0].static):
        if members[0].kind == "ew":
            uses = [m.args[k] for k in range(len(members[0].args)) for m in members]
        elif folds(members):
            uses = [x for m in members for x in (m.bias, *(c for _, c in m.terms))]
        else:
            uses = [c for m in members for _, c in m.terms] + [m.bias for m in members if m.bias is not None]
        for node in uses:
            if node.kind == "param":
                placed.setdefault(id(node), node)
    for node in param_nodes:
        placed.setdefault(id(node), node)
    for k, node in enumerate(placed.values()):
        node.slot = first_param + k
    params = [node.value for node in placed.values()]

    static_values = np.zeros((n_static, 1), dtype=dtype)
    for node in consts:
        static_values[node.slot, 0] = node.value
    kernels: list = []
    for members in kernel_groups:
        first = members[0]
        out_slots = slice(first.slot, first.slot + len(members))
        if first.kind == "ew":
            args = []
            for position in range(len(first.args)):
                rows = _slice_or_index([m.args[position].slot for m in members])
                args.append((first.args[position].static, rows, any(m.args[position].needs_grad for m in members)))
            kernels.append(_Elementwise(first.op, first.static, out_slots, args))
        else:
            folded = folds(members)
            weight_slots = np.array([([m.bias.slot] if folded else []) + [c.slot for _, c in m.terms] for m in members],
                                    dtype=np.intp)
            bias = None if first.bias is None else _slice_or_index([m.bias.slot for m in members])
            grads = (
                any(u.needs_grad for u, _ in first.terms),
                any(c.needs_grad for m in members for _, c in m.terms),
                first.bias is not None and any(m.bias.needs_grad for m in members),
            )
            inputs = _slice_or_index([u.slot for u, _ in first.terms])
            kernels.append(_Linear(first.static, out_slots, inputs, weight_slots, bias, grads, static_values, folded))

    return Tape(len(placeholders), params, static_values, slice(first_param, first_param + len(params)),
                n_rows, ones_rows, kernels, (out.static, out.slot), len(traced))
