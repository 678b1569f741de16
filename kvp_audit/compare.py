"""Compare rounds: an office with itself across rounds, and offices within a round.

Pure functions over scored rounds (:class:`~kvp_audit.scoring.RoundScore`); no I/O.

Criteria are matched across checklist versions only through what the checklists say: the
same id, or the newer criterion's ``replaces`` list (a new name, a split, or a merge),
followed through the versions in between when they are known. A criterion with no such
link is *not comparable* and is listed as such, never matched by its question text or position.

What a line may claim (the small-number rule):

* bedre, dårligere or uendret (by the weighted score) only when enough was assessed on both
  sides: at one office 5 cases (a criterion, a theme or the office as a whole: the answers of
  one case hang together); for the county 5 assessments (cases for a criterion, offices for
  an office-review criterion). Below that the line gives both counts and says so in words.
* A criterion that is in both checklist versions but was not assessed in one round (it did
  not apply) is "ikke vurdert i <round>": not comparable, never "ny" or "utgått". Those two
  words are kept for criteria that exist in only one checklist version.
* An office-review criterion is one answer per office: at one office the line says the answers
  ("nei → ja"), never better or worse.
* Office figures (number answers) are shown side by side with their difference and no label:
  more applications is not better.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Iterable

from .i18n import _, ngettext
from .models import AnswerType, Checklist, Outcome
from .present import change_labels, county_labels, format_count, format_number, format_percent, share
from .scoring import MIN_CASES_FOR_PERCENT, Tally

# what one line of a comparison says
BETTER, WORSE, SAME = "bedre", "dårligere", "uendret"
TOO_FEW = "for få"             # assessed on both sides, but too little to call a change
NOT_ASSESSED = "ikke vurdert"  # in both checklist versions, assessed in one round only (or in none)
CHANGED = "endret"             # an office-review answer at one office that changed: said in words
# criteria in only one checklist version (listed as not comparable)
NEW, DROPPED = "ny", "utgått"
CHANGES = (BETTER, WORSE, SAME, TOO_FEW, NOT_ASSESSED)  # the counts of case criteria (and of the county's)
OFFICE_CHANGES = (CHANGED, SAME, NOT_ASSESSED)         # the counts of office-review answers at one office
LABELLED = (BETTER, WORSE, SAME)
# how a criterion of the newer checklist relates to the older one
IDENTICAL, RENAMED, SPLIT, MERGED = "samme", "nytt navn", "delt", "slått sammen"
EPSILON = 1e-9
MIN_FOR_CHANGE = MIN_CASES_FOR_PERCENT  # the same five as for a percentage
TOTAL = "samlet"


@dataclass
class Link:
    """A criterion of the newer checklist and the older criteria it is compared with."""

    criterion: str
    sources: list[str]
    relation: str


@dataclass
class Mapping:
    """How two checklist versions line up, criterion by criterion."""

    links: list[Link]
    new: list[str]       # criteria of the newer checklist with no older counterpart
    dropped: list[str]   # criteria of the older checklist that nothing replaces


def _between(old: Checklist, new: Checklist, history: Iterable[Checklist]) -> dict[str, list[str]]:
    """What each criterion id of the versions in between replaces (newest version first wins)."""
    from .load import _version_key

    low, high = _version_key(old.version), _version_key(new.version)
    versions = [c for c in history if c.id == new.id and c.ref not in (old.ref, new.ref)
                and (low < _version_key(c.version) < high if old.id == new.id else _version_key(c.version) < high)]
    replaced: dict[str, list[str]] = {}
    for version in sorted(versions, key=lambda c: _version_key(c.version), reverse=True):
        for crit in version.criteria():
            replaced.setdefault(crit.id, list(crit.replaces))
    return replaced


def map_criteria(old: Checklist, new: Checklist, history: Iterable[Checklist] = (),
                 answer: AnswerType = AnswerType.scale) -> Mapping:
    """Line up the criteria of two checklist versions (scored ones, or those of ``answer``) by id and ``replaces``.

    Equal ids count as the same criterion only within one checklist (the same checklist id):
    two different checklists are linked only where ``replaces`` says so. ``history`` holds
    other versions of the newer checklist: a replaced id of a version in between is followed
    to what it replaced in turn.
    """
    same_checklist = old.id == new.id
    old_ids = [c.id for c in old.criteria() if c.answer == answer]
    old_set = set(old_ids)
    between = _between(old, new, history)

    def resolve(cid: str, seen: set[str]) -> list[str]:
        if cid in old_set:
            return [cid]
        if cid in seen or cid not in between:
            return []
        seen.add(cid)
        return [s for r in between[cid] for s in resolve(r, seen)]

    raw: list[tuple[str, list[str]]] = []
    unlinked: list[str] = []
    for crit in new.criteria():
        if crit.answer != answer:
            continue
        sources: list[str] = []
        for r in crit.replaces:
            for s in resolve(r, set()):
                if s not in sources:
                    sources.append(s)
        if same_checklist and crit.id in old_set and crit.id not in sources:
            sources.insert(0, crit.id)
        if sources:
            raw.append((crit.id, sources))
        else:
            unlinked.append(crit.id)
    used_by: dict[str, int] = {}
    for _cid, sources in raw:
        for s in sources:
            used_by[s] = used_by.get(s, 0) + 1
    links = []
    for cid, sources in raw:
        if len(sources) > 1:
            relation = MERGED
        elif used_by[sources[0]] > 1:
            relation = SPLIT
        elif sources[0] != cid:
            relation = RENAMED
        else:
            relation = IDENTICAL
        links.append(Link(cid, sources, relation))
    dropped = [cid for cid in old_ids if cid not in used_by]
    return Mapping(links, unlinked, dropped)


def replaces_problems(old: Checklist, new: Checklist, history: Iterable[Checklist] = ()) -> list[str]:
    """The ``replaces`` entries of ``new`` that name an id no version of the checklist has.

    An id of the older round's checklist, or of any other older version of the same
    checklist (``history``: the archive), is history, not a problem: comparing two rounds
    on one version would otherwise warn about every criterion that was ever renamed.
    """
    from .load import _version_key

    high = _version_key(new.version)
    older = [c for c in history if c.id in (new.id, old.id) and c.ref != new.ref
             and (c.id != new.id or _version_key(c.version) < high)]
    known = {cid for c in (old, *older) for cid in c.criterion_map()}
    refs = sorted({c.ref for c in (old, *older)}, key=lambda r: (r.split("@", 1)[0], _version_key(r.split("@", 1)[1])))
    out = []
    for crit in new.criteria():
        for r in crit.replaces:
            if r in known:
                continue
            text = _("{crit} i {new} erstatter {old}, som ikke finnes i noen kjent versjon ({refs})").format(
                crit=crit.id, new=new.ref, old=r, refs=", ".join(refs))
            close = [cid for cid in sorted(known - set(new.criterion_map())) if _one_edit(r, cid)]
            if close:
                text += "; " + _("mente du {match}?").format(match=close[0])
            out.append(text)
    return out


def _one_edit(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one typo: a letter changed, added, left out, or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _merged(tallies: dict[str, Tally], ids: Iterable[str]) -> Tally:
    out = Tally()
    for cid in ids:
        if cid in tallies:
            out.merge(tallies[cid])
    return out


def change_of(before: Tally, after: Tally, rule: str = "saker") -> str:
    """bedre, dårligere or uendret (by the weighted score, in whole percentage points as shown) when
    enough was assessed on both sides;
    else for få (both assessed) or ikke vurdert (assessed in one round only, or in none).

    Enough is 5 on both sides of what ``rule`` counts: saker (cases, at one office), or
    vurderinger and kontorer (assessments, for the county)."""
    if before.counted == 0 or after.counted == 0:
        return NOT_ASSESSED
    size = (lambda t: t.n_cases) if rule == "saker" else (lambda t: t.counted)
    if size(before) < MIN_FOR_CHANGE or size(after) < MIN_FOR_CHANGE:
        return TOO_FEW
    # in whole percentage points, as the result is shown: a label never says "dårligere"
    # beside "resultat 90 % → 90 %"
    diff = round((after.score or 0.0) * 100) - round((before.score or 0.0) * 100)
    if diff > 0:
        return BETTER
    if diff < 0:
        return WORSE
    return SAME


# --------------------------------------------------------------------------- lines


def count_words(tally: Tally, unit: str) -> str:
    """'1 av 4 saker, 3 delvis', '22 av 24 vurderinger' or '3 av 8 kontorer': counts with partly met.

    A percentage (the share met) stands beside the count from 5 cases, or from 5 offices."""
    if unit == "kontorer":
        if tally.counted == 0:
            return _("ingen vurdert")
        text = ngettext("{met} av {n} kontor", "{met} av {n} kontorer", tally.counted).format(
            met=tally.met, n=tally.counted)
        if tally.counted >= MIN_FOR_CHANGE:
            text = f"{format_percent(share(tally))} ({text})"
    else:
        text = format_count(tally, unit)
    if tally.partly and tally.counted:
        text += ", " + _("{n} delvis").format(n=tally.partly)
    return text


def answer_words(result) -> str:
    """An office-review answer as the reviewer wrote it ('nei'), or why there is none."""
    if result is None:
        return _("ingen kontorvurdering")
    if result.outcome is Outcome.ikke_aktuelt:
        # the scale word as written; when the criterion's condition did not hold, say so
        return str(result.answer) if result.answer is not None else _("gjelder ikke")
    if result.outcome is Outcome.ubesvart:
        return _("ikke besvart")
    return str(result.answer)


@dataclass
class Change:
    """One line of a comparison: a criterion, a theme or a total, before and after.

    ``unit`` is what the counts count (saker, vurderinger, kontorer, or svar: one office-review
    answer); ``rule`` what the small-number rule counts: saker (one office: 5 cases on both
    sides), vurderinger (the county: 5 assessments) or kontorer (the county: 5 offices)."""

    key: str
    title: str
    before: Tally
    after: Tally
    change: str
    unit: str = "saker"
    rule: str = "saker"
    sources: list[str] = field(default_factory=list)
    relation: str = IDENTICAL
    answers: tuple[str, str] | None = None
    repeated: bool = False

    @property
    def is_theme(self) -> bool:
        return self.unit == "vurderinger"

    def words(self, before_name: str, after_name: str) -> str:
        """What the line says about the change, in the current language."""
        if self.change == TOO_FEW:
            return {"saker": _("for få saker til å si noe om endring"),
                    "vurderinger": _("for få vurderinger til å si noe om endring"),
                    "kontorer": _("for få kontorer til å si noe om endring")}[self.rule]
        if self.change == NOT_ASSESSED:
            if self.before.counted == 0 and self.after.counted == 0:
                if self.is_theme:
                    return _("ingen kriterier er vurdert i begge rundene")
                return _("ikke vurdert i noen av rundene")
            return _("ikke vurdert i {round}").format(round=before_name if self.before.counted == 0 else after_name)
        if self.change == CHANGED and self.answers:
            return f"{self.answers[0]} → {self.answers[1]}"
        label = change_labels()[self.change]
        if (self.change in (BETTER, WORSE, SAME) and self.answers is None
                and self.before.score is not None and self.after.score is not None):
            # the label follows the weighted result, which the share beside the counts is not:
            # show it, so that "91 % → 92 %, dårligere" can be read
            return _("{label} (resultat {before} → {after})").format(
                label=label, before=format_percent(self.before.score), after=format_percent(self.after.score))
        return label

    def short(self, before_name: str, after_name: str) -> str:
        """The change for a narrow column: the label, 'for få saker' or 'ikke sammenlignbar'."""
        if self.change == TOO_FEW:
            return {"saker": _("for få saker"), "vurderinger": _("for få vurderinger"),
                    "kontorer": _("for få kontorer")}[self.rule]
        if self.change == NOT_ASSESSED:
            return _("ikke sammenlignbar")
        if self.change in (BETTER, WORSE, SAME):
            return change_labels()[self.change]
        return self.words(before_name, after_name)

    def texts(self) -> tuple[str, str]:
        """The counts (or answers) before and after, in words."""
        if self.answers is not None:
            return self.answers
        return count_words(self.before, self.unit), count_words(self.after, self.unit)

    def as_dict(self, before_name: str, after_name: str) -> dict:
        before_text, after_text = self.texts()
        if self.is_theme:
            out = {"theme": self.key, "title": self.title}
        else:
            out = {"criterion": self.key, "question": self.title, "compared_with": self.sources,
                   "relation": self.relation}
        out.update({"change": self.change, "change_text": self.words(before_name, after_name),
                    "change_short": self.short(before_name, after_name),
                    "before": self.before.as_dict(), "after": self.after.as_dict(),
                    "before_text": before_text, "after_text": after_text})
        if self.unit in ("saker", "svar"):
            out["repeated"] = self.repeated
        return out


def _counts(lines: list[Change], keys: tuple[str, ...]) -> dict[str, int]:
    out = {k: 0 for k in keys}
    for line in lines:
        out[line.change] += 1
    return out


@dataclass
class Figure:
    """An office figure (a number answer) in both rounds, with its difference; never a label.

    For the county, the sums over the offices that gave the figure in both rounds
    (``offices`` of ``of`` compared offices)."""

    criterion: str
    question: str
    unit: str
    before: float | None
    after: float | None
    sources: list[str] = field(default_factory=list)
    offices: int | None = None
    of: int | None = None

    @property
    def difference(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    def as_dict(self, lang: str) -> dict:
        return {"criterion": self.criterion, "question": self.question, "unit": self.unit,
                "compared_with": self.sources, "before": self.before, "after": self.after,
                "difference": self.difference, "before_text": figure_words(self.before, lang),
                "after_text": figure_words(self.after, lang), "difference_text": difference_words(self, lang),
                **({"offices": self.offices, "of": self.of} if self.offices is not None else {})}


def figure_words(value: float | None, lang: str) -> str:
    """A figure in the language's style, or that it was not given."""
    return _("ikke oppgitt") if value is None else format_number(value, lang)


