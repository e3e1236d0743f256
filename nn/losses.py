"""Loss functions for one sample, and L2 regularization.

Each loss takes one prediction (a Value, or a list of Values for several outputs) and its
target, and returns a Value to call ``backward()`` on. Training averages them over a batch
(``mean_loss``). The notes' forms:

* squared error  J = 1/2 sum_k (o_k - y_k)^2           (``squared_error(..., half=True)``)
* binary cross-entropy  -[y log p + (1 - y) log(1 - p)]  (from a logit z or a probability p)
* softmax cross-entropy  -sum_k y_k log softmax(z)_k     (one-hot/probabilities or a class index)
* hinge  max(0, 1 - y s) with y in {-1, +1}
* L2  lambda * sum of squared weights, biases left out (notes 000 and 004)

A NaN in a prediction or a target gives a NaN loss (as every op does) rather than an error, so
``train`` can stop naming the step where it entered; other targets outside a loss's domain
(2 for cross-entropy, 0 for hinge) raise ``ValueError``.

A target may also be a Value: that is how compiled training (``nn.compiled``) traces a loss
with its targets as inputs. Such targets are not checked (``train`` checks the numbers
first), and the cross-entropies then take a form without data-dependent branches, which a
trace can record once for every input: the same loss, but rounded to about one ulp of the
logits rather than of the loss, so a loss far below 1e-12 (a very confident, correct
prediction) loses its relative precision.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence

from autograd import Value, log_sum_exp
from autograd import sum as value_sum
from autograd.ops import Sigmoid

Prediction = Value | float | Sequence[Value | float]
# A number or a vector of numbers; Values where the objective is traced (nn.compiled).
Target = Value | float | Sequence[Value | float]
LossFunction = Callable[[Prediction, Target], Value]

# PyTorch's BCELoss clamps log(p) at -100 so that p = 0 gives a large finite loss, not -inf.
_LOG_FLOOR = -100.0


def _as_list(x: Prediction) -> list[Value | float]:
    # float and int spelled out for mypy, which does not count them as numbers.Real
    if isinstance(x, (Value, float, int, numbers.Real)):
        return [x]
    return list(x)


def _number(target: Value | float) -> Value | float:
    """A target as a float, or as itself when it is a Value (a traced target)."""
    return target if isinstance(target, Value) else float(target)


def _one_target(target: Target, what: str) -> Value | float:
    """A target that must be one number (or a traced Value); a one-element row of targets of
    shape (N, 1) counts as its number, as a one-element prediction does."""
    if isinstance(target, Sequence):
        if len(target) == 1:
            return _number(target[0])
        raise TypeError(
            f"{what}: the target must be one number, not {type(target).__name__} {target!r}"
        )
    return _number(target)


def _pairs(
    prediction: Prediction, target: Target, what: str
) -> list[tuple[Value | float, Value | float]]:
    predictions, targets = _as_list(prediction), _as_list(target)
    if len(predictions) != len(targets):
        raise ValueError(f"{what}: {len(predictions)} outputs but {len(targets)} targets")
    return list(zip(predictions, _named_targets([_number(t) for t in targets])))


def _named_targets(targets: list[Value | float]) -> list[Value | float]:
    """Number targets as leaves named y (one) or y0, y1, ... (several), so drawings name them."""
    if len(targets) == 1:
        t = targets[0]
        return [Value(t, label="y")] if t.__class__ is float else targets
    return [Value(t, label=f"y{k}") if t.__class__ is float else t for k, t in enumerate(targets)]


def squared_error(prediction: Prediction, target: Target, *, half: bool = False) -> Value:
    """sum_k (p_k - y_k)^2; with ``half=True`` the notes' 1/2 sum_k (p_k - y_k)^2, whose gradient is p - y."""
    total = value_sum([(p - t) ** 2 for p, t in _pairs(prediction, target, "squared_error")])
    return total * 0.5 if half else total


def mse_loss(prediction: Prediction, target: Target) -> Value:
    """Mean over the outputs of (p_k - y_k)^2 (for one output: (p - y)^2)."""
    pairs = _pairs(prediction, target, "mse_loss")
    if not pairs:
        raise ValueError("mse_loss of no outputs: the mean of nothing")
    return value_sum([(p - t) ** 2 for p, t in pairs]) * (1.0 / len(pairs))


def _binary_target(target: Target, what: str) -> float:
    if isinstance(target, Value):
        raise TypeError(
            f"{what}: the target must be a number, not a Value (this loss branches on the data, "
            "so it cannot be traced; binary_cross_entropy_with_logits can)"
        )
    t = float(_one_target(target, what))
    if t < 0.0 or t > 1.0:  # NaN passes, to give a NaN loss
        raise ValueError(f"{what}: target must lie in [0, 1], got {target!r}")
    return t


