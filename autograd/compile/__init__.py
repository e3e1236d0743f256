"""The compiled replay: trace a per-sample function once, replay it over whole batches with numpy.

``trace`` records the graph, ``ir`` turns it into a list of batched steps, ``kernels`` and
``batched_ops`` are the numpy rules each step runs, and ``tape`` runs forward and backward.
"""

from .tape import Tape
from .trace import UntraceableError, trace

__all__ = ["Tape", "UntraceableError", "trace"]