def difference_words(fig: Figure, lang: str) -> str:
    """'+3', '−2' (a minus sign) or '0'; for the county also how many offices the sums hold."""
    diff = fig.difference
    if diff is None:
        text = "–"
    elif diff > 0:
        text = "+" + format_number(diff, lang)
    elif diff < 0:
        text = "\u2212" + format_number(-diff, lang)  # the minus sign, which screen readers say as minus
    else:
        text = format_number(diff, lang)
    if fig.offices is not None:
        text += " " + ngettext("({n} av {of} kontorer oppga tallet i begge rundene)",
                               "({n} av {of} kontorer oppga tallet i begge rundene)", fig.of).format(
            n=fig.offices, of=fig.of)
    return text


@dataclass
class Section:
    """The comparison of one office, or of the county (the offices in both rounds)."""

    office: str
    name: str
    cases: tuple[int, int]
    total: Change
    themes: list[Change]
    criteria: list[Change]
    office_criteria: list[Change]
    figures: list[Figure]

    def counts(self) -> dict[str, int]:
        """How many case criteria are bedre, dårligere, uendret, for få (saker) and ikke vurdert."""
        return _counts(self.criteria, CHANGES)

    def office_counts(self) -> dict[str, int]:
        """How many office-review criteria changed (one office: endret, uendret, ikke vurdert;
        the county: as for case criteria)."""
        return _counts(self.office_criteria, OFFICE_CHANGES if self.office else CHANGES)

    def repeated(self) -> list[str]:
        return [c.key for c in (*self.criteria, *self.office_criteria) if c.repeated]

    def as_dict(self, before_name: str, after_name: str, lang: str, repeated_known: bool) -> dict:
        out = {"office": self.office or None, "name": self.name,
               "cases": {"before": self.cases[0], "after": self.cases[1]},
               "counts": self.counts(), "office_counts": self.office_counts(),
               "total": self.total.as_dict(before_name, after_name),
               "themes": [t.as_dict(before_name, after_name) for t in self.themes],
               "criteria": [c.as_dict(before_name, after_name) for c in self.criteria],
               "office_criteria": [c.as_dict(before_name, after_name) for c in self.office_criteria],
               "figures": [f.as_dict(lang) for f in self.figures]}
        if self.office:
            out["repeated"] = self.repeated() if repeated_known else None
        return out


