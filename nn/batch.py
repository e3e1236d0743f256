"""Running nn's own MLP on a whole batch as numpy arrays: predictions without a graph per row.

``predict``, ``predict_proba`` and the table models (so ``valuegrad predict`` of a table
model's file) use it. Each layer is
one matrix product through the compiled tape's BLAS (``autograd.compile.blas``) and its
activation the traced activation's elementwise kernel, so the numbers agree with the scalar
engine's to rounding (the sums are added in another order), at a small fraction of the time.
"""

from __future__ import annotations

from functools import cache
from typing import TypeGuard

import numpy as np

from autograd import Tape, trace
from autograd.compile import blas

from .activations import get_activation
from .compiled import plain_nn_module
from .module import MLP, Module

# Rows per block: big enough for numpy to be fast, small enough that a 1,000,000-row table
# never holds more than one block's hidden activations.
_BLOCK_ROWS = 4096


def runs_as_arrays(model: Module) -> TypeGuard[MLP]:
    """Whether ``network_outputs`` computes what calling ``model`` does: nn's own MLP
    throughout, every neuron with its layer's activation."""
    return (
        type(model) is MLP
        and plain_nn_module(model)
        and all(n.activation == layer.activation for layer in model.layers for n in layer.neurons)
    )


@cache
def _activation_tape(name: str) -> Tape:
    """The activation compiled to an elementwise numpy kernel (the one compiled training runs)."""
    function = get_activation(name)
    return trace(lambda z: function(z), 1)


def network_outputs(network: MLP, inputs: np.ndarray) -> np.ndarray:
    """The network's outputs for every row of ``inputs``, block by block: shape (rows, outputs)."""
    layers = [
        (layer.activation, *arrays) for layer, arrays in zip(network.layers, network.to_numpy())
    ]
    outputs = np.empty((len(inputs), network.nout))
    for start in range(0, len(inputs), _BLOCK_ROWS):
        activations = inputs[start : start + _BLOCK_ROWS]
        for activation, weights, biases in layers:
            with np.errstate(over="ignore", invalid="ignore"):
                z = blas.product(activations, weights.T) + biases
                if activation != "linear":
                    z = _activation_tape(activation).forward(z.reshape(-1, 1)).reshape(z.shape)
            activations = z
        outputs[start : start + _BLOCK_ROWS] = activations
    return outputs


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), written so that neither branch overflows: e^-|z| <= 1 (NaN stays NaN)."""
    with np.errstate(invalid="ignore"):
        e = np.exp(-np.abs(z))
        probabilities: np.ndarray = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return probabilities


def _softmax(z: np.ndarray) -> np.ndarray:
    """Each row's softmax, max-shifted so that nothing overflows (quietly NaN for a row with an
    infinite or NaN logit, or whose spread overflows, as the scalar softmax gives)."""
    with np.errstate(over="ignore", invalid="ignore"):
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        probabilities: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return probabilities


def class_probabilities(logits: np.ndarray) -> np.ndarray:
    """Each row's class probabilities from a network's logits (rows, outputs): the softmax of
    several outputs, or ``[1 - p, p]`` with ``p = sigmoid(output)`` for one (a binary classifier)."""
    if logits.shape[1] > 1:
        return _softmax(logits)
    positive = _sigmoid(logits[:, 0])
    return np.column_stack([1.0 - positive, positive])
