"""The draft as it was sent, and what the final report changed.

``kvp-audit step ROUND OFFICE utkast-sendt`` freezes the office's findings in
``utkast-sendt.yaml`` (a :class:`~kvp_audit.models.DraftRecord`; the tool writes it, nobody
edits it). When the report is final, :func:`draft_changes` compares the findings then and
now: findings added, taken out or changed (another kind, other cases or outcomes), each
with the team's reason from ``draft_review.changes`` in rapport.yaml, and the office's
comments on the draft with their date.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Problem, display_path
from .i18n import _, ngettext
from .models import DraftFinding, DraftRecord, Outcome, ReportStatus
from .scoring import OFFICE_CASE_KEY

ADDED, REMOVED, CHANGED = "lagt til", "tatt ut", "endret"


def current_findings(data, scores, office_id: str) -> list[DraftFinding]:
    """The office's findings now, as the draft record holds them (failing cases with their outcome)."""
    criteria = dict(data.case_checklist.criterion_map())
    if data.office_checklist is not None:
        criteria.update(data.office_checklist.criterion_map())
    score = scores.offices[office_id]
    out = []
    for f in score.findings:
        cases = {}
        if f.kind != "god praksis":
            for key in f.cases:
                if key == OFFICE_CASE_KEY:
                    continue  # an office criterion: only its kind is compared
                result = score.cases.get(key, {}).get(f.criterion)
                if result is not None and result.outcome in (Outcome.ikke_oppfylt, Outcome.delvis):
                    cases[key] = result.outcome.value
        out.append(DraftFinding(id=f.id, kind=f.kind, criterion=f.criterion,
                                question=criteria[f.criterion].question, cases=cases))
    return out


def freeze_draft(data, scores, office_id: str, sent: dt.date) -> DraftRecord:
    """The draft record of an office: its findings now, sent on ``sent``."""
    return DraftRecord(sent=sent, findings=current_findings(data, scores, office_id))


def draft_text(record: DraftRecord) -> str:
    """The text of utkast-sendt.yaml, with the header that says who wrote it."""
    lines = ["# " + _("Skrevet av kvp-audit da utkastet ble sendt. Ikke rediger denne filen."),
             f"sent: {record.sent.isoformat()}"]
    if not record.findings:
        lines.append("findings: []")
    else:
        lines.append("findings:")
    for f in record.findings:
        cases = ", ".join(f"{key}: {outcome}" for key, outcome in sorted(f.cases.items()))
        lines += [f"  - id: {json.dumps(f.id, ensure_ascii=False)}", f"    kind: {f.kind}",
                  f"    criterion: {json.dumps(f.criterion, ensure_ascii=False)}",
                  f"    question: {json.dumps(f.question, ensure_ascii=False)}", f"    cases: {{{cases}}}"]
    return "\n".join(lines) + "\n"


def freeze_round_draft(root: Path, office_id: str, sent: dt.date) -> tuple[str, int]:
    """Load and score the round and give the text of the office's draft record and its number of findings.

    A round with errors is refused: the draft must be frozen from what the report shows.
    """
    from .load import load_round
    from .scoring import score_round

    data = load_round(root)
    if data.errors:
        raise InputError(ngettext("runden har {n} feil; rett den (se 'kvp-audit validate') før utkastet låses",
                                  "runden har {n} feil; rett dem (se 'kvp-audit validate') før utkastet låses",
                                  len(data.errors)).format(n=len(data.errors)), data.errors)
    record = freeze_draft(data, score_round(data), office_id, sent)
    return draft_text(record), len(record.findings)


# --------------------------------------------------------------------------- the changes


@dataclass
class Change:
    """One finding that differs between the draft and the final report."""

    criterion: str
    question: str
    change: str                    # lagt til, tatt ut or endret
    draft: DraftFinding | None
    final: DraftFinding | None


def compare(record: DraftRecord, now: list[DraftFinding]) -> list[Change]:
    """The findings added, taken out or changed since the draft, in the order of the report then the draft."""
    then = {f.criterion: f for f in record.findings}
    current = {f.criterion: f for f in now}
    out = []
    for f in now:
        old = then.get(f.criterion)
        if old is None:
            out.append(Change(f.criterion, f.question, ADDED, None, f))
        elif old.kind != f.kind or old.cases != f.cases:
            out.append(Change(f.criterion, f.question, CHANGED, old, f))
    for f in record.findings:
        if f.criterion not in current:
            out.append(Change(f.criterion, f.question, REMOVED, f, None))
    return out


def change_label(change: str) -> str:
    """«lagt til», «tatt ut» or «endret» in the current language."""
    return {ADDED: _("lagt til"), REMOVED: _("tatt ut"), CHANGED: _("endret")}[change]


def _kind(kind: str) -> str:
    from .models import FindingKind

    return FindingKind(kind).label


def _outcome(outcome: str) -> str:
    return _("ikke oppfylt") if outcome == "ikke oppfylt" else _("delvis oppfylt")


def _cases(finding: DraftFinding) -> str:
    if not finding.cases:
        return _("ingen saker")
    return ", ".join("{} ({})".format(key, _outcome(outcome)) for key, outcome in sorted(finding.cases.items()))


