"""Collapsed drawings of big graphs: the grouping rule, and the 65,000-node two-moons loss."""

import itertools
import math
import random
import re
import time
import xml.etree.ElementTree as ET

import pytest

from autograd import Value, draw_dot, neuron, save_graph, sum, topological_order
from autograd.draw.collapse import AFTER, INPUTS, OUTPUT, group_keys

SVG = "{http://www.w3.org/2000/svg}"


def parameters_named(sizes, rng):
    """Parameters labelled as nn labels them: layers of (weights, bias) per neuron."""
    return [
        [
            (
                [Value(rng.uniform(-1, 1), label=f"L{l}.N{j}.w{i}") for i in range(nin)],
                Value(0.1, label=f"L{l}.N{j}.b"),
            )
            for j in range(nout)
        ]
        for l, (nin, nout) in enumerate(itertools.pairwise(sizes))
    ]


def two_moons_loss(n_points=100, sizes=(2, 16, 16, 1), seed=0):
    """Hinge loss + L2 penalty of MLP(2, [16, 16, 1]) over two moons, neurons written as w0*x0 + w1*x1 + ...

    That is about 640 ops per point (micrograd's demo network), so 100 points make ~65,000 values.
    """
    rng = random.Random(seed)
    layers = parameters_named(sizes, rng)
    half = n_points // 2
    angles = [math.pi * k / max(half - 1, 1) for k in range(half)]
    points = [(math.cos(t), math.sin(t), 1.0) for t in angles]  # upper moon, label +1
    points += [(1 - math.cos(t), 0.5 - math.sin(t), -1.0) for t in angles]  # lower moon, label -1
    margins = []
    for x0, x1, label in points:
        activations = [Value(x0), Value(x1)]
        for depth, layer in enumerate(layers):
            outputs = []
            for weights, bias in layer:
                z = bias
                for w, a in zip(weights, activations):
                    z = z + w * a
                outputs.append(z if depth == len(layers) - 1 else z.relu())
            activations = outputs
        margins.append((1 + -label * activations[0]).relu())
    every_parameter = [p for layer in layers for weights, bias in layer for p in (*weights, bias)]
    return sum(margins) * (1.0 / n_points) + 1e-4 * sum(p * p for p in every_parameter)


@pytest.fixture(scope="module")
def moons_loss():
    loss = two_moons_loss()
    loss.backward()
    return loss


def boxes(source):
    """Summary box label lines by group node id."""
    return {
        node_id: label.split("\\n")
        for node_id, label in re.findall(r'^\t(group_\w+) \[label="([^"]*)"', source, re.M)
        if node_id != "group_output"
    }


