"""The follow-up form of the web app: ``<office>/oppfolging.yaml`` edited in the browser.

The page has the round's follow-up checklist (as the office review form shows a
checklist) and one fieldset per finding to follow up: this round's avvik and merknader
and the findings carried from the previous round, as :func:`kvp_audit.followup.followup_items`
lists them. This module finds those findings (:class:`FindingIndex`) and makes the
office's follow-up target; the rules for the findings' fields are in :mod:`.findings`,
and saving goes through :func:`kvp_audit.web.reviews.save_review` like the other forms.
Finding ids come from the scored round, never from request text: a posted field that
names another finding is refused by the app before anything is read.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..load import FOLLOWUP_FILE, _is_yaml  # noqa: F401  _is_yaml: the rule YAML_SUFFIXES follows

YAML_SUFFIXES = (".yaml", ".yml")
from ..models import Office
from .findings import Finding, FindingSet
from .reviews import FOLLOWUP, ReviewTarget, RoundSite, summarise


# --------------------------------------------------------------------------- the findings of a round


class FindingIndex:
    """The findings to follow up per office, from the scored round.

    Scoring reads every review of the round, so the result is kept until a file it
    depends on changes (runde.yaml, case files, kontor.yaml; not oppfolging.yaml, which
    the findings do not depend on). A listing with stat per office folder is cheap.
    """

    def __init__(self, site: RoundSite):
        self.site = site
        self._stamp: tuple | None = None
        self._by_office: dict[str, list[Finding]] = {}
        self._report_dates: dict[str, dt.date] = {}   # for the plan form's due dates
        self.round_errors = 0
        self._lock = threading.Lock()
        self._memo: dict = {}

    def _signature(self) -> tuple:
        stat = self.site.round_file.stat()
        parts: list[tuple] = [(str(self.site.round_file), stat.st_mtime_ns, stat.st_size)]
        for office in self.site.round.offices:
            try:
                entries = list(os.scandir(self.site.folder(office)))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                # the name's suffix as _is_yaml checks it, without a Path per file (a national round has thousands)
                if entry.name == FOLLOWUP_FILE or not entry.name.endswith(YAML_SUFFIXES) \
                        or entry.name.startswith(".") or not entry.is_file():
                    continue
                st = entry.stat()
                parts.append((entry.path, st.st_mtime_ns, st.st_size))
        return tuple(sorted(parts))

    def findings(self, office: Office) -> list[Finding]:
        """The findings to follow up at an office, in report order, carried findings last."""
        with self._lock:
            stamp = self._signature()
            if stamp != self._stamp:
                self._by_office, self.round_errors = self._load()
                self._stamp = stamp
            return self._by_office.get(office.id, [])

    def by_office(self) -> dict[str, list[Finding]]:
        """Every office's findings after one check of the signature (a page about all offices)."""
        with self._lock:
            stamp = self._signature()
            if stamp != self._stamp:
                self._by_office, self.round_errors = self._load()
                self._stamp = stamp
            return self._by_office

    def report_date(self, office: Office) -> dt.date | None:
        """The office report's date as ``validate`` takes it for plan.yaml (None: the round cannot be loaded)."""
        self.findings(office)
        return self._report_dates.get(office.id)

    def _load(self) -> tuple[dict[str, list[Finding]], int]:
        from ..followup import followup_items, report_date
        from ..load import load_round
        from ..scoring import score_round

        self._report_dates = {}
        try:
            # the memo: after one save, only the saved file is read again (emptied when runde.yaml,
            # and so maybe a checklist, changed)
            round_part = self.site.round_file.stat().st_mtime_ns
            if round_part != self._memo.get("runde.yaml"):
                self._memo.clear()
                self._memo["runde.yaml"] = round_part
            data = load_round(self.site.root, library=self.site.library, workers=1, memo=self._memo)
        except InputError as exc:
            return {}, max(1, len(exc.problems))
        self._report_dates = {o.id: report_date(data, o.id) for o in data.round.offices}
        scores = score_round(data)
        criteria = dict(data.case_checklist.criterion_map())
        if data.office_checklist is not None:
            criteria.update(data.office_checklist.criterion_map())
        out: dict[str, list[Finding]] = {}
        for office in data.round.offices:
            carried = {c.id: c for c in data.round.carried.get(office.id, [])}
            found = []
            for item in followup_items(data, scores, office.id):
                if item.carried:
                    c = carried[item.id]
                    # The law behind a carried finding: the criteria that answer to it now.
                    basis: list[str] = []
                    for cid in [*c.now, c.criterion]:
                        if cid in criteria:
                            basis += [b for b in criteria[cid].legal_basis if b not in basis]
                            break
                    found.append(Finding(item.id, item.kind, item.criterion, item.question, tuple(basis), True,
                                         c.status, item.found_again))
                else:
                    crit = criteria.get(item.criterion)
                    found.append(Finding(item.id, item.kind, item.criterion, item.question,
                                         tuple(crit.legal_basis) if crit else ()))
            out[office.id] = found
        # Errors in the follow-up files themselves are the form's to show, not a reason to doubt the findings.
        return out, sum(1 for p in data.errors if Path(p.path).name != FOLLOWUP_FILE)


