"""The report's own file in the web form: ``<office>/rapport.yaml`` edited in the browser.

The file holds what the team writes themselves: the report's status (utkast or endelig),
its dates, reference, sender, the team, the signature block and the team's texts in
Markdown (summary, the visit, the sample, one text per theme of the case checklist, the
conclusion). :class:`ReportTarget` gives the file the interface of a review target, so
it is opened and saved by :func:`~kvp_audit.web.reviews.open_review` and
:func:`~kvp_audit.web.reviews.save_review` like every other form: the same validation as
``kvp-audit validate``, the identity-number guard, the conflict check, an atomic write
and the round trip that keeps comments and the fields the form does not know.

The page works without JavaScript: the team and signature tables have an empty row and
an "add row" button, each row a "remove" button, and "Forhåndsvis" shows the texts as
the report will (Markdown made safe by :mod:`kvp_audit.markup`) without saving. No Flask
here; the app's route chooses between these actions (:func:`parse_action`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..i18n import _
from ..models import Checklist, Office, ReportStatus, Round
from ..yamlio import YamlFileError, parse_mapping, read_text
from ..yamlrt import child_map, is_map, new_map, put, text_scalar
from .fields import clean_text, to_date, widget_text
from .reviews import FileOnDisk, Messages, mask_national_ids
from .view import _field, field_id

REPORT = "report"
HEADER = ("status", "date", "reply_deadline", "reference", "sender")
PEOPLE = ("team", "signature", "followup_team")   # followup_team: followup_report.team in the file
PERSON_PARTS = ("name", "title")
TEXTS = ("summary", "visit", "sample", "conclusion")
FOLLOWUP_TEXTS = ("summary", "conclusion")          # followup_report.text
STATUSES = tuple(s.value for s in ReportStatus)
MAX_ROWS = 40          # rows of a people table the form reads; a team is a handful of people
_ROW_FIELD = re.compile(r"^(team|signature|followup_team)\.(\d+)\.(name|title)$")
_PROBLEM_ROW = re.compile(r"^(team|signature|followup_report\.team)\[(\d+)\](?:\.(name|title))?")
_CHANGE_FIELD = re.compile(r"^draft_review\.changes\.(\d+)\.(criterion|reason)$")
COURSE_FIELDS = ("notice_sent", "visit", "draft_sent", "comments_deadline", "comments_received", "final_sent",
                 "plan_deadline", "plan_received", "followup", "closed")


def theme_field(theme_id: str) -> str:
    """The form name of a theme's text, for example ``text.themes.soknad``."""
    return f"text.themes.{theme_id}"


def person_field(group: str, index: int, part: str) -> str:
    """The form name of one cell of the team or signature table, for example ``team.0.name``."""
    return f"{group}.{index}.{part}"


# --------------------------------------------------------------------------- form values


