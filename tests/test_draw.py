"""draw_dot: the DOT text of known expressions, real renders, grad-flow view, missing Graphviz."""

import math
import re
import xml.etree.ElementTree as ET

import graphviz
import pytest

import autograd
from autograd import GraphvizNotFound, Value, draw_dot, save_graph, topological_order
from autograd.draw.style import GRAD_LEVELS, ROLE_COLORS

NODE = re.compile(r"^\t(\w+) \[label=(\"(?:[^\"\\]|\\.)*\"|\S+)(.*)\]$", re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)


def nodes_of(source: str) -> dict[str, tuple[str, str]]:
    """node id -> (label text, the rest of its attributes), legend left out."""
    found = {}
    for node_id, label, rest in NODE.findall(source):
        if not node_id.startswith("legend"):
            found[node_id] = (label.strip('"'), rest)
    return found


def fill_colours(source: str) -> dict[str, str]:
    return {
        node_id: re.search(r'fillcolor="([^"]+)"', rest)[1]
        for node_id, (_, rest) in nodes_of(source).items()
    }


def edges_of(source: str) -> list[tuple[str, str]]:
    return sorted((tail, head) for tail, head, _ in EDGE.findall(source))


def dot_ids(root):
    """The DOT ids draw_dot gives: ``v<k>`` for the k-th value in topological order, ``op<k>`` for its op."""
    position = {node: k for k, node in enumerate(topological_order(root))}
    return (lambda x: f"v{position[x]}"), (lambda x: f"op{position[x]}")


def lecture_expression():
    """The lectures' L = (a*b + c) * f, after backward."""
    a, b, c, f = (
        Value(2.0, label="a"),
        Value(-3.0, label="b"),
        Value(10.0, label="c"),
        Value(-2.0, label="f"),
    )
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    loss.backward()
    return a, b, c, f, e, d, loss


def test_small_expression_has_exactly_the_expected_nodes_edges_and_numbers():
    a, b, c, f, e, d, loss = lecture_expression()
    source = draw_dot(loss).source
    # By hand: e = 2 * -3 = -6, d = -6 + 10 = 4, L = 4 * -2 = -8; dL/dd = f = -2, dL/df = d = 4,
    # dL/de = dL/dc = -2, dL/da = -2 * b = 6, dL/db = -2 * a = -4.
    value = {
        a: "{ a | data 2.0000 | grad 6.0000 }",
        b: "{ b | data -3.0000 | grad -4.0000 }",
        c: "{ c | data 10.0000 | grad -2.0000 }",
        f: "{ f | data -2.0000 | grad 4.0000 }",
        e: "{ e | data -6.0000 | grad -2.0000 }",
        d: "{ d | data 4.0000 | grad -2.0000 }",
        loss: "{ L | data -8.0000 | grad 1.0000 }",
    }
    ops = {e: "*", d: "+", loss: "*"}
    v, op = dot_ids(loss)
    expected_nodes = {v(x): text for x, text in value.items()}
    expected_nodes.update({op(x): name for x, name in ops.items()})
    drawn = nodes_of(source)
    assert {node_id: label for node_id, (label, _) in drawn.items()} == expected_nodes

    expected_edges = [
        (v(a), op(e)),
        (v(b), op(e)),
        (op(e), v(e)),
        (v(e), op(d)),
        (v(c), op(d)),
        (op(d), v(d)),
    ]
    expected_edges += [(v(d), op(loss)), (v(f), op(loss)), (op(loss), v(loss))]
    assert edges_of(source) == sorted(expected_edges)


