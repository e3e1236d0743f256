"""draw_network: the notes' small networks drawn with neurons as nodes and weights on edges.

The networks are built here from plain Values shaped like nn's modules (``layers``, ``neurons``,
``w``, ``b``, ``activation``), so these tests pin the drawing, not nn's constructors.
"""

import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from autograd import Value, save_graph
from nn.draw import NEGATIVE, POSITIVE, draw_network

SVG = "{http://www.w3.org/2000/svg}"


def network(numbers, activation="sigmoid"):
    """An MLP-shaped object from [(weight rows, biases), ...], parameters labelled like nn's."""
    layers = []
    for l, (rows, biases) in enumerate(numbers):
        neurons = [
            SimpleNamespace(
                name=f"L{l}.N{j}",
                w=[Value(w, label=f"L{l}.N{j}.w{i}") for i, w in enumerate(row)],
                b=Value(b, label=f"L{l}.N{j}.b"),
                activation=activation,
            )
            for j, (row, b) in enumerate(zip(rows, biases))
        ]
        layers.append(SimpleNamespace(neurons=neurons))
    return SimpleNamespace(layers=layers)


# Lecture 004: a1 = OR = g(-10 + 20 x1 + 20 x2), a2 = NAND = g(30 - 20 x1 - 20 x2),
# h = AND(a1, a2) = g(-30 + 20 a1 + 20 a2).
XOR = [([[20, 20], [-20, -20]], [-10, 30]), ([[20, 20]], [-30])]
# Lecture 004's worked 2-2-2 example.
WORKED = [
    ([[0.15, 0.20], [0.25, 0.30]], [0.35, 0.35]),
    ([[0.40, 0.45], [0.50, 0.55]], [0.60, 0.60]),
]


def parse(source):
    nodes = dict(re.findall(r"^\t+(\w+) \[label=(\"[^\"]*\"|\w+)", source, re.M))
    nodes = {node_id: label.strip('"') for node_id, label in nodes.items() if node_id != "legend"}
    edge_lines = re.findall(
        r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", source, re.M
    )  # not the inputs' invisible ones
    edges = {(tail, head): attrs for tail, head, attrs in edge_lines}
    return nodes, edges


def test_xor_network_has_its_neurons_biases_and_weights():
    source = draw_network(network(XOR), output_names=["h"]).source
    nodes, edges = parse(source)
    assert nodes == {
        "input0": "x1",
        "input1": "x2",
        "neuron0_0": "L0.N0\\nsigmoid\\nb = -10",
        "neuron0_1": "L0.N1\\nsigmoid\\nb = 30",
        "neuron1_0": "L1.N0\\nsigmoid\\nb = -30",
        "output0": "h",
    }
    weight = {
        pair: re.search(r"headlabel=(\S+)", attrs)[1] for pair, attrs in edges.items() if attrs
    }
    assert weight == {
        ("input0", "neuron0_0"): "20",
        ("input1", "neuron0_0"): "20",
        ("input0", "neuron0_1"): "-20",
        ("input1", "neuron0_1"): "-20",
        ("neuron0_0", "neuron1_0"): "20",
        ("neuron0_1", "neuron1_0"): "20",
    }
    assert set(edges) == set(weight) | {("neuron1_0", "output0")}
    assert f'color="{NEGATIVE}"' in edges["input0", "neuron0_1"]
    assert f'color="{POSITIVE}"' in edges["input0", "neuron0_0"]
    assert 'label="network 2-2-1"' in source


def test_edge_width_grows_with_the_size_of_the_weight():
    nodes, edges = parse(draw_network(network(WORKED)).source)
    width = {
        pair: float(re.search(r"penwidth=([\d.]+)", attrs)[1])
        for pair, attrs in edges.items()
        if attrs
    }
    assert width["neuron0_1", "neuron1_1"] == 4.0  # 0.55, the largest |w|
    assert width["input0", "neuron0_0"] == pytest.approx(0.8 + 3.2 * 0.15 / 0.55, abs=0.01)
    assert (
        width["input0", "neuron0_0"]
        < width["input1", "neuron0_0"]
        < width["neuron0_0", "neuron1_0"]
    )
    assert nodes["output0"] == "out1" and nodes["output1"] == "out2"


def test_worked_example_renders_to_svg_with_every_weight(tmp_path):
    path = save_graph(draw_network(network(WORKED)), tmp_path / "worked.svg")
    texts = [t.text for t in ET.parse(path).getroot().iter(f"{SVG}text")]
    for number in (
        "0.15",
        "0.2",
        "0.25",
        "0.3",
        "0.4",
        "0.45",
        "0.5",
        "0.55",
        "b = 0.35",
        "b = 0.6",
    ):
        assert number in texts
    assert texts.count("sigmoid") == 4