def describe(change: Change) -> str:
    """What changed, in words: «merknad → avvik; saker: K-1 (delvis oppfylt) → K-1 (ikke oppfylt)»."""
    if change.change == ADDED:
        text = _("nytt funn: {kind}").format(kind=_kind(change.final.kind))
        return text + ("; " + _("saker: {cases}").format(cases=_cases(change.final)) if change.final.cases else "")
    if change.change == REMOVED:
        text = _("tatt ut: var {kind} i utkastet").format(kind=_kind(change.draft.kind))
        return text + ("; " + _("saker: {cases}").format(cases=_cases(change.draft)) if change.draft.cases else "")
    parts = []
    if change.draft.kind != change.final.kind:
        parts.append("{} → {}".format(_kind(change.draft.kind), _kind(change.final.kind)))
    good = "god praksis" in (change.draft.kind, change.final.kind)  # good practice has no failing cases
    if change.draft.cases != change.final.cases and not good:
        parts.append(_("saker: {draft} → {final}").format(draft=_cases(change.draft), final=_cases(change.final)))
    return change_label(CHANGED) + ": " + "; ".join(parts)


def changes_for(data, scores, office_id: str) -> list[Change] | None:
    """The changes since the draft when the office's report is final and its draft was frozen; else None."""
    report = data.reports.get(office_id)
    record = data.drafts.get(office_id)
    if report is None or record is None or report.status is not ReportStatus.endelig:
        return None
    return compare(record, current_findings(data, scores, office_id))


def draft_changes(data, scores, office_id: str, lang: str = "nb") -> dict | None:
    """The final report's «Endringer fra utkastet»: the draft's date, the office's comments and
    every change with the team's reason; None unless the report is final and the draft was frozen."""
    from .present import format_date
    from .report.letter import _markdown

    changes = changes_for(data, scores, office_id)
    if changes is None:
        return None
    report, record = data.reports[office_id], data.drafts[office_id]
    received = report.course.comments_received
    reasons = report.draft_review.changes
    rows = [{"criterion": c.criterion, "question": c.question, "change": c.change,
             "change_label": change_label(c.change), "what": describe(c),
             "reason": _in_cell(_markdown(reasons.get(c.criterion, "")))} for c in changes]
    intro = _("Utkastet til rapport ble sendt kontoret {date}.").format(date=format_date(record.sent, lang))
    comments = _markdown(report.draft_review.comments)
    if received is not None:
        heard = _("Kontorets merknader kom {date}.").format(date=format_date(received, lang))
    elif comments is not None:
        heard = _("Kontoret har kommet med merknader.")
    else:
        heard = _("Kontoret kom ikke med merknader til utkastet.")
    if rows:
        summary = ngettext("{n} funn er endret fra utkastet.", "{n} funn er endret fra utkastet.", len(rows)).format(n=len(rows))
    else:
        summary = _("Funnene er de samme som i utkastet.")
    return {"intro": intro, "heard": heard, "comments": comments, "summary": summary, "changes": rows,
            "sent": format_date(record.sent, lang), "comments_received": format_date(received, lang)}


def _in_cell(text: dict | None) -> dict | None:
    """A reason for a table cell: one paragraph without its <p>, so it lines up with the cells beside it."""
    from .report.context import inline_html

    return None if text is None else {**text, "html": inline_html(text["html"]) or text["html"]}


def draft_problems(data, scores) -> list[Problem]:
    """Warnings for a final report's changes from the draft that have no reason in draft_review.changes,
    and for reasons given for a criterion that did not change."""
    from .load import REPORT_FILE, read_mapping
    from .yamlio import Locator, YamlFileError

    problems: list[Problem] = []
    for office in data.round.offices:
        changes = changes_for(data, scores, office.id)
        if changes is None:
            continue
        path = data.path / office.id / REPORT_FILE
        try:
            _data, text = read_mapping(path)
            locator: Locator | None = Locator(text)
        except YamlFileError:
            locator = None
        shown = display_path(path)
        reasons = data.reports[office.id].draft_review.changes
        changed = {c.criterion for c in changes}
        for c in changes:
            if reasons.get(c.criterion, "").strip():
                continue
            line, col = locator.locate(("draft_review", "changes")) if locator else (None, None)
            if line is None and locator is not None:
                line, col = locator.locate(("status",))
            problems.append(Problem(shown, line, col, key=f"draft_review.changes.{c.criterion}",
                                    message=_("funnet {criterion} er {change} siden utkastet, uten begrunnelse").format(
                                        criterion=c.criterion, change=change_label(c.change)),
                                    hint=_("skriv teamets begrunnelse under draft_review.changes.{criterion} i "
                                           "rapport.yaml; den står i den endelige rapporten").format(criterion=c.criterion),
                                    severity="warning"))
        for criterion in reasons:
            if criterion in changed:
                continue
            line, col = locator.locate(("draft_review", "changes", criterion), at_key=True) if locator else (None, None)
            problems.append(Problem(shown, line, col, key=f"draft_review.changes.{criterion}",
                                    message=_("funnet {criterion} er ikke endret siden utkastet").format(criterion=criterion),
                                    hint=_("fjern begrunnelsen, eller sjekk kriterie-id-en"), severity="warning"))
    return problems
