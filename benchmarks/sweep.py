"""The MLP size sweep of issue 16: one SGD training step of a classifier, compiled tape vs PyTorch.

Network ``nin-h1-...-nout`` (ReLU hidden layers, linear output, weights drawn in PyTorch's
default range on both sides), softmax cross-entropy on
random inputs and classes (seed 0), full batch, SGD lr 0.01; one step is zero_grad, forward,
backward and the update, as a user writes it. Systems (``-f32``: float32, else float64):

  tape / tape-f32      nn.MLP, the per-sample loss traced once (autograd.trace), then
                       ``opt.zero_grad(); tape.backward(XY); opt.step()`` with nn.SGD; in
                       float32 the parameters are kept in float32 too, as in PyTorch
                       (parameter_dtype="float32")
  train / train-f32    the same step as nn.train runs it (its compiled objective and checks)
  torch / torch-f32    nn.Sequential of nn.Linear + ReLU, F.cross_entropy, torch.optim.SGD
  floor / floor-f32    only the step's matrix products (forward W x, backward dW = dz x^T
                       and dx = W^T dz), with the tape's BLAS (``autograd.compile.blas``: MKL
                       when installed, else numpy's): the physical floor of the tape
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from nn import MLP

Step = tuple[Callable[[], float], dict[str, Any]]

LEARNING_RATE = 0.01

# (network, batch) rows of issue 16, and the batch sweep added to some of them: its two ends and
# 64, where on an Intel Xeon with both cores the largest network did worse than at 32
ROWS = [
    ("2-16-16-2", 100),
    ("64-32-10", 1797),
    ("64-64-64-10", 1797),
    ("64-128-128-10", 1797),
    ("64-256-256-10", 512),
    ("784-128-10", 256),
]
BATCH_SWEEP = [32, 64, 10_000]


def sizes_of(network: str) -> list[int]:
    return [int(k) for k in network.split("-")]


def data(network: str, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs and class indices, the same for every system."""
    sizes = sizes_of(network)
    rng = np.random.default_rng(0)
    return rng.normal(size=(batch, sizes[0])), rng.integers(0, sizes[-1], size=batch)


def _valuegrad_model(network: str) -> MLP:
    from nn import MLP

    sizes = sizes_of(network)
    # init="scaled": PyTorch's nn.Linear range, so both sides train the same kind of network
    # (U(-1, 1) weights give logits in the hundreds, whose float32 softmax gradients are
    # denormal numbers, which make every BLAS call that reads them several times slower)
    return MLP(
        sizes[0], sizes[1:], activation="relu", output_activation="linear", init="scaled", seed=0
    )


def tape_step(network: str, batch: int, dtype: str = "float64") -> Step:
    """The user's loop over a traced per-sample loss; also reports the trace time."""
    import autograd
    from nn import SGD
    from nn.losses import softmax_cross_entropy

    X, classes = data(network, batch)
    n_in, n_out = sizes_of(network)[0], sizes_of(network)[-1]
    # in the tape's precision once, as torch's inputs are made a tensor of its dtype once
    XY = np.column_stack([X, np.eye(n_out)[classes]]).astype(dtype)
    model = _valuegrad_model(network)
    optimizer = SGD(model.parameters(), lr=LEARNING_RATE)

    def per_sample_loss(*row: Any) -> Any:
        return softmax_cross_entropy(model(list(row[:n_in])), list(row[n_in:]))

    start, start_cpu = time.perf_counter(), time.process_time()
    tape = autograd.trace(per_sample_loss, n_in + n_out, dtype=dtype, parameter_dtype=dtype)
    traced = (time.perf_counter() - start, time.process_time() - start_cpu)

    def step() -> float:
        optimizer.zero_grad()
        loss = tape.backward(XY, reduce="mean")
        optimizer.step()
        return loss

    return step, {"trace_s": traced}


def train_step(network: str, batch: int, dtype: str = "float64") -> Step:
    """One step of nn.train's compiled loop: its objective, zero_grad, gradient check and update."""
    from autograd.compile.storage import ParameterArrays
    from nn import SGD
    from nn.compiled import compiled_objective
    from nn.losses import softmax_cross_entropy
    from nn.train import _first_nonfinite_grad

    if dtype != "float64":
        raise SystemExit("nn.train runs its tape in float64")
    X, classes = data(network, batch)
    model = _valuegrad_model(network)
    optimizer = SGD(model.parameters(), lr=LEARNING_RATE)
    start = time.perf_counter()
    objective = compiled_objective(
        model, softmax_cross_entropy, X.tolist(), classes.tolist(), [], 0.0
    )
    traced = time.perf_counter() - start
    arrays = ParameterArrays(model.parameters())
    rows = range(batch)  # as nn.train passes a full batch

    def step() -> float:
        optimizer.zero_grad()  # nn.train's one zeroing when the optimizer holds every parameter
        loss = objective(rows)
        if _first_nonfinite_grad(arrays) is not None:
            raise ArithmeticError("non-finite gradient")
        optimizer.step()
        return loss

    return step, {"trace_s": traced}


def torch_step(network: str, batch: int, dtype: str = "float64") -> Step:
    import torch

    torch.manual_seed(0)
    torch_dtype = getattr(torch, dtype)
    X, classes = data(network, batch)
    sizes = sizes_of(network)
    layers: list[Any] = []
    for k, (nin, nout) in enumerate(itertools.pairwise(sizes)):
        layers.append(torch.nn.Linear(nin, nout))
        if k < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(torch_dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    inputs = torch.tensor(X, dtype=torch_dtype)
    targets = torch.tensor(classes)

    def step() -> float:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, {}


def floor_step(network: str, batch: int, dtype: str = "float64") -> Step:
    """Just the matrix products of one step, with the tape's BLAS, on preallocated arrays (layout
    as the tape's: one column per sample)."""
    from autograd.compile import blas

    sizes = sizes_of(network)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(sizes[0], batch)).astype(dtype)
    weights = [
        rng.normal(size=(nout, nin)).astype(dtype) for nin, nout in itertools.pairwise(sizes)
    ]
    outs = [np.empty((w.shape[0], batch), dtype=dtype) for w in weights]
    d_weights = [np.empty_like(w) for w in weights]
    d_inputs = [np.empty((w.shape[1], batch), dtype=dtype) for w in weights]

    def step() -> float:
        inputs = [X, *outs[:-1]]
        for w, x, out in zip(weights, inputs, outs):
            blas.matmul(w, x, out)
        for k in reversed(range(len(weights))):
            blas.matmul(outs[k], inputs[k].T, d_weights[k])  # the upstream gradient stands in
            if k:
                blas.matmul(weights[k].T, outs[k], d_inputs[k])
        return 0.0

    return step, {}


SYSTEMS: dict[str, Callable[[str, int], Step]] = {
    "tape": tape_step,
    "tape-f32": lambda network, batch: tape_step(network, batch, "float32"),
    "train": train_step,
    "torch": torch_step,
    "torch-f32": lambda network, batch: torch_step(network, batch, "float32"),
    "floor": floor_step,
    "floor-f32": lambda network, batch: floor_step(network, batch, "float32"),
}
