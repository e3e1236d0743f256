"""Second derivatives and a gradient check, built on ``grad``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .backward import grad
from .grad_mode import enable_grad
from .value import Value


def hessian(f: Callable[..., Value], values: Sequence[Value | float]) -> list[list[float]]:
    """The matrix of second derivatives d2 f / dx_i dx_j at ``values`` (Values or plain
    numbers), as a list of rows.

    Calls ``f(*values)`` once, takes first derivatives as Values (``create_graph=True``),
    then differentiates each of them again.
    """
    values = _points("hessian", values)
    with enable_grad():  # both levels of graph are needed, even inside no_grad
        output = f(*values)
        first = grad(output, values, create_graph=True)
    return [[float(d2) for d2 in grad(d1, values)] for d1 in first]


def _points(caller: str, values: Sequence[Value | float]) -> list[Value]:
    """The point to differentiate at as Values: a plain real number becomes a new leaf."""
    points = []
    for i, x in enumerate(values):
        if not isinstance(x, Value):
            if isinstance(x, bool) or not isinstance(x, numbers.Real):
                raise TypeError(
                    f"{caller}: values[{i}] is {type(x).__name__}, not a Value or a number"
                )
            x = Value(float(x))
        points.append(x)
    return points


@dataclass(frozen=True)
class GradcheckReport:
    """How backward compares with central differences; ``ok`` is the verdict."""

    ok: bool
    analytic: list[float]
    numeric: list[float]
    worst_index: int
    worst_abs_error: float
    # Per input, (right slope, left slope) where the two one-sided differences disagree beyond
    # the tolerance: f has a kink there (relu at 0, abs at 0), and backward gives the value
    # documented for that point, not the average that the central difference makes.
    kinks: dict[int, tuple[float, float]] = field(default_factory=dict)
    # Per input that is no kink at the point, the central difference at a tenth of the step
    # where that one agrees with backward: f bends sharply (a kink, or strong curvature)
    # within eps of the point, and eps is too large to check it there.
    closer: dict[int, float] = field(default_factory=dict)
    # Per input, (f(x + eps) - f(x), f(x) - f(x - eps)) where f jumps at the point: the change
    # across it stays as the step shrinks (sign at 0, x % 1 at 1), so no derivative exists.
    jumps: dict[int, tuple[float, float]] = field(default_factory=dict)

    def __str__(self) -> str:
        i = self.worst_index
        verdict = "ok" if self.ok else "MISMATCH"
        if i < 0:
            return f"gradcheck {verdict}: no inputs"
        text = (
            f"gradcheck {verdict}: worst at input {i}: backward {self.analytic[i]!r}, "
            f"central difference {self.numeric[i]!r}, |error| {self.worst_abs_error:.3g}"
        )
        if i in self.jumps:
            right, left = self.jumps[i]
            text += (
                f"; f jumps there: f(x + eps) - f(x) = {right!r}, f(x) - f(x - eps) = {left!r}, "
                "and the larger stays as the step shrinks: a discontinuity (or a rise too steep "
                "for eps to see), where no derivative exists and backward gives the value the op "
                "defines at that point (docs/ops.md)"
            )
        elif i in self.kinks:
            right, left = self.kinks[i]
            text += (
                f"; f has a kink there (slope {right!r} to the right, {left!r} to the left), "
                "where backward gives the derivative the op defines at that point "
                "(docs/ops.md), not the average of the two"
            )
        elif i in self.closer:
            text += (
                f"; at a tenth of the step the central difference is {self.closer[i]!r}, which "
                "agrees: f bends sharply within eps of this point (a kink nearby, or strong "
                "curvature), so check it with a smaller eps"
            )
        return text


# The errors gradcheck rewrites with where it stepped (the engine's domain errors are these);
# any other class is raised as it is.
_PLAIN_ERRORS = (ValueError, ArithmeticError, ZeroDivisionError, OverflowError, FloatingPointError)


def _moved(
    f: Callable[..., Value], values: list[Value], index: int, step: float
) -> tuple[float, float]:
    """f with input ``index`` moved up by ``step`` and down by ``step``; its data is restored even
    if f raises. An error there (a domain's edge within ``step``) says where gradcheck stepped."""
    x = values[index]
    original = x.data
    try:
        results = []
        for moved in (original + step, original - step):
            x.data = moved
            try:
                results.append(float(f(*values).data))
            except (ValueError, ArithmeticError) as error:
                where = (
                    f"gradcheck: f failed at input {index} = {moved!r}, a step of {step:g} from "
                    f"{original!r} (central differences step both ways; near the edge of f's "
                    "domain pass a smaller eps)"
                )
                if type(error) in _PLAIN_ERRORS:
                    raise type(error)(f"{where}: {error}") from error
                if hasattr(error, "add_note"):  # Python 3.11 on: shown below its own message
                    error.add_note(where)
                raise  # its own class may store or format its arguments: raised as it is
    finally:
        x.data = original
    return results[0], results[1]


def gradcheck(
    f: Callable[..., Value],
    values: Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradcheckReport:
    """Compare backward's gradient of ``f(*values)`` with central differences (``values``:
    Values or plain numbers).

    Input i passes when |analytic - numeric| <= atol + rtol * |numeric|, where numeric is
    (f(x + eps) - f(x - eps)) / (2 eps). The report names the worst input: the one
    furthest outside (or least inside) its own tolerance, a NaN error being the worst.
    The inputs' data is restored even when ``f`` raises at a moved point.
    """
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"gradcheck: eps must be a finite number > 0, not {eps!r}")
    for name, tolerance in (("atol", atol), ("rtol", rtol)):
        if not (math.isfinite(tolerance) and tolerance >= 0):
            raise ValueError(f"gradcheck: {name} must be a finite number >= 0, not {tolerance!r}")
    values = _points("gradcheck", values)
    with enable_grad():  # backward needs f's graph, even inside no_grad
        out = f(*values)
        if not isinstance(out, Value):
            raise TypeError(
                f"gradcheck: f must return a Value computed from its inputs, not {type(out).__name__}"
            )
        analytic = [float(g) for g in grad(out, values)]
    numeric = []
    changes = []  # per input, f(x + eps) - f(x) and f(x) - f(x - eps)
    for index in range(len(values)):
        above, below = _moved(f, values, index, eps)
        numeric.append((above - below) / (2.0 * eps))
        changes.append((above - out.data, out.data - below))
    errors = [abs(a - n) for a, n in zip(analytic, numeric)]
    tolerances = [atol + rtol * abs(n) for n in numeric]
    ok = all(e <= t for e, t in zip(errors, tolerances))
    kinks: dict[int, tuple[float, float]] = {}
    closer: dict[int, float] = {}
    jumps: dict[int, tuple[float, float]] = {}
    for i, (change_right, change_left) in enumerate(changes):
        right, left = change_right / eps, change_left / eps  # the one-sided slopes
        if errors[i] > tolerances[i]:
            # A tenth of the step tells them apart. Across a jump f's change stays; at a kink
            # the one-sided slopes' gap stays; where f is smooth but strongly curved (gap about
            # f'' * eps), or kinks within eps, the gap shrinks.
            step = eps / 10.0
            above, below = _moved(f, values, i, step)
            near_right, near_left = (above - out.data) / step, (out.data - below) / step
            change = max(abs(change_right), abs(change_left))
            if change > 0.0 and max(abs(near_right), abs(near_left)) * step > change / 2.0:
                jumps[i] = (change_right, change_left)
            elif abs(right - left) <= tolerances[i]:
                continue
            elif abs(near_right - near_left) > abs(right - left) / 2.0:
                kinks[i] = (right, left)
            elif abs(analytic[i] - (central := (above - below) / (2.0 * step))) <= tolerances[i]:
                closer[i] = central

    def badness(i: int) -> tuple[float, float]:
        # the error in units of its tolerance, then the error itself; NaN is the worst
        if math.isnan(errors[i]):
            return (math.inf, math.inf)
        if tolerances[i] > 0:
            ratio = errors[i] / tolerances[i]
        else:
            ratio = math.inf if errors[i] > 0 else 0.0
        return (ratio, errors[i])

    worst = max(range(len(errors)), key=badness, default=-1)
    return GradcheckReport(
        ok, analytic, numeric, worst, errors[worst] if errors else 0.0, kinks, closer, jumps
    )