@dataclass
class ReportValues:
    """The report file's fields as text, exactly what the inputs show (or what was posted)."""

    header: dict[str, str] = field(default_factory=dict)
    people: dict[str, list[dict[str, str]]] = field(default_factory=dict)   # team, signature: rows
    text: dict[str, str] = field(default_factory=dict)                      # summary, visit, sample, conclusion
    themes: dict[str, str] = field(default_factory=dict)                    # theme id -> text
    draft: dict[str, str] = field(default_factory=dict)                     # draft_review.comments
    changes: list[dict[str, str]] = field(default_factory=list)             # draft_review.changes: criterion, reason
    followup: dict[str, str] = field(default_factory=dict)                  # followup_report: status, date, texts
    course: dict[str, str] = field(default_factory=dict)                    # course: shown, never posted or written

    @classmethod
    def from_data(cls, data: dict, theme_ids: list[str]) -> ReportValues:
        """The form fields for a report file's parsed data."""
        out = cls()
        # Stripped as the model strips them: a block's final line break is not a change.
        for name in HEADER:
            out.header[name] = widget_text(data.get(name)).strip()
        for group in PEOPLE:
            rows = data.get(group) if isinstance(data.get(group), list) else []
            out.people[group] = [
                {part: (widget_text(row.get(part)) if isinstance(row, dict) else widget_text(row) if part == "name"
                        else "").strip()
                 for part in PERSON_PARTS}
                for row in rows]
        texts = data.get("text") if isinstance(data.get("text"), dict) else {}
        for name in TEXTS:
            out.text[name] = widget_text(texts.get(name)).strip()
        themes = texts.get("themes") if isinstance(texts.get("themes"), dict) else {}
        for tid in theme_ids:
            out.themes[tid] = widget_text(themes.get(tid)).strip()
        draft = data.get("draft_review") if isinstance(data.get("draft_review"), dict) else {}
        out.draft["comments"] = widget_text(draft.get("comments")).strip()
        changes = draft.get("changes") if isinstance(draft.get("changes"), dict) else {}
        out.changes = [{"criterion": widget_text(k).strip(), "reason": widget_text(v).strip()} for k, v in changes.items()]
        part = data.get("followup_report") if isinstance(data.get("followup_report"), dict) else {}
        out.followup["status"] = widget_text(part.get("status")).strip()
        out.followup["date"] = widget_text(part.get("date")).strip()
        ftexts = part.get("text") if isinstance(part.get("text"), dict) else {}
        for name in FOLLOWUP_TEXTS:
            out.followup[name] = widget_text(ftexts.get(name)).strip()
        rows = part.get("team") if isinstance(part.get("team"), list) else []
        out.people["followup_team"] = [
            {p: (widget_text(row.get(p)) if isinstance(row, dict) else "").strip() for p in PERSON_PARTS} for row in rows]
        course = data.get("course") if isinstance(data.get("course"), dict) else {}
        out.course = {name: widget_text(course.get(name)).strip() for name in COURSE_FIELDS if course.get(name)}
        return out

    @classmethod
    def from_form(cls, form, theme_ids: list[str]) -> ReportValues:
        """The fields of a posted form (a MultiDict); only names the report file knows are read."""
        out = cls()
        for name in HEADER:
            out.header[name] = _one_line(form.get(name, ""))
        cells: dict[str, dict[int, dict[str, str]]] = {group: {} for group in PEOPLE}
        for name in form.keys():
            match = _ROW_FIELD.match(name)
            if match and int(match.group(2)) < MAX_ROWS:
                group, index, part = match.group(1), int(match.group(2)), match.group(3)
                cells[group].setdefault(index, {p: "" for p in PERSON_PARTS})[part] = _one_line(form.get(name, ""))
        for group in PEOPLE:
            out.people[group] = [cells[group][i] for i in sorted(cells[group])]
        for name in TEXTS:
            out.text[name] = clean_text(form.get(f"text.{name}", ""))
        for tid in theme_ids:
            out.themes[tid] = clean_text(form.get(theme_field(tid), ""))
        out.draft["comments"] = clean_text(form.get("draft_review.comments", ""))
        rows: dict[int, dict[str, str]] = {}
        for name in form.keys():
            match = _CHANGE_FIELD.match(name)
            if match and int(match.group(1)) < MAX_ROWS:
                row = rows.setdefault(int(match.group(1)), {"criterion": "", "reason": ""})
                text = clean_text(form.get(name, ""))
                row[match.group(2)] = _one_line(text) if match.group(2) == "criterion" else text
        out.changes = [rows[i] for i in sorted(rows)]
        out.followup["status"] = _one_line(form.get("followup_report.status", ""))
        out.followup["date"] = _one_line(form.get("followup_report.date", ""))
        for name in FOLLOWUP_TEXTS:
            out.followup[name] = clean_text(form.get(f"followup_report.text.{name}", ""))
        return out

    def rows(self, group: str) -> list[dict[str, str]]:
        """The filled-in rows of the team or signature table (a row with neither name nor title is left out)."""
        return [row for row in self.people.get(group, []) if any(row.get(p) for p in PERSON_PARTS)]

    def pairs(self) -> list[tuple[str, str]]:
        """The fields as (name, value) pairs, as the form posts them (for the conflict page)."""
        out = list(self.header.items())
        for group in PEOPLE:
            for i, row in enumerate(self.people.get(group, [])):
                out += [(person_field(group, i, part), row.get(part, "")) for part in PERSON_PARTS]
        out += [(f"text.{k}", v) for k, v in self.text.items()]
        out += [(theme_field(k), v) for k, v in self.themes.items()]
        out += [(f"draft_review.{k}", v) for k, v in self.draft.items()]
        for i, row in enumerate(self.changes):
            out += [(f"draft_review.changes.{i}.{part}", row.get(part, "")) for part in ("criterion", "reason")]
        out += [(f"followup_report.{k}" if k in ("status", "date") else f"followup_report.text.{k}", v)
                for k, v in self.followup.items()]
        return out

    def texts(self) -> list[tuple[str, str]]:
        """Every filled-in field by its form name (what the identity-number guard scans)."""
        return [(name, value) for name, value in self.pairs() if value]

    def masked(self, fields: dict[str, str]) -> ReportValues:
        """A copy with identity numbers masked in the refused fields (never echoed back)."""
        out = self.copy()
        for name in fields:
            match = _ROW_FIELD.match(name)
            if match:
                row = out.people[match.group(1)][int(match.group(2))]
                row[match.group(3)] = mask_national_ids(row[match.group(3)])
            elif (change := _CHANGE_FIELD.match(name)) is not None:
                row = out.changes[int(change.group(1))]
                row[change.group(2)] = mask_national_ids(row[change.group(2)])
            elif name.startswith("draft_review."):
                out.draft[name[len("draft_review."):]] = mask_national_ids(out.draft[name[len("draft_review."):]])
            elif name.startswith("followup_report."):
                key = name.rsplit(".", 1)[1]
                out.followup[key] = mask_national_ids(out.followup[key])
            elif name.startswith("text.themes."):
                tid = name[len("text.themes."):]
                out.themes[tid] = mask_national_ids(out.themes[tid])
            elif name.startswith("text."):
                out.text[name[5:]] = mask_national_ids(out.text[name[5:]])
            elif name in out.header:
                out.header[name] = mask_national_ids(out.header[name])
        return out

    def copy(self) -> ReportValues:
        return ReportValues(dict(self.header), {g: [dict(r) for r in rows] for g, rows in self.people.items()},
                            dict(self.text), dict(self.themes), dict(self.draft), [dict(r) for r in self.changes],
                            dict(self.followup), dict(self.course))


