"""Progress for the long runs (reports, demo, export): a rich bar on stderr with what is being
built, n of N and the time so far, shown only on a terminal. In a pipe, a file or CI nothing
is drawn, so logs and captured output stay plain text."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import IO, Iterator

# Set by most CI services (GitHub Actions, GitLab CI, Travis, CircleCI, ...): no live display there.
CI_VARIABLES = ("CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "GITHUB_ACTIONS", "GITLAB_CI")


def wanted(stream: IO | None = None) -> bool:
    """Whether a live progress bar belongs on ``stream`` (stderr by default): a terminal, not
    a dumb one, and not in CI."""
    stream = sys.stderr if stream is None else stream
    if any(os.environ.get(name, "").strip().lower() not in ("", "0", "false") for name in CI_VARIABLES):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class Task:
    """One bar of a display: ``advance`` after each item, naming the item just done."""

    def __init__(self, display: Progress, task_id, label: str):
        self.display = display
        self.task_id = task_id
        self.label = label

    def start(self, total: int, what: str = "") -> None:
        """The number of items is known now."""
        self.display.bar.update(self.task_id, total=total, completed=0, what=what)

    def advance(self, what: str = "") -> None:
        """One more item is done; ``what`` names it (a file, an office, a table)."""
        self.display.bar.update(self.task_id, advance=1, what=what)

    def doing(self, what: str) -> None:
        """Say what is being done now, before the next item is done."""
        self.display.bar.update(self.task_id, what=what)


class _NoTask:
    """What ``task`` gives when nothing is drawn: every call does nothing."""

    def start(self, total: int, what: str = "") -> None:
        """Nothing is drawn."""

    def advance(self, what: str = "") -> None:
        """Nothing is drawn."""

    def doing(self, what: str) -> None:
        """Nothing is drawn."""


class Progress:
    """A live display with one bar per task, on stderr; drawn only where :func:`wanted` says
    so, unless a ``console`` is given (tests give one that is forced to be a terminal).

    Use it as a context manager; the display is removed when it ends, so the summary printed
    after it stands alone.
    """

    def __init__(self, console=None, enabled: bool | None = None):
        self.enabled = (console is not None or wanted()) if enabled is None else enabled
        self.console = console
        self.bar = None

    def __enter__(self) -> Progress:
        if not self.enabled:
            return self
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

        console = self.console or Console(stderr=True)
        self.bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TextColumn("{task.fields[what]}"),
                                console=console, transient=True)
        self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def task(self, label: str, total: int | None = None, what: str = "") -> Task | _NoTask:
        """A new bar named ``label``, doing ``what``; ``total`` None until the number of items
        is known (the bar then only shows that it is working)."""
        if self.bar is None:
            return _NoTask()
        return Task(self, self.bar.add_task(label, total=total, what=what), label)


@contextmanager
def shown(progress: bool | Progress) -> Iterator[Progress]:
    """The display to draw on: the caller's own (already shown, e.g. one for all of ``demo``'s
    rounds), else a new one for this run, drawn for ``True`` only on a terminal, never for ``False``."""
    if isinstance(progress, Progress):
        yield progress
        return
    with Progress(enabled=None if progress else False) as own:
        yield own
