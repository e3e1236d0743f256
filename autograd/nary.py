"""N-ary helpers: a sum, a dot product or a whole neuron of many Values as ONE node.

A 100,000-term ``sum`` is one node with 100,000 inputs, not a 100,000-deep chain,
so backward stays shallow and fast. ``neuron`` (activation(w . x + b)) is the node
``nn`` builds for each neuron: 2n + 1 edges instead of 2n + 1 nodes; ``neuron_layer``
makes a whole layer of them.
"""

from __future__ import annotations

from builtins import sum as _builtin_sum
from collections.abc import Iterable, Sequence
from operator import mul as _mul

import numpy as np

from . import grad_mode, ops
from .value import NO_GRAPH, Value, _coerce, _new_node, _record, _record2


def _as_values(items: tuple[object, ...], what: str) -> tuple[Value, ...]:
    """Each item as a Value, or a TypeError naming the first that is neither a Value nor a
    real number (a bool too, which Value arithmetic refuses) by its position."""
    values = []
    for position, item in enumerate(items):
        value = NotImplemented if isinstance(item, (bool, np.bool_)) else _coerce(item)
        if value is NotImplemented:
            bad = type(item).__name__
            hint = "; use 0.0 or 1.0" if isinstance(item, (bool, np.bool_)) else ""
            raise TypeError(f"{what}: item {position} is {bad}, not a Value or a number{hint}")
        values.append(value)
    return tuple(values)


def sum(values: Iterable[Value | float]) -> Value:
    """Sum of any number of Values (and numbers) as one node; the empty sum is Value(0.0)."""
    terms = _as_values(tuple(values), "sum")
    data = tuple([t.data for t in terms])
    return _record(ops.SUM.forward(*data), terms, ops.SUM)


def dot(weights: Sequence[Value | float], inputs: Sequence[Value | float]) -> Value:
    """sum_i weights[i] * inputs[i] as one node."""
    weights, inputs = tuple(weights), tuple(inputs)
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs")
    operands = _as_values(weights + inputs, "dot")
    return _record(ops.DOT.forward(*[v.data for v in operands]), operands, ops.DOT)


def log_sum_exp(values: Iterable[Value | float]) -> Value:
    """log sum_k e^(v_k) as a balanced tree of ``logaddexp`` nodes: no overflow for finite
    inputs and no maximum taken from the data (so it traces), and in a compiled tape one
    kernel per level of the tree (log2 n of them)."""
    level = list(_as_values(tuple(values), "log_sum_exp"))
    if not level:
        raise ValueError("log_sum_exp needs at least one value")
    op = ops.LOG_ADD_EXP
    while len(level) > 1:
        pairs = [
            _record2(op.forward(a.data, b.data), a, b, op) for a, b in zip(level[::2], level[1::2])
        ]
        level = pairs + level[len(pairs) * 2 :]  # an odd one out waits for the next level
    return level[0]


# Activations a fused neuron knows, by the names nn uses; "leaky_relu(0.1)" and "elu(0.5)" set the parameter.
_ACTIVATION_OPS: dict[str, ops.Op | None] = {
    "linear": None,
    "relu": ops.RELU,
    "tanh": ops.TANH,
    "sigmoid": ops.SIGMOID,
    "softplus": ops.SOFTPLUS,
}
_PARAMETRIC_OPS = {"leaky_relu": (ops.LeakyRelu, 0.01), "elu": (ops.Elu, 1.0)}
_neuron_ops: dict[str, ops.Neuron] = {}


def _neuron_op(activation: str) -> ops.Neuron:
    """The (cached) fused op for an activation name such as "relu" or "elu(0.5)"."""
    if not isinstance(activation, str):
        raise TypeError(f"neuron: activation must be a name (str), not {type(activation).__name__}")
    name = activation.replace(" ", "")
    if name in _ACTIVATION_OPS:
        op = ops.Neuron(_ACTIVATION_OPS[name])
    else:
        base, _, rest = name.partition("(")
        if base not in _PARAMETRIC_OPS or (rest and not rest.endswith(")")):
            known = ", ".join([*_ACTIVATION_OPS, *_PARAMETRIC_OPS])
            raise ValueError(f"neuron: unknown activation {activation!r}; known: {known}")
        make, default = _PARAMETRIC_OPS[base]
        try:
            parameter = float(rest[:-1]) if rest else default
        except ValueError:
            raise ValueError(
                f"neuron: activation {activation!r} needs a number in parentheses"
            ) from None
        op = ops.Neuron(make(parameter))
    _neuron_ops[activation] = op
    return op


def neuron(
    w: Sequence[Value], x: Sequence[Value | float], b: Value | float, activation: str = "linear"
) -> Value:
    """activation(w . x + b) as ONE node, drawn as "neuron(relu)" (see ``ops.Neuron``).

    ``activation`` is "linear", "relu", "tanh", "sigmoid", "softplus", "leaky_relu" or
    "elu", optionally with a parameter: "leaky_relu(0.1)", "elu(0.5)". Gradients are exact
    and the same as for the neuron built from single ops.
    """
    return neuron_layer([w], x, [b], activation)[0]


def neuron_layer(
    weight_rows: Sequence[Sequence[Value]],
    x: Sequence[Value | float],
    biases: Sequence[Value | float],
    activation: str = "linear",
) -> list[Value]:
    """``[neuron(w, x, b, activation) for w, b in zip(weight_rows, biases)]``: a layer of fused neurons.

    The nodes are exactly those of ``neuron``; the layer only reads the inputs' data once
    for all its neurons instead of once per neuron (the default ``nn`` path, issue 6).
    """
    op = _neuron_ops.get(activation) or _neuron_op(activation)
    if len(weight_rows) != len(biases):
        raise ValueError(f"neuron_layer: {len(weight_rows)} weight rows but {len(biases)} biases")
    try:
        # Values only, in the common case; a number fails on .data and is converted below.
        return _fused_neurons(op, weight_rows, x, biases)  # type: ignore[arg-type]
    except (AttributeError, TypeError):
        # Not all Values (a number has no .data; a numpy scalar's .data is a buffer): make
        # constants of the numbers, or raise a TypeError naming what is neither.
        x = _as_values(tuple(x), "neuron: inputs")
        weight_rows = [_as_values(tuple(w), "neuron: weights") for w in weight_rows]
        biases = _as_values(tuple(biases), "neuron: biases")
        return _fused_neurons(op, weight_rows, x, biases)


def _fused_neurons(
    op: ops.Neuron,
    weight_rows: Sequence[Sequence[Value]],
    x: Sequence[Value],
    biases: Sequence[Value],
) -> list[Value]:
    """One ``op`` node per (w, b), all on the input vector ``x`` (Values only)."""
    activation = op.activation
    n = len(x)
    x_data = [v.data for v in x]
    recording = grad_mode.everywhere or grad_mode.is_grad_enabled()
    nodes = []
    for w, b in zip(weight_rows, biases):
        if len(w) != n:
            raise ValueError(f"neuron: {len(w)} weights but {n} inputs")
        # ops.Neuron.forward and _record, spelled out: this runs once per neuron per sample
        z = _builtin_sum(map(_mul, [v.data for v in w], x_data), b.data)
        node = _new_node()
        node.data = z if activation is None else activation.forward(z)
        node.grad = 0.0
        node.label = ""
        node._mark = None
        if recording:
            node._op = op
            node._a = (*w, *x, b)
            node._b = z
        else:
            node._op = node._a = None
            node._b = NO_GRAPH
        nodes.append(node)
    return nodes
