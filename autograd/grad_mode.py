"""Whether new operations record the graph: on by default, off inside ``no_grad()``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

# Read by every op; a plain module global is the cheapest flag to check on the hot path.
enabled = True


def is_grad_enabled() -> bool:
    """True when operations record their inputs (the default)."""
    return enabled


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations compute values but record no graph (for updates and inference)."""
    global enabled
    previous = enabled
    enabled = False
    try:
        yield
    finally:
        enabled = previous
