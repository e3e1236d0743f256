"""Issue 12 item 14: any text reaching DOT is escaped for its label kind, so `dot` always renders.

Each drawing is rendered with the real `dot` (SVG); the text must come back as written (an
unprintable character as its escape, e.g. NUL as \\x00), never as a Graphviz syntax error.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from autograd import Value, draw_dot, neuron
from nn import MLP, draw_network

HOSTILE = [
    "nul\x00inside",
    "ends in a backslash\\",
    "<b>x</b>",
    'quote " and \\" inside',
    "record { | } < >",
    "escapes \\n \\l \\N",
    "tab\tand newline\nhere",
    "lone surrogate \ud800",
    "&amp; <TABLE>",
]


def _svg_texts(drawing) -> str:
    svg = drawing.pipe(format="svg").decode("utf-8")
    root = ElementTree.fromstring(svg)
    texts = "\n".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    # Graphviz writes spaces as no-break spaces; a word joiner keeps "\N" from being expanded.
    return texts.replace("\xa0", " ").replace("\u2060", "")


@pytest.mark.parametrize("text", HOSTILE)
def test_a_value_label_renders_as_written(text):
    a = Value(1.0, label=text)
    b = a * 2.0
    b.label = text
    b.backward()
    for kind in ({}, {"highlight": b}, {"rankdir": "TB"}):
        rendered = _svg_texts(draw_dot(b, **kind))
        assert _shown(text).split("\n")[0] in rendered


@pytest.mark.parametrize("text", HOSTILE)
def test_a_title_renders_as_written(text):
    drawing = draw_dot(Value(1.0) + 1.0, title=text)
    rendered = _svg_texts(drawing)
    # a title keeps its newlines as line breaks
    for line in _shown(text, keep_newlines=True).split("\n"):
        assert line in rendered


@pytest.mark.parametrize("text", HOSTILE)
def test_network_names_render_as_written(text):
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[0].name = text
    drawing = draw_network(model, input_names=[text, "y"], output_names=[text], title=text)
    rendered = _svg_texts(drawing)
    assert _shown(text).split("\n")[0] in rendered


def test_expanded_neurons_and_collapsed_drawings_escape_too():
    w = [Value(0.5, label="w<0>\\"), Value(-0.5, label="w\x001")]
    out = neuron(w, [Value(1.0, label="<x>"), 2.0], Value(0.1, label="b|"), "tanh")
    out.label = "out_h\\"
    out.backward()
    rendered = _svg_texts(draw_dot(out, expand=True))
    for name in ["w<0>\\", "w\\x001", "<x>", "b|", "net_h\\", "out_h\\"]:
        assert name in rendered
    assert "out_h\\" in _svg_texts(draw_dot(out, max_nodes=2))  # collapsed: the root's box


def _shown(text: str, keep_newlines: bool = False) -> str:
    """How the drawing shows ``text``: unprintable characters as their Python escapes."""
    return "".join(
        c if c.isprintable() or (keep_newlines and c == "\n") else ascii(c)[1:-1] for c in text
    )
