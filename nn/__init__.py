"""valuegrad's neural-network library, built from ``autograd.Value``.

    from nn import MLP, Adam, train
    model = MLP(2, [16, 16, 1], seed=0)          # ReLU hidden layers, linear output
    history = train(model, X, y, loss="hinge", optimizer=Adam(model.parameters(), lr=0.01), epochs=50)

Modules: ``module`` (Neuron, Layer, MLP), ``activations``, ``init``, ``losses``, ``optim``,
``train`` (with ``compiled``: training on the traced replay), ``metrics``, ``data`` and
``csvfile``, ``columns`` (CSV to columns), ``preprocess`` and ``table_model`` (``TableModel``: a
network with its column rules), ``serialize``, ``draw`` (pictures of a network), the
lecture notes' examples (``logic_gates``, ``worked_example``, ``xor_experiment``) and ``cli``
(the ``valuegrad`` command).
"""

from .activations import ACTIVATION_NAMES, get_activation
from .data import make_moons, xor_dataset
from .draw import draw_network
from .init import INIT_SCHEMES, make_rng
from .losses import (
    LOSSES,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    get_loss,
    hinge_loss,
    l2_penalty,
    log_softmax,
    mean_loss,
    mse_loss,
    softmax,
    softmax_cross_entropy,
    squared_error,
)
from .metrics import accuracy, mean_squared_error, r2_score
from .module import MLP, Layer, Module, Neuron
from .optim import SGD, Adagrad, Adam, Optimizer
from .progress import ProgressBar
from .tables.columns import ColumnTable, read_columns
from .tables.csvfile import DataError, Table, read_csv
from .tables.serialize import (
    FORMAT_VERSION,
    ModelFileError,
    load_model,
    load_model_with_metadata,
    model_from_dict,
    model_to_dict,
    save_model,
)
from .tables.table_model import TableModel
from .train import NonFiniteLossError, predict, predict_proba, train

__all__ = [
    "ACTIVATION_NAMES",
    "FORMAT_VERSION",
    "INIT_SCHEMES",
    "LOSSES",
    "MLP",
    "SGD",
    "Adagrad",
    "Adam",
    "ColumnTable",
    "DataError",
    "Layer",
    "ModelFileError",
    "Module",
    "Neuron",
    "NonFiniteLossError",
    "Optimizer",
    "ProgressBar",
    "Table",
    "TableModel",
    "accuracy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "draw_network",
    "get_activation",
    "get_loss",
    "hinge_loss",
    "l2_penalty",
    "load_model",
    "load_model_with_metadata",
    "log_softmax",
    "make_moons",
    "make_rng",
    "mean_loss",
    "mean_squared_error",
    "model_from_dict",
    "model_to_dict",
    "mse_loss",
    "predict",
    "predict_proba",
    "r2_score",
    "read_columns",
    "read_csv",
    "save_model",
    "softmax",
    "softmax_cross_entropy",
    "squared_error",
    "train",
    "xor_dataset",
]