def test_roles_colour_the_nodes_and_params_overrides_the_label_rule():
    a, b, c, f, e, d, loss = lecture_expression()
    v, _ = dot_ids(loss)
    colour = fill_colours(draw_dot(loss).source)
    assert [colour[v(x)] for x in (a, b, c, f)] == [ROLE_COLORS["input"]] * 4  # no nn names: inputs
    assert colour[v(e)] == colour[v(d)] == ROLE_COLORS["intermediate"]
    assert colour[v(loss)] == ROLE_COLORS["output"]

    colour = fill_colours(draw_dot(loss, params=[a, f]).source)
    assert colour[v(a)] == colour[v(f)] == ROLE_COLORS["parameter"]
    assert colour[v(b)] == ROLE_COLORS["input"]
    assert "legend" in draw_dot(loss).source and "legend" not in draw_dot(loss, legend=False).source


def test_nn_parameter_names_make_parameters_and_ids_never_show_in_labels():
    x = Value(0.5, label="x")
    w = Value(-1.0, label="L0.N0.w0")
    bias = Value(0.25, label="L0.N0.b")
    out = (w * x + bias).tanh()
    source = draw_dot(out).source
    drawn = nodes_of(source)
    v, _ = dot_ids(out)
    assert (
        ROLE_COLORS["parameter"] in drawn[v(w)][1] and ROLE_COLORS["parameter"] in drawn[v(bias)][1]
    )
    assert ROLE_COLORS["input"] in drawn[v(x)][1]
    for label, _ in drawn.values():
        assert not any(re.search(rf"\b{node_id}\b", label) for node_id in drawn)
    for node in topological_order(out):
        assert str(id(node)) not in source  # Python ids appear nowhere, not even as DOT ids


def test_the_same_expression_built_twice_gives_byte_identical_dot():
    first, second = lecture_expression(), lecture_expression()  # both alive: their id()s differ
    assert {id(x) for x in first}.isdisjoint(id(x) for x in second)
    for options in (
        {},
        {"grad_flow": True},
        {"max_nodes": 2},
        {"rankdir": "TB", "show_grad": False},
    ):
        assert draw_dot(first[-1], **options).source == draw_dot(second[-1], **options).source


def test_equal_values_stay_separate_nodes_and_a_reused_value_stays_one():
    x1, x2 = Value(1.0, label="x"), Value(1.0, label="x")  # equal data and label, two objects
    source = draw_dot(x1 + x2, legend=False).source
    assert sorted(nodes_of(source)) == ["op2", "v0", "v1", "v2"]
    assert edges_of(source) == [("op2", "v2"), ("v0", "op2"), ("v1", "op2")]

    x = Value(1.0, label="x")
    source = draw_dot(x + x, legend=False).source  # one object used twice: one node, two edges
    assert sorted(nodes_of(source)) == ["op1", "v0", "v1"]
    assert edges_of(source) == [("op1", "v1"), ("v0", "op1"), ("v0", "op1")]


def test_exact_source_of_a_plus_b():
    a, b = Value(1.5, label="a"), Value(2.0)
    total = a + b
    source = draw_dot(total, show_grad=False, legend=False, number_format=".1f").source
    expected = (
        "digraph {\n"
        '\tfontname="Helvetica,Arial,sans-serif" rankdir=LR\n'
        '\tnode [fontname="Helvetica,Arial,sans-serif"]\n'
        '\tedge [fontname="Helvetica,Arial,sans-serif" fontsize=9]\n'
        '\tv0 [label="{ a | data 1.5 }" fillcolor="#dbeafe" shape=record style=filled]\n'
        '\tv1 [label="{ data 2.0 }" fillcolor="#dbeafe" shape=record style=filled]\n'
        '\tv2 [label="{ data 3.5 }" fillcolor="#bbf7d0" shape=record style=filled]\n'
        '\top2 [label="+" fillcolor="#ffffff" shape=ellipse style=filled]\n'
        "\tv0 -> op2\n"
        "\tv1 -> op2\n"
        "\top2 -> v2\n"
        "}\n"
    )
    assert source == expected


