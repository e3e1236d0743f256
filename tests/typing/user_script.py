"""A user's script, fully annotated: ``mypy --strict`` must accept it as written (tests/test_typing.py)."""

from __future__ import annotations

import autograd
from autograd import Value, no_grad
from nn import MLP, SGD, Adam, mse_loss, train

# Values: the constructor's label, the ops, and the attributes a user reads.
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c: Value = (a * b + a.tanh()) ** 2 / (1.0 + b.exp())
c.backward()
data: float = c.data
slope: float | Value = a.grad
print(f"c = {data:.4f}, dc/da = {float(slope):.4f}, a is a leaf: {a.is_leaf}")
first, second = autograd.grad(c, [a, b])
print(float(first), float(second))

# An MLP trained by hand: forward, loss, backward, an optimizer step.
model = MLP(2, [4, 1], seed=0)
optimizer = Adam(model.parameters(), lr=0.05)
inputs: list[list[float]] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
targets: list[float] = [0.0, 1.0, 1.0, 0.0]
for _ in range(5):
    optimizer.zero_grad()
    losses = [mse_loss(model(x), y) for x, y in zip(inputs, targets)]
    loss = autograd.sum(losses) * (1.0 / len(losses))
    loss.backward()
    optimizer.step()
    print(f"loss {loss.data:.4f}")
for p in model.parameters():
    gradient: float = float(p.grad)
    p.data -= 0.01 * gradient  # a manual step, as the notes write it

# The library's own loop.
history = train(
    model, inputs, targets, loss="mse", optimizer=SGD(model.parameters(), lr=0.1), epochs=3
)
final_loss: float = history[-1]
with no_grad():
    prediction = model([1.0, 0.0])
print(final_loss, prediction)


@no_grad
def predict(row: list[float]) -> Value | list[Value]:
    """Inference without a graph, decorated as in PyTorch (``@torch.no_grad``)."""
    return model(row)


predicted: Value | list[Value] = predict([0.0, 1.0])
print(predicted)
