"""Second derivatives and a gradient check, built on ``grad``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .backward import grad
from .value import Value


def hessian(f: Callable[..., Value], values: Sequence[Value]) -> list[list[float]]:
    """The matrix of second derivatives d2 f / dx_i dx_j at ``values``, as a list of rows.

    Calls ``f(*values)`` once, takes first derivatives as Values (``create_graph=True``),
    then differentiates each of them again.
    """
    values = list(values)
    output = f(*values)
    first = grad(output, values, create_graph=True)
    return [[float(d2) for d2 in grad(d1, values)] for d1 in first]


@dataclass(frozen=True)
class GradcheckReport:
    """How backward compares with central differences; ``ok`` is the verdict."""

    ok: bool
    analytic: list[float]
    numeric: list[float]
    worst_index: int
    worst_abs_error: float

    def __str__(self) -> str:
        i = self.worst_index
        verdict = "ok" if self.ok else "MISMATCH"
        if i < 0:
            return f"gradcheck {verdict}: no inputs"
        return (
            f"gradcheck {verdict}: worst at input {i}: backward {self.analytic[i]!r}, "
            f"central difference {self.numeric[i]!r}, |error| {self.worst_abs_error:.3g}"
        )


def gradcheck(
    f: Callable[..., Value],
    values: Sequence[Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradcheckReport:
    """Compare backward's gradient of ``f(*values)`` with central differences.

    Input i passes when |analytic - numeric| <= atol + rtol * |numeric|, where numeric is
    (f(x + eps) - f(x - eps)) / (2 eps). The report names the worst input.
    """
    values = list(values)
    analytic = [float(g) for g in grad(f(*values), values)]
    numeric = []
    for x in values:
        original = x.data
        x.data = original + eps
        above = float(f(*values).data)
        x.data = original - eps
        below = float(f(*values).data)
        x.data = original
        numeric.append((above - below) / (2.0 * eps))
    errors = [abs(a - n) for a, n in zip(analytic, numeric)]
    ok = all(e <= atol + rtol * abs(n) for e, n in zip(errors, numeric))
    worst = max(range(len(errors)), key=errors.__getitem__, default=-1)
    return GradcheckReport(ok, analytic, numeric, worst, errors[worst] if errors else 0.0)
