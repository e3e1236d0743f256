"""The workloads, written once per system the way a user of that system would write them.

The moons step (issue 6): 100 points of two moons (noise 0.1, seed 0), MLP(2, [16, 16, 1])
with ReLU hidden layers and a linear output, loss = mean of max(0, 1 - y * score) over the
points + 1e-4 * sum of squared parameters, a full backward pass and one SGD step (lr 0.05).

Systems:
  micrograd          micrograd 0.1.0's own MLP and Value (its README demo, as is)
  valuegrad-plain    the same micrograd-style code on autograd.Value: one node per * and +
  valuegrad-default  nn.MLP, nn.SGD: one fused node per neuron (autograd.neuron)
  valuegrad-compiled the per-sample loss traced once (autograd.trace), then tape.backward
                     (-f32: the tape computes in float32, like torch's default)
  torch / torch-f64  nn.Sequential of nn.Linear on the whole batch (float32 default / float64)
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

LEARNING_RATE = 0.05
L2 = 1e-4
SIZES = [16, 16, 1]


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, labels -1 / +1 (the sklearn recipe, in numpy)."""
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n - n_upper)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_upper), np.sin(t_upper)]),
            np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)]),
        ]
    )
    X += rng.normal(scale=noise, size=X.shape)
    y = np.hstack([-np.ones(n_upper), np.ones(n - n_upper)])
    return X, y


class _MicrogradStyleMLP:
    """micrograd.nn's MLP, line for line, over any Value class (for valuegrad-plain)."""

    def __init__(self, value: type, nin: int, nouts: list[int], seed: int = 1337) -> None:
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        self.layers = [
            [
                (
                    [value(rng.uniform(-1, 1)) for _ in range(sizes[i])],
                    value(0.0),
                    i != len(nouts) - 1,
                )
                for _ in range(sizes[i + 1])
            ]
            for i in range(len(nouts))
        ]

    def __call__(self, x: list) -> object:
        for layer in self.layers:
            outs = []
            for w, b, nonlin in layer:
                act = sum((wi * xi for wi, xi in zip(w, x)), b)
                outs.append(act.relu() if nonlin else act)
            x = outs
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list:
        return [p for layer in self.layers for w, b, _ in layer for p in (*w, b)]


def _micrograd_step(
    value: type, model, X: np.ndarray, y: np.ndarray, total_sum: Callable = sum
) -> Callable[[], float]:
    """micrograd's README training step (the demo notebook's loss), for a micrograd-like Value."""
    rows, labels = X.tolist(), y.tolist()
    params = model.parameters()

    def step() -> float:
        inputs = [list(map(value, row)) for row in rows]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
        data_loss = total_sum(losses) * (1.0 / len(losses))
        reg_loss = L2 * total_sum(p * p for p in params)
        total = data_loss + reg_loss
        for p in params:
            p.grad = 0.0
        total.backward()
        for p in params:
            p.data -= LEARNING_RATE * p.grad
        return total.data

    return step


def micrograd_moons(batch: int) -> Callable[[], float]:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    random.seed(1337)
    return _micrograd_step(Value, MLP(2, SIZES), *moons(batch))


def valuegrad_plain_moons(batch: int) -> Callable[[], float]:
    from autograd import Value

    return _micrograd_step(Value, _MicrogradStyleMLP(Value, 2, SIZES), *moons(batch))


def valuegrad_default_moons(batch: int) -> Callable[[], float]:
    """nn.MLP and nn.SGD, the library's default (fused-neuron) path."""
    import autograd
    from autograd import Value
    from nn import MLP, SGD

    X, y = moons(batch)
    rows, labels = X.tolist(), y.tolist()
    model = MLP(2, SIZES, seed=1337)
    params = model.parameters()
    optimizer = SGD(params, lr=LEARNING_RATE)

    def step() -> float:
        scores = [model([Value(a), Value(b)]) for a, b in rows]
        losses = [(1 - yi * si).relu() for yi, si in zip(labels, scores)]
        total = autograd.sum(losses) * (1.0 / len(losses)) + L2 * autograd.sum(
            [p * p for p in params]
        )
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        return total.data

    return step


