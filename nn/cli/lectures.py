"""The lecture demos: ``valuegrad xor`` and ``valuegrad worked-example``."""

from __future__ import annotations

import argparse
import sys

from .arguments import (
    layer_width,
    positive_int,
)
from .common import CommandParser


def add_xor_command(subparsers: argparse._SubParsersAction[CommandParser]) -> None:
    """``valuegrad xor``: the notes' logic networks, then XOR trained from random weights."""
    parser = subparsers.add_parser(
        "xor", help="logic networks from the notes, then XOR learned by backprop"
    )
    parser.add_argument(
        "--hidden", type=layer_width, default=2, help="hidden units of the trained net (default 2)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the trained net (default 0)")
    parser.add_argument(
        "--epochs", type=positive_int, default=None, help="full-batch steps (default 300)"
    )
    parser.add_argument(
        "--seeds",
        type=positive_int,
        default=None,
        help="also measure the success rate over this many seeds",
    )
    parser.set_defaults(handler=run_xor)


def run_xor(args: argparse.Namespace) -> int:
    """Print the truth tables and a training run (and, with --seeds, a success rate)."""
    from ..lectures import logic_gates as logic
    from ..lectures.xor_experiment import EPOCHS, train_xor, xor_success_rate

    epochs = args.epochs or EPOCHS
    out = sys.stdout
    print("Single sigmoid neurons (lecture 004): g(z) = 1 / (1 + e^-z)", file=out)
    for name, gate in (("AND", logic.AND), ("OR", logic.OR), ("NOT", logic.NOT)):
        weights, bias = gate
        rows = "  ".join(
            f"{''.join(str(int(v)) for v in x)}->{y:.5f}"
            for x, y in logic.gate_table(logic.logic_neuron(gate))
        )
        print(
            f"  {name:<3} bias {bias:+g}, weights {', '.join(f'{w:+g}' for w in weights)}:  {rows}",
            file=out,
        )
    z = logic.exercise_neuron()(logic.EXERCISE_INPUT).data
    print(
        f"Exercise neuron: w = {logic.EXERCISE_WEIGHTS}, b = {logic.EXERCISE_BIAS}, x = {logic.EXERCISE_INPUT}: z = {z:.2f}",
        file=out,
    )
    for title, model in (
        ("XOR = AND(OR, NAND) (lecture 004)", logic.xor_network()),
        ("XNOR = OR(AND, NOR) (notes 000)", logic.xnor_network()),
    ):
        print(f"\n{title}\n  x1 x2 |   a1      a2    |   h", file=out)
        for x, hidden, h in logic.network_table(model):
            print(
                f"   {int(x[0])}  {int(x[1])} | {hidden[0]:.4f}  {hidden[1]:.4f} | {h:.4f} -> {round(h)}",
                file=out,
            )
    run = train_xor(args.hidden, args.seed, epochs=epochs)
    print(
        f"\nXOR learned from random weights: 2-{args.hidden}-1 sigmoid net, seed {args.seed}, "
        f"{epochs} full-batch steps of gradient descent (lr 4) on cross-entropy",
        file=out,
    )
    print(f"  loss {run.history[0]:.4f} -> {run.history[-1]:.4f}", file=out)
    for x, o in zip(((0, 0), (0, 1), (1, 0), (1, 1)), run.outputs):
        print(f"  {x[0]} {x[1]} -> {o:.4f}", file=out)
    print(f"  {'solved' if run.solved else 'NOT solved (stuck in a local minimum)'}", file=out)
    if args.seeds:
        rate, runs = xor_success_rate(args.hidden, range(args.seeds), epochs=epochs)
        failed = [r.seed for r in runs if not r.solved]
        print(
            f"\nSuccess rate over seeds 0..{args.seeds - 1}: {rate:.0%}"
            + (f" (failed: {failed})" if failed else ""),
            file=out,
        )
    return 0


# --- valuegrad worked-example -----------------------------------------------------------


def add_worked_example_command(subparsers: argparse._SubParsersAction[CommandParser]) -> None:
    """``valuegrad worked-example``: lecture 004's 2-2-2 network, number by number."""
    parser = subparsers.add_parser(
        "worked-example", help="lecture 004's 2-2-2 example, step by step"
    )
    parser.add_argument(
        "--steps", type=positive_int, default=10_000, help="steps for the long run (default 10000)"
    )
    parser.set_defaults(handler=run_worked_example)


def run_worked_example(args: argparse.Namespace) -> int:
    """Print the forward pass, gradients, one step, and the long runs."""
    from ..lectures.worked_example import worked_example_report

    print(worked_example_report(args.steps))
    return 0
