"""Draw a network's architecture: inputs and neurons as nodes, weights on the edges.

``draw_network(model)`` reads ``model.layers[i].neurons[j]`` with ``.w`` (Values), ``.b`` and
``.activation`` (a name), so it draws an ``MLP``, a ``Layer`` or a single ``Neuron``. It is the
picture of the notes' small networks (the XOR network, the worked 2-2-2 example); for the
computation graph of a loss, use ``autograd.draw_dot(loss)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from autograd import Value
from autograd.draw import Drawing
from autograd.draw.full import number_text
from autograd.draw.style import (
    ROLE_COLORS,
    add_legend,
    html_text,
    new_digraph,
    plain_lines,
    plain_text,
)

POSITIVE, NEGATIVE, ZERO = "#2563eb", "#dc2626", "#9ca3af"
# Weights on the edges only while a layer has this many (2-2): with more, such as 3-2 or 3-3,
# Graphviz places some labels over others (tests/test_draw_network_layout.py).
_MAX_EDGE_LABELS_A_LAYER = 4
_MAX_WEIGHTS_IN_BOX = 16  # beyond this a neuron's table of weights is too tall to read
# Beyond this many weights a network is drawn one box per layer: an MNIST-sized 784-128-10 kept
# Graphviz busy for over 12 minutes, and a 20-30-10 of 900 edges is a tangle already.
MAX_WEIGHTS_DRAWN = 500


def draw_network(
    model: object,
    *,
    rankdir: str = "LR",
    number_format: str = ".3g",
    show_grad: bool = False,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    edge_labels: bool | None = None,
    title: str | None = None,
    legend: bool = True,
    max_weights: int | None = MAX_WEIGHTS_DRAWN,
) -> Drawing:
    """The architecture of ``model`` as a ``graphviz.Digraph``.

    Each neuron shows its name (``L0.N1``), activation and bias; each edge is blue when its
    weight is positive and red when negative, wider the larger |w| is. ``show_grad`` adds the
    gradients. Inputs are named ``x1, x2, ...`` and outputs ``out1, ...`` unless names are given.
    Where the weights are written: ``edge_labels=True`` on the edges; by default on the edges
    only for lecture-sized layers (at most 4 weights a layer, as 2-2) without ``show_grad``,
    else in a table in each neuron (w0, w1, ... in order; no two labels can overlap), and not
    at all beyond 16 inputs a neuron; ``edge_labels=False``: nowhere (colour and width still
    show them). With ``show_grad`` a weight's label, "0.15 (grad 0.000439)", is too long for an
    edge: it would lie across the arrowheads and other edges.

    A network of more than ``max_weights`` weights (default 500; ``None``: no limit) is drawn
    as one box per layer, with its size, activation and the range of its weights and biases
    (and of their gradients with ``show_grad``); names and weight labels are for neurons drawn
    one by one.
    """
    layers = _layers_of(model)
    nin = len(layers[0][0].w)
    inputs = list(input_names) if input_names is not None else [f"x{i + 1}" for i in range(nin)]
    nout = len(layers[-1])
    outputs = (
        list(output_names)
        if output_names is not None
        else (["out"] if nout == 1 else [f"out{j + 1}" for j in range(nout)])
    )
    if len(inputs) != nin or len(outputs) != nout:
        raise ValueError(
            f"the network has {nin} inputs and {nout} outputs; got {len(inputs)} input and {len(outputs)} output names"
        )
    weights = [w for layer in layers for neuron in layer for w in neuron.w]
    if max_weights is not None and (
        isinstance(max_weights, bool) or not isinstance(max_weights, int) or max_weights < 0
    ):
        raise ValueError(
            f"draw_network: max_weights must be an int >= 0 or None, not {max_weights!r}"
        )
    if max_weights is not None and len(weights) > max_weights:
        return _layer_boxes(layers, rankdir, number_format, show_grad, title, max_weights)
    fan_ins = [len(neuron.w) for layer in layers for neuron in layer]
    small = not show_grad and all(
        len(layer[0].w) * len(layer) <= _MAX_EDGE_LABELS_A_LAYER for layer in layers
    )
    in_boxes = edge_labels is None and not small and max(fan_ins) <= _MAX_WEIGHTS_IN_BOX
    if edge_labels is None:
        edge_labels = small
    largest = max((abs(w.data) for w in weights), default=0.0) or 1.0

    sizes = "-".join(str(n) for n in [nin, *(len(layer) for layer in layers)])
    graph: Drawing = new_digraph(Drawing, rankdir, title or f"network {sizes}")
    graph.attr(ordering="out", nodesep="0.3", ranksep="1.2")

    previous = [f"input{i}" for i in range(nin)]
    with graph.subgraph() as column:  # the inputs in their order, top to bottom
        column.attr(rank="same")
        for node_id, name in zip(previous, inputs):
            column.node(
                node_id,
                label=plain_text(str(name)),
                shape="circle",
                style="filled",
                fillcolor=ROLE_COLORS["input"],
            )
        for first, second in itertools.pairwise(previous):
            column.edge(first, second, style="invis")
    for l, layer in enumerate(layers):
        current = []
        for j, neuron in enumerate(layer):
            node_id = f"neuron{l}_{j}"
            name = getattr(neuron, "name", "") or f"L{l}.N{j}"
            bias = _number(neuron.b, number_format, show_grad)
            fill = ROLE_COLORS["parameter"]
            if in_boxes:
                label = _weights_table(
                    name, _activation_name(neuron), bias, neuron.w, number_format, show_grad
                )
                graph.node(
                    node_id, label=label, shape="box", style="rounded,filled", fillcolor=fill
                )
            else:
                lines = [name, _activation_name(neuron), f"b = {bias}"]
                graph.node(
                    node_id,
                    label=plain_lines(lines),
                    shape="circle",
                    style="filled",
                    fillcolor=fill,
                )
            for source, w in zip(previous, neuron.w):
                graph.edge(
                    source,
                    node_id,
                    **_weight_style(w, largest, number_format, show_grad, edge_labels),
                )
            current.append(node_id)
        previous = current
    for j, name in enumerate(outputs):
        graph.node(f"output{j}", label=plain_text(str(name)), shape="plaintext")
        graph.edge(previous[j], f"output{j}")

    if legend:
        entries = [(POSITIVE, "positive weight"), (NEGATIVE, "negative weight")]
        entries.append((ROLE_COLORS["parameter"], "neuron: name, activation, bias b"))
        add_legend(graph, entries)
    return graph


def _layer_boxes(
    layers: list[list[Any]],
    rankdir: str,
    number_format: str,
    show_grad: bool,
    title: str | None,
    limit: int,
) -> Drawing:
    """A network too large to draw neuron by neuron: the inputs, one box per layer (its size,
    activation and the range of its weights and biases) and the outputs, in a chain."""
    nin = len(layers[0][0].w)
    sizes = [nin, *(len(layer) for layer in layers)]
    count = sum(n * m + m for n, m in itertools.pairwise(sizes))
    default_title = (
        f"network {'-'.join(map(str, sizes))}: {count:,} parameters, one box per layer "
        f"(over max_weights={limit:,} weights; max_weights=None draws every neuron)"
    )
    graph: Drawing = new_digraph(Drawing, rankdir, title or default_title)
    graph.node(
        "inputs",
        label=plain_text(f"{nin:,} inputs"),
        shape="box",
        style="filled",
        fillcolor=ROLE_COLORS["input"],
    )
    previous = "inputs"
    for l, layer in enumerate(layers):
        weights = [w for neuron in layer for w in neuron.w]
        biases = [neuron.b for neuron in layer]
        activations = sorted({_activation_name(neuron) for neuron in layer})
        lines = [
            f"L{l}: {_plural(len(layer), 'neuron')}, {', '.join(activations)}",
            f"weights {_range([w.data for w in weights], number_format)}",
            f"biases {_range([b.data for b in biases], number_format)}",
        ]
        if show_grad:
            grads = [float(p.grad) for p in (*weights, *biases)]
            lines.append(f"grads {_range(grads, number_format)}")
        graph.node(
            f"layer{l}",
            label=plain_lines(lines),
            shape="box",
            style="rounded,filled",
            fillcolor=ROLE_COLORS["parameter"],
        )
        graph.edge(previous, f"layer{l}", label=plain_text(_plural(len(weights), "weight")))
        previous = f"layer{l}"
    outputs = len(layers[-1])
    graph.node(
        "outputs",
        label=plain_text(_plural(outputs, "output")),
        shape="plaintext",
    )
    graph.edge(previous, "outputs")
    return graph


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _range(numbers: list[float], number_format: str) -> str:
    low, high = min(numbers), max(numbers)
    return f"from {number_text(low, number_format)} to {number_text(high, number_format)}"


def _layers_of(model: Any) -> list[list[Any]]:
    """The neurons of ``model``, layer by layer, for an MLP, a Layer or a Neuron."""
    if hasattr(model, "layers"):
        layers = [list(layer.neurons) for layer in model.layers]
    elif hasattr(model, "neurons"):
        layers = [list(model.neurons)]
    elif hasattr(model, "w") and hasattr(model, "b"):
        layers = [[model]]
    else:
        raise TypeError(
            "draw_network draws an MLP, a Layer or a Neuron (with .layers, .neurons or .w and .b), "
            f"not {type(model).__name__}"
        )
    if not layers or not all(layers):
        raise ValueError("draw_network: the model has an empty layer")
    return layers


def _activation_name(neuron: object) -> str:
    activation = getattr(neuron, "activation", None)
    if activation is None:
        return "?"
    return (
        activation
        if isinstance(activation, str)
        else getattr(activation, "__name__", str(activation))
    )


def _number(value: Value, number_format: str, show_grad: bool) -> str:
    text = number_text(value.data, number_format)
    return f"{text} (grad {number_text(float(value.grad), number_format)})" if show_grad else text


def _weights_table(
    name: str,
    activation: str,
    bias: str,
    weights: Sequence[Value],
    number_format: str,
    show_grad: bool,
) -> str:
    """A neuron as an HTML-like table: name, activation, bias, then its weights w0, w1, ... in order."""
    rows = [
        f'<TR><TD COLSPAN="2"><B>{html_text(name)}</B></TD></TR>',
        f'<TR><TD COLSPAN="2">{html_text(activation)}</TD></TR>',
        f'<TR><TD COLSPAN="2">b = {html_text(bias)}</TD></TR>',
    ]
    for i, w in enumerate(weights):
        color = _sign_color(w.data)
        text = html_text(_number(w, number_format, show_grad))
        rows.append(
            f'<TR><TD ALIGN="LEFT"><FONT COLOR="{color}">w{i}</FONT></TD>'
            f'<TD ALIGN="RIGHT"><FONT COLOR="{color}">{text}</FONT></TD></TR>'
        )
    table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
    return f"<{table}{''.join(rows)}</TABLE>>"


def _sign_color(x: float) -> str:
    return POSITIVE if x > 0 else NEGATIVE if x < 0 else ZERO


def _weight_style(
    w: Value, largest: float, number_format: str, show_grad: bool, label: bool
) -> dict[str, str]:
    color = _sign_color(w.data)
    style = {"color": color, "penwidth": f"{0.8 + 3.2 * abs(w.data) / largest:.2f}"}
    if label:
        # Next to the neuron it feeds, where crossing edges have already parted.
        style.update(headlabel=_number(w, number_format, show_grad), labelfontcolor=color)
        style.update(labeldistance="3.5", labelangle="-12")
    return style
