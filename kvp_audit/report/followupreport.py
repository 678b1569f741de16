"""The follow-up report: what an office did with the findings, reported after its workshop.

An office gets a follow-up report whenever its folder has a follow-up record
(``oppfolging.yaml``): the status of every finding of the visit report and of every finding
carried from the previous round, with the office's measures, evidence and dates; the answers
to the follow-up checklist's themes with the recommendations of what was not met; and what
remains, with its deadlines (from ``plan.yaml``, else the course's plan deadline). The letter
parts (status, sender, team, text, signature) come from ``followup_report:`` in the office's
``rapport.yaml``, handled as the office report's are (:mod:`.letter`).

:func:`county_followup` is the same follow-up for the county summary: per office and in total.
"""

from __future__ import annotations

import datetime as dt

from ..i18n import _
from ..markup import markdown_html, markdown_text
from ..models import FindingKind, FollowupStatus, Outcome, RoundReport
from ..present import OUTCOME_SYMBOL, format_date, found_again_label
from ..scoring import evaluate
from .context import RoundBundle, _visit_dates, checklist_view, inline_html, report_head
from .letter import _markdown, _people, _status_view, reply_deadline

STATUSES = tuple(FollowupStatus)


# --------------------------------------------------------------------------- the letter


def followup_letter_view(data, office_id: str, lang: str, workshop: dt.date) -> dict:
    """``letter``, ``draft``, ``has_letter`` and ``report_date`` for the follow-up report.

    ``letter`` is None unless the office's rapport.yaml has a ``followup_report:`` part: the
    report is then not marked utkast or endelig and is dated the workshop date."""
    report = data.reports.get(office_id)
    part = report.followup_report if report is not None else None
    if part is None:
        return {"letter": None, "has_letter": False, "draft": False, "report_date": format_date(workshop, lang)}
    shared = data.round.report or RoundReport()
    date = part.date or workshop
    texts = {"summary": _markdown(part.text.summary), "visit": None, "sample": None,
             "conclusion": _markdown(part.text.conclusion)}
    letter = {
        **_status_view(part.status, date, lang),
        "reply_deadline": "",  # what remains has its own deadlines, each beside its finding
        "reference": report.reference or shared.reference,
        "sender": report.sender or shared.sender,
        "team": _people(part.team or report.team),
        "signature": _people(report.signature or shared.signature),
        "texts": texts,
        "theme_texts": {},
    }
    return {"letter": letter, "has_letter": True, "draft": letter["draft"], "report_date": letter["date"]}


def plan_deadline(data, office_id: str) -> dt.date | None:
    """The deadline for the office's plan for retting: rapport.yaml's ``course.plan_deadline``, else
    the office report's reply deadline, else the final report's date plus the round's plan weeks."""
    report = data.reports.get(office_id)
    if report is None:
        return None
    if report.course.plan_deadline is not None:
        return report.course.plan_deadline
    shared = data.round.report or RoundReport()
    # the office report's own deadline for "svar og plan for retting", from the same date it has
    visits = _visit_dates(data, office_id)
    date = report.date or (visits[-1] if visits else data.round.period.end)
    deadline = reply_deadline(date, report.reply_deadline, shared.reply_weeks)
    if deadline is not None:
        return deadline
    if report.course.final_sent is not None:
        return report.course.final_sent + dt.timedelta(weeks=shared.course.plan_weeks)
    return None


# --------------------------------------------------------------------------- findings


def _repeated(data, scores) -> dict[str, set[str]]:
    """The findings closed in the previous round and found again now."""
    from .. import followup as followup_module  # looked up when called, so a test can stand in for it

    return followup_module.repeated_findings(data, scores)


def _text(value: str) -> dict:
    html = markdown_html(value) if value else ""
    return {"html": html, "inline": inline_html(html), "text": markdown_text(value) if value else ""}


def _plan_view(item, report_date: dt.date, lang: str, status: FollowupStatus) -> dict | None:
    if item is None:
        return None
    return {"measure": _text(item.measure), "responsible": item.responsible, "due": format_date(item.due, lang),
            "due_date": item.due, "overdue": _overdue(item.due, report_date, status)}


def _overdue(due: dt.date | None, report_date: dt.date, status: FollowupStatus) -> bool:
    """Whether a deadline had passed by the report's date for a finding not closed."""
    return due is not None and due < report_date and status is not FollowupStatus.lukket


