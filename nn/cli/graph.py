"""``valuegrad graph``: draw a lecture network or computation graph to a file."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .common import CliError, CommandParser, one_line

GRAPHS = {
    "xor": "the hand-weighted XOR network of lecture 004 (neurons, weights on the edges)",
    "worked-example": "the 2-2-2 network of lecture 004 (neurons, weights on the edges)",
    "worked-example-loss": "the computation graph of the worked example's loss, with gradients",
}


def add_graph_command(subparsers: argparse._SubParsersAction[CommandParser]) -> None:
    """``valuegrad graph NAME --out FILE``: draw a lecture network or graph to an image file."""
    parser = subparsers.add_parser(
        "graph", help="draw a lecture network or computation graph to a file"
    )
    parser.add_argument(
        "name", choices=sorted(GRAPHS), help="; ".join(f"{k}: {v}" for k, v in GRAPHS.items())
    )
    parser.add_argument(
        "--out", required=True, help="file to write: .svg, .png or .pdf (with --steps: .html)"
    )
    parser.add_argument(
        "--steps",
        action="store_true",
        help="write an HTML page that steps through the backward pass (worked-example-loss only)",
    )
    parser.set_defaults(handler=run_graph)


def run_graph(args: argparse.Namespace) -> int:
    """Build the drawing, then write it in one step (a failed render leaves no file behind)."""
    from autograd import GraphvizNotFound

    try:
        path = _save_steps_page(args) if args.steps else _save_image(args)
    except GraphvizNotFound as error:
        raise CliError(one_line(error)) from None
    print(f"wrote {path}")
    return 0


def _save_image(args: argparse.Namespace) -> Path:
    """``graph NAME --out FILE.svg|.png|.pdf``: the network or graph drawn by Graphviz; the path written."""
    from autograd import draw_dot, save_graph

    from ..draw import draw_network
    from ..lectures.logic_gates import xor_network
    from ..lectures.worked_example import worked_example_loss, worked_example_network

    if os.path.splitext(args.out)[1].lower() not in (".svg", ".png", ".pdf"):
        raise CliError(
            f"{args.out}: the image format comes from the suffix: use .svg, .png or .pdf"
        )
    if args.name == "xor":
        drawing = draw_network(xor_network(), title="XOR = AND(OR, NAND), lecture 004")
    elif args.name == "worked-example":
        drawing = draw_network(
            worked_example_network(), title="The 2-2-2 worked example, lecture 004"
        )
    else:
        loss, parameters = worked_example_loss()
        loss.backward()
        drawing = draw_dot(
            loss,
            expand=True,
            params=parameters,
            title="E = 1/2 (out_o1 - y1)^2 + 1/2 (out_o2 - y2)^2, lecture 004",
        )
    return save_graph(drawing, args.out)


def _save_steps_page(args: argparse.Namespace) -> Path:
    """``graph worked-example-loss --steps --out FILE.html``: the backward pass, one step a page."""
    from autograd.draw import save_steps_page

    from ..lectures.worked_example import worked_example_loss

    if args.name != "worked-example-loss":
        raise CliError(
            f"--steps steps through a loss graph: use worked-example-loss, not {args.name}"
        )
    if os.path.splitext(args.out)[1].lower() not in (".html", ".htm"):
        raise CliError(f"{args.out}: --steps writes an HTML page: give a .html file")
    loss, parameters = worked_example_loss()
    return save_steps_page(
        loss,
        args.out,
        params=parameters,
        title="Backpropagation step by step: the worked example of lecture 004",
    )