def _one_line(text: str) -> str:
    """A one-line input's text: a line break (only a hand-made post sends one) becomes a space."""
    return re.sub(r"\s*\n\s*", " ", clean_text(text))


# --------------------------------------------------------------------------- actions without JavaScript


@dataclass(frozen=True)
class Action:
    """What a post of the report form asks for: save, preview, or add or remove a table row."""

    kind: str              # save | preview | add | remove
    group: str = ""        # team | signature | followup_team, for add and remove
    index: int = -1        # the row to remove


def parse_action(form) -> Action | None:
    """The button the form was posted with (no button: save, as Enter and the conflict page post it).

    None for a value no button of the form sends: the app refuses the request.
    """
    value = form.get("action", "save")
    if value in ("save", "preview"):
        return Action(value)
    match = re.fullmatch(r"(add|remove)-(team|signature|followup_team)(?:-(\d{1,3}))?", value)
    if not match or (match.group(1) == "remove") != (match.group(3) is not None):
        return None
    return Action(match.group(1), match.group(2), int(match.group(3)) if match.group(3) else -1)


def edit_rows(values: ReportValues, action: Action) -> ReportValues:
    """The values with a row added to or removed from a table (the file is not written)."""
    out = values.copy()
    rows = out.people.setdefault(action.group, [])
    if action.kind == "add" and len(rows) < MAX_ROWS:
        rows.append({p: "" for p in PERSON_PARTS})
    elif action.kind == "remove" and 0 <= action.index < len(rows):
        del rows[action.index]
    return out


# --------------------------------------------------------------------------- the file


@dataclass
class ReportTarget(FileOnDisk):
    """An office's rapport.yaml, with the interface :func:`~kvp_audit.web.reviews.save_review` asks of a file."""

    office: Office
    path: Path
    round: Round
    checklist: Checklist          # the case checklist: the team may write a text per theme
    case_files: tuple[Path, ...] = ()    # the office's case files, for the report date when kontor.yaml has none
    kind: str = REPORT
    key: str = ""
    template: str = "report.html.j2"

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.checklist.themes]

    def values_from_data(self, data: dict) -> ReportValues:
        return ReportValues.from_data(data, self.theme_ids)

    def values_from_form(self, form) -> ReportValues:
        return ReportValues.from_form(form, self.theme_ids)

    def apply(self, doc, values: ReportValues) -> None:
        """Write the form's values into a round-trip document, touching only what the form shows."""
        apply_report(doc, values, self.theme_ids)

    def check(self, data: dict, text: str) -> tuple[Any, list[Problem]]:
        """Validate the file as ``kvp-audit validate`` does (theme ids of the case checklist, the deadline)."""
        from ..load import check_report

        report, problems = check_report(data, text, self.path, self.theme_ids, self.last_visit())
        return report, [_worded_for_the_form(p, data) for p in problems]

    def last_visit(self) -> dt.date | None:
        """The report date when the file gives none, as the report takes it: the last visit date in
        the office's kontor.yaml, else the last date of its case files (None when there is neither)."""
        from ..load import OFFICE_FILE

        visits = _dates(self.path.parent / OFFICE_FILE, "visit_dates")
        if visits:
            return max(visits)
        return max((d for path in self.case_files for d in _dates(path, "date")), default=None)

    def field_of(self, problem: Problem) -> str | None:
        """The form field a problem belongs to (None: shown above the form)."""
        return report_field_of(problem, self.theme_ids)

    def skeleton(self, reviewers: list[str] | None = None, today: dt.date | None = None) -> str:
        """The text of a new rapport.yaml, as ``kvp-audit new round`` writes it."""
        from ..skeleton import report_skeleton

        report = self.round.report
        return report_skeleton(self.office, self.theme_ids, reply_weeks=report.reply_weeks if report else None)



