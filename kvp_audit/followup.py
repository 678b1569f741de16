"""Follow-up of findings: what each office did with the avvik and merknader of a report.

A finding has a stable id, ``round/office/criterion``. Each office's ``oppfolging.yaml``
records, per finding id, its status (lukket, delvis, åpen), what the office did, the
evidence and the date. Findings still open when a new round is made from this one
(``kvp-audit new round --from``) are carried into the new round's ``runde.yaml``, mapped to
the new checklist version through ``replaces``, so the next visit checks them.

The office's plan for retting (``plan.yaml``) gives, per finding id, the office's measure,
who is responsible (a role or initials), a due date, and later its status and evidence; it
is shown beside the finding. A finding recorded as lukket (in either file) without evidence
gets a warning. A finding closed in the previous round and found again in this one is
*gjentatt* (:func:`repeated_findings`).

Pure functions over loaded and scored rounds, apart from :func:`followup_problems`, which
reads the follow-up files again to place its warnings at the right line, and
:func:`repeated_findings`, which loads the previous round when it is not given.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Problem, display_path
from .i18n import _, ngettext
from .models import OPEN_KINDS, CarriedFinding, Checklist, FindingKind, FollowupStatus, PlanItem


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
    plan: PlanItem | None = None     # the office's measure in plan.yaml
    repeated: tuple[str, ...] = ()   # the previous round's closed findings this one repeats (gjentatt)
    # This round's finding, not recorded at a workshop held before the visit or on its day: that
    # workshop followed up the previous round, so this finding waits for a later follow-up.
    after_workshop: bool = False

    def as_dict(self) -> dict:
        plan = None
        if self.plan is not None:
            plan = {"measure": self.plan.measure, "responsible": self.plan.responsible,
                    "due": self.plan.due.isoformat() if self.plan.due else "", "status": self.plan.status,
                    "evidence": self.plan.evidence, "checked": self.plan.checked.isoformat() if self.plan.checked else ""}
        return {"id": self.id, "kind": self.kind, "criterion": self.criterion, "question": self.question,
                "carried": self.carried, "status": self.status.value, "action": self.action,
                "evidence": self.evidence, "date": self.date, "found_again": self.found_again,
                "now": list(self.now), "plan": plan, "repeated": bool(self.repeated),
                "repeated_from": list(self.repeated)}


def _record(data, office_id: str, finding_id: str):
    review = data.followups.get(office_id)
    return review.findings.get(finding_id) if review is not None else None


def _plan_item(data, office_id: str, finding_id: str) -> PlanItem | None:
    plan = data.plans.get(office_id)
    return plan.items.get(finding_id) if plan is not None else None


def workshop_before_visit(data, office_id: str) -> bool:
    """Whether the office's follow-up workshop (oppfolging.yaml) was held before the visit or on
    its day, and so followed up the previous round's findings, not this visit's (the rule
    ``kvp-audit status`` reads the course by: :func:`kvp_audit.course.follows_up_visit`)."""
    from .course import follows_up_visit, office_sources_from_data, visit_date

    review = data.followups.get(office_id)
    office = data.round.office(office_id)
    if review is None or office is None:
        return False
    return not follows_up_visit(review.date, visit_date(office_sources_from_data(data, office)))


def followup_items(data, scores, office_id: str) -> list[FollowupItem]:
    """This round's avvik and merknader at an office, then the findings carried into the round,
    each with its follow-up record and its item in the office's plan.

    This round's findings that a workshop before the visit could not follow up are marked
    ``after_workshop`` (their status stays ikke fulgt opp: the next round carries them)."""
    criteria = dict(data.case_checklist.criterion_map())
    if data.office_checklist is not None:
        criteria.update(data.office_checklist.criterion_map())
    s = scores.offices[office_id]
    before_visit = workshop_before_visit(data, office_id)
    items = []
    for f in s.findings:
        if f.kind not in OPEN_KINDS:
            continue
        rec = _record(data, office_id, f.id)
        items.append(FollowupItem(
            f.id, f.kind, f.criterion, criteria[f.criterion].question, False,
            rec.status if rec else FollowupStatus.ikke_fulgt_opp,
            rec.action if rec else "", rec.evidence if rec else "",
            rec.date.isoformat() if rec and rec.date else "", plan=_plan_item(data, office_id, f.id),
            after_workshop=before_visit and rec is None))
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
            rec.date.isoformat() if rec and rec.date else "", again, tuple(c.now),
            plan=_plan_item(data, office_id, c.id)))
    return items


def followup_view(data, scores, office: str | None = None, previous=None) -> dict:
    """Per office: the findings to follow up, how many are closed, partly closed or open, and
    whether the office has a plan for retting (``plan_received``: its date, or "")."""
    repeated = repeated_sources(data, scores, previous, office)
    offices = []
    for o in data.round.offices:
        if office is not None and o.id != office:
            continue
        items = followup_items(data, scores, o.id)
        again = repeated.get(o.id, {})
        counts = {status.value: 0 for status in FollowupStatus}
        for item in items:
            if not item.after_workshop:
                counts[item.status.value] += 1
            if not item.carried:
                item.repeated = tuple(again.get(item.criterion, ()))
        plan = data.plans.get(o.id)
        review = data.followups.get(o.id)
        offices.append({"office": o.id, "name": o.name, "counts": counts,
                        "has_plan": plan is not None,
                        "plan_received": plan.received.isoformat() if plan is not None and plan.received else "",
                        "workshop": review.date.isoformat() if review is not None else "",
                        "findings": [i.as_dict() for i in items if not i.after_workshop],
                        # this round's findings a workshop before the visit did not follow up
                        "after_workshop": [i.as_dict() for i in items if i.after_workshop]})
    return {"round": data.round.id, "name": data.round.name, "offices": offices}


def _locator(path):
    from .yamlio import Locator, read_text

    try:
        return Locator(read_text(path))
    except Exception:  # the file was read once already; a second read failing only loses the line
        return None


def followup_problems(data, scores) -> list[Problem]:
    """The problems of the follow-up and plan files that only a scored round shows: finding
    ids the office does not have, closure without evidence, plan dates before the report."""
    from .load import FOLLOWUP_FILE, PLAN_FILE

    problems = []
    for office_id in sorted(set(data.followups) | set(data.plans)):
        if office_id not in scores.offices:
            continue
        order = [item.id for item in followup_items(data, scores, office_id)]
        known = set(order)
        review = data.followups.get(office_id)
        if review is not None:
            path = data.path / office_id / FOLLOWUP_FILE
            closed = [fid for fid, rec in review.findings.items()
                      if rec.status is FollowupStatus.lukket and not rec.evidence.strip()]
            if closed or not all(fid in known for fid in review.findings):
                locator = _locator(path)
                problems += unknown_finding_problems(review.findings, known, path, locator, data.path)
                problems += closure_problems(closed, "findings", path, locator)
        plan = data.plans.get(office_id)
        if plan is not None:
            problems += plan_problems(data, office_id, plan, order, data.path / office_id / PLAN_FILE)
    return problems


def closure_problems(closed, group: str, path, locator) -> list[Problem]:
    """A warning for each finding id in ``closed``, recorded as lukket under ``group`` with no evidence.

    A warning, not an error, so that follow-up files written before the rule keep validating;
    ``validate --strict`` fails on it.
    """
    out = []
    for fid in closed:
        line, col = locator.locate([group, fid, "status"]) if locator else (None, None)
        out.append(Problem(display_path(path), line, col, f"{group}.{fid}.evidence",
                           _("funnet '{id}' er ført som lukket uten dokumentasjon").format(id=fid),
                           _("skriv i evidence hva som viser at praksis er endret (for eksempel en ny rutine "
                             "eller saksnotater dere har sett), eller sett status til delvis"),
                           severity="warning"))
    return out


def plan_problems(data, office_id: str, plan, ids: list[str], path, date=None, text: str | None = None) -> list[Problem]:
    """The problems of an office's plan.yaml: items for a finding the office does not have
    (errors), closure without evidence and a due date before the report date (warnings).

    ``ids`` are the office's finding ids, in the order the report lists them. The web form
    gives the report ``date`` and the ``text`` it would write (then ``data`` is not read)."""
    from .validation import suggest
    from .yamlio import Locator

    known = set(ids)
    unknown = [fid for fid in plan.items if fid not in known]
    closed = [fid for fid, item in plan.items.items() if item.status == FollowupStatus.lukket.value
              and not item.evidence.strip()]
    date = report_date(data, office_id) if date is None else date
    early = [fid for fid, item in plan.items.items() if item.due is not None and item.due < date]
    if not (unknown or closed or early):
        return []
    locator = Locator(text) if text is not None else _locator(path)
    shown = display_path(path)
    out = []
    for fid in unknown:
        line, col = locator.locate(["items", fid], at_key=True) if locator else (None, None)
        near = suggest(fid, ids)
        if not ids:
            hint = _("kontoret har ingen avvik eller merknader å rette: fjern punktet")
        elif near:
            hint = _("mente du '{near}'? Funn-id-ene for kontoret er: {ids}").format(near=near, ids=", ".join(ids))
        else:
            hint = _("bruk en av funn-id-ene for kontoret: {ids}").format(ids=", ".join(ids))
        out.append(Problem(shown, line, col, f"items.{fid}",
                           _("planen har et punkt for '{id}', som ikke er et avvik eller en merknad ved kontoret "
                             "eller et funn som er ført videre").format(id=fid), hint))
    out += closure_problems(closed, "items", path, locator)
    for fid in early:
        line, col = locator.locate(["items", fid, "due"]) if locator else (None, None)
        out.append(Problem(shown, line, col, f"items.{fid}.due",
                           _("fristen {due} er før rapportdatoen {date}").format(
                               due=plan.items[fid].due.isoformat(), date=date.isoformat()),
                           _("sjekk datoen: fristen for et tiltak kommer etter rapporten (skriv ÅÅÅÅ-MM-DD)"),
                           severity="warning"))
    return out


def report_date(data, office_id: str):
    """The office report's date: rapport.yaml's date, else the last visit (or case) date, else the round's end."""
    report = data.reports.get(office_id)
    if report is not None and report.date is not None:
        return report.date
    review = data.office_reviews.get(office_id)
    if review is not None:
        dates = list(review.visit_dates)
    else:
        dates = [c.date for c in data.cases.get(office_id, []) if c.date is not None]
    return max(dates) if dates else data.round.period.end


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