def test_options_direction_format_and_hidden_grad():
    a = Value(1.0, label="a")
    out = a * 3.0
    out.backward()
    top_down = draw_dot(out, rankdir="TB", number_format=".2e", show_grad=False).source
    assert "rankdir=TB" in top_down
    assert 'v0 [label="a | data 1.00e+00"' in top_down  # no braces: fields stack in TB as in LR
    assert "grad" not in top_down.split("legend")[0]


def test_a_tiny_nonzero_number_never_reads_as_zero():
    """.4f would show 3e-7 and its gradient 2e-7 as 0.0000; zero itself stays 0.0000."""
    a, b = Value(3e-7, label="a"), Value(2e-7, label="b")
    zero = Value(0.0, label="z")
    out = a * b + zero
    out.backward()
    source = draw_dot(out).source
    assert "a | data 3e-07 | grad 2e-07" in source
    assert "z | data 0.0000 | grad 1.0000" in source
    assert "data 6e-14 | grad 1.0000" in source  # the product; the root's grad is 1
    # the format's width, sign and fill stay; a format that is not fixed-point is left alone
    assert "a | data  +3e-07 | grad  +2e-07" in draw_dot(out, number_format="+7.4f").source
    assert "a | data 0.00% | grad 0.00%" in draw_dot(out, number_format=".2%").source


def test_reused_node_and_n_ary_ops_draw_one_edge_per_input():
    a = Value(3.0, label="a")
    doubled = a + a  # the classic reused-input case: two edges from a
    from autograd import dot

    weighted = dot([Value(1.0), Value(2.0)], [doubled, a])
    edges = edges_of(draw_dot(weighted).source)
    v, op = dot_ids(weighted)
    assert edges.count((v(a), op(doubled))) == 2
    assert sum(1 for tail, head in edges if head == op(weighted)) == 4
    assert 'label="·"' in draw_dot(weighted).source


def test_drawing_never_changes_the_graph():
    *_, loss = lecture_expression()
    before = [(n.data, n.grad, n.label, n.op, n.parents) for n in topological_order(loss)]
    draw_dot(loss, grad_flow=True)
    draw_dot(loss, max_nodes=2)
    after = [(n.data, n.grad, n.label, n.op, n.parents) for n in topological_order(loss)]
    assert before == after


def test_value_gradients_from_create_graph_are_shown_as_numbers():
    x = Value(2.0, label="x")
    y = x**3
    y.backward(create_graph=True)  # x.grad is a Value: 3 x^2 = 12
    assert isinstance(x.grad, Value)
    assert 'v0 [label="{ x | data 2.0000 | grad 12.0000 }"' in draw_dot(y).source


def test_record_characters_in_labels_are_escaped():
    weird = Value(1.0, label="a|b {c} <d>")
    source = draw_dot(weird * 2).source
    assert r"a\|b \{c\} \<d\>" in source


def test_grad_flow_shows_a_saturated_sigmoid_as_vanished():
    w = Value(2.0, label="L0.N0.w0")
    x = Value(10.0, label="x")
    z = w * x  # 20: deep in sigmoid's flat tail, where s'(z) = s(1 - s) is about 2e-9
    out = z.sigmoid()
    out.backward()
    assert abs(w.grad) < 1e-6
    source = draw_dot(out, grad_flow=True).source
    attributes = {(tail, head): attrs for tail, head, attrs in EDGE.findall(source)}
    strongest, vanished = GRAD_LEVELS[0], GRAD_LEVELS[-1]
    v, op = dot_ids(out)
    into_multiply = attributes[(v(w), op(z))]
    assert f'color="{vanished[1]}"' in into_multiply and "style=dashed" in into_multiply
    into_output = attributes[(op(out), v(out))]  # d out / d out = 1
    assert f'color="{strongest[1]}"' in into_output and f"penwidth={strongest[2]:g}" in into_output
    assert "edges by |grad|" in source and "vanished" in source
    assert "every grad is 0" not in source


def test_grad_flow_before_backward_says_so_in_the_title():
    out = Value(1.0) * Value(2.0)
    assert "call backward() before drawing" in draw_dot(out, grad_flow=True).source


