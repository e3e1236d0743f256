"""The compiled replay's intermediate form: a traced graph as elementwise ops and linear combinations.

``Builder.lower`` turns each traced node into an elementwise op (a rule of ``batched_ops``)
or a linear combination sum_k coef_k * input_k (for +, -, negation, sum, dot, the z of a
fused neuron, and a product with something that does not depend on the inputs).
``merge_linear`` folds a linear combination used only by another one into it, so a
micrograd-style neuron b + w1*x1 + ... + wn*xn becomes one row of one matrix;
``split_static`` moves the terms that do not depend on the inputs into a bias, computed
once per call; ``merge_log_add_exp`` turns a tree of logaddexp nodes (``log_sum_exp``, the
normalizer of a softmax) into one log-sum-exp node. ``compiler.compile_tape`` then groups the
nodes into kernels.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..value import Value
from .arrays import Positions
from .batched_ops import RULES

_NONE: Positions = np.zeros(0, dtype=np.intp)  # the default of a non-layer node's weights, biases


# A tree of logaddexp nodes over k leaves, as its pairs in evaluation order: position p < k
# names leaf p, position k + j the result of pair j; the last pair is the root.
Tree = list[tuple[int, int]]


class Node:
    """One node of the intermediate form: input, param, const, ew (elementwise), lin, lse
    (log-sum-exp, see ``merge_log_add_exp``), or a layer and its rows (see ``Builder.layer``).

    ``op``: an ew node's op. ``number``: a const's value. ``index``: an input's column, a
    param's position in the tape's parameter list, a row's neuron in its layer. ``weights``,
    ``biases``: a layer's parameter positions. ``terms``: a lin's (input, coefficient) pairs,
    coefficients static; ``bias``: its static part once split off. ``tree``: an lse node's
    logaddexp tree over its args.
    """

    __slots__ = (
        "args",
        "bias",
        "biases",
        "index",
        "kind",
        "level",
        "needs_grad",
        "number",
        "op",
        "slot",
        "static",
        "terms",
        "tree",
        "uses",
        "weights",
    )

    def __init__(
        self,
        kind: str,
        static: bool,
        *,
        op: ops.Op | None = None,
        args: list[Node] | None = None,
        terms: list[tuple[Node, Node]] | None = None,
        number: float = 0.0,
        index: int = -1,
        weights: Positions = _NONE,
        biases: Positions = _NONE,
    ) -> None:
        self.kind = kind
        self.static = static
        self.op = op
        self.args: list[Node] = [] if args is None else args
        self.terms: list[tuple[Node, Node]] = [] if terms is None else terms
        self.bias: Node | None = None
        self.tree: Tree = []
        self.number = number
        self.index = index
        self.weights = weights
        self.biases = biases
        self.needs_grad = False
        self.uses = 0
        self.level = 0
        self.slot = -1

    def elementwise_op(self) -> ops.Op:
        """An ew node's op (every ew node has one)."""
        if self.op is None:
            raise ValueError(f"compile_tape: a {self.kind} node has no op")
        return self.op

    def required_bias(self) -> Node:
        """The bias of a lin node in a group that has biases (the group's key says they all do)."""
        if self.bias is None:
            raise ValueError("compile_tape: a lin node in a biased group has no bias")
        return self.bias


class Builder:
    """Lowers a traced graph to _Nodes and rewrites them (steps 1 to 3 of the module docstring)."""

    def __init__(self) -> None:
        self.consts: dict[str, Node] = {}
        self.one = self.const(1.0)
        self.minus_one = self.const(-1.0)

    def const(self, value: float) -> Node:
        key = float(value).hex()  # keeps -0.0 apart from 0.0
        if key not in self.consts:
            self.consts[key] = Node("const", True, number=float(value))
        return self.consts[key]

    def ew(self, op: ops.Op, args: list[Node]) -> Node:
        if type(op) not in RULES:
            raise NotImplementedError(
                f"trace: op {op.name!r} ({type(op).__name__}) has no batched rule"
            )
        return Node("ew", all(a.static for a in args), op=op, args=args)

    def layer(
        self, inputs: list[Node], weights: Positions, biases: Positions, size: int
    ) -> list[Node]:
        """A layer of fused neurons on the same batch inputs, as one node and its ``size`` rows.

        The weights and biases are parameters, named by their positions in the tape's parameter
        list (``weights``: a (size, len(inputs)) int array, ``biases``: size ints), not by one
        Node each: a 100,000-parameter layer is two Nodes' worth of work to compile. Row k is
        neuron k's z = w_k . x + b_k; the layer becomes one matrix product.
        """
        layer = Node("layer", False, args=inputs, weights=weights, biases=biases)
        return [Node("row", False, args=[layer], index=k) for k in range(size)]

    def lin(self, terms: list[tuple[Node, Node]]) -> Node:
        return Node("lin", all(u.static for u, _ in terms), terms=terms)

    def term(self, a: Node, b: Node) -> tuple[Node, Node]:
        """a * b as one term (input, coefficient): the static factor becomes the coefficient."""
        if a.static and not b.static:
            return (b, a)
        if b.static and not a.static:
            return (a, b)
        return (self.ew(ops.MUL, [a, b]), self.one)

    def scale(self, c: Node, d: Node) -> Node:
        """The coefficient c * d (both static)."""
        if c is self.one:
            return d
        if d is self.one:
            return c
        if c.kind == "const" and d.kind == "const":
            return self.const(c.number * d.number)
        return self.ew(ops.MUL, [c, d])

    def lower(self, node: Value, parents: list[Node]) -> Node:
        """The Node for one traced op node whose parents are already lowered."""
        op = node.op
        if op is None:
            raise ValueError(f"compile_tape: lowering a leaf {node!r} as if it were an op")
        kind = type(op)
        if all(p.kind == "const" for p in parents):
            return self.const(node.data)  # depends on nothing that changes: fold
        if kind is ops.Add:
            return self.lin([(parents[0], self.one), (parents[1], self.one)])
        if kind is ops.Sub:
            return self.lin([(parents[0], self.one), (parents[1], self.minus_one)])
        if kind is ops.Neg:
            return self.lin([(parents[0], self.minus_one)])
        if kind is ops.Mul:
            a, b = parents
            if a.static != b.static:
                return self.lin([self.term(a, b)])
            return self.ew(op, parents)
        if kind is ops.Sum:
            return self.lin([(p, self.one) for p in parents])
        if kind is ops.Dot:
            n = len(parents) // 2
            return self.lin([self.term(w, x) for w, x in zip(parents[:n], parents[n:])])
        if type(op) is ops.Neuron:  # not `kind`: this narrows op, for its activation
            n = len(parents) // 2
            z = self.lin(
                [self.term(w, x) for w, x in zip(parents[:n], parents[n:-1])]
                + [(parents[-1], self.one)]
            )
            return z if op.activation is None else self.ew(op.activation, [z])
        return self.ew(op, parents)