# --------------------------------------------------------------------------- repeated findings


def repeated_findings(data, scores, previous=None) -> dict[str, set[str]]:
    """Office id → the criteria of this round's avvik and merknader that were closed in the
    previous round (lukket in its oppfolging.yaml or plan.yaml) and are found again (gjentatt).

    ``previous`` is the previous round as (data, scores); without it the round named in
    ``previous`` is loaded, and a missing or broken previous round gives no repeated findings.
    """
    return {office: set(found) for office, found in repeated_sources(data, scores, previous).items()}


def repeated_sources(data, scores, previous=None, office: str | None = None) -> dict[str, dict[str, list[str]]]:
    """Office id → {criterion of this round's finding: the previous round's closed finding ids it repeats}.

    Criteria line up as in ``compare``: the same id in the same checklist, or ``replaces``;
    a finding carried into the previous round is traced through its ``now`` criteria.
    ``office`` limits the answer to one office (an office report needs only its own).
    """
    if previous is None:
        previous = _previous_round(data)
    if previous is None:
        return {}
    before, before_scores = previous
    links = _criterion_links(before, data)
    out: dict[str, dict[str, list[str]]] = {}
    for office_id, score in scores.offices.items():
        if office is not None and office_id != office:
            continue
        now = {f.criterion for f in score.findings if f.kind in OPEN_KINDS}
        if not now or office_id not in before_scores.offices:
            continue
        found: dict[str, list[str]] = {}
        for item in followup_items(before, before_scores, office_id):
            if not _closed(item):
                continue
            for old in (item.now if item.carried else (item.criterion,)):
                for new in links.get(old, ()):
                    if new in now and item.id not in found.get(new, []):
                        found.setdefault(new, []).append(item.id)
        if found:
            out[office_id] = found
    return out