@dataclass
class RoundComparison:
    before: str
    after: str
    before_name: str
    after_name: str
    checklists: tuple[str, str]
    offices: list[Section]
    only_before: list[str]
    only_after: list[str]
    not_comparable_new: list[dict]
    not_comparable_dropped: list[dict]
    warnings: list[str] = field(default_factory=list)
    county: Section | None = None
    office_checklists: tuple[str, str] | None = None
    repeated_known: bool = False  # whether repeated findings could be worked out

    def as_dict(self, lang: str | None = None) -> dict:
        from .i18n import current_language

        lang = lang or current_language()
        names = (self.before_name, self.after_name)
        return {
            "before": {"round": self.before, "name": self.before_name, "checklist": self.checklists[0],
                       "office_checklist": self.office_checklists[0] if self.office_checklists else None},
            "after": {"round": self.after, "name": self.after_name, "checklist": self.checklists[1],
                      "office_checklist": self.office_checklists[1] if self.office_checklists else None},
            "min_for_change": MIN_FOR_CHANGE,
            "county": self.county.as_dict(*names, lang, self.repeated_known) if self.county else None,
            "offices": [o.as_dict(*names, lang, self.repeated_known) for o in self.offices],
            "only_in_before": self.only_before, "only_in_after": self.only_after,
            "not_comparable": {"new": self.not_comparable_new, "dropped": self.not_comparable_dropped},
            "warnings": self.warnings,
        }