def _worded_for_the_form(problem: Problem, data: dict) -> Problem:
    """A problem as the form words it: a row with a title and no name is the form's doing, and says so."""
    match = _PROBLEM_ROW.match(problem.key or "")
    if not match or match.group(3) != "name" or not problem.is_error:
        return problem
    holder = data.get("followup_report") if match.group(1) == "followup_report.team" else data
    rows = holder.get(match.group(1).rsplit(".", 1)[-1]) if isinstance(holder, dict) else None
    row = rows[int(match.group(2))] if isinstance(rows, list) and int(match.group(2)) < len(rows) else None
    if not isinstance(row, dict) or row.get("name") not in ("", None):
        return problem
    return Problem(problem.path, problem.line, problem.column, problem.key,
                   _("Skriv navnet, eller tøm tittelen også: en rad uten navn og tittel tas ikke med."))


def _dates(path: Path, key: str) -> list[dt.date]:
    """The dates under ``key`` in a review file (one or a list); none when it is absent or cannot be read."""
    from ..load import as_date

    try:
        data = parse_mapping(read_text(path), path) if path.is_file() else {}
    except YamlFileError:
        return []
    value = data.get(key)
    values = [as_date(v) for v in (value if isinstance(value, list) else [value])]
    return [v for v in values if isinstance(v, dt.date)]


def report_target(site, office: Office) -> ReportTarget:
    """The report file of an office in a :class:`~kvp_audit.web.reviews.RoundSite`."""
    from ..load import REPORT_FILE

    return ReportTarget(office, site.folder(office) / REPORT_FILE, site.round, site.case_checklist,
                        tuple(site.case_files(office).values()))


def apply_report(doc, values: ReportValues, theme_ids: list[str]) -> None:
    """Write the report form's values into a round-trip document.

    A field left empty is written empty only when the file has it (so its line and comment
    stay), never added; an empty table row is left out; rows are changed in place, so a
    comment beside a person stays with the row. A part of the file that is not of its kind
    (a team that is not a list, a text section that is not a mapping) is left as it is: the
    form shows it empty, and validation keeps the error until it is fixed in an editor.
    """
    h = values.header
    placed = ("status",)
    for name in HEADER:
        text = h.get(name, "")
        if name in ("date", "reply_deadline"):
            if text or name in doc:
                put(doc, name, to_date(text) if text else None, after=tuple(reversed(placed)))
        else:
            _put_text(doc, name, text, tuple(reversed(placed)))
        placed += (name,)
    for group in ("team", "signature"):
        rows = values.rows(group)
        if (rows or group in doc) and _of_kind(doc.get(group), list):
            _apply_rows(doc, group, rows, after=tuple(reversed(placed)))
        placed += (group,)
    _apply_texts(doc, values, theme_ids, placed)
    _apply_draft_review(doc, values)
    _apply_followup_report(doc, values)


def _apply_texts(doc, values: ReportValues, theme_ids: list[str], placed: tuple[str, ...]) -> None:
    wanted = any(values.text.values()) or any(values.themes.get(t) for t in theme_ids)
    if (not wanted and "text" not in doc) or not _of_kind(doc.get("text"), dict):
        return
    texts = child_map(doc, "text", after=tuple(reversed(placed)))
    before: tuple[str, ...] = ()
    for name in ("summary", "visit", "sample"):
        _put_text(texts, name, values.text.get(name, ""), before)
        before = (name, *before)
    if (any(values.themes.get(t) for t in theme_ids) or "themes" in texts) and _of_kind(texts.get("themes"), dict):
        themes = child_map(texts, "themes", after=before)
        for tid in theme_ids:
            _put_text(themes, tid, values.themes.get(tid, ""), ())
    _put_text(texts, "conclusion", values.text.get("conclusion", ""), ("themes", *before))


def _apply_draft_review(doc, values: ReportValues) -> None:
    """draft_review: the office's comments and a reason per changed criterion (an empty row is left out)."""
    comments = values.draft.get("comments", "")
    rows = [r for r in values.changes if r.get("criterion") or r.get("reason")]
    if (not comments and not rows and "draft_review" not in doc) or not _of_kind(doc.get("draft_review"), dict):
        return
    # After a followup_report already there: a comment above that part stays with it.
    part = child_map(doc, "draft_review", after=("followup_report", "course", "text", "signature", "team"))
    _put_text(part, "comments", comments, ())
    if (not rows and "changes" not in part) or not _of_kind(part.get("changes"), dict):
        return
    changes = child_map(part, "changes", after=("comments",))
    # A row without a criterion keeps its reason under '' so that validation names it, never drops it unseen.
    wanted = {r.get("criterion", ""): r.get("reason", "") for r in rows}
    for key in [k for k in changes if k not in wanted]:
        del changes[key]
    for criterion, reason in wanted.items():
        _put_text(changes, criterion, reason, ())
        if criterion not in changes:
            put(changes, criterion, "")


