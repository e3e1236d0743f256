"""The op table: every operation's forward rule and local derivative, side by side.

Each op is a small class with two methods:

* ``forward(*xs)`` takes the inputs' float data and returns the output's float data.
  Domain errors are raised here, naming the op and the offending value.
* ``local_grads(xs, out)`` returns d out / d x_i for every input, as a tuple.

``local_grads`` is written with plain arithmetic, so the same line works on floats
(ordinary backward) and on ``Value`` nodes (``create_graph=True``, which makes
gradients of gradients). Where a derivative needs a branch, it branches on
``float(x)``, which is the data of a ``Value`` and the number itself for a float.

Kink conventions (the derivative we use exactly at a non-differentiable point,
chosen to match PyTorch):

* relu'(0) = 0
* leaky_relu'(0) = slope
* elu'(0) = alpha (the x <= 0 branch: alpha * exp(x))
* d/db a**b at a = 0 (b > 0) is 0, the limit of a**b * log(a) as a -> 0+
* d/dx x**p at x = 0 for 0 < p < 1 is +inf (the slope is vertical there)
"""

from __future__ import annotations

import math
from operator import mul as _mul
from typing import Any


def _exp(x: Any) -> Any:
    return math.exp(x) if isinstance(x, float) else x.exp()


def _log(x: Any) -> Any:
    return math.log(x) if isinstance(x, float) else x.log()


def _sigmoid(x: Any) -> Any:
    return stable_sigmoid(x) if isinstance(x, float) else x.sigmoid()