def _repeated_findings(data, scores) -> dict[str, set[str]]:
    """The repeated findings of the newer round: closed in the previous round, found again now."""
    from . import followup as followup_module  # looked up when called, so a test can stand in for it

    return {office: set(ids) for office, ids in followup_module.repeated_findings(data, scores).items()}


def _theme_lines(checklist: Checklist, criteria: list[Change], before: dict[str, Tally],
                 after: dict[str, Tally]) -> tuple[list[Change], Change]:
    """Each theme, and the total, over the criteria assessed in both rounds (each older criterion once)."""
    theme_of = checklist.theme_of()
    lines = []
    all_sources: list[str] = []
    all_ids: list[str] = []
    for theme in checklist.themes:
        mine = [c for c in criteria if theme_of[c.key].id == theme.id]
        if not mine:
            continue
        comparable = [c for c in mine if c.change != NOT_ASSESSED]
        sources = list(dict.fromkeys(s for c in comparable for s in c.sources))
        ids = [c.key for c in comparable]
        all_sources += [s for s in sources if s not in all_sources]
        all_ids += ids
        b, a = _merged(before, sources), _merged(after, ids)
        lines.append(Change(theme.id, theme.title, b, a, change_of(b, a), unit="vurderinger"))
    b, a = _merged(before, all_sources), _merged(after, all_ids)
    total = Change(TOTAL, _("Samlet"), b, a, change_of(b, a), unit="vurderinger")
    return lines, total