def _apply_followup_report(doc, values: ReportValues) -> None:
    """followup_report: status, date, team and texts; with no status and nothing filled in, the part is taken out."""
    f = values.followup
    rows = values.rows("followup_team")
    filled = any(f.get(k) for k in ("date", *FOLLOWUP_TEXTS)) or rows
    current = doc.get("followup_report")
    if not _of_kind(current, dict):
        return
    if not f.get("status") and not filled:
        if "followup_report" in doc:
            del doc["followup_report"]
        return
    part = child_map(doc, "followup_report", after=("draft_review", "course", "text", "signature", "team"))
    if f.get("status"):
        put(part, "status", text_scalar(f["status"]))
    elif "status" in part:
        del part["status"]
    if f.get("date") or "date" in part:
        put(part, "date", to_date(f["date"]) if f.get("date") else None, after=("status",))
    if (rows or "team" in part) and _of_kind(part.get("team"), list):
        _apply_rows(part, "team", rows, after=("date", "status"))
    if (any(f.get(k) for k in FOLLOWUP_TEXTS) or "text" in part) and _of_kind(part.get("text"), dict):
        texts = child_map(part, "text", after=("team", "date", "status"))
        _put_text(texts, "summary", f.get("summary", ""), ())
        _put_text(texts, "conclusion", f.get("conclusion", ""), ("summary",))


def _of_kind(value: Any, kind: type) -> bool:
    """Whether a part of the file may be written by the form: absent, empty (null) or of the kind it should be."""
    return value is None or isinstance(value, kind)


def _put_text(mapping, key: str, text: str, after: tuple[str, ...]) -> None:
    """Set a text; one the file holds with other white space around it (as YAML blocks end) is left as it is."""
    if not text and key not in mapping:
        return
    current = mapping.get(key)
    if isinstance(current, str) and current.strip() == text and (text or current == ""):
        return
    value = text_scalar(text)
    if current == "" and type(value) is str:
        # The skeleton's '' would otherwise pass its quotes on to the text (ruamel.yaml keeps a scalar's style).
        from ruamel.yaml.scalarstring import PlainScalarString

        value = PlainScalarString(value)
    put(mapping, key, value, after=after)
    if "\n" in text:
        _comment_above(mapping, key)


def _comment_above(mapping, key: str) -> None:
    """Move the comment at the end of ``key: ''`` above the key once the value is a block of lines.

    Left where it was, it would follow the block's last line, where it reads as part of the text.
    """
    entry = mapping.ca.items.get(key)
    token = entry[2] if entry and len(entry) > 2 else None
    # Only a comment of one line: one that holds the next key's comment lines too is left to ruamel.yaml.
    if token is None or not token.value.startswith("#") or token.value.rstrip("\n").count("\n"):
        return
    entry[2] = None
    mapping.yaml_set_comment_before_after_key(key, before=token.value.strip()[1:].strip(), indent=_indent_of(mapping))


def _indent_of(mapping) -> int:
    """The column a mapping's keys start at (0 at the top of the file)."""
    line_col = getattr(mapping, "lc", None)
    return line_col.col if line_col is not None and line_col.col is not None else 0


def _apply_rows(doc, group: str, rows: list[dict[str, str]], after: tuple[str, ...]) -> None:
    from ruamel.yaml.comments import CommentedSeq

    current = doc.get(group)
    if not isinstance(current, CommentedSeq):
        current = CommentedSeq()
        put(doc, group, current, after=after)
    for i, row in enumerate(rows):
        entry = current[i] if i < len(current) and is_map(current[i]) else None
        if entry is None:
            entry = new_map()
            if i < len(current):
                current[i] = entry
            else:
                current.append(entry)
        for part in PERSON_PARTS:
            if part == "name" and part not in entry:
                put(entry, part, text_scalar(row.get(part, "")))
            else:
                _put_text(entry, part, row.get(part, ""), ("name",) if part == "title" else ())
    del current[len(rows):]
    if not len(current):
        current.fa.set_flow_style()
    elif current.fa.flow_style():
        current.fa.set_block_style()


