"""Backward semantics, one named test per classic bug of small autograd engines.

Numbers are derived by hand in the comments; PyTorch's semantics (leaf gradients
accumulate, intermediate ones are recomputed) are the model.
"""

from __future__ import annotations

import copy
import gc
import math
import operator
import pickle
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import autograd
from autograd import Value, grad, is_grad_enabled, no_grad, topological_order

ROOT = Path(__file__).resolve().parent.parent


def test_reused_non_leaf_gets_the_summed_gradient() -> None:
    # micrograd issue 2: b = a + a; c = b*3 + b*5. dc/db = 3 + 5 = 8, dc/da = 8 * 2 = 16.
    a = Value(2.0)
    b = a + a
    c = b * 3 + b * 5
    c.backward()
    assert (c.data, b.grad, a.grad) == (32.0, 8.0, 16.0)


def test_same_value_twice_in_one_op() -> None:
    # d(x*x)/dx = 2x, d(x/x)/dx = 0, d(x - x)/dx = 0, d(x**x)/dx = x**x (log x + 1)
    for f, expected in [
        (lambda x: x * x, 6.0),
        (lambda x: x / x, 0.0),
        (lambda x: x - x, 0.0),
        (lambda x: x**x, 27.0 * (math.log(3.0) + 1.0)),
    ]:
        x = Value(3.0)
        f(x).backward()
        assert math.isclose(x.grad, expected, rel_tol=1e-15, abs_tol=0.0)


def test_backward_twice_gives_exactly_twice_the_leaf_gradients() -> None:
    # micrograd issue 53: a = 3, b = 2, c = a + b, d = 1, e = c * d. micrograd's second
    # backward gives a.grad 3 (1 -> 3) because c.grad accumulates to 2; PyTorch gives 2.
    a, b, d = Value(3.0), Value(2.0), Value(1.0)
    c = a + b
    e = c * d
    e.backward()
    assert (a.grad, b.grad, c.grad, d.grad, e.grad) == (1.0, 1.0, 1.0, 5.0, 1.0)
    e.backward()
    assert (a.grad, b.grad, d.grad) == (2.0, 2.0, 10.0)  # leaves accumulate
    assert (c.grad, e.grad) == (1.0, 1.0)  # intermediates are recomputed


def test_backward_twice_doubles_to_the_last_bit_when_a_leaf_has_many_uses() -> None:
    # Adding a leaf's contributions one by one onto what it already holds is not 2g in floating
    # point: ((0.4 + 0.3) + 0.1) = 0.7999999999999999, not 0.8. Each leaf is summed afresh and
    # added once, as PyTorch does.
    x = Value(1.0)
    y = x * 0.3 + x * 0.1
    y.backward()
    assert x.grad == 0.4
    y.backward()
    assert x.grad == 0.8
    for seed in range(300):
        rng = random.Random(seed)
        a, b = Value(rng.uniform(-2, 2)), Value(rng.uniform(-2, 2))
        f = (
            a * b
            + a * rng.uniform(-3, 3)
            + (a + b).tanh() * a
            + autograd.sum([a, b, a * a])
            + autograd.dot([a, b], [b, a])
        )
        f.backward()
        first = (a.grad, b.grad)
        f.backward()
        assert (a.grad, b.grad) == (2 * first[0], 2 * first[1]), seed


def test_intermediate_gradients_are_recomputed_from_zero_each_pass() -> None:
    # y = (x*x).tanh() shares the intermediate m = x*x with z = m * 3.
    x = Value(0.5)
    m = x * x
    y = m.tanh()
    y.backward()
    first = (m.grad, x.grad)
    assert math.isclose(first[0], 1.0 - math.tanh(0.25) ** 2, rel_tol=1e-15)
    z = m * 3.0
    z.backward()  # a different root through the same intermediate: m.grad is dz/dm, fresh
    assert m.grad == 3.0
    assert x.grad == first[1] + 3.0  # leaf: accumulated, dz/dx = 3 * 2x = 3
    y.backward()
    assert m.grad == first[0]