def test_the_65000_node_moons_loss_collapses_to_layer_summaries_and_renders(moons_loss, tmp_path):
    n_values = len(topological_order(moons_loss))
    assert 64_000 < n_values < 66_000

    start = time.perf_counter()
    drawing = draw_dot(moons_loss, grad_flow=True)
    drawn = time.perf_counter()
    svg = save_graph(drawing, tmp_path / "moons.svg")
    png = save_graph(drawing, tmp_path / "moons.png")
    rendered = time.perf_counter()
    print(
        f"\n{n_values:,} values: collapsed DOT in {drawn - start:.2f} s, SVG + PNG in {rendered - drawn:.2f} s;"
        f" SVG {svg.stat().st_size:,} bytes, PNG {png.stat().st_size:,} bytes"
    )

    summaries = boxes(drawing.source)
    # Each point: L0 is 16 x (2 *, 2 +, relu), L1 is 16 x (16 *, 16 +, relu), L2 is 16 * and 16 +.
    assert summaries["group_L0"][:3] == [
        "layer L0 · 16 neurons",
        "48 parameters, 8,000 ops",
        "3,200 *   3,200 +   1,600 relu",
    ]
    assert summaries["group_L1"][:2] == ["layer L1 · 16 neurons", "272 parameters, 52,800 ops"]
    assert summaries["group_L1"][2] == "25,600 *   25,600 +   1,600 relu"
    assert summaries["group_L2"][:3] == [
        "layer L2 · 1 neuron",
        "17 parameters, 3,200 ops",
        "1,600 *   1,600 +",
    ]
    # After the network: per point -y * score, 1 + ..., relu; then two sums, two scalings, 337 w * w.
    assert summaries["group_after_network"][:3] == [
        "after the network",
        "641 ops",
        "439 *   100 +   100 relu",
    ]
    assert summaries["group_inputs"] == [
        "inputs",
        "402 leaves",
    ]  # 200 coordinates, 100 labels, 100 ones, two scales
    title = re.search(r'label="([^"]*)" labelloc=t', drawing.source)[1]
    assert f"{n_values:,} values > max_nodes=300" in title and "one box per layer" in title
    assert 'group_L0 -> group_L1 [label="1,600 values"' in drawing.source
    # drawn top down (rankdir=TB), where record fields without braces lie side by side
    assert f'group_output [label="data {moons_loss.data:.4f} | grad 1.0000"' in drawing.source

    root = ET.parse(svg).getroot()
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {
        "layer L0 · 16 neurons",
        "layer L1 · 16 neurons",
        "layer L2 · 1 neuron",
        "after the network",
    } <= texts
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_collapse_by_neuron_gives_one_box_per_neuron():
    loss = two_moons_loss(n_points=4)
    drawing = draw_dot(loss, collapse_by="neuron")
    names = {lines[0] for lines in boxes(drawing.source).values()}
    neurons = {f"neuron L{l}.N{j}" for l, width in enumerate((16, 16, 1)) for j in range(width)}
    assert names == neurons | {"inputs", "after the network"}
    assert boxes(drawing.source)["group_L1_N3"][1:3] == [
        "17 parameters, 132 ops",
        "64 *   64 +   4 relu",
    ]
    assert (
        "concentrate=true" in drawing.source and 'values"' not in drawing.source
    )  # too many edges to label
    assert "one box per neuron" in drawing.source


def test_the_limit_is_a_parameter():
    loss = two_moons_loss(n_points=2)
    n_values = len(topological_order(loss))
    assert "group_" not in draw_dot(loss, max_nodes=n_values).source
    assert "group_" not in draw_dot(loss, max_nodes=None).source
    assert "group_" in draw_dot(loss, max_nodes=n_values - 1).source
    assert "my title" in draw_dot(loss, max_nodes=10, title="my title").source


def test_a_big_graph_with_nothing_to_group_by_draws_the_values_nearest_its_output(tmp_path):
    # a student's trial: a 60-step tanh chain (301 values, no nn parameter names) was drawn as
    # one "inputs" box and its output
    x = Value(0.5, label="x")
    y = x
    for _ in range(60):
        y = (y * 1.01 + 0.1).tanh()
    y.backward()
    drawing = draw_dot(y)
    source = drawing.source
    assert "group_" not in source
    assert "the 50 nearest the output are drawn" in source
    boxes = set(re.findall(r"^\s*(v\d+) \[", source, re.MULTILINE))
    assert len(boxes) == 50
    # the root and its closest inputs are there, with their numbers; the rest is one box
    assert f"data {y.data:.4f}" in source and f"grad {1.0:.4f}" in source
    assert re.search(r"earlier \[label=\"251 earlier values, not drawn\"", source)
    assert len(re.findall(r"^\s*earlier -> ", source, re.MULTILINE)) == 2  # edges into the part
    root = ET.fromstring(drawing.pipe(format="svg"))  # dot renders it
    assert root.tag.endswith("svg")
    # nn's names still collapse by layer, and max_nodes=None draws all
    assert "group_" in draw_dot(two_moons_loss(n_points=3), max_nodes=20).source
    assert (
        len(set(re.findall(r"^\s*(v\d+) \[", draw_dot(y, max_nodes=None).source, re.MULTILINE)))
        == 301
    )


