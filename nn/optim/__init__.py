"""Optimizers as torch.optim defines them: SGD, Adam, AdamW, RMSprop and Adagrad, with parameter groups and state.

Each optimizer's docstring gives its update as pseudo-code; ``docs/optimizers.md`` has them all.
"""

from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer, ParamGroup
from .rmsprop import RMSprop
from .saving import OptimizerFileError, load_optimizer, save_optimizer
from .sgd import SGD

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adagrad": Adagrad,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
}

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "OptimizerFileError",
    "ParamGroup",
    "RMSprop",
    "load_optimizer",
    "save_optimizer",
]
