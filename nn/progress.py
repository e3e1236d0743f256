"""A small progress bar on stderr, shown only on a terminal or when asked."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``epoch 40/100 [########------------] 40% loss=0.1234  25.1 it/s``, redrawn in place.

    ``enabled=None`` shows it only when ``stream`` (stderr by default) is a terminal. Redraws
    at most every ``min_interval`` seconds, and always at the end.
    """

    def __init__(
        self,
        total: int,
        *,
        description: str = "",
        enabled: bool | None = None,
        stream: TextIO | None = None,
        width: int = 24,
        min_interval: float = 0.1,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.total = max(int(total), 0)
        self.description = description
        self.width = width
        self.min_interval = min_interval
        self.done = 0
        self.postfix = ""
        self._start = time.monotonic()
        self._last_draw = -float("inf")
        self._closed = False

    def update(self, n: int = 1, postfix: str = "") -> None:
        """Advance by ``n`` and set the text shown after the bar (e.g. the current loss)."""
        self.done = min(self.done + n, self.total)
        if postfix:
            self.postfix = postfix
        now = time.monotonic()
        if self.enabled and (now - self._last_draw >= self.min_interval or self.done == self.total):
            self._draw(now)

    def _draw(self, now: float) -> None:
        self._last_draw = now
        fraction = self.done / self.total if self.total else 1.0
        filled = round(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = now - self._start
        rate = f"{self.done / elapsed:.1f} it/s" if elapsed > 0 else ""
        label = f"{self.description} " if self.description else ""
        line = f"\r{label}{self.done}/{self.total} [{bar}] {fraction:4.0%} {self.postfix} {rate}"
        self.stream.write(line.rstrip() + "\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        """Finish the line (once) so later output starts on a fresh one."""
        if self.enabled and not self._closed:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
        self._closed = True

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
