"""The hand-set logic networks of the lecture notes (sigmoid units with weights of +-10..30).

Lecture 004: AND is g(-30 + 20 x1 + 20 x2), OR is g(-10 + 20 x1 + 20 x2), and XOR is built
from OR (a1) and NAND (a2) feeding AND: a1 = g(-10 + 20 x1 + 20 x2),
a2 = g(30 - 20 x1 - 20 x2), h = g(-30 + 20 a1 + 20 a2).
Notes 000: XNOR from AND (a1) and NOR (a2) feeding OR.
NOT's weights are not printed in the notes; we use the customary g(10 - 20 x).
The exercise neuron of lecture 004 (weights [-0.1, 0.4, 0.6], bias 0.7) gives z = 0.81.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd import no_grad

from ..data import XOR_INPUTS
from ..module import MLP, Neuron

# (weights, bias) of the single sigmoid units.
AND = ([20.0, 20.0], -30.0)
OR = ([20.0, 20.0], -10.0)
NAND = ([-20.0, -20.0], 30.0)
NOR = ([-20.0, -20.0], 10.0)
NOT = ([-20.0], 10.0)

EXERCISE_WEIGHTS = [-0.1, 0.4, 0.6]
EXERCISE_BIAS = 0.7
EXERCISE_INPUT = [0.3, -0.4, 0.5]


def logic_neuron(gate: tuple[list[float], float]) -> Neuron:
    """A sigmoid neuron with a gate's weights, e.g. ``logic_neuron(AND)``."""
    weights, bias = gate
    return Neuron.from_weights(weights, bias, "sigmoid")


def _two_layer(
    hidden: Sequence[tuple[list[float], float]], output: tuple[list[float], float]
) -> MLP:
    return MLP.from_weights(
        [([w for w, _ in hidden], [b for _, b in hidden]), ([output[0]], [output[1]])],
        activation="sigmoid",
        output_activation="sigmoid",
    )


def xor_network() -> MLP:
    """Lecture 004's XOR: hidden a1 = OR, a2 = NAND; output h = AND(a1, a2)."""
    return _two_layer([OR, NAND], AND)


def xnor_network() -> MLP:
    """Notes 000's XNOR: hidden a1 = AND, a2 = NOR; output h = OR(a1, a2)."""
    return _two_layer([AND, NOR], OR)


def exercise_neuron() -> Neuron:
    """Lecture 004's exercise: a linear readout of z = 0.7 - 0.1 x1 + 0.4 x2 + 0.6 x3."""
    return Neuron.from_weights(EXERCISE_WEIGHTS, EXERCISE_BIAS, "linear")


def gate_table(
    neuron: Neuron, inputs: Sequence[Sequence[float]] | None = None
) -> list[tuple[tuple[float, ...], float]]:
    """``[(x, g(z)), ...]`` for every input (all 0/1 combinations by default)."""
    if inputs is None:
        inputs = [(0.0,), (1.0,)] if neuron.nin == 1 else XOR_INPUTS
    with no_grad():
        return [(tuple(x), neuron(list(x)).data) for x in inputs]


def network_table(model: MLP) -> list[tuple[tuple[float, ...], list[float], float]]:
    """``[(x, [a1, a2, ...], h), ...]`` over the four 0/1 inputs, as the notes tabulate them."""
    rows = []
    with no_grad():
        for x in XOR_INPUTS:
            hidden, output = model.layer_outputs(list(x))
            rows.append((tuple(x), [a.data for a in hidden], output[0].data))
    return rows
