"""The lecture notes' examples, built with ``nn``: logic networks, the worked 2-2-2 example, XOR training.

Run ``python -m nn.examples.xor_seeds`` for the long XOR success-rate measurement.
"""

from .logic import (
    AND,
    NAND,
    NOR,
    NOT,
    OR,
    exercise_neuron,
    gate_table,
    logic_neuron,
    network_table,
    xnor_network,
    xor_network,
)
from .worked import WorkedStep, worked_example_network, worked_example_run, worked_example_step
from .xor import XorRun, train_xor, xor_success_rate

__all__ = [
    "AND",
    "NAND",
    "NOR",
    "NOT",
    "OR",
    "WorkedStep",
    "XorRun",
    "exercise_neuron",
    "gate_table",
    "logic_neuron",
    "network_table",
    "train_xor",
    "worked_example_network",
    "worked_example_run",
    "worked_example_step",
    "xnor_network",
    "xor_network",
    "xor_success_rate",
]
