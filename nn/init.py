"""Weight initialization: where a network's first numbers come from, reproducibly.

A scheme draws one weight for a neuron with ``nin`` inputs; biases start at 0.0 in every
scheme (as in micrograd). Randomness always comes from an explicit ``random.Random``, made
from ``seed=`` when an int is given, so the same seed gives the same network.

* ``uniform``: w ~ U(-1, 1), micrograd's choice.
* ``scaled``: w ~ U(-1/sqrt(nin), 1/sqrt(nin)), which keeps z = w . x of order 1 as nin grows
  (PyTorch's default range for ``nn.Linear``).
* ``zeros``: every weight 0, which cannot break the symmetry between hidden units
  (lecture 004); offered to show exactly that.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable

import numpy as np

Seed = int | random.Random | None

INIT_SCHEMES: tuple[str, ...] = ("uniform", "scaled", "zeros")
"""The weight initialization schemes a module's ``init=`` accepts (see the module docstring)."""


def make_rng(seed: Seed) -> random.Random:
    """A ``random.Random`` from an int seed; a given Random is used as is; None draws fresh entropy."""
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int or a random.Random, not {type(seed).__name__}")
    return random.Random(int(seed))  # (numpy's integers too, as a seed drawn from numpy is one)


def weight_sampler(scheme: str, nin: int, rng: random.Random) -> Callable[[], float]:
    """A function returning one initial weight for a neuron with ``nin`` inputs."""
    if scheme == "uniform":
        return lambda: rng.uniform(-1.0, 1.0)
    if scheme == "scaled":
        bound = 1.0 / math.sqrt(nin) if nin > 0 else 1.0
        return lambda: rng.uniform(-bound, bound)
    if scheme == "zeros":
        return lambda: 0.0
    raise ValueError(f"unknown init scheme {scheme!r}; known: {', '.join(INIT_SCHEMES)}")
