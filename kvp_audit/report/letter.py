"""The letter parts of the reports: the office's rapport.yaml and the round's ``report:`` block as plain data.

An office report is a letter only when its office folder has a ``rapport.yaml``: then it
gets a sender, reference, team, the team's own text, a deadline and a signature, each
falling back on the round's ``report:`` block in ``runde.yaml``, and a draft (status
``utkast``) is marked UTKAST. A round without these files reports as it always has.
"""

from __future__ import annotations

import datetime as dt
import re

from ..markup import Md, markdown_html, markdown_text
from ..models import ReportStatus, RoundReport
from ..present import format_date

TEXT_KEYS = ("summary", "visit", "sample", "conclusion")


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def _markdown(text: str) -> dict | None:
    """A Markdown text for both outputs, or None when there is none.

    The Markdown report gets one line per paragraph (a Markdown comment becomes one line),
    so a team's summary keeps its paragraphs there too.
    """
    if not text or not text.strip():
        return None
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()]
    return {"html": markdown_html(text), "text": Md("\n\n".join(markdown_text(p) for p in paragraphs))}


def _people(people) -> list[dict]:
    return [{"name": p.name, "title": p.title} for p in people]


def reply_deadline(date: dt.date, deadline: dt.date | None, reply_weeks: int | None) -> dt.date | None:
    """The deadline for the office's reply: the one given, else ``reply_weeks`` after the report date, else none."""
    if deadline is not None:
        return deadline
    if reply_weeks:
        return date + dt.timedelta(weeks=reply_weeks)
    return None


def _status_view(status: ReportStatus, date: dt.date, lang: str) -> dict:
    """A report's status as the letter shows it (an office report's and the county summary's alike)."""
    return {"status": status.value, "draft": status is ReportStatus.utkast, "status_label": status.label,
            "date": format_date(date, lang)}


def letter_view(data, office_id: str, lang: str, visit_dates: list[dt.date], scores=None) -> dict:
    """``letter``, ``draft``, ``report_date`` and ``has_letter`` (the letter's styles) for an office report's context.

    ``letter`` is None when the office has no rapport.yaml; the report date is then, as
    before, the last visit date (or the round's end when there was no visit). ``sample_record``
    says how the sample was drawn, from utvalg.yaml (None without one). ``draft_changes`` is the
    final report's changes from the frozen draft (with ``scores``), else None.
    """
    from ..sample import sample_view

    rnd = data.round
    default_date = visit_dates[-1] if visit_dates else rnd.period.end
    report = data.reports.get(office_id)
    sample_record = sample_view(data, office_id, lang)  # how the sample was drawn (utvalg.yaml), or None
    if report is None:
        return {"letter": None, "has_letter": False, "draft": False, "report_date": format_date(default_date, lang),
                "show_reviewers": True, "sample_record": sample_record, "draft_changes": None}
    shared = rnd.report or RoundReport()
    date = report.date or default_date
    deadline = reply_deadline(date, report.reply_deadline, shared.reply_weeks)
    texts = {key: _markdown(getattr(report.text, key) or getattr(shared.texts, key)) for key in TEXT_KEYS}
    theme_texts = {tid: view for tid, text in report.text.themes.items() if (view := _markdown(text)) is not None}
    letter = {
        **_status_view(report.status, date, lang),
        "reply_deadline": format_date(deadline, lang),
        "reference": report.reference or shared.reference,
        "sender": report.sender or shared.sender,
        "team": _people(report.team),
        "signature": _people(report.signature or shared.signature),
        "texts": texts,
        "theme_texts": theme_texts,
    }
    # The team by name replaces the reviewers' initials from the case files on the cover.
    from ..draft import draft_changes

    return {"letter": letter, "has_letter": True, "draft": letter["draft"], "report_date": letter["date"],
            "show_reviewers": not letter["team"], "sample_record": sample_record,
            "draft_changes": draft_changes(data, scores, office_id, lang) if scores is not None else None}


def county_letter_view(data, lang: str) -> dict:
    """``county_letter``, ``draft`` and ``report_date`` for the county summary's context.

    ``county_letter`` is None when runde.yaml has no ``report.summary``; the report date is
    then, as before, the round's end.
    """
    rnd = data.round
    summary = rnd.report.summary if rnd.report is not None else None
    if summary is None:
        return {"county_letter": None, "has_letter": False, "draft": False, "report_date": format_date(rnd.period.end, lang)}
    date = summary.date or rnd.period.end
    county = {
        **_status_view(summary.status, date, lang),
        "reference": rnd.report.reference,
        "sender": rnd.report.sender,
        "team": [],
        "reply_deadline": "",
        "signature": _people(rnd.report.signature),
        "text": _markdown(summary.text),
    }
    return {"county_letter": county, "has_letter": True, "draft": county["draft"], "report_date": county["date"]}
