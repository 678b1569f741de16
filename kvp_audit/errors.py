"""Every user-facing error and problem report lives here.

A :class:`Problem` is one finding of validation (a file, a position, the key, what was
expected and what to do). A :class:`KvpAuditError` is raised when a command cannot go
on; the CLI prints its message and exits with its ``exit_code``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

# Exit codes, documented in the README.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports a process stopped by SIGINT


class ProblemSeverity(str, Enum):
    """How serious a problem is: an error stops the round being used; a warning does not."""

    error = "error"
    warning = "warning"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """The word in the current language."""
        from .i18n import _

        return _("feil") if self is ProblemSeverity.error else _("advarsel")


@dataclass(frozen=True, order=True)
class Problem:
    """One validation problem in a user's file, with where it is and what to do."""

    path: str
    line: int | None = None
    column: int | None = None
    key: str = ""
    message: str = ""
    hint: str = ""
    severity: ProblemSeverity = field(default=ProblemSeverity.error, compare=False)
    group: str = field(default="", compare=False)  # "completeness": what is not filled in yet (kvp_audit.completeness)

    def __post_init__(self):
        if not isinstance(self.severity, ProblemSeverity):
            object.__setattr__(self, "severity", ProblemSeverity(self.severity))

    def location(self) -> str:
        """Return ``file:line:column`` (or as much of it as is known)."""
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def format(self) -> str:
        """Format the problem as one or two lines for a terminal."""
        from .i18n import _

        text = f"{self.location()}: {self.severity.label}"
        if self.key:
            text += f": {self.key}"
        text += f": {self.message}"
        if self.hint:
            text += "\n    " + _("Gjør slik") + f": {self.hint}"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity is ProblemSeverity.error

    def as_dict(self) -> dict:
        """Return the problem as a plain dict (for --format json)."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "key": self.key,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }


class KvpAuditError(Exception):
    """Base class of every error the tool reports to a user."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class InputError(KvpAuditError):
    """A user's file or folder cannot be used (missing, malformed, invalid)."""


class UsageError(KvpAuditError):
    """The command was called wrongly (unknown office, bad option value)."""


class RoundErrors(InputError):
    """The round has validation errors, so nothing built from it is written (exit 1, like validate)."""

    exit_code = EXIT_FINDINGS


class PrivacyError(InputError):
    """Text that looks like a national identity number, refused before anything is written."""


class TemplateError(KvpAuditError):
    """A report template is broken or refers to a value that does not exist."""


def display_path(path: Path | str) -> str:
    """Show a path as the user gave it, or relative to the working directory when below it.

    Called for every file of a round, so it avoids resolving symlinks (a system call per
    path component).
    """
    import os

    text = os.fspath(path)
    if not os.path.isabs(text):
        return os.path.normpath(text)
    try:
        cwd = os.getcwd()
    except OSError:
        return text
    if text == cwd:
        return "."
    if text.startswith(cwd.rstrip(os.sep) + os.sep):
        return text[len(cwd.rstrip(os.sep)) + 1:]
    return text