def _office_answer_lines(office_id: str, mapping: Mapping, questions: dict, before: dict | None,
                         after: dict | None, repeated: set[str]) -> list[Change]:
    """Office-review criteria at one office: the answers in words, never better or worse."""
    from .scoring import Result

    lines = []
    for link in mapping.links:
        results_b = [before.get(s) for s in link.sources] if before is not None else [None]
        result_a = after.get(link.criterion) if after is not None else None
        tally_b, tally_a = Tally(), Tally()
        for r in results_b:
            if isinstance(r, Result):
                tally_b.add(r, office_id)
        if isinstance(result_a, Result):
            tally_a.add(result_a, office_id)
        words_b = " + ".join(answer_words(r) for r in results_b) if before is not None else answer_words(None)
        words_a = answer_words(result_a) if after is not None else answer_words(None)
        if tally_b.counted == 0 or tally_a.counted == 0:
            change = NOT_ASSESSED
        else:
            same = [str(r.answer) for r in results_b if r is not None] == [str(result_a.answer)] * len(results_b)
            change = SAME if same else CHANGED
        lines.append(Change(link.criterion, questions[link.criterion].question, tally_b, tally_a, change,
                            unit="svar", sources=link.sources, relation=link.relation,
                            answers=(words_b, words_a), repeated=link.criterion in repeated))
    return lines


def _figure_mapping(old: Checklist | None, new: Checklist | None, history) -> list[tuple[str, list[str]]]:
    if old is None or new is None:
        return []
    return [(link.criterion, link.sources) for link in map_criteria(old, new, history, AnswerType.number).links]


def _figure(review, ids: list[str]) -> float | None:
    if review is None:
        return None
    values = []
    for cid in ids:
        answer = review.answers.get(cid)
        value = getattr(answer, "answer", None)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        values.append(value)
    return sum(values) if values else None


