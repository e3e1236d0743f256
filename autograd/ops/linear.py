"""Weighted sums as one node: sum, dot, and a whole neuron act(w . x + b)."""

from __future__ import annotations

import math
from operator import mul as _mul
from typing import Any

from .base import Op


def exact_sum(terms: tuple[float, ...] | list[float]) -> float:
    """The correctly rounded sum (math.fsum), with IEEE results where fsum would raise.

    fsum raises when a partial sum overflows, even if the total fits
    (1e308 + 1e308 - 1e308), and on inf + -inf. Here the first is summed scaled down by
    a power of two (exact) and scaled back (inf if the total really overflows); the
    second is NaN, as a + b gives.
    """
    try:
        return math.fsum(terms)
    except OverflowError:
        scale = 2.0 ** len(terms).bit_length()  # > len(terms): no partial sum can overflow
        return math.fsum([t / scale for t in terms]) * scale  # float * gives inf, not an error
    except ValueError:  # inf + -inf
        return math.nan


# The n-ary ops (Sum, Dot, Neuron) all compute out = act(z) with
#     z = w_1 x_1 + ... + w_n x_n + t_1 + ... + t_m,  inputs (w_1..w_n, x_1..x_n, t_1..t_m),
# which two attributes describe: ``paired`` (the inputs start with n = len(inputs) // 2
# weight-input pairs; False: every input is a plain term t_j) and ``activation`` (None:
# out = z). That shape is all backward's fast path needs: the node keeps z, and
# d out/d w_i = act'(z) x_i, d out/d x_i = act'(z) w_i, d out/d t_j = act'(z), with x_i and
# w_i read from the inputs' data, as for ``*``. Their ``local_grads`` give the same numbers
# to every other use (create_graph, ``grad``).


class NaryOp(Op):
    """An op of any arity computing act(z), described by ``paired`` and ``activation`` (above)."""

    paired: bool
    activation: Op | None


class Sum(NaryOp):
    """Sum of any number of inputs, as one node."""

    name = "Σ"
    paired, activation = False, None  # every input a plain term (see the n-ary ops above)

    def forward(self, *xs: float) -> float:
        return exact_sum(xs)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        return (1.0,) * len(xs)  # d(sum)/dx_i = 1


class Dot(NaryOp):
    """w . x = sum_i w_i x_i as one node; inputs are (w_1..w_n, x_1..x_n)."""

    name = "·"
    paired, activation = True, None

    def forward(self, *ws_then_xs: float) -> float:
        n = len(ws_then_xs) // 2
        # operator.mul (_mul), not float.__mul__: that rejects an int in .data (w.data = 0)
        # and is also twice as slow
        return exact_sum(list(map(_mul, ws_then_xs[:n], ws_then_xs[n:])))

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        n = len(xs) // 2
        return xs[n:] + xs[:n]  # d/dw_i = x_i, d/dx_i = w_i


SUM = Sum()
DOT = Dot()


class Neuron(NaryOp):
    """activation(w . x + b) as ONE node: a whole neuron, inputs (w_1..w_n, x_1..x_n, b).

    ``activation`` is another op of this table (RELU, TANH, ...) or None for a linear
    neuron. Its own entry gives act(z) and act'(z); this entry adds only the chain rule
    through z = b + w_1 x_1 + ... + w_n x_n (summed left to right, so the float is the
    same as the one a chain of single + and * nodes gives).
    """

    paired = True  # and a bias, the one plain term (see the n-ary ops above)

    def __init__(self, activation: Op | None):
        self.activation = activation
        self.name = f"neuron({'linear' if activation is None else activation.name})"

    def forward(self, *wxb: float) -> float:
        n = len(wxb) // 2
        z = sum(map(_mul, wxb[:n], wxb[n:-1]), wxb[-1])
        return z if self.activation is None else self.activation.forward(z)

    def local_grads(self, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        n = len(xs) // 2
        w, x = xs[:n], xs[n:-1]
        z = sum(map(_mul, w, x), xs[-1])
        slope = (
            1.0 if self.activation is None else self.activation.local_grads((z,), out)[0]
        )  # act'(z)
        # d/dw_i = act'(z) x_i, d/dx_i = act'(z) w_i, d/db = act'(z)
        return tuple([slope * factor for factor in (*x, *w, 1.0)])