def check_values(target: ReportTarget, values: ReportValues) -> Messages:
    """The problems the file would have with the form's values, as a save would find them; nothing is written."""
    from ..yamlrt import dump_document, load_document

    try:
        disk_text, _digest = target.read()
        doc = load_document(disk_text if disk_text is not None else target.skeleton(), target.path)
        target.apply(doc, values)
        mine = dump_document(doc)
        data = parse_mapping(mine, target.path)
    except YamlFileError as exc:
        return Messages.from_problems([exc.problem], target)
    _report, problems = target.check(data, mine)
    return Messages.from_problems(problems, target)


# --------------------------------------------------------------------------- problems by field


def report_field_of(problem: Problem, theme_ids: list[str]) -> str | None:
    """The form field a problem of rapport.yaml belongs to (None: shown above the form)."""
    key = problem.key or ""
    match = _PROBLEM_ROW.match(key)
    if match:
        group = "followup_team" if match.group(1) == "followup_report.team" else match.group(1)
        return person_field(group, int(match.group(2)), match.group(3) or "name")
    if key in ("team", "signature"):
        return key   # the table as a whole: its message is shown under the table
    if key == "followup_report.team":
        return "followup_team"
    if key.startswith("followup_report"):
        rest = key[len("followup_report"):].lstrip(".")
        if rest.startswith("text."):
            name = rest[len("text."):].split(".")[0]
            return f"followup_report.text.{name}" if name in FOLLOWUP_TEXTS else None
        head = re.split(r"[.\[]", rest, maxsplit=1)[0]
        return f"followup_report.{head}" if head in ("status", "date") else "followup_report.status"
    if key.startswith("draft_review.changes."):
        return "draft_review.changes"
    if key.startswith("draft_review.comments"):
        return "draft_review.comments"
    if key.startswith("text.themes."):
        tid = key[len("text.themes."):].split(".")[0]
        return theme_field(tid) if tid in theme_ids else None
    if key.startswith("text."):
        name = key[len("text."):].split(".")[0]
        return f"text.{name}" if name in TEXTS else None
    head = re.split(r"[.\[]", key, maxsplit=1)[0]
    return head if head in HEADER else None


# --------------------------------------------------------------------------- the office and round pages


@dataclass
class ReportSummary:
    """The state of an office's rapport.yaml, for the office and round pages."""

    exists: bool
    readable: bool = True
    status: str = ""
    errors: int = 0
    warnings: int = 0

    @property
    def label(self) -> str:
        """The status as the pages show it."""
        if not self.exists:
            return _("ikke startet")
        if not self.readable:
            return _("filen kan ikke leses")
        if self.status in STATUSES:
            return ReportStatus(self.status).label
        return self.status or _("uten status")


def report_summary(target: ReportTarget) -> ReportSummary:
    """Read an office's rapport.yaml: its status and its problems as ``kvp-audit validate`` sees them."""
    if not target.path.is_file():
        return ReportSummary(False)
    try:
        text = read_text(target.path)
        data = parse_mapping(text, target.path)
    except YamlFileError:
        return ReportSummary(True, readable=False, errors=1)
    _report, problems = target.check(data, text)
    errors = sum(1 for p in problems if p.is_error)
    status = data.get("status")
    return ReportSummary(True, status=status if isinstance(status, str) else widget_text(status),
                         errors=errors, warnings=len(problems) - errors)


# --------------------------------------------------------------------------- what the page shows


