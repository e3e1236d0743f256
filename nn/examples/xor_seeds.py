"""How often does backprop learn XOR? Success rates over many seeds, at several training lengths.

    python -m nn.examples.xor_seeds                 # seeds 0..99, widths 2, 4, 8, 300 and 10000 epochs
    python -m nn.examples.xor_seeds --seeds 20 --checkpoints 300 3000

Each run is trained to the first checkpoint, scored, then continued to the next one, so the
longest column says which failures are local minima rather than slow starts. Takes minutes:
the engine is pure Python.
"""

from __future__ import annotations

import argparse

from ..data import xor_dataset
from ..optim import SGD
from ..train import predict, train
from .xor import EPOCHS, LEARNING_RATE, LOSS, train_xor


def _solved(model: object) -> bool:
    inputs, targets = xor_dataset()
    return all((o > 0.5) == (t > 0.5) for o, t in zip(predict(model, inputs), targets))


def measure(hidden: int, seeds: range, checkpoints: list[int]) -> list[tuple[int, list[int], list[float]]]:
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
                loss = train(run.model, inputs, targets, loss=LOSS, optimizer=optimizer, epochs=checkpoint - done)[-1]
                done = checkpoint
            if not _solved(run.model):
                failed[checkpoint].append(seed)
                losses[checkpoint].append(loss)
    return [(c, failed[c], losses[c]) for c in checkpoints]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--hidden", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--checkpoints", type=int, nargs="+", default=[EPOCHS, 10_000])
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    checkpoints = sorted(args.checkpoints)
    print(f"XOR, 2-h-1 sigmoid nets, full-batch GD lr {LEARNING_RATE} on {LOSS}, seeds 0..{args.seeds - 1}")
    for hidden in args.hidden:
        for epochs, failed, losses in measure(hidden, seeds, checkpoints):
            rate = 1 - len(failed) / len(seeds)
            stuck = ", ".join(f"{seed}:{loss:.4f}" for seed, loss in zip(failed, losses))
            print(f"  h={hidden}  {epochs:>6} epochs  solved {rate:6.1%}" + (f"  failed (seed:loss) {stuck}" if failed else ""), flush=True)


if __name__ == "__main__":
    main()
