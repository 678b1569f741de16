"""The part of the follow-up form that case and office forms lack: one fieldset per finding.

A follow-up :class:`~kvp_audit.web.reviews.ReviewTarget` holds a :class:`FindingSet`
(the findings of its office, from the scored round); case and office targets hold none.
Every rule particular to the findings is here, so :func:`~kvp_audit.web.reviews.save_review`
reads the same for every form. It imports only :mod:`.fields` of the web form's modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from ..i18n import _
from ..yamlrt import child_map, is_map, new_map, put, text_scalar
from .fields import clean_text, to_date, widget_text

PARTS = ("status", "action", "evidence", "date")
PREFIX = "finding."


def finding_field(finding_id: str, part: str) -> str:
    """The form name of one part of a finding's fieldset, for example ``finding.<id>.status``."""
    return f"{PREFIX}{finding_id}.{part}"


def split_field(name: str) -> tuple[str, str] | None:
    """The finding id and part of a form name ``finding.<id>.<part>`` (None for other names)."""
    if not name.startswith(PREFIX):
        return None
    fid, _dot, part = name[len(PREFIX):].rpartition(".")
    return fid, part


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


@dataclass
class FindingSet:
    """The findings a follow-up form may write about, and how they go in and out of the file."""

    findings: list[Finding] = field(default_factory=list)
    round_errors: int = 0          # files of the round with errors: their findings are not shown

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def ids(self) -> set[str]:
        return {f.id for f in self.findings}

    # ------------------------------------------------------------------ values

    def values_from_data(self, data: dict) -> dict[str, dict[str, str]]:
        """Per finding id, its parts as the inputs show them."""
        records = data.get("findings") if isinstance(data.get("findings"), dict) else {}
        out = {}
        for finding in self.findings:
            record = records.get(finding.id)
            record = record if isinstance(record, dict) else {}
            out[finding.id] = {part: widget_text(record.get(part)) for part in PARTS}
        return out

    def values_from_form(self, form) -> dict[str, dict[str, str]]:
        """Per finding id, its posted parts (only this office's findings are read)."""
        return {f.id: {part: clean_text(form.get(finding_field(f.id, part), "")) for part in PARTS}
                for f in self.findings}

    def unknown_fields(self, form) -> list[str]:
        """Posted finding fields that name no finding of this office (the request is refused)."""
        ids = self.ids
        bad = []
        for name in form.keys():
            parsed = split_field(name)
            if parsed is not None and (parsed[0] not in ids or parsed[1] not in PARTS):
                bad.append(name)
        return bad

    # ------------------------------------------------------------------ the file

    def apply(self, doc, values: dict[str, dict[str, str]]) -> None:
        """Write the findings' fields into the document: an entry per followed-up finding.

        "Ikke fulgt opp" (no status) removes the entry, unless text or a date is still filled
        in: then the entry is kept without a status, and validation asks for one, so no text
        the reviewer wrote is dropped unseen.
        """
        wanted = {f.id: values.get(f.id, {}) for f in self.findings}
        if "findings" not in doc and not any(any(v.values()) for v in wanted.values()):
            return
        records = child_map(doc, "findings", after=("answers", "facts", "note", "date"))
        for fid, v in wanted.items():
            status = v.get("status", "")
            texts = {part: v.get(part, "") for part in ("action", "evidence", "date")}
            entry = records.get(fid)
            if not status and not any(texts.values()):
                if fid in records:
                    del records[fid]
                continue
            if not is_map(entry):
                entry = new_map()
                records[fid] = entry
            if status:
                put(entry, "status", text_scalar(status))
            elif "status" in entry:
                del entry["status"]
            for part in ("action", "evidence"):
                if texts[part] or part in entry:
                    put(entry, part, text_scalar(texts[part]),
                        after=("status",) if part == "action" else ("action", "status"))
            if texts["date"] or "date" in entry:
                put(entry, "date", to_date(texts["date"]) if texts["date"] else None,
                    after=("evidence", "action", "status"))

    def check(self, data: dict, text: str, problems: list[Problem], path: Path) -> list[Problem]:
        """The review's problems (from ``ReviewTarget.check``) as the form words them, and a warning per unknown
        finding id and per finding closed without evidence.

        ``text`` is the file's text, for placing a problem on its line.
        """
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
        from ..followup import closure_problems, unknown_finding_problems
        from ..yamlio import Locator

        locator = Locator(text)
        out += unknown_finding_problems(records, self.ids, path, locator, path.parent.parent)
        closed = [fid for fid, rec in records.items() if isinstance(rec, dict) and rec.get("status") == "lukket"
                  and not str(rec.get("evidence") or "").strip()]
        out += closure_problems(closed, "findings", path, locator)
        return out

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
        """The form field of a problem under ``findings.`` (None: shown above the form)."""
        key = problem.key or ""
        fid = self._finding_of(key)
        if fid is None:
            return None
        part = key[len("findings.") + len(fid):].lstrip(".").split(".")[0]
        return finding_field(fid, part if part in PARTS else "status")
