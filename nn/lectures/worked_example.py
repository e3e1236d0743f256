"""Lecture 004's worked example: a 2-2-2 sigmoid network, one sample, squared error, one step at a time.

    h1 = s(0.15 x1 + 0.20 x2 + 0.35)    o1 = s(0.40 h1 + 0.45 h2 + 0.60)
    h2 = s(0.25 x1 + 0.30 x2 + 0.35)    o2 = s(0.50 h1 + 0.55 h2 + 0.60)
    x = (0.05, 0.10), y = (0.01, 0.99), J = 1/2 (o1 - y1)^2 + 1/2 (o2 - y2)^2, learning rate 0.5.

The classic presentation updates the eight weights and holds the two biases fixed;
``train_biases=True`` gives the variant where all twelve parameters learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from autograd import Value, no_grad

from ..losses import squared_error
from ..module import MLP, Layer
from ..optim import SGD
from ..train import train

INPUT = [0.05, 0.10]
TARGET = [0.01, 0.99]
LEARNING_RATE = 0.5
STEPS = 10_000

# The classic names of the eight weights (w1..w8), and of each neuron's bias, by parameter label.
CLASSIC_NAMES = {
    "L0.N0.w0": "w1",
    "L0.N0.w1": "w2",
    "L0.N1.w0": "w3",
    "L0.N1.w1": "w4",
    "L1.N0.w0": "w5",
    "L1.N0.w1": "w6",
    "L1.N1.w0": "w7",
    "L1.N1.w1": "w8",
    "L0.N0.b": "b_h1",
    "L0.N1.b": "b_h2",
    "L1.N0.b": "b_o1",
    "L1.N1.b": "b_o2",
}


def worked_example_network() -> MLP:
    """The 2-2-2 sigmoid network with the example's starting weights."""
    return MLP.from_weights(
        [
            ([[0.15, 0.20], [0.25, 0.30]], [0.35, 0.35]),
            ([[0.40, 0.45], [0.50, 0.55]], [0.60, 0.60]),
        ],
        activation="sigmoid",
        output_activation="sigmoid",
    )


def worked_example_loss() -> tuple[Value, list[Value]]:
    """The example's error E as a graph whose every value has the lecture's name, and its parameters.

    x1, x2; w1..w8 and the biases b_h1..b_o2; the neurons out_h1, out_h2, out_o1, out_o2 (drawn
    expanded, their weighted sums are net_h1 ... net_o2); targets y1, y2; E_o1 = 1/2 (out_o1 - y1)^2,
    E_o2 likewise, and E = E_o1 + E_o2. Backward has not run yet.
    """
    model = worked_example_network()
    for label, parameter in model.named_parameters():
        parameter.label = CLASSIC_NAMES[label]
    x = [Value(v, label=f"x{i + 1}") for i, v in enumerate(INPUT)]
    (hidden, output) = model.layer_outputs(x)
    errors = []
    for name, out, target in zip(("o1", "o2"), output, TARGET):
        out.label = f"out_{name}"
        y = Value(target, label=f"y{name[1]}")
        difference = out - y
        difference.label = f"out_{name} - y{name[1]}"
        square = difference**2
        square.label = f"(out_{name} - y{name[1]})^2"
        half = Value(0.5, label="1/2")
        error = half * square
        error.label = f"E_{name}"
        errors.append(error)
    for name, h in zip(("h1", "h2"), hidden):
        h.label = f"out_{name}"
    total = errors[0] + errors[1]
    total.label = "E"
    return total, model.parameters()


@dataclass(frozen=True)
class WorkedStep:
    """Everything one gradient step computes: net inputs z, activations, errors, gradients, new values."""

    hidden_net: list[float]
    hidden: list[float]
    output_net: list[float]
    output: list[float]
    errors: list[float]
    total_error: float
    gradients: dict[str, float]
    updated: dict[str, float]


def _net_inputs(layer: Layer, x: list[float]) -> list[float]:
    # z = w . x + b for display, as floats (the graph's node layout is the engine's business).
    return [
        math.fsum(w.data * xi for w, xi in zip(neuron.w, x)) + neuron.b.data
        for neuron in layer.neurons
    ]