def test_backward_of_a_leaf_is_one_and_accumulates() -> None:
    x = Value(7.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0  # dx/dx = 1, twice


def test_gradients_of_two_losses_accumulate_into_the_leaves() -> None:
    # gradient accumulation: d(x^2)/dx + d(3x)/dx at x = 2 is 4 + 3
    x = Value(2.0)
    (x * x).backward()
    (3 * x).backward()
    assert x.grad == 7.0


def test_zeroing_a_leaf_restarts_accumulation() -> None:
    x = Value(2.0)
    y = x**3
    y.backward()
    x.grad = 0.0
    y.backward()
    assert x.grad == 12.0  # 3x^2


def test_a_leaf_grad_set_to_none_counts_as_no_gradient_yet() -> None:
    # PyTorch's way of zeroing (grad = None); d(xy)/dx = y = 3, d(x x)/dx = 2x = 4 at x = 2
    x, y = Value(2.0), Value(3.0)
    x.grad = None
    (x * y).backward()
    assert x.grad == 3.0
    x.grad = None
    (x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 4.0
    x.grad = None
    x.backward()
    assert x.grad == 1.0


def test_create_graph_is_keyword_only_and_the_first_argument_is_the_seed() -> None:
    # PyTorch's first positional argument is the seed gradient: 2.0 must not mean create_graph
    x = Value(3.0)
    (x * x).backward(2.0)
    assert x.grad == 12.0  # 2.0 * d(x^2)/dx = 2 * 6, a float, not a Value: no graph was made
    with pytest.raises(TypeError, match="positional"):
        (x * x).backward(2.0, True)  # type: ignore[misc]


def test_a_plain_backward_adds_onto_a_gradient_that_create_graph_left_as_a_value() -> None:
    # PyTorch's pattern: (x**3).backward(create_graph=True); x.grad.backward(); the second pass
    # compared the Value in x.grad with 0.0, which now raises, and crashed
    x = Value(2.0)
    (x**3).backward(create_graph=True)  # x.grad = 3x^2 = 12, a Value
    first = x.grad
    first.backward()  # d(3x^2)/dx = 6x = 12, added onto x.grad (a Value: the sum is one too)
    assert isinstance(x.grad, Value) and x.grad.data == 24.0
    y = Value(2.0)
    (y * y).backward(create_graph=True)
    (y * y).backward()  # again, plainly: 4 + 4
    assert y.grad.data == 8.0
    z = Value(2.0)
    (z * z).backward(create_graph=True)
    list(autograd.backward_steps(z * z))  # the step-by-step walk adds onto it too
    assert isinstance(z.grad, Value) and z.grad.data == 8.0


def test_constants_on_either_side_do_not_block_the_gradient() -> None:
    # y = 2 - x / 4 + 3 * x ** 2 - 1 / x; dy/dx = -1/4 + 6x + 1/x^2 at x = 2: 12.0
    x = Value(2.0)
    y = 2 - x / 4 + 3 * x**2 - 1 / x
    y.backward()
    assert x.grad == 12.0 - 0.25 + 0.25


def test_a_million_deep_chain_at_the_default_recursion_limit(capsys) -> None:
    # y = x * c * c * ... (10^6 ops): dy/dx = c^(10^6) = e^(10^6 log1p(1e-6)) = 2.71828...
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default; nothing may recurse per node
    try:
        x = Value(0.5)
        c = 1.0 + 1e-6
        start = time.perf_counter()
        y = x
        for _ in range(1_000_000):
            y = y * c
        built = time.perf_counter()
        y.backward()
        done = time.perf_counter()
        expected = math.exp(1_000_000 * math.log1p(1e-6))
        # 10^6 roundings of 1.1e-16 each, a random walk: about 1e-13 in practice
        assert math.isclose(x.grad, expected, rel_tol=1e-9)
        assert math.isclose(y.data, 0.5 * expected, rel_tol=1e-9)
        assert grad(y, [x]) == [x.grad]  # the other traversal (topological_order + grad)
        del y  # freeing the chain must not recurse either
    finally:
        sys.setrecursionlimit(limit)
    with capsys.disabled():
        print(
            f"\n1,000,000-op chain: forward {built - start:.2f} s, backward {done - built:.2f} s, "
            f"total {done - start:.2f} s"
        )


def test_second_derivative_through_a_chain_far_deeper_than_the_recursion_limit() -> None:
    # y = x + sum_k 1e-5 x^2, 20,000 links built one at a time: d2y/dx2 = 2e-5 * 20,000
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        x = Value(0.5)
        y = x
        for _ in range(20_000):
            y = y + (x * x) * 1e-5
        (first,) = grad(y, [x], create_graph=True)
        (second,) = grad(first, [x])
        assert math.isclose(float(first), 1.0 + 2e-5 * 20_000 * 0.5, rel_tol=1e-9)
        assert math.isclose(second, 0.4, rel_tol=1e-9)
        del y, first
    finally:
        sys.setrecursionlimit(limit)


def test_a_100000_term_sum_is_one_node() -> None:
    xs = [Value(float(i)) for i in range(100_000)]
    s = autograd.sum(xs)
    assert len(s.parents) == 100_000 and all(p is x for p, x in zip(s.parents, xs))
    order = topological_order(s)
    assert len(order) == 100_001 and order[-1] is s
    s.backward()
    assert s.data == 99_999 * 100_000 / 2
    assert all(x.grad == 1.0 for x in xs)


def test_a_100000_term_dot_is_one_node() -> None:
    ws = [Value(float(i % 7)) for i in range(100_000)]
    xs = [Value(float(i % 5) - 2.0) for i in range(100_000)]
    d = autograd.dot(ws, xs)
    assert len(d.parents) == 200_000 and len(topological_order(d)) == 200_001
    d.backward()
    assert all(w.grad == x.data and x.grad == w.data for w, x in zip(ws, xs))
    assert d.data == math.fsum((i % 7) * (i % 5 - 2.0) for i in range(100_000))


def test_parents_are_recorded_in_operand_order() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a - b).parents == (a, b)
    assert (b - a).parents == (b, a)
    r = 5.0 - a  # reflected: the constant is the first operand
    assert r.parents[1] is a and r.parents[0].data == 5.0
    assert autograd.dot([a, b], [b, a]).parents == (a, b, b, a)


def test_topological_order_is_deterministic() -> None:
    def build():
        xs = [Value(float(i), label=f"x{i}") for i in range(6)]
        nodes = list(xs)
        for i in range(40):  # shared nodes, reused several times
            nodes.append(nodes[(7 * i) % len(nodes)] * nodes[(3 * i + 1) % len(nodes)] + 0.5)
        out = autograd.sum(nodes[-10:]).tanh()
        index = {id(n): i for i, n in enumerate(nodes)}
        out.backward()
        return [index.get(id(n), -1) for n in topological_order(out)], [x.grad for x in xs], nodes

    first_order, first_grads, _keep = build()
    _garbage = [Value(0.0) for _ in range(1000)]  # so the second graph lives at other addresses
    second_order, second_grads, _ = build()
    assert first_order == second_order
    assert first_grads == second_grads  # bit for bit: same summation order


def test_order_and_gradients_do_not_depend_on_the_process() -> None:
    # Identity hashes follow memory addresses, which differ between processes; a traversal
    # that iterated over a set would show it here.
    script = textwrap.dedent(
        """
        from autograd import Value, sum, topological_order
        xs = [Value(0.1 * i + 0.05, label=f"x{i}") for i in range(5)]
        ys = [(xs[i] * xs[(i + 2) % 5]).tanh() + xs[(i + 1) % 5] for i in range(5)]
        out = sum(ys + [ys[0] * ys[3]])
        out.backward()
        labels = {id(v): v.label for v in xs}
        labels.update({id(v): f"y{i}" for i, v in enumerate(ys)})
        print([labels.get(id(v), "?") for v in topological_order(out)], [x.grad.hex() for x in xs])
        """
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    ]  # fmt: skip
    assert runs[0] == runs[1] and runs[0].count("y") >= 5


def test_values_are_compared_and_hashed_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b
    with pytest.raises(TypeError, match=r"use v.data == 1.0"):
        a == 1.0  # noqa: B015  (no equality by value: `loss == 0` would be False for every loss)
    with pytest.raises(TypeError, match=r"use v.data == 0"):
        a != 0  # noqa: B015
    # anything else is simply not equal, as for any object (PyTorch: t == None is False)
    assert operator.eq(a, None) is False and operator.ne(a, "a") is True and a not in [None, "a"]
    assert len({a, b, a}) == 2
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"
    b.data = 5.0  # mutating data does not move a Value in a dict or set
    assert table[b] == "b" and b in {a, b}


def test_no_grad_records_nothing() -> None:
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 3 + x.exp()).tanh() ** 2 + autograd.sum([x, x])
    assert is_grad_enabled()
    assert y.is_leaf and y.parents == () and y.op is None
    z = y * x  # outside again: y is a constant, x still gets its gradient
    z.backward()
    assert x.grad == y.data


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x * 3,
        lambda x: x + 1,
        lambda x: 1 - x,
        lambda x: x.tanh(),
        lambda x: x**2,
        lambda x: autograd.sum([x, x, x]),
        lambda x: autograd.neuron([x], [x], x, "relu"),
    ],
    ids=["mul", "add", "rsub", "tanh", "pow", "sum", "neuron"],
)
def test_backward_of_a_result_computed_inside_no_grad_is_refused(make) -> None:
    # PyTorch raises here; without the check, a loss computed under no_grad "trained" nothing
    x = Value(2.0)
    with no_grad():
        loss = make(x)
    with pytest.raises(RuntimeError, match=r"backward\(\): .*computed inside no_grad"):
        loss.backward()
    with pytest.raises(RuntimeError, match=r"grad: .*computed inside no_grad"):
        grad(loss, [x])
    with pytest.raises(RuntimeError, match=r"backward_steps: .*computed inside no_grad"):
        next(autograd.backward_steps(loss))
    assert x.grad == 0.0
    # the mark survives a copy and a pickle; a user's leaf, a detached value and a constant
    # sum of nothing are not op results and still take backward
    assert copy.deepcopy(loss)._b is loss._b
    assert pickle.loads(pickle.dumps(loss))._b is loss._b
    for leaf in (Value(1.0), x.detach(), autograd.sum([])):
        leaf.backward()
        assert leaf.grad == 1.0


