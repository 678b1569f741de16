"""One converter and one check per fact type and answer type, shared by loading and the web form.

Each type is an object (as MkDocs keeps ``run_validation`` with its option type):
:meth:`ValueType.from_text` turns what a reviewer typed into the form into the value
written to YAML, and :meth:`ValueType.problem` says what is wrong with a parsed value
(a message and what to do), or None. :func:`fact_type` and :func:`answer_type` give the
object for a checklist's fact or criterion; nothing else decides what a type accepts.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Sequence

from .i18n import _
from .models import AnswerType, FactType

_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
# Audit figures are counts and days: anything beyond this is a typing slip (or 10^400).
LARGEST_NUMBER = 10 ** 15


class ValueType:
    """A fact or answer type: how form text becomes a value, and which values it accepts."""

    def from_text(self, text: str) -> Any:
        """The value a form's text stands for (None when empty; text the type cannot read stays text)."""
        return None if text == "" else text

    def problem(self, value: Any, options: Sequence[str] = ()) -> tuple[str, str] | None:
        """What is wrong with a parsed value, as (message, what to do); None when it is accepted."""
        return None

    def expected(self, options: Sequence[str] = ()) -> str:
        """What the type accepts, in words (for a fact's message)."""
        raise NotImplementedError

    def of_kind(self, value: Any) -> bool:
        """Whether the value is of this type's kind, though refused (a number too large, say)."""
        return False


class Bool(ValueType):
    def from_text(self, text: str) -> Any:
        if text == "":
            return None
        return {"true": True, "false": False}.get(text, text)

    def problem(self, value, options=()):
        if isinstance(value, bool):
            return None
        return _("'{value}' er ikke true eller false").format(value=value), _("skriv true eller false")

    def expected(self, options=()):
        return _("true eller false")


class Number(ValueType):
    """A number; ``minimum`` 0 for answers (counts), none for facts."""

    def __init__(self, minimum: float | None = None):
        self.minimum = minimum

    def from_text(self, text: str) -> Any:
        if text == "":
            return None
        t = text.strip()
        if not _NUMBER.match(t):
            return text  # left as text: the check says it is not a number
        t = t.replace(",", ".")
        return int(t) if "." not in t else float(t)

    def problem(self, value, options=()):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _("'{value}' er ikke et tall").format(value=value), _("skriv et tall, for eksempel 12")
        if isinstance(value, float) and not math.isfinite(value):
            return (_("'{value}' er ikke et tall som kan regnes med").format(value=value),
                    _("skriv et vanlig tall, for eksempel 12"))
        if abs(value) > LARGEST_NUMBER:
            return (_("tallet er for stort (mer enn {limit})").format(limit=LARGEST_NUMBER),
                    _("sjekk tallet; skriv et vanlig tall, for eksempel 12"))
        if self.minimum is not None and value < self.minimum:
            return _("'{value}' kan ikke være negativt").format(value=value), _("skriv 0 eller mer")
        return None

    def expected(self, options=()):
        return _("et tall")

    def of_kind(self, value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)


class Date(ValueType):
    def from_text(self, text: str) -> Any:
        if text == "":
            return None
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            return text

    def problem(self, value, options=()):
        if isinstance(value, dt.date):
            return None
        return _("'{value}' er ikke en dato").format(value=value), _("skriv datoen som ÅÅÅÅ-MM-DD")

    def expected(self, options=()):
        return _("en dato (ÅÅÅÅ-MM-DD)")


class Choice(ValueType):
    def problem(self, value, options=()):
        if value in options:
            return None
        return (_("'{value}' er ikke et gyldig valg").format(value=value),
                _("velg en av: {options}").format(options=", ".join(options)))

    def expected(self, options=()):
        return _("en av: {options}").format(options=", ".join(options))


class Text(ValueType):
    def problem(self, value, options=()):
        if isinstance(value, str):
            return None
        return _("forventet tekst, fikk '{value}'").format(value=value), _("sett teksten i anførselstegn")

    def expected(self, options=()):
        return _("tekst")


class Scale(ValueType):
    """An answer on the checklist's scale; ``options`` are the scale's values."""

    def problem(self, value, options=()):
        if not isinstance(value, bool) and str(value) in options:
            return None
        return (_("'{value}' er ikke et gyldig svar").format(value=value),
                _("svar med en av: {values}").format(values=", ".join(options)))

    def expected(self, options=()):
        return _("en av: {options}").format(options=", ".join(options))


FACT_TYPES: dict[FactType, ValueType] = {
    FactType.bool: Bool(),
    FactType.date: Date(),
    FactType.number: Number(),
    FactType.choice: Choice(),
    FactType.text: Text(),
}
ANSWER_TYPES: dict[AnswerType, ValueType] = {
    AnswerType.scale: Scale(),
    AnswerType.number: Number(minimum=0),
    AnswerType.date: FACT_TYPES[FactType.date],
    AnswerType.choice: FACT_TYPES[FactType.choice],
    AnswerType.text: FACT_TYPES[FactType.text],
}


def fact_type(spec) -> ValueType:
    """The type object of a checklist fact."""
    return FACT_TYPES[spec.type]


def answer_type(crit) -> ValueType:
    """The type object of a criterion's answer."""
    return ANSWER_TYPES[crit.answer]


def type_name(kind: str) -> str | None:
    """What a schema type accepts, in words, for pydantic's kinds of value (string, float, ...)."""
    names = {"string": FACT_TYPES[FactType.text], "float": FACT_TYPES[FactType.number],
             "bool": FACT_TYPES[FactType.bool], "date": FACT_TYPES[FactType.date]}
    if kind in names:
        return names[kind].expected()
    return {"int": _("et heltall"), "dict": _("nøkler og verdier (en mapping)"), "list": _("en liste"),
            "model": _("nøkler og verdier (en mapping)")}.get(kind)
