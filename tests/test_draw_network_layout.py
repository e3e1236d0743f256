"""draw_network's labels never overlap, checked on Graphviz's own layout (``dot -Tjson``).

Every text Graphviz places (neuron names, biases, weights on edges or in tables, the legend)
is a box from its anchor point, alignment, width and font size; no two boxes of different
texts may intersect, for networks from the lecture's 2-2-1 up to 4-8-8-3.
"""

from __future__ import annotations

import itertools
import json
import subprocess

import pytest

from nn import MLP, draw_network

SIZES = [
    (1, [1]),
    (2, [2, 1]),
    (2, [2, 2]),
    (2, [3, 2]),
    (2, [3, 1]),
    (3, [2, 3]),
    (3, [3, 3]),
    (4, [4, 4]),
    (4, [8, 3]),
    (4, [8, 8, 3]),
]


def _text_boxes(drawing) -> list[tuple[str, float, float, float, float]]:
    """(text, left, bottom, right, top) of every text in the layout, in points."""
    layout = json.loads(
        subprocess.run(
            ["dot", "-Tjson"], input=drawing.source.encode(), capture_output=True, check=True
        ).stdout
    )
    boxes = []
    for element in [*layout.get("objects", []), *layout.get("edges", [])]:
        for key in ("_ldraw_", "_hldraw_", "_tldraw_"):
            size = 14.0
            for op in element.get(key, []):
                if op["op"] == "F":
                    size = op["size"]
                elif op["op"] == "T":
                    x, y = op["pt"]
                    width = op["width"]
                    left = {"l": x, "c": x - width / 2, "r": x - width}[op["align"]]
                    boxes.append((op["text"], left, y - 0.2 * size, left + width, y + 0.75 * size))
    return boxes


def _overlap(a, b) -> bool:
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


@pytest.mark.parametrize("show_grad", [False, True], ids=["values", "with grads"])
@pytest.mark.parametrize(("nin", "layers"), SIZES, ids=lambda s: str(s))
def test_no_two_labels_overlap(nin, layers, show_grad):
    model = MLP(nin, layers, seed=0)
    for p in model.parameters():
        p.grad = -0.000439  # as long a gradient as the lecture's 2-2-2 example shows
    boxes = _text_boxes(draw_network(model, show_grad=show_grad))
    weights = [w for layer in model.layers for neuron in layer.neurons for w in neuron.w]
    grad = " (grad -0.000439)" if show_grad else ""
    numbers = {format(w.data, ".3g") + grad for w in weights}
    assert numbers <= {text for text, *_ in boxes}  # every weight is written somewhere
    clashes = [(a[0], b[0]) for a, b in itertools.combinations(boxes, 2) if _overlap(a, b)]
    assert clashes == []


def test_the_check_sees_an_overlap():
    """The same check on a drawing with weights forced onto the crowded edges finds clashes."""
    boxes = _text_boxes(draw_network(MLP(4, [8, 8, 3], seed=0), edge_labels=True))
    assert any(_overlap(a, b) for a, b in itertools.combinations(boxes, 2))
