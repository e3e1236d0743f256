"""Draw a big graph collapsed: one box per layer (or per neuron), with the ops inside counted.

Which box a value goes in follows from the names nn gives parameters (``L<layer>.N<neuron>.w<i>``,
``L<layer>.N<neuron>.b``), in passes over the topological order:

* **place**: a parameter's place is its layer and neuron; an op's place is the deepest layer among
  its inputs' places (with the neuron when only one neuron of that layer is involved). A value
  that depends on no parameter has no place: it is an **input** (data, targets, constants).
* **in a neuron**: nn's one-node neuron (``neuron(relu)``, activation included); an op where a
  parameter meets a non-parameter (``w · x``, ``w * x``, ``+ b``); an op that joins two or more
  such values of the same neuron (``w0*x0 + w1*x1``); and one activation (relu, tanh, sigmoid,
  ...) of such a value, which closes the neuron. Values with a place that are in no neuron, such
  as the loss and weight penalties computed from the network's outputs and parameters, go
  **after the network**.

So a hidden unit's ``relu`` sits in its own layer, the loss (``1 - y * score``) does not swallow
the last layer, and an L2 penalty ``w * w`` counts after the network, as does a softplus on the
last layer's output (binary cross-entropy from logits), whatever the targets. Parameters without an nn
name (passed through ``params=``) form one box, "other parameters", before L0. The root is drawn
on its own.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import graphviz

from ..ops import Neuron
from ..value import Value
from .style import (
    PARAMETER_LABEL,
    ROLE_COLORS,
    grad_edge_style,
    plain_lines,
    set_title,
)

# A group key: INPUTS, AFTER, OUTPUT, or (1, layer, neuron) for a layer or neuron.
GroupKey = tuple[int, ...]
INPUTS: GroupKey = (0,)
AFTER: GroupKey = (2,)
OUTPUT: GroupKey = (3,)
_MAX_LABELLED_EDGES = (
    30  # more labelled edges than this (neurons fanning out) make dot slow and unreadable
)
# Where a value sits: (layer, neuron or None when several of the layer meet), None for an input.
Place = tuple[int, int | None] | None
_ACTIVATIONS = {"relu", "tanh", "sigmoid", "softplus", "leaky_relu", "elu"}


def _title(
    n_values: int, max_nodes: int, by: str, grad_flow: bool, edge_labels: bool, named: bool
) -> str:
    """The title that says why and how the drawing is collapsed (``named``: some parameter has
    an nn name, so there are layers to draw)."""
    lines = [
        f"{n_values:,} values > max_nodes={max_nodes:,}, so drawn collapsed: one box per {by}",
        "boxes group values by the L<i>.N<j> names of the parameters they depend on, and count the ops inside",
    ]
    if not named:
        lines[0] = f"{n_values:,} values > max_nodes={max_nodes:,}, so drawn collapsed"
        lines[1] = (
            "no parameter has an nn name (L<i>.N<j>.w<k>), so there are no layers to draw:\n"
            "all are one box, 'other parameters'; label them so, or draw every value (max_nodes=None)"
        )
    edges = ["edges: how many values cross"] if edge_labels else []
    if grad_flow:
        edges.append("edge colour and width: mean |grad| of the values that cross")
    if edges:
        lines.append("; ".join(edges))
    return "\n".join(lines)


def group_keys(order: list[Value], parameters: set[Value], by: str) -> dict[Value, GroupKey]:
    """The group of every node: INPUTS, AFTER, OUTPUT or (1, layer, neuron) (neuron -1 by layer)."""
    place: dict[Value, Place] = {}
    for node in order:
        if node in parameters:
            match = PARAMETER_LABEL.match(node.label)
            place[node] = (int(match[1]), int(match[2])) if match else (-1, None)
            continue
        deepest = None
        for parent in node.parents:
            candidate = place[parent]
            if candidate is None or (deepest is not None and candidate[0] < deepest[0]):
                continue
            if deepest is None or candidate[0] > deepest[0]:
                deepest = candidate
            elif candidate[1] != deepest[1]:
                deepest = (candidate[0], None)  # two neurons of the same layer meet
        place[node] = deepest

    network = _network_nodes(order, parameters, place)
    root = order[-1]
    keys: dict[Value, GroupKey] = {}
    for node in order:
        where = place[node]
        if node is root:
            keys[node] = OUTPUT
        elif where is None:
            keys[node] = INPUTS
        elif node not in network:
            keys[node] = AFTER
        else:
            layer, neuron = where
            keys[node] = (1, layer, -1 if by == "layer" or neuron is None else neuron)
    return keys


def _network_nodes(
    order: list[Value], parameters: set[Value], place: dict[Value, Place]
) -> set[Value]:
    """The values inside some neuron: from where its parameters enter up to its activation."""
    open_neuron: set[Value] = set()  # inside a neuron, before its activation
    linear_neurons: set[Value] = set()  # nn's one-node linear neurons: an activation may follow
    network = set(parameters)
    # A softplus on the last layer's output is the loss's (binary cross-entropy from logits takes
    # softplus(z) for a target 0, softplus(-z) for a 1), not the layer's activation: drawn after
    # the network whatever the targets. (A sigmoid there is an output activation, as in the notes.)
    # Only with nn's layer names: parameters without them have no layers (-1) to tell the last.
    last_layer = max((where[0] for p in parameters if (where := place[p]) is not None), default=-1)
    for node in order:
        op, parents = node.op, node.parents
        if op is None:  # a leaf
            continue
        if isinstance(op, Neuron):  # nn's one-node neuron, its activation included
            network.add(node)
            if op.activation is None:
                linear_neurons.add(node)
        elif _meets(parents, parameters) or (
            len(parents) > 1
            and all(parent in open_neuron and place[parent] == place[node] for parent in parents)
        ):
            open_neuron.add(node)
            network.add(node)
        elif (
            len(parents) == 1
            and (parents[0] in open_neuron or parents[0] in linear_neurons)
            and op.name.split("(")[0] in _ACTIVATIONS
            and not (
                op.name == "softplus"
                and last_layer >= 0
                and _layer_of(place[parents[0]]) == last_layer
            )
        ):
            network.add(node)  # the activation closes the neuron
    return network


def _layer_of(where: Place) -> int | None:
    return None if where is None else where[0]


def _meets(parents: tuple[Value, ...], parameters: set[Value]) -> bool:
    has_parameter = has_other = False
    for parent in parents:
        if parent in parameters:
            has_parameter = True
        else:
            has_other = True
    return has_parameter and has_other


def add_collapsed_graph(
    graph: graphviz.Digraph,
    order: list[Value],
    parameters: set[Value],
    by: str,
    root_label: str,
    show_grad: bool,
    grad_flow: bool,
    max_nodes: int,
    title: str | None,
) -> None:
    """Draw one summary box per group and one edge per pair of groups that values cross between.

    The root is drawn as a single value node with ``root_label``. Edges are labelled with how many
    values cross them unless there are too many edges to read (a layer-to-layer fan of neurons);
    those are merged where they run together instead.
    """
    keys = group_keys(order, parameters, by)
    ops: defaultdict[GroupKey, Counter[str]] = defaultdict(Counter)
    leaves: Counter[GroupKey] = Counter()
    neurons: defaultdict[GroupKey, set[str | None]] = defaultdict(set)
    parameter_grads: defaultdict[GroupKey, list[float]] = defaultdict(list)
    crossing: defaultdict[tuple[GroupKey, GroupKey], set[Value]] = defaultdict(set)
    for node in order:
        key, op = keys[node], node.op
        if op is None:  # a leaf
            leaves[key] += 1
            if node in parameters:
                match = PARAMETER_LABEL.match(node.label)
                neurons[key].add(match[2] if match else None)
                parameter_grads[key].append(abs(float(node.grad)))
            continue
        ops[key][op.name] += 1
        for parent in node.parents:
            if keys[parent] != key:
                crossing[keys[parent], key].add(parent)

    for key in sorted(set(keys.values())):
        node_id = _group_id(key)
        if key == OUTPUT:
            graph.node(
                node_id,
                label=root_label,
                shape="record",
                style="filled",
                fillcolor=ROLE_COLORS["output"],
            )
            continue
        lines = [_group_name(key, len(neurons[key]))]
        counts = (
            [f"{leaves[key]:,} {'parameters' if key[0] == 1 else 'leaves'}"] if leaves[key] else []
        )
        if ops[key]:
            n_ops = sum(ops[key].values())
            counts.append(f"{n_ops:,} op{'s' if n_ops != 1 else ''}")
        lines.append(", ".join(counts))
        kinds = [
            f"{count:,} {name}" for name, count in sorted(ops[key].items(), key=lambda kv: -kv[1])
        ]
        lines.extend("   ".join(kinds[i : i + 3]) for i in range(0, len(kinds), 3))
        if show_grad and parameter_grads[key]:
            mean = sum(parameter_grads[key]) / len(parameter_grads[key])
            lines.append(f"mean |grad| of parameters {mean:.3g}")
        fill = {INPUTS: "input", AFTER: "intermediate"}.get(key, "parameter")
        graph.node(
            node_id,
            label=plain_lines(lines),
            shape="box",
            style="rounded,filled",
            fillcolor=ROLE_COLORS[fill],
        )

    _keep_neurons_in_order(graph, sorted(set(keys.values())))
    edge_labels = len(crossing) <= _MAX_LABELLED_EDGES
    if not edge_labels:
        graph.attr(concentrate="true")
    for (tail, head), values in sorted(crossing.items()):
        style = {}
        if grad_flow:
            style = grad_edge_style(sum(abs(float(v.grad)) for v in values) / len(values))
        if edge_labels:
            style["label"] = f"{len(values):,} value{'s' if len(values) > 1 else ''}"
        graph.edge(_group_id(tail), _group_id(head), **style)
    named = any(key[0] == 1 and key[1] >= 0 for key in keys.values())
    set_title(graph, title or _title(len(order), max_nodes, by, grad_flow, edge_labels, named))


def _keep_neurons_in_order(graph: graphviz.Digraph, keys: list[GroupKey]) -> None:
    """A layer's neuron boxes side by side in the order N0, N1, ... (invisible edges in one rank)."""
    by_layer: defaultdict[int, list[GroupKey]] = defaultdict(list)
    for key in keys:
        if key[0] == 1 and key[2] not in (-1, None):
            by_layer[key[1]].append(key)
    for layer_keys in by_layer.values():
        with graph.subgraph() as rank:
            rank.attr(rank="same")
            for first, second in itertools.pairwise(layer_keys):
                rank.edge(_group_id(first), _group_id(second), style="invis")


