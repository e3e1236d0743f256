"""Bad input: every error the engine promises, with its type and the words of its message.

One line per case: what is called, the exception, and a pattern the message must match
(the op, the offending value or type). Then gradcheck on a deliberately wrong gradient.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import autograd
from autograd import Value, grad, gradcheck
from autograd.backward import backward

BAD_INPUT = [
    # name                       call                                        error              message must match
    ("Value(str)",               lambda: Value("1.5"),                       TypeError,         r"\bstr\b"),
    ("Value(None)",              lambda: Value(None),                        TypeError,         r"\bNoneType\b"),
    ("Value(complex)",           lambda: Value(1 + 2j),                      TypeError,         r"\bcomplex\b"),
    ("Value(numpy complex)",     lambda: Value(np.complex128(1.0)),          TypeError,         r"\bcomplex\b"),
    ("Value(list)",              lambda: Value([1.0]),                       TypeError,         r"\blist\b"),
    ("Value(tuple)",             lambda: Value((1.0,)),                      TypeError,         r"\btuple\b"),
    ("Value(big array)",         lambda: Value(np.zeros(3)),                 TypeError,         r"numpy array of shape \(3,\)"),
    ("Value(2-d array)",         lambda: Value(np.ones((2, 2))),             TypeError,         r"numpy array of shape \(2, 2\)"),
    ("Value(empty array)",       lambda: Value(np.array([])),                TypeError,         r"numpy array of shape \(0,\)"),
    ("Value(bool)",              lambda: Value(True),                        TypeError,         r"\bbool\b"),
    ("Value(numpy bool)",        lambda: Value(np.bool_(False)),             TypeError,         r"\bbool\b"),
    ("Value(Value)",             lambda: Value(Value(1.0)),                  TypeError,         r"another Value"),
    ("Value(Decimal)",           lambda: Value(Decimal("1.5")),              TypeError,         r"\bDecimal\b"),
    ("Value(Fraction)",          lambda: Value(Fraction(1, 2)),              TypeError,         r"not Fraction; float\(x\) converts it"),
    ("Value + str",              lambda: Value(1.0) + "a",                   TypeError,         r"'str'"),
    ("Value * None",             lambda: Value(1.0) * None,                  TypeError,         r"'NoneType'"),
    ("Value + complex",          lambda: Value(1.0) + 1j,                    TypeError,         r"'complex'"),
    ("Value + bool",             lambda: Value(1.0) + True,                  TypeError,         r"not bool \(True\); use 0.0 or 1.0"),
    ("Value * bool",             lambda: Value(0.7) * True,                  TypeError,         r"not bool \(True\); use 0.0 or 1.0"),
    ("numpy bool - Value",       lambda: np.True_ - Value(1.0),              TypeError,         r"not bool \((np\.)?True_?\)"),
    ("Value ** str",             lambda: Value(1.0) ** "2",                  TypeError,         r"'str'"),
    ("bool ** Value",            lambda: True ** Value(2.0),                 TypeError,         r"not bool \(True\)"),
    ("sum with a str",           lambda: autograd.sum([Value(1.0), "a"]),    TypeError,         r"item 1 is str"),
    ("dot with None",            lambda: autograd.dot([None], [1.0]),        TypeError,         r"item 0 is NoneType"),
    ("dot of unequal lengths",   lambda: autograd.dot([Value(1.0)], [1.0, 2.0]), ValueError,    r"1 weights but 2 inputs"),
    ("log(-1.0)",                lambda: Value(-1.0).log(),                  ValueError,        r"^log\(-1\.0\)"),
    ("log(0.0)",                 lambda: Value(0.0).log(),                   ValueError,        r"^log\(0\.0\)"),
    ("-2.0 ** Value",            lambda: (-2.0) ** Value(0.5),               ValueError,        r"pow\(-2\.0.*negative base"),
    ("Value(-2) ** Value(2)",    lambda: Value(-2.0) ** Value(2.0),          ValueError,        r"pow\(-2\.0.*negative base"),
    ("Value(-2) ** 0.5",         lambda: Value(-2.0) ** 0.5,                 ValueError,        r"pow\(-2\.0, 0\.5\).*non-integer"),
    ("Value / 0",                lambda: Value(1.0) / 0,                     ZeroDivisionError, r"1\.0 / 0\.0"),
    ("number / Value(0)",        lambda: 3 / Value(0.0),                     ZeroDivisionError, r"3\.0 / 0\.0"),
    ("Value(0) / Value(0)",      lambda: Value(0.0) / Value(0.0),            ZeroDivisionError, r"0\.0 / 0\.0"),
    ("Value(0) ** -1",           lambda: Value(0.0) ** -1,                   ZeroDivisionError, r"pow\(0\.0, -1\.0\)"),
    ("0.0 ** Value(-1)",         lambda: 0.0 ** Value(-1.0),                 ZeroDivisionError, r"pow\(0\.0, -1\.0\)"),
    ("exp(710)",                 lambda: Value(710.0).exp(),                 OverflowError,     r"^exp\(710\.0\)"),
    ("Value(1e200) ** 2",        lambda: Value(1e200) ** 2,                  OverflowError,     r"pow\(1e\+200, 2\.0\)"),
    ("10.0 ** Value(400)",       lambda: 10.0 ** Value(400.0),               OverflowError,     r"pow\(10\.0, 400\.0\)"),
    ("backward(3.0)",            lambda: backward(3.0),                      TypeError,         r"backward needs a Value, not float"),
    ("Value.backward(None)",     lambda: Value.backward(None),               TypeError,         r"not NoneType"),
    ("grad with a float input",  lambda: grad(Value(1.0) * 2, [Value(1.0), 2.0]), TypeError,    r"inputs\[1\] is float"),
    ("grad of a str",            lambda: grad("y", [Value(1.0)]),            TypeError,         r"output is str"),
    ("if Value",                 lambda: bool(Value(1.0)),                   TypeError,         r"no truth value"),
    ("Value < number",           lambda: Value(1.0) < 2.0,                   TypeError,         r"not ordered"),
    ("sorted(Values)",           lambda: sorted([Value(2.0), Value(1.0)]),   TypeError,         r"not ordered"),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, call, error, message", BAD_INPUT, ids=[case[0] for case in BAD_INPUT]
)
def test_bad_input_raises_a_named_error(name, call, error, message) -> None:
    with pytest.raises(error) as raised:
        call()
    assert type(raised.value) is error  # exactly this type, not some subclass or cousin
    assert re.search(message, str(raised.value)), str(raised.value)


GOOD_INPUT = [
    # what the constructor accepts, and the float it holds
    (3, 3.0), (-2.5, -2.5), (np.float32(0.5), 0.5), (np.float64(-1e300), -1e300), (np.int64(7), 7.0),
    (np.uint8(200), 200.0), (np.array(2.5), 2.5), (np.array([4.0]), 4.0), (2**80, float(2**80)),
]  # fmt: skip


@pytest.mark.parametrize("given, held", GOOD_INPUT, ids=[repr(g[0]) for g in GOOD_INPUT])
def test_numbers_and_numpy_scalars_are_accepted(given, held) -> None:
    v = Value(given)
    assert type(v.data) is float and v.data == held and v.grad == 0.0


def test_a_failed_op_leaves_its_operands_untouched() -> None:
    x = Value(-1.0)
    y = x * 2
    with pytest.raises(ValueError):
        y.log()
    y.backward()
    assert (x.data, x.grad) == (-1.0, 2.0)


# --- gradcheck ---


def test_gradcheck_passes_a_correct_gradient() -> None:
    report = gradcheck(lambda a, b: (a * b).tanh() + a**3 / b, [Value(0.7), Value(-1.3)])
    assert report.ok, str(report)
    assert str(report).startswith("gradcheck ok")


@pytest.mark.parametrize(
    "f, point, error, moved",
    [
        (lambda a: a**0.5, 1e-9, ValueError, "input 0 = -9.98"),  # sqrt below 0
        (lambda a: 1.0 / (a - 1e-6), 0.0, ZeroDivisionError, "input 0 = 1e-06"),  # 1 / 0
    ],
)
def test_gradcheck_stepping_out_of_fs_domain_says_where_and_keeps_the_input(f, point, error, moved):
    # a student's trial: the input was positive, and the message only named a negative base
    x = Value(point)
    with pytest.raises(
        error, match=f"gradcheck: f failed at {moved}.*a step of 1e-06.*smaller eps"
    ):
        gradcheck(f, [x])
    assert x.data == point
    assert gradcheck(lambda a: a**0.5, [1e-9], eps=1e-12).ok


def test_gradcheck_raises_an_error_of_ones_own_class_as_it_is() -> None:
    class DomainError(ValueError):  # formats its argument: rebuilding it from a message would fail
        def __init__(self, x: float) -> None:
            super().__init__(f"x={x:.3g} is outside the domain")
            self.x = x

    def f(a: Value) -> Value:
        if a.data < 0:
            raise DomainError(a.data)
        return a**0.5

    with pytest.raises(DomainError) as raised:
        gradcheck(f, [Value(1e-9)])
    assert str(raised.value) == "x=-9.99e-07 is outside the domain"
    assert raised.value.x == 1e-9 - 1e-6
    if hasattr(raised.value, "add_note"):  # Python 3.11 on: where gradcheck stepped, as a note
        assert raised.value.__notes__[0].startswith("gradcheck: f failed at input 0")


def test_gradcheck_reports_a_deliberate_mismatch() -> None:
    # x * x.data: forward x^2, but backward treats x.data as a constant, so it sees
    # d/dx = x.data = 3 while the central difference sees 2x = 6.
    x, y = Value(3.0), Value(0.5)
    report = gradcheck(lambda x, y: x * x.data + y * y, [x, y])
    assert not report.ok
    assert report.worst_index == 0
    assert report.analytic[0] == 3.0 and math.isclose(report.numeric[0], 6.0, rel_tol=1e-6)
    assert math.isclose(report.worst_abs_error, 3.0, rel_tol=1e-6)
    assert math.isclose(report.analytic[1], report.numeric[1], rel_tol=1e-6)  # y is fine
    text = str(report)
    assert text.startswith("gradcheck MISMATCH") and "input 0" in text and "backward 3.0" in text


def test_gradcheck_at_a_kink_says_so_and_a_wrong_gradient_is_no_kink() -> None:
    # a student trial: relu at 0 reported a bare MISMATCH and looked broken. Right of 0 the
    # slope is 1, left of it 0 (by hand); the central difference averages them to 0.5.
    report = gradcheck(lambda a: a.relu(), [0.0])
    assert not report.ok
    assert report.kinks == {0: (1.0, 0.0)}
    assert "f has a kink there (slope 1.0 to the right, 0.0 to the left)" in str(report)
    # x * x.data is smooth (both one-sided slopes near 6): a wrong gradient, not a kink
    assert gradcheck(lambda x: x * x.data, [3.0]).kinks == {}
    assert "kink" not in str(gradcheck(lambda x: x * x.data, [3.0]))
    # 1e4 x^2 + x.data at 0: one-sided slopes 1 +- 1e4 * eps differ by 0.02 (by hand), far over
    # the tolerance, but the gap shrinks with the step: strongly curved, no kink
    curved = gradcheck(lambda x: 1e4 * x * x + x.data, [0.0])
    assert not curved.ok and curved.kinks == {}
    # abs-like kink beside a curved term: the gap (2) stays at every step
    assert set(gradcheck(lambda x: 1e4 * x * x + x.relu() * 2 - x, [0.0]).kinks) == {0}
    # relu at 3e-7 with eps 1e-6: the kink lies inside the step (slopes 1 and 0.3 there, by
    # hand) but not at the point; at eps/10 the central difference is 1, as backward says
    near = gradcheck(lambda x: x.relu(), [3e-7])
    assert not near.ok and near.kinks == {} and near.closer == {0: pytest.approx(1.0, abs=1e-9)}
    assert "check it with a smaller eps" in str(near)
    assert curved.closer == {}  # its wrong term stays wrong at every step


def test_gradcheck_at_a_jump_calls_it_a_discontinuity_not_a_kink() -> None:
    # sign at 0 was a bare MISMATCH (its one-sided slopes agree: 1/eps both); x % 1 at 1 was
    # called a kink with slopes -999999 and 1. By hand: sign steps by 1 on each side; x % 1
    # steps by eps on the right (slope 1) and falls by 1 - eps on the left.
    report = gradcheck(lambda x: x.sign(), [0.0])
    assert not report.ok and report.kinks == {} and report.jumps == {0: (1.0, 1.0)}
    assert "f jumps there: f(x + eps) - f(x) = 1.0, f(x) - f(x - eps) = 1.0" in str(report)
    wrapped = gradcheck(lambda x: x % 1.0, [1.0])
    (right, left) = wrapped.jumps[0]
    assert right == pytest.approx(1e-6, rel=1e-6) and left == pytest.approx(-(1 - 1e-6), rel=1e-9)
    assert wrapped.kinks == {} and "a discontinuity" in str(wrapped)
    # a kink and a smooth function are no jumps
    assert gradcheck(lambda x: x.relu(), [0.0]).jumps == {}
    assert gradcheck(lambda x: 1e4 * x * x + x.data, [0.0]).jumps == {}


def test_gradcheck_names_the_failing_input_not_the_largest_error() -> None:
    # Input 0: |error| 100 on a slope of 1e6 is within rtol (1e-4 relative), so it passes.
    # Input 1: |error| 0.5 on a slope of 0.5 fails. The report must point at input 1.
    a, b = Value(1.0), Value(0.1)
    report = gradcheck(lambda a, b: 1e6 * a + 100.0 * a.data + 0.5 * b.data + b * 0.0, [a, b])
    assert not report.ok
    assert report.worst_index == 1, str(report)
    assert "input 1" in str(report)


def test_gradcheck_names_an_f_that_returns_a_plain_number() -> None:
    x = Value(2.0)
    with pytest.raises(
        TypeError, match="f must return a Value computed from its inputs, not float"
    ):
        gradcheck(lambda v: 3.0, [x])  # type: ignore[arg-type, return-value]


def test_gradcheck_restores_the_inputs_when_f_raises() -> None:
    # log at 5e-7 - 1e-6 is a domain error; the input must not stay moved by -eps
    x = Value(5e-7)
    with pytest.raises(ValueError, match=r"^gradcheck: f failed at input 0 = -5e-07.*: log\("):
        gradcheck(lambda v: v.log(), [x])
    assert x.data == 5e-7


def test_gradcheck_restores_the_inputs_after_a_check() -> None:
    xs = [Value(0.25), Value(-2.0)]
    gradcheck(lambda a, b: a * b.exp(), xs)
    assert [x.data for x in xs] == [0.25, -2.0]
    assert [x.grad for x in xs] == [0.0, 0.0]  # gradcheck uses grad(), not .grad


def test_gradcheck_counts_a_nan_as_the_worst_error() -> None:
    # input 0 is off by 3; input 1's central difference is NaN (f is NaN once b moves)
    a, b = Value(3.0), Value(0.5)
    report = gradcheck(lambda a, b: a * a.data + (0.0 if b.data == 0.5 else math.nan) + b, [a, b])
    assert not report.ok
    assert report.worst_index == 1 and math.isnan(report.worst_abs_error), str(report)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"eps": 0.0}, "eps must be a finite number > 0, not 0.0"),  # was ZeroDivisionError
        ({"eps": -1e-6}, "eps must be a finite number > 0"),  # was accepted
        ({"eps": math.nan}, "eps must be a finite number > 0"),  # was ok=False, unexplained
        ({"atol": -1.0}, "atol must be a finite number >= 0"),
        ({"rtol": math.inf}, "rtol must be a finite number >= 0"),
    ],
)
def test_gradcheck_refuses_a_step_or_tolerance_it_cannot_use(settings, message):
    with pytest.raises(ValueError, match=message):
        autograd.gradcheck(lambda x: x * x, [Value(1.0)], **settings)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: Value(-1.0).leaky_relu(math.nan), ValueError, "slope must be a finite number"),
        (lambda: Value(-1.0).elu(alpha=math.inf), ValueError, "alpha must be a finite number"),
        (lambda: Value(-1.0).leaky_relu("0.1"), TypeError, "slope must be a number, not str"),
        (lambda: autograd.elu(-1.0, True), TypeError, "alpha must be a number, not bool"),
    ],
)
def test_an_activation_parameter_must_be_a_finite_number(call, error, message):
    # An adversarial trial: a NaN slope gave NaN for every negative input, with no error
    with pytest.raises(error, match=message):
        call()


def test_clamp_reads_a_bound_of_none_as_no_bound_and_names_a_bad_one() -> None:
    torch = pytest.importorskip("torch")
    x = torch.tensor([2.0, -2.0], dtype=torch.float64)
    for value, t in zip((2.0, -2.0), x):
        assert Value(value).clamp(None, 1.0).data == torch.clamp(t, None, 1.0).item()
        assert Value(value).clamp(-1.0, None).data == torch.clamp(t, -1.0, None).item()
        assert autograd.clamp(value, None, 1.0) == torch.clamp(t, None, 1.0).item()
    with pytest.raises(TypeError, match=r"clamp: lo must be a number or None, not str"):
        Value(1.0).clamp("a", 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"clamp: hi must be a number or None, not nan"):
        Value(1.0).clamp(0.0, math.nan)