def test_grad_flow_marks_nan_gradients():
    x = Value(0.0, label="x")
    out = x * math.nan
    out.backward()
    assert "#7b3294" in draw_dot(out, grad_flow=True).source


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rankdir": "XY"}, "rankdir"),
        ({"number_format": "d"}, "number_format"),
        ({"max_nodes": 0}, "max_nodes"),
        ({"collapse_by": "sample"}, "collapse_by"),
    ],
)
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        draw_dot(Value(1.0), **kwargs)


def test_a_model_instead_of_a_value_points_to_draw_network():
    class FakeMLP:
        layers = []

    with pytest.raises(TypeError, match="draw_network"):
        draw_dot(FakeMLP())
    with pytest.raises(TypeError, match="not float"):
        draw_dot(1.0)


# --- real renders (CI installs Graphviz) ---


def test_svg_render_is_valid_xml_with_one_group_per_node(tmp_path):
    *_, loss = lecture_expression()
    path = save_graph(draw_dot(loss), tmp_path / "graph.svg")
    assert path == tmp_path / "graph.svg"
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    node_groups = [
        g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"
    ]
    assert len(node_groups) == 7 + 3 + 1  # seven values, three ops, the legend
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"L", "data -8.0000", "grad 1.0000", "*", "+"} <= texts
    assert list(tmp_path.iterdir()) == [path]  # nothing left behind but the image


def test_png_and_pdf_renders_have_their_signatures(tmp_path):
    *_, loss = lecture_expression()
    drawing = draw_dot(loss)
    png = save_graph(drawing, tmp_path / "graph.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = (
        int.from_bytes(png[16:20], "big"),
        int.from_bytes(png[20:24], "big"),
    )  # the IHDR chunk
    assert 300 < width < 5000 and 100 < height < 3000, (width, height)
    assert save_graph(drawing, tmp_path / "graph.pdf").read_bytes()[:5] == b"%PDF-"
    assert (
        save_graph(drawing, tmp_path / "no_suffix", format="svg")
        .read_bytes()
        .lstrip()
        .startswith(b"<?xml")
    )


def test_save_graph_needs_a_known_format(tmp_path):
    drawing = draw_dot(Value(1.0))
    with pytest.raises(ValueError, match="suffix"):
        save_graph(drawing, tmp_path / "graph")
    with pytest.raises(ValueError, match="'docx'"):
        save_graph(drawing, tmp_path / "graph.docx")
    assert list(tmp_path.iterdir()) == []


def test_jupyter_shows_the_drawing_inline_as_svg():
    bundle = draw_dot(Value(1.0, label="x") * 2)._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert ET.fromstring(bundle["image/svg+xml"]).tag == "{http://www.w3.org/2000/svg}svg"


# --- without Graphviz's dot ---


def test_missing_dot_gives_one_error_that_says_how_to_install_it(tmp_path, monkeypatch):
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    *_, loss = lecture_expression()
    drawing = draw_dot(loss)
    assert "digraph" in drawing.source  # building the DOT text needs no dot program

    with pytest.raises(GraphvizNotFound) as caught:
        save_graph(drawing, tmp_path / "graph.svg")
    message = str(caught.value)
    for how in (
        "apt-get install graphviz",
        "brew install graphviz",
        "conda install",
        "graphviz.org/download",
    ):
        assert how in message
    assert isinstance(caught.value, RuntimeError) and isinstance(
        caught.value, graphviz.ExecutableNotFound
    )
    assert (
        caught.value.__cause__ is None and caught.value.__suppress_context__
    )  # one error, not a chain
    assert not (tmp_path / "graph.svg").exists()

    renders = [
        lambda: drawing.pipe(format="png"),
        lambda: drawing.render(tmp_path / "g", format="png"),
    ]
    for render in [*renders, drawing._repr_mimebundle_]:  # the last is what Jupyter calls
        with pytest.raises(GraphvizNotFound, match="apt-get install graphviz"):
            render()
    with pytest.raises(GraphvizNotFound):
        save_graph(
            graphviz.Digraph(), tmp_path / "plain.svg"
        )  # a plain Digraph gets the same message


