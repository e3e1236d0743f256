"""Draw a computation graph with Graphviz: ``draw_dot(root)``, then ``save_graph(drawing, path)``.

Each value is a box (its label when set, its data and grad) and each op a small ellipse
between its inputs and its output, as in the lectures' pictures. Drawing reads the graph
and never changes it. Above ``max_nodes`` values the graph is drawn collapsed, one box per
layer or neuron (the rule is in ``collapse.py``). Colours and legends: ``style.py``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, overload

import graphviz

from ..backward import topological_order
from ..files import atomic_write_bytes
from ..steps import BackwardStep, grads_at_step
from ..value import Value
from .collapse import add_collapsed_graph, legend_entries
from .full import (
    EARLIER_COLOR,
    HIGHLIGHT_COLOR,
    PENDING_COLOR,
    Box,
    add_full_graph,
    highlighted_step,
    record_label,
)
from .style import (
    OP_COLOR,
    PARAMETER_LABEL,
    ROLE_COLORS,
    add_legend,
    new_digraph,
)

INSTALL_MESSAGE = """\
rendering needs Graphviz's `dot` program, and it is not on PATH. Install Graphviz, then retry:
  Debian/Ubuntu:  sudo apt-get install graphviz
  Fedora:         sudo dnf install graphviz
  macOS:          brew install graphviz
  conda:          conda install -c conda-forge graphviz
  Windows:        the installer from https://graphviz.org/download/ (tick "add Graphviz to the PATH")
(`pip install graphviz` gives only the Python bindings, not `dot`.) The DOT text is still there: drawing.source"""


# How many values a graph with nothing to group by shows nearest its output, when it has more
# than max_nodes: a chain of 300 values drawn whole was 30,000 pixels wide and unreadable.
NEAREST_SHOWN = 50


# graphviz is untyped (its classes are Any to mypy), hence the two ignores on the subclasses.
class GraphvizNotFound(graphviz.ExecutableNotFound):  # type: ignore[misc]
    """Rendering needs Graphviz's ``dot`` program, which is not installed (or not on PATH)."""

    def __init__(self) -> None:
        RuntimeError.__init__(self, INSTALL_MESSAGE)