def legend_entries(by: str) -> list[tuple[str, str]]:
    """The legend of a collapsed drawing: what each box colour stands for."""
    return [
        (ROLE_COLORS["input"], "inputs (no parameter upstream)"),
        (ROLE_COLORS["parameter"], f"{by}: its parameters and ops"),
        (ROLE_COLORS["intermediate"], "after the network (e.g. the loss)"),
        (ROLE_COLORS["output"], "output"),
    ]


def _group_id(key: GroupKey) -> str:
    names = {INPUTS: "inputs", AFTER: "after_network", OUTPUT: "output"}
    if key in names:
        return f"group_{names[key]}"
    _, layer, neuron = key
    if layer == -1:
        return "group_other_parameters"
    return f"group_L{layer}" if neuron == -1 else f"group_L{layer}_N{neuron}"


def _group_name(key: GroupKey, n_neurons: int) -> str:
    if key == INPUTS:
        return "inputs"
    if key == AFTER:
        return "after the network"
    _, layer, neuron = key
    if layer == -1:
        return "other parameters"
    if neuron == -1:
        return f"layer L{layer}" + (
            f" · {n_neurons} neuron{'s' if n_neurons > 1 else ''}" if n_neurons else ""
        )
    return f"neuron L{layer}.N{neuron}"
