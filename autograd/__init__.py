"""valuegrad's engine: scalar reverse-mode automatic differentiation.

A ``Value`` is one scalar node; every op records its inputs, and ``backward()``
fills ``.grad`` on every node of the graph by the chain rule in topological order.
Where each op is differentiated: ``autograd/ops.py``. For speed, ``neuron`` makes a
whole neuron one node (``neuron_layer`` a layer of them), and ``trace`` compiles a
per-sample function into a numpy tape that runs it over a whole batch (``trace.py``,
``tape*.py``).
"""

from .backward import grad, topological_order
from .compile import Tape, UntraceableError, trace
from .derivatives import GradcheckReport, gradcheck, hessian
from .draw import GraphvizNotFound, draw_dot, save_graph
from .grad_mode import is_grad_enabled, no_grad
from .nary import dot, log_sum_exp, neuron, neuron_layer, sum
from .value import Value

__all__ = [
    "GradcheckReport",
    "GraphvizNotFound",
    "Tape",
    "UntraceableError",
    "Value",
    "dot",
    "draw_dot",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "log_sum_exp",
    "neuron",
    "neuron_layer",
    "no_grad",
    "save_graph",
    "sum",
    "topological_order",
    "trace",
]