def report_view(target: ReportTarget, values: ReportValues, messages: Messages, preview: bool = False) -> dict:
    """Everything the report form shows; with ``preview`` each text's Markdown as the report shows it."""
    from ..markup import markdown_html

    defaults = round_defaults(target.round)
    visit = target.last_visit()
    h = values.header
    status = _field("status", _("Status"), "radio", h.get("status", ""), messages, required=True,
                    help=_("Et utkast er merket UTKAST på hver side og i tittelen. Velg «Endelig» når rapporten "
                           "skal sendes."),
                    options=[("utkast", _("Utkast")), ("endelig", _("Endelig"))])
    deadline_help = (_("Tomt felt: rapportdatoen pluss {weeks} uker (runde.yaml).").format(weeks=defaults["reply_weeks"])
                     if defaults["reply_weeks"] else _("Tomt felt: ingen frist i rapporten."))
    dates = [
        _field("date", _("Rapportdato"), "date", h.get("date", ""), messages,
               help=_("Tomt felt: den siste besøksdatoen ({date}).").format(date=visit.isoformat()) if visit
               else _("Tomt felt: den siste besøksdatoen.")),
        _field("reply_deadline", _("Svarfrist for kontoret"), "date", h.get("reply_deadline", ""), messages,
               help=_("Fristen for kontorets svar eller plan for retting.") + " " + deadline_help),
    ]
    sender = [
        _field("reference", _("Saksnummer (referanse)"), "text", h.get("reference", ""), messages,
               help=_default_help(defaults["reference"])),
        _field("sender", _("Avsender"), "text", h.get("sender", ""), messages,
               help=_("For eksempel «Statsforvalteren i Fiktivfylke».") + " " + _default_help(defaults["sender"])),
    ]
    people = [
        _people_view("team", _("Teamet"), _("Revisorene som var med: navn og tittel. Ansattes navn hører bare "
                                            "hjemme her, i avsenderen og i signaturen, aldri deltakernes."),
                     values, messages),
        _people_view("signature", _("Signatur"),
                     _("Den eller de som signerer rapporten.") + " " + (
                         _("Tom tabell: signaturen fra runde.yaml ({names}).").format(names=defaults["signature"])
                         if defaults["signature"] else _("Tom tabell: ingen signatur.")),
                     values, messages),
    ]
    labels = {
        "summary": (_("Sammendrag"), _("Vises først i rapporten.")),
        "visit": (_("Om besøket"), _("Datoene, og hvem dere møtte (etter rolle).")),
        "sample": (_("Utvalget"), _("Hvordan sakene ble valgt, for eksempel «2 valgt av kontoret, 2 trukket tilfeldig».")),
        "conclusion": (_("Konklusjon"), _("Vises til slutt, før fristen og signaturen.")),
    }

    def text_field(name: str, label: str, value: str, extra_help: str, default: str) -> dict:
        help = " ".join(s for s in (extra_help, _("Tomt felt: rundens standardtekst.") if default else "") if s)
        out = _field(name, label, "textarea", value, messages, help=help)
        out["rows"] = 6 if name.startswith("text.") and not name.startswith("text.themes.") else 4
        out["default"] = default
        out["preview"] = None
        if preview and (value or default):
            # An empty text with no standard text gives nothing in the report, and no preview here.
            out["preview"] = {"id": f"p-{name}", "html": markdown_html(value or default), "standard": not value}
        return out

    texts = {name: text_field(f"text.{name}", labels[name][0], values.text.get(name, ""), labels[name][1],
                              defaults["texts"].get(name, ""))
             for name in TEXTS}
    themes = []
    for theme in target.checklist.themes:
        f = text_field(theme_field(theme.id), theme.title, values.themes.get(theme.id, ""), "", "")
        themes.append({"id": theme.id, "title": theme.title, "field": f})

    changes = []
    rows = list(values.changes)
    if not rows or any(rows[-1].values()):
        rows.append({"criterion": "", "reason": ""})   # always one empty row to fill in without JavaScript
    for i, row in enumerate(rows):
        n = i + 1
        criterion = _field(f"draft_review.changes.{i}.criterion", _("Kriterium, rad {n}").format(n=n), "text",
                           row.get("criterion", ""), messages)
        reason = _field(f"draft_review.changes.{i}.reason", _("Begrunnelse, rad {n}").format(n=n), "textarea",
                        row.get("reason", ""), messages)
        reason["rows"] = 2
        changes.append({"criterion": criterion, "reason": reason})
    f = values.followup
    followup = {
        "status": _field("followup_report.status", _("Oppfølgingsrapportens status"), "radio", f.get("status", ""),
                         messages, help=_("«Ingen oppfølgingsrapport» tar delen ut av filen når resten er tomt."),
                         options=[("", _("Ingen oppfølgingsrapport")), ("utkast", _("Utkast")),
                                  ("endelig", _("Endelig"))]),
        "date": _field("followup_report.date", _("Oppfølgingsrapportens dato"), "date", f.get("date", ""), messages,
                       help=_("Tomt felt: datoen for oppfølgingsverkstedet.")),
        "team": _people_view("followup_team", _("Teamet i oppfølgingsrapporten"),
                             _("Tom tabell: rapportens team."), values, messages),
        "texts": [text_field(f"followup_report.text.{name}", label, f.get(name, ""), help, "")
                  for name, label, help in (
                      ("summary", _("Sammendrag i oppfølgingsrapporten"), _("Vises først i oppfølgingsrapporten.")),
                      ("conclusion", _("Konklusjon i oppfølgingsrapporten"), _("Vises til slutt.")))],
    }
    draft = {
        "comments": text_field("draft_review.comments", _("Kontorets merknader til utkastet"),
                               values.draft.get("comments", ""),
                               _("Kort referert. Datoen er steget «merknader mottatt» i forløpet."), ""),
        "changes": changes,
        "errors": messages.errors.get("draft_review.changes", []),
        "warnings": messages.warnings.get("draft_review.changes", []),
    }
    course = [{"label": _course_label(name), "date": date} for name, date in values.course.items()]
    form = {
        "status": status,
        "dates": dates,
        "sender": sender,
        "people": people,
        "opening": [texts["summary"], texts["visit"], texts["sample"]],
        "themes": themes,
        "conclusion": texts["conclusion"],
        "course": course,
        "draft": draft,
        "followup": followup,
        "preview": preview,
        "general_errors": messages.general_errors,
        "general_warnings": messages.general_warnings,
    }
    form["error_summary"] = _error_summary(form)
    return form


