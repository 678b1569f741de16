"""The rules a checklist must follow, and pydantic's errors as problems a reviewer can act on.

:func:`check_checklist` validates a parsed checklist (schema, unique ids, conditions,
advice); :func:`pydantic_problems` turns pydantic's errors into located, translated problems.
"""

from __future__ import annotations

import re

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import conditions
from .errors import Problem, display_path
from .i18n import _
from .models import Checklist
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


def models_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[type[BaseModel]]:
    """The models that can stand at ``loc`` inside ``model``."""
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
    return [ann for ann in current if isinstance(ann, type) and issubclass(ann, BaseModel)]


def _synonyms() -> dict[type[BaseModel], dict[str, str]]:
    """Per model, the Norwegian words a user is likely to type for its English field names."""
    from .models import FindingFollowup, PlanFile, PlanItem

    return {
        PlanItem: {"tiltak": "measure", "ansvarlig": "responsible", "ansvar": "responsible", "frist": "due",
                   "dokumentasjon": "evidence", "sjekket": "checked", "dato": "checked", "kontrollert": "checked"},
        PlanFile: {"mottatt": "received", "dato": "received", "punkter": "items", "tiltak": "items",
                   "funn": "items"},
        FindingFollowup: {"dokumentasjon": "evidence", "dato": "date", "gjort": "action"},
    }


def _elsewhere() -> dict[type[BaseModel], dict[str, tuple[str, str]]]:
    """Per model, fields that belong in another file: (the file, the field's name there)."""
    from .models import FindingFollowup

    plan = {"ansvarlig": "responsible", "responsible": "responsible", "frist": "due", "due": "due",
            "tiltak": "measure", "measure": "measure"}
    return {FindingFollowup: {word: ("plan.yaml", target) for word, target in plan.items()}}


def unknown_field_hint(model: type[BaseModel], loc: tuple[Any, ...], field: str) -> str:
    """What to do about an unknown field at ``loc``: the field it belongs in, here or in another file."""
    here = models_at(model, loc)
    for m in here:
        if field.lower() in _elsewhere().get(m, {}):
            file, target = _elsewhere()[m][field.lower()]
            return _("'{field}' hører hjemme i kontorets plan for retting: skriv det som '{target}' under "
                     "funn-id-en i {file} i kontormappen").format(field=field, target=target, file=file)
    for m in here:
        target = _synonyms().get(m, {}).get(field.lower())
        if target is not None:
            return _("mente du '{near}'?").format(near=target)
    allowed = [name for m in here for name in m.model_fields]
    near = suggest(field, allowed)
    if near:
        return _("mente du '{near}'?").format(near=near)
    if allowed:
        return _("fjern feltet; gyldige felt her er: {fields}").format(fields=", ".join(allowed))
    return ""


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


clean_loc = _clean_loc  # for load's second look at a file pydantic refused


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
                hint = unknown_field_hint(model, loc[:-1], field)
            elif kind in ("literal_error", "enum"):
                expected = ctx.get("expected", "")
                message = _("'{value}' er ikke en gyldig verdi").format(value=value)
                hint = _("bruk en av: {expected}").format(expected=expected.replace("'", "").replace(" or ", ", "))
            elif kind == "string_pattern_mismatch":
                message = _("'{value}' har feil form").format(value=value)
                hint = _pattern_hint(field)
            elif kind in ("too_short",) and isinstance(value, (list, dict)):
                message = _("'{field}' kan ikke være tom").format(field=field)
                hint = _("legg til minst én verdi")
            elif kind == "string_too_short":
                message = _("'{field}' kan ikke være tom").format(field=field)
                hint = _("skriv en verdi")
            elif kind == "string_too_long":
                message = _("'{field}' er for lang: {n} tegn, høyst {limit}").format(
                    field=field, n=len(str(value)), limit=ctx.get("max_length", ""))
                hint = _("skriv en kortere tekst")
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


# --------------------------------------------------------------------------- checklists