def test_no_grad_restores_the_mode_after_an_error_and_nests() -> None:
    with pytest.raises(ValueError):
        with no_grad():
            Value(-1.0).log()
    assert is_grad_enabled()
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_enable_grad_records_again_inside_no_grad() -> None:
    x = Value(3.0)
    with no_grad(), autograd.enable_grad():
        y = x * x
    y.backward()
    assert x.grad == 6.0


def test_no_grad_as_a_decorator() -> None:
    @no_grad()
    def update(w: Value) -> Value:
        return w - 0.1 * w

    assert update(Value(1.0)).is_leaf
    assert is_grad_enabled()


def test_backward_inside_no_grad_still_fills_gradients() -> None:
    # as in PyTorch: no_grad stops recording new ops, not differentiating existing ones
    x = Value(3.0)
    y = x * x
    with no_grad():
        y.backward()
    assert x.grad == 6.0


def test_grad_leaves_every_grad_field_alone() -> None:
    x, w = Value(2.0), Value(-1.0)
    m = x * w
    y = m.tanh() + x
    x.grad, m.grad = 5.0, 7.0
    dx, dw, dm = grad(y, [x, w, m])
    assert (x.grad, w.grad, m.grad, y.grad) == (5.0, 0.0, 7.0, 0.0)
    s = 1.0 - math.tanh(-2.0) ** 2
    assert math.isclose(dm, s, rel_tol=1e-15)
    assert math.isclose(dx, s * -1.0 + 1.0, rel_tol=1e-15)
    assert math.isclose(dw, s * 2.0, rel_tol=1e-15)


