"""The op table: every operation's forward rule and local derivative, side by side.

Where each op is differentiated:

* ``arithmetic.py``: + - * / % and negation
* ``powers.py``: x ** p, a ** b, sqrt, cbrt
* ``exp_log.py``: exp, exp2, expm1, log, log2, log10, log1p, logaddexp
* ``trig.py``: sin, cos, tan, asin, acos, atan, atan2, sinh, cosh
* ``activations.py``: tanh, sigmoid, softplus, relu, leaky_relu, elu
* ``piecewise.py``: abs, sign, maximum, minimum, clamp
* ``linear.py``: sum, dot and the fused neuron (one node for a weighted sum)

Each op is a small class with two methods:

* ``forward(*xs)`` takes the inputs' float data and returns the output's float data.
  Domain errors are raised here, naming the op and the offending value.
* ``local_grads(xs, out)`` returns d out / d x_i for every input, as a tuple.

``local_grads`` is written with plain arithmetic and the helpers of ``base.py``, so the
same line works on floats (ordinary backward) and on ``Value`` nodes
(``create_graph=True``, which makes gradients of gradients). Where a derivative needs a
branch, it branches on ``float(x)``, which is the data of a ``Value`` and the number
itself for a float. Powers inside derivatives use IEEE results (``ieee_pow``): +-inf at
a pole or on overflow, never an error, so higher derivatives at x = 0 are PyTorch's.

Kink conventions (the derivative we use exactly at a non-differentiable point, chosen
to match PyTorch; docs/ops.md has the full table with second derivatives):

* relu'(0) = 0; leaky_relu'(0) = slope; elu'(0) = alpha and elu''(0) = alpha
* abs'(0) = 0; sign' = 0; clamp' = 1 at both bounds
* maximum and minimum split the slope 1/2 and 1/2 at a tie
* d/db a**b at a = 0 (b > 0) is 0, the limit of a**b * log(a) as a -> 0+
* d/dx x**p at x = 0 for 0 < p < 1 is +inf (the slope is vertical there), and so are
  the slopes of sqrt and cbrt at 0 and of asin (acos: -inf) at +-1
"""

from .activations import (
    RELU,
    SIGMOID,
    SOFTPLUS,
    TANH,
    Elu,
    LeakyRelu,
    Relu,
    Sigmoid,
    Softplus,
    Tanh,
)
from .arithmetic import ADD, DIV, MOD, MUL, NEG, SUB, Add, Div, Mod, Mul, Neg, Sub
from .base import Op, ieee_pow, stable_sigmoid, stable_softplus
from .exp_log import (
    EXP,
    EXP2,
    EXPM1,
    LOG,
    LOG1P,
    LOG2,
    LOG10,
    LOG_ADD_EXP,
    Exp,
    Exp2,
    Expm1,
    Log,
    Log1p,
    Log2,
    Log10,
    LogAddExp,
)
from .linear import DOT, SUM, Dot, NaryOp, Neuron, Sum, exact_sum
from .piecewise import ABS, MAXIMUM, MINIMUM, SIGN, Abs, Clamp, Maximum, Minimum, Sign
from .powers import (
    CBRT,
    IEEE_POW,
    POW,
    SQRT,
    Cbrt,
    IeeePow,
    IeeePowConst,
    Pow,
    PowConst,
    Sqrt,
    power_rule,
)
from .trig import (
    ACOS,
    ASIN,
    ATAN,
    ATAN2,
    COS,
    COSH,
    SIN,
    SINH,
    TAN,
    Acos,
    Asin,
    Atan,
    Atan2,
    Cos,
    Cosh,
    Sin,
    Sinh,
    Tan,
)

__all__ = [
    "ABS", "ACOS", "ADD", "ASIN", "ATAN", "ATAN2", "CBRT", "COS", "COSH", "DIV", "DOT", "EXP",
    "EXP2", "EXPM1", "IEEE_POW", "LOG", "LOG1P", "LOG2", "LOG10", "LOG_ADD_EXP", "MAXIMUM", "MINIMUM", "MOD",
    "MUL", "NEG", "POW", "RELU", "SIGMOID", "SIGN", "SIN", "SINH", "SOFTPLUS", "SQRT", "SUB",
    "SUM", "TAN", "TANH",
    "Abs", "Acos", "Add", "Asin", "Atan", "Atan2", "Cbrt", "Clamp", "Cos", "Cosh", "Div", "Dot",
    "Elu", "Exp", "Exp2", "Expm1", "IeeePow", "IeeePowConst", "LeakyRelu", "Log", "Log1p",
    "Log2", "Log10", "LogAddExp", "Maximum", "Minimum", "Mod", "Mul", "NaryOp", "Neg", "Neuron", "Op",
    "Pow",
    "PowConst", "Relu", "Sigmoid", "Sign", "Sin", "Sinh", "Softplus", "Sqrt", "Sub", "Sum",
    "Tan", "Tanh", "exact_sum", "ieee_pow", "power_rule", "stable_sigmoid", "stable_softplus",
]  # fmt: skip