def valuegrad_compiled_moons(batch: int, dtype: str = "float64") -> Callable[[], float]:
    """The same model and loss, traced once per sample; each step runs the tape on the batch."""
    import autograd
    from nn import MLP, SGD

    X, y = moons(batch)
    XY = np.column_stack([X, y])
    model = MLP(2, SIZES, seed=1337)
    params = model.parameters()
    optimizer = SGD(params, lr=LEARNING_RATE)

    def per_sample_loss(x0, x1, label):
        return (1 - label * model([x0, x1])).relu() + L2 * autograd.sum([p * p for p in params])

    tape = autograd.trace(per_sample_loss, 3, dtype=dtype)

    def step() -> float:
        optimizer.zero_grad()
        loss = tape.backward(XY, reduce="mean")
        optimizer.step()
        return loss

    return step


def _torch_moons(batch: int, dtype_name: str) -> Callable[[], float]:
    import torch

    torch.manual_seed(1337)
    dtype = getattr(torch, dtype_name)
    X, y = moons(batch)
    X, y = torch.tensor(X, dtype=dtype), torch.tensor(y, dtype=dtype)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    ).to(dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)

    def step() -> float:
        optimizer.zero_grad()
        scores = model(X).squeeze(1)
        loss = torch.relu(1 - y * scores).mean() + L2 * sum(
            (p * p).sum() for p in model.parameters()
        )
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


MOONS: dict[str, Callable[[int], Callable[[], float]]] = {
    "micrograd": micrograd_moons,
    "valuegrad-plain": valuegrad_plain_moons,
    "valuegrad-default": valuegrad_default_moons,
    "valuegrad-compiled": valuegrad_compiled_moons,
    "valuegrad-compiled-f32": lambda batch: valuegrad_compiled_moons(batch, "float32"),
    "torch": lambda batch: _torch_moons(batch, "float32"),
    "torch-f64": lambda batch: _torch_moons(batch, "float64"),
}


def chain(system: str, n_ops: int) -> tuple[float, float]:
    """Seconds for the forward and the backward pass of a chain of ``n_ops`` ops: v = v * w + c, repeated."""
    import time

    if system == "micrograd":
        from micrograd.engine import Value
    else:
        from autograd import Value
    x, w, c = Value(0.5), Value(1.0), Value(1e-7)
    start = time.perf_counter()
    v = x
    for _ in range(n_ops // 2):
        v = v * w + c
    middle = time.perf_counter()
    v.backward()
    end = time.perf_counter()
    return middle - start, end - middle


def wide_sum(system: str, n_terms: int) -> tuple[float, float]:
    """Seconds for forward and backward of one sum of ``n_terms`` Values (plus one op on it)."""
    import time

    if system == "micrograd":
        from micrograd.engine import Value

        total_sum: Callable = sum  # micrograd has no n-ary sum: a chain of n - 1 additions
    else:
        import autograd
        from autograd import Value

        total_sum = autograd.sum if system == "valuegrad-default" else sum
    values = [Value(float(i % 7)) for i in range(n_terms)]
    start = time.perf_counter()
    total = total_sum(values) * 2.0
    middle = time.perf_counter()
    total.backward()
    end = time.perf_counter()
    return middle - start, end - middle


def bytes_per_node(system: str, n_ops: int = 100_000) -> float:
    """Bytes held per graph node of a chain (tracemalloc), after backward filled the gradients."""
    import gc
    import tracemalloc

    if system == "micrograd":
        from micrograd.engine import Value
    else:
        from autograd import Value
    x, w, c = Value(0.5), Value(1.0), Value(1e-7)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    v = x
    for _ in range(n_ops // 2):
        v = v * w + c
    v.backward()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del v
    return (after - before) / n_ops
