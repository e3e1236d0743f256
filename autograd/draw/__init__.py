"""Pictures of a computation graph: Graphviz boxes with each node's data and grad.

``graph`` draws and saves (``draw_dot``, ``save_graph``), ``collapse`` folds fused neurons and
repeated structure into summary boxes, ``style`` holds the shared colours, legend and text rules;
``full`` draws every value (fused neurons optionally expanded), ``steps_page`` writes an HTML page
that steps through the backward pass.
"""

from .graph import Drawing, GraphvizNotFound, draw_dot, save_graph
from .steps_page import save_steps_page, steps_page

__all__ = ["Drawing", "GraphvizNotFound", "draw_dot", "save_graph", "save_steps_page", "steps_page"]
