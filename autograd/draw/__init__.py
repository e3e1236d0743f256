"""Pictures of a computation graph: Graphviz boxes with each node's data and grad.

``graph`` draws and saves (``draw_dot``, ``save_graph``), ``collapse`` folds fused neurons and
repeated structure into summary boxes, ``style`` holds the shared colours, legend and text rules.
"""

from .graph import Drawing, GraphvizNotFound, draw_dot, save_graph

__all__ = ["Drawing", "GraphvizNotFound", "draw_dot", "save_graph"]