def _one(x: Prediction, what: str) -> Value | float:
    items = _as_list(x)
    if len(items) != 1:
        raise ValueError(f"{what} takes one output per sample, got {len(items)}")
    return items[0]


def binary_cross_entropy_with_logits(logit: Prediction, target: Target) -> Value:
    """-[y log s(z) + (1 - y) log(1 - s(z))] = softplus(z) - y z, without overflow or cancellation for any finite z."""
    z = _one(logit, "binary_cross_entropy_with_logits")
    z = z if isinstance(z, Value) else Value(z)
    if isinstance(target, Value):
        return z.softplus() - target * z  # traced: one form for every z (softplus never overflows)
    t = _binary_target(target, "binary_cross_entropy_with_logits")
    # y softplus(-z) + (1 - y) softplus(z): two terms >= 0, so nothing cancels for any z, and one
    # graph for every z (a branch on z's sign would be refused by autograd.trace's probe row).
    if t == 1.0:
        return (-z).softplus()
    if t == 0.0:
        return z.softplus()
    return t * (-z).softplus() + (1.0 - t) * z.softplus()


def _clamped_log(x: Value) -> Value:
    # Below e^-100 the log is replaced by the constant -100 (as PyTorch does); no gradient flows there.
    if math.isnan(x.data):
        return x  # NaN stays NaN (the engine's log refuses it, and the clamp would hide it)
    return x.log() if x.data > math.exp(_LOG_FLOOR) else Value(_LOG_FLOOR)


def binary_cross_entropy(probability: Prediction, target: Target) -> Value:
    """-[y log p + (1 - y) log(1 - p)] for a probability p in [0, 1].

    When p was made by a sigmoid, the loss is computed from that sigmoid's logit instead
    (exact and stable even where p rounds to 0 or 1); otherwise log is clamped at -100.
    """
    p = _one(probability, "binary_cross_entropy")
    t = _binary_target(target, "binary_cross_entropy")
    if isinstance(p, Value) and isinstance(p.op, Sigmoid):
        return binary_cross_entropy_with_logits(p.parents[0], t)
    p = p if isinstance(p, Value) else Value(p)
    if p.data < 0.0 or p.data > 1.0:  # NaN passes, to give a NaN loss
        raise ValueError(
            f"binary_cross_entropy: probability must lie in [0, 1], got {p.data!r} (a linear "
            "output is a logit: use bce_with_logits, or a sigmoid output activation)"
        )
    terms = []
    if t:
        terms.append(t * _clamped_log(p))
    if t != 1.0:
        terms.append((1.0 - t) * _clamped_log(1.0 - p))
    return -value_sum(terms)


def _shifted_logits(logits: Prediction) -> list[Value]:
    """z_k - max(z): same softmax, but exp never overflows (the max is a constant, so gradients are unchanged)."""
    zs = [z if isinstance(z, Value) else Value(z) for z in _as_list(logits)]
    if not zs:
        raise ValueError("softmax of no logits")
    top = max(z.data for z in zs)
    return [z - top for z in zs]


def _log_sum_exp(shifted: list[Value]) -> Value:
    """log sum_k exp(s_k) of max-shifted logits; NaN (a NaN or infinite logit) passes through, as NaN."""
    total = value_sum([z.exp() for z in shifted])
    return total if math.isnan(total.data) else total.log()


def softmax(logits: Prediction) -> list[Value]:
    """exp(z_k) / sum_j exp(z_j), computed with the max subtracted."""
    exps = [z.exp() for z in _shifted_logits(logits)]
    total = value_sum(exps)
    return [e / total for e in exps]


def log_softmax(logits: Prediction) -> list[Value]:
    """log softmax(z)_k = (z_k - m) - log sum_j exp(z_j - m), with m = max(z)."""
    shifted = _shifted_logits(logits)
    log_total = _log_sum_exp(shifted)
    return [z - log_total for z in shifted]


