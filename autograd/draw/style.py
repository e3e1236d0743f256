"""How drawings look: colours by role, the gradient-flow scale, legends, label text.

Shared by ``draw.py`` (one node per value), ``draw_collapse.py`` (one box per layer or
neuron) and ``nn/draw.py`` (a network's architecture), so the three read alike.
"""

from __future__ import annotations

import html
import math
import re
from typing import cast

import graphviz

FONT = "Helvetica,Arial,sans-serif"

# Fill colour of a value node by its role in the graph (light, so black text stays readable).
ROLE_COLORS = {
    "input": "#dbeafe",  # leaves that are not parameters: data, targets, constants
    "parameter": "#fde68a",  # leaves that training updates
    "intermediate": "#f3f4f6",  # made by an op
    "output": "#bbf7d0",  # the root the graph is drawn from
}
OP_COLOR = "#ffffff"

# Parameters as the nn library names them: L<layer>.N<neuron>.w<index> or L<layer>.N<neuron>.b
PARAMETER_LABEL = re.compile(r"^L(\d+)\.N(\d+)\.(?:w\d+|b)$")

# Gradient-flow scale: |grad| by decade, so "vanished" reads the same in every graph.
# (lower bound, colour, penwidth, style, legend text), checked from the top.
GRAD_LEVELS = (
    (1e-1, "#7f0000", 3.5, "solid", "|grad| ≥ 0.1"),
    (1e-3, "#d7301f", 2.2, "solid", "0.001 ≤ |grad| < 0.1"),
    (1e-6, "#fc8d59", 1.3, "solid", "1e-6 ≤ |grad| < 0.001"),
    (0.0, "#bdbdbd", 1.0, "dashed", "|grad| < 1e-6 (vanished)"),
)
NONFINITE_LEVEL = (math.inf, "#7b3294", 3.5, "bold", "grad is nan or inf")


def grad_edge_style(magnitude: float) -> dict[str, str]:
    """Edge attributes for a gradient of absolute size ``magnitude``."""
    level = (
        NONFINITE_LEVEL
        if not math.isfinite(magnitude)
        else next(level for level in GRAD_LEVELS if magnitude >= level[0])
    )
    _, color, penwidth, style, _ = level
    return {"color": color, "penwidth": f"{penwidth:g}", "style": style}


def visible(text: str, keep_newlines: bool = False) -> str:
    """``text`` with every unprintable character (NUL, tab, a lone surrogate...) written as its escape.

    DOT cannot carry a NUL, and Graphviz would drop or choke on the others; ``\\x00`` shows what was there.
    """
    return "".join(
        char if char.isprintable() or (keep_newlines and char == "\n") else ascii(char)[1:-1]
        for char in text
    )


def plain_text(text: str, keep_newlines: bool = False) -> str:
    """``text`` for a plain (quoted string) label: shown as written, never read as an escape or HTML.

    Backslashes are doubled (so ``\\n`` or a final ``\\`` stay text), ``&`` is written ``&amp;`` (Graphviz
    reads entities in every label), newlines become DOT line breaks
    when ``keep_newlines``, and ``nohtml`` stops a text like ``<b>x</b>`` from being taken for HTML.
    """
    escaped = visible(text, keep_newlines).replace("&", "&amp;").replace("\\", "\\\\")
    return cast(str, graphviz.nohtml(escaped.replace("\n", "\\n")))


def plain_lines(lines: list[str]) -> str:
    """Several lines of text as one plain label (each escaped, then joined by DOT line breaks)."""
    return cast(str, graphviz.nohtml("\\n".join(str(plain_text(line)) for line in lines)))


def record_text(text: str) -> str:
    """``text`` safe inside a record-shaped node, where ``{ } | < >`` are structure."""
    return re.sub(r"([\\{}|<>])", r"\\\1", visible(text).replace("&", "&amp;"))


def html_text(text: str) -> str:
    """``text`` safe inside an HTML-like label.

    Graphviz expands ``\\N``, ``\\G``, ... (the node's or graph's name) even there, entity or not; an
    invisible word joiner (U+2060) after such a backslash keeps the text as written.
    """
    return re.sub(r"\\(?=[NGETHL])", "\\\u2060", html.escape(visible(text)))


def add_legend(
    graph: graphviz.Digraph, entries: list[tuple[str, str]], grad_flow: bool = False
) -> None:
    """One compact legend node: a colour swatch per (fill colour, text), then the grad-flow scale."""
    rows = [
        f'<TR><TD BGCOLOR="{fill}" BORDER="1" WIDTH="16"></TD><TD ALIGN="LEFT">{html_text(text)}</TD></TR>'
        for fill, text in entries
    ]
    if grad_flow:
        rows.append('<TR><TD COLSPAN="2" ALIGN="LEFT"><B>edges by |grad|</B></TD></TR>')
        for level, stroke in zip(
            (*GRAD_LEVELS, NONFINITE_LEVEL), ("━━━", "━━━", "───", "╌╌╌", "━━━")
        ):
            _, color, _, _, text = level
            rows.append(
                f'<TR><TD><FONT COLOR="{color}">{stroke}</FONT></TD><TD ALIGN="LEFT">{html_text(text)}</TD></TR>'
            )
    table = '<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2" COLOR="#9ca3af">'
    graph.node(
        "legend", label=f"<{table}{''.join(rows)}</TABLE>>", shape="plaintext", fontsize="10"
    )


def set_title(graph: graphviz.Digraph, title: str | None) -> None:
    """Put ``title`` (lines split by newlines) above the drawing."""
    if title:
        graph.attr(label=plain_text(title, keep_newlines=True), labelloc="t", fontsize="14")


def new_digraph(graph_class: type, rankdir: str, title: str | None) -> graphviz.Digraph:
    """An empty drawing with the shared fonts, direction and (optional) title on top."""
    graph = graph_class(format="svg")
    graph.attr(rankdir=rankdir, fontname=FONT)
    set_title(graph, title)
    graph.attr("node", fontname=FONT)
    graph.attr("edge", fontname=FONT, fontsize="9")
    return graph