def test_values_nn_makes_are_named_in_drawings():
    """A model called with numbers names them x0, x1, ...; its outputs out0, ...; a loss's targets y0, ..."""
    from nn import MLP, squared_error

    model = MLP(2, [3, 2], seed=0)
    outputs = model([0.5, -1.0])
    loss = squared_error(outputs, [0.0, 1.0])
    names = {node.label for node in topological_order(loss)}
    assert {"x0", "x1", "out0", "out1", "y0", "y1"} <= names
    single = MLP(2, [1], seed=0)([1, 2])
    assert single.label == "out"
    assert [p.label for p in single.parents] == ["L0.N0.w0", "L0.N0.w1", "x0", "x1", "L0.N0.b"]


@pytest.mark.parametrize(
    "make, formula",
    [
        (lambda x, y: x - y, "a - b"),
        (lambda x, y: x / y, "a / b"),
        (lambda x, y: x**y, "a ** b"),
        (lambda x, y: x.atan2(y), "atan2(a, b)"),
    ],
)
def test_an_op_whose_input_order_matters_shows_which_input_is_which(make, formula):
    # a student's trial: x - 0.5 was drawn with 0.5 above x, and 1.0 / x read upside down
    x, y = Value(1.5, label="x"), Value(0.5, label="y")
    out = make(y, x)  # y first, so the order is not the order the leaves were made in
    value, op = dot_ids(out)
    source = draw_dot(out).source
    assert nodes_of(source)[op(out)][0] == formula
    assert re.search(rf"{value(y)} -> {op(out)} \[label=a\]", source)
    assert re.search(rf"{value(x)} -> {op(out)} \[label=b\]", source)
    assert "ordering=in" in nodes_of(source)[op(out)][1]  # a drawn above b
    plain = x + y  # order does not matter: no labels
    assert "label=a" not in draw_dot(plain).source


def test_every_new_op_is_drawn_with_its_name():
    x = Value(0.5, label="x")
    names = {
        "sin": x.sin(), "cos": x.cos(), "tan": x.tan(), "asin": x.asin(), "acos": x.acos(),
        "atan": x.atan(), "sinh": x.sinh(), "cosh": x.cosh(), "sqrt": x.sqrt(), "cbrt": x.cbrt(),
        "abs": abs(x), "sign": x.sign(), "log1p": x.log1p(), "expm1": x.expm1(),
        "log2": x.log2(), "log10": x.log10(), "exp2": x.exp2(), "atan2(a, b)": x.atan2(2.0),
        "maximum": x.maximum(1.0), "minimum": x.minimum(1.0), "clamp(-1, 2)": x.clamp(-1.0, 2.0),
        "a % b": x % 0.3,
    }  # fmt: skip
    total = autograd.sum(list(names.values()))
    _, op = dot_ids(total)
    drawn = nodes_of(draw_dot(total).source)
    for name, node in names.items():
        assert drawn[op(node)][0] == name


@pytest.mark.parametrize(
    "x, number_format, text",
    [
        (0.000438568, ".4f", "0.000439"),  # the worked example's dE/dw1, once drawn 0.0004
        (-0.00095, ".4f", "-0.00095"),
        (0.05, ".4f", "0.0500"),  # (the review: no digit is lost where the format keeps them)
        (0.05, "+.3f", "+0.050"),
        (0.5, "8.2f", "    0.50"),
        (0.999, ".1f", "1.0"),
        (0.005, ".4f", "0.0050"),
        (0.0123, ".4f", "0.0123"),
    ],
)
def test_leading_zeros_never_cut_a_small_number_to_fewer_than_three_digits(x, number_format, text):
    from autograd.draw.full import number_text

    assert number_text(x, number_format) == text