def test_grad_is_zero_for_an_input_the_output_does_not_use() -> None:
    x, unused = Value(2.0), Value(3.0)
    assert grad(x * x, [x, unused]) == [4.0, 0.0]
    assert grad(4.0, [x]) == [0.0]  # a plain number depends on nothing


def test_grad_equals_backward() -> None:
    x, w = Value(0.3), Value(-1.2)
    y = (x * w + x**2).sigmoid() * w.softplus()
    expected = grad(y, [x, w])
    y.backward()
    assert [x.grad, w.grad] == expected


def test_a_graph_is_freed_as_soon_as_its_last_handle_goes() -> None:
    # Nodes refer to their parents only, so reference counting frees a graph at once.
    gc.collect()
    gc.disable()
    try:
        before = sum(type(o) is Value for o in gc.get_objects())
        x = Value(1.5)
        y = x
        for i in range(200):
            y = (y * x + i).tanh() + autograd.sum([y, x, 2.0])
        y.backward()
        assert sum(type(o) is Value for o in gc.get_objects()) > before + 1000
        del y
        assert sum(type(o) is Value for o in gc.get_objects()) == before + 1  # only x is left
    finally:
        gc.enable()


def test_an_error_midway_through_backward_keeps_the_gradient_a_leaf_held(monkeypatch) -> None:
    x = Value(2.0)
    x.grad = 4.0  # accumulated by an earlier pass
    z = x * x - x  # the root's op, -, is one that backward asks for its local_grads
    z.backward()
    assert x.grad == 7.0  # 4 held + 2x - 1

    class Interrupted(Exception):
        pass

    def interrupted(self, xs, out):
        raise Interrupted  # as a Ctrl-C in the middle of the pass would

    monkeypatch.setattr(type(z.op), "local_grads", interrupted)
    with pytest.raises(Interrupted):
        z.backward()
    assert x.grad == 7.0  # what it held before the failed pass, not 0


