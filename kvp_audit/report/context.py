"""The office report's render context: everything an office's report shows, as plain data
built by pure functions from a loaded, scored round (and its previous round)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..i18n import _, ngettext
from ..markup import markdown_html, markdown_text
from ..models import Outcome
from ..present import (OUTCOME_SYMBOL, count_short, format_count, format_date, format_number, found_again_label,
                       status_label, tally_view)
from ..scoring import (MIN_CASES_FOR_GOOD_PRACTICE, MIN_CASES_FOR_PERCENT, OFFICE_CASE_KEY, RoundScore,
                       score_round)
from .charts import theme_chart
from .letter import letter_view
from .templating import source_lang_attr


@dataclass
class RoundBundle:
    """A loaded round with its scores, and its previous round when there is one."""

    data: Any
    scores: RoundScore
    previous: RoundBundle | None = None


def load_bundle(path: Path, with_previous: bool = True) -> RoundBundle:
    """Load, validate and score a round (and the previous round named in runde.yaml)."""
    from ..errors import InputError
    from ..load import load_round, previous_chain

    data = load_round(path)
    if data.errors:
        raise InputError(
            ngettext("runden har {n} feil; rett den (se 'kvp-audit validate') før rapportene lages",
                     "runden har {n} feil; rett dem (se 'kvp-audit validate') før rapportene lages",
                     len(data.errors)).format(n=len(data.errors)),
            data.errors,
        )
    bundle = RoundBundle(data, score_round(data))
    chain = previous_chain(data.path, 2) if with_previous and data.round.previous else []
    if len(chain) == 2:
        try:
            bundle.previous = load_bundle(chain[1], with_previous=False)
        except InputError:
            bundle.previous = None  # a broken previous round only loses the comparison
    return bundle


def round_view(rnd, lang: str) -> dict:
    """The round as the report headings show it."""
    return {"id": rnd.id, "name": rnd.name, "county": rnd.county,
            "start": format_date(rnd.period.start, lang), "end": format_date(rnd.period.end, lang)}


def report_head(kind: str, data, lang: str) -> dict:
    """What every report context starts with: its kind, language, the language of the
    checklist's own text, the tool's version and the round."""
    return {
        "kind": kind,
        "lang": lang,
        "src_lang": source_lang_attr(data.case_checklist, lang),
        "tool_version": __version__,
        "round": round_view(data.round, lang),
    }


def checklist_view(checklist) -> dict:
    """The checklist a report is made against: id, title and version."""
    return {"id": checklist.id, "title": checklist.title, "version": checklist.version}


def _reviewers(data, office_id: str) -> list[str]:
    names: set[str] = set()
    for case in data.cases.get(office_id, []):
        names.update(case.reviewers)
    review = data.office_reviews.get(office_id)
    if review is not None:
        names.update(review.reviewers)
    return sorted(names)


def _visit_dates(data, office_id: str) -> list[dt.date]:
    review = data.office_reviews.get(office_id)
    if review is not None:
        return sorted(review.visit_dates)
    return sorted({c.date for c in data.cases.get(office_id, [])})


def inline_html(html: str) -> str:
    """The inside of sanitised HTML that is one paragraph, to run on after a label ('K-1: ...');
    empty when it is more than one paragraph or a list, which need their own lines."""
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1 and "<ul" not in html \
            and "<ol" not in html and "<blockquote" not in html:
        return html[3:-4]
    return ""


def _comment(answer, case: str) -> dict | None:
    if answer is None or not answer.comment:
        return None
    html = markdown_html(answer.comment)
    return {"case": case, "html": html, "inline_html": inline_html(html), "text": markdown_text(answer.comment)}


def _comments(data, office_id: str, criterion_id: str, in_office_review: bool, failing: list[str]) -> list[dict]:
    """The comments of the cases that failed the criterion (the office's own, for an office-level one)."""
    if in_office_review:
        review = data.office_reviews.get(office_id)
        comment = _comment(review.answers.get(criterion_id) if review else None, _("kontoret"))
        return [comment] if comment else []
    out = []
    failed = set(failing)
    for case in sorted(data.cases.get(office_id, []), key=lambda c: c.case):
        if case.case in failed:
            comment = _comment(case.answers.get(criterion_id), case.case)
            if comment:
                out.append(comment)
    return out


def outcome_label(outcome: Outcome) -> str:
    """'ikke oppfylt' or 'delvis oppfylt' for a failing case, in the current language."""
    return _("ikke oppfylt") if outcome is Outcome.ikke_oppfylt else _("delvis oppfylt")


def _per_case(finding, results: dict) -> list[dict]:
    """Each failing case of a finding with whether it was ikke oppfylt or delvis."""
    out = []
    for key in finding.cases:
        result = results.get(key, {}).get(finding.criterion)
        if result is None or result.outcome not in (Outcome.ikke_oppfylt, Outcome.delvis):
            continue
        out.append({"case": key, "outcome": "ikke oppfylt" if result.outcome is Outcome.ikke_oppfylt else "delvis",
                    "label": outcome_label(result.outcome)})
    return out


def _finding_view(finding, crit, data, office_id: str, in_office: bool, results: dict) -> dict:
    per_case = _per_case(finding, results)
    not_met = sum(1 for c in per_case if c["outcome"] == "ikke oppfylt")
    cases = [c for c in finding.cases if c != OFFICE_CASE_KEY]
    return {
        "id": finding.id,
        "kind": finding.kind,
        "criterion": crit.id,
        "question": crit.question,
        "legal_basis": list(crit.legal_basis),
        "cases": cases,
        "per_case": [c for c in per_case if c["case"] != OFFICE_CASE_KEY],
        "per_case_text": "; ".join("{}: {}".format(c["case"], c["label"])
                                   for c in per_case if c["case"] != OFFICE_CASE_KEY),
        "office_outcome": next((c["label"] for c in per_case if c["case"] == OFFICE_CASE_KEY), ""),
        "not_met": not_met,
        "partly": len(per_case) - not_met,
        "office_level": in_office,
        "count": format_count(finding.tally, "saker") if not in_office else "",
        "recommendation_html": markdown_html(crit.recommendation),
        "recommendation_inline": inline_html(markdown_html(crit.recommendation)),
        "recommendation_text": markdown_text(crit.recommendation),
        "has_recommendation": bool(crit.recommendation.strip()),
        "comments": _comments(data, office_id, crit.id, in_office, finding.cases) if finding.cases else [],
    }


def theme_rows(bundle: RoundBundle, office_id: str) -> list[dict]:
    """Each theme: the office's result beside the county's and the previous round's."""
    scores = bundle.scores
    s = scores.offices[office_id]
    prev_scores = _previous_scores(bundle, office_id)
    themes = []
    for theme in bundle.data.case_checklist.themes:
        if theme.id not in s.by_theme:
            continue
        prev_tally = prev_scores.by_theme.get(theme.id) if prev_scores else None
        themes.append({
            "id": theme.id,
            "title": theme.title,
            "office": tally_view(s.by_theme[theme.id], "vurderinger"),
            "county": tally_view(scores.by_theme[theme.id], "vurderinger"),
            "previous": tally_view(prev_tally, "vurderinger") if prev_scores else None,
        })
    return themes


def _previous_scores(bundle: RoundBundle, office_id: str):
    if bundle.previous is not None and office_id in bundle.previous.scores.offices:
        return bundle.previous.scores.offices[office_id]
    return None


def findings_view(bundle: RoundBundle, office_id: str) -> dict[str, list[dict]]:
    """The office's avvik, merknader and god praksis, each with its question, its failing
    cases (ikke oppfylt or delvis) and their comments."""
    data = bundle.data
    case_crit = data.case_checklist.criterion_map()
    office_crit = data.office_checklist.criterion_map() if data.office_checklist else {}
    score = bundle.scores.offices[office_id]
    results = dict(score.cases)
    if score.office_review is not None:
        results[OFFICE_CASE_KEY] = score.office_review
    findings: dict[str, list] = {"avvik": [], "merknad": [], "god praksis": []}
    for f in score.findings:
        in_office = f.criterion in office_crit and f.criterion not in case_crit
        crit = office_crit[f.criterion] if in_office else case_crit[f.criterion]
        findings[f.kind].append(_finding_view(f, crit, data, office_id, in_office, results))
    return findings


def findings_split(findings: dict[str, list[dict]]) -> dict[str, dict]:
    """Per kind (avvik, merknad): how many findings, how many were ikke oppfylt in some case
    (or at the office) and how many only delvis, and the heading that says so."""
    titles = {"avvik": _("Avvik"), "merknad": _("Merknader")}
    out = {}
    for kind, title in titles.items():
        views = findings[kind]
        not_met = sum(1 for v in views if v["not_met"])
        total = len(views)
        text = "{title} ({n})".format(title=title, n=total)
        if total:
            text = _("{heading}: {not_met} ikke oppfylt, {partly} delvis oppfylt").format(
                heading=text, not_met=not_met, partly=total - not_met)
        out[kind] = {"total": total, "not_met": not_met, "partly": total - not_met, "text": text}
    return out


def good_practice_rule() -> str:
    """The rule for god praksis, as the report states it."""
    return _("God praksis er et kriterium som var oppfylt i alle sakene der det gjaldt, og som ble vurdert "
             "i minst {n} saker. Kriteriene i kontorvurderingen vurderes én gang per kontor og blir derfor "
             "aldri god praksis.").format(n=MIN_CASES_FOR_GOOD_PRACTICE)


def method_view(office: bool = True) -> dict:
    """Appendix B: how outcomes, counts, percentages, the result and the findings are computed.
    The county summary (``office=False``) shows no result and no god praksis, so it leaves those out."""
    counts = _("Tallene viser hvor mange av de vurderte sakene (eller vurderingene) som var oppfylt, for eksempel "
               "«4 av 5 saker». Prosenten ved siden av et antall er andelen av det antallet: 4 av 5 er 80 prosent. "
               "Prosent vises bare når minst {n} saker er vurdert.").format(n=MIN_CASES_FOR_PERCENT)
    result = _("Resultatet er et vektet gjennomsnitt der ja teller 1, delvis 0,5 og nei 0, med kriterienes vekt. "
               "Det vises bare der det heter «resultat», og bare når minst {n} saker er vurdert.").format(
        n=MIN_CASES_FOR_PERCENT)
    findings = _("Et krav i lov eller forskrift som ikke er oppfylt (nei eller delvis) i minst én sak, er et avvik. "
                 "Et avvik telles som ikke oppfylt når svaret var nei i minst én sak, ellers som delvis "
                 "oppfylt. En anbefaling som ikke er oppfylt, er en merknad.")
    outcomes = _("Hvert kriterium får ett utfall i hver sak: oppfylt (ja), delvis oppfylt, ikke oppfylt (nei), "
                 "ikke aktuelt eller ubesvart. Ikke aktuelt og ubesvart telles ikke med.")
    if not office:
        return {"paragraphs": [outcomes, counts, findings]}
    return {"paragraphs": [outcomes, counts, result, findings, good_practice_rule()]}


def case_matrix(bundle: RoundBundle, office_id: str, cases: list) -> list[dict]:
    """The criterion x case table, per theme: each case's outcome, and the count per criterion."""
    s = bundle.scores.offices[office_id]
    failing = {Outcome.ikke_oppfylt, Outcome.delvis}
    matrix = []
    for theme in bundle.data.case_checklist.themes:
        rows = []
        others = []  # comments not shown under a finding: the case met the criterion, or it did not apply
        for crit in theme.criteria:
            if not crit.scored:
                continue
            cells = []
            for case in cases:
                result = s.cases[case.case][crit.id]
                cells.append({"outcome": result.outcome.value, "symbol": OUTCOME_SYMBOL[result.outcome],
                              "css": result.outcome.name})
                comment = None if result.outcome in failing else _comment(case.answers.get(crit.id), case.case)
                if comment:
                    others.append({**comment, "criterion": crit.id})
            rows.append({"id": crit.id, "question": crit.question, "cells": cells,
                         "count": count_short(s.by_criterion[crit.id])})
        if rows:
            matrix.append({"title": theme.title, "rows": rows, "comments": others})
    return matrix


def _figure(crit, answer, lang: str) -> dict:
    value = getattr(answer, "answer", None)
    shown = "" if value is None else format_number(value, lang) if isinstance(value, (int, float)) else str(value)
    return {"id": crit.id, "label": crit.question, "value": shown, "raw": value, "unit": crit.unit}


def _office_review_row(crit, answer, result) -> dict:
    html = markdown_html(answer.comment) if answer else ""
    return {"id": crit.id, "question": crit.question,
            "outcome": result.outcome.value if result else Outcome.ubesvart.value,
            "symbol": OUTCOME_SYMBOL[result.outcome] if result else "–",
            "comment_html": inline_html(html) or html,  # one paragraph sits in its cell without margins
            "comment_text": markdown_text(answer.comment) if answer else ""}


def _against_target(figures: list[dict], lang: str) -> str | None:
    raw = {f["id"]: f["raw"] for f in figures}
    target, current = raw.get("TALL-MAALTALL"), raw.get("TALL-PRDATO")
    if isinstance(target, (int, float)) and isinstance(current, (int, float)) and target:
        return ngettext("{current} deltaker på besøksdagen; måltallet er {target}",
                        "{current} deltakere på besøksdagen; måltallet er {target}", int(current)).format(
            current=format_number(current, lang), target=format_number(target, lang))
    return None


def _has_answers(review) -> bool:
    return any(getattr(a, "answer", None) is not None or getattr(a, "comment", "") for a in review.answers.values())


def office_review_view(bundle: RoundBundle, office_id: str, lang: str) -> dict | None:
    """The office review: its answers per theme, the office's figures, whom the team met and
    the team's note; ``done`` is False when kontor.yaml is absent or has no answers.
    None when the round has no office checklist."""
    data = bundle.data
    if data.office_checklist is None:
        return None
    review = data.office_reviews.get(office_id)
    note = review.note if review is not None else ""
    view = {"done": False, "sections": [], "figures": [], "against_target": None,
            "met": list(review.met) if review is not None else [],
            "note_html": markdown_html(note), "note_text": markdown_text(note), "has_note": bool(note.strip())}
    if review is None or not _has_answers(review):
        return view
    sections = []
    figures = []
    results = bundle.scores.offices[office_id].office_review or {}
    for theme in data.office_checklist.themes:
        items = []
        for crit in theme.criteria:
            answer = review.answers.get(crit.id)
            if not crit.scored:
                figures.append(_figure(crit, answer, lang))
                continue
            items.append(_office_review_row(crit, answer, results.get(crit.id)))
        if items:
            sections.append({"title": theme.title, "rows": items})
    if all(f["value"] == "" for f in figures):
        figures = []  # no figure given: no table of empty rows
    view.update(done=True, sections=sections, figures=figures, against_target=_against_target(figures, lang))
    return view


def followup_views(bundle: RoundBundle, office_id: str, findings: dict[str, list[dict]]) -> list[dict]:
    """The findings carried from the previous round, with their status; this round's avvik and
    merknader get their follow-up (``followup``) added in ``findings``."""
    from ..followup import followup_items

    carried = []
    status_of = {}
    for item in followup_items(bundle.data, bundle.scores, office_id):
        if not item.carried:
            if item.status != "ikke fulgt opp":
                status_of[item.id] = {"status": status_label(item.status),
                                      "action_html": markdown_html(item.action), "action_text": markdown_text(item.action)}
            continue
        carried.append({"id": item.id, "kind": item.kind, "criterion": item.criterion, "question": item.question,
                        "status": status_label(item.status), "now": found_again_label(item.found_again),
                        "now_criteria": list(item.now),
                        "action_html": markdown_html(item.action), "action_text": markdown_text(item.action)})
    repeated = _repeated(bundle, office_id)
    for kind in ("avvik", "merknad"):
        for view in findings[kind]:
            view["followup"] = status_of.get(view["id"])
            view["repeated"] = repeated.get(view["criterion"], [])
    return carried


def _repeated(bundle: RoundBundle, office_id: str) -> dict[str, list[str]]:
    """The office's findings that were closed in the previous round: criterion → the previous finding ids."""
    from ..followup import repeated_sources

    if bundle.previous is None:
        return {}
    previous = (bundle.previous.data, bundle.previous.scores)
    return repeated_sources(bundle.data, bundle.scores, previous, office_id).get(office_id, {})


def office_context(bundle: RoundBundle, office_id: str, lang: str) -> dict:
    """Everything the office report shows, as plain data."""
    data = bundle.data
    rnd = data.round
    office = rnd.office(office_id)
    checklist = data.case_checklist
    themes = theme_rows(bundle, office_id)
    findings = findings_view(bundle, office_id)
    cases = sorted(data.cases.get(office_id, []), key=lambda c: c.case)
    matrix = case_matrix(bundle, office_id, cases)
    office_review = office_review_view(bundle, office_id, lang)
    carried = followup_views(bundle, office_id, findings)
    visit = _visit_dates(data, office_id)
    total = bundle.scores.offices[office_id].total
    return {
        **report_head("office", data, lang),
        "office": {"id": office.id, "name": office.name},
        "visit_dates": [format_date(d, lang) for d in visit],
        "report_date": format_date(visit[-1] if visit else rnd.period.end, lang),
        "reviewers": _reviewers(data, office_id),
        "n_cases": len(cases),
        "case_keys": [c.case for c in cases],
        "checklist": checklist_view(checklist),
        "previous_round": bundle.previous.data.round.name if _previous_scores(bundle, office_id) else None,
        "total": tally_view(total, "vurderinger"),
        "show_result": total.show_percent and total.score is not None,
        "themes": themes,
        "chart": theme_chart(themes, lang),
        "findings": findings,
        "findings_split": findings_split(findings),
        "good_practice_rule": good_practice_rule(),
        "method": method_view(),
        "matrix": matrix,
        "office_review": office_review,
        "carried": carried,
        **letter_view(data, office_id, lang, visit, bundle.scores),  # letter, draft, the report date it gives
    }
