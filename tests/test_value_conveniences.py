"""Value conveniences a PyTorch user reaches for (item, detach, format) and the error for a batch."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import nn
from autograd import Value


def test_item_is_the_float() -> None:
    v = Value(2.5) * 2.0
    assert v.item() == 5.0 and type(v.item()) is float


def test_detach_is_a_new_leaf_with_the_same_number_and_stops_gradients() -> None:
    x = Value(3.0)
    y = x * x
    d = y.detach()
    assert d is not y and d.is_leaf and d.data == 9.0 and d.grad == 0.0
    z = d * x  # d/dx (9 x) = 9: nothing flows through the detached x * x
    z.backward()
    assert x.grad == 9.0 and d.grad == 3.0


@pytest.mark.parametrize(
    "spec, expected",
    [(".3f", "3.142"), (".2e", "3.14e+00"), ("8.2f", "    3.14"), ("g", "3.14159")],
)
def test_format_spec_applies_to_the_number(spec: str, expected: str) -> None:
    v = Value(3.14159)
    assert format(v, spec) == expected
    assert f"{v:{spec}}" == expected


def test_empty_format_spec_and_repr_are_unchanged() -> None:
    v = Value(1.5, label="w")
    assert f"{v}" == str(v) == repr(v) == "Value(data=1.5, grad=0.0, label='w')"


def test_a_bad_format_spec_is_an_error() -> None:
    with pytest.raises(ValueError):
        format(Value(1.0), "d")  # as format(1.0, "d")


@pytest.mark.parametrize(
    "batch",
    [[[2, 3, -1], [1, 1, 1]], [[2, 3, -1]] * 3, np.array([[2.0, 3.0, -1.0], [1.0, 1.0, 1.0]])],
    ids=["2 rows", "3 rows (as many as inputs)", "2-D array"],
)
def test_calling_a_model_on_a_batch_says_it_takes_one_sample(batch) -> None:
    model = nn.MLP(3, [4, 1], seed=0)
    with pytest.raises(ValueError, match=r"takes one sample .* nn\.predict\(model, rows\)"):
        model(batch)
    # what the message suggests works
    assert len(nn.predict(model, batch)) == len(batch)


def test_int_round_and_unary_plus_work_as_on_the_number() -> None:
    # a student's trial: each raised Python's generic TypeError (PyTorch's tensors take them)
    v = Value(-2.75)
    assert int(v) == -2 and round(v) == -3 and round(v, 1) == -2.8
    assert +v is v


def test_grad_takes_one_value_as_well_as_a_list() -> None:
    import autograd

    x = Value(3.0)
    assert autograd.grad(x * x, x) == [6.0] == autograd.grad(x * x, [x])


def test_common_mix_ups_get_a_message_that_names_the_fix(tmp_path) -> None:
    import autograd

    x = Value(1.0)
    with pytest.raises(
        TypeError, match=r"save_graph takes a drawing, not Value: save_graph\(draw_dot\(value\)"
    ):
        autograd.save_graph(x * 2, tmp_path / "g.png")
    with pytest.raises(
        TypeError,
        match=r"SGD takes the parameters to train, not the MLP itself: pass model.parameters\(\)",
    ):
        nn.SGD(nn.MLP(2, [1]), lr=0.1)
    with pytest.raises(ValueError, match="a linear output is a logit: use bce_with_logits"):
        nn.binary_cross_entropy(Value(-0.09), 1.0)
    with pytest.raises(
        TypeError, match=r"Values are not ordered.*v\.relu\(\), or autograd\.maximum"
    ):
        np.maximum(np.array([x], dtype=object), 0)
    assert not (tmp_path / "g.png").exists()


def test_in_place_update_under_no_grad_changes_the_parameter_itself() -> None:
    # PyTorch's hand-written step; without __isub__ the loop rebound p and the model kept its numbers
    from autograd import no_grad

    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    model([1.0, 2.0]).backward()
    params = model.parameters()
    expected = [p.data - 0.1 * p.grad for p in params]
    with no_grad():
        for p in params:
            p -= 0.1 * p.grad
    assert [p.data for p in model.parameters()] == expected
    assert all(p.grad != 0.0 for p in params[:1])  # the gradients stay, as in PyTorch


@pytest.mark.parametrize(
    "in_place, expected",
    [
        (operator.iadd, (2.0 + 5.0) + 4.0),
        (operator.isub, (2.0 - 5.0) - 4.0),
        (operator.imul, (2.0 * 5.0) * 4.0),
        (operator.itruediv, (2.0 / 5.0) / 4.0),
        (operator.ipow, (2.0**5.0) ** 4.0),
        (operator.imod, (2.0 % 5.0) % 4.0),
    ],
)
def test_each_in_place_operator_under_no_grad_keeps_the_leaf(in_place, expected: float) -> None:
    from autograd import no_grad

    x = Value(2.0)
    with no_grad():
        assert in_place(x, Value(5.0)) is x
        assert in_place(x, np.array(4.0)) is x  # a 0-d array: numpy's reflected op rebound x
    assert x.data == expected and x.is_leaf


def test_a_parameter_updated_in_place_outside_no_grad_is_a_warning() -> None:
    # a student's and a PyTorch user's first loop, p -= 0.1 * p.grad, trained nothing silently
    import warnings

    model = nn.MLP(2, [3, 1], seed=0)
    nn.losses.squared_error(model([1.0, 2.0]), [0.5]).backward()
    before = [p.data for p in model.parameters()]
    with pytest.warns(
        UserWarning, match=r"leaves the Value itself \(the model's parameter\) unchanged"
    ) as caught:
        for p in model.parameters():
            p -= 0.1 * p.grad
    assert [p.data for p in model.parameters()] == before  # what the warning says
    # one for each parameter with a gradient (an idle relu unit's is 0: its update is no mistake)
    assert len(caught) == sum(p.grad != 0.0 for p in model.parameters()) > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        total = Value(0.0)  # summing into a leaf with no gradient is no update: no warning
        for k in range(3):
            total += Value(float(k))
        zeroed = Value(1.0)
        zeroed.grad = 0  # type: ignore[assignment]  # micrograd's zero_grad writes an int
        zeroed += 1.0
        zeroed = Value(1.0)
        zeroed.grad = np.float64(0.0)
        zeroed += 1.0
        refused = Value(1.0)
        refused.grad = 3.0
        with pytest.raises(TypeError):  # refused, with no warning first
            refused += "a"  # type: ignore[operator]


def test_in_place_operators_elsewhere_make_a_new_node_as_before() -> None:
    from autograd import no_grad

    # recording: x += y builds the graph, the micrograd way of summing
    total = Value(0.0)
    start, w = total, Value(3.0)
    total += w * 2.0
    total += w
    total.backward()
    assert start.data == 0.0 and total is not start and w.grad == 3.0
    # under no_grad, a node made by an op keeps its number (its graph's backward reads it)
    x = Value(0.5)
    y = x.tanh()
    with no_grad():
        y_before = y
        y += 1.0
    assert y is not y_before and y_before.data == np.tanh(0.5)
    y_before.backward()
    assert x.grad == pytest.approx(1.0 - np.tanh(0.5) ** 2, rel=1e-15)
    # under no_grad, a result computed there may be held elsewhere: total += loss leaves it alone
    with no_grad():
        losses = [x * 2.0, x * 3.0]
        total = losses[0]
        total += losses[1]
    assert losses[0].data == 1.0 and total.data == 2.5
    # a type the operator refuses is still refused
    with no_grad(), pytest.raises(TypeError):
        x -= "1"  # type: ignore[operator]


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_takes_pytorchs_set_to_none(set_to_none: bool) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    for zero in (model.zero_grad, optimizer.zero_grad):
        model([1.0, 2.0]).backward()
        assert any(p.grad != 0.0 for p in model.parameters())
        zero(set_to_none=set_to_none)
        assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize("parentheses", [False, True])
def test_no_grad_and_enable_grad_decorate_with_or_without_parentheses(parentheses: bool) -> None:
    from autograd import enable_grad, is_grad_enabled, no_grad

    def seen_mode() -> bool:
        return is_grad_enabled()

    quiet = no_grad()(seen_mode) if parentheses else no_grad(seen_mode)
    loud = enable_grad()(seen_mode) if parentheses else enable_grad(seen_mode)
    assert quiet() is False and is_grad_enabled() is True
    with no_grad():
        assert loud() is True and is_grad_enabled() is False
    assert quiet.__name__ == "seen_mode"  # functools.wraps keeps the name for tracebacks


def test_no_grad_given_something_that_is_not_a_function_says_so() -> None:
    from autograd import no_grad

    with pytest.raises(TypeError, match=r"decorator it takes a function, not float"):
        no_grad(3.0)  # type: ignore[call-overload]


def test_backward_takes_pytorchs_seed_gradient_and_retain_graph() -> None:
    # y.backward(g) is d(g*y): every gradient scaled by g, as torch's y.backward(tensor(g))
    torch = pytest.importorskip("torch")
    x, w = Value(0.7), Value(-1.3)
    y = (x * w).tanh() + x.exp()
    y.backward(2.5, retain_graph=True)
    tx = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    tw = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    ty = torch.tanh(tx * tw) + torch.exp(tx)
    ty.backward(torch.tensor(2.5, dtype=torch.float64), retain_graph=True)
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-15)
    assert w.grad == pytest.approx(tw.grad.item(), rel=1e-15)
    assert y.grad == 2.5
    x2 = Value(0.7)
    (x2 * x2).backward(3.0, create_graph=True)  # d/dx 3x^2 = 6x, as a Value
    assert isinstance(x2.grad, Value) and x2.grad.data == pytest.approx(6 * 0.7, rel=1e-15)
    with pytest.raises(
        TypeError, match=r"gradient is d loss / d this Value; Value takes a real number .* not str"
    ):
        y.backward("2")  # type: ignore[arg-type]


def test_grad_with_create_graph_gives_an_unused_input_a_value_to_differentiate() -> None:
    from autograd import grad

    x, unused = Value(2.0), Value(5.0)
    dx, dunused = grad(x * x, [x, unused], create_graph=True, retain_graph=True)
    assert isinstance(dunused, Value) and dunused.data == 0.0
    dunused.backward()  # was: 'float' object has no attribute 'backward'
    assert grad(dx, [x])[0] == 2.0


def test_numpy_functions_over_an_array_of_values_keep_the_gradient() -> None:
    # np.arcsin, np.arctan2, np.var and np.std over an object array call the elements' methods
    # arcsin, arctan2 and conjugate: numpy's own errors said they were missing
    torch = pytest.importorskip("torch")
    xs = [0.3, -0.5, 0.8]
    v = np.array([Value(x) for x in xs], dtype=object)
    out = np.arcsin(v).sum() + np.arccos(v).sum() + np.arctan(v).sum()
    out = out + np.arctan2(v, 2.0).sum() + np.var(v) + np.std(v)
    out.backward()
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    two = torch.tensor(2.0, dtype=torch.float64)
    expected = torch.arcsin(t).sum() + torch.arccos(t).sum() + torch.arctan(t).sum()
    expected = expected + torch.atan2(t, two).sum() + t.var(unbiased=False) + t.std(unbiased=False)
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-15)
    assert [x.grad for x in v] == pytest.approx(t.grad.tolist(), rel=1e-14)
