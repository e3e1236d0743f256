"""valuegrad's neural-network library, built from ``autograd.Value``.

    from nn import MLP, Adam, train
    model = MLP(2, [16, 16, 1], seed=0)          # ReLU hidden layers, linear output
    history = train(model, X, y, loss="hinge", optimizer=Adam(model.parameters(), lr=0.01), epochs=50)

Modules: ``module`` (Neuron, Layer, MLP), ``activations``, ``init``, ``losses``, ``optim``
(optimizers and their saved state), ``schedules`` (learning-rate schedules), ``clip``, ``train``
(with ``compiled``: training on the traced replay), ``metrics``, ``data``, ``draw`` (pictures of a
network) and ``cli`` (the ``valuegrad`` command); ``nn.tables`` (CSV files, column rules,
``TableModel``: a network with its column rules, model files) and ``nn.lectures`` (the lecture
notes' examples).
"""

from .activations import ACTIVATION_NAMES, get_activation
from .clip import clip_grad_norm, clip_grad_value
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
from .optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    OptimizerFileError,
    RMSprop,
    load_optimizer,
    save_optimizer,
)
from .progress import ProgressBar
from .schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    StepLR,
)
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
    "AdamW",
    "ColumnTable",
    "CosineAnnealingLR",
    "DataError",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "Layer",
    "LinearLR",
    "ModelFileError",
    "Module",
    "Neuron",
    "NonFiniteLossError",
    "Optimizer",
    "OptimizerFileError",
    "ProgressBar",
    "RMSprop",
    "StepLR",
    "Table",
    "TableModel",
    "accuracy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "clip_grad_norm",
    "clip_grad_value",
    "draw_network",
    "get_activation",
    "get_loss",
    "hinge_loss",
    "l2_penalty",
    "load_model",
    "load_model_with_metadata",
    "load_optimizer",
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
    "save_optimizer",
    "softmax",
    "softmax_cross_entropy",
    "squared_error",
    "train",
    "xor_dataset",
]