def compare_rounds(data_a, scores_a, data_b, scores_b, office: str | None = None,
                   history: Iterable[Checklist] = ()) -> RoundComparison:
    """Compare round A (earlier) with round B (later), per office and for the county.

    ``history``: other versions of the checklists (the library's archive), so that a
    ``replaces`` entry naming an older version's id is followed and not taken for a mistake."""
    from .i18n import current_language

    lang = current_language()
    history = list(history)
    ca, cb = data_a.case_checklist, data_b.case_checklist
    oa, ob = data_a.office_checklist, data_b.office_checklist
    warnings = []
    if data_a.round.county.strip().casefold() != data_b.round.county.strip().casefold():
        warnings.append(_("rundene gjelder ulike fylker ({a} og {b}); kontorene sammenlignes likevel der de har samme id")
                        .format(a=data_a.round.county, b=data_b.round.county))
    if ca.id != cb.id:
        warnings.append(_("rundene bruker ulike sjekklister ({a} og {b}); bare kriterier som er koblet med "
                          "'replaces', sammenlignes").format(a=ca.ref, b=cb.ref))
    if data_a.round.period.start > data_b.round.period.start:
        warnings.append(_("{a} begynte etter {b}; oppgi den eldste runden først, ellers blir bedre og "
                          "dårligere byttet om").format(a=data_a.round.name, b=data_b.round.name))
    mapping = map_criteria(ca, cb, history)
    warnings += replaces_problems(ca, cb, history)
    office_mapping = map_criteria(oa, ob, history) if oa is not None and ob is not None else Mapping([], [], [])
    if oa is not None and ob is not None:
        warnings += replaces_problems(oa, ob, history)
    figure_links = _figure_mapping(oa, ob, history)
    repeated_by_office = _repeated_findings(data_b, scores_b)
    ids_a = [o.id for o in data_a.round.offices]
    ids_b = [o.id for o in data_b.round.offices]
    both = [o for o in ids_b if o in set(ids_a)]
    if office is not None:
        both = [o for o in both if o == office]
    questions = cb.criterion_map()
    office_questions = ob.criterion_map() if ob is not None else {}
    offices: list[Section] = []
    county_before: dict[str, Tally] = {}
    county_after: dict[str, Tally] = {}
    office_before: dict[str, Tally] = {}
    office_after: dict[str, Tally] = {}
    county_themes: dict[str, tuple[Tally, Tally]] = {}
    county_total = (Tally(), Tally())
    county_figures: dict[str, list[tuple[float, float]]] = {}
    for oid in both:
        sa, sb = scores_a.offices[oid], scores_b.offices[oid]
        repeated = (repeated_by_office or {}).get(oid, set())
        items = []
        for link in mapping.links:
            before = _merged(sa.by_criterion, link.sources)
            after = sb.by_criterion.get(link.criterion) or Tally()
            items.append(Change(link.criterion, questions[link.criterion].question, before, after,
                                change_of(before, after), sources=link.sources, relation=link.relation,
                                repeated=link.criterion in repeated))
            county_before.setdefault(link.criterion, Tally()).merge(before)
            county_after.setdefault(link.criterion, Tally()).merge(after)
        themes, total = _theme_lines(cb, items, sa.by_criterion, sb.by_criterion)
        for t in themes:
            pair = county_themes.setdefault(t.key, (Tally(), Tally()))
            pair[0].merge(t.before)
            pair[1].merge(t.after)
        county_total[0].merge(total.before)
        county_total[1].merge(total.after)
        office_lines = _office_answer_lines(oid, office_mapping, office_questions,
                                            sa.office_review if data_a.office_reviews.get(oid) else None,
                                            sb.office_review if data_b.office_reviews.get(oid) else None, repeated)
        for line in office_lines:
            office_before.setdefault(line.key, Tally()).merge(line.before)
            office_after.setdefault(line.key, Tally()).merge(line.after)
        figures = []
        for cid, sources in figure_links:
            fb = _figure(data_a.office_reviews.get(oid), sources)
            fa = _figure(data_b.office_reviews.get(oid), [cid])
            crit = office_questions[cid]
            figures.append(Figure(cid, crit.question, crit.unit, fb, fa, sources))
            if fb is not None and fa is not None:
                county_figures.setdefault(cid, []).append((fb, fa))
        offices.append(Section(oid, data_b.round.office(oid).name, (len(sa.cases), len(sb.cases)), total, themes,
                               items, office_lines, figures))
    county = None
    if office is None and len(offices) > 1:  # one office: the county would repeat it
        criteria = [Change(link.criterion, questions[link.criterion].question, county_before[link.criterion],
                           county_after[link.criterion],
                           change_of(county_before[link.criterion], county_after[link.criterion]),
                           sources=link.sources, relation=link.relation) for link in mapping.links]
        themes = [Change(t.id, t.title, *county_themes[t.id], change_of(*county_themes[t.id], "vurderinger"),
                         unit="vurderinger", rule="vurderinger") for t in cb.themes if t.id in county_themes]
        total = Change(TOTAL, _("Samlet"), *county_total, change_of(*county_total, "vurderinger"),
                       unit="vurderinger", rule="vurderinger")
        office_lines = [Change(link.criterion, office_questions[link.criterion].question, office_before[link.criterion],
                               office_after[link.criterion],
                               change_of(office_before[link.criterion], office_after[link.criterion], "kontorer"),
                               unit="kontorer", rule="kontorer", sources=link.sources, relation=link.relation)
                        for link in office_mapping.links]
        figures = []
        for cid, sources in figure_links:
            pairs = county_figures.get(cid, [])
            crit = office_questions[cid]
            figures.append(Figure(cid, crit.question, crit.unit, sum(p[0] for p in pairs) if pairs else None,
                                  sum(p[1] for p in pairs) if pairs else None, sources, len(pairs), len(offices)))
        county = Section("", data_b.round.county, (sum(o.cases[0] for o in offices), sum(o.cases[1] for o in offices)),
                         total, themes, criteria, office_lines, figures)
    old_q = ca.criterion_map()
    old_office_q = oa.criterion_map() if oa is not None else {}
    return RoundComparison(
        before=data_a.round.id, after=data_b.round.id,
        before_name=data_a.round.name, after_name=data_b.round.name,
        checklists=(ca.ref, cb.ref), offices=offices,
        only_before=[o for o in ids_a if o not in set(ids_b)],
        only_after=[o for o in ids_b if o not in set(ids_a)],
        not_comparable_new=[{"criterion": c, "question": questions[c].question} for c in mapping.new]
        + [{"criterion": c, "question": office_questions[c].question} for c in office_mapping.new],
        not_comparable_dropped=[{"criterion": c, "question": old_q[c].question} for c in mapping.dropped]
        + [{"criterion": c, "question": old_office_q[c].question} for c in office_mapping.dropped],
        warnings=warnings, county=county,
        office_checklists=(oa.ref, ob.ref) if oa is not None and ob is not None else None,
        repeated_known=repeated_by_office is not None,
    )


# --------------------------------------------------------------------------- within a round


def relative_to_county(office: Tally | None, county: Tally) -> str:
    """over, under or som fylket, by the weighted score; empty when nothing was assessed."""
    if office is None or office.counted == 0 or county.counted == 0:
        return ""
    diff = (office.score or 0.0) - (county.score or 0.0)
    if diff > EPSILON:
        return "over"
    if diff < -EPSILON:
        return "under"
    return "som fylket"


def compare_offices(data, scores) -> dict:
    """Offices side by side within a round, each theme against the county, with counts."""
    themes = [t for t in data.case_checklist.themes if t.id in scores.by_theme]
    rows = []
    for office in data.round.offices:
        s = scores.offices[office.id]
        cells = []
        for t in themes:
            tally = s.by_theme.get(t.id)
            cells.append({"theme": t.id, "tally": (tally or Tally()).as_dict(),
                          "text": format_count(tally, "vurderinger") if tally else _("ingen vurdert"),
                          "vs_county": relative_to_county(tally, scores.by_theme[t.id])})
        rows.append({"office": office.id, "name": office.name, "cases": len(s.cases), "themes": cells,
                     "total": {"tally": s.total.as_dict(), "text": format_count(s.total, "vurderinger"),
                               "vs_county": relative_to_county(s.total, scores.total)},
                     "avvik": len(s.findings_of("avvik")), "merknad": len(s.findings_of("merknad"))})
    county = [{"theme": t.id, "title": t.title, "tally": scores.by_theme[t.id].as_dict(),
               "text": format_count(scores.by_theme[t.id], "vurderinger")} for t in themes]
    return {"round": data.round.id, "name": data.round.name, "county": data.round.county,
            "themes": county, "offices": rows,
            "total": {"tally": scores.total.as_dict(), "text": format_count(scores.total, "vurderinger")}}