class Drawing(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` (shown inline as SVG in Jupyter) that says how to install ``dot`` when it is missing."""

    def __repr__(self) -> str:
        # No memory address: a notebook's saved text output stays the same from run to run.
        return f"<{type(self).__module__}.{type(self).__qualname__}>"

    # As graphviz's own pipe: bytes by default, text when an encoding is given.
    @overload
    def pipe(
        self, format: str | None = None, *args: Any, encoding: None = None, **kwargs: Any
    ) -> bytes: ...
    @overload
    def pipe(self, format: str | None = None, *args: Any, encoding: str, **kwargs: Any) -> str: ...
    def pipe(self, *args: Any, **kwargs: Any) -> bytes | str:
        with _explain_missing_dot():
            output: bytes | str = super().pipe(*args, **kwargs)
        return output

    def render(self, *args: Any, **kwargs: Any) -> str:
        with _explain_missing_dot():
            path: str = super().render(*args, **kwargs)
        return path


@contextlib.contextmanager
def _explain_missing_dot() -> Iterator[None]:
    """Turn graphviz's terse ExecutableNotFound into one GraphvizNotFound with install steps."""
    try:
        yield
    except GraphvizNotFound:
        raise
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFound() from None


def draw_dot(
    root: Value,
    *,
    rankdir: str | None = None,
    show_grad: bool = True,
    number_format: str = ".4f",
    max_nodes: int | None = 300,
    grad_flow: bool = False,
    params: Iterable[Value] | None = None,
    collapse_by: str = "layer",
    title: str | None = None,
    legend: bool = True,
    expand: bool = False,
    highlight: Value | BackwardStep | None = None,
) -> Drawing:
    """The graph that ``root`` was computed from, as a ``graphviz.Digraph``.

    Roles set the fill colour: the root is the *output*; a leaf is a *parameter* when it is
    in ``params`` (default: when its label is nn's parameter name, like ``L0.N1.w0`` or
    ``L0.N1.b``) and an *input* otherwise (data, targets, constants); every other node is
    *intermediate*. With ``grad_flow=True`` every edge is coloured and thickened by the |grad|
    of the value it touches, so vanishing gradients show. A graph of more than ``max_nodes``
    values (``None``: no limit) is collapsed into one box per layer (``collapse_by="layer"``)
    or per neuron (``"neuron"``), as the title of the drawing explains. ``rankdir`` (default):
    left to right, but top down for a graph collapsed by layer, so deep nets fit a notebook.

    ``expand=True`` opens each fused neuron as the lectures draw it: the weighted sum z (net_h1)
    is its own box with its data and grad (delta), then the activation. ``highlight`` (a node,
    or a step of ``backward_steps``) marks the node the backward pass is processing and greys
    the gradients not yet complete there. Every text is escaped (see ``style.py``).
    """
    _check_arguments(root, rankdir, number_format, max_nodes, collapse_by)
    order = topological_order(root)
    collapsed = max_nodes is not None and len(order) > max_nodes
    if collapsed and highlight is not None:
        raise ValueError(
            f"highlight needs every value drawn, but this graph has {len(order):,} values > "
            f"max_nodes={max_nodes:,}; pass max_nodes=None (or a larger limit)"
        )
    if rankdir is None:
        # Left to right as the lectures draw; a collapsed net's chain of layer boxes top down,
        # which keeps a deep network within a notebook's width.
        rankdir = "TB" if collapsed and collapse_by == "layer" else "LR"
    if params is None:
        parameters = {node for node in order if node.is_leaf and PARAMETER_LABEL.match(node.label)}
    else:
        parameters = set(params)
    braces = rankdir in ("LR", "RL")  # record fields side by side in LR, as in the lectures

    # Nothing to group by (no nn parameters): the values nearest the output are drawn whole.
    partial = collapsed and not parameters
    if collapsed and not partial and max_nodes is not None:
        graph: Drawing = new_digraph(Drawing, rankdir, None)
        root_label = value_label(order[-1], show_grad, number_format, braces)
        add_collapsed_graph(
            graph,
            order,
            parameters,
            collapse_by,
            root_label,
            show_grad,
            grad_flow,
            max_nodes,
            title,
        )
        entries = legend_entries(collapse_by)
    else:
        drawn, default_title = order, _full_title(order, grad_flow, highlight is not None)
        if partial and max_nodes is not None:
            shown = nearest_the_root(order, min(max_nodes, NEAREST_SHOWN))
            drawn = [node for node in order if node in shown]
            default_title = _partial_title(len(shown), len(order), max_nodes, params is None)
        graph = new_digraph(Drawing, rankdir, title or default_title)
        # a step's gradients as they were at that step, whenever it is drawn
        with (
            grads_at_step(root, highlighted_step(root, highlight)[2])
            if highlight is not None
            else contextlib.nullcontext()
        ):
            add_full_graph(
                graph,
                drawn,
                parameters,
                show_grad,
                number_format,
                grad_flow,
                braces,
                expand,
                highlight,
                len(order) - len(drawn),
            )
        entries = _full_legend(params is None)
        if partial:
            entries.append((EARLIER_COLOR, "earlier values, not drawn"))
        if highlight is not None:
            entries += [
                (HIGHLIGHT_COLOR, "node being processed (red frame)"),
                (PENDING_COLOR, "grey grad: not complete yet"),
            ]
    if legend:
        add_legend(graph, entries, grad_flow)
    return graph


def _full_legend(by_label: bool) -> list[tuple[str, str]]:
    parameter_rule = "label like L0.N1.w0" if by_label else "in params="
    return [
        (ROLE_COLORS["input"], "input / constant"),
        (ROLE_COLORS["parameter"], f"parameter ({parameter_rule})"),
        (ROLE_COLORS["intermediate"], "intermediate value"),
        (ROLE_COLORS["output"], "output"),
        (OP_COLOR, "op (ellipse)"),
    ]


def nearest_the_root(order: list[Value], count: int) -> set[Value]:
    """The ``count`` values closest to the root (``order[-1]``), by the fewest ops between."""
    root = order[-1]
    shown = {root}
    frontier = [root]
    while frontier and len(shown) < count:
        following = []
        for node in frontier:
            for parent in node.parents:
                if parent not in shown and len(shown) < count:
                    shown.add(parent)
                    following.append(parent)
        frontier = following
    return shown


def _partial_title(shown: int, total: int, max_nodes: int, by_label: bool) -> str:
    why = "no parameter named like L0.N1.w0" if by_label else "no parameter in params="
    return (
        f"{total:,} values > max_nodes={max_nodes:,}, and {why} to group them by: "
        f"the {shown:,} nearest the output are drawn\n"
        "(max_nodes=None draws every value; nn's parameter names, or params=, draw it collapsed by layer)"
    )


def value_label(node: Value, show_grad: bool, number_format: str, braces: bool) -> str:
    """Record label ``{ label | data 1.0000 | grad 0.5000 }`` (the label field only when set)."""
    return record_label(
        Box(node.label, node.data, float(node.grad)), show_grad, number_format, braces
    )


def _full_title(order: list[Value], grad_flow: bool, replayed: bool) -> str | None:
    """The gradient-flow title; ``replayed``: a highlighted step's gradients are drawn, which
    are there even before any backward."""
    if not grad_flow:
        return None
    title = "gradient flow: each edge coloured and thickened by the |grad| of the value it touches"
    if not replayed and all(float(node.grad) == 0.0 for node in order):
        title += "\n(every grad is 0: call backward() before drawing)"
    return title


def _check_arguments(
    root: object, rankdir: str | None, number_format: str, max_nodes: object, collapse_by: str
) -> None:
    if not isinstance(root, Value):
        hint = ""
        if hasattr(root, "layers") or hasattr(root, "neurons"):
            hint = "; for a network's architecture use nn.draw_network(model), for its loss graph pass the loss"
        raise TypeError(f"draw_dot draws the graph of a Value, not {type(root).__name__}{hint}")
    if rankdir is not None and rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', not {rankdir!r}")
    try:
        format(1.0, number_format)
    except (ValueError, TypeError):
        raise ValueError(
            f"number_format {number_format!r} is not a float format such as '.4f' or '.3g'"
        ) from None
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise ValueError(f"max_nodes must be a positive int or None, not {max_nodes!r}")
    if collapse_by not in ("layer", "neuron"):
        raise ValueError(f"collapse_by must be 'layer' or 'neuron', not {collapse_by!r}")


def save_graph(
    drawing: graphviz.Digraph, path: str | os.PathLike[str], format: str | None = None
) -> Path:
    """Render ``drawing`` to ``path`` in one call and return the path written.

    The format comes from ``format`` or else the file's suffix (``.svg``, ``.png``, ``.pdf``, ...).
    The file appears whole or not at all, and a device or pipe is written through, never
    replaced (``autograd.files``).
    """
    if not isinstance(drawing, graphviz.Digraph):
        raise TypeError(
            f"save_graph takes a drawing, not {type(drawing).__name__}: "
            "save_graph(draw_dot(value), path) draws a Value's graph and saves it"
        )
    path = Path(path)
    file_format = (format or path.suffix.lstrip(".")).lower()
    if not file_format:
        raise ValueError(
            f"cannot tell the image format of {str(path)!r}: give it a suffix (.svg, .png, .pdf) or format="
        )
    if file_format not in graphviz.FORMATS:
        raise ValueError(f"Graphviz cannot write {file_format!r}; use svg, png or pdf")
    with _explain_missing_dot():
        image = drawing.pipe(format=file_format)
    atomic_write_bytes(path, image)
    return path