def softmax_cross_entropy(logits: Prediction, target: Target) -> Value:
    """-sum_k y_k log softmax(z)_k; ``target`` is a class index or a one-hot (or probability) vector."""
    if not isinstance(target, (Value, Sequence)) and getattr(target, "ndim", None) == 0:
        target = target.item()  # type: ignore[attr-defined]  # a 0-d numpy array or tensor: its number
    if isinstance(target, Sequence) and any(isinstance(t, Value) for t in target):
        zs = _as_list(logits)
        if len(zs) != len(target):
            raise ValueError(
                f"softmax_cross_entropy: {len(zs)} logits but a target of length {len(target)}"
            )
        # sum_k t_k (lse - z_k), arranged so that a compiled tape runs it as a few kernels:
        # log_sum_exp is a tree of logaddexp (no maximum taken from the data), and the products
        # t_k z_k are one elementwise step where the differences lse - z_k would be k steps.
        return log_sum_exp(zs) * value_sum(target) - value_sum([t * z for t, z in zip(target, zs)])
    shifted = _shifted_logits(logits)
    log_total = _log_sum_exp(shifted)
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        target = int(target)
        if not 0 <= target < len(shifted):
            raise ValueError(
                f"softmax_cross_entropy: class index {target} outside 0..{len(shifted) - 1}"
            )
        return log_total - shifted[target]
    if isinstance(target, (numbers.Real, str)) or not isinstance(target, Iterable):
        raise TypeError(
            f"softmax_cross_entropy: target must be a class index (int) or a one-hot/probability vector, "
            f"not {type(target).__name__} {target!r}"
            + (
                " (a Value cannot pick a logit; under autograd.trace, pass the target one-hot)"
                if isinstance(target, Value)
                else " (a whole number as a float, as numpy and pandas keep labels: y.astype(int))"
                if isinstance(target, numbers.Real)
                and not isinstance(target, numbers.Integral)
                and float(target).is_integer()
                else ""
            )
        )
    weights = [float(t) for t in target]
    if len(weights) != len(shifted):
        raise ValueError(
            f"softmax_cross_entropy: {len(shifted)} logits but a target of length {len(weights)}"
            + (
                " (a class index inside a list, from targets of shape (N, 1)? give the index "
                "itself: flatten the targets to shape (N,))"
                if len(weights) == 1
                else ""
            )
        )
    if any(math.isnan(t) for t in weights):  # NaN, for train to report
        return value_sum([t * (log_total - z) for t, z in zip(weights, shifted)])
    if any(not 0.0 <= t <= 1.0 for t in weights) or not math.isclose(
        math.fsum(weights), 1.0, abs_tol=1e-9
    ):
        raise ValueError(
            f"softmax_cross_entropy: target {weights} is not one-hot or a probability vector"
        )
    return value_sum([t * (log_total - z) for t, z in zip(weights, shifted) if t])


def hinge_loss(score: Prediction, target: Target) -> Value:
    """max(0, 1 - y s) for a score s and a label y in {-1, +1} (the micrograd moons demo loss)."""
    s = _one(score, "hinge_loss")
    y = _one_target(target, "hinge_loss")
    if (
        not isinstance(y, Value) and y not in (-1.0, 1.0) and not math.isnan(y)
    ):  # NaN passes, to give a NaN loss
        raise ValueError(f"hinge_loss: label must be -1 or +1, got {target!r}")
    s = s if isinstance(s, Value) else Value(s)
    return (1.0 - y * s).relu()


def l2_penalty(weights: Sequence[Value], strength: float) -> Value:
    """strength * sum_i w_i^2; pass ``model.weights()`` so biases stay unregularized. Gradient: 2 strength w."""
    if (
        isinstance(strength, bool)
        or not isinstance(strength, numbers.Real)
        or not strength >= 0.0
        or math.isinf(strength)
    ):
        raise ValueError(f"L2 strength must be a finite number >= 0, not {strength!r}")
    return strength * value_sum([w * w for w in weights])


def mean_loss(
    loss: LossFunction, predictions: Sequence[Prediction], targets: Sequence[Target]
) -> Value:
    """(1/m) sum_i loss(prediction_i, target_i) over a batch of m samples."""
    if len(predictions) != len(targets):
        raise ValueError(f"mean_loss: {len(predictions)} predictions but {len(targets)} targets")
    if not predictions:
        raise ValueError("mean_loss of an empty batch")
    return value_sum([loss(p, t) for p, t in zip(predictions, targets)]) * (1.0 / len(predictions))


LOSSES: dict[str, LossFunction] = {
    "squared_error": squared_error,
    "half_squared_error": lambda p, t: squared_error(p, t, half=True),
    "mse": mse_loss,
    "bce_with_logits": binary_cross_entropy_with_logits,
    "bce": binary_cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
    "hinge": hinge_loss,
}
"""The per-sample losses ``train`` and ``get_loss`` know, by name."""


def get_loss(name: str) -> LossFunction:
    """A per-sample loss by name: one of ``LOSSES``."""
    if not isinstance(name, str):
        raise TypeError(f"loss must be a name (str) or a function, not {type(name).__name__}")
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}") from None