# --------------------------------------------------------------------------- text views


def count_headers() -> dict[str, str]:
    """The column headers of the counts: bedre, dårligere, uendret, for få saker, ikke sammenlignbare."""
    labels = change_labels()
    return {BETTER: labels[BETTER], WORSE: labels[WORSE], SAME: labels[SAME], TOO_FEW: _("for få saker"),
            NOT_ASSESSED: _("ikke sammenlignbare"), CHANGED: _("kontorsvar endret"),
            "repeated": _("gjentatte funn")}


def rule_text() -> list[str]:
    """How to read a comparison: what a line may claim, in sentences (the same in every format)."""
    return [
        _("Bedre, dårligere og uendret (etter vektet resultat: delvis teller halvt) sies bare når nok er "
          "vurdert i begge rundene: ved ett kontor minst {n} saker, for et kriterium, et tema og kontoret "
          "samlet; for fylket minst {n} vurderinger (saker for et kriterium, kontorer for et kriterium i "
          "kontorvurderingen). Ellers viser linjen antallene og sier at det er for lite til å si noe om "
          "endring.").format(n=MIN_FOR_CHANGE),
        _("Endringen står med resultatet i hele prosent, for eksempel «bedre (resultat 81 % → 86 %)»; "
          "samme resultat i hele prosent er uendret. Resultatet kan gå en annen vei enn andelen oppfylt "
          "foran, fordi delvis teller halvt."),
        _("Et tema teller bare kriteriene som er vurdert ved kontoret i begge rundene. Et kriterium som "
          "ikke ble vurdert i en av rundene (det gjaldt ikke), er ikke sammenlignbart."),
        _("Kontorvurderingen er ett svar per kontor: ved kontoret vises svarene (for eksempel «nei → ja»), "
          "aldri bedre eller dårligere. Kontortallene vises side om side med forskjellen, uten bedre eller "
          "dårligere: flere søknader er ikke i seg selv bedre."),
    ]


def _relation_note(item: Change, labels: dict[str, str]) -> str:
    if item.relation == IDENTICAL:
        return ""
    return f" ({labels[item.relation]}: {', '.join(item.sources)})"


def _change_cell(item: Change, cmp: RoundComparison) -> str:
    text = item.words(cmp.before_name, cmp.after_name)
    return text + "; " + _("gjentatt funn") if item.repeated else text


def _section_text(section: Section, cmp: RoundComparison, all_lines: bool, lang: str) -> list[str]:
    from .textout import table

    labels = change_labels()
    heads = [cmp.before_name, cmp.after_name]
    out: list[str] = []
    shown_themes = [t for t in (*section.themes, section.total) if all_lines or t.change in (BETTER, WORSE)]
    if shown_themes:
        out += ["", table([_("Tema"), *heads, _("Endring")],
                          [[t.title, *t.texts(), _change_cell(t, cmp)]
                           for t in shown_themes])]
    shown = [c for c in section.criteria if all_lines or c.change in (BETTER, WORSE) or c.repeated]
    if shown:
        out += ["", table([_("Kriterium"), *heads, _("Endring")],
                          [[c.key + _relation_note(c, labels), *c.texts(), _change_cell(c, cmp)] for c in shown])]
    wanted = (CHANGED,) if section.office else (BETTER, WORSE)
    shown = [c for c in section.office_criteria if all_lines or c.change in wanted or c.repeated]
    if shown:
        out += ["", table([_("Kontorvurderingen"), *heads, _("Endring")],
                          [[c.key + _relation_note(c, labels), *c.texts(), _change_cell(c, cmp)] for c in shown])]
    if section.figures and (all_lines or not section.office):
        out += ["", table([_("Kontortall"), *heads, _("Forskjell")],
                          [[f"{f.criterion} ({f.unit})" if f.unit else f.criterion, figure_words(f.before, lang),
                            figure_words(f.after, lang), difference_words(f, lang)] for f in section.figures],
                          right={1, 2})]
    return out


