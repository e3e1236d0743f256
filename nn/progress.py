"""Training progress with tqdm: a widget in Jupyter, the classic bar in a terminal, nothing in a pipe."""

from __future__ import annotations

import importlib.util
import sys
import warnings
from typing import Any, TextIO

# Shown only once a run has lasted this long (seconds), so quick runs print nothing.
DELAY = 1.0


def in_notebook() -> bool:
    """True inside a Jupyter kernel (notebook, JupyterLab, VS Code), where stderr is no terminal."""
    if "ipykernel" not in sys.modules:
        return False  # never import IPython just to ask
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def should_show(progress: bool | None, stream: TextIO) -> bool:
    """Whether a bar is shown: ``progress`` when given; by default only where someone watches.

    Someone watches a terminal (``stream.isatty()``) or a notebook; CI logs and pipes get nothing.
    """
    if progress is not None:
        return bool(progress)
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or in_notebook()


class ProgressBar:
    """``epoch: 40%|████      | 40/100 [00:02<00:03, loss=0.1234]``, drawn by ``tqdm.auto``.

    ``enabled``: True or False, or None for ``should_show`` (a terminal or a notebook); a bar
    that was not asked for explicitly appears only after ``DELAY`` seconds. Writes to ``stream``
    (stderr by default); in a notebook tqdm shows its widget when ipywidgets is installed,
    else the same text bar as one output line redrawn in place.
    """

    def __init__(
        self,
        total: int,
        *,
        description: str = "",
        enabled: bool | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = should_show(enabled, self.stream)
        self.total = max(int(total), 0)
        self._bar: Any = None
        if self.enabled:
            # In a notebook without ipywidgets, tqdm's text bar goes to one output line that is
            # replaced in place, not to stderr (where each redraw would stay as a line of its own).
            plain_notebook = stream is None and in_notebook() and not _has_widgets()
            self._bar = _tqdm()(
                total=self.total,
                desc=description or None,
                file=_NotebookLine() if plain_notebook else self.stream,
                delay=0.0 if enabled else DELAY,
                leave=True,
                dynamic_ncols=True,
            )

    def update(self, n: int = 1, postfix: str = "") -> None:
        """Advance by ``n`` and set the text shown after the bar (e.g. ``loss=0.1234``)."""
        if self._bar is not None:
            if postfix:
                self._bar.set_postfix_str(postfix, refresh=False)
            self._bar.update(n)

    def close(self) -> None:
        """Finish the bar (once), so later output starts on a fresh line."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _has_widgets() -> bool:
    return importlib.util.find_spec("ipywidgets") is not None


class _NotebookLine:
    """A file for tqdm's text bar in a notebook: every redraw replaces one text output in place."""

    encoding = "utf-8"  # so tqdm draws its block characters, not ASCII '#'

    def __init__(self) -> None:
        self._handle: Any = None

    def write(self, text: str) -> None:
        line = text.replace("\r", "").strip()
        if not line:
            return
        from IPython.display import Pretty, display

        if (
            self._handle is None
        ):  # created on the first redraw, so a delayed bar shows nothing before
            self._handle = display(Pretty(line), display_id=True)
        else:
            self._handle.update(Pretty(line))

    def flush(self) -> None:
        pass


def _tqdm() -> Any:
    """``tqdm.auto.tqdm``, imported when first needed: it picks notebook or terminal on import.

    Without ipywidgets tqdm falls back to its text bar with a warning; that fallback is the
    plan here, not news for the user.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm  # type: ignore[import-untyped]
    return tqdm