def _default_help(value: str) -> str:
    if value:
        return _("Tomt felt: «{value}» fra runde.yaml.").format(value=value)
    return ""


def _people_view(group: str, legend: str, help: str, values: ReportValues, messages: Messages) -> dict:
    rows = list(values.people.get(group, []))
    if not rows or any(rows[-1].values()):
        rows.append({p: "" for p in PERSON_PARTS})   # always one empty row to fill in without JavaScript
    out_rows = []
    for i, row in enumerate(rows):
        last_empty = i == len(rows) - 1 and not any(row.values())
        n = i + 1
        out_rows.append({
            "index": i,
            "number": n,
            "name": _field(person_field(group, i, "name"), _("Navn, rad {n} ({table})").format(n=n, table=legend),
                           "text", row.get("name", ""), messages),
            "title": _field(person_field(group, i, "title"), _("Tittel, rad {n} ({table})").format(n=n, table=legend),
                            "text", row.get("title", ""), messages),
            "remove": "" if last_empty else _("Fjern rad {n}").format(n=n),
        })
    return {
        "group": group,
        "legend": legend,
        "help": help,
        "help_id": f"h-{group}",
        "rows": out_rows,
        "errors": messages.errors.get(group, []),
        "warnings": messages.warnings.get(group, []),
        "name": group,
        "add": _("Legg til en rad"),
    }


def _error_summary(form: dict) -> list[dict]:
    """Every field error with a link to its field, in the order of the page."""
    fields = [form["status"], *form["dates"], *form["sender"]]
    out = []
    for f in fields:
        anchor = f["options"][0]["id"] if f.get("options") else f["id"]
        out += [{"href": "#" + anchor, "label": f["label"], "message": e} for e in f["errors"]]
    for table in form["people"]:
        out += [{"href": "#" + field_id(f"{table['group']}.0.name"), "label": table["legend"], "message": e}
                for e in table["errors"]]
        for row in table["rows"]:
            for part in ("name", "title"):
                f = row[part]
                out += [{"href": "#" + f["id"], "label": f["label"], "message": e} for e in f["errors"]]
    texts = [*form["opening"], *[t["field"] for t in form["themes"]], form["conclusion"]]
    titles = {t["field"]["name"]: t["title"] for t in form["themes"]}
    for f in texts:
        label = titles.get(f["name"], f["label"])
        out += [{"href": "#" + f["id"], "label": label, "message": e} for e in f["errors"]]
    draft, followup = form["draft"], form["followup"]
    fields = [draft["comments"], *[row[p] for row in draft["changes"] for p in ("criterion", "reason")]]
    out += [{"href": "#" + field_id("draft_review.changes.0.criterion"), "label": _("Endringer fra utkastet"),
             "message": e} for e in draft["errors"]]
    fields += [followup["status"], followup["date"]]
    for row in followup["team"]["rows"]:
        fields += [row["name"], row["title"]]
    fields += followup["texts"]
    for f in fields:
        anchor = f["options"][0]["id"] if f.get("options") else f["id"]
        out += [{"href": "#" + anchor, "label": f["label"], "message": e} for e in f["errors"]]
    out += [{"href": "#" + field_id("followup_team.0.name"), "label": followup["team"]["legend"], "message": e}
            for e in followup["team"]["errors"]]
    return out


def _course_label(name: str) -> str:
    """A date of ``course:`` as the office page's course names it."""
    from ..course import COMMENTS, PLAN, deadline_label, field_step, step_label

    step = field_step(name)
    if step is not None:
        return step_label(step)
    return deadline_label(COMMENTS if name == "comments_deadline" else PLAN)


def round_defaults(rnd: Round) -> dict:
    """The round's report defaults from runde.yaml (``report:``), as plain text for the help lines."""
    report = rnd.report
    out: dict[str, Any] = {"sender": "", "reference": "", "reply_weeks": None, "signature": "", "texts": {}}
    if report is None:
        return out
    out["sender"] = report.sender or ""
    out["reference"] = report.reference or ""
    out["reply_weeks"] = report.reply_weeks
    out["signature"] = ", ".join(" ".join(s for s in (p.name, p.title and f"({p.title})") if s)
                                 for p in report.signature or [])
    out["texts"] = {name: getattr(report.texts, name) for name in TEXTS}
    return out
