"""Independent references for the engine tests: PyTorch float64, numpy, and finite differences.

An expression is written once as ``f(m, *args)``, where ``m`` is a *backend*: ``ENGINE``
(``autograd.Value``), ``TORCH`` (float64 tensors) or ``NUMPY`` (float64 scalars, forward only).
Arithmetic operators work on all three, so ``lambda m, x: 2.0 / x + m.tanh(x)`` means the
same function everywhere and each reference sees exactly the expression the engine sees.

Nothing here uses the engine's op math: the references are torch, numpy and differences of
the engine's own forward values (which checks backward against forward).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st

import autograd
from autograd import Value

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # torch is a test-time reference only; CI installs torch==2.13.0
    torch = None

TORCH_MISSING = "PyTorch is not installed: torch parity not checked (CI installs torch==2.13.0)"
requires_torch = pytest.mark.skipif(torch is None, reason=TORCH_MISSING)

# Errors the engine raises on purpose for inputs outside an op's domain.
DOMAIN_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


def examples(n: int) -> int:
    """``n`` Hypothesis examples under the ``ci`` profile, scaled by the loaded profile's size.

    The profile (tests/conftest.py) sets max_examples; 100 means "as in CI".
    """
    return max(1, n * settings.default.max_examples // 100)


# --- backends: the same expression evaluated by the engine, torch or numpy ---


class ENGINE:
    """The engine under test: inputs are ``Value`` leaves."""

    leaf = Value
    exp = staticmethod(lambda x: x.exp())
    log = staticmethod(lambda x: x.log())
    tanh = staticmethod(lambda x: x.tanh())
    sigmoid = staticmethod(lambda x: x.sigmoid())
    relu = staticmethod(lambda x: x.relu())
    leaky_relu = staticmethod(lambda x, slope=0.01: x.leaky_relu(slope))
    elu = staticmethod(lambda x, alpha=1.0: x.elu(alpha))
    softplus = staticmethod(lambda x: x.softplus())
    sum = staticmethod(autograd.sum)
    dot = staticmethod(autograd.dot)
    log_sum_exp = staticmethod(autograd.log_sum_exp)


if torch is not None:

    def _tensor(x):
        return x if isinstance(x, torch.Tensor) else torch.tensor(float(x), dtype=torch.float64)

    class TORCH:
        """PyTorch float64: inputs are 0-d tensors with requires_grad."""

        leaf = staticmethod(
            lambda x: torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
        )
        exp = staticmethod(torch.exp)
        log = staticmethod(torch.log)
        tanh = staticmethod(torch.tanh)
        sigmoid = staticmethod(torch.sigmoid)
        relu = staticmethod(torch.relu)
        leaky_relu = staticmethod(lambda x, slope=0.01: F.leaky_relu(x, slope))
        elu = staticmethod(lambda x, alpha=1.0: F.elu(x, alpha))
        softplus = staticmethod(F.softplus)
        sum = staticmethod(lambda terms: torch.stack([_tensor(t) for t in terms]).sum())
        log_sum_exp = staticmethod(
            lambda terms: torch.logsumexp(torch.stack([_tensor(t) for t in terms]), 0)
        )
        dot = staticmethod(
            lambda ws, xs: torch.dot(
                torch.stack([_tensor(w) for w in ws]), torch.stack([_tensor(x) for x in xs])
            )
        )


def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class NUMPY:
    """numpy float64 scalars, forward values only (the torch-free forward reference)."""

    leaf = np.float64
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    tanh = staticmethod(np.tanh)
    sigmoid = staticmethod(_np_sigmoid)
    relu = staticmethod(lambda x: np.maximum(x, 0.0))
    leaky_relu = staticmethod(lambda x, slope=0.01: x if x > 0 else slope * x)
    elu = staticmethod(lambda x, alpha=1.0: x if x > 0 else alpha * np.expm1(x))
    softplus = staticmethod(lambda x: np.logaddexp(0.0, x))
    sum = staticmethod(lambda terms: np.sum(np.array(terms, dtype=np.float64)))
    log_sum_exp = staticmethod(lambda terms: np.logaddexp.reduce(np.array(terms, dtype=np.float64)))
    dot = staticmethod(
        lambda ws, xs: np.dot(np.array(ws, dtype=np.float64), np.array(xs, dtype=np.float64))
    )


# --- evaluating an expression ---


def unfused_neuron(w, x, b, activation: str) -> Value:
    """activation(w . x + b) from single + and * nodes (the micrograd way): the reference for a
    fused neuron; ``activation`` as ``autograd.neuron`` names it ("relu", "elu(0.5)", ...)."""
    z = b
    for wi, xi in zip(w, x):
        z = z + wi * xi
    name, _, parameter = activation.partition("(")
    if name == "linear":
        return z
    method = getattr(z, name)
    return method(float(parameter[:-1])) if parameter else method()


def engine_value_and_grads(f: Callable, point: Sequence[float]) -> tuple[float, list[float]]:
    """Forward value of ``f(ENGINE, *point)`` and d f / d x_i from ``backward()``."""
    xs = [Value(p) for p in point]
    y = f(ENGINE, *xs)
    y.backward()
    return y.data, [x.grad for x in xs]


def engine_forward(f: Callable, point: Sequence[float]) -> float:
    return f(ENGINE, *[Value(p) for p in point]).data


def torch_value_and_grads(f: Callable, point: Sequence[float]) -> tuple[float, list[float]]:
    """The same with PyTorch float64 autograd (an input f does not use gets 0.0)."""
    xs = [TORCH.leaf(p) for p in point]
    y = f(TORCH, *xs)
    grads = torch.autograd.grad(y, xs, allow_unused=True)
    return y.item(), [0.0 if g is None else g.item() for g in grads]


def numpy_forward(f: Callable, point: Sequence[float]) -> float:
    with np.errstate(over="ignore", under="ignore"):
        return float(f(NUMPY, *[np.float64(p) for p in point]))


# --- comparing ---


def close(ours: float, reference: float, rel: float, abs_tol: float = 0.0) -> bool:
    """``math.isclose``, where an infinity must match exactly and a NaN only a NaN."""
    if math.isnan(reference) or math.isnan(ours):
        return math.isnan(reference) and math.isnan(ours)
    if math.isinf(reference) or math.isinf(ours):
        return ours == reference
    return math.isclose(ours, reference, rel_tol=rel, abs_tol=abs_tol)


def assert_close(
    ours: float, reference: float, rel: float, abs_tol: float = 0.0, what: str = ""
) -> None:
    assert close(ours, reference, rel, abs_tol), (
        f"{what}: engine {ours!r}, reference {reference!r}, |diff| {abs(ours - reference):.3g}"
    )


# --- finite differences of the engine's own forward ---


def derivative_by_differences(
    f1: Callable[[float], float], x: float, singular_at_zero: bool = False
) -> float:
    """d f1 / dx by a fourth-order central difference (error O(h^4)).

    Near a point where f1 is not smooth (``singular_at_zero``: a kink or a domain edge at
    0) the step shrinks to 1e-3 |x| so the stencil stays on x's side. Exactly at 0 it
    takes the second-order one-sided difference from the left (the side whose branch
    the engine's kink conventions use), or from the right where the left is outside the
    domain, with h = 1e-20: x**1.5 has a slope error of h**0.5 there.
    """
    h = 1e-5 * max(1.0, abs(x))
    if singular_at_zero and x != 0.0:
        h = min(h, 1e-3 * abs(x))
    if not (singular_at_zero and x == 0.0):
        return (-f1(x + 2 * h) + 8 * f1(x + h) - 8 * f1(x - h) + f1(x - 2 * h)) / (12 * h)
    h = 1e-20
    try:
        return (3 * f1(x) - 4 * f1(x - h) + f1(x - 2 * h)) / (2 * h)
    except DOMAIN_ERRORS:
        return (-3 * f1(x) + 4 * f1(x + h) - f1(x + 2 * h)) / (2 * h)


def gradient_by_differences(
    f: Callable, point: Sequence[float], singular: Sequence[int] = ()
) -> list[float]:
    """Every partial derivative of ``f(ENGINE, *point)`` by differences of forward values."""
    point = list(point)
    gradient = []
    for i, x in enumerate(point):

        def f1(t: float, i: int = i) -> float:
            moved = point[:i] + [t] + point[i + 1 :]
            return engine_forward(f, moved)

        gradient.append(derivative_by_differences(f1, x, singular_at_zero=i in singular))
    return gradient


# --- random expression graphs (Hypothesis) ---


@dataclass(frozen=True)
class Step:
    """One node of a generated graph: ``op`` applied to earlier nodes ``args`` (and ``const``)."""

    op: str
    args: tuple[int, ...]
    const: float = 0.0

    def __repr__(self) -> str:
        return f"Step({self.op!r}, {self.args}, {self.const!r})"


# Each generated node: op name -> f(m, operands, constant). Every op, both operand orders.
_STEP_OPS = {
    "add": lambda m, a, c: a[0] + a[1],
    "sub": lambda m, a, c: a[0] - a[1],
    "mul": lambda m, a, c: a[0] * a[1],
    "div": lambda m, a, c: a[0] / a[1],
    "pow": lambda m, a, c: a[0] ** a[1],
    "add_c": lambda m, a, c: a[0] + c,
    "c_add": lambda m, a, c: c + a[0],
    "sub_c": lambda m, a, c: a[0] - c,
    "c_sub": lambda m, a, c: c - a[0],
    "mul_c": lambda m, a, c: a[0] * c,
    "c_mul": lambda m, a, c: c * a[0],
    "div_c": lambda m, a, c: a[0] / c,
    "c_div": lambda m, a, c: c / a[0],
    "pow_c": lambda m, a, c: a[0] ** c,
    "c_pow": lambda m, a, c: c ** a[0],
    "neg": lambda m, a, c: -a[0],
    "exp": lambda m, a, c: m.exp(a[0]),
    "log": lambda m, a, c: m.log(a[0]),
    "tanh": lambda m, a, c: m.tanh(a[0]),
    "sigmoid": lambda m, a, c: m.sigmoid(a[0]),
    "relu": lambda m, a, c: m.relu(a[0]),
    "leaky_relu": lambda m, a, c: m.leaky_relu(a[0], c),
    "elu": lambda m, a, c: m.elu(a[0], c),
    "softplus": lambda m, a, c: m.softplus(a[0]),
    "sum": lambda m, a, c: m.sum(a + [c]),
    "dot": lambda m, a, c: m.dot(a[: len(a) // 2], a[len(a) // 2 :]),
}


def _apply(m, op: str, a: list, const: float):
    """Node ``op`` of backend ``m`` on operand nodes ``a`` (and the step's constant)."""
    return _STEP_OPS[op](m, a, const)


BINARY = ("add", "sub", "mul", "div", "pow")
WITH_CONSTANT = (
    "add_c",
    "c_add",
    "sub_c",
    "c_sub",
    "mul_c",
    "c_mul",
    "div_c",
    "c_div",
    "pow_c",
    "c_pow",
)
UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus")
NARY = ("sum", "dot")
ALL_OPS = BINARY + WITH_CONSTANT + UNARY + NARY
assert set(ALL_OPS) == set(_STEP_OPS)
KINKED = ("relu", "leaky_relu", "elu")  # not differentiable where their operand is 0

CONSTANTS = (-2.5, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0)
EXPONENTS = (0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1.5, 2.5, -0.5)
BASES = (0.5, 2.0, 3.0, math.e)


def _operands_ok(op: str, xs: list[float], c: float) -> bool:
    """Keep generated graphs where every op is smooth and well conditioned (no error is due).

    Domain edges stay at least 0.05 away, exp and the Value-exponent powers stay small,
    and softplus stays below 20, where PyTorch switches to its ``x`` approximation. A Value
    exponent is never exactly 0 or 1: PyTorch masks d/da a**b to 0 where b == 0, which
    drops the a**(b-1) term of d/db (b a**(b-1)), so its second derivative is wrong at
    b = 0 and its third at b = 1 (b - 1 = 0 one order down). The engine is right there;
    test_higher_order.py checks those points against hand-derived values.
    """
    x = xs[0]
    if op == "div":
        return abs(xs[1]) >= 0.1
    if op == "c_div":
        return abs(x) >= 0.1
    if op == "log":
        return x >= 0.05
    if op == "pow":
        return x >= 0.05 and abs(xs[1]) <= 4.0 and xs[1] not in (0.0, 1.0)
    if op == "pow_c":
        if c < 0 and abs(x) < 0.1:
            return False
        return c.is_integer() or x >= 0.05
    if op == "c_pow":
        return abs(x) <= 10.0
    if op == "exp":
        return x <= 8.0
    if op == "softplus":
        return abs(x) <= 20.0
    return True


def _arity(draw, op: str) -> int:
    if op in BINARY:
        return 2
    if op == "sum":
        return draw(st.integers(1, 6))
    if op == "dot":
        return 2 * draw(st.integers(1, 3))
    return 1


_inputs = st.one_of(
    st.floats(-3.0, 3.0, allow_subnormal=False),
    st.sampled_from([0.0, 1.0, -1.0, 0.5, -2.0, 1e-12, -1e-12, 12.0, -12.0]),
)


@dataclass(frozen=True)
class Graph:
    """A generated expression: ``inputs`` are leaves 0..n-1, then one node per step; the
    output is the sum of the nodes nothing else uses (so every node matters)."""

    inputs: tuple[float, ...]
    steps: tuple[Step, ...]

    def nodes(self, m, leaves: Sequence) -> list:
        """Every node's value in backend ``m`` from the given leaves."""
        nodes = list(leaves)
        for step in self.steps:
            nodes.append(_apply(m, step.op, [nodes[i] for i in step.args], step.const))
        return nodes

    def output_index(self) -> list[int]:
        used = {i for step in self.steps for i in step.args}
        return [i for i in range(len(self.inputs) + len(self.steps)) if i not in used]

    def output(self, m, nodes: Sequence):
        sinks = [nodes[i] for i in self.output_index()]
        return sinks[0] if len(sinks) == 1 else m.sum(sinks)

    def __call__(self, m, *leaves):
        """The graph as an expression ``f(m, *args)``, like a parity-table row."""
        return self.output(m, self.nodes(m, leaves))

    def kink_signature(self, nodes: Sequence[Value]) -> tuple[bool, ...]:
        """Which side of 0 each relu/leaky_relu/elu operand is on."""
        return tuple(nodes[s.args[0]].data > 0.0 for s in self.steps if s.op in KINKED)


@st.composite
def graphs(draw, max_inputs: int = 4, max_steps: int = 14) -> Graph:
    """Random expression graphs over every op: shared sub-expressions (any earlier node can be
    reused), constants on either side, chains (each step consumes the last node) and wide
    sums and dot products. Operands are picked where the op is in its domain (see _operands_ok)."""
    inputs = tuple(draw(_inputs) for _ in range(draw(st.integers(1, max_inputs))))
    chain = draw(st.booleans())
    with autograd.no_grad():
        values = [Value(x) for x in inputs]
        steps = []
        for _ in range(draw(st.integers(1, max_steps))):
            op = draw(st.sampled_from(ALL_OPS))
            last = len(values) - 1
            any_node = st.integers(0, last)
            first = last if chain else draw(any_node)
            args = (first,) + tuple(draw(any_node) for _ in range(_arity(draw, op) - 1))
            if op in ("leaky_relu",):
                const = draw(st.sampled_from((0.01, 0.2, 0.5)))
            elif op == "elu":
                const = draw(st.sampled_from((1.0, 0.5, 2.0)))
            elif op == "pow_c":
                const = draw(st.sampled_from(EXPONENTS))
            elif op == "c_pow":
                const = draw(st.sampled_from(BASES))
            else:
                const = draw(st.sampled_from(CONSTANTS))
            if not _operands_ok(op, [values[i].data for i in args], const):
                op, args = "tanh", (first,)  # a safe op in place of one out of its domain
            try:
                node = _apply(ENGINE, op, [values[i] for i in args], const)
            except DOMAIN_ERRORS:  # pragma: no cover - _operands_ok rules these out
                raise AssertionError(f"generator made an invalid step {op} {args}") from None
            if not abs(node.data) <= 1e4:
                node, op, args = values[first].tanh(), "tanh", (first,)  # keep magnitudes tame
            values.append(node)
            steps.append(Step(op, args, const))
    return Graph(inputs, tuple(steps))