@dataclass
class _Where:
    """Where a checklist's problems go: the file as shown, and the locator of its text."""

    shown: str
    locator: Locator

    def problem(self, loc: tuple, key: str, message: str, hint: str = "", severity: str = "error",
                at_key: bool | None = None) -> Problem:
        line, col = self.locator.locate(loc) if at_key is None else self.locator.locate(loc, at_key=at_key)
        return Problem(self.shown, line, col, key=key, message=message, hint=hint, severity=severity)


def check_checklist(data: dict[str, Any], text: str, path: Path) -> tuple[Checklist | None, list[Problem]]:
    """Validate a parsed checklist: schema, unique ids, conditions, and advice."""
    where = _Where(display_path(path), Locator(text))
    problems: list[Problem] = []
    try:
        checklist = Checklist.model_validate(data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, Checklist, where.shown, where.locator))
        checklist = None
    themes = data.get("themes") if isinstance(data.get("themes"), list) else []
    facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    seen_criteria: dict[str, str] = {}
    seen_themes: set[str] = set()
    for ti, theme in enumerate(themes):
        if not isinstance(theme, dict):
            continue
        tid = theme.get("id")
        if isinstance(tid, str):
            if tid in seen_themes:
                problems.append(where.problem(("themes", ti, "id"), f"themes[{ti}].id",
                                              _("tema-id '{id}' er brukt før").format(id=tid),
                                              _("gi hvert tema en egen id")))
            seen_themes.add(tid)
        criteria = theme.get("criteria") if isinstance(theme.get("criteria"), list) else []
        for ci, crit in enumerate(criteria):
            if isinstance(crit, dict):
                problems += _criterion_problems(crit, ("themes", ti, "criteria", ci), facts, seen_criteria, where)
    problems += _computed_fact_problems(facts, where)
    if checklist is not None:
        problems += _replaces_problems(checklist, where)
    if any(p.is_error for p in problems):
        checklist = None
    return checklist, problems


_COMPUTED_KINDS = {"number": "number", "bool": "bool", "date": "date"}


def _computed_fact_problems(facts: dict, where: _Where) -> list[Problem]:
    """The reserved name review_date, and each computed fact's expression: readable, known names, its type."""
    problems: list[Problem] = []
    if conditions.REVIEW_DATE in facts:
        problems.append(where.problem(("facts", conditions.REVIEW_DATE), f"facts.{conditions.REVIEW_DATE}",
                                      _("'{name}' er gjennomgangsdatoen og kan ikke være navnet på et faktum").format(
                                          name=conditions.REVIEW_DATE),
                                      _("gi faktumet et annet navn"), at_key=True))
    given = {name: fact for name, fact in facts.items() if not (isinstance(fact, dict) and fact.get("compute"))}
    for name, fact in facts.items():
        if not isinstance(fact, dict) or fact.get("compute") is None:
            continue
        base, key = ("facts", name), f"facts.{name}"
        expression = fact.get("compute")
        if not isinstance(expression, str) or not expression.strip():
            problems.append(where.problem(base + ("compute",), f"{key}.compute",
                                          _("compute må være et regnestykke, for eksempel varighet_mnd / 2"),
                                          _("skriv uttrykket som tekst, eller fjern compute")))
            continue
        kind = _COMPUTED_KINDS.get(str(fact.get("type")))
        if kind is None:
            problems.append(where.problem(base + ("type",), f"{key}.type",
                                          _("et beregnet faktum må ha type number, bool eller date"),
                                          _("sett type: number for et tall, bool for sant/usant")))
            continue
        if fact.get("required"):
            problems.append(where.problem(base + ("required",), f"{key}.required",
                                          _("et beregnet faktum fylles ikke inn, og kan ikke være required"),
                                          _("fjern required: true; gjør heller faktaene det beregnes av påkrevde")))
        try:
            uses = conditions.parse(expression).names & (set(facts) - set(given))
        except conditions.ConditionError:
            uses = set()
        if uses:
            problems.append(where.problem(base + ("compute",), f"{key}.compute",
                                          _("et beregnet faktum kan ikke bruke andre beregnede fakta ({names})").format(
                                              names=", ".join(sorted(uses))),
                                          _("skriv uttrykket med faktaene som fylles inn")))
            continue
        found = _condition_problems(expression, given, where, base, key, field="compute", as_value=True)
        problems += found
        if found:
            continue
        got = conditions.kind_of(conditions.parse(expression).tree,
                                 {n: f.get("type") for n, f in given.items() if isinstance(f, dict)})
        if got is not None and got != kind:
            problems.append(where.problem(base + ("compute",), f"{key}.compute",
                                          _("'{name}' har type {type}, men uttrykket gir {got}").format(
                                              name=name, type=fact.get("type"), got=conditions.kind_word(got)),
                                          _("rett type, eller skriv et uttrykk som gir {wanted}").format(
                                              wanted=conditions.kind_word(kind))))
    return problems


