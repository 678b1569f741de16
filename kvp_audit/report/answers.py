"""The office reviews' answers that are not scored and not figures (text, choice and date
questions) as the county summary shows them: an office × question matrix with each answer as
the office gave it, and for a choice question how many offices gave each answer.

Offices come in the round's order; an office without an office review, or without an answer
to a question, is shown as not answered ("–"), never left out, so the county sees who answered.
"""

from __future__ import annotations

import datetime as dt

from ..models import AnswerType
from ..present import format_date

ANSWER_TYPES = (AnswerType.text, AnswerType.choice, AnswerType.date)
NOT_ANSWERED = "–"


def _value(answer) -> object:
    """The answer's value, or None when it has none (an empty text is no answer)."""
    value = getattr(answer, "answer", None)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _shown(value: object, lang: str) -> str:
    """An answer as printed: a date in the report's language, anything else as written."""
    if isinstance(value, dt.date):
        return format_date(value, lang)
    return str(value).strip()


def choice_counts(criterion, values: list[object]) -> dict:
    """How many offices gave each answer to a choice question: the checklist's options in their
    order (0 included), then any other answer as itself, then the offices that gave none."""
    counts = {option: 0 for option in criterion.options}
    for value in values:
        if value is None:
            continue
        key = str(value).strip()
        counts[key] = counts.get(key, 0) + 1
    rows = [{"answer": answer, "count": n, "option": answer in criterion.options} for answer, n in counts.items()]
    answered = sum(1 for v in values if v is not None)
    return {"id": criterion.id, "label": criterion.label, "question": criterion.question, "rows": rows,
            "answered": answered, "unanswered": len(values) - answered, "of": len(values)}


def answer_matrix(data, lang: str) -> dict | None:
    """The office × question matrix of the office reviews' text, choice and date answers, and the
    count of each answer to the choice questions; None when there is no such question or no review."""
    checklist = data.office_checklist
    if checklist is None or not data.office_reviews:
        return None
    criteria = [c for c in checklist.criteria() if c.answer in ANSWER_TYPES]
    if not criteria:
        return None
    offices = list(data.round.offices)
    values: dict[str, list[object]] = {c.id: [] for c in criteria}
    rows = []
    for office in offices:
        review = data.office_reviews.get(office.id)
        cells = []
        for crit in criteria:
            value = _value(review.answers.get(crit.id)) if review is not None else None
            values[crit.id].append(value)
            cells.append({"text": NOT_ANSWERED if value is None else _shown(value, lang), "answered": value is not None})
        rows.append({"name": office.name, "cells": cells})
    columns = [{"id": c.id, "label": c.label, "question": c.question, "type": c.answer.value} for c in criteria]
    choices = [choice_counts(c, values[c.id]) for c in criteria if c.answer is AnswerType.choice]
    return {"columns": columns, "rows": rows, "choices": choices,
            "answered": sum(1 for row in rows if any(cell["answered"] for cell in row["cells"])),
            "of": len(offices)}