def _item_view(item, plan, repeated: set[str], recorded: bool, report_date: dt.date, lang: str) -> dict:
    date = dt.date.fromisoformat(item.date) if item.date else None
    plan_item = plan.items.get(item.id) if plan is not None else None
    return {
        "id": item.id, "criterion": item.criterion, "question": item.question,
        "kind": FindingKind(item.kind).label, "status": item.status.label, "status_css": item.status.name,
        "closed": item.status is FollowupStatus.lukket,
        "action": _text(item.action), "evidence": _text(item.evidence), "date": format_date(date, lang),
        "carried": item.carried,
        "recorded": recorded,  # the workshop's record names the finding
        "now": found_again_label(item.found_again) if item.carried else "",
        "repeated": not item.carried and item.criterion in repeated,
        "plan": _plan_view(plan_item, report_date, lang, item.status),
    }


def status_counts(items) -> dict[str, int]:
    """How many follow-up items have each status (lukket, delvis, åpen, ikke fulgt opp)."""
    counts = {s.value: 0 for s in STATUSES}
    for item in items:
        counts[item.status.value] += 1
    return counts


def _count_rows(visit: list, carried: list) -> list[dict]:
    v, c = status_counts(visit), status_counts(carried)
    rows = [{"label": s.label, "visit": v[s.value], "carried": c[s.value], "total": v[s.value] + c[s.value],
             "sum": False} for s in STATUSES]
    rows.append({"label": _("Til sammen"), "visit": len(visit), "carried": len(carried),
                 "total": len(visit) + len(carried), "sum": True})
    return rows


def remaining_view(items, views: list[dict], deadline: dt.date | None, report_date: dt.date, lang: str) -> list[dict]:
    """The findings not closed, each with its deadline: the plan's due date, else the deadline
    for the plan for retting; a deadline past on the report's date says so."""
    out = []
    for item, v in zip(items, views):
        if v["closed"]:
            continue
        plan = v["plan"]
        due = plan["due_date"] if plan and plan["due_date"] else deadline
        out.append({"id": v["id"], "criterion": v["criterion"], "question": v["question"], "status": v["status"],
                    "measure": plan["measure"] if plan else _text(""),
                    "responsible": plan["responsible"] if plan else "",
                    "due": format_date(due, lang) or _("ingen frist satt"),
                    "from_plan": bool(plan and plan["due_date"]),
                    "overdue": _overdue(due, report_date, item.status)})
    return out


# --------------------------------------------------------------------------- themes


def theme_answers(checklist, review) -> list[dict]:
    """The follow-up checklist's themes with the team's answers and comments, and the
    recommendations of the criteria not met (delvis or nei)."""
    results = evaluate(checklist, review.facts, review.answers)
    themes = []
    for theme in checklist.themes:
        rows, recommendations = [], []
        for crit in theme.criteria:
            answer = review.answers.get(crit.id)
            comment = getattr(answer, "comment", "") or ""
            if crit.scored:
                outcome = results[crit.id].outcome
                symbol, css = OUTCOME_SYMBOL[outcome], outcome.name
            else:  # a number, date or text answer is shown as it was given
                value = getattr(answer, "answer", None)
                outcome, symbol, css = None, "–" if value is None else str(value), "fact"
            comment_html = markdown_html(comment) if comment else ""
            rows.append({"id": crit.id, "question": crit.question, "symbol": symbol, "css": css,
                         "comment_html": inline_html(comment_html) or comment_html,
                         "comment_text": markdown_text(comment) if comment else ""})
            if outcome in (Outcome.delvis, Outcome.ikke_oppfylt) and crit.recommendation.strip():
                html = markdown_html(crit.recommendation)
                recommendations.append({"id": crit.id, "html": inline_html(html) or html,
                                        "text": markdown_text(crit.recommendation)})
        themes.append({"id": theme.id, "title": theme.title, "rows": rows, "recommendations": recommendations})
    return themes


# --------------------------------------------------------------------------- the report


