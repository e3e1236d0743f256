"""The compiled replay's kernels: one numpy step over a group of rows, forward and backward.

A tape keeps two arrays: S, a column with one slot per static value (constants,
parameters, results that do not depend on the inputs), and V, one row per batch value and
one column per sample. ``Elementwise`` runs a rule of ``batched_ops`` over stacked rows;
``Linear`` runs linear combinations that read the same inputs as one matrix product.
``plan_gradient_writes`` decides, once, how each backward write lands in dV.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from .. import ops
from . import blas
from .arrays import Array, Positions, Rows
from .batched_ops import RULES
from .ir import Tree

# What a kernel's forward keeps for its backward.
Cache: TypeAlias = tuple[Array, ...]


def slice_or_index(indices: Sequence[int]) -> Rows:
    """A slice when the indices are consecutive (a view, no copy), else an index array."""
    if len(indices) and all(b == a + 1 for a, b in itertools.pairwise(indices)):
        return slice(indices[0], indices[-1] + 1)
    return np.asarray(indices, dtype=np.intp)


def rows_of(index: Rows) -> Positions:
    return np.arange(index.start, index.stop) if isinstance(index, slice) else index


def has_repeats(index: Rows) -> bool:
    return not isinstance(index, slice) and len(np.unique(index)) != len(index)


# How a kernel's backward writes a gradient into rows of dV (decided once, at compile time,
# so that dV need not be zeroed every call): the first contribution to a row is assigned,
# later ones added; add.at where one write names a row twice.
ASSIGN, ADD, ADD_AT = "assign", "add", "add.at"


def write_gradient(target: Array, rows: Rows, mode: str, value: Array) -> None:
    if mode is ASSIGN:
        target[rows] = value
    elif mode is ADD:
        target[rows] += value
    else:
        # ADD_AT is planned only for index arrays with repeats (see has_repeats); numpy's stubs
        # do not accept the slice half of Rows, which add.at would take as well.
        np.add.at(target, rows, value)  # type: ignore[arg-type]


class Elementwise:
    """One op of ``batched_ops`` over a group of rows: out[i] = op(arg_1[i], ..., arg_k[i]).

    ``static``: the rows live in S (computed once per call), else in V (one column per sample).
    ``args``: per argument, (in S?, rows, needs grad?); ``modes``: how each gradient is written.
    """

    def __init__(
        self, op: ops.Op, static: bool, out: slice, args: Sequence[tuple[bool, Rows, bool]]
    ) -> None:
        self.forward_rule, self.grads_rule = RULES[type(op)]
        self.op = op
        self.static = static
        self.out = out
        self.args = args
        self.modes = [ADD_AT if in_s and has_repeats(rows) else ADD for in_s, rows, _ in args]
        self.needs_grad = any(needs_grad for _, _, needs_grad in args)
        # The upstream gradient already sits in the argument's rows of dV, put there by the one
        # layer that reads the output: backward multiplies it in place (see multiply_in_place)
        self.in_place = False

    def grad_writes(self) -> list[tuple[int, Rows, bool]]:
        """(argument, rows of V, rows repeat?) for each gradient this kernel writes into V."""
        if self.static:
            return []
        return [
            (k, rows, has_repeats(rows))
            for k, (in_s, rows, g) in enumerate(self.args)
            if g and not in_s
        ]

    def batch_reads(self) -> list[Rows]:
        """The rows of V this kernel reads."""
        return [] if self.static else [rows for in_s, rows, _ in self.args if not in_s]

    def forward(self, S: Array, V: Array, X: Array) -> Cache:
        xs = tuple([S[rows] if in_s else V[rows] for in_s, rows, _ in self.args])
        self.forward_rule(self.op, *xs, out=(S if self.static else V)[self.out])
        return xs

    def backward(self, xs: Cache, S: Array, V: Array, dS: Array, dV: Array) -> None:
        space, d_space = (S, dS) if self.static else (V, dV)
        local_grads = self.grads_rule(self.op, xs, space[self.out])
        if self.in_place:
            gradient = dV[self.args[0][1]]
            np.multiply(gradient, local_grads[0], out=gradient)
            return
        upstream = d_space[self.out]
        for (in_s, rows, needs_grad), mode, local in zip(self.args, self.modes, local_grads):
            if not needs_grad:
                continue
            if mode is ASSIGN and in_s == self.static and isinstance(rows, slice):
                np.multiply(upstream, local, out=d_space[rows])  # no temporary (rows != out)
                continue
            contribution = upstream * local
            if in_s and not self.static:  # a static argument served every sample: sum over them
                contribution = contribution.sum(axis=1, keepdims=True)
            write_gradient(dS if in_s else dV, rows, mode, contribution)


class Linear:
    """Linear combinations that read the same inputs, as one matrix product: out = W @ inputs + bias.

    W's entries (``weight_slots``) and the bias are read from S, so they are parameters,
    constants or static results. ``static``: everything lives in S (a batch of one).
    ``folded``: the row after the inputs in V is all ones and ``weight_slots`` ends with
    the bias column, so the bias rides in the product (and its gradient in d/dW): two
    passes over the batch fewer per layer.
    ``direct``: a folded layer over the tape's inputs that reads these columns of X itself,
    so the tape need not copy them into V (a transposed copy that cost as much as the
    product); its bias column is copied into the outputs first and the product added onto it.
    """

    def __init__(
        self,
        static: bool,
        out: slice,
        inputs: Rows,
        weight_slots: Positions,
        bias: Rows | None,
        grads: tuple[bool, bool, bool],
        S: Array,
        folded: bool = False,
    ) -> None:
        self.static = static
        self.direct: slice | None = None  # set by compile_tape where it applies
        self.out = out
        self.inputs = inputs
        self.folded = folded
        self.reads: Rows = inputs  # what W multiplies: with a folded bias, also the ones row after
        if folded:
            if not isinstance(inputs, slice):
                raise ValueError(
                    "Linear: a folded bias needs consecutive input rows, not an index array"
                )
            self.reads = slice(inputs.start, inputs.stop + 1)
        self.weight_slots = weight_slots  # shape (rows, inputs), or (rows, inputs + 1) when folded
        self.weight_slots_flat = weight_slots.ravel()
        first = int(weight_slots.flat[0])
        # W's slots are usually one block of S (a layer's weights, row by row): then W is a view
        self.block: slice | None = slice(first, first + weight_slots.size)
        if not np.array_equal(self.weight_slots_flat, np.arange(first, first + weight_slots.size)):
            self.block = None
        self.weights: Array | None = (
            None if self.block is None else S[self.block, 0].reshape(weight_slots.shape)
        )
        self.bias = None if folded else bias  # slots of S, one per row, or None
        self.bias_mode = ADD_AT if self.bias is not None and has_repeats(self.bias) else ADD
        self.inputs_need_grad, weights_need_grad, bias_needs_grad = grads
        if bias_needs_grad and bias is None and not folded:
            raise ValueError("Linear: the bias's gradient is asked for, but there is no bias")
        # A folded bias's gradient is part of d/dW; else its rows of dS (None: not written here).
        self.weights_need_grad = weights_need_grad or (folded and bias_needs_grad)
        self.bias_gradient_rows = self.bias if bias_needs_grad else None
        self.needs_grad = any(grads)
        self.inputs_mode = (
            ADD_AT if has_repeats(inputs) else ADD
        )  # batch kernels: see plan_gradient_writes
        # Where d/d inputs is written: the inputs' rows of dV, or those of the op that made
        # them when that op multiplies in place (see multiply_in_place)
        self.inputs_gradient_rows: Rows = inputs
        # No other write touches W's rows of dS, so it may assign d/dW where they start a
        # backward at zero (see plan_sole_weight_writers)
        self.sole_weights_writer = False

    def grad_writes(self) -> list[tuple[int, Rows, bool]]:
        if self.static or not self.inputs_need_grad:
            return []
        return [(0, self.inputs, has_repeats(self.inputs))]

    def batch_reads(self) -> list[Rows]:
        return [] if self.static or self.direct is not None else [self.reads]

    def forward(self, S: Array, V: Array, X: Array) -> Cache:
        weights = S[self.weight_slots, 0] if self.weights is None else self.weights
        space = S if self.static else V
        out = space[self.out]
        if self.direct is not None:
            inputs = X[:, self.direct].T  # a view, laid out as V's rows
            np.copyto(out, weights[:, -1:])  # the bias, then the product added onto it
            blas.matmul(weights[:, :-1], inputs, out, accumulate=True)
            return weights, inputs
        inputs = space[self.reads]
        if (
            weights.shape[1] == 1
        ):  # an outer product: broadcasting beats a matrix product with k = 1
            np.multiply(weights, inputs, out=out)
        else:
            blas.matmul(weights, inputs, out)
        if self.bias is not None:
            out += S[self.bias]
        return weights, inputs

    def backward(
        self, cache: Cache, S: Array, V: Array, dS: Array, dV: Array, weights_zeroed: bool = False
    ) -> None:
        """``weights_zeroed``: W's rows of dS hold no gradient yet (zeros owed, see the tape's
        backward); a sole writer then assigns d/dW instead of adding it (BLAS's beta = 0)."""
        weights, inputs = cache
        d_space = dS if self.static else dV
        upstream = d_space[self.out]
        if self.bias_gradient_rows is not None:
            write_gradient(
                dS, self.bias_gradient_rows, self.bias_mode, upstream.sum(axis=1, keepdims=True)
            )
        if self.weights_need_grad:  # d/dW = upstream @ inputs^T, added to W's slots of dS
            if self.block is not None:  # W's slots are one block: add in place
                d_weights = dS[self.block, 0].reshape(weights.shape)
                add = not (weights_zeroed and self.sole_weights_writer)
                if self.direct is None:
                    blas.matmul(upstream, inputs.T, d_weights, accumulate=add)
                else:  # no ones row among the inputs: the bias column gets the upstream's row sums
                    blas.matmul(upstream, inputs.T, d_weights[:, :-1], accumulate=add)
                    if add:
                        d_weights[:, -1] += upstream.sum(axis=1)
                    else:
                        np.sum(upstream, axis=1, out=d_weights[:, -1])
            else:  # scattered to W's slots, some of which may repeat
                d_weights = blas.product(upstream, inputs.T)
                if self.direct is not None:
                    d_weights = np.column_stack([d_weights, upstream.sum(axis=1)])
                dS[:, 0] += np.bincount(
                    self.weight_slots_flat, d_weights.ravel(), minlength=len(dS)
                )
        if self.inputs_need_grad:
            if self.folded:
                weights = weights[:, :-1]
            rows = self.inputs_gradient_rows
            if len(weights) == 1:  # an outer product: see forward
                write_gradient(d_space, rows, self.inputs_mode, weights.T * upstream)
            elif self.inputs_mode is not ADD_AT and isinstance(rows, slice):
                blas.matmul(weights.T, upstream, d_space[rows], accumulate=self.inputs_mode is ADD)
            else:
                write_gradient(d_space, rows, self.inputs_mode, blas.product(weights.T, upstream))


class LogSumExp:
    """log(e^x_1 + ... + e^x_k) of k rows of V: a tree of logaddexp nodes merged into one node
    (``ir.merge_log_add_exp``), such as the normalizer of a softmax.

    One pass over the rows as a block, max-shifted so that nothing overflows, in place of a
    kernel per level of the tree; backward sends upstream * softmax to the rows. Equal to the
    tree to rounding; where the largest x of a sample is not finite, that sample is computed
    by the tree itself (``tree``), so infinities and NaN give exactly the tree's numbers.
    """

    static = False

    def __init__(self, out: slice, rows: Rows, tree: Tree, needs_grad: bool) -> None:
        self.out = out
        self.rows = rows
        self.tree = tree
        self.needs_grad = needs_grad
        self.modes = [ADD_AT if has_repeats(rows) else ADD]  # see plan_gradient_writes
        self.log_add_exp, self.log_add_exp_slopes = RULES[ops.LogAddExp]

    def grad_writes(self) -> list[tuple[int, Rows, bool]]:
        return [(0, self.rows, has_repeats(self.rows))] if self.needs_grad else []

    def batch_reads(self) -> list[Rows]:
        return [self.rows]

    def forward(self, S: Array, V: Array, X: Array) -> Cache:
        x = V[self.rows]  # (k, batch)
        top = x.max(axis=0)
        out = V[self.out][0]
        with np.errstate(invalid="ignore"):  # inf - inf where top is not finite: redone below
            softmax = x - top
            np.exp(softmax, out=softmax)
            total = softmax.sum(axis=0)
            np.log(total, out=out)
            out += top
        np.reciprocal(total, out=total)
        softmax *= total  # a product per entry, not a division
        odd = ~np.isfinite(top)
        if odd.any():
            with np.errstate(invalid="ignore"):  # 0 * inf in the chain rule gives NaN, as unmerged
                out[odd], softmax[:, odd] = self._by_the_tree(x[:, odd])
        return (softmax,)

    def _by_the_tree(self, x: Array) -> tuple[Array, Array]:
        """The tree's value and d value / d x over some samples, pair by pair as unmerged."""
        values = list(x)
        for a, b in self.tree:
            out = np.empty_like(values[a])
            values.append(self.log_add_exp(ops.LOG_ADD_EXP, values[a], values[b], out=out))
        slopes = [np.zeros_like(values[0]) for _ in values]
        slopes[-1] += 1.0
        for j in reversed(range(len(self.tree))):
            a, b = self.tree[j]
            here = len(x) + j
            slope_a, slope_b = self.log_add_exp_slopes(
                ops.LOG_ADD_EXP, (values[a], values[b]), values[here]
            )
            slopes[a] += slopes[here] * slope_a
            slopes[b] += slopes[here] * slope_b
        return values[-1], np.array(slopes[: len(x)])

    def backward(self, cache: Cache, S: Array, V: Array, dS: Array, dV: Array) -> None:
        (softmax,) = cache
        upstream = dV[self.out]
        if self.modes[0] is ASSIGN and isinstance(self.rows, slice):
            np.multiply(softmax, upstream, out=dV[self.rows])
        else:
            write_gradient(dV, self.rows, self.modes[0], softmax * upstream)


# A step of the compiled program.
Kernel: TypeAlias = Elementwise | Linear | LogSumExp


def plan_gradient_writes(
    kernels: Sequence[Kernel], n_rows: int, output_row: int | None
) -> Positions:
    """Give each kernel's gradient writes into dV a mode (see ASSIGN); return the rows of dV
    to zero at the start of backward (written only by add, or read without being written)."""
    written = np.zeros(n_rows, dtype=bool)
    if output_row is not None:
        written[output_row] = True  # the seed
    to_zero: list[Positions] = []
    for kernel in reversed(kernels):
        if not kernel.needs_grad:
            continue
        if not kernel.static:
            upstream = rows_of(kernel.out)
            to_zero.append(upstream[~written[upstream]])  # rows no consumer writes (no gradient)
            written[upstream] = True
        for argument, rows, repeats in kernel.grad_writes():
            targets = rows_of(rows)
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
            if isinstance(kernel, Linear):
                kernel.inputs_mode = mode
            else:
                kernel.modes[argument] = mode
    return np.unique(np.concatenate(to_zero)) if to_zero else np.zeros(0, dtype=np.intp)


def plan_sole_weight_writers(
    kernels: Sequence[Kernel], n_static: int, seeded_slot: int | None
) -> npt.NDArray[np.bool_]:
    """Mark the layers whose weights' rows of dS no other write touches
    (``Linear.sole_weights_writer``); return a mask of the rows of dS they cover.

    ``seeded_slot``: the slot of a static output, which backward seeds in dS. When a
    backward starts with those rows owed zeros, the layers assign d/dW and only the rest
    need zeroing first. Writes are counted per slot: a layer whose weights are shared, or
    read by another op too, adds as before.
    """
    writes = np.zeros(n_static, dtype=np.intp)
    if seeded_slot is not None:
        writes[seeded_slot] += 1
    for kernel in kernels:
        if not kernel.needs_grad:
            continue
        if isinstance(kernel, Linear):
            if kernel.weights_need_grad:
                np.add.at(writes, kernel.weight_slots_flat, 1)
            if kernel.bias_gradient_rows is not None:
                np.add.at(writes, rows_of(kernel.bias_gradient_rows), 1)
            if kernel.static and kernel.inputs_need_grad:
                np.add.at(writes, rows_of(kernel.inputs), 1)
        elif isinstance(kernel, Elementwise):
            for in_s, rows, needs_grad in kernel.args:
                if in_s and needs_grad:
                    np.add.at(writes, rows_of(rows), 1)
    covered = np.zeros(n_static, dtype=bool)
    for kernel in kernels:
        if isinstance(kernel, Linear) and kernel.weights_need_grad and kernel.block is not None:
            kernel.sole_weights_writer = bool((writes[kernel.block] == 1).all())
            covered[kernel.block] |= kernel.sole_weights_writer
    return covered


def multiply_in_place(kernels: Sequence[Kernel]) -> None:
    """Where a one-argument batch op (relu, tanh...) is read by one layer alone, let that layer
    write d/d its inputs straight into the op's argument rows of dV, and the op multiply them
    there by its local slope (``Elementwise.in_place``): one array fewer streamed through the
    cache than out-of-place. A relu's backward over 64 rows of 1,797 samples: 134 us out of
    place, 70 us in place. Run after plan_gradient_writes: it needs the write modes.
    """
    writers: dict[int, list[Kernel]] = {}
    for kernel in kernels:
        if kernel.needs_grad:
            for _, rows, _ in kernel.grad_writes():
                for row in rows_of(rows).tolist():
                    writers.setdefault(row, []).append(kernel)
    for op in kernels:
        if not isinstance(op, Elementwise) or op.static or len(op.args) != 1:
            continue
        in_s, rows, needs_grad = op.args[0]
        if in_s or not needs_grad or op.modes[0] is not ASSIGN or not isinstance(rows, slice):
            continue  # assigned: no earlier write to the argument's rows to keep
        if rows.stop - rows.start != op.out.stop - op.out.start:
            continue
        layers = {
            id(k): k for row in range(op.out.start, op.out.stop) for k in writers.get(row, [])
        }
        if len(layers) != 1:
            continue  # the tape's output (no writer), or read by several kernels
        (layer,) = layers.values()
        if (
            isinstance(layer, Linear)
            and isinstance(layer.inputs, slice)
            and layer.inputs == op.out
            and layer.inputs_mode is ASSIGN
        ):
            layer.inputs_gradient_rows = rows
            op.in_place = True