def live_order(output: Node) -> list[Node]:
    """Every Node the output depends on, dependencies first (iterative DFS)."""
    order: list[Node] = []
    state: dict[int, int] = {}
    stack = [output]
    while stack:
        node = stack.pop()
        seen = state.get(id(node), 0)
        if seen == 2:
            continue
        if seen == 1:
            state[id(node)] = 2
            order.append(node)
            continue
        state[id(node)] = 1
        stack.append(node)
        stack.extend(d for d in reversed(dependencies(node)) if state.get(id(d), 0) != 2)
    return order


def dependencies(node: Node) -> list[Node]:
    """What a node reads: its arguments, or its terms' inputs and coefficients and its bias."""
    deps = [*node.args, *(x for term in node.terms for x in term)]
    if node.bias is not None:
        deps.append(node.bias)
    return deps


def op_key(op: ops.Op) -> tuple[type[ops.Op], tuple[tuple[str, str], ...]]:
    """Ops that may share one numpy call: same class and same parameters (exponent, slope...)."""
    return (type(op), tuple(sorted((name, repr(value)) for name, value in vars(op).items())))


def merge_linear(builder: Builder, order: list[Node], output: Node) -> None:
    """Fold each lin node used by exactly one other lin (as an input) into that one."""
    for node in order:
        for dep in node.args:
            dep.uses += 1
        for u, c in node.terms:
            u.uses += 1
            c.uses += 1
    output.uses += 1
    for node in order:
        if node.kind != "lin":
            continue
        terms: list[tuple[Node, Node]] = []
        for u, c in node.terms:
            if u.kind == "lin" and u.uses == 1:
                terms.extend((v, builder.scale(c, d)) for v, d in u.terms)
            else:
                terms.append((u, c))
        node.terms = terms


def merge_log_add_exp(order: list[Node]) -> None:
    """Make each tree of batch logaddexp nodes whose inner nodes are used once (as
    ``autograd.log_sum_exp`` builds it) one lse node over the tree's leaves.

    log_sum_exp of k rows is then one kernel reading them as a block (``kernels.LogSumExp``)
    in place of a kernel per level of the tree. Needs the use counts of ``merge_linear``.
    """

    def merges(node: Node) -> bool:
        return node.kind == "ew" and type(node.op) is ops.LogAddExp and not node.static

    absorbed: set[int] = set()  # inner nodes of a merged tree (no longer computed)
    for node in reversed(order):  # a tree's root comes before its inner nodes
        if id(node) in absorbed or not merges(node):
            continue
        if not any(merges(a) and a.uses == 1 for a in node.args):
            continue
        leaves: list[Node] = []
        pairs: list[tuple[int, int]] = []  # positions: leaf p as p, pair j as -1 - j for now
        results: list[int] = []
        inner: list[int] = []
        stack = [(node, False)]  # a loop, not recursion: a chain of logaddexp may be deep
        while stack:
            n, children_done = stack.pop()
            if n is not node and not (merges(n) and n.uses == 1):
                leaves.append(n)
                results.append(len(leaves) - 1)
            elif children_done:
                right, left = results.pop(), results.pop()
                pairs.append((left, right))
                results.append(-len(pairs))
            else:
                inner.append(id(n))
                stack += [(n, True), (n.args[1], False), (n.args[0], False)]
        if any(leaf.static for leaf in leaves):
            continue  # the kernel reads its leaves as rows of V
        k = len(leaves)
        absorbed.update(inner)
        node.kind, node.args = "lse", leaves
        node.tree = [(a if a >= 0 else k - 1 - a, b if b >= 0 else k - 1 - b) for a, b in pairs]


def split_static(builder: Builder, order: list[Node]) -> None:
    """A batch lin keeps its batch terms; the static ones become its bias, computed once per call.

    Also combines repeated inputs of one lin (x + x) into one term, so each row of a
    layer's matrix has one coefficient per input.
    """
    for node in order:
        if node.kind != "lin" or node.static:
            continue
        static_terms = [(u, c) for u, c in node.terms if u.static]
        by_input: dict[int, tuple[Node, list[Node]]] = {}
        for u, c in node.terms:
            if not u.static:
                by_input.setdefault(id(u), (u, []))[1].append(c)
        node.terms = [
            (u, cs[0] if len(cs) == 1 else builder.lin([(c, builder.one) for c in cs]))
            for u, cs in by_input.values()
        ]
        if static_terms:
            u, c = static_terms[0]
            node.bias = (
                u if len(static_terms) == 1 and c is builder.one else builder.lin(static_terms)
            )
