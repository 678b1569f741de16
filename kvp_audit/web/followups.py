"""The follow-up form of the web app: ``<office>/oppfolging.yaml`` edited in the browser.

The page has the round's follow-up checklist (as the office review form shows a
checklist) and one fieldset per finding to follow up: this round's avvik and merknader
and the findings carried from the previous round, as :func:`kvp_audit.followup.followup_items`
lists them. Saving goes through :func:`kvp_audit.web.reviews.save_review` like the other
forms; this module only adds what is particular to the findings. Finding ids come from
the scored round, never from request text: a posted field that names another finding is
refused by the app before anything is read.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..i18n import _
from ..load import FOLLOWUP_FILE, _is_yaml
from ..models import Checklist, Office
from .reviews import (
    FOLLOWUP,
    FormValues,
    Messages,
    ReviewTarget,
    RoundSite,
    _child_map,
    _put,
    _string,
    _to_date,
    apply_values,
    mask_national_ids,
    masked,
    summarise,
    widget_text,
)

PARTS = ("status", "action", "evidence", "date")
PREFIX = "finding."


def finding_field(finding_id: str, part: str) -> str:
    """The form name of one part of a finding's fieldset, for example ``finding.<id>.status``."""
    return f"{PREFIX}{finding_id}.{part}"


@dataclass(frozen=True)
class Finding:
    """One finding to follow up at an office, as the form shows it."""

    id: str
    kind: str                      # avvik or merknad
    criterion: str
    question: str
    legal_basis: tuple[str, ...] = ()
    carried: bool = False          # from the previous round
    carried_status: str = ""       # its status when it was carried into this round
    found_again: bool | None = None


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
        self.round_errors = 0
        self._lock = threading.Lock()

    def _signature(self) -> tuple:
        stat = self.site.round_file.stat()
        parts: list[tuple] = [(str(self.site.round_file), stat.st_mtime_ns, stat.st_size)]
        for office in self.site.round.offices:
            try:
                entries = list(os.scandir(self.site.folder(office)))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                if entry.name == FOLLOWUP_FILE or not _is_yaml(Path(entry.name)) or not entry.is_file():
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

    def _load(self) -> tuple[dict[str, list[Finding]], int]:
        from ..followup import followup_items
        from ..load import load_round
        from ..scoring import score_round

        try:
            data = load_round(self.site.root, library=self.site.library, workers=1)
        except InputError as exc:
            return {}, max(1, len(exc.problems))
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


def followup_target(site: RoundSite, index: FindingIndex, office: Office) -> FollowupTarget | None:
    """The follow-up file of an office, or None when the round has no follow-up checklist."""
    checklist = site.followup_checklist
    if checklist is None:
        return None
    findings = index.findings(office)
    return FollowupTarget(FOLLOWUP, office, site.folder(office) / FOLLOWUP_FILE, checklist, "",
                          findings=list(findings), round_errors=index.round_errors)


def followup_skeleton(checklist: Checklist, office_id: str, reviewers: list[str], date: dt.date) -> str:
    """The text of a new follow-up file (oppfolging.yaml), with no finding followed up yet."""
    from ..skeleton import review_body

    header = [
        "# " + _("Oppfølgingsverksted") + f": {checklist.title} ({checklist.ref})",
        "# " + _("Skriv roller (leder, KVP-veileder), aldri navn."),
        f"office: {office_id}",
        f"reviewers: [{', '.join(reviewers)}]",
        f"date: {date.isoformat()}",
    ]
    return review_body(checklist, header) + "findings: {}\n"


# --------------------------------------------------------------------------- form values


