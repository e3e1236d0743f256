"""The compiled replay (``autograd.trace``): same numbers as the eager engine, over a batch.

Every test computes the eager reference the slow way (one graph per row, mean or sum,
``backward()``) and asks the tape for the same gradients to 1e-12.
"""

from __future__ import annotations

import math
import random
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from reference import DOMAIN_ERRORS, ENGINE, Graph, examples, graphs

import autograd
from autograd import Value, neuron, trace
from autograd.compile.trace import UntraceableError


def mlp(sizes: list[int], style: str, activation: str = "relu", seed: int = 0):
    """A small MLP built three ways: "plain" (one node per * and +, micrograd style),
    "fused" (autograd.neuron) or "dot" (autograd.dot + b, then the activation)."""
    rng = random.Random(seed)
    layers = [
        [
            ([Value(rng.uniform(-1, 1)) for _ in range(sizes[i])], Value(rng.uniform(-0.5, 0.5)))
            for _ in range(sizes[i + 1])
        ]
        for i in range(len(sizes) - 1)
    ]
    params = [p for layer in layers for w, b in layer for p in (*w, b)]

    def model(x: list) -> Value:
        for depth, layer in enumerate(layers):
            act = "linear" if depth == len(layers) - 1 else activation
            if style == "fused":
                x = [neuron(w, x, b, act) for w, b in layer]
                continue
            outs = []
            for w, b in layer:
                z = (
                    sum((wi * xi for wi, xi in zip(w, x)), b)
                    if style == "plain"
                    else autograd.dot(w, x) + b
                )
                outs.append(z if act == "linear" else getattr(z, act)())
            x = outs
        return x[0]

    return model, params


def moons_like(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.normal(size=(n, 2)), np.where(rng.random(n) < 0.5, -1.0, 1.0)])


def eager_gradients(
    fn, params: list[Value], rows: np.ndarray, reduce: str
) -> tuple[float, list[float]]:
    for p in params:
        p.grad = 0.0
    outputs = [fn(*[Value(x) for x in row]) for row in rows.tolist()]
    total = autograd.sum(outputs)
    if reduce == "mean":
        total = total * (1.0 / len(outputs))
    total.backward()
    return total.data, [p.grad for p in params]


def tape_gradients(
    tape, params: list[Value], rows: np.ndarray, reduce: str
) -> tuple[float, list[float]]:
    for p in params:
        p.grad = 0.0
    total = tape.backward(rows, reduce=reduce)
    return total, [p.grad for p in params]


def assert_close(got: list[float], expected: list[float], tolerance: float = 1e-12) -> None:
    for k, (a, b) in enumerate(zip(got, expected)):
        assert abs(a - b) <= tolerance * max(1.0, abs(b)), f"gradient {k}: tape {a!r}, eager {b!r}"


@pytest.mark.parametrize("style", ["plain", "fused", "dot"])
@pytest.mark.parametrize("reduce", ["mean", "sum"])
def test_moons_step_gradients_match_eager(style: str, reduce: str) -> None:
    model, params = mlp([2, 16, 16, 1], style)

    def per_sample_loss(x0, x1, y):
        return (1 - y * model([x0, x1])).relu() + 1e-4 * autograd.sum([p * p for p in params])

    tape = trace(per_sample_loss, 3)
    rows = moons_like(64)
    expected_total, expected = eager_gradients(per_sample_loss, params, rows, reduce)
    total, got = tape_gradients(tape, params, rows, reduce)
    assert math.isclose(total, expected_total, rel_tol=1e-12)
    assert_close(got, expected)
    assert np.allclose(
        tape.forward(rows),
        [per_sample_loss(*map(Value, r)).data for r in rows.tolist()],
        rtol=1e-13,
        atol=1e-15,
    )


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softplus", "leaky_relu", "elu"])
def test_every_activation_in_a_fused_network(activation: str) -> None:
    model, params = mlp([3, 5, 4, 1], "fused", activation, seed=3)

    def squared_error(x0, x1, x2, y):
        return (model([x0, x1, x2]) - y) ** 2

    tape = trace(squared_error, 4)
    rows = np.random.default_rng(2).normal(size=(40, 4))
    _, expected = eager_gradients(squared_error, params, rows, "mean")
    _, got = tape_gradients(tape, params, rows, "mean")
    assert_close(got, expected)


