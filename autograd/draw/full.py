"""Draw every value of a graph: one box per value, one ellipse per op, fused neurons optionally opened up.

With ``expand`` a fused neuron ``act(w . x + b)`` is drawn as the lectures draw it: its inputs go
into a ``w·x + b`` ellipse, out comes the weighted sum z (the notes' net_h1) as its own box, with
its data and grad (the notes' delta, d root / dz), then the activation's ellipse and the output.
Each neuron's own parameters (w0, w1, ..., b) sit together, in that order, in a dashed frame
beside it. ``highlight`` marks the node the backward pass is processing and greys every
gradient that is not complete at that step (see ``steps.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import repeat

import graphviz

from ..ops import Op
from ..steps import BackwardStep, backward_order, made_by, nary_op, plain_number
from ..value import Value
from .style import ROLE_COLORS, grad_edge_style, html_text, plain_text, record_text

HIGHLIGHT_COLOR = "#dc2626"
PENDING_COLOR = "#9ca3af"  # a gradient still being summed: not final at this step
EARLIER_COLOR = "#f3f4f6"  # the rest of a graph drawn only near its output


@dataclass(frozen=True)
class Box:
    """What one value box shows: a name (may be empty), its data and grad, and if that grad is final.

    ``grad`` None: not computed at all yet (a neuron's z before the neuron's step), shown as ``?``.
    """

    name: str
    data: float
    grad: float | None
    pending: bool = False


# A fixed-point format's precision and type: ".4f" in "+10.4f"
_FIXED_POINT = re.compile(r"(\.\d+)?[fF]$")


def number_text(x: float, number_format: str) -> str:
    """``x`` in ``number_format``, but a small nonzero number is not cut to fewer significant
    digits by a fixed-point format's leading zeros: where such a format writes it as zero (1e-7
    as 0.0000) or as 0.0... with fewer digits than three significant ones give (the worked
    example's gradient 0.000438568 as 0.0004), ``.3g`` instead (1e-07, 0.000439), keeping the
    format's width, sign and fill. 0.05 stays 0.0500, and 0.999 under ``.1f`` stays 1.0."""
    text = format(x, number_format)
    if x == 0.0 or not _FIXED_POINT.search(number_format):
        return text
    shown = text.strip().lstrip("+-")
    if shown.startswith("0.0") or not _significant(shown):
        fewer = format(x, _FIXED_POINT.sub(".3g", number_format))
        if len(_significant(fewer)) > len(_significant(shown)):
            return fewer
    return text


def _significant(text: str) -> str:
    """The significant digits a number's text shows (``0.000439`` -> ``439``, ``1e-07`` -> ``1``)."""
    mantissa = text.split("e")[0]
    return "".join(d for d in mantissa if d.isdigit()).strip("0")


def _grad_text(box: Box, number_format: str) -> str:
    return "grad ?" if box.grad is None else f"grad {number_text(box.grad, number_format)}"


def record_label(box: Box, show_grad: bool, number_format: str, braces: bool) -> str:
    """Record label ``{ name | data 1.0000 | grad 0.5000 }`` (the name field only when set)."""
    fields = [record_text(box.name)] if box.name else []
    fields.append(f"data {number_text(box.data, number_format)}")
    if show_grad:
        fields.append(_grad_text(box, number_format))
    text = " | ".join(fields)
    return "{ " + text + " }" if braces else text


def html_label(
    box: Box, show_grad: bool, number_format: str, braces: bool, fill: str, marked: bool
) -> str:
    """The same fields as an HTML-like table, so that a pending grad alone can be greyed."""
    cells = [html_text(box.name)] if box.name else []
    cells.append(f"data {number_text(box.data, number_format)}")
    if show_grad:
        grad = _grad_text(box, number_format)
        cells.append(f'<FONT COLOR="{PENDING_COLOR}">{grad}</FONT>' if box.pending else grad)
    tds = [f"<TD>{cell}</TD>" for cell in cells]
    rows = "<TR>" + "".join(tds) + "</TR>" if braces else "".join(f"<TR>{td}</TR>" for td in tds)
    frame = f'BORDER="3" COLOR="{HIGHLIGHT_COLOR}"' if marked else 'BORDER="0"'
    table = f'<TABLE {frame} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{fill}">'
    return f"<{table}{rows}</TABLE>>"


def html_row(box: Box, show_grad: bool, number_format: str, fill: str, port: str) -> str:
    """One parameter as a table row (name, data, grad) whose edges leave from ``port``."""
    cells = [html_text(box.name), f"data {number_text(box.data, number_format)}"]
    if show_grad:
        grad = _grad_text(box, number_format)
        cells.append(f'<FONT COLOR="{PENDING_COLOR}">{grad}</FONT>' if box.pending else grad)
    tds = [f'<TD BGCOLOR="{fill}">{cell}</TD>' for cell in cells[:-1]]
    tds.append(f'<TD BGCOLOR="{fill}" PORT="{port}">{cells[-1]}</TD>')
    return "<TR>" + "".join(tds) + "</TR>"


def is_neuron(node: Value) -> bool:
    """A fused neuron node (``autograd.neuron``): parents (w..., x..., b) and z kept in ``_b``."""
    return node._a.__class__ is tuple and made_by(node).name.startswith("neuron(")


def z_name(node: Value) -> str:
    """The weighted sum's name: the lecture's net_h1 for an output out_h1 (net_<label>, or net)."""
    label = node.label
    if label.startswith("out_"):
        return "net_" + label[4:]
    return f"net_{label}" if label else "net"


def z_grad(node: Value, activation: Op) -> float:
    """d root / dz = d root / d out * act'(z), from the node's grad (the notes' delta)."""
    slope = plain_number(activation.local_grads((node._b,), node.data)[0])
    return float(node.grad) * slope


def highlighted_step(
    root: Value, highlight: Value | BackwardStep
) -> tuple[Value, tuple[Value, ...], int]:
    """The node ``highlight`` names, the order of the backward pass and the node's step in it."""
    if isinstance(highlight, BackwardStep):
        node, order, index = highlight.node, highlight.order, highlight.index
        if order[0] is not root:
            raise ValueError("highlight: this BackwardStep belongs to another graph")
    elif isinstance(highlight, Value):
        node, order = highlight, tuple(backward_order(root))
        index = next((k for k, n in enumerate(order) if n is node), -1)
        if index < 0:
            where = "a leaf" if node.is_leaf else "not in the graph of root"
            raise ValueError(
                f"highlight must be a node the backward pass processes (made by an op, under root); this one is {where}"
            )
    else:
        raise TypeError(f"highlight is a Value or a BackwardStep, not {type(highlight).__name__}")
    return node, order, index


def pending_nodes(
    root: Value, highlight: Value | BackwardStep
) -> tuple[Value, set[Value], set[Value]]:
    """The node being processed, the nodes whose grad is not final once its step is done, and
    the nodes processed so far (it included).

    A grad is final when every node that uses the value has been processed (the root's at once).
    """
    node, order, index = highlighted_step(root, highlight)
    done = set(order[: index + 1])
    pending: set[Value] = set()
    for user in order[index + 1 :]:
        pending.update(user.parents)
    pending -= done
    return node, pending, done


def add_full_graph(
    graph: graphviz.Digraph,
    order: list[Value],
    parameters: set[Value],
    show_grad: bool,
    number_format: str,
    grad_flow: bool,
    braces: bool,
    expand: bool,
    highlight: Value | BackwardStep | None,
    not_drawn: int = 0,
) -> None:
    """One box per value, one ellipse per op, edges input -> op -> output. ``order`` may be a
    part of a graph, the ``not_drawn`` values left out standing as one box its edges come from.

    Value ``k`` of the topological order is DOT node ``v<k>`` and the op that made it ``op<k>``
    (with ``expand``, a neuron's weighted sum is ``sum<k>`` and its z box ``z<k>``): one node per
    Value object, and the same DOT text every run, unlike ``id()`` numbers, so saved drawings
    and notebook outputs do not churn.
    """
    root = order[-1]
    position = {node: k for k, node in enumerate(order)}  # Values hash by identity
    if not_drawn:
        graph.node(
            "earlier",
            label=plain_text(f"{not_drawn:,} earlier values, not drawn"),
            shape="box",
            style="filled,dashed",
            fillcolor=EARLIER_COLOR,
        )
    current, pending, done = (
        pending_nodes(root, highlight) if highlight is not None else (None, set(), set(order))
    )
    frames = {leaf: k for leaf, k in _parameter_frames(order).items() if leaf in position}

    def edge_style(value: Value | float) -> dict[str, str]:
        grad = value.grad if isinstance(value, Value) else value
        return grad_edge_style(abs(float(grad))) if grad_flow else {}

    def box(
        node_id: str,
        content: Box,
        role: str,
        marked: bool,
        target: graphviz.Digraph,
        as_table: bool = False,
    ) -> None:
        fill = ROLE_COLORS[role]
        if highlight is None and not as_table:
            label = record_label(content, show_grad, number_format, braces)
            mark = {"color": HIGHLIGHT_COLOR, "penwidth": "3"} if marked else {}
            target.node(
                node_id, label=label, shape="record", style="filled", fillcolor=fill, **mark
            )
        else:  # a table looks the same and takes greyed text and flat edges, which records do not
            label = html_label(content, show_grad, number_format, braces, fill, marked)
            target.node(node_id, label=label, shape="plain")

    def op_node(node_id: str, name: str, marked: bool, ordered: bool = False) -> None:
        mark = {"color": HIGHLIGHT_COLOR, "penwidth": "3"} if marked else {}
        if ordered:  # inputs in order: a neuron's w0, w1, ..., b, then x; a - b's a, then b
            mark["ordering"] = "in"
        graph.node(
            node_id,
            label=plain_text(name),
            shape="ellipse",
            style="filled",
            fillcolor="#ffffff",
            **mark,
        )

    for k, node in enumerate(order):
        if node is root:
            role = "output"
        elif node.is_leaf:
            role = "parameter" if node in parameters else "input"
        else:
            role = "intermediate"
        content = Box(node.label, node.data, float(node.grad), node in pending)
        if node in frames:
            continue  # drawn in its neuron's frame below
        box(f"v{k}", content, role, node is current, graph)
        if node.is_leaf:
            continue
        marked = node is current
        activation = nary_op(node).activation if expand and is_neuron(node) else None
        if activation is not None:
            # before the neuron's own step, backward has not computed d root / dz at all
            computed = node in done
            z = Box(
                z_name(node), node._b, z_grad(node, activation) if computed else None, not computed
            )
            op_node(f"sum{k}", "w·x + b", marked, ordered=True)
            box(f"z{k}", z, "intermediate", marked, graph)
            graph.edge(f"sum{k}", f"z{k}", **edge_style(z.grad or 0.0))
            op_node(f"op{k}", activation.name, marked)
            graph.edge(f"z{k}", f"op{k}", **edge_style(z.grad or 0.0))
            into = f"sum{k}"
            formula = None
        else:
            op = made_by(node)
            # a - b, a / b: the order of the inputs is shown where it matters
            formula = op.formula if len(node.parents) == 2 else None
            name = "w·x + b" if expand and is_neuron(node) else formula or op.name
            op_node(f"op{k}", name, marked, ordered=is_neuron(node) or formula is not None)
            into = f"op{k}"
        for side, parent in zip("ab" if formula else repeat(""), _drawing_order(node)):
            tail = f"v{position[parent]}" if parent in position else "earlier"
            if parent in frames:
                tail = f"parameters{frames[parent]}:{tail}:e"
            graph.edge(tail, into, **({"label": side} if side else {}), **edge_style(parent))
        graph.edge(f"op{k}", f"v{k}", **edge_style(node))

    for k, members in _frames_by_neuron(frames).items():
        # One table per neuron holding its parameters, a row each in the order w0, w1, ..., b,
        # so they stay together and in order beside the neuron (separate boxes get shuffled).
        rows = []
        for member in members:
            role = "parameter" if member in parameters else "input"
            content = Box(member.label, member.data, float(member.grad), member in pending)
            rows.append(
                html_row(
                    content, show_grad, number_format, ROLE_COLORS[role], f"v{position[member]}"
                )
            )
        table = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
        graph.node(f"parameters{k}", label=f"<{table}{''.join(rows)}</TABLE>>", shape="plain")


def _drawing_order(node: Value) -> tuple[Value, ...]:
    """A node's parents in the order their edges are written: a neuron's w..., b, then its x."""
    if not is_neuron(node):
        return node.parents
    n = len(node._a) // 2
    return (*node._a[:n], node._a[-1], *node._a[n:-1])


def _parameter_frames(order: list[Value]) -> dict[Value, int]:
    """Each leaf weight or bias of a fused neuron -> the position of the first neuron using it.

    A leaf that another node also uses as an input (not as a weight or bias) stays out of frames.
    """
    frames: dict[Value, int] = {}
    as_input: set[Value] = set()
    for k, node in enumerate(order):
        if node.is_leaf:
            continue
        if is_neuron(node):
            n = len(node._a) // 2
            own = (*node._a[:n], node._a[-1])
            for parent in own:
                if parent.is_leaf and parent not in frames:
                    frames[parent] = k
            as_input.update(node._a[n:-1])
        else:
            as_input.update(node.parents)
    return {leaf: k for leaf, k in frames.items() if leaf not in as_input}


def _frames_by_neuron(frames: dict[Value, int]) -> dict[int, list[Value]]:
    """The framed leaves of each neuron, in the neuron's order w0, w1, ..., b."""
    by_neuron: dict[int, list[Value]] = {}
    for leaf, k in frames.items():  # dict order: the order the neuron lists them
        by_neuron.setdefault(k, []).append(leaf)
    return by_neuron