def test_show_grad_writes_gradients_next_to_weights_and_biases():
    model = network(XOR)
    model.layers[0].neurons[0].w[1].grad = 0.125
    model.layers[0].neurons[0].b.grad = -0.5
    nodes, edges = parse(draw_network(model, show_grad=True, edge_labels=True).source)
    assert 'headlabel="20 (grad 0.125)"' in edges["input1", "neuron0_0"]
    assert nodes["neuron0_0"] == "L0.N0\\nsigmoid\\nb = -10 (grad -0.5)"


def test_show_grad_moves_even_a_lecture_network_s_weights_into_tables():
    """ "20 (grad 0.125)" on an edge lay across arrowheads: by default it goes in the neuron's table."""
    model = network(XOR)
    model.layers[0].neurons[0].w[1].grad = 0.125
    source = draw_network(model, show_grad=True).source
    assert "headlabel" not in source
    assert 'w1</FONT></TD><TD ALIGN="RIGHT"><FONT COLOR="#2563eb">20 (grad 0.125)' in source
    assert "headlabel" in draw_network(model).source  # without gradients, on the edges


def test_a_layer_or_a_single_neuron_draws_too():
    layer = network(XOR).layers[0]
    nodes, _ = parse(draw_network(layer).source)
    assert {"neuron0_0", "neuron0_1", "output0", "output1"} <= set(nodes)
    nodes, edges = parse(draw_network(layer.neurons[1], input_names=["a", "b"]).source)
    assert nodes["input0"] == "a" and nodes["neuron0_0"].startswith("L0.N1\\nsigmoid")
    assert len(edges) == 3


def test_wide_networks_drop_the_weight_labels_but_keep_colour():
    rows = [[0.5 - 0.01 * (i + j) for i in range(16)] for j in range(16)]
    wide = network(
        [([[1.0, -1.0]] * 16, [0.0] * 16), (rows, [0.0] * 16), ([[1.0] * 16], [0.0])],
        activation="relu",
    )
    source = draw_network(wide).source
    assert "headlabel" not in source and f'color="{NEGATIVE}"' in source
    assert "headlabel" in draw_network(wide, edge_labels=True).source
    assert 'label="network 2-16-16-1"' in source


def test_bad_models_and_names_are_refused():
    with pytest.raises(TypeError, match="MLP, a Layer or a Neuron"):
        draw_network(Value(1.0))
    with pytest.raises(ValueError, match="2 inputs"):
        draw_network(network(XOR), input_names=["only one"])


def test_draws_an_nn_mlp():
    nn_module = pytest.importorskip("nn.module", reason="nn's modules are not importable")
    model = nn_module.MLP(2, [3, 1], activation="tanh", seed=0)
    nodes, edges = parse(draw_network(model, edge_labels=True).source)
    assert nodes["neuron0_2"].startswith("L0.N2\\ntanh") and nodes["neuron1_0"].startswith(
        "L1.N0\\nlinear"
    )
    assert len(edges) == 2 * 3 + 3 + 1


def test_a_network_of_more_than_500_weights_is_drawn_one_box_per_layer(tmp_path):
    # a student's draw_network(MLP(784, [128, 10])) kept dot busy for over 12 minutes
    from nn import MLP

    model = MLP(784, [128, 10], seed=0)
    source = draw_network(model).source
    assert "784 inputs" in source and "L0: 128 neurons, relu" in source
    assert "L1: 10 neurons, linear" in source and "10 outputs" in source
    assert "100,352 weights" in source and "1,280 weights" in source
    assert "101,770 parameters" in source  # 784 * 128 + 128 + 128 * 10 + 10, by hand
    weights = [w.data for neuron in model.layers[0].neurons for w in neuron.w]
    assert f"weights from {min(weights):.3g} to {max(weights):.3g}" in source
    assert source.count("->") == 3
    save_graph(draw_network(model), tmp_path / "mnist.png")  # rendered at once
    small = MLP(2, [16, 16, 1], seed=0)  # 304 weights: every neuron, as before
    assert "L1.N15" in draw_network(small).source
    assert "L0.N127" in draw_network(MLP(3, [128]), max_weights=None).source


def test_the_layer_boxes_count_in_good_grammar_show_gradient_ranges_and_check_the_limit():
    from nn import MLP, Neuron

    assert "L0: 1 neuron, relu" in draw_network(Neuron(30, seed=0), max_weights=10).source
    model = MLP(40, [20, 1], seed=0)
    for p in model.parameters():
        p.grad = 0.25 if p.label.endswith(".b") else -0.5
    source = draw_network(model, show_grad=True).source
    assert "grads from -0.5 to 0.25" in source and "1 output" in source and "20 weights" in source
    for limit in ("5", True, -1):
        with pytest.raises(ValueError, match="max_weights must be an int >= 0 or None"):
            draw_network(model, max_weights=limit)  # type: ignore[arg-type]
