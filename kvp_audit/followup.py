"""Follow-up of findings: what each office did with the avvik and merknader of a report.

A finding has a stable id, ``round/office/criterion``. Each office's ``oppfolging.yaml``
records, per finding id, its status (lukket, delvis, åpen), what the office did, the
evidence and the date. Findings still open when a new round is made from this one
(``kvp-audit new round --from``) are carried into the new round's ``runde.yaml``, mapped to
the new checklist version through ``replaces``, so the next visit checks them.

Pure functions over loaded and scored rounds, apart from :func:`followup_problems`, which
reads the follow-up files again to place its warnings at the right line.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Problem, display_path
from .i18n import _
from .models import OPEN_KINDS, CarriedFinding, Checklist, FindingKind, FollowupStatus


@dataclass
class FollowupItem:
    """One finding to follow up at one office, with what has been recorded about it."""

    id: str
    kind: str
    criterion: str
    question: str
    carried: bool            # from an earlier round
    status: FollowupStatus   # lukket, delvis, åpen or ikke fulgt opp
    action: str = ""
    evidence: str = ""
    date: str = ""
    found_again: bool | None = None  # carried only: is the criterion a finding again in this round?
    now: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "criterion": self.criterion, "question": self.question,
                "carried": self.carried, "status": self.status.value, "action": self.action,
                "evidence": self.evidence, "date": self.date, "found_again": self.found_again,
                "now": list(self.now)}


def _record(data, office_id: str, finding_id: str):
    review = data.followups.get(office_id)
    return review.findings.get(finding_id) if review is not None else None


def followup_items(data, scores, office_id: str) -> list[FollowupItem]:
    """This round's avvik and merknader at an office, then the findings carried into the round."""
    criteria = dict(data.case_checklist.criterion_map())
    if data.office_checklist is not None:
        criteria.update(data.office_checklist.criterion_map())
    s = scores.offices[office_id]
    items = []
    for f in s.findings:
        if f.kind not in OPEN_KINDS:
            continue
        rec = _record(data, office_id, f.id)
        items.append(FollowupItem(
            f.id, f.kind, f.criterion, criteria[f.criterion].question, False,
            rec.status if rec else FollowupStatus.ikke_fulgt_opp,
            rec.action if rec else "", rec.evidence if rec else "",
            rec.date.isoformat() if rec and rec.date else ""))
    findings_now = {f.criterion for f in s.findings if f.kind in OPEN_KINDS}
    assessed_now = {cid for cid, t in s.by_criterion.items() if t.counted}
    assessed_now |= {cid for cid, t in s.office_by_criterion.items() if t.counted}
    for c in data.round.carried.get(office_id, []):
        rec = _record(data, office_id, c.id)
        again = None
        if c.now and any(n in assessed_now for n in c.now):
            again = any(n in findings_now for n in c.now)
        items.append(FollowupItem(
            c.id, c.kind, c.criterion, c.question, True,
            rec.status if rec else FollowupStatus(c.status),
            rec.action if rec else "", rec.evidence if rec else "",
            rec.date.isoformat() if rec and rec.date else "", again, tuple(c.now)))
    return items


def followup_view(data, scores, office: str | None = None) -> dict:
    """Per office: the findings to follow up, and how many are closed, partly closed or open."""
    offices = []
    for o in data.round.offices:
        if office is not None and o.id != office:
            continue
        items = followup_items(data, scores, o.id)
        counts = {status.value: 0 for status in FollowupStatus}
        for item in items:
            counts[item.status.value] += 1
        offices.append({"office": o.id, "name": o.name, "counts": counts,
                        "findings": [i.as_dict() for i in items]})
    return {"round": data.round.id, "name": data.round.name, "offices": offices}