def _criterion_problems(crit: dict, base: tuple, facts: dict, seen: dict[str, str], where: _Where) -> list[Problem]:
    """A criterion's id (unique across the checklist), condition and advice."""
    problems: list[Problem] = []
    key = f"themes[{base[1]}].criteria[{base[3]}]"
    cid = crit.get("id")
    if isinstance(cid, str):
        if cid in seen:
            problems.append(where.problem(base + ("id",), f"{key}.id",
                                          _("kriterie-id '{id}' er brukt før (i {where})").format(id=cid, where=seen[cid]),
                                          _("gi kriteriet en ny id; en id brukes aldri om igjen")))
        else:
            seen[cid] = key
    condition = crit.get("applies_when")
    if isinstance(condition, str) and condition.strip():
        problems += _condition_problems(condition, facts, where, base, key)
    answer = crit.get("answer", "scale")
    if answer == "scale" and not str(crit.get("recommendation") or "").strip():
        problems.append(where.problem(base, f"{key}.recommendation",
                                      _("kriteriet '{id}' har ingen anbefalingstekst").format(id=cid),
                                      _("skriv recommendation: rapporten bruker den når kriteriet ikke er oppfylt"),
                                      severity="warning", at_key=False))
    problems += _wording_problems(crit, where, base, key)
    if answer == "scale" and crit.get("severity") == "krav" and not crit.get("legal_basis"):
        problems.append(where.problem(base, f"{key}.legal_basis",
                                      _("kravet '{id}' har ikke noe rettslig grunnlag").format(id=cid),
                                      _("skriv legal_basis, for eksempel 'sotjl. § 30'"),
                                      severity="warning", at_key=False))
    return problems


_SHOULD = re.compile(r"\bbør\b", re.IGNORECASE)
_MUST = re.compile(r"\bmå\b", re.IGNORECASE)


def _wording_problems(crit: dict, where: _Where, base: tuple, key: str) -> list[Problem]:
    """Warn when a recommendation's wording says the opposite of its severity.

    A krav is a duty in law or regulation, so its recommendation says «må» or «skal»; an
    anbefaling is advice, so it says «bør». The report quotes the text as it stands.
    """
    text = str(crit.get("recommendation") or "")
    if crit.get("answer", "scale") != "scale" or not text.strip():
        return []
    cid = crit.get("id")
    if crit.get("severity", "krav") == "krav" and _SHOULD.search(text):
        return [where.problem(base + ("recommendation",), f"{key}.recommendation",
                              _("kravet '{id}' sier «bør» i anbefalingen, men et krav er en plikt").format(id=cid),
                              _("skriv «må» eller «skal», eller gjør kriteriet til en anbefaling (severity: anbefaling)"),
                              severity="warning")]
    if crit.get("severity") == "anbefaling" and _MUST.search(text):
        return [where.problem(base + ("recommendation",), f"{key}.recommendation",
                              _("anbefalingen '{id}' sier «må», men en anbefaling er ikke en plikt").format(id=cid),
                              _("skriv «bør», eller gjør kriteriet til et krav (severity: krav) med rettslig grunnlag"),
                              severity="warning")]
    return []


