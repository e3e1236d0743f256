"""XOR learned from random weights (item 5) and the zero-initialization symmetry of lecture 004 (item 6).

Settings (nn.lectures.xor_experiment): 2-h-1 sigmoid net, weights U(-1, 1), biases 0, full-batch gradient
descent with lr 4 on binary cross-entropy, 300 epochs, seeds 0..99. Measured: 78/100 for h = 2,
100/100 for h = 4. Run ``python -m nn.lectures.xor_experiment`` for longer runs.
"""

import math

import pytest

from nn import MLP, SGD, predict, squared_error, train, xor_dataset
from nn.lectures.xor_experiment import LEARNING_RATE, solves_xor, xor_success_rate

INPUTS, TARGETS = xor_dataset()
SEEDS = range(100)
# The two classic local minima of the 2-2-1 XOR net, as mean cross-entropy:
HALF_HALF = math.log(2) / 2  # two inputs right, two stuck at output 1/2
THIRDS = (
    2 * math.log(1.5) + math.log(3)
) / 4  # one input right, three stuck at 2/3 (targets 1, 1, 0)


@pytest.fixture(scope="module")
def narrow():
    return xor_success_rate(2, SEEDS)


def test_two_hidden_units_usually_but_not_always_learn_xor(narrow):
    rate, runs = narrow
    assert 0.5 <= rate < 1.0, rate
    assert all(run.history[-1] < run.history[0] for run in runs if run.solved)


def test_failed_runs_include_true_local_minima(narrow):
    _, runs = narrow
    minima = []
    for run in (run for run in runs if not run.solved):
        # Keep going from where the run stopped: a plateau may still be left, a local minimum is not.
        history = train(
            run.model,
            INPUTS,
            TARGETS,
            loss="bce",
            optimizer=SGD(run.model.parameters(), lr=LEARNING_RATE),
            epochs=1000,
        )
        final = history[-1]
        at_known_minimum = min(abs(final - HALF_HALF), abs(final - THIRDS)) < 0.01
        if at_known_minimum and history[-500] - final < 0.01 and not solves_xor(run.model):
            minima.append(run.seed)
        if len(minima) == 5:
            break
    assert len(minima) == 5, minima


def test_four_hidden_units_learn_xor_from_every_seed():
    rate, runs = xor_success_rate(4, SEEDS)
    assert rate == 1.0, [run.seed for run in runs if not run.solved]


def hidden_units(model):
    return [[w.data for w in neuron.w] + [neuron.b.data] for neuron in model.layers[0].neurons]


def test_zero_initialization_keeps_hidden_units_identical():
    # Lecture 004: with all weights 0, a1 = a2 and delta1 = delta2, so every update is the same for both.
    model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", init="zeros")
    x, y = [0.05, 0.10], [0.01, 0.99]  # the worked example's sample
    train(model, [x], [y], loss=lambda p, t: squared_error(p, t, half=True), lr=0.5, epochs=500)
    first, second = hidden_units(model)
    assert first == second  # exactly, bit for bit
    assert any(v != 0.0 for v in first)  # they did move, in lockstep
    hidden, _ = model.layer_outputs(x)
    assert hidden[0].data == hidden[1].data
    assert all(neuron.w[0].data == neuron.w[1].data for neuron in model.layers[1].neurons)


def test_zero_initialization_cannot_learn_xor_but_random_initialization_can():
    symmetric = MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid", init="zeros")
    history = train(symmetric, INPUTS, TARGETS, loss="bce", lr=LEARNING_RATE, epochs=300)
    first, second = hidden_units(symmetric)
    assert first == second
    assert predict(symmetric, INPUTS) == [
        0.5,
        0.5,
        0.5,
        0.5,
    ]  # XOR's balanced targets: a stationary point
    assert history[-1] == pytest.approx(math.log(2), rel=1e-12)

    broken = MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
    train(broken, INPUTS, TARGETS, loss="bce", lr=LEARNING_RATE, epochs=300)
    first, second = hidden_units(broken)
    assert first != second
    assert [round(o) for o in predict(broken, INPUTS)] == [0, 1, 1, 0]
