"""valuegrad's engine: scalar reverse-mode automatic differentiation.

A ``Value`` is one scalar node; every op records its inputs, and ``backward()``
fills ``.grad`` on every node of the graph by the chain rule in topological order.
Where each op is differentiated: ``autograd/ops/`` (its docstring maps op to file).
``autograd.sin(x)``, ``autograd.exp(x)``... take a Value or a plain number
(``functions.py``). For speed, ``neuron`` makes a whole neuron one node (``neuron_layer``
a layer of them), and ``trace`` compiles a per-sample function into a numpy tape that
runs it over a whole batch (``compile/``).
Pictures of a graph: ``draw_dot`` (``draw/``). ``backward_steps`` runs the backward pass one
node at a time, for teaching (``steps.py``).
"""

from .backward import grad, topological_order
from .compile import Tape, UntraceableError, trace
from .derivatives import GradcheckReport, gradcheck, hessian
from .draw import GraphvizNotFound, draw_dot, save_graph
from .functions import (
    acos,
    asin,
    atan,
    atan2,
    cbrt,
    clamp,
    cos,
    cosh,
    elu,
    exp,
    exp2,
    expm1,
    leaky_relu,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    maximum,
    minimum,
    relu,
    sigmoid,
    sign,
    sin,
    sinh,
    softplus,
    sqrt,
    tan,
    tanh,
)
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .nary import dot, log_sum_exp, neuron, neuron_layer, sum
from .steps import BackwardStep, GradientPass, backward_steps
from .value import Value

__all__ = [
    "BackwardStep",
    "GradcheckReport",
    "GradientPass",
    "GraphvizNotFound",
    "Tape",
    "UntraceableError",
    "Value",
    "acos",
    "asin",
    "atan",
    "atan2",
    "backward_steps",
    "cbrt",
    "clamp",
    "cos",
    "cosh",
    "dot",
    "draw_dot",
    "elu",
    "enable_grad",
    "exp",
    "exp2",
    "expm1",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "leaky_relu",
    "log",
    "log1p",
    "log2",
    "log10",
    "log_sum_exp",
    "logaddexp",
    "maximum",
    "minimum",
    "neuron",
    "neuron_layer",
    "no_grad",
    "relu",
    "save_graph",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "softplus",
    "sqrt",
    "sum",
    "tan",
    "tanh",
    "topological_order",
    "trace",
]