def worked_example_step(train_biases: bool = False) -> WorkedStep:
    """Forward pass, backward pass and one SGD step (lr 0.5) from the starting weights."""
    model = worked_example_network()
    hidden, output = model.layer_outputs(INPUT)
    hidden_values = [a.data for a in hidden]
    hidden_net = _net_inputs(model.layers[0], INPUT)
    output_net = _net_inputs(model.layers[1], hidden_values)
    loss = squared_error(output, TARGET, half=True)
    model.zero_grad()
    loss.backward()
    gradients = {label: p.grad for label, p in model.named_parameters()}
    SGD(model.parameters() if train_biases else model.weights(), lr=LEARNING_RATE).step()
    return WorkedStep(
        hidden_net=hidden_net,
        hidden=hidden_values,
        output_net=output_net,
        output=[o.data for o in output],
        errors=[0.5 * (o.data - t) ** 2 for o, t in zip(output, TARGET)],
        total_error=loss.data,
        gradients=gradients,
        updated={label: p.data for label, p in model.named_parameters()},
    )


@dataclass(frozen=True)
class WorkedRun:
    """The state after many steps: the error J, the outputs, every parameter."""

    steps: int
    total_error: float
    output: list[float]
    parameters: dict[str, float]


def worked_example_run(steps: int = STEPS, train_biases: bool = False) -> WorkedRun:
    """Train the example for ``steps`` gradient steps and report where it ends."""
    model = worked_example_network()
    optimizer = SGD(model.parameters() if train_biases else model.weights(), lr=LEARNING_RATE)
    train(
        model,
        [INPUT],
        [TARGET],
        loss="half_squared_error",
        optimizer=optimizer,
        epochs=steps,
        progress=False,
    )
    with no_grad():
        output = model(INPUT)
        error = squared_error(output, TARGET, half=True).data
    return WorkedRun(
        steps,
        error,
        [o.data for o in output],
        {label: p.data for label, p in model.named_parameters()},
    )


def worked_example_report(steps: int = STEPS) -> str:
    """The step-by-step numbers as text (what ``valuegrad worked-example`` prints)."""
    step = worked_example_step()
    lines = [
        "Worked example (lecture 004): 2-2-2 sigmoid network",
        f"x = ({INPUT[0]}, {INPUT[1]}), y = ({TARGET[0]}, {TARGET[1]}), "
        f"J = 1/2 (o1 - y1)^2 + 1/2 (o2 - y2)^2, learning rate {LEARNING_RATE}, biases held fixed",
        "",
        "Forward pass (z = net input, a = s(z)):",
    ]
    for name, z, a in zip(("h1", "h2"), step.hidden_net, step.hidden):
        lines.append(f"  {name}: z = {z:.9f}  a = {a:.9f}")
    for name, z, a in zip(("o1", "o2"), step.output_net, step.output):
        lines.append(f"  {name}: z = {z:.9f}  a = {a:.9f}")
    lines += [
        f"Error: E_o1 = {step.errors[0]:.9f}  E_o2 = {step.errors[1]:.9f}  J = {step.total_error:.9f}",
        "",
        "Backward pass and one step (w <- w - 0.5 dJ/dw):",
        "  name  label       start        dJ/dw        after",
    ]
    start = {label: p.data for label, p in worked_example_network().named_parameters()}
    for label, classic in CLASSIC_NAMES.items():
        lines.append(
            f"  {classic:<4}  {label:<8}  {start[label]:.4f}  {step.gradients[label]:+.9f}  {step.updated[label]:.9f}"
        )
    run = worked_example_run(steps)
    lines += [
        "",
        f"After {steps:,} steps: J = {run.total_error:.9g}, o = ({run.output[0]:.9f}, {run.output[1]:.9f})",
    ]
    variant = worked_example_step(train_biases=True)
    variant_run = worked_example_run(steps, train_biases=True)
    biases = ", ".join(
        f"{CLASSIC_NAMES[label]} = {variant.updated[label]:.9f}"
        for label in CLASSIC_NAMES
        if label.endswith(".b")
    )
    lines += [
        "",
        "Variant: biases trained too (the first step gives w1..w8 the same gradients and new values):",
        f"  after one step: {biases}",
        f"  after {steps:,} steps: J = {variant_run.total_error:.9g}, "
        f"o = ({variant_run.output[0]:.9f}, {variant_run.output[1]:.9f})",
    ]
    return "\n".join(lines)
