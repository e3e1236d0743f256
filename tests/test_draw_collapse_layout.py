"""Collapsed drawings fit a notebook, and a layer's neuron boxes come in order, on dot's own layout."""

from __future__ import annotations

import json
import subprocess

from autograd import draw_dot
from nn import MLP, mse_loss


def _layout(drawing) -> dict:
    result = subprocess.run(
        ["dot", "-Tjson"], input=drawing.source.encode(), capture_output=True, check=True
    )
    return json.loads(result.stdout)


def _six_layer_loss():
    model = MLP(3, [8, 8, 8, 8, 8, 2], seed=0)
    loss = mse_loss(model([0.1, 0.2, 0.3]), [0.0, 1.0])
    loss.backward()
    return loss


def test_a_six_layer_net_collapsed_by_layer_is_at_most_1000_pt_wide():
    layout = _layout(draw_dot(_six_layer_loss(), max_nodes=50))
    width = float(layout["bb"].split(",")[2])
    assert width <= 1000, width
    assert "rankdir=TB" in draw_dot(_six_layer_loss(), max_nodes=50).source


def test_collapse_by_neuron_places_each_layers_boxes_in_order():
    model = MLP(2, [16, 16, 1], seed=0)
    loss = mse_loss(model([0.5, -0.5]), [1.0])
    loss.backward()
    layout = _layout(draw_dot(loss, max_nodes=50, collapse_by="neuron"))
    for layer in (0, 1):
        boxes = {
            o["name"]: [float(v) for v in o["pos"].split(",")]
            for o in layout["objects"]
            if o["name"].startswith(f"group_L{layer}_N")
        }
        names = [f"group_L{layer}_N{j}" for j in range(16)]
        assert sorted(boxes) == sorted(names)
        # left to right: the layer is one column, N0 at the top (dot's y grows upwards)
        heights = [boxes[name][1] for name in names]
        assert heights == sorted(heights, reverse=True)
        assert len({round(boxes[name][0]) for name in names}) == 1