def _same_number(x: float, y: float) -> bool:
    return x == y or (math.isnan(x) and math.isnan(y))


@pytest.mark.parametrize("seed", range(40))
def test_backward_spells_out_the_rules_of_plus_and_times_as_the_ops_give_them(seed: int) -> None:
    # backward.py inlines d(a+b) and d(ab) for speed; grad() asks each op for its local_grads.
    # Random graphs of + - * / and relu, with reused nodes, constants on either side and
    # special numbers, must get the same gradient on every leaf from both.
    rng = random.Random(seed)
    specials = [0.0, -0.0, 1.0, -2.5, 1e-300, 1e300, math.inf, -math.inf, math.nan]
    leaves = [
        Value(rng.choice(specials) if rng.random() < 0.2 else rng.uniform(-3, 3)) for _ in range(5)
    ]
    nodes: list[Value] = list(leaves)
    for _ in range(60):
        a, b = rng.choice(nodes), rng.choice(nodes)
        kind = rng.randrange(7)
        if kind == 0:
            out = a + b
        elif kind == 1:
            out = a * b
        elif kind == 2:
            out = rng.uniform(-2, 2) * a if rng.random() < 0.5 else a * rng.uniform(-2, 2)
        elif kind == 3:
            out = 1.5 + a if rng.random() < 0.5 else a + 1.5
        elif kind == 4:
            out = a - b
        elif kind == 5:
            out = a / (b * b + 1.0)
        else:
            out = a.relu()
        nodes.append(out)
    root = nodes[-1] + nodes[-2] * nodes[-3]
    expected = grad(root, leaves)
    root.backward()
    for leaf, reference in zip(leaves, expected):
        assert isinstance(reference, float)
        assert _same_number(leaf.grad, reference), (leaf.grad, reference)


def test_deepcopy_of_a_graph_far_deeper_than_the_recursion_limit() -> None:
    # An adversarial trial: copy.deepcopy of a Value 150 ops deep raised RecursionError
    x, w = Value(2.0, label="x"), Value(-3.0)
    y = x
    for _ in range(20_000):
        y = y * 1.0001 + w
    y_copy, x_copy = copy.deepcopy([y, x])  # one call: x stays shared with y's copied graph
    assert y_copy.data == y.data and x_copy.label == "x" and x_copy is not x
    y_copy.backward()
    y.backward()
    assert x_copy.grad == x.grad and x.grad == pytest.approx(1.0001**20_000, rel=1e-9)
    assert w.grad != 0.0 and y.parents[0] is not y_copy.parents[0]


def test_deepcopy_keeps_nary_nodes_and_gradients_that_are_values() -> None:
    a, b = Value(0.5), Value(-1.5)
    n = autograd.neuron([a], [b], Value(0.1), "tanh")  # n-ary: its _b is a float
    (n * n).backward(create_graph=True)  # a.grad is a Value whose graph holds a itself
    a_copy = copy.deepcopy(a)
    assert isinstance(a_copy.grad, Value) and a_copy.grad.data == a.grad.data
    n_copy = copy.deepcopy(n)
    assert n_copy.data == n.data and [p.data for p in n_copy.parents] == [p.data for p in n.parents]