@dataclass
class FollowupValues(FormValues):
    """The follow-up form's fields: the review's, and per finding id its status, action, evidence, date."""

    findings: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: dict, target: ReviewTarget) -> FollowupValues:
        out = super().from_data(data, target)
        records = data.get("findings") if isinstance(data.get("findings"), dict) else {}
        for finding in getattr(target, "findings", []):
            record = records.get(finding.id)
            record = record if isinstance(record, dict) else {}
            out.findings[finding.id] = {part: widget_text(record.get(part)) for part in PARTS}
        return out

    @classmethod
    def from_form(cls, form, target: ReviewTarget) -> FollowupValues:
        from .reviews import _clean

        out = super().from_form(form, target)
        for finding in getattr(target, "findings", []):
            out.findings[finding.id] = {part: _clean(form.get(finding_field(finding.id, part), ""))
                                        for part in PARTS}
        return out

    def pairs(self) -> list[tuple[str, str]]:
        out = super().pairs()
        out += [(finding_field(fid, part), value) for fid, parts in self.findings.items()
                for part, value in parts.items()]
        return out

    def masked(self, fields: dict[str, str]) -> FollowupValues:
        base = masked(self, {k: v for k, v in fields.items() if not k.startswith(PREFIX)})
        out = FollowupValues(base.header, base.facts, base.answers, base.comments, base.sources,
                             {fid: dict(parts) for fid, parts in self.findings.items()})
        for name in fields:
            if name.startswith(PREFIX):
                fid, _dot, part = name[len(PREFIX):].rpartition(".")
                if fid in out.findings and part in out.findings[fid]:
                    out.findings[fid][part] = mask_national_ids(out.findings[fid][part])
        return out


# --------------------------------------------------------------------------- the file


@dataclass
class FollowupTarget(ReviewTarget):
    """An office's oppfolging.yaml, with the findings the form may write about."""

    findings: list[Finding] = field(default_factory=list)
    round_errors: int = 0

    template = "followup.html.j2"

    @property
    def finding_ids(self) -> set[str]:
        return {f.id for f in self.findings}

    def skeleton(self, reviewers: list[str] | None = None, today: dt.date | None = None) -> str:
        return followup_skeleton(self.checklist, self.office.id, reviewers or [], today or dt.date.today())

    def values_from_data(self, data: dict) -> FollowupValues:
        return FollowupValues.from_data(data, self)

    def values_from_form(self, form) -> FollowupValues:
        return FollowupValues.from_form(form, self)

    def unknown_fields(self, form) -> list[str]:
        """Posted finding fields that name no finding of this office (the request is refused)."""
        ids = self.finding_ids
        bad = []
        for name in form.keys():
            if not name.startswith(PREFIX):
                continue
            fid, _dot, part = name[len(PREFIX):].rpartition(".")
            if fid not in ids or part not in PARTS:
                bad.append(name)
        return bad

    def apply(self, doc, values: FormValues) -> None:
        apply_values(doc, values, self)
        if isinstance(values, FollowupValues):
            apply_findings(doc, values, self.findings)

    def check(self, data: dict, text: str) -> tuple[Any, list[Problem]]:
        review, problems = super().check(data, text)
        records = data.get("findings") if isinstance(data.get("findings"), dict) else {}
        out = []
        for p in problems:
            fid = self._finding_of(p.key or "")
            if fid and p.is_error and p.key == f"findings.{fid}.status" and isinstance(records.get(fid), dict) \
                    and "status" not in records[fid]:
                # The form's way to get here is text in a finding marked "ikke fulgt opp".
                p = Problem(p.path, p.line, p.column, p.key,
                            _("Velg en status. «Ikke fulgt opp» fjerner funnet fra filen, og kan bare velges "
                              "når tiltak, dokumentasjon og dato er tomme."), severity=p.severity)
            out.append(p)
        from ..followup import unknown_finding_problems
        from ..yamlio import Locator

        out += unknown_finding_problems(records, self.finding_ids, self.path, Locator(text), self.path.parent.parent)
        return review, out

    def _finding_of(self, key: str) -> str | None:
        if not key.startswith("findings."):
            return None
        rest = key[len("findings."):]
        # The longest id that matches: criterion ids may hold dots.
        best = None
        for f in self.findings:
            if (rest == f.id or rest.startswith(f.id + ".")) and (best is None or len(f.id) > len(best)):
                best = f.id
        return best

    def field_of(self, problem: Problem) -> str | None:
        key = problem.key or ""
        if key.startswith("findings."):
            fid = self._finding_of(key)
            if fid is None:
                return None
            part = key[len("findings.") + len(fid):].lstrip(".").split(".")[0]
            return finding_field(fid, part if part in PARTS else "status")
        return super().field_of(problem)

    def view(self, values: FormValues, messages: Messages) -> dict:
        return followup_view(self, values, messages)


