"""Lecture 004 and notes 000: hand-set logic neurons and networks, and the exercise neuron (items 1-3)."""

import math

import pytest

from nn.lectures.logic_gates import (
    AND,
    NOT,
    OR,
    exercise_neuron,
    gate_table,
    logic_neuron,
    network_table,
    xnor_network,
    xor_network,
)

BITS = [(0, 0), (0, 1), (1, 0), (1, 1)]


def g(z):
    return 1.0 / (1.0 + math.exp(-z))


def test_and_neuron_is_g_of_minus_30_plus_20_x1_plus_20_x2():
    # Lecture 004's table: g(-30), g(-10), g(-10), g(10)
    table = gate_table(logic_neuron(AND))
    assert [y for _, y in table] == pytest.approx([g(-30), g(-10), g(-10), g(10)], rel=1e-12)
    assert [round(y) for _, y in table] == [0, 0, 0, 1]


def test_or_neuron_is_g_of_minus_10_plus_20_x1_plus_20_x2():
    table = gate_table(logic_neuron(OR))
    assert [y for _, y in table] == pytest.approx([g(-10), g(10), g(10), g(30)], rel=1e-12)
    assert [round(y) for _, y in table] == [0, 1, 1, 1]


def test_not_neuron():
    table = gate_table(logic_neuron(NOT))
    assert [x for x, _ in table] == [(0.0,), (1.0,)]
    assert [y for _, y in table] == pytest.approx([g(10), g(-10)], rel=1e-12)


def test_xor_network_reproduces_the_lecture_table():
    # Lecture 004:  x1 x2 | a1 a2 | h  =  00|0 1|0, 01|1 1|1, 10|1 1|1, 11|1 0|0
    rows = network_table(xor_network())
    assert [(tuple(map(round, hidden)), round(h)) for _, hidden, h in rows] == [
        ((0, 1), 0), ((1, 1), 1), ((1, 1), 1), ((1, 0), 0),
    ]  # fmt: skip
    for (x1, x2), hidden, h in rows:
        a1, a2 = g(-10 + 20 * x1 + 20 * x2), g(30 - 20 * x1 - 20 * x2)
        assert hidden == pytest.approx([a1, a2], rel=1e-12)
        assert h == pytest.approx(g(-30 + 20 * a1 + 20 * a2), rel=1e-12)


def test_xnor_network_reproduces_the_notes_000_table():
    # Notes 000:  x1 x2 | a1 a2 | h  =  00|0 1|1, 01|0 0|0, 10|0 0|0, 11|1 0|1
    rows = network_table(xnor_network())
    assert [(tuple(map(round, hidden)), round(h)) for _, hidden, h in rows] == [
        ((0, 1), 1), ((0, 0), 0), ((0, 0), 0), ((1, 0), 1),
    ]  # fmt: skip
    assert [x for x, _, _ in rows] == [tuple(map(float, bits)) for bits in BITS]


def test_exercise_neuron_gives_z_0_81():
    # g(0.7 + (-0.1)(0.3) + 0.4(-0.4) + 0.6(0.5)) = g(0.81)
    assert exercise_neuron()([0.3, -0.4, 0.5]).data == pytest.approx(0.81, abs=1e-15)
