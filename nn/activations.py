"""Activation functions by name: the nonlinearity a neuron applies to z = w . x + b.

Names are plain strings so a network can be saved as JSON and drawn with its activations:
``relu``, ``tanh``, ``sigmoid``, ``linear``, ``softplus``, ``leaky_relu`` (slope 0.01, as in
PyTorch), ``elu`` (alpha 1.0). A parameter goes in parentheses: ``leaky_relu(0.1)`` is the
notes' max(0.1 z, z), ``elu(0.5)`` is ELU with alpha 0.5.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from autograd import Value

Activation = Callable[[Value], Value]

_PARAMETRIC = re.compile(r"^(?P<name>[a-z_]+)\((?P<param>[^()]*)\)$")


def _linear(z: Value) -> Value:
    return z


_PLAIN: dict[str, Activation] = {
    "linear": _linear,
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "softplus": Value.softplus,
    "leaky_relu": lambda z: z.leaky_relu(0.01),
    "elu": lambda z: z.elu(1.0),
}

# Activations that take one float parameter, and how to apply it.
_WITH_PARAMETER: dict[str, Callable[[float], Activation]] = {
    "leaky_relu": lambda slope: lambda z: z.leaky_relu(slope),
    "elu": lambda alpha: lambda z: z.elu(alpha),
}

ACTIVATION_NAMES: tuple[str, ...] = tuple(_PLAIN)
"""The names ``get_activation`` knows (``leaky_relu`` and ``elu`` also as ``'elu(0.5)'``)."""


def get_activation(name: str) -> Activation:
    """The function ``Value -> Value`` for an activation name such as ``"relu"`` or ``"elu(0.5)"``.

    Raises ``ValueError`` naming the known activations when ``name`` is not one of them.
    """
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name (str), not {type(name).__name__}")
    if name in _PLAIN:
        return _PLAIN[name]
    match = _PARAMETRIC.match(name.replace(" ", ""))
    if match and match["name"] in _WITH_PARAMETER:
        try:
            parameter = float(match["param"])
        except ValueError:
            parameter = math.nan
        if not math.isfinite(parameter):
            raise ValueError(f"activation {name!r}: parameter must be a finite number")
        return _WITH_PARAMETER[match["name"]](parameter)
    known = ", ".join(ACTIVATION_NAMES)
    raise ValueError(
        f"unknown activation {name!r}; known: {known} (leaky_relu and elu take a parameter: 'elu(0.5)')"
    )


def canonical_activation(name: str) -> str:
    """``name`` checked and without spaces (``"elu( 0.5 )"`` -> ``"elu(0.5)"``), for storing."""
    get_activation(name)
    return name.replace(" ", "")