def apply_findings(doc, values: FollowupValues, findings: list[Finding]) -> None:
    """Write the findings' fields into the document: an entry per followed-up finding.

    "Ikke fulgt opp" (no status) removes the entry, unless text or a date is still filled
    in: then the entry is kept without a status, and validation asks for one, so no text
    the reviewer wrote is dropped unseen.
    """
    from ruamel.yaml.comments import CommentedMap

    wanted = {f.id: values.findings.get(f.id, {}) for f in findings}
    if "findings" not in doc and not any(any(v.values()) for v in wanted.values()):
        return
    records = _child_map(doc, "findings", after=("answers", "facts", "note", "date"))
    for fid, v in wanted.items():
        status = v.get("status", "")
        texts = {part: v.get(part, "") for part in ("action", "evidence", "date")}
        entry = records.get(fid)
        if not status and not any(texts.values()):
            if fid in records:
                del records[fid]
            continue
        if not isinstance(entry, CommentedMap):
            entry = CommentedMap()
            records[fid] = entry
        if status:
            _put(entry, "status", _string(status))
        elif "status" in entry:
            del entry["status"]
        for part in ("action", "evidence"):
            if texts[part] or part in entry:
                _put(entry, part, _string(texts[part]), after=("status",) if part == "action" else ("action", "status"))
        if texts["date"] or "date" in entry:
            _put(entry, "date", _to_date(texts["date"]) if texts["date"] else None,
                 after=("evidence", "action", "status"))


# --------------------------------------------------------------------------- what the page shows


def followup_view(target: FollowupTarget, values: FollowupValues, messages: Messages) -> dict:
    """The review form's view with a fieldset per finding, current findings first, then carried ones."""
    from .view import _field, review_view

    form = review_view(target, values, messages)
    options = [("lukket", _("Lukket")), ("delvis", _("Delvis lukket")), ("åpen", _("Åpen")),
               ("", _("Ikke fulgt opp"))]
    groups = {False: [], True: []}
    for f in target.findings:
        v = values.findings.get(f.id, {})
        view = {
            "id": f.id,
            "criterion": f.criterion,
            "question": f.question,
            "legal_basis": list(f.legal_basis),
            "kind": f.kind,
            "kind_label": _("Avvik") if f.kind == "avvik" else _("Merknad"),
            "carried": f.carried,
            "carried_status": f.carried_status,
            "found_again": f.found_again,
            "status": _field(finding_field(f.id, "status"), _("Status"), "radio", v.get("status", ""), messages,
                             options=options),
            "action": _field(finding_field(f.id, "action"), _("Hva kontoret har gjort"), "textarea",
                             v.get("action", ""), messages, help=_("Markdown. Skriv aldri navn eller fødselsnummer.")),
            "evidence": _field(finding_field(f.id, "evidence"), _("Dokumentasjon dere så"), "textarea",
                               v.get("evidence", ""), messages,
                               help=_("For eksempel ny rutine, referat fra fagmøte, stikkprøve av saker.")),
            "date": _field(finding_field(f.id, "date"), _("Dato for oppfølgingen"), "date", v.get("date", ""),
                           messages),
        }
        groups[f.carried].append(view)
        for part in ("status", "action", "evidence", "date"):
            fv = view[part]
            anchor = fv["options"][0]["id"] if fv.get("options") else fv["id"]
            for e in fv["errors"]:
                form["error_summary"].append({"href": "#" + anchor, "label": f"{f.criterion} {f.question}",
                                              "message": e})
    form["finding_groups"] = [
        {"id": "current", "title": _("Funn fra denne runden"), "findings": groups[False]},
        {"id": "carried", "title": _("Funn fra forrige runde"), "findings": groups[True]},
    ]
    form["finding_count"] = len(target.findings)
    form["round_errors"] = target.round_errors
    return form


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


def followup_summary(target: FollowupTarget) -> FollowupSummary:
    """Questions answered and findings followed up in an office's oppfolging.yaml."""
    from ..yamlio import YamlFileError, parse_mapping, read_text

    summary = summarise(target)
    followed = 0
    if summary.exists and summary.readable:
        try:
            data = parse_mapping(read_text(target.path), target.path)
            records = data.get("findings") if isinstance(data.get("findings"), dict) else {}
            followed = sum(1 for f in target.findings if f.id in records)
        except YamlFileError:
            pass
    return FollowupSummary(summary.exists, summary.readable, summary.answered, summary.applicable,
                           summary.errors, followed, len(target.findings))