def followup_target(site: RoundSite, index: FindingIndex, office: Office,
                    by_office: dict[str, list[Finding]] | None = None) -> ReviewTarget | None:
    """The follow-up file of an office, or None when the round has no follow-up checklist.

    ``by_office`` is :meth:`FindingIndex.by_office` when a page asks for every office.
    """
    checklist = site.followup_checklist
    if checklist is None:
        return None
    findings = by_office.get(office.id, []) if by_office is not None else index.findings(office)
    return ReviewTarget(FOLLOWUP, office, site.folder(office) / FOLLOWUP_FILE, checklist, "",
                        findings=FindingSet(list(findings), index.round_errors))


@dataclass
class FollowupSummary:
    """How far the follow-up of an office has come, for the office page."""

    exists: bool
    readable: bool
    answered: int
    applicable: int
    errors: int
    followed: int
    findings: int


def followup_summary(target: ReviewTarget) -> FollowupSummary:
    """Questions answered and findings followed up in an office's oppfolging.yaml."""
    from ..yamlio import YamlFileError, parse_mapping, read_text

    from .reviews import file_stamp

    summary = summarise(target)
    key = (str(target.path), file_stamp(target.path), tuple(f.id for f in target.findings), summary.errors)
    known = _FOLLOWUP_SUMMARIES.get(str(target.path))
    if known is not None and known[0] == key:
        return known[1]
    followed = 0
    if summary.exists and summary.readable:
        try:
            data = parse_mapping(read_text(target.path), target.path)
            records = data.get("findings") if isinstance(data.get("findings"), dict) else {}
            followed = sum(1 for f in target.findings if f.id in records)
        except YamlFileError:
            pass
    out = FollowupSummary(summary.exists, summary.readable, summary.answered, summary.applicable,
                          summary.errors, followed, len(target.findings))
    _FOLLOWUP_SUMMARIES[str(target.path)] = (key, out)
    return out


_FOLLOWUP_SUMMARIES: dict[str, tuple[tuple, FollowupSummary]] = {}


# --------------------------------------------------------------------------- the plan for retting


@dataclass
class PlanSummary:
    """An office's plan for retting (plan.yaml) as its page shows it: read-only, the team edits the file."""

    readable: bool
    errors: int
    received: str = ""
    rows: list[dict] = field(default_factory=list)


def plan_summary(folder, office: Office, findings: list[Finding]) -> PlanSummary | None:
    """The office's plan.yaml, item by item with the question of its finding, or None without one."""
    from ..load import PLAN_FILE, load_record

    path = folder / PLAN_FILE
    if not path.is_file():
        return None
    plan, problems = load_record(path)
    errors = sum(1 for p in problems if p.is_error)
    if plan is None:
        return PlanSummary(False, errors)
    by_id = {f.id: f for f in findings}
    rows = []
    for fid, item in plan.items.items():
        finding = by_id.get(fid)
        rows.append({"id": fid, "finding": f"{finding.criterion}: {finding.question}" if finding else "",
                     "measure": item.measure, "responsible": item.responsible,
                     "due": item.due.isoformat() if item.due else "", "status": item.status,
                     "evidence": item.evidence})
    return PlanSummary(True, errors, plan.received.isoformat() if plan.received else "", rows)