def _condition_problems(condition: str, facts: dict, where: _Where, base: tuple, key: str,
                        field: str = "applies_when", as_value: bool = False) -> list[Problem]:
    """Everything in a condition (or a computed fact's expression) that scoring would fail on: syntax, unknown facts, types, values."""
    loc, at = base + (field,), f"{key}.{field}"
    try:
        parsed = conditions.parse(condition)
    except conditions.ConditionError as exc:
        example = (_("skriv for eksempel: varighet_mnd - months_between(startdato, review_date)") if as_value
                   else _("skriv for eksempel: status == 'avsluttet' and har_barn"))
        return [where.problem(loc, at, str(exc), example)]
    problems: list[Problem] = []
    fact_names = set(facts)
    for name in sorted(parsed.names - fact_names):
        near = suggest(name, fact_names)
        hint = (_("mente du '{near}'?").format(near=near) if near
                else _("definer '{name}' under facts, eller bruk et av: {facts}").format(
                    name=name, facts=", ".join(sorted(fact_names)) or "-"))
        problems.append(where.problem(loc, at, _("betingelsen bruker et ukjent faktum, '{name}'").format(name=name), hint))
    types = {name: fact.get("type") for name, fact in facts.items() if isinstance(fact, dict)}
    for message in conditions.type_problems(parsed, types):
        problems.append(where.problem(loc, at, message, _(
            "sammenlign et fakta med en verdi av samme type: en dato med 'ÅÅÅÅ-MM-DD', et tall med et tall, "
            "tekst med tekst, og true/false med true eller false")))
    for message, hint in conditions.arithmetic_problems(parsed, types, as_value=as_value):
        problems.append(where.problem(loc, at, message, hint))
    if not as_value:
        problems.extend(_condition_values(parsed, facts, where.shown, where.locator, base, key))
    return problems


def _replaces_problems(checklist: Checklist, where: _Where) -> list[Problem]:
    """A criterion may replace only ids of older versions, never itself or an id still in use."""
    problems: list[Problem] = []
    own = set(checklist.criterion_map())
    for ti, theme in enumerate(checklist.themes):
        for ci, crit in enumerate(theme.criteria):
            loc, key = ("themes", ti, "criteria", ci, "replaces"), f"themes[{ti}].criteria[{ci}].replaces"
            for old in crit.replaces:
                if old == crit.id:
                    problems.append(where.problem(loc, key, _("kriteriet '{id}' kan ikke erstatte seg selv").format(id=crit.id),
                                                  _("list bare id-er fra eldre versjoner")))
                elif old in own:
                    problems.append(where.problem(loc, key, _("'{old}' finnes fortsatt i denne versjonen, og kan ikke være erstattet").format(old=old),
                                                  _("en id brukes aldri om igjen: gi det nye kriteriet en ny id")))
    return problems


def _condition_values(parsed, facts, shown, locator, base, key) -> list[Problem]:
    """Warn when a condition compares a choice fact with a value it can never have."""
    import ast

    out: list[Problem] = []
    for node in ast.walk(parsed.tree):
        if not isinstance(node, ast.Compare) or not isinstance(node.left, ast.Name):
            continue
        fact = facts.get(node.left.id)
        if not isinstance(fact, dict) or fact.get("type") != "choice":
            continue
        options = fact.get("options") or []
        for comp in node.comparators:
            values = [e.value for e in comp.elts] if isinstance(comp, (ast.List, ast.Tuple)) else (
                [comp.value] if isinstance(comp, ast.Constant) else [])
            for v in values:
                if v not in options:
                    line, col = locator.locate(base + ("applies_when",))
                    out.append(Problem(shown, line, col, key=f"{key}.applies_when",
                                       message=_("'{value}' er ikke et mulig valg for '{fact}'").format(value=v, fact=node.left.id),
                                       hint=_("bruk en av: {options}").format(options=", ".join(options))))
    return out
