"""XOR learned from random weights by backprop, and how often that succeeds.

A 2-h-1 network (sigmoid hidden and output units, weights U(-1, 1), biases 0) trained by
full-batch gradient descent (lr 4) on binary cross-entropy. With h = 2 some seeds end in a
local minimum, as is well known for this problem: two inputs stuck at output 1/2 (mean loss
ln(2)/2 = 0.3466) or three at 2/3 (loss 0.4774). Wider hidden layers avoid that.

The long measurement (minutes: the engine is pure Python) is a script:

    python -m nn.lectures.xor_experiment                       # seeds 0..99, widths 2, 4, 8; 300 and 10000 epochs
    python -m nn.lectures.xor_experiment --seeds 20 --hidden 2 --checkpoints 300 3000

Each run is trained to the first checkpoint, scored, then continued to the next, so the
longest column says which failures are local minima rather than slow starts.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..data import xor_dataset
from ..module import MLP
from ..optim import SGD
from ..train import predict, train

EPOCHS = 300
LEARNING_RATE = 4.0
LOSS = "bce"


@dataclass(frozen=True)
class XorRun:
    """One training run: its seed and width, loss history, final outputs, whether all four are right, the model."""

    seed: int
    hidden: int
    history: list[float]
    outputs: list[float]
    solved: bool
    model: MLP


def xor_outputs(model: MLP) -> list[float]:
    """The network's output for each of the four XOR inputs (one output neuron: one float each)."""
    outputs = predict(model, xor_dataset()[0])
    scores = [o for o in outputs if isinstance(o, float)]
    assert len(scores) == len(outputs), "an XOR network has one output"
    return scores


def solves_xor(model: MLP) -> bool:
    """True when every XOR output is on the right side of 1/2."""
    return all((o > 0.5) == (t > 0.5) for o, t in zip(xor_outputs(model), xor_dataset()[1]))


def train_xor(
    hidden: int = 2,
    seed: int = 0,
    epochs: int = EPOCHS,
    lr: float = LEARNING_RATE,
    loss: str = LOSS,
    init: str = "uniform",
) -> XorRun:
    """Train a 2-``hidden``-1 sigmoid network on XOR from ``seed``; solved = every output on the right side of 0.5."""
    inputs, targets = xor_dataset()
    model = MLP(
        2, [hidden, 1], activation="sigmoid", output_activation="sigmoid", init=init, seed=seed
    )
    history = train(
        model,
        inputs,
        targets,
        loss=loss,
        optimizer=SGD(model.parameters(), lr=lr),
        epochs=epochs,
        progress=False,
    )
    return XorRun(seed, hidden, history, xor_outputs(model), solves_xor(model), model)


def xor_success_rate(
    hidden: int, seeds: Iterable[int], **options: Any
) -> tuple[float, list[XorRun]]:
    """Fraction of ``seeds`` whose run solves XOR, and the runs themselves (``options``: those of
    ``train_xor``)."""
    runs = [train_xor(hidden, seed, **options) for seed in seeds]
    return sum(run.solved for run in runs) / len(runs), runs


def measure(
    hidden: int, seeds: range, checkpoints: list[int]
) -> list[tuple[int, list[int], list[float]]]:
    """For each checkpoint: (epochs, failed seeds, final losses of the failed runs)."""
    inputs, targets = xor_dataset()
    failed: dict[int, list[int]] = {c: [] for c in checkpoints}
    losses: dict[int, list[float]] = {c: [] for c in checkpoints}
    for seed in seeds:
        run = train_xor(hidden, seed, epochs=checkpoints[0])
        done, loss = checkpoints[0], run.history[-1]
        for checkpoint in checkpoints:
            if checkpoint > done:
                optimizer = SGD(run.model.parameters(), lr=LEARNING_RATE)
                loss = train(
                    run.model,
                    inputs,
                    targets,
                    loss=LOSS,
                    optimizer=optimizer,
                    epochs=checkpoint - done,
                )[-1]
                done = checkpoint
            if not solves_xor(run.model):
                failed[checkpoint].append(seed)
                losses[checkpoint].append(loss)
    return [(c, failed[c], losses[c]) for c in checkpoints]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="XOR success rates over seeds, at several training lengths"
    )
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--hidden", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--checkpoints", type=int, nargs="+", default=[EPOCHS, 10_000])
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    checkpoints = sorted(args.checkpoints)
    print(
        f"XOR, 2-h-1 sigmoid nets, full-batch GD lr {LEARNING_RATE} on {LOSS}, seeds 0..{args.seeds - 1}"
    )
    for hidden in args.hidden:
        for epochs, failed, losses in measure(hidden, seeds, checkpoints):
            rate = 1 - len(failed) / len(seeds)
            stuck = ", ".join(f"{seed}:{loss:.4f}" for seed, loss in zip(failed, losses))
            print(
                f"  h={hidden}  {epochs:>6} epochs  solved {rate:6.1%}"
                + (f"  failed (seed:loss) {stuck}" if failed else ""),
                flush=True,
            )


if __name__ == "__main__":
    main()
