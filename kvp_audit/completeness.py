"""What a round has not filled in yet, as warnings (``--strict``: errors).

A fresh round with no cases, a case answered halfway, reviewers left as the placeholder
``XX`` and dates outside the round's period would otherwise go into a report without a
word. ``kvp-audit validate`` and ``kvp-audit report`` print these warnings, and the
office report states how many applicable criteria were left unanswered
(:func:`unanswered_in_office`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Iterable

from . import conditions
from .errors import Problem, display_path
from .i18n import _, ngettext
from .models import Checklist, Period
from .yamlio import Locator

PLACEHOLDER_REVIEWER = re.compile(r"^X{2,4}$")  # what 'new round' writes when no --reviewer is given
GROUP = "completeness"  # Problem.group of every warning made here
SHOWN_IDS = 5  # unanswered criterion ids named in the hint


def _applies(crit, facts: dict) -> bool:
    """Whether a criterion applies, as scoring decides it (a condition that cannot be evaluated: it does)."""
    from .scoring import applies

    try:
        return applies(crit, facts)
    except (conditions.ConditionError, TypeError, ValueError):
        return True


def unanswered_criteria(checklist: Checklist, facts: dict, answers: dict,
                        forgotten_only: bool = False) -> tuple[list[str], int]:
    """The ids of the applicable criteria with no answer, and how many criteria apply.

    With ``forgotten_only`` a criterion left unanswered with a comment (why it could not
    be assessed) is not counted: the reviewer left it so on purpose.
    """
    missing: list[str] = []
    applicable = 0
    for crit in checklist.criteria():
        if not _applies(crit, facts):
            continue
        applicable += 1
        answer = answers.get(crit.id)
        value = getattr(answer, "answer", answer)
        if value is None or value == "":
            if forgotten_only and str(getattr(answer, "comment", "") or "").strip():
                continue
            missing.append(crit.id)
    return missing, applicable


def _facts(review) -> dict:
    """The review's facts as its conditions see them (with review_date), as scoring uses them."""
    from .load import review_date

    return conditions.with_review_date(getattr(review, "facts", {}) or {}, review_date(review))


def review_problems(review, checklist: Checklist, path: Path, locator: Locator) -> list[Problem]:
    """Warnings for one case or office review: unanswered applicable criteria and placeholder reviewers."""
    shown = display_path(path)
    problems: list[Problem] = []
    missing, applicable = unanswered_criteria(checklist, _facts(review), review.answers, forgotten_only=True)
    if missing:
        line, col = locator.locate(("answers",), at_key=True)
        ids = ", ".join(missing[:SHOWN_IDS]) + (", …" if len(missing) > SHOWN_IDS else "")
        problems.append(Problem(
            shown, line, col, key="answers",
            message=ngettext("{n} av {total} gjeldende kriterier er ikke besvart",
                             "{n} av {total} gjeldende kriterier er ikke besvart", len(missing)).format(
                n=len(missing), total=applicable),
            hint=_("svar på {ids}; der kriteriet ikke gjelder, svar 'ikke aktuelt'; kan det ikke vurderes, "
                   "skriv hvorfor i comment").format(ids=ids),
            severity="warning", group=GROUP))
    for i, initials in enumerate(review.reviewers):
        if PLACEHOLDER_REVIEWER.match(initials):
            line, col = locator.locate(("reviewers", i))
            problems.append(Problem(
                shown, line, col, key="reviewers",
                message=_("'{initials}' er en plassholder, ikke en revisor").format(initials=initials),
                hint=_("skriv initialene til dem som gjorde vurderingen, for eksempel [KB, ÅS]"),
                severity="warning", group=GROUP))
    return problems


def period_problems(period: Period, path: Path, key: str, dates: Iterable[dt.date]) -> list[Problem]:
    """Warnings for the dates of one review (``key`` ``date`` or ``visit_dates``) outside the round's period."""
    dates = list(dates)
    outside = [(i, d) for i, d in enumerate(dates) if d is not None and not period.start <= d <= period.end]
    if not outside:
        return []
    from .yamlio import read_text

    try:
        locator: Locator | None = Locator(read_text(path))
    except OSError:
        locator = None
    problems = []
    for i, day in outside:
        loc = (key, i) if key == "visit_dates" else (key,)
        line, col = locator.locate(loc) if locator is not None else (None, None)
        problems.append(Problem(
            display_path(path), line, col, key=key,
            message=_("datoen {date} er utenfor rundens periode ({start} til {end})").format(
                date=day.isoformat(), start=period.start.isoformat(), end=period.end.isoformat()),
            hint=_("rett datoen, eller rett period i runde.yaml"),
            severity="warning", group=GROUP))
    return problems


def empty_office_problems(round_file: Path, offices: Iterable[Any], with_cases: set[str], round_dir: Path) -> list[Problem]:
    """A warning for each office of the round with no case file."""
    from .yamlio import read_text

    problems: list[Problem] = []
    locator: Locator | None = None
    for i, office in enumerate(offices):
        if office.id in with_cases:
            continue
        if locator is None:
            locator = Locator(read_text(round_file))
        line, col = locator.locate(("offices", i, "id"))
        problems.append(Problem(
            display_path(round_file), line, col, key=f"offices[{i}]",
            message=_("kontoret {office} har ingen saker").format(office=office.id),
            hint=_("lag en sak med 'kvp-audit new case {round} {office} --reviewer KB' (dine initialer), "
                   "eller ta kontoret ut av offices").format(round=display_path(round_dir), office=office.id),
            severity="warning", group=GROUP))
    return problems


def unanswered_in_office(data, office_id: str) -> int:
    """How many applicable criteria are unanswered in an office's case reviews and office review."""
    total = 0
    for review in data.cases.get(office_id, []):
        total += len(unanswered_criteria(data.case_checklist, _facts(review), review.answers)[0])
    office_review = data.office_reviews.get(office_id)
    if office_review is not None and data.office_checklist is not None:
        total += len(unanswered_criteria(data.office_checklist, _facts(office_review), office_review.answers)[0])
    return total
