"""Networks as plain Python objects: ``Module``, ``Neuron``, ``Layer``, ``MLP``.

A neuron computes ``activation(w . x + b)``; a layer is neurons side by side; an MLP is layers
in a row. Every parameter is a ``Value`` labelled by where it sits, ``L0.N1.w0`` (layer 0,
neuron 1, weight 0) and ``L0.N1.b``, so a graph drawing can name it. Weight matrices follow
the notes and PyTorch: row j of a layer's matrix holds neuron j's weights (shape nout x nin).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any, NamedTuple

import numpy as np

import autograd
from autograd import Value
from autograd.compile.storage import ParameterArrays

from .activations import canonical_activation
from .init import Seed, make_rng, weight_sampler

Inputs = Sequence[Value | float]
_PLAIN = (float, int)  # exact classes: bool and numpy scalars keep their own checks
# Numbers set by hand: nested lists, or numpy arrays (a matrix is nout rows of nin numbers).
Matrix = Sequence[Sequence[float]] | np.ndarray
Vector = Sequence[float] | np.ndarray


class Module:
    """Something with parameters: lists them, names them and zeroes their gradients.

    A subclass of your own finds its parameters as PyTorch's modules do, in what its attributes
    hold, in the order they were set: every leaf Value (a Value made by an op, such as a cached
    output, is no parameter) and every module's parameters, also inside lists, tuples, dicts
    and numpy arrays of Values (a set, which has no order, is refused). A subclass that lists
    its own ``parameters()`` decides what is trained, and ``named_parameters()`` and
    ``weights()`` follow that list. ``Neuron``, ``Layer`` and ``MLP`` list theirs, named by
    their labels.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass of ``Neuron``, ``Layer`` or ``MLP`` that defines ``forward`` is called
        through it (those classes define ``__call__``, which skipped it). A ``__call__`` of the
        user's own, which may call ``forward`` itself, is left as it is."""
        super().__init_subclass__(**kwargs)
        if "forward" in cls.__dict__ and "__call__" not in cls.__dict__:
            if cls.__call__ in _NN_CALLS:
                cls.__call__ = Module.__call__  # type: ignore[method-assign]

    def __call__(self, *args: Any, **kwargs: Any) -> Value | list[Value]:
        """The output for one input vector: one Value, or a list for several outputs.

        A subclass says what it computes by defining ``__call__``, or ``forward`` as in PyTorch
        (called from here with whatever the call was given; ``Neuron``, ``Layer`` and ``MLP``
        name their own computation ``forward`` too, for ``super().forward(x)``)."""
        forward = getattr(self, "forward", None)
        if forward is None:
            raise NotImplementedError(
                f"{type(self).__name__} does not say what it computes: define __call__(self, x) "
                "(or forward(self, x), as in PyTorch)"
            )
        output: Value | list[Value] = forward(*args, **kwargs)
        return output

    def parameters(self) -> list[Value]:
        """Every trainable Value, in a fixed order, each once."""
        return [value for _, value, _ in _found_in(self)]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` for every parameter: the attribute path to it, as in PyTorch
        (``encoder.L0.N1.w0`` for weight 0 of neuron 1 of layer 0 of the MLP ``self.encoder``),
        or its label when no attribute holds it."""
        names = {id(value): name for name, value, _ in _found_in(self)}
        return [(names.get(id(p), p.label), p) for p in self.parameters()]

    def weights(self) -> list[Value]:
        """The parameters that are not biases (what L2 regularization penalizes): a module's
        weights, and every Value held directly."""
        weights = {id(value) for _, value, is_weight in _found_in(self) if is_weight}
        return [p for p in self.parameters() if id(p) in weights]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's ``.grad`` to 0.0 (leaf gradients accumulate across backward calls).

        ``set_to_none`` is taken for code written for PyTorch: either way the gradient becomes
        0.0 (never None), which the next backward adds to as it would to PyTorch's None."""
        del set_to_none  # the same either way (above)
        arrays = ParameterArrays(self.parameters())  # (a list of them, whatever parameters() gave)
        if arrays.stored():  # in a compiled tape's arrays: one numpy step, not a setter per Value
            arrays.zero_grads()
            return
        for p in arrays.params:
            p.grad = 0.0

    def __repr__(self) -> str:
        """The class and what its attributes hold, by attribute name: modules and Values in
        full, a list, tuple, dict or numpy array that holds some, at any depth, in short
        (``blocks=list of 3 items (3 modules)``). A module already being shown (one that holds
        its parent) shows as ``...``."""
        if id(self) in _BEING_SHOWN:
            return f"{type(self).__name__}(...)"
        _BEING_SHOWN.add(id(self))
        try:
            held = [
                f"{name}={shown}"
                for name, item in vars(self).items()
                if (shown := _shown_attribute(item)) is not None
            ]
        finally:
            _BEING_SHOWN.discard(id(self))
        return f"{type(self).__name__}({', '.join(held)})"

    def num_parameters(self) -> int:
        """How many scalars this module trains."""
        return len(self.parameters())

    def state_dict(self) -> dict[str, float]:
        """Every parameter's number under its name from ``named_parameters()``, as PyTorch's
        modules give theirs: a snapshot of plain floats, to keep with json or pickle and give
        back to ``load_state_dict`` (of this module or another made the same way)."""
        named = self.named_parameters()
        _distinct_names("state_dict", [name for name, _ in named])
        return {name: p.data for name, p in named}

    def load_state_dict(self, state: Mapping[str, object], strict: bool = True) -> LoadedKeys:
        """Set the parameters from ``state`` (name -> number, as ``state_dict()`` gives).

        Everything is checked before anything changes: every number must be a finite real
        number, and with ``strict`` (the default, as in PyTorch) the names must be exactly this
        module's. Without ``strict`` the names both share are set and the others are returned
        as ``missing_keys`` (parameters left as they are) and ``unexpected_keys``."""
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict takes a mapping of names to numbers, not {type(state).__name__}"
            )
        named = self.named_parameters()
        names = _distinct_names("load_state_dict", [name for name, _ in named])
        missing = [name for name, _ in named if name not in state]
        unexpected = [name for name in state if name not in names]
        if strict and (missing or unexpected):
            raise ValueError(
                "load_state_dict: the names differ from this module's"
                + _listed("; missing", missing)
                + _listed("; unexpected", unexpected)
                + " (strict=False loads the names both share)"
            )
        updates = [(p, _state_number(name, state[name])) for name, p in named if name in state]
        for p, number in updates:
            p.data = number
        return LoadedKeys(missing, unexpected)


def _found_in(module: Module) -> list[tuple[str, Value, bool]]:
    """(path, Value, whether a weight) for each parameter ``module``'s attributes hold, first
    found first, each once. A module that lists its own parameters is asked for them; any other
    is looked into. Each object is visited once, so a module that holds its parent (or a list
    that holds itself) ends the walk there."""
    found: list[tuple[str, Value, bool]] = []
    visited = {id(module)}
    stack: list[tuple[str, object]] = list(reversed(vars(module).items()))
    while stack:
        name, item = stack.pop()
        if isinstance(item, Value):
            if item.is_leaf:
                found.append((name, item, True))
            continue
        if id(item) in visited:
            continue
        visited.add(id(item))
        if isinstance(item, Module) and type(item).parameters is not Module.parameters:
            weights = {id(w) for w in item.weights()}
            found += [
                (f"{name}.{inner}", p, id(p) in weights) for inner, p in item.named_parameters()
            ]
        elif isinstance(item, Module):
            stack += reversed([(f"{name}.{key}", x) for key, x in vars(item).items()])
        elif isinstance(item, (list, tuple)):
            stack += reversed([(f"{name}.{k}", x) for k, x in enumerate(item)])
        elif isinstance(item, np.ndarray) and item.dtype == object:  # Values in an array
            stack += reversed(
                [(".".join(map(str, (name, *at))), x) for at, x in np.ndenumerate(item)]
            )
        elif isinstance(item, (set, frozenset)) and any(_held(item, set())):
            raise TypeError(
                f"{type(module).__name__}.{name} is a set holding Values or modules: a set has "
                "no fixed order, so its parameters would be listed in a different order each "
                "run; keep them in a list or tuple"
            )
        elif isinstance(item, dict):
            stack += reversed([(f"{name}.{key}", x) for key, x in item.items()])
    seen: set[int] = set()
    first = []
    for entry in found:
        if id(entry[1]) not in seen:
            seen.add(id(entry[1]))
            first.append(entry)
    return first


_BEING_SHOWN: set[int] = set()  # ids of the modules whose repr is being built


def _shown_attribute(item: object) -> str | None:
    """How a module's repr shows one attribute: None for plain settings (numbers, strings)."""
    if isinstance(item, (Module, Value)):
        return repr(item)
    if isinstance(item, (list, tuple, dict)) or (
        isinstance(item, np.ndarray) and item.dtype == object
    ):
        modules, values = _held(item, set())
        if modules or values:
            kinds = ", ".join(
                k for k in (_counted(modules, "module"), _counted(values, "Value")) if k
            )
            size = (
                f"of shape {item.shape}"
                if isinstance(item, np.ndarray)
                else f"of {_counted(len(item), 'item')}"
            )
            return f"{type(item).__name__} {size} ({kinds})"
    return None


def _held(item: object, seen: set[int]) -> tuple[int, int]:
    """How many modules and Values a container holds, at any depth (not inside the modules):
    what a repr counts, and whether a set holds parameters it could not order."""
    if isinstance(item, Module):
        return 1, 0
    if isinstance(item, Value):
        return 0, 1
    if id(item) in seen:
        return 0, 0
    seen.add(id(item))
    if isinstance(item, dict):
        inner: Iterable[object] = item.values()
    elif isinstance(item, (list, tuple, set, frozenset)):
        inner = item
    elif isinstance(item, np.ndarray) and item.dtype == object:
        inner = item.flat
    else:
        return 0, 0
    counts = [_held(x, seen) for x in inner]
    return sum(m for m, _ in counts), sum(v for _, v in counts)


def _counted(count: int, what: str) -> str:
    return "" if count == 0 else f"{count} {what}{'' if count == 1 else 's'}"


def _distinct_names(caller: str, names: list[str]) -> set[str]:
    """The names as a set, or an error when two parameters share one (a state keyed by name
    could not tell them apart)."""
    distinct: set[str] = set()
    for name in names:
        if name in distinct:
            raise ValueError(
                f"{caller}: two parameters are both named {name!r}; give them distinct "
                "labels, or hold them in attributes of distinct names"
            )
        distinct.add(name)
    return distinct


def outputs_of(model: Module, x: Any) -> Value | list[Value]:
    """``model(x)`` as training and prediction take it: one Value, or a list of Values. A tuple
    or a numpy array of Values (what numpy code such as ``W @ x`` returns) is made a list; a
    number is refused, since no gradient reaches the model through it."""
    out = model(x)
    if isinstance(out, np.ndarray):
        out = out.item() if out.ndim == 0 else out.ravel().tolist()
    elif isinstance(out, tuple):
        out = list(out)
    if isinstance(out, Value):
        return out
    if isinstance(out, list) and out and all(isinstance(v, Value) for v in out):
        return out
    in_list = isinstance(out, list)
    odd = next((v for v in out if not isinstance(v, Value)), None) if in_list else out
    held = "a list holding " if in_list else ""
    wanted = "not a Value or a list of Values"
    if in_list and not out:
        why = f"an empty list, {wanted}"
    elif odd is None:
        why = f"{held}None, {wanted} (a forward without a return?)"
    elif isinstance(odd, numbers.Real):
        why = (
            f"{held}{type(odd).__name__}, {wanted}: a number taken out of a Value (float(v), "
            "v.data) carries no gradient, so nothing would be trained"
        )
    else:
        why = f"{held}{type(odd).__name__}, {wanted} (one Value per output)"
    raise TypeError(f"{type(model).__name__} returned {why}")


class LoadedKeys(NamedTuple):
    """What ``load_state_dict`` left aside: this module's names the state lacked, and the
    state's names this module lacks."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _listed(what: str, names: list[str], shown: int = 5) -> str:
    if not names:
        return ""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{what} {', '.join(map(repr, names[:shown]))}{more}"


def _state_number(name: str, number: object) -> float:
    """``number`` as a float: a real number (a numpy or one-element torch number too), finite."""
    if isinstance(number, (bool, np.bool_, str, bytes, complex, np.complexfloating)):
        raise TypeError(f"load_state_dict: {name!r} is {number!r}, not a real number")
    try:
        value = float(number)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(
            f"load_state_dict: {name!r} is a {type(number).__name__}, not a number"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"load_state_dict: {name!r} is {value}, not finite")
    return value


def _check_count(what: str, count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"{what} must be a positive int, not {count!r}")
    return int(count)


def _finite_floats(what: str, numbers: Sequence[float], expected: int) -> list[float]:
    numbers = [float(n) for n in numbers]
    if len(numbers) != expected:
        raise ValueError(f"{what}: expected {expected} numbers, got {len(numbers)}")
    for position, n in enumerate(numbers):
        if not math.isfinite(n):
            raise ValueError(f"{what}: number {position} is {n!r}, not finite")
    return numbers


class LabelledModule(Module):
    """A module whose parameters are named by their labels (``L0.N1.w0``), which say where each
    sits: ``Neuron``, ``Layer`` and ``MLP``, which list their parameters themselves."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(label, Value)`` for every parameter, e.g. ``("L0.N1.w0", Value(...))``."""
        return [(p.label, p) for p in self.parameters()]


# What the items of a batch look like: a model given one of these as an input is given a batch.
_ROWS = (list, tuple, np.ndarray)


class Neuron(LabelledModule):
    """``activation(w . x + b)`` for ``nin`` inputs; ``.w`` is a list of Values, ``.b`` a Value.

    ``activation`` is a name (see ``nn.activations``); ``init`` a scheme from ``nn.init``;
    ``seed`` an int or a ``random.Random``. ``name`` prefixes the parameter labels
    (``name="L0.N1"`` gives ``L0.N1.w0`` ... and ``L0.N1.b``).
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        init: str = "uniform",
        seed: Seed = None,
        name: str = "",
    ) -> None:
        self.nin = _check_count("nin", nin)
        self.set_activation(activation)
        self.name = name
        prefix = f"{name}." if name else ""
        draw = weight_sampler(init, self.nin, make_rng(seed))
        self.w = [Value(draw(), label=f"{prefix}w{k}") for k in range(self.nin)]
        self.b = Value(0.0, label=f"{prefix}b")

    def __call__(self, x: Inputs) -> Value:
        """activation(w . x + b): the one place where a neuron's forward pass is written.

        One fused graph node, drawn as "neuron(relu)" (``autograd.neuron``: exact gradients,
        2n + 1 edges instead of 2n + 1 nodes, so training is several times faster).
        """
        return autograd.neuron(self.w, self._checked_input(x), self.b, self.activation)

    forward = __call__

    def _checked_input(self, x: Inputs) -> Inputs:
        """``x`` as a sequence of ``nin`` numbers or Values, or an error naming this neuron."""
        if (
            x.__class__ is not list and x.__class__ is not tuple
        ):  # the common cases, checked cheaply
            x = self._as_input_vector(x)
        if len(x) and x[0].__class__ in _ROWS:
            raise self._batch_error(len(x))
        if len(x) != self.nin:
            raise ValueError(f"{self._who()} takes {self.nin} inputs, got {len(x)}")
        if x and x[0].__class__ is not Value and all(v.__class__ in _PLAIN for v in x):
            # The numbers a model is called with become leaves named x0, x1, ... (drawings show
            # them). Values (a hidden layer's input, a traced sample) pass as they are.
            return [Value(v, label=f"x{i}") for i, v in enumerate(x)]
        return x

    def _batch_error(self, rows: int) -> ValueError:
        return ValueError(
            f"{self._who()}: a model takes one sample (a list of {self.nin} numbers), "
            f"not a batch of {rows} rows; run a batch with [model(row) for row in rows] "
            "or nn.predict(model, rows)"
        )

    def _as_input_vector(self, x: object) -> Inputs:
        """An input vector that is not a list or tuple: a 1-D array or another sequence, not a dict or set."""
        if isinstance(x, np.ndarray):
            if x.ndim == 2:
                raise self._batch_error(len(x))
            if x.ndim != 1:
                raise ValueError(
                    f"{self._who()} takes a 1-D input vector, not an array of shape {x.shape}"
                )
            numbers: list[float] = x.tolist()
            return numbers
        if isinstance(x, (str, bytes, Mapping, Set)) or not isinstance(x, Sequence):
            raise TypeError(
                f"{self._who()} takes a list of numbers or Values, not {type(x).__name__}"
            )
        return x

    def _who(self) -> str:
        return f"neuron {self.name}" if self.name else "neuron"

    def parameters(self) -> list[Value]:
        """The weights, then the bias."""
        return [*self.w, self.b]

    def weights(self) -> list[Value]:
        """The input weights, without the bias."""
        return list(self.w)

    def set_weights(self, w: Sequence[float], b: float) -> None:
        """Set the weights and bias by hand (the Values stay the same objects, so optimizers keep working)."""
        w = _finite_floats(f"weights of {self._who()}", w, self.nin)
        (b,) = _finite_floats(f"bias of {self._who()}", [b], 1)
        for value, number in zip(self.w, w):
            value.data = number
        self.b.data = b

    def set_activation(self, activation: str) -> None:
        """Use another activation from now on (by name); ``Layer.set_activation`` sets all of a layer's."""
        self.activation = canonical_activation(activation)

    @classmethod
    def from_weights(
        cls, w: Sequence[float], b: float, activation: str = "relu", *, name: str = ""
    ) -> Neuron:
        """A neuron with the given weights and bias, e.g. the notes' AND: ``Neuron.from_weights([20, 20], -30, "sigmoid")``."""
        neuron = cls(len(w), activation, init="zeros", name=name)
        neuron.set_weights(w, b)
        return neuron

    def __repr__(self) -> str:
        return f"{type(self).__name__}(nin={self.nin}, activation={self.activation!r})"


class Layer(LabelledModule):
    """``nout`` neurons reading the same ``nin`` inputs; calling it returns a list of ``nout`` Values."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        init: str = "uniform",
        seed: Seed = None,
        name: str = "L0",
    ) -> None:
        self.nin = _check_count("nin", nin)
        self.nout = _check_count("nout", nout)
        self.activation = canonical_activation(activation)
        self.name = name
        rng = make_rng(seed)
        prefix = f"{name}." if name else ""
        self.neurons = [
            Neuron(self.nin, self.activation, init=init, seed=rng, name=f"{prefix}N{j}")
            for j in range(self.nout)
        ]

    def __call__(self, x: Inputs) -> list[Value]:
        """Every neuron's output, in order (a list even when ``nout`` is 1).

        The nodes ``[neuron(x) for neuron in self.neurons]`` gives, made by
        ``autograd.neuron_layer``, which reads x once for the whole layer; neuron by neuron
        only when one of them was given an activation other than the layer's.
        """
        neurons = self.neurons
        x = neurons[0]._checked_input(x)
        activation = self.activation
        if [neuron for neuron in neurons if neuron.activation != activation]:
            return [neuron(x) for neuron in neurons]
        return autograd.neuron_layer([n.w for n in neurons], x, [n.b for n in neurons], activation)

    forward = __call__

    def parameters(self) -> list[Value]:
        """Each neuron's weights and bias, neuron by neuron."""
        params: list[Value] = []
        for neuron in self.neurons:  # extending by lists: 5x faster than a comprehension per Value
            params += neuron.parameters()
        return params

    def weights(self) -> list[Value]:
        """Every neuron's input weights, without the biases."""
        return [w for neuron in self.neurons for w in neuron.w]

    def biases(self) -> list[Value]:
        """Each neuron's bias, in order."""
        return [neuron.b for neuron in self.neurons]

    def set_weights(self, weight_matrix: Matrix, biases: Vector) -> None:
        """Set all weights by hand: ``weight_matrix`` is nout rows of nin numbers, ``biases`` nout numbers."""
        rows = [list(row) for row in weight_matrix]
        if len(rows) != self.nout:
            raise ValueError(
                f"layer {self.name}: weight matrix has {len(rows)} rows, the layer has {self.nout} neurons"
            )
        biases = list(biases)
        if len(biases) != self.nout:
            raise ValueError(f"layer {self.name}: {len(biases)} biases for {self.nout} neurons")
        for neuron, row, b in zip(self.neurons, rows, biases):
            neuron.set_weights(row, b)

    def set_activation(self, activation: str) -> None:
        """Give every neuron of this layer another activation (by name)."""
        self.activation = canonical_activation(activation)
        for neuron in self.neurons:
            neuron.set_activation(self.activation)

    def to_numpy(self) -> tuple[np.ndarray, np.ndarray]:
        """``(W, b)``: W of shape (nout, nin) and b of shape (nout,), like ``torch.nn.Linear``."""
        weight_matrix = np.array(
            [[w.data for w in neuron.w] for neuron in self.neurons], dtype=float
        )
        biases = np.array([neuron.b.data for neuron in self.neurons], dtype=float)
        return weight_matrix, biases

    def __repr__(self) -> str:
        return f"{type(self).__name__}(nin={self.nin}, nout={self.nout}, activation={self.activation!r})"


class MLP(LabelledModule):
    """A multilayer perceptron: ``MLP(2, [16, 16, 1])`` is 2 inputs, two hidden layers of 16, one output.

    Hidden layers use ``activation``, the last layer ``output_activation`` (linear by default,
    so the output is a score or a logit). Calling it returns a Value when the last layer has one
    neuron, else a list of Values; hidden layers of width 1 are never unwrapped.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        init: str = "uniform",
        seed: Seed = None,
    ) -> None:
        self.nin = _check_count("nin", nin)
        if not isinstance(nouts, Iterable):
            raise TypeError(
                f"MLP's nouts is the list of layer sizes, such as [16, 16, {nouts!r}] (the last "
                f"is the output size), not {type(nouts).__name__}"
            )
        nouts = list(nouts)
        if not nouts:
            raise ValueError("an MLP needs at least one layer: nouts is empty")
        nouts = [_check_count(f"layer size nouts[{i}]", n) for i, n in enumerate(nouts)]
        canonical_activation(activation)  # checked even with no hidden layer to use it ("sigmod")
        rng = make_rng(seed)
        sizes = [self.nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                init=init,
                seed=rng,
                name=f"L{i}",
            )
            for i in range(len(nouts))
        ]

    @property
    def sizes(self) -> list[int]:
        """Inputs then each layer's width, e.g. ``[2, 16, 16, 1]``."""
        return [self.nin] + [layer.nout for layer in self.layers]

    @property
    def nout(self) -> int:
        """Width of the last layer."""
        return self.layers[-1].nout

    def __call__(self, x: Inputs) -> Value | list[Value]:
        """The network's output for one input vector of floats or Values."""
        for layer in self.layers:
            x = outputs = layer(x)
        if len(outputs) == 1:
            outputs[0].label = "out"
            return outputs[0]
        for j, out in enumerate(outputs):
            out.label = f"out{j}"
        return outputs

    forward = __call__

    def layer_outputs(self, x: Inputs) -> list[list[Value]]:
        """Each layer's outputs for input ``x``: the hidden activations, then the output layer's."""
        outputs = []
        for layer in self.layers:
            x = layer(x)
            outputs.append(x)
        return outputs

    def parameters(self) -> list[Value]:
        """Every layer's parameters, first layer first (the order optimizers and model files use)."""
        params: list[Value] = []
        for layer in self.layers:
            params += layer.parameters()
        return params

    def weights(self) -> list[Value]:
        """Every weight of every layer, without the biases (what L2 regularization penalizes)."""
        return [w for layer in self.layers for w in layer.weights()]

    def biases(self) -> list[Value]:
        """Every bias, layer by layer."""
        return [b for layer in self.layers for b in layer.biases()]

    def set_weights(self, layers: Sequence[tuple[Matrix, Vector]]) -> None:
        """Set every layer by hand from ``[(W0, b0), (W1, b1), ...]`` (W: nout rows of nin numbers)."""
        layers = list(layers)
        if len(layers) != len(self.layers):
            raise ValueError(
                f"got weights for {len(layers)} layers, the MLP has {len(self.layers)}"
            )
        for layer, (weight_matrix, biases) in zip(self.layers, layers):
            layer.set_weights(weight_matrix, biases)

    @classmethod
    def from_weights(
        cls,
        layers: Sequence[tuple[Matrix, Vector]],
        activation: str = "relu",
        output_activation: str = "linear",
    ) -> MLP:
        """An MLP whose shape and numbers are ``[(W0, b0), (W1, b1), ...]``, e.g. the notes' XOR network."""
        arrays = [(np.asarray(w, dtype=float), b) for w, b in layers]
        if not arrays:
            raise ValueError("an MLP needs at least one layer")
        for i, (weight_matrix, _) in enumerate(arrays):
            if weight_matrix.ndim != 2:
                raise ValueError(
                    f"layer {i}: weight matrix must be 2-D (nout rows of nin numbers), got shape {weight_matrix.shape}"
                )
        for i in range(1, len(arrays)):
            if arrays[i][0].shape[1] != arrays[i - 1][0].shape[0]:
                raise ValueError(
                    f"layer {i} takes {arrays[i][0].shape[1]} inputs but layer {i - 1} has {arrays[i - 1][0].shape[0]} neurons"
                )
        nin = arrays[0][0].shape[1]
        model = cls(
            nin, [w.shape[0] for w, _ in arrays], activation, output_activation, init="zeros"
        )
        model.set_weights(arrays)
        return model

    def to_numpy(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(W, b), ...]`` per layer, W of shape (nout, nin): ready for numpy or ``torch.nn.Linear``."""
        arrays = ParameterArrays(self.parameters())
        if not arrays.stored():
            return [layer.to_numpy() for layer in self.layers]
        # In a compiled tape's arrays: one read, cut layer by layer (each neuron's w then b).
        numbers = arrays.data().astype(float)
        matrices = []
        start = 0
        for layer in self.layers:
            rows = numbers[start : start + layer.nout * (layer.nin + 1)].reshape(layer.nout, -1)
            matrices.append((rows[:, :-1].copy(), rows[:, -1].copy()))
            start += rows.size
        return matrices

    def __repr__(self) -> str:
        hidden = self.layers[0].activation if len(self.layers) > 1 else None
        inner = f"{self.nin}, {[layer.nout for layer in self.layers]}"
        if hidden is not None:
            inner += f", activation={hidden!r}"
        return f"{type(self).__name__}({inner}, output_activation={self.layers[-1].activation!r})"


# The computations of nn's own modules, which a subclass's ``forward`` replaces when it is called
# (``Module.__init_subclass__``).
_NN_CALLS = {Neuron.__call__, Layer.__call__, MLP.__call__}