def test_the_plain_and_fused_graphs_compile_to_the_same_few_kernels() -> None:
    # The + chain of a micrograd-style neuron is merged into one row of one matrix.
    tapes = []
    for style in ("plain", "fused"):
        model, _params = mlp([2, 16, 16, 1], style)
        tapes.append(trace(lambda x0, x1, y: (1 - y * model([x0, x1])).relu(), 3))
    assert tapes[0].n_kernels == tapes[1].n_kernels <= 10


def test_parameters_are_read_at_call_time() -> None:
    w = Value(2.0)
    tape = trace(lambda x: w * x * x, 1)
    X = np.array([[1.0], [3.0]])
    assert tape.forward(X).tolist() == [2.0, 18.0]
    w.data = -1.0  # an optimizer step
    assert tape.forward(X).tolist() == [-1.0, -9.0]
    w.grad = 0.0
    assert tape.backward(X, reduce="sum") == -10.0
    assert w.grad == 10.0  # d/dw sum(w x^2) = 1 + 9
    tape.backward(X, reduce="sum")
    assert w.grad == 20.0  # gradients accumulate, as with backward()


def test_a_parameter_only_term_is_computed_once_and_counted_per_row() -> None:
    w = Value(3.0)
    tape = trace(lambda x: x + w * w, 1)  # w*w does not depend on the input
    X = np.array([[1.0], [2.0], [4.0]])
    assert tape.forward(X).tolist() == [10.0, 11.0, 13.0]
    assert tape.backward(X, reduce="mean") == 34.0 / 3
    assert w.grad == 6.0  # mean over rows of d(w^2)/dw
    w.grad = 0.0
    tape.backward(X, reduce="sum")
    assert w.grad == 18.0


def test_outputs_that_ignore_the_inputs_or_are_an_input() -> None:
    w = Value(1.5)
    constant = trace(lambda x: w * 2.0, 1)
    assert constant.forward(np.zeros((3, 1))).tolist() == [3.0, 3.0, 3.0]
    assert constant.backward(np.zeros((3, 1)), reduce="sum") == 9.0
    assert w.grad == 6.0
    identity = trace(lambda x, y: y, 2)
    assert identity.forward(np.array([[1.0, 2.0], [3.0, 4.0]])).tolist() == [2.0, 4.0]
    assert identity.backward(np.array([[1.0, 2.0]])) == 2.0  # no parameters: nothing to add to


def test_reused_values_and_repeated_inputs() -> None:
    a, b = Value(0.5), Value(-2.0)

    def fn(x, y):
        h = (a * x + b * y).tanh()
        return h * h + autograd.dot([a, a, h], [x, x, y]) + (x - x) * a + h / (1.5 + a * a)

    tape = trace(fn, 2)
    rows = np.random.default_rng(5).normal(size=(30, 2))
    _, expected = eager_gradients(fn, [a, b], rows, "mean")
    _, got = tape_gradients(tape, [a, b], rows, "mean")
    assert_close(got, expected)


def test_batch_of_one_and_one_input_columns() -> None:
    w = Value(0.25)
    tape = trace(lambda x: (w * x).exp(), 1)
    assert tape.forward([2.0]).tolist() == [math.exp(0.5)]
    assert tape.backward(np.array([[2.0]])) == math.exp(0.5)
    assert math.isclose(w.grad, 2.0 * math.exp(0.5), rel_tol=1e-15)


def test_domain_errors_are_raised_as_in_eager() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match=r"log\(-1.0\): domain error"):
        trace(lambda x: (w * x).log(), 1).forward(np.array([[2.0], [-1.0]]))
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        trace(lambda x: w / x, 1).forward(np.array([[0.0]]))
    with pytest.raises(OverflowError, match="exp"):
        trace(lambda x: (w * x).exp(), 1).forward(np.array([[1000.0]]))