def _closed(item: FollowupItem) -> bool:
    """Closed at follow-up, or by the office's plan."""
    return item.status is FollowupStatus.lukket or (
        item.plan is not None and item.plan.status == FollowupStatus.lukket.value)


def _criterion_links(before, after) -> dict[str, list[str]]:
    """An older round's criterion id → the criteria of the newer round's checklists that answer to it."""
    from .compare import map_criteria

    links: dict[str, list[str]] = {}
    pairs = ((before.case_checklist, after.case_checklist), (before.office_checklist, after.office_checklist))
    for old, new in pairs:
        if old is None or new is None:
            continue
        for link in map_criteria(old, new).links:
            for source in link.sources:
                links.setdefault(source, []).append(link.criterion)
    return links


def _previous_round(data):
    """The previous round of ``data`` as (data, scores), or None when it is missing or has errors."""
    from .errors import InputError
    from .load import load_round, previous_chain
    from .scoring import score_round

    if not data.round.previous:
        return None
    chain = previous_chain(data.path, 2)
    if len(chain) < 2:
        return None
    try:
        before = load_round(chain[1])
    except InputError:
        return None
    if before.errors:
        return None
    return before, score_round(before)


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
        if open_items:
            out += ["", _("{office}: ikke lukket").format(office=o["name"])]
            rows = []
            for f in open_items:
                notes = []
                if f["carried"]:
                    notes.append(_("fra forrige runde"))
                    if f["found_again"] is True:
                        notes.append(_("funnet igjen"))
                    elif f["found_again"] is False:
                        notes.append(_("ikke funnet igjen"))
                if f["repeated"]:
                    notes.append(_("gjentatt: lukket i forrige runde"))
                kind = FindingKind(f["kind"]).label
                rows.append([f["id"], kind, f["status"], ", ".join(notes)])
            out.append(table([_("Funn-id"), _("Type"), _("Status"), _("Kommentar")], rows))
        if o["after_workshop"]:
            n = len(o["after_workshop"])
            out += ["", ngettext(
                "{office}: {n} funn fra besøket er ikke med: oppfølgingsverkstedet {date} var før eller samme dag "
                "som besøket, og fulgte opp forrige runde.",
                "{office}: {n} funn fra besøket er ikke med: oppfølgingsverkstedet {date} var før eller samme dag "
                "som besøket, og fulgte opp forrige runde.", n).format(office=o["name"], n=n, date=o["workshop"])]
        if o["has_plan"]:
            out += ["", plan_table(o)]
    return "\n".join(out) + "\n"


def _short(text: str, width: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def plan_table(office: dict) -> str:
    """An office's plan for retting as text: per finding, the measure, who, the due date and the status."""
    from .textout import table

    title = _("{office}: plan for retting").format(office=office["name"])
    if office["plan_received"]:
        title += " (" + _("mottatt {date}").format(date=office["plan_received"]) + ")"
    # the plan answers the visit report, also for findings a workshop before the visit did not follow up
    findings = office["findings"] + office.get("after_workshop", [])
    findings.sort(key=lambda f: f["carried"])
    rows = [[f["id"], _short(f["plan"]["measure"]) or "–", f["plan"]["responsible"] or "–",
             f["plan"]["due"] or "–", f["plan"]["status"]] for f in findings if f["plan"]]
    missing = [f["id"] for f in findings if not f["plan"] and not f["carried"]]
    lines = [title, table([_("Funn-id"), _("Tiltak"), _("Ansvarlig"), _("Frist"), _("Status")], rows)]
    if missing:
        lines.append(_("Ikke i planen (rundens funn): {ids}").format(ids=", ".join(missing)))
    return "\n".join(lines)