def stable_sigmoid(x: float) -> float:
    """1 / (1 + e^-x) without overflow for any finite x."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def stable_softplus(x: float) -> float:
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|), without overflow for any finite x."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _pow(x: Any, p: Any) -> Any:
    """x ** p; on floats an overflow gives +-inf, as float * and / already do in backward.

    Python's float ** raises OverflowError instead, which made backward crash on x**-1
    at x = 1e-300 (slope -1e600) where 1/x, and PyTorch, give -inf.
    """
    if not isinstance(x, float):
        return x**p
    try:
        return x**p
    except OverflowError:
        odd = x < 0.0 and float(p) % 2.0 == 1.0
        return -math.inf if odd else math.inf


def exact_sum(terms: tuple | list) -> float:
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


def _power_rule(x: Any, p: float) -> Any:
    """d(x^p)/dx = p x^(p-1), with the cases at x = 0 spelled out."""
    if p == 0.0:
        return 0.0  # x^0 is constant, even at x = 0
    if float(x) == 0.0 and p < 1.0:
        # 0 < p < 1 (a negative p fails in forward): the slope is vertical, +inf as in
        # PyTorch. Raising here made backward of 0.0 ** x fail for 0 < x < 1.
        return math.inf
    return p * _pow(x, p - 1.0)


class Op:
    """Base of every op: a name (shown in graph drawings) and the two rules."""

    name = "?"

    def forward(self, *xs: float) -> float:
        raise NotImplementedError

    def local_grads(self, xs: tuple, out: Any) -> tuple:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name


class Add(Op):
    name = "+"

    def forward(self, a, b):
        return a + b

    def local_grads(self, xs, out):
        return (1.0, 1.0)  # d(a+b)/da = 1, d(a+b)/db = 1


class Sub(Op):
    name = "-"

    def forward(self, a, b):
        return a - b

    def local_grads(self, xs, out):
        return (1.0, -1.0)  # d(a-b)/da = 1, d(a-b)/db = -1


class Neg(Op):
    name = "neg"

    def forward(self, a):
        return -a

    def local_grads(self, xs, out):
        return (-1.0,)  # d(-a)/da = -1


class Mul(Op):
    name = "*"

    def forward(self, a, b):
        return a * b

    def local_grads(self, xs, out):
        a, b = xs
        return (b, a)  # d(ab)/da = b, d(ab)/db = a


class Div(Op):
    name = "/"

    def forward(self, a, b):
        if b == 0.0:
            raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
        return a / b

    def local_grads(self, xs, out):
        _a, b = xs
        return (1.0 / b, -out / b)  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -out/b


class PowConst(Op):
    """x ** p with a constant (non-Value) exponent p."""

    def __init__(self, exponent: float):
        self.exponent = exponent
        self.name = f"**{exponent:g}"

    def forward(self, x):
        p = self.exponent
        if x < 0.0 and not p.is_integer():
            raise ValueError(f"pow({x!r}, {p!r}): negative base with a non-integer exponent")
        if x == 0.0 and p < 0.0:
            raise ZeroDivisionError(f"pow({x!r}, {p!r}): zero to a negative power")
        try:
            return x**p
        except OverflowError:
            raise OverflowError(f"pow({x!r}, {p!r}) overflows float") from None

    def local_grads(self, xs, out):
        return (_power_rule(xs[0], self.exponent),)


class Pow(Op):
    """a ** b where the exponent b is a Value too: gradient flows to both."""

    name = "**"

    def forward(self, a, b):
        if a < 0.0:
            raise ValueError(
                f"pow({a!r}, Value): negative base with a Value exponent (log(a) undefined)"
            )
        if a == 0.0 and b < 0.0:
            raise ZeroDivisionError(f"pow({a!r}, {b!r}): zero to a negative power")
        try:
            return a**b
        except OverflowError:
            raise OverflowError(f"pow({a!r}, {b!r}) overflows float") from None

    def local_grads(self, xs, out):
        a, b = xs
        if float(a) == 0.0:
            # a^b log a -> 0 as a -> 0+, so the exponent's slope is 0 there.
            return (_power_rule(a, float(b)), 0.0)
        return (b * _pow(a, b - 1.0), out * _log(a))  # d/da = b a^(b-1), d/db = a^b log a


class Exp(Op):
    name = "exp"

    def forward(self, x):
        try:
            return math.exp(x)
        except OverflowError:
            raise OverflowError(f"exp({x!r}) overflows float (x > 709.78)") from None

    def local_grads(self, xs, out):
        return (out,)  # d(e^x)/dx = e^x


class Log(Op):
    name = "log"

    def forward(self, x):
        if x <= 0.0:
            raise ValueError(f"log({x!r}): domain error, log needs x > 0")
        return math.log(x)  # NaN passes through, as in every other op

    def local_grads(self, xs, out):
        (x,) = xs
        return (1.0 / x,)  # d(log x)/dx = 1/x


class Tanh(Op):
    name = "tanh"

    def forward(self, x):
        return math.tanh(x)  # saturates to +-1, never overflows

    def local_grads(self, xs, out):
        # d(tanh x)/dx = 1 - tanh^2 x, as (1 - t)(1 + t): exact in t near +-1, where
        # 1 - t*t adds a rounding of t*t (2e-9 relative at x = 10; PyTorch is exact there)
        return ((1.0 - out) * (1.0 + out),)


class Sigmoid(Op):
    name = "sigmoid"

    def forward(self, x):
        return stable_sigmoid(x)

    def local_grads(self, xs, out):
        return (out * (1.0 - out),)  # d(s(x))/dx = s(x)(1 - s(x))


class Relu(Op):
    name = "relu"

    def forward(self, x):
        return 0.0 if x <= 0.0 else x  # written so that NaN passes through, as in PyTorch

    def local_grads(self, xs, out):
        return (0.0 if float(xs[0]) <= 0.0 else 1.0,)  # step function; relu'(0) = 0


class LeakyRelu(Op):
    def __init__(self, slope: float):
        self.slope = slope
        self.name = f"leaky_relu({slope:g})"

    def forward(self, x):
        return x if x > 0.0 else self.slope * x

    def local_grads(self, xs, out):
        return (1.0 if float(xs[0]) > 0.0 else self.slope,)  # 1 or slope; slope at 0


class Elu(Op):
    def __init__(self, alpha: float):
        self.alpha = alpha
        self.name = f"elu({alpha:g})"

    def forward(self, x):
        return x if x > 0.0 else self.alpha * math.expm1(x)

    def local_grads(self, xs, out):
        # x > 0: 1;  x <= 0: alpha e^x. (Not out + alpha: for x < -20 that sum cancels
        # to a few ulps of alpha, and is exactly 0 from x = -38 on.)
        return (1.0 if float(xs[0]) > 0.0 else self.alpha * _exp(xs[0]),)


class Softplus(Op):
    name = "softplus"

    def forward(self, x):
        return stable_softplus(x)

    def local_grads(self, xs, out):
        return (_sigmoid(xs[0]),)  # d(log(1 + e^x))/dx = sigmoid(x)


class LogAddExp(Op):
    """log(e^a + e^b), the normalizer of a two-way softmax, without overflow for finite inputs."""

    name = "logaddexp"

    def forward(self, a, b):
        return max(a, b) + math.log1p(math.exp(-abs(a - b)))

    def local_grads(self, xs, out):
        a, b = xs
        return (_sigmoid(a - b), _sigmoid(b - a))  # d/da = e^a / (e^a + e^b) = sigmoid(a - b)


# The n-ary ops (Sum, Dot, Neuron) all compute out = act(z) with
#     z = w_1 x_1 + ... + w_n x_n + t_1 + ... + t_m,  inputs (w_1..w_n, x_1..x_n, t_1..t_m),
# which two attributes describe: ``paired`` (the inputs start with n = len(inputs) // 2
# weight-input pairs; False: every input is a plain term t_j) and ``activation`` (None:
# out = z). That shape is all backward's fast path needs: the node keeps z, and
# d out/d w_i = act'(z) x_i, d out/d x_i = act'(z) w_i, d out/d t_j = act'(z), with x_i and
# w_i read from the inputs' data, as for ``*``. Their ``local_grads`` give the same numbers
# to every other use (create_graph, ``grad``).


class Sum(Op):
    """Sum of any number of inputs, as one node."""

    name = "Σ"
    paired, activation = False, None  # every input a plain term (see the n-ary ops above)

    def forward(self, *xs):
        return exact_sum(xs)

    def local_grads(self, xs, out):
        return (1.0,) * len(xs)  # d(sum)/dx_i = 1


class Dot(Op):
    """w . x = sum_i w_i x_i as one node; inputs are (w_1..w_n, x_1..x_n)."""

    name = "·"
    paired, activation = True, None

    def forward(self, *ws_then_xs):
        n = len(ws_then_xs) // 2
        # operator.mul (_mul), not float.__mul__: that rejects an int in .data (w.data = 0)
        # and is also twice as slow
        return exact_sum(list(map(_mul, ws_then_xs[:n], ws_then_xs[n:])))

    def local_grads(self, xs, out):
        n = len(xs) // 2
        return xs[n:] + xs[:n]  # d/dw_i = x_i, d/dx_i = w_i


ADD = Add()
LOG_ADD_EXP = LogAddExp()
SUB = Sub()
NEG = Neg()
MUL = Mul()
DIV = Div()
POW = Pow()
EXP = Exp()
LOG = Log()
TANH = Tanh()
SIGMOID = Sigmoid()
RELU = Relu()
SOFTPLUS = Softplus()
SUM = Sum()
DOT = Dot()


class Neuron(Op):
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

    def forward(self, *wxb):
        n = len(wxb) // 2
        z = sum(map(_mul, wxb[:n], wxb[n:-1]), wxb[-1])
        return z if self.activation is None else self.activation.forward(z)

    def local_grads(self, xs, out):
        n = len(xs) // 2
        w, x = xs[:n], xs[n:-1]
        z = sum(map(_mul, w, x), xs[-1])
        slope = (
            1.0 if self.activation is None else self.activation.local_grads((z,), out)[0]
        )  # act'(z)
        # d/dw_i = act'(z) x_i, d/dx_i = act'(z) w_i, d/db = act'(z)
        return tuple([slope * factor for factor in (*x, *w, 1.0)])
