"""Scoring: pure functions from loaded reviews to outcomes, tallies and findings.

The rules (also in the README):

* Each scored criterion in each case gets an outcome: oppfylt, delvis, ikke oppfylt,
  ikke aktuelt (the answer says so, or the criterion's condition does not hold) or
  ubesvart (no answer). Only the first three count; the other two are left out of
  every score and every denominator.
* A score is weighted: sum(weight x points) / sum(weight) over counted outcomes, with
  the points of the scale (ja 1, delvis 0.5, nei 0). A tally with nothing counted has
  no score (None), never 0.
* Counts are always kept: "3 av 4 saker" means met in 3 of the 4 cases where it counted.
  A percentage is shown only when at least 5 cases count (MIN_CASES_FOR_PERCENT).
  Scoring returns numbers only; :mod:`kvp_audit.present` puts them into words.
* Findings per office: a krav not fully met (nei or delvis) in at least one case is an
  avvik; an anbefaling not fully met is a merknad; a criterion met in every case where
  it counted, and counted in at least two cases (MIN_CASES_FOR_GOOD_PRACTICE), is god
  praksis. An office-review criterion is assessed once per office, so it is never god praksis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

from . import conditions
from .models import Checklist, Criterion, Outcome, Severity

MIN_CASES_FOR_PERCENT = 5
MIN_CASES_FOR_GOOD_PRACTICE = 2  # one case met is no practice; an office review counts as one
OFFICE_CASE_KEY = "kontor"


class Result(NamedTuple):
    """The outcome of one criterion in one review."""

    criterion: str
    outcome: Outcome
    points: float | None
    weight: float
    answer: object = None


@dataclass
class Tally:
    """Counts and a weighted score over some outcomes; the unit counted is cases."""

    met: int = 0
    partly: int = 0
    not_met: int = 0
    not_applicable: int = 0
    unanswered: int = 0
    weighted: float = 0.0
    weight: float = 0.0
    cases: set = field(default_factory=set)
    failing: list = field(default_factory=list)  # keys of cases answered delvis or nei

    def add(self, result: Result, case_key: str) -> None:
        """Count one outcome of one case."""
        o = result.outcome
        if o is Outcome.oppfylt:
            self.met += 1
        elif o is Outcome.delvis:
            self.partly += 1
            self.failing.append(case_key)
        elif o is Outcome.ikke_oppfylt:
            self.not_met += 1
            self.failing.append(case_key)
        elif o is Outcome.ikke_aktuelt:
            self.not_applicable += 1
            return
        else:
            self.unanswered += 1
            return
        weight = result.weight
        self.weighted += weight * result.points
        self.weight += weight
        self.cases.add(case_key)

    def merge(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        self.met += other.met
        self.partly += other.partly
        self.not_met += other.not_met
        self.not_applicable += other.not_applicable
        self.unanswered += other.unanswered
        self.weighted += other.weighted
        self.weight += other.weight
        self.cases |= other.cases
        self.failing.extend(other.failing)

    @property
    def counted(self) -> int:
        """How many outcomes count (met, partly or not met)."""
        return self.met + self.partly + self.not_met

    @property
    def score(self) -> float | None:
        """The weighted score between 0 and 1, or None when nothing counted."""
        if self.weight == 0:
            return None
        return self.weighted / self.weight

    @property
    def n_cases(self) -> int:
        """How many cases had at least one counted outcome."""
        return len(self.cases)

    @property
    def show_percent(self) -> bool:
        """Whether enough cases count for a percentage to be shown."""
        return self.n_cases >= MIN_CASES_FOR_PERCENT

    def as_dict(self) -> dict:
        """A plain dict for JSON output."""
        return {
            "oppfylt": self.met,
            "delvis": self.partly,
            "ikke_oppfylt": self.not_met,
            "ikke_aktuelt": self.not_applicable,
            "ubesvart": self.unanswered,
            "telles": self.counted,
            "saker": self.n_cases,
            "score": None if self.score is None else round(self.score, 4),
            "vis_prosent": self.show_percent,
        }


def applies(criterion: Criterion, facts: dict) -> bool:
    """Whether a criterion applies to a review with these facts (unknown facts: it does)."""
    if not criterion.applies_when:
        return True
    return conditions.parse(criterion.applies_when).evaluate(facts) is not False


_PLANS: dict[int, tuple[Checklist, list, dict]] = {}


def _plan(checklist: Checklist) -> tuple[list[tuple[str, object, float]], dict]:
    """The scored criteria with their parsed conditions, and the scale, worked out once per checklist."""
    cached = _PLANS.get(id(checklist))
    if cached is not None and cached[0] is checklist:
        return cached[1], cached[2]
    plan = [
        (c.id, conditions.parse(c.applies_when) if c.applies_when else None, c.weight)
        for c in checklist.criteria() if c.scored
    ]
    scale = checklist.scale_map()
    _PLANS[id(checklist)] = (checklist, plan, scale)
    return plan, scale


def evaluate(checklist: Checklist, facts: dict, answers: dict) -> dict[str, Result]:
    """The outcome of every scored criterion for one review (answers by criterion id)."""
    plan, scale = _plan(checklist)
    out: dict[str, Result] = {}
    decided: dict[str, bool] = {}  # each distinct condition is evaluated once per review
    for cid, condition, weight in plan:
        answer = answers.get(cid)
        value = getattr(answer, "answer", answer)
        if condition is not None:
            applies_here = decided.get(condition.text)
            if applies_here is None:
                applies_here = decided[condition.text] = condition.evaluate(facts) is not False
            if not applies_here:
                out[cid] = Result(cid, Outcome.ikke_aktuelt, None, weight, value)
                continue
        if value is None:
            out[cid] = Result(cid, Outcome.ubesvart, None, weight, None)
            continue
        sv = scale.get(str(value))
        if sv is None:  # invalid answers are refused by validation; never score them
            out[cid] = Result(cid, Outcome.ubesvart, None, weight, value)
            continue
        out[cid] = Result(cid, sv.outcome, sv.score, weight, value)
    return out


@dataclass
class Finding:
    """An avvik, merknad or god praksis for one office, with a stable id."""

    id: str
    kind: str  # "avvik", "merknad" or "god praksis"
    criterion: str
    theme: str
    tally: Tally
    cases: list[str]  # keys of the cases where it was not met (empty for god praksis)


@dataclass
class OfficeScore:
    """Everything scored for one office."""

    office: str
    cases: dict[str, dict[str, Result]]
    office_review: dict[str, Result] | None
    by_criterion: dict[str, Tally]
    by_theme: dict[str, Tally]
    by_case: dict[str, Tally]
    total: Tally
    office_by_criterion: dict[str, Tally]
    findings: list[Finding]

    def findings_of(self, kind: str) -> list[Finding]:
        """The findings of one kind: avvik, merknad or god praksis."""
        return [f for f in self.findings if f.kind == kind]


def tally_reviews(
    checklist: Checklist, results: dict[str, dict[str, Result]]
) -> tuple[dict[str, Tally], dict[str, Tally], dict[str, Tally], Tally]:
    """Tally results (by case key) per criterion, per theme, per case and in total."""
    by_criterion = {c.id: Tally() for c in checklist.criteria() if c.scored}
    by_case: dict[str, Tally] = {}
    met, partly, not_met, na = Outcome.oppfylt, Outcome.delvis, Outcome.ikke_oppfylt, Outcome.ikke_aktuelt
    for key, outcome_map in results.items():
        case_tally = by_case.setdefault(key, Tally())
        # Tally.add inlined: this loop runs once per criterion per case of a whole round.
        for cid, result in outcome_map.items():
            tally = by_criterion[cid]
            o = result.outcome
            if o is na:
                tally.not_applicable += 1
                case_tally.not_applicable += 1
                continue
            if o is met:
                tally.met += 1
                case_tally.met += 1
            elif o is partly:
                tally.partly += 1
                case_tally.partly += 1
                tally.failing.append(key)
            elif o is not_met:
                tally.not_met += 1
                case_tally.not_met += 1
                tally.failing.append(key)
            else:
                tally.unanswered += 1
                case_tally.unanswered += 1
                continue
            points = result.weight * result.points
            tally.weighted += points
            tally.weight += result.weight
            tally.cases.add(key)
            case_tally.weighted += points
            case_tally.weight += result.weight
        if case_tally.weight:
            case_tally.cases.add(key)
    # Themes and the total are sums of their criteria: merging is cheaper than adding again.
    by_theme: dict[str, Tally] = {}
    total = Tally()
    for theme in checklist.themes:
        scored = [c.id for c in theme.criteria if c.scored]
        if not scored:
            continue
        tally = by_theme[theme.id] = Tally()
        for cid in scored:
            tally.merge(by_criterion[cid])
        total.merge(tally)
    return by_criterion, by_theme, by_case, total


def findings_for(
    round_id: str, office_id: str, checklist: Checklist, by_criterion: dict[str, Tally],
    results: dict[str, dict[str, Result]],
) -> list[Finding]:
    """Avvik, merknader and god praksis for one office from its tallies."""
    theme_of = {c.id: t.id for t in checklist.themes for c in t.criteria}
    out: list[Finding] = []
    for crit in checklist.criteria():
        tally = by_criterion.get(crit.id)
        if tally is None or tally.counted == 0:
            continue
        failing = sorted(tally.failing)
        if failing:
            kind = "avvik" if crit.severity == Severity.krav else "merknad"
        elif tally.met == tally.counted and tally.n_cases >= MIN_CASES_FOR_GOOD_PRACTICE:
            kind = "god praksis"
        else:
            continue
        out.append(Finding(
            id=finding_id(round_id, office_id, crit.id), kind=kind, criterion=crit.id,
            theme=theme_of[crit.id], tally=tally, cases=failing,
        ))
    return out


def finding_id(round_id: str, office_id: str, criterion_id: str) -> str:
    """The stable id of a finding: round/office/criterion."""
    return f"{round_id}/{office_id}/{criterion_id}"


def score_office(
    round_id: str,
    office_id: str,
    checklist: Checklist,
    cases: Iterable,
    office_checklist: Checklist | None = None,
    office_review=None,
) -> OfficeScore:
    """Score one office: its case reviews, and its office review if there is one."""
    results = {c.case: evaluate(checklist, conditions.with_review_date(c.facts, c.date), c.answers) for c in cases}
    by_criterion, by_theme, by_case, total = tally_reviews(checklist, results)
    findings = findings_for(round_id, office_id, checklist, by_criterion, results)
    office_results = None
    office_by_criterion: dict[str, Tally] = {}
    if office_checklist is not None and office_review is not None:
        office_results = evaluate(office_checklist, office_review.facts, office_review.answers)
        office_by_criterion, _, _, _ = tally_reviews(office_checklist, {OFFICE_CASE_KEY: office_results})
        findings.extend(findings_for(round_id, office_id, office_checklist, office_by_criterion,
                                     {OFFICE_CASE_KEY: office_results}))
    return OfficeScore(
        office=office_id, cases=results, office_review=office_results,
        by_criterion=by_criterion, by_theme=by_theme, by_case=by_case, total=total,
        office_by_criterion=office_by_criterion, findings=findings,
    )


@dataclass
class RoundScore:
    """Everything scored for a round: each office and the round as a whole."""

    round_id: str
    offices: dict[str, OfficeScore]
    by_criterion: dict[str, Tally]
    by_theme: dict[str, Tally]
    total: Tally
    offices_with_avvik: dict[str, list[str]]  # criterion id -> office ids


def score_round(data) -> RoundScore:
    """Score every office of a loaded round (:class:`~kvp_audit.load.RoundData`)."""
    import gc

    enabled = gc.isenabled()
    gc.disable()  # many small acyclic objects: see kvp_audit.load.paused_gc
    try:
        return _score_round(data)
    finally:
        if enabled:
            gc.enable()


def _score_round(data) -> RoundScore:
    rnd = data.round
    offices: dict[str, OfficeScore] = {}
    by_criterion = {c.id: Tally() for c in data.case_checklist.criteria() if c.scored}
    by_theme = {t.id: Tally() for t in data.case_checklist.themes if any(c.scored for c in t.criteria)}
    total = Tally()
    with_avvik: dict[str, list[str]] = {}
    for office in rnd.offices:
        score = score_office(
            rnd.id, office.id, data.case_checklist, data.cases.get(office.id, []),
            data.office_checklist, data.office_reviews.get(office.id),
        )
        offices[office.id] = score
        for cid, t in score.by_criterion.items():
            by_criterion[cid].merge(t)
        for tid, t in score.by_theme.items():
            by_theme[tid].merge(t)
        total.merge(score.total)
        for f in score.findings:
            if f.kind == "avvik":
                with_avvik.setdefault(f.criterion, []).append(office.id)
    return RoundScore(rnd.id, offices, by_criterion, by_theme, total, with_avvik)

