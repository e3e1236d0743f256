"""A self-contained HTML page that steps through the backward pass of a small graph.

One Graphviz SVG per step of ``backward_steps`` (the node being processed framed in red,
gradients not complete yet in grey), Previous/Next buttons and a slider, and under the
picture the chain-rule arithmetic of that step, e.g.
``dE/dnet_o1 = dE/dout_o1 * out_o1 (1 - out_o1) = 0.7414 * 0.1868 = 0.1385``.
Everything is inline (no script, style or font is fetched), so the file opens offline.
"""

from __future__ import annotations

import html
import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from ..files import atomic_write_bytes
from ..steps import BackwardStep, backward_steps, made_by, nary_op
from ..value import Value
from .full import is_neuron, number_text, z_name
from .graph import _explain_missing_dot, draw_dot

MAX_STEPS = 200  # one picture per step: beyond this the page gets too heavy to be useful


def steps_page(
    root: Value,
    *,
    title: str | None = None,
    params: Iterable[Value] | None = None,
    number_format: str = ".4f",
    expand: bool = True,
) -> str:
    """The HTML text of the page; runs the backward pass of ``root`` (as ``root.backward()`` would).

    ``params`` marks the parameters (as in ``draw_dot``); ``expand`` draws fused neurons as
    the lectures do (weighted sum, then activation). Leaves accumulate gradients as with
    ``backward()``, so pass a freshly built graph.
    """
    if not isinstance(root, Value):
        raise TypeError(f"steps_page draws the backward pass of a Value, not {type(root).__name__}")
    params = list(params) if params is not None else None
    users = _users(root)
    sections: list[tuple[str, list[str]]] = []
    steps: list[BackwardStep] = []
    for step in backward_steps(root):
        if len(steps) >= MAX_STEPS:
            raise ValueError(
                f"steps_page: the graph has more than {MAX_STEPS} steps; draw a smaller graph"
            )
        steps.append(step)
        drawing = draw_dot(
            root,
            expand=expand,
            highlight=step,
            params=params,
            number_format=number_format,
            max_nodes=None,
        )
        with _explain_missing_dot():
            svg = drawing.pipe(format="svg").decode("utf-8")
        lines = _arithmetic(step, root, users, number_format)
        sections.append((_inline_svg(svg, len(sections)), lines))
    final = _final_gradients(root)
    sections[-1][1].extend(["", *final])
    return _page(title or "Backpropagation, one step at a time", sections, _name(root))


def save_steps_page(
    root: Value,
    path: str | os.PathLike[str],
    **options: object,
) -> Path:
    """Write ``steps_page(root, **options)`` to ``path`` (whole or not at all) and return the path."""
    path = Path(path)
    text = steps_page(root, **options)  # type: ignore[arg-type]
    atomic_write_bytes(path, text.encode("utf-8"))
    return path


def _users(root: Value) -> Counter[Value]:
    """How many times each value is an input of some op (its gradient is the sum of that many terms)."""
    from ..backward import topological_order

    users: Counter[Value] = Counter()
    for node in topological_order(root):
        users.update(node.parents)
    return users


def _name(node: Value) -> str:
    """The name the text uses: the label, else the op (or the number, for a leaf) in parentheses."""
    if node.label:
        return node.label
    if node.is_leaf:
        return f"({node.data:g})"
    return f"({made_by(node).name})"


def _d(name: str) -> str:
    """A name as it follows the d of a derivative: ``dw5``, but ``d(out_o1 - y1)``."""
    return name if re.fullmatch(r"[\w.]+", name) else f"({name})"


def _slope_formula(node: Value, z: str) -> str:
    """act'(z) as the lectures write it, in terms of the output where that is shorter."""
    activation = nary_op(node).activation
    if activation is None:
        raise ValueError(f"{node!r} is a linear neuron: it has no activation slope")
    name = activation.name
    out = _name(node)
    if name == "sigmoid":
        return f"{out} (1 - {out})"
    if name == "tanh":
        return f"(1 - {out}^2)"
    return f"{name}'({z})"