def worked_example():
    """Lecture 004's 2-2-2 sigmoid network on x = (0.05, 0.10), y = (0.01, 0.99), J = 1/2 sum (o - y)^2."""
    from autograd import dot

    numbers = [
        ([[0.15, 0.20], [0.25, 0.30]], [0.35, 0.35]),
        ([[0.40, 0.45], [0.50, 0.55]], [0.60, 0.60]),
    ]
    values = [Value(0.05, label="x1"), Value(0.10, label="x2")]
    nodes = {}
    for l, (matrix, biases) in enumerate(numbers):
        outputs = []
        for j, (row, b) in enumerate(zip(matrix, biases)):
            weights = [Value(w, label=f"L{l}.N{j}.w{i}") for i, w in enumerate(row)]
            net = dot(weights, values) + Value(b, label=f"L{l}.N{j}.b")
            out = net.sigmoid()
            nodes[f"L{l}.N{j}"] = (net.parents[0], net, out)
            outputs.append(out)
        values = outputs
    errors = [
        0.5 * (o - Value(y, label=f"y{k + 1}")) ** 2
        for k, (o, y) in enumerate(zip(values, (0.01, 0.99)))
    ]
    loss = errors[0] + errors[1]
    loss.label = "J"
    return loss, nodes, errors


def test_grouping_rule_on_the_worked_example():
    loss, nodes, errors = worked_example()
    order = topological_order(loss)
    parameters = {n for n in order if n.is_leaf and n.label.startswith("L")}
    by_neuron = group_keys(order, parameters, "neuron")
    for name, (dot_node, net, activation) in nodes.items():
        layer, neuron = int(name[1]), int(name[4])
        assert (
            by_neuron[dot_node] == by_neuron[net] == by_neuron[activation] == (1, layer, neuron)
        ), name
    for error in errors:  # o - y, its square and the 1/2 come after the network
        assert (
            by_neuron[error]
            == by_neuron[error.parents[1]]
            == by_neuron[error.parents[1].parents[0]]
            == AFTER
        )
    assert by_neuron[loss] == OUTPUT
    assert {by_neuron[n] for n in order if n.label in ("x1", "x2", "y1", "y2")} == {INPUTS}
    assert group_keys(order, parameters, "layer")[nodes["L1.N1"][2]] == (1, 1, -1)


def test_grouping_rule_keeps_a_linear_output_neuron_apart_from_its_hinge_loss():
    w = [Value(0.5, label="L0.N0.w0"), Value(-0.5, label="L0.N0.w1")]
    bias = Value(0.1, label="L0.N0.b")
    x = [Value(1.0), Value(2.0)]
    score = bias + w[0] * x[0] + w[1] * x[1]  # linear output: no activation closes the neuron
    margin = 1 - 1.0 * score
    loss = margin.relu() + 0.01 * (
        w[0] * w[0]
    )  # the penalty reads a parameter but is not in a neuron
    order = topological_order(loss)
    keys = group_keys(order, set(w) | {bias}, "neuron")
    assert keys[score] == keys[score.parents[0]] == keys[score.parents[1]] == (1, 0, 0)
    assert keys[margin] == keys[margin.parents[1]] == keys[loss.parents[0]] == AFTER
    assert keys[loss.parents[1]] == keys[loss.parents[1].parents[1]] == AFTER


def test_loss_ops_after_nns_one_node_linear_neuron_go_after_the_network():
    """-score and softplus(-score) read the output neuron(linear) node: a loss, not the layer."""
    w = [Value(0.5, label="L0.N0.w0"), Value(-0.5, label="L0.N0.w1")]
    bias = Value(0.1, label="L0.N0.b")
    score = neuron(w, [1.0, 2.0], bias, "linear")
    flipped = -score
    loss = flipped.softplus()
    keys = group_keys(topological_order(loss), set(w) | {bias}, "layer")
    assert keys[score] == (1, 0, -1)
    assert keys[flipped] == AFTER