def test_branching_on_a_value_is_an_untraceable_error() -> None:
    def branchy(x):
        return x * 2 if x else x  # bool(Value) raises

    with pytest.raises(UntraceableError, match="branches on a Value"):
        trace(branchy, 1)


def test_branching_on_data_is_detected_by_a_second_trace() -> None:
    def data_branch(x):
        return x.relu() if x.data > 0.5 else x.tanh()

    with pytest.raises(UntraceableError, match="different graph for different inputs"):
        trace(data_branch, 1, example=[[0.9], [0.1]])


@pytest.mark.parametrize(
    "branchy",
    [
        lambda a: a * a if a.data > 0 else -a,  # a PyTorch user's trial: traced as a * a for all
        lambda a: (a - 0.1) ** 2 / 2 if abs(a.data - 0.1) < 1 else abs(a - 0.1) - 0.5,  # Huber
    ],
    ids=["sign", "size"],
)
def test_a_branch_both_default_rows_take_alike_is_caught_by_the_probe_row(branchy) -> None:
    # both default rows lie in (0.25, 0.75); the probe row, -4 times the first, takes the other
    # way: a warning (the other side may be a guard the data never reaches), no longer silence
    with pytest.warns(UserWarning, match=r"another graph for the probe row .* times -4"):
        tape = trace(branchy, 1)
    assert tape.forward(np.array([[0.5]]))[0] == branchy(Value(0.5)).data


@pytest.mark.filterwarnings("error")
def test_rows_of_ones_own_are_not_probed_and_a_probe_fn_cannot_take_tells_nothing() -> None:
    # a guard real data never reaches: the user's example rows say what the data is like
    guarded = trace(lambda x: x.sqrt() if x.data > 0 else x * 0.0, 1, example=[[0.01], [5.0]])
    assert guarded.forward(np.array([[4.0]]))[0] == 2.0
    tape = trace(lambda a, b: a.log() + b.sqrt(), 2)  # log and sqrt of the negative probe raise
    assert tape.forward(np.array([[math.e, 4.0]]))[0] == pytest.approx(3.0, rel=1e-15)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("target", [0.0, 0.3, 1.0])
def test_bce_with_logits_of_a_constant_target_traces_for_either_sign(target: float) -> None:
    # it chose its formula by z's sign, which the probe row warns of; now one graph serves
    from nn.losses import binary_cross_entropy_with_logits

    tape = trace(lambda a: binary_cross_entropy_with_logits(a * 3.0 - 1.0, target), 1)
    rows = np.array([[-20.0], [-0.5], [1.0 / 3.0], [0.9], [20.0]])
    eager = [
        binary_cross_entropy_with_logits(Value(x) * 3.0 - 1.0, target).data for x in rows[:, 0]
    ]
    assert tape.forward(rows).tolist() == pytest.approx(eager, rel=1e-15, abs=1e-300)


def test_a_number_taken_from_an_input_is_detected() -> None:
    def frozen(x):
        return x * float(x)  # float(x) becomes a constant of the trace

    with pytest.raises(UntraceableError, match="constant that changed with the inputs"):
        trace(frozen, 1)


