"""Every drawing in the notebooks shows the gradients a fresh backward of the same graph gives.

Each notebook's code cells run here in order (matplotlib draws off screen) with ``draw_dot``
wrapped: before drawing, every node's ``.grad`` is compared with ``autograd.grad(root, nodes)``,
which differentiates the graph afresh without reading or writing any ``.grad``. A drawing made
after some other pass left gradients behind (a naive backward, a second backward) fails here;
a drawing of one backward step checks the gradients it shows as complete.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

import autograd
import autograd.draw
from autograd import grad, topological_order
from autograd.draw.full import pending_nodes

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def _code_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def _stale_gradients(root: autograd.Value, highlight: object = None) -> list[str]:
    """The nodes whose .grad differs from d root / d node computed afresh.

    A drawing of one step of the backward pass (``highlight=``) shows the gradients not complete
    yet in grey, as partial sums: only the complete ones must match.
    """
    order = topological_order(root)
    fresh = grad(root, order)
    pending = pending_nodes(root, highlight)[1] if highlight is not None else set()
    return [
        f"{node.label or node.op or 'leaf'}: drawn {node.grad!r}, fresh backward {float(truth)!r}"
        for node, truth in zip(order, fresh)
        if node not in pending
        and not math.isclose(float(node.grad), float(truth), rel_tol=1e-9, abs_tol=1e-12)
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
        if "matplotlib.pyplot" in sys.modules:  # as Jupyter's inline backend does after a cell
            sys.modules["matplotlib.pyplot"].close("all")
    wrong = [(cell, stale) for cell, stale in checked if stale]
    assert wrong == [], f"{path.name}: drawings with stale gradients (code cell, nodes): {wrong}"


def test_the_check_flags_stale_gradients_and_accepts_a_drawing_mid_pass():
    a, b = autograd.Value(2.0, label="a"), autograd.Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    first = next(autograd.backward_steps(d))  # a holds 1 of its -2, b nothing yet: both grey
    assert _stale_gradients(d, highlight=first) == []
    assert _stale_gradients(d) == [
        "a: drawn 1.0, fresh backward -2.0",
        "b: drawn 0.0, fresh backward 2.0",
    ]
    c.grad = 5.0  # a complete gradient drawn wrong is caught even mid-pass
    assert _stale_gradients(d, highlight=first) == ["c: drawn 5.0, fresh backward 1.0"]