def followup_problems(data, scores) -> list[Problem]:
    """Warnings for follow-up records that name a finding the round does not have."""
    from .load import FOLLOWUP_FILE
    from .yamlio import Locator, read_text

    problems = []
    for office_id, review in data.followups.items():
        if office_id not in scores.offices:
            continue
        known = {item.id for item in followup_items(data, scores, office_id)}
        if all(fid in known for fid in review.findings):
            continue
        path = data.path / office_id / FOLLOWUP_FILE
        try:
            locator = Locator(read_text(path))
        except Exception:  # the file was read once already; a second read failing only loses the line
            locator = None
        problems += unknown_finding_problems(review.findings, known, path, locator, data.path)
    return problems


def unknown_finding_problems(recorded, known: set[str], path, locator, round_dir) -> list[Problem]:
    """A warning, at its line and with the nearest known id, for each recorded finding id not in ``known``.

    The one rule for ``validate``, ``followup`` and the web form's follow-up page.
    """
    from .validation import suggest

    out = []
    for fid in recorded:
        if fid in known:
            continue
        line, col = locator.locate(["findings", fid], at_key=True) if locator else (None, None)
        near = suggest(fid, sorted(known))
        hint = (_("mente du '{near}'?").format(near=near) if near else
                _("bruk en funn-id fra rapporten ('kvp-audit followup {round}' viser dem)").format(
                    round=display_path(round_dir)))
        out.append(Problem(display_path(path), line, col, f"findings.{fid}",
                           _("funnet '{id}' finnes ikke i runden eller blant funnene som er ført videre")
                           .format(id=fid), hint, severity="warning"))
    return out


# --------------------------------------------------------------------------- carrying over


def map_to(old_criterion: str, new_checklist: Checklist) -> list[str]:
    """The criteria of a newer checklist that answer to an old criterion id (same id or replaces)."""
    out = []
    for crit in new_checklist.criteria():
        if crit.id == old_criterion or old_criterion in crit.replaces:
            out.append(crit.id)
    return out


def carried_findings(data, scores, case_checklist: Checklist, office_checklist: Checklist | None,
                     offices: set[str] | None = None) -> dict[str, list[CarriedFinding]]:
    """The findings of a round that are not closed, for the next round (mapped to its checklists).

    ``offices`` limits them to the offices of the next round."""
    out: dict[str, list[CarriedFinding]] = {}
    office_ids = set()
    if data.office_checklist is not None:
        office_ids = {c.id for c in data.office_checklist.criteria()}
    for o in data.round.offices:
        if offices is not None and o.id not in offices:
            continue
        kept = []
        for item in followup_items(data, scores, o.id):
            if item.status is FollowupStatus.lukket:
                continue
            target = office_checklist if item.criterion in office_ids and office_checklist else case_checklist
            kept.append(CarriedFinding(id=item.id, kind=item.kind, criterion=item.criterion,
                                       question=item.question, status=item.status,
                                       now=map_to(item.criterion, target)))
        if kept:
            out[o.id] = kept
    return out


# --------------------------------------------------------------------------- text


def followup_table(view: dict) -> str:
    """The follow-up of a round as text, office by office."""
    from .textout import table

    out = [view["name"], ""]
    out.append(table([_("Kontor"), *(s.label for s in FollowupStatus)],
                     [[o["name"], *(str(o["counts"][s.value]) for s in FollowupStatus)]
                      for o in view["offices"]], right={1, 2, 3, 4}))
    for o in view["offices"]:
        open_items = [f for f in o["findings"] if f["status"] != FollowupStatus.lukket]
        if not open_items:
            continue
        out += ["", _("{office}: ikke lukket").format(office=o["name"])]
        rows = []
        for f in open_items:
            note = ""
            if f["carried"]:
                note = _("fra forrige runde")
                if f["found_again"] is True:
                    note += ", " + _("funnet igjen")
                elif f["found_again"] is False:
                    note += ", " + _("ikke funnet igjen")
            kind = FindingKind(f["kind"]).label
            rows.append([f["id"], kind, f["status"], note])
        out.append(table([_("Funn-id"), _("Type"), _("Status"), _("Kommentar")], rows))
    return "\n".join(out) + "\n"