def test_bad_arguments() -> None:
    w = Value(1.0)
    tape = trace(lambda x, y: w * x + y, 2)
    with pytest.raises(ValueError, match=r"shape \(batch, 2\)"):
        tape.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="empty batch"):
        tape.forward(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="reduce"):
        tape.backward(np.zeros((1, 2)), reduce="max")
    # numpy would read text and dates as numbers, None as NaN, a Value without its graph, and
    # drop an imaginary part with only a warning
    refused = {
        "NoneType": [[1.0, None]],
        "complex128": np.array([[1.0, 2.0 + 1.0j]]),
        "complex64": np.array([[1.0, np.complex64(2)]], dtype=object),
        "<U3": [["1.5", "2"]],
        "|S1": np.array([[b"1", b"2"]]),
        "str": np.array([[" 1 ", 2.0]], dtype=object),
        "datetime64[D]": np.array([["2000-01-01", "2000-01-02"]], dtype="datetime64[D]"),
        "Value": np.array([[Value(1.0), 2.0]], dtype=object),
    }
    for name, bad in refused.items():
        with pytest.raises(
            TypeError, match=rf"tape: X must hold real numbers, not {re.escape(name)}$"
        ):
            tape.backward(bad)
    assert w.grad == 0.0  # nothing was run
    # bools, ints, and objects that are real numbers (a DataFrame's mixed columns) are numbers
    assert tape.forward([[True, 2]]).tolist() == [3.0]
    assert tape.forward(np.array([[Fraction(1, 2), 10**30]], dtype=object)).tolist() == [0.5 + 1e30]
    mixed = np.array([[np.bool_(True), Decimal("2.5")], [np.float32(0.5), 3]], dtype=object)
    assert tape.forward(mixed).tolist() == [3.5, 3.5]
    with pytest.raises(TypeError, match="must return one Value"):
        trace(lambda x: [x], 1)
    with pytest.raises(ValueError, match="n_inputs"):
        trace(lambda x: x, -1)
    assert "2 inputs, 1 parameters" in repr(tape)


def test_tracing_inside_no_grad_still_records() -> None:
    w = Value(3.0)
    with autograd.no_grad():
        tape = trace(lambda x: w * x, 1)
    tape.backward(np.array([[2.0]]))
    assert w.grad == 2.0


@settings(max_examples=examples(300), deadline=None)
@given(graphs(), st.integers(0, 2**32 - 1))
def test_random_graphs_match_eager(graph: Graph, seed: int) -> None:
    # Each leaf becomes x_i * w_i: x_i an input column (near the graph's own leaf values, so
    # every op stays in its domain), w_i a parameter (1.0): d/dw_i runs through every op.
    n = len(graph.inputs)
    weights = [Value(1.0) for _ in range(n)]

    def fn(*xs):
        return graph(ENGINE, *[x * w for x, w in zip(xs, weights)])

    rng = np.random.default_rng(seed)
    rows = np.array(graph.inputs) * (1.0 + 1e-3 * rng.uniform(-1, 1, size=(6, n)))
    kept = []
    for row in rows.tolist():
        try:
            with autograd.no_grad():
                value = fn(*map(Value, row))
        except DOMAIN_ERRORS:
            continue
        if math.isfinite(value.data) and abs(value.data) < 1e8:
            kept.append(row)
    if len(kept) < 2:
        return
    rows = np.array(kept)
    tape = trace(fn, n, example=rows[:2])
    _, expected = eager_gradients(fn, weights, rows, "mean")
    _, got = tape_gradients(tape, weights, rows, "mean")
    note(f"tape {tape}; eager {expected}; tape {got}")
    scale = max(1.0, *(abs(g) for g in expected))
    for a, b in zip(got, expected):
        assert abs(a - b) <= 1e-9 * scale or (math.isnan(a) and math.isnan(b))


def test_float32_tapes_agree_with_float64_to_float32_precision() -> None:
    model, params = mlp([2, 8, 1], "fused", "tanh")

    def per_sample_loss(x0, x1, y):
        return (model([x0, x1]) - y) ** 2

    rows = moons_like(200)
    _, expected = tape_gradients(trace(per_sample_loss, 3), params, rows, "mean")
    tape = trace(per_sample_loss, 3, dtype="float32")
    total, got = tape_gradients(tape, params, rows, "mean")
    assert tape.forward(rows).dtype == np.float32 and isinstance(total, float)
    scale = max(abs(g) for g in expected)
    assert all(abs(a - b) <= 1e-5 * scale for a, b in zip(got, expected))
    with pytest.raises(ValueError, match="dtype"):
        trace(per_sample_loss, 3, dtype="float16")


def test_picking_between_parameters_that_hold_the_same_number_is_detected() -> None:
    # Issue 12.9: two zero-initialised biases, chosen by the data. Eager, over these rows, gives
    # d(mean)/d b_high = 0.8 and d/d b_low = 0.2; a tape would keep one trace's choice for all.
    b_high, b_low = Value(0.0), Value(0.0)

    def pick(x):
        return x + (b_high if x.data > 0.5 else b_low)

    rows = np.array([[0.9], [0.1], [0.8], [0.7], [0.6]])  # trace uses the first two rows
    for x in rows[:, 0]:
        (pick(Value(x)) * (1.0 / len(rows))).backward()
    assert (b_high.grad, b_low.grad) == pytest.approx((0.8, 0.2))
    with pytest.raises(UntraceableError, match="parameter read in one trace only"):
        trace(pick, 1, example=rows)


