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
def _recording(on: bool) -> Iterator[None]:
    global enabled
    previous = enabled
    enabled = on
    try:
        yield
    finally:
        enabled = previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Inside this block operations compute values but record no graph (for updates and inference)."""
    return _recording(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Record the graph again, even inside ``no_grad`` (create_graph and tracing need it)."""
    return _recording(True)
