"""XOR learned from random weights by backprop, and how often that succeeds.

A 2-h-1 network (sigmoid hidden and output units, weights U(-1, 1), biases 0) trained by
full-batch gradient descent (lr 4) on binary cross-entropy. With h = 2 some seeds end in a
local minimum, as is well known for this problem: two inputs stuck at output 1/2 (mean loss
ln(2)/2 = 0.3466) or three at 2/3 (loss 0.4774). Wider hidden layers avoid that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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


def train_xor(
    hidden: int = 2, seed: int = 0, epochs: int = EPOCHS, lr: float = LEARNING_RATE, loss: str = LOSS, init: str = "uniform"
) -> XorRun:
    """Train a 2-``hidden``-1 sigmoid network on XOR from ``seed``; solved = every output on the right side of 0.5."""
    inputs, targets = xor_dataset()
    model = MLP(2, [hidden, 1], activation="sigmoid", output_activation="sigmoid", init=init, seed=seed)
    history = train(model, inputs, targets, loss=loss, optimizer=SGD(model.parameters(), lr=lr), epochs=epochs, progress=False)
    outputs = predict(model, inputs)
    solved = all((o > 0.5) == (t > 0.5) for o, t in zip(outputs, targets))
    return XorRun(seed, hidden, history, outputs, solved, model)


def xor_success_rate(hidden: int, seeds: Iterable[int], **options: object) -> tuple[float, list[XorRun]]:
    """Fraction of ``seeds`` whose run solves XOR, and the runs themselves."""
    runs = [train_xor(hidden, seed, **options) for seed in seeds]
    return sum(run.solved for run in runs) / len(runs), runs