@pytest.mark.parametrize("example", [[[0.9], [0.1]], [[0.1], [0.9]]])
def test_a_parameter_in_one_trace_and_an_equal_constant_in_the_other_is_detected(example) -> None:
    bias = Value(0.0)

    def bias_or_zero(x):
        return x + (bias if x.data > 0.5 else 0.0)  # the constant 0.0 holds the bias's number

    with pytest.raises(UntraceableError, match="parameter read in one trace only"):
        trace(bias_or_zero, 1, example=example)


def test_constants_made_afresh_by_each_run_are_not_parameters() -> None:
    w = Value(0.5)
    tape = trace(lambda x: (1.0 - w * x).relu() + Value(0.0) * x, 1)  # fresh 1.0 and 0.0 leaves
    assert tape.params == [w]


def test_a_tape_of_every_new_op_matches_eager() -> None:
    # every op of issue 13 on a batch, with parameters inside, including rows that sit
    # exactly on a kink (abs at 0, a maximum tie, a clamp bound) where the conventions decide
    w = [Value(v) for v in (0.75, -1.3, 0.5, 2.0)]

    def fn(x0: Value, x1: Value) -> Value:
        a = (x0 * w[0]).sin() + (x1 * w[1]).cos() + (x0 * 0.3).tan() + (x0 * 0.5).asin()
        b = (x1 * 0.2).acos() + (x0 * w[2]).atan() + (x0 * w[3]).atan2(x1 + 3.0)
        c = (
            (x1 * 0.5).sinh()
            + (x0 * 0.5).cosh()
            + (x1 * x1 + w[2]).sqrt()
            + (x0 * w[0] + 2.0).cbrt()
        )
        d = abs(x0 * w[1]) + (x1 * w[3]).sign() + (x1 * 0.5).log1p() + (x0 * w[2]).expm1()
        e = (x1 * x1 + 1.0).log2() + (w[3] * x1 * x1 + 1.0).log10() + (x0 * w[0]).exp2()
        f = (x0 * w[0]).maximum(x1 * w[2]) + (x0 * w[1]).minimum(x1) + (x0 * w[3]).clamp(-1.0, 1.0)
        return a + b + c + d + e + f + (x0 * w[3] + 5.0) % (w[0] + 1.0) + 2.5 % (x1 + 3.0)

    # x0 = 0: abs at its kink; x1 = 0: sign at its jump; (0.5, 0.75): a maximum tie
    # (0.375 both) and x0 w3 = 1, the clamp's upper bound
    rows = np.array([[0.0, 1.0], [0.5, 0.75], [0.25, -1.0], [-0.5, 0.0], [1.0, 1.5], [0.1, -0.2]])
    tape = trace(fn, 2, example=rows[:2])
    for reduce in ("mean", "sum"):
        eager_total, expected = eager_gradients(fn, w, rows, reduce)
        tape_total, got = tape_gradients(tape, w, rows, reduce)
        assert math.isclose(tape_total, eager_total, rel_tol=1e-12)
        assert_close(got, expected)


def test_a_masked_input_is_refused_not_read_under_its_mask():
    # An adversarial trial: the tape computed with the numbers hidden under a numpy mask
    tape = trace(lambda a, b: a * b, 2)
    masked = np.ma.masked_array([[1.0, 2.0], [3.0, 4.0]], mask=[[False, True], [False, False]])
    with pytest.raises(ValueError, match="masked entries; fill them first"):
        tape.forward(masked)
    assert tape.forward(masked.filled(0.0)).tolist() == [0.0, 12.0]
    assert tape.forward(np.ma.masked_array([[1.0, 2.0]])).tolist() == [2.0]  # nothing masked
