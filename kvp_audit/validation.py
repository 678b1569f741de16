"""Turning pydantic's errors into problems a reviewer can act on, in their language."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem
from .i18n import _
from .valuetypes import type_name
from .yamlio import Locator

def _input_kind(value: Any) -> str:
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, (int, float)):
        return _("et tall")
    if isinstance(value, str):
        return _("tekst")
    if isinstance(value, list):
        return _("en liste")
    if isinstance(value, dict):
        return _("en mapping")
    if value is None:
        return _("ingen verdi")
    return type(value).__name__


def _unwrap(annotation: Any) -> list[Any]:
    """Return the model or container types an annotation can hold."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    return [annotation]


def fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names allowed at ``loc`` inside ``model`` (for 'did you mean')."""
    current: list[Any] = [model]
    for part in loc:
        nxt: list[Any] = []
        for ann in current:
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                field = ann.model_fields.get(str(part))
                if field is not None:
                    nxt.extend(_unwrap(field.annotation))
            else:
                origin = typing.get_origin(ann)
                if origin in (list, dict):
                    args = typing.get_args(ann)
                    if args:
                        nxt.extend(_unwrap(args[-1]))
        current = nxt
    names: list[str] = []
    for ann in current:
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            names.extend(ann.model_fields)
    return names


def suggest(name: str, choices: list[str] | set[str]) -> str | None:
    """The closest of ``choices`` to a misspelt ``name``, if any is close."""
    close = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def check_office(rnd, office: str | None) -> None:
    """Raise a usage error when ``office`` is given and is not in the round, suggesting the near id."""
    from .errors import UsageError

    if office is None or rnd.office(office) is not None:
        return
    ids = [o.id for o in rnd.offices]
    near = suggest(office, ids)
    raise UsageError(_("kontoret '{office}' er ikke med i runden").format(office=office)
                     + ("; " + _("mente du '{near}'?").format(near=near) if near else
                        "; " + _("kontorene er: {ids}").format(ids=", ".join(ids))))


def check_initials(values) -> None:
    """Raise a usage error for a reviewer that is not 2-4 capital letters (initials, never a name)."""
    import re

    from .errors import UsageError
    from .models import INITIALS_PATTERN

    for v in values:
        if not re.match(INITIALS_PATTERN, v):
            raise UsageError(_("'{v}' er ikke initialer: bruk 2-4 store bokstaver, for eksempel 'KB', aldri navn").format(v=v))


def key_path(loc: tuple[Any, ...]) -> str:
    """Show a pydantic location as a YAML key path: ``themes[2].criteria[0].id``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the union member and validator names pydantic adds to some locations."""
    out: list[Any] = []
    for part in loc:
        if isinstance(part, str) and part.startswith("function-"):
            continue
        # The only union field is Answer.answer: its members show up as 'bool', 'int', ...
        if out and out[-1] == "answer" and isinstance(part, str) and (
                part in ("bool", "int", "float", "date", "str") or part.startswith("constrained-")):
            continue
        out.append(part)
    return tuple(out)


def pydantic_problems(
    exc: ValidationError, model: type[BaseModel], shown: str, locator: Locator
) -> list[Problem]:
    """Convert a pydantic ValidationError into located, translated problems."""
    problems: list[Problem] = []
    seen: set[tuple] = set()
    for err in exc.errors(include_url=False):
        loc = _clean_loc(tuple(err["loc"]))
        kind = err["type"]
        # A value that fails every member of a union gives one error per member: keep one.
        if any(s[0] == loc for s in seen):
            continue
        seen.add((loc, kind))
        value = err.get("input")
        ctx = err.get("ctx") or {}
        field = str(loc[-1]) if loc else ""
        at_key = False
        hint = ""
        if kind == "missing":
            message = _("mangler feltet '{field}'").format(field=field)
            hint = _("legg til '{field}:' med en verdi").format(field=field)
            line, column = locator.locate(loc[:-1], at_key=True)
        else:
            if kind == "extra_forbidden":
                at_key = True
                message = _("ukjent felt '{field}'").format(field=field)
                allowed = fields_at(model, loc[:-1])
                near = suggest(field, allowed)
                if near:
                    hint = _("mente du '{near}'?").format(near=near)
                elif allowed:
                    hint = _("fjern feltet; gyldige felt her er: {fields}").format(fields=", ".join(allowed))
            elif kind in ("literal_error", "enum"):
                expected = ctx.get("expected", "")
                message = _("'{value}' er ikke en gyldig verdi").format(value=value)
                hint = _("bruk en av: {expected}").format(expected=expected.replace("'", ""))
            elif kind == "string_pattern_mismatch":
                message = _("'{value}' har feil form").format(value=value)
                hint = _pattern_hint(field)
            elif kind in ("too_short",) and isinstance(value, (list, dict)):
                message = _("'{field}' kan ikke være tom").format(field=field)
                hint = _("legg til minst én verdi")
            elif loc and loc[-1] == "answer" and kind.endswith("_type"):
                message = _("forventet ett svar (for eksempel ja, et tall eller en dato), fikk {got}").format(got=_input_kind(value))
                hint = _("skriv svaret rett etter 'answer:', uten klammer")
            elif kind.startswith("date") and isinstance(value, str):
                message = _("'{value}' er ikke en dato som finnes").format(value=value)
                hint = _("skriv datoen som ÅÅÅÅ-MM-DD, for eksempel 2026-03-12")
            elif kind.endswith("_type") or kind.endswith("_parsing") or kind in ("model_attributes_type",):
                head = kind.split("_")[0]
                if kind.startswith("model") or kind.startswith("dict"):
                    head = "dict"
                expected = type_name(head) or head
                message = _("forventet {expected}, fikk {got}").format(expected=expected, got=_input_kind(value))
                hint = _("rett verdien til {expected}").format(expected=expected)
            elif kind == "finite_number":
                message = _("'{value}' er ikke et tall som kan regnes med").format(value=value)
                hint = _("skriv et vanlig tall, for eksempel 12")
            elif kind == "value_error":
                message = str(ctx.get("error", err["msg"]))
            elif kind in ("greater_than", "greater_than_equal", "less_than_equal", "less_than"):
                limit = next(iter(ctx.values()), "")
                sign = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[kind]
                message = _("verdien {value} må være {sign} {limit}").format(value=value, sign=sign, limit=limit)
            else:
                message = err["msg"]
            line, column = locator.locate(loc, at_key=at_key)
        problems.append(Problem(shown, line, column, key=key_path(loc), message=message, hint=hint))
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def _pattern_hint(field: str) -> str:
    if field == "case":
        return _("bruk en nøkkel fra 'kvp-audit new case', for eksempel K-7QX2M4")
    if field in ("id", "office"):
        return _("bruk små bokstaver, tall og bindestrek, for eksempel 'nav-fjellby'")
    if field == "version":
        return _("skriv versjonen som tall og punktum, for eksempel 2026.1")
    return _("sjekk formen på verdien")
