"""Every drawing in the notebooks shows the gradients a fresh backward of the same graph gives.

Each notebook's code cells run here in order (matplotlib draws off screen) with ``draw_dot``
wrapped: before drawing, every node's ``.grad`` is compared with ``autograd.grad(root, nodes)``,
which differentiates the graph afresh without reading or writing any ``.grad``. A drawing made
after some other pass left gradients behind (a naive backward, a second backward) fails here.
A drawing made in the middle of ``backward_steps`` (``highlight=step``) shows unfinished sums on
purpose, in grey; there the nodes already processed, whose gradients are complete, are checked.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import autograd
import autograd.draw
from autograd import grad, topological_order

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def _code_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def _stale_gradients(root: autograd.Value, highlight: object = None) -> list[str]:
    """The nodes whose .grad differs from d root / d node computed afresh (only those done, mid-pass)."""
    if isinstance(highlight, autograd.BackwardStep):
        order = list(highlight.order[: highlight.index + 1])
    else:
        order = topological_order(root)
    fresh = grad(root, order)
    return [
        f"{node.label or node.op or 'leaf'}: drawn {node.grad!r}, fresh backward {float(truth)!r}"
        for node, truth in zip(order, fresh)
        if not math.isclose(float(node.grad), float(truth), rel_tol=1e-9, abs_tol=1e-12)
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_drawing_shows_the_gradients_of_a_fresh_backward(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(path.parent)  # notebooks read their files relative to themselves
    real_draw_dot = autograd.draw_dot
    checked: list[tuple[int, list[str]]] = []
    cell = 0

    def checking_draw_dot(root, *args, **kwargs):
        if kwargs.get("show_grad", True):
            checked.append((cell, _stale_gradients(root, kwargs.get("highlight"))))
        return real_draw_dot(root, *args, **kwargs)

    monkeypatch.setattr(autograd, "draw_dot", checking_draw_dot)
    monkeypatch.setattr(autograd.draw, "draw_dot", checking_draw_dot)
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    for cell, source in enumerate(_code_cells(path)):
        exec(compile(source, f"{path.name} code cell {cell}", "exec"), namespace)
    wrong = [(cell, stale) for cell, stale in checked if stale]
    assert wrong == [], f"{path.name}: drawings with stale gradients (code cell, nodes): {wrong}"
