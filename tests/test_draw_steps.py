"""draw_dot(highlight=...) and the steps page's text, on graphs small enough to check by hand."""

from __future__ import annotations

import re

import pytest

from autograd import Value, backward_steps, draw_dot, neuron
from autograd.draw import steps_page

GREY = "#9ca3af"


def _graph() -> tuple[Value, Value, Value, Value]:
    """d = a * b + a at a = 2, b = -3: dd/da = b + 1 = -2, dd/db = a = 2."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    return a, b, c, d


def _grad_cells(source: str) -> dict[str, str]:
    """Each named box's grad cell as drawn (with its FONT tag when greyed)."""
    cells = re.findall(r"<TD>(\w+)</TD><TD>data [-\d.]+</TD><TD>(.*?)</TD>", source)
    return dict(cells)


def test_the_first_step_greys_every_gradient_still_being_summed():
    *_, d = _graph()
    first = next(backward_steps(d))  # d has passed 1 to c and to a; a still waits for c's part
    cells = _grad_cells(draw_dot(d, highlight=first).source)
    assert cells["d"] == "grad 1.0000" and cells["c"] == "grad 1.0000"  # complete
    assert cells["a"] == f'<FONT COLOR="{GREY}">grad 1.0000</FONT>'  # 1 of its final -2
    assert cells["b"] == f'<FONT COLOR="{GREY}">grad 0.0000</FONT>'  # nothing yet


def test_the_last_step_has_every_gradient_complete_and_frames_its_node_in_red():
    *_, c, d = _graph()
    steps = list(backward_steps(d))
    source = draw_dot(d, highlight=steps[-1]).source
    cells = _grad_cells(source)
    assert cells == {
        "a": "grad -2.0000",
        "b": "grad 2.0000",
        "c": "grad 1.0000",
        "d": "grad 1.0000",
    }
    assert re.search(r'BORDER="3" COLOR="#dc2626"[^>]*><TR><TD>c</TD>', source)
    # highlighting by node gives the same picture as by step
    assert draw_dot(d, highlight=c).source == source


def test_a_step_drawn_after_the_walk_shows_that_step_and_changes_no_gradient():
    # a student drew step 1 after list(backward_steps(d)): the picture showed the final
    # gradients, greyed as "not complete yet"; a node drawn before any backward showed zeros
    a, b, c, d = _graph()
    steps = list(backward_steps(d))
    after = _grad_cells(draw_dot(d, highlight=steps[0]).source)
    assert after["a"] == f'<FONT COLOR="{GREY}">grad 1.0000</FONT>'  # as at the first step
    assert after["b"] == f'<FONT COLOR="{GREY}">grad 0.0000</FONT>'
    assert (a.grad, b.grad, c.grad, d.grad) == (-2.0, 2.0, 1.0, 1.0)  # the walk's end, kept
    fresh_a, fresh_b, _, fresh_d = _graph()  # no backward at all: every grad 0
    assert _grad_cells(draw_dot(fresh_d, highlight=fresh_d).source) == after  # the root: step 0
    assert (fresh_a.grad, fresh_b.grad, fresh_d.grad) == (0.0, 0.0, 0.0)


def test_highlight_refuses_a_leaf_or_a_node_of_another_graph():
    a, _, _, d = _graph()
    d.backward()
    with pytest.raises(ValueError, match="this one is a leaf"):
        draw_dot(d, highlight=a)
    with pytest.raises(ValueError, match="not in the graph of root"):
        draw_dot(d, highlight=Value(1.0) + 1.0)
    with pytest.raises(TypeError, match="a Value or a BackwardStep, not str"):
        draw_dot(d, highlight="c")
    with pytest.raises(ValueError, match="4 values > max_nodes=3; pass max_nodes=None"):
        draw_dot(d, highlight=d, max_nodes=3)


def test_an_expanded_neuron_has_no_z_gradient_before_its_step():
    w, x = [Value(0.4, label="w5")], [Value(0.5933, label="out_h1")]
    out = neuron(w, x, Value(0.6, label="b_o1"), "sigmoid")
    out.label = "out_o1"
    error = (out - 0.01) ** 2
    error.label = "E"
    first = next(backward_steps(error))
    cells = _grad_cells(draw_dot(error, expand=True, highlight=first).source)
    assert cells["net_o1"] == f'<FONT COLOR="{GREY}">grad ?</FONT>'


def test_the_page_writes_the_chain_rule_of_each_step():
    *_, d = _graph()
    page = steps_page(d)
    assert page.count('class="step"') == 2
    assert "dd/da += dd/dc * dc/da = 1.0000 * -3.0000 = -3.0000" in page
    assert "dd/db = dd/dc * dc/db = 1.0000 * 2.0000 = 2.0000" in page
    assert "dd/da = -2.000000000" in page  # the final gradients after the last step
    assert "<script src" not in page and "http" not in page.replace("http://www.w3.org", "")