def comparison_table(cmp: RoundComparison, all_criteria: bool = False) -> str:
    """A round comparison as text: the counts per office, the county, then per office what changed.

    Without ``all_criteria``: the lines labelled bedre or dårligere, the office-review answers
    that changed and repeated findings; with it, every line, the office figures included."""
    from .i18n import current_language
    from .textout import table

    lang = current_language()
    labels = change_labels()
    heads = count_headers()
    out = [_("{a} → {b} (sjekkliste {ca} → {cb})").format(a=cmp.before_name, b=cmp.after_name,
                                                            ca=cmp.checklists[0], cb=cmp.checklists[1]), ""]
    columns = [*CHANGES, CHANGED] + (["repeated"] if cmp.repeated_known else [])
    rows = []
    for o in (*cmp.offices, *([cmp.county] if cmp.county else [])):
        counts = o.counts()
        row = [o.name if o.office else _("Fylket"), f"{o.cases[0]} → {o.cases[1]}",
               o.total.short(cmp.before_name, cmp.after_name), *(str(counts[c]) for c in CHANGES),
               str(o.office_counts()[CHANGED]) if o.office else "–"]
        if cmp.repeated_known:
            row.append(str(len(o.repeated())) if o.office else "–")
        rows.append(row)
    out.append(table([_("Kontor"), _("Saker"), _("Samlet"), *(heads[c] for c in columns)], rows,
                     right=set(range(3, 3 + len(columns)))))
    out += ["", *(textwrap.fill(line, width=100) for line in rule_text())]
    linked = [c for c in (cmp.offices[0].criteria + cmp.offices[0].office_criteria if cmp.offices else [])
              if c.relation != IDENTICAL]
    if linked:
        out += ["", _("Koblet gjennom 'replaces':")]
        out += ["  " + c.key + _relation_note(c, labels) for c in linked]
    if cmp.county is not None:
        out += ["", _("Fylket: {n} kontorer som er med i begge rundene").format(n=len(cmp.offices))]
        out += _section_text(cmp.county, cmp, all_criteria, lang)
    for o in cmp.offices:
        body = _section_text(o, cmp, all_criteria, lang)
        if body:
            out += ["", o.name, *body[1:]]
    if cmp.not_comparable_new or cmp.not_comparable_dropped:
        out += ["", _("Ikke sammenlignbare kriterier (ingen kobling i 'replaces'):")]
        for c in cmp.not_comparable_new:
            out.append("  " + _("bare i {round}").format(round=cmp.after_name) + f": {c['criterion']} – {c['question']}")
        for c in cmp.not_comparable_dropped:
            out.append("  " + _("bare i {round}").format(round=cmp.before_name) + f": {c['criterion']} – {c['question']}")
    if cmp.only_before or cmp.only_after:
        out.append("")
    for oid in cmp.only_before:
        out.append(_("Kontoret {office} er bare med i {round}.").format(office=oid, round=cmp.before_name))
    for oid in cmp.only_after:
        out.append(_("Kontoret {office} er bare med i {round}.").format(office=oid, round=cmp.after_name))
    return "\n".join(out) + "\n"


def offices_table(view: dict) -> str:
    """Offices side by side within a round, each theme against the county (themes by id)."""
    from .textout import table

    marks = {"over": "▲", "under": "▼", "som fylket": "=", "": ""}

    def cell(tally: dict, mark: str) -> str:
        if not tally["telles"]:
            return "–"
        return f"{tally['oppfylt']}/{tally['telles']} {marks[mark]}".rstrip()

    headers = [_("Kontor"), _("Saker"), *(t["theme"] for t in view["themes"]), _("Samlet")]
    rows = []
    for row in view["offices"]:
        rows.append([row["name"], str(row["cases"]),
                     *(cell(c["tally"], c["vs_county"]) for c in row["themes"]),
                     cell(row["total"]["tally"], row["total"]["vs_county"])])
    rows.append([_("Fylket"), str(sum(r["cases"] for r in view["offices"])),
                 *(cell(t["tally"], "") for t in view["themes"]), cell(view["total"]["tally"], "")])
    lines = [f"{view['name']} – {view['county']}", "",
             table(headers, rows, right=set(range(1, len(headers)))), "",
             _("Cellene viser oppfylte av vurderte kriterier. ▲ over fylket, ▼ under fylket, = som fylket "
               "(vektet resultat)."), ""]
    lines += [f"  {t['theme']}: {t['title']}" for t in view["themes"]]
    return "\n".join(lines) + "\n"


def render_html(kind: str, payload: dict, checklist: Checklist, lang: str, user_templates=None) -> str:
    """The comparison as one self-contained, accessible HTML page."""
    from . import __version__
    from .report.templating import environment, render, source_lang_attr

    labels = {**change_labels(), **county_labels()}
    title = (f"{payload['before']['name']} → {payload['after']['name']}" if kind == "rounds"
             else f"{payload['name']} – {payload['county']}")
    context = {"kind": kind, "lang": lang, "tool_version": __version__, "title": title, "labels": labels,
               "changes": list(CHANGES), "heads": count_headers(), "rules": rule_text(),
               "src_lang": source_lang_attr(checklist, lang),
               "cmp": payload if kind == "rounds" else None, "view": payload if kind == "offices" else None}
    return render(environment(user_templates, lang), "compare.html.j2", context)