def _arithmetic(
    step: BackwardStep, root: Value, users: Counter[Value], number_format: str
) -> list[str]:
    """The chain rule of one step, as text lines."""

    def number(x: float) -> str:
        return number_text(float(x), number_format)

    node, r = step.node, _d(_name(root))
    name = _name(node)
    d_name = _d(name)
    lines = [f"Step {step.index + 1} of {len(step.order)}: {name}"]
    if node is root:
        lines.append(f"d{r}/d{r} = 1 (the start of the backward pass)")
    else:
        lines.append(
            f"d{r}/d{d_name} = {number(step.upstream)}  (complete: every value computed from {name} is done)"
        )
    if not step.passes:
        return lines
    via, upstream = name, step.upstream
    if step.z_grad is not None and step.activation_slope is not None:
        via = z_name(node)
        slope = _slope_formula(node, via)
        lines.append(
            f"d{r}/d{via} = d{r}/d{d_name} * {slope} = {number(step.upstream)} * "
            f"{number(step.activation_slope)} = {number(step.z_grad)}"
        )
        upstream = step.z_grad
    sent = Counter(p.parent for p in step.passes)
    if is_neuron(node):
        n = len(node._a) // 2
        partners = [*node._a[n : 2 * n], *node._a[:n], None]  # w_i pairs with x_i, the bias with 1
        factors = [_name(p) if p is not None else "1" for p in partners]
        values = [p.data if p is not None else 1.0 for p in partners]
        for gradient_pass, factor, value in zip(step.passes, factors, values):
            parent = gradient_pass.parent
            sign = "=" if users[parent] == 1 and sent[parent] == 1 else "+="
            lines.append(
                f"d{r}/d{_d(_name(parent))} {sign} d{r}/d{via} * {factor} = {number(upstream)} * "
                f"{number(value)} = {number(gradient_pass.contribution)}"
            )
    else:
        for gradient_pass in step.passes:
            parent = gradient_pass.parent
            sign = "=" if users[parent] == 1 and sent[parent] == 1 else "+="
            lines.append(
                f"d{r}/d{_d(_name(parent))} {sign} d{r}/d{d_name} * d{d_name}/d{_d(_name(parent))} = "
                f"{number(upstream)} * {number(gradient_pass.local)} = {number(gradient_pass.contribution)}"
            )
    if "+=" in " ".join(lines[2:]):
        lines.append(
            "(+= : that value feeds several ops; its gradient is the sum of what each passes back)"
        )
    return lines


def _final_gradients(root: Value) -> list[str]:
    """After the last step: every leaf's gradient, to 9 decimals."""
    from ..backward import topological_order

    r = _d(_name(root))
    leaves = [node for node in topological_order(root) if node.is_leaf]
    lines = [f"The backward pass is done. Gradients of the leaves (d{r}/d leaf):"]
    lines += [f"  d{r}/d{_d(_name(leaf))} = {float(leaf.grad):.9f}" for leaf in leaves]
    return lines


def _inline_svg(svg: str, k: int) -> str:
    """Graphviz's SVG file as an element of the page: no XML prolog, DOCTYPE or comments, ids unique."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    return svg.replace(' id="', f' id="s{k}_')


_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1em 2em; color: #111827; }
#controls { display: flex; gap: 0.8em; align-items: center; margin: 0.8em 0; }
#slider { flex: 1; max-width: 40em; }
.picture { overflow-x: auto; }
body.fit .picture svg { max-width: 100%; height: auto; }
pre { background: #f3f4f6; padding: 0.8em; font-size: 15px; white-space: pre-wrap; }
"""

_SCRIPT = """
(function () {
  var steps = document.querySelectorAll(".step");
  var slider = document.getElementById("slider");
  var previous = document.getElementById("previous");
  var next = document.getElementById("next");
  var counter = document.getElementById("counter");
  function show(k) {
    k = Math.max(0, Math.min(steps.length - 1, k));
    for (var i = 0; i < steps.length; i++) { steps[i].hidden = i !== k; }
    slider.value = k;
    counter.textContent = "Step " + (k + 1) + " of " + steps.length;
    previous.disabled = k === 0;
    next.disabled = k === steps.length - 1;
  }
  function current() { return Number(slider.value); }
  previous.addEventListener("click", function () { show(current() - 1); });
  next.addEventListener("click", function () { show(current() + 1); });
  slider.addEventListener("input", function () { show(current()); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") { show(current() + 1); }
    if (event.key === "ArrowLeft") { show(current() - 1); }
  });
  var fit = document.getElementById("fit");
  function refit() { document.body.classList.toggle("fit", fit.checked); }
  fit.addEventListener("change", refit);
  refit();
  show(0);
})();
"""


def _page(title: str, sections: list[tuple[str, list[str]]], root_name: str) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<p>Each step takes one node, in the order backward() does, starting at "
        f"{html.escape(root_name)}: its gradient is complete (red frame) and it passes "
        "gradient to its inputs by the chain rule. Grey gradients are not complete yet. "
        "Keys: left and right arrows.</p>",
        '<div id="controls"><button id="previous" type="button">Previous</button>',
        f'<input id="slider" type="range" min="0" max="{len(sections) - 1}" value="0" step="1"'
        ' aria-label="step">',
        '<button id="next" type="button">Next</button><span id="counter"></span>',
        '<label><input id="fit" type="checkbox" checked> fit picture to width</label></div>',
    ]
    for k, (svg, lines) in enumerate(sections):
        text = html.escape("\n".join(lines))
        parts.append(
            f'<div class="step" id="step{k}"><div class="picture">{svg}</div>'
            f'<pre class="arithmetic">{text}</pre></div>'
        )
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts)