def test_parameters_without_nn_names_form_one_box():
    w = Value(2.0, label="w")
    x = Value(3.0, label="x")
    out = (w * x).tanh()
    source = draw_dot(out, params=[w], max_nodes=2).source
    assert "other parameters" in source
    assert "no parameter has an nn name" in source  # not "one box per layer": there are none
    assert "one box per layer" not in source


def test_collapsed_drawings_of_the_same_loss_built_twice_are_byte_identical():
    first, second = (
        two_moons_loss(n_points=4),
        two_moons_loss(n_points=4),
    )  # both alive: different id()s
    for by in ("layer", "neuron"):
        source = draw_dot(first, collapse_by=by, grad_flow=True).source
        assert source == draw_dot(second, collapse_by=by, grad_flow=True).source
        node_ids = re.findall(r"^\t(\w+) \[label=", source, re.M)
        assert node_ids and all(
            node_id.startswith(("group_", "legend")) for node_id in node_ids
        )  # no id() numbers


def test_an_activation_applied_to_a_linear_one_node_neuron_stays_in_its_layer():
    """neuron(..., "linear").sigmoid() is a sigmoid neuron written in two nodes: one box."""
    w = [Value(0.5, label="L0.N0.w0"), Value(-0.5, label="L0.N0.w1")]
    bias = Value(0.1, label="L0.N0.b")
    activated = neuron(w, [1.0, 2.0], bias, "linear").sigmoid()
    loss = (activated - 1.0) ** 2
    keys = group_keys(topological_order(loss), set(w) | {bias}, "layer")
    assert keys[activated] == keys[activated.parents[0]] == (1, 0, -1)
    assert keys[loss.parents[0]] == AFTER
    # but a loss op reading the linear neuron twice (out * out) is no part of the neuron
    out = neuron(w, [1.0, 2.0], bias, "linear")
    squared = out * out
    keys = group_keys(topological_order(squared + 0.1), set(w) | {bias}, "layer")
    assert keys[out] == (1, 0, -1) and keys[squared] == AFTER


def test_the_softplus_of_a_loss_from_logits_is_after_the_network_whatever_the_targets():
    # a student's moons drawing: the box of the linear output layer read "10 neuron(linear)
    # 5 softplus" (the targets 0: softplus(z)), and with every target 1 no softplus at all
    from nn import MLP
    from nn.losses import binary_cross_entropy_with_logits, mean_loss

    model = MLP(2, [4, 4, 1], activation="tanh", seed=1)
    rows = [[0.1 * k, 0.2 - 0.05 * k] for k in range(6)]
    for targets in ([0, 1] * 3, [0] * 6, [1] * 6):
        outputs = [model(row) for row in rows]
        loss = mean_loss(binary_cross_entropy_with_logits, outputs, targets)
        order = topological_order(loss)
        keys = group_keys(order, set(model.parameters()), "layer")
        softplus = [n for n in order if n.op is not None and n.op.name == "softplus"]
        assert len(softplus) == 6 and {keys[n] for n in softplus} == {AFTER}, targets
        assert {keys[o] for o in outputs} == {(1, 2, -1)}


def test_softplus_units_of_parameters_without_layer_names_stay_in_the_network():
    # parameters given through params= have no layers: no layer is the last one
    w = [Value(0.5, label=f"w{k}") for k in range(3)]
    hidden = [(wk * 2.0).softplus() for wk in w]
    out = sum([h * wk for h, wk in zip(hidden, w)])
    loss = (out - 1.0) ** 2
    keys = group_keys(topological_order(loss), set(w), "layer")
    assert {keys[h] for h in hidden} == {(1, -1, -1)}