def followup_context(bundle: RoundBundle, office_id: str, lang: str) -> dict:
    """Everything an office's follow-up report shows, as plain data (the office has a follow-up record)."""
    from ..followup import followup_items

    data, scores = bundle.data, bundle.scores
    office = data.round.office(office_id)
    review = data.followups[office_id]
    letter = followup_letter_view(data, office_id, lang, review.date)
    report_date = (data.reports[office_id].followup_report.date or review.date) if letter["letter"] else review.date
    plan = data.plans.get(office_id)
    repeated = _repeated(data, scores).get(office_id, set())
    every = followup_items(data, scores, office_id)
    # A workshop before the visit (or on its day) followed up the previous round, not this visit.
    items = [i for i in every if not i.after_workshop]
    later = len(every) - len(items)
    views = [_item_view(i, plan, repeated, i.id in review.findings, report_date, lang) for i in items]
    visit = [v for v in views if not v["carried"]]
    carried = [v for v in views if v["carried"]]
    deadline = plan_deadline(data, office_id)
    checklist = data.followup_checklist
    remaining = remaining_view(items, views, deadline, report_date, lang)
    themes = theme_answers(checklist, review) if checklist is not None else []
    return {
        **report_head("followup", data, lang),
        "office": {"id": office.id, "name": office.name},
        "workshop_date": format_date(review.date, lang),
        "reviewers": list(review.reviewers),
        "show_reviewers": not (letter["letter"] and letter["letter"]["team"]),
        "checklist": checklist_view(checklist) if checklist is not None else None,
        "counts": _count_rows([i for i in items if not i.carried], [i for i in items if i.carried]),
        "visit_findings": visit,
        "visit_later": later,  # this visit's findings the workshop, held before it, did not follow up
        "visit_column": bool(visit) or not later,  # counts of the visit's findings, when it followed them up
        "carried_findings": carried,
        "themes": themes,
        "note": _text(review.note),
        "remaining": remaining,
        "remaining_plan": any(r["from_plan"] or r["responsible"] or r["measure"]["text"] for r in remaining),
        "theme_comments": any(row["comment_text"] for theme in themes for row in theme["rows"]),
        "plan_deadline": format_date(deadline, lang),
        "plan_received": format_date(plan.received, lang) if plan is not None else "",
        "sample_record": None,  # the office report's sample statement (letter.opening) is not repeated here
        **letter,
    }


# --------------------------------------------------------------------------- the county


def county_followup(data, scores, lang: str) -> dict | None:
    """The county's follow-up for the county summary: per office and in total, the findings by
    status; the follow-up themes' answers office by office; the offices without a workshop.
    None when no office of the round has a follow-up record."""
    from ..followup import followup_items

    if not data.followups:
        return None
    rows, total = [], {s.value: 0 for s in STATUSES}
    before_visit = []
    for office in data.round.offices:
        review = data.followups.get(office.id)
        items = followup_items(data, scores, office.id)
        if any(i.after_workshop for i in items):
            before_visit.append(office.name)
        counts = status_counts(i for i in items if not i.after_workshop)
        for key, n in counts.items():
            total[key] += n
        rows.append({"name": office.name, "held": review is not None,
                     "date": format_date(review.date, lang) if review is not None else _("ikke holdt"),
                     "cells": [counts[s.value] for s in STATUSES], "total": sum(counts.values())})
    held = [o for o in data.round.offices if o.id in data.followups]
    return {
        "statuses": [s.label for s in STATUSES],
        "rows": rows,
        "total": {"cells": [total[s.value] for s in STATUSES], "total": sum(total.values())},
        "without": [o.name for o in data.round.offices if o.id not in data.followups],
        "before_visit": before_visit,  # offices whose workshop followed up the previous round only
        "offices": [o.name for o in held],
        "themes": county_theme_matrix(data, held),
    }


def county_theme_matrix(data, offices) -> list[dict]:
    """Per theme of the follow-up checklist: each criterion's answer at each office that held
    its workshop, and at how many of them it was met (ja)."""
    checklist = data.followup_checklist
    if checklist is None:
        return []
    results = {o.id: evaluate(checklist, data.followups[o.id].facts, data.followups[o.id].answers) for o in offices}
    themes = []
    for theme in checklist.themes:
        rows = []
        for crit in theme.criteria:
            if not crit.scored:
                continue
            outcomes = [results[o.id][crit.id].outcome for o in offices]
            counted = [x for x in outcomes if x.counts]
            rows.append({"id": crit.id, "question": crit.question,
                         "cells": [{"symbol": OUTCOME_SYMBOL[x], "css": x.name} for x in outcomes],
                         "met": _("{met} av {n}").format(met=sum(x is Outcome.oppfylt for x in counted),
                                                          n=len(counted)) if counted else "–"})
        if rows:
            themes.append({"id": theme.id, "title": theme.title, "rows": rows})
    return themes
