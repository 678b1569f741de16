"""The review files behind the web form: read them, show them as form fields, save a form.

No Flask here: the app is a thin shell over these functions, and the tests and the
benchmark call them directly. A save is checked exactly as ``kvp-audit validate`` checks
a file (:func:`kvp_audit.load.check_review` on the text that would be written), is
refused when the file changed on disk since the form was opened, and is written with
the round trip of :mod:`kvp_audit.yamlrt`, so hand-written comments and key order survive.

One target class serves the three forms (case, office, follow-up); what the follow-up
form adds is the :class:`~kvp_audit.web.findings.FindingSet` its target holds. The web
modules import one way: fields, findings, reviews, followups, view, app, server.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import conditions
from ..errors import Problem
from ..i18n import _
from ..load import (
    OFFICE_FILE,
    RESERVED_FILES,
    _is_yaml,
    check_review,
    find_round_file,
    library_for,
    open_round,
)
from ..models import (
    CASE_KEY_PATTERN,
    INITIALS_PATTERN,
    CaseReview,
    Checklist,
    FactType,
    FollowupReview,
    Office,
    OfficeReview,
    Round,
)
from ..scoring import applies
from ..valuetypes import FACT_TYPES, answer_type, fact_type
from ..yamlio import YamlFileError, atomic_write, parse_mapping, read_text
from ..yamlrt import child_map, dump_document, is_map, load_document, new_map, put, put_list, text_scalar
from .fields import clean_text as _clean
from .fields import widget_text
from .findings import PREFIX, FindingSet, split_field

CASE = "case"
OFFICE = "office"
FOLLOWUP = "followup"
HEADER_FIELDS = {
    CASE: ("reviewers", "date", "selection", "note"),
    OFFICE: ("reviewers", "visit_dates", "met", "note"),
    FOLLOWUP: ("reviewers", "date", "note"),
}
SELECTIONS = ("kontoret", "tilfeldig")
_MODELS = {CASE: CaseReview, OFFICE: OfficeReview, FOLLOWUP: FollowupReview}


def text_hash(text: str | bytes | None) -> str:
    """The hash the form carries to detect a file changed on disk ('' for no file)."""
    if text is None:
        return ""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(raw).hexdigest()


_STAMPS: contextvars.ContextVar[dict | None] = contextvars.ContextVar("kvp_audit_stamps", default=None)


def file_stamp(path: Path) -> tuple:
    """What says a file is unchanged without reading it: mtime, size and inode (an atomic write
    gives a new inode); () when it does not exist. Inside :func:`one_look` each path is looked at once."""
    memo = _STAMPS.get()
    if memo is not None:
        known = memo.get(path)
        if known is not None:
            return known
    try:
        st = os.stat(path)
        stamp: tuple = (st.st_mtime_ns, st.st_size, st.st_ino)
    except (OSError, ValueError):
        stamp = ()
    if memo is not None:
        memo[path] = stamp
    return stamp


@contextlib.contextmanager
def one_look():
    """Within this block (one page), a file's stamp is taken once however many parts ask for it."""
    token = _STAMPS.set({})
    try:
        yield
    finally:
        _STAMPS.reset(token)


def file_hash(path: Path) -> str:
    """The hash of a file's bytes, or '' when it does not exist."""
    try:
        return text_hash(path.read_bytes())
    except FileNotFoundError:
        return ""


# --------------------------------------------------------------------------- the round


class RoundSite:
    """A round folder as the form sees it. Every path comes from the round's own ids."""

    def __init__(self, path: Path):
        self.round_file = find_round_file(path)
        self.root = self.round_file.parent
        self.library = library_for(self.root)
        self._stamp: int | None = None
        self._listings: dict[str, tuple[tuple, dict[str, Path]]] = {}
        self.refresh()

    def refresh(self) -> None:
        """Read runde.yaml and its checklists again if the file changed."""
        stamp = self.round_file.stat().st_mtime_ns
        if stamp == self._stamp:
            return
        opened = open_round(self.round_file, self.library)
        self.opened = opened
        self.round: Round = opened.round
        self.case_checklist: Checklist = opened.require_case_checklist()
        # None when the round names none, or one that cannot be used (see self.problems).
        self.office_checklist: Checklist | None = opened.office_checklist
        self.followup_checklist: Checklist | None = opened.followup_checklist
        self.problems: list[Problem] = opened.problems
        self._stamp = stamp

    def office(self, office_id: str) -> Office | None:
        """The office with this id in runde.yaml, or None (never a path from the request)."""
        return self.round.office(office_id)

    def folder(self, office: Office) -> Path:
        return self.root / office.id

    def case_files(self, office: Office) -> dict[str, Path]:
        """The case files of an office, by case key (file name, or the key written in the file).

        The listing is kept while the folder's own stamp is unchanged (a file added, removed or
        written atomically changes it), so a page about every office lists each folder once.
        """
        folder = self.folder(office)
        stamp = file_stamp(folder)
        known = self._listings.get(office.id)
        if known is not None and known[0] == stamp and stamp:
            return dict(known[1])
        out = self._list_cases(folder)
        self._listings[office.id] = (stamp, out)
        return dict(out)

    def _list_cases(self, folder: Path) -> dict[str, Path]:
        out: dict[str, Path] = {}
        if not folder.is_dir():
            return out
        for path in sorted(folder.iterdir()):
            if not path.is_file() or not _is_yaml(path) or path.name in RESERVED_FILES:
                continue
            key = path.stem
            if not re.match(CASE_KEY_PATTERN, key):
                key = _key_in_file(path) or key
            out.setdefault(key, path)
        return out

    def all_case_keys(self) -> set[str]:
        """Every case key used anywhere in the round (a new key must differ from all)."""
        from ..load import existing_case_keys

        keys = existing_case_keys(self.opened)
        for office in self.round.offices:
            keys.update(self.case_files(office))
        return keys

    def case_targets(self, office: Office) -> list[ReviewTarget]:
        """Every case file of an office, from one listing of its folder."""
        return [ReviewTarget(CASE, office, path, self.case_checklist, key)
                for key, path in self.case_files(office).items()]

    def case_target(self, office: Office, key: str) -> ReviewTarget | None:
        path = self.case_files(office).get(key)
        if path is None:
            return None
        return ReviewTarget(CASE, office, path, self.case_checklist, key)

    def office_target(self, office: Office) -> ReviewTarget | None:
        if self.office_checklist is None:
            return None
        return ReviewTarget(OFFICE, office, self.folder(office) / OFFICE_FILE, self.office_checklist, "")

    def add_case(self, office: Office, reviewers: list[str], today: dt.date | None = None) -> tuple[str, Path]:
        """Draw a new case key and write its skeleton, as ``kvp-audit new case`` does."""
        from ..skeleton import create_case

        return create_case(self.root, office.id, self.case_checklist, reviewers, today or dt.date.today(),
                           self.all_case_keys())


def _key_in_file(path: Path) -> str | None:
    # Read as every review file is read (yamlio's limits), so a file the CLI refuses is skipped here too.
    try:
        data = parse_mapping(read_text(path), path)
    except YamlFileError:
        return None
    if isinstance(data.get("case"), str):
        return data["case"]
    return None


def valid_initials(values: list[str]) -> bool:
    """Whether every value is 2-4 capital letters (initials, never a name)."""
    return bool(values) and all(re.match(INITIALS_PATTERN, v) for v in values)


def split_initials(text: str) -> list[str]:
    return [v for v in re.split(r"[,;\s]+", (text or "").strip()) if v]


# --------------------------------------------------------------------------- one file


class FileOnDisk:
    """What :func:`save_review` reads of every file a form edits (``path``): its text and hash."""

    path: Path

    def read(self) -> tuple[str | None, str]:
        """The file's text (None when absent) and its hash; :class:`YamlFileError` when it cannot be read.

        Read with :func:`kvp_audit.yamlio.read_text`, so the form refuses what the CLI refuses.
        """
        if not self.path.exists():
            return None, ""
        text = read_text(self.path)
        return text, text_hash(text)

    def current_hash(self) -> str:
        """The hash a form opened now would carry ('' for a file that cannot be read: it is never saved over)."""
        try:
            return self.read()[1]
        except YamlFileError:
            return ""


@dataclass
class ReviewTarget(FileOnDisk):
    """One review file the form edits: a case file, the office's kontor.yaml or its oppfolging.yaml.

    The same class for the three forms: ``kind`` chooses the header fields, the model and
    the skeleton, and a follow-up target holds the office's ``findings``, the one part
    the other forms lack. Every method below is what :func:`save_review` asks of a file.
    """

    kind: str
    office: Office
    path: Path
    checklist: Checklist
    key: str = ""
    findings: FindingSet | None = None   # the follow-up form's findings (None for case and office forms)

    @property
    def model(self) -> type:
        return _MODELS[self.kind]

    @property
    def template(self) -> str:
        return "followup.html.j2" if self.findings is not None else "review.html.j2"

    def values_from_data(self, data: dict) -> FormValues:
        """The form fields for this file's parsed data."""
        values = FormValues.from_data(data, self)
        if self.findings is not None:
            values.findings = self.findings.values_from_data(data)
        return values

    def values_from_form(self, form) -> FormValues:
        """The fields of a posted form; only names this file kind knows are read."""
        values = FormValues.from_form(form, self)
        if self.findings is not None:
            values.findings = self.findings.values_from_form(form)
        return values

    def apply(self, doc, values: FormValues) -> None:
        """Write the form's values into a round-trip document."""
        apply_values(doc, values, self)
        if self.findings is not None:
            self.findings.apply(doc, values.findings)

    def check(self, data: dict, text: str) -> tuple[Any, list[Problem]]:
        """Validate the file's data as ``kvp-audit validate`` does."""
        review, problems = check_review(data, text, self.path, self.model, self.checklist, self.office.id)
        if self.findings is not None:
            problems = self.findings.check(data, text, problems, self.path)
        return review, problems

    def field_of(self, problem: Problem) -> str | None:
        """The form field a problem belongs to (None: shown above the form)."""
        if self.findings is not None and (problem.key or "").startswith("findings."):
            return self.findings.field_of(problem)
        return field_of(problem, self)

    def skeleton(self, reviewers: list[str] | None = None, today: dt.date | None = None) -> str:
        """The text of a new file of this kind (case files are made by ``add_case``, never here)."""
        from ..skeleton import followup_skeleton, office_skeleton

        make = followup_skeleton if self.kind == FOLLOWUP else office_skeleton
        return make(self.checklist, self.office.id, reviewers or [], today or dt.date.today())



@dataclass
class Summary:
    """Progress of one review file: answered of applicable criteria, and its problems."""

    key: str
    path: Path
    exists: bool = True
    readable: bool = True
    answered: int = 0
    applicable: int = 0
    errors: int = 0
    warnings: int = 0
    date: Any = None
    selection: str = ""
    status: str = ""

    @property
    def complete(self) -> bool:
        return self.exists and self.readable and not self.errors and self.answered >= self.applicable


_SUMMARIES: dict[tuple, tuple[tuple, Summary]] = {}


def summarise(target: ReviewTarget) -> Summary:
    """Read a review file and count what is answered; problems as ``kvp-audit validate`` sees them.

    Kept by the file's stamp (:func:`file_stamp`) and what it is checked against, so the round
    page of a national round reads only the files that changed since it was last shown.
    """
    findings = tuple(f.id for f in target.findings) if target.findings is not None else None
    key = (target.kind, str(target.path))
    stamp = (file_stamp(target.path), target.key, target.office.id, target.checklist.ref, id(target.checklist),
             findings, getattr(target.findings, "round_errors", None))
    known = _SUMMARIES.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    summary = _summarise(target)
    _SUMMARIES[key] = (stamp, summary)
    return summary


def _summarise(target: ReviewTarget) -> Summary:
    summary = Summary(target.key, target.path)
    if not target.path.is_file():
        summary.exists = False
        summary.applicable = len(target.checklist.criteria())
        return summary
    try:
        text = read_text(target.path)
        data = parse_mapping(text, target.path)
    except YamlFileError:
        summary.readable = False
        summary.errors = 1
        return summary
    _review, problems = target.check(data, text)
    summary.errors = sum(1 for p in problems if p.is_error)
    summary.warnings = len(problems) - summary.errors
    facts = dict(data.get("facts")) if isinstance(data.get("facts"), dict) else {}
    answers = data.get("answers") if isinstance(data.get("answers"), dict) else {}
    dates = data.get("visit_dates")
    date = data.get("date") if target.kind == CASE else (dates[0] if isinstance(dates, list) and dates else None)
    seen = dict(facts)  # as conditions see them: with the computed facts and review_date
    conditions.compute_facts(target.checklist.facts, seen, date)
    seen = conditions.with_review_date(seen, date)
    for crit in target.checklist.criteria():
        if not _applies(crit, seen):
            continue
        summary.applicable += 1
        value = answers.get(crit.id)
        if isinstance(value, dict):
            value = value.get("answer")
        if value is not None and value != "":
            summary.answered += 1
    summary.date = data.get("date") if target.kind == CASE else (dates[0] if isinstance(dates, list) and dates else None)
    summary.selection = str(data.get("selection") or "")
    summary.status = str(facts.get("status") or "")
    return summary


def _applies(crit, facts: dict) -> bool:
    try:
        return applies(crit, facts)
    except Exception:  # a fact of the wrong type: validation reports it; show the criterion
        return True


# --------------------------------------------------------------------------- form values


@dataclass
class FormValues:
    """The form's fields as text, exactly what the inputs show (or what was posted)."""

    header: dict[str, str] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)
    findings: dict[str, dict[str, str]] = field(default_factory=dict)  # follow-up form: parts per finding id

    @classmethod
    def from_data(cls, data: dict, target: ReviewTarget) -> FormValues:
        """The form fields for a review file's parsed data."""
        out = cls()
        for name in HEADER_FIELDS[target.kind]:
            value = data.get(name)
            if isinstance(value, list):
                out.header[name] = ", ".join(widget_text(v) for v in value)
            else:
                out.header[name] = widget_text(value)
        facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
        for name in target.checklist.facts:
            out.facts[name] = widget_text(facts.get(name))
        answers = data.get("answers") if isinstance(data.get("answers"), dict) else {}
        for crit in target.checklist.criteria():
            entry = answers.get(crit.id)
            comment, sources = "", []
            if isinstance(entry, dict):
                value = entry.get("answer")
                comment = entry.get("comment") if isinstance(entry.get("comment"), str) else ""
                raw = entry.get("sources")
                if isinstance(raw, str):
                    sources = [raw]
                elif isinstance(raw, list):
                    sources = [str(s) for s in raw if s is not None]
            else:
                value = entry
            out.answers[crit.id] = widget_text(value)
            out.comments[crit.id] = comment or ""
            out.sources[crit.id] = sources
        return out

    @classmethod
    def from_form(cls, form, target: ReviewTarget) -> FormValues:
        """The fields of a posted form (a MultiDict); only the checklist's own names are read."""
        out = cls()
        for name in HEADER_FIELDS[target.kind]:
            out.header[name] = _clean(form.get(name, ""))
        for name in target.checklist.facts:
            out.facts[name] = _clean(form.get(f"fact.{name}", ""))
        for crit in target.checklist.criteria():
            out.answers[crit.id] = _clean(form.get(f"answer.{crit.id}", ""))
            out.comments[crit.id] = _clean(form.get(f"comment.{crit.id}", ""))
            out.sources[crit.id] = [s for s in form.getlist(f"sources.{crit.id}") if s]
        return out

    def pairs(self) -> list[tuple[str, str]]:
        """The fields as (name, value) pairs, as the form posts them (for the conflict page)."""
        out = list(self.header.items())
        out += [(f"fact.{k}", v) for k, v in self.facts.items()]
        out += [(f"answer.{k}", v) for k, v in self.answers.items()]
        out += [(f"comment.{k}", v) for k, v in self.comments.items()]
        out += [(f"sources.{k}", s) for k, v in self.sources.items() for s in v]
        out += [(f"{PREFIX}{fid}.{part}", value) for fid, parts in self.findings.items()
                for part, value in parts.items()]
        return out

    def texts(self) -> list[tuple[str, str]]:
        """Every free-text field by its form name (what the identity-number guard scans)."""
        return [(name, value) for name, value in self.pairs() if value]

    def masked(self, fields: dict[str, str]) -> FormValues:
        """A copy with identity numbers masked in the refused fields."""
        return masked(self, fields)


def _to_date(text: str) -> Any:
    return FACT_TYPES[FactType.date].from_text(text) if text else text


def typed_fact(spec, text: str) -> Any:
    """A fact's form text as the value to write (None when empty)."""
    return fact_type(spec).from_text(text)


def typed_answer(crit, text: str) -> Any:
    """An answer's form text as the value to write (None when unanswered)."""
    return answer_type(crit).from_text(text)


def typed_facts(values: FormValues, checklist: Checklist) -> dict[str, Any]:
    return {name: typed_fact(spec, values.facts.get(name, "")) for name, spec in checklist.facts.items()}


def form_facts(values: FormValues, checklist: Checklist) -> dict[str, Any]:
    """The form's facts as conditions see them: typed, with the computed facts and review_date."""
    facts = {k: v for k, v in typed_facts(values, checklist).items()
             if v is not None and not checklist.facts[k].compute}
    date_text = values.header.get("date") or (values.header.get("visit_dates") or "").split(",")[0].strip()
    date = _to_date(date_text) if date_text else None
    conditions.compute_facts(checklist.facts, facts, date)
    return conditions.with_review_date(facts, date)


def not_applicable(values: FormValues, checklist: Checklist) -> list[str]:
    """The criteria that do not apply with the form's facts (they need no answer)."""
    facts = form_facts(values, checklist)
    return [c.id for c in checklist.criteria() if not _applies(c, facts)]


# --------------------------------------------------------------------------- privacy


def mask_national_ids(text: str) -> str:
    """The text with anything that looks like a national identity number masked."""
    from ..privacy import mask_national_ids as mask

    return mask(text)


def refused_fields(values: FormValues) -> dict[str, str]:
    """Fields whose text looks like a fødselsnummer or D-nummer, with the message to show."""
    from ..privacy import find_national_id

    out: dict[str, str] = {}
    for name, text in values.texts():
        masked = find_national_id(text)
        if masked:
            out[name] = _("Teksten ser ut som et fødselsnummer eller D-nummer ({masked}). Ingenting er lagret: "
                          "saker kjennes bare ved den tilfeldige saksnøkkelen, og personnummer skal aldri lagres. "
                          "Fjern nummeret og lagre igjen.").format(masked=masked)
    return out


def masked(values: FormValues, fields: dict[str, str]) -> FormValues:
    """A copy of the values with identity numbers masked in the refused fields (never echoed back)."""
    out = FormValues(dict(values.header), dict(values.facts), dict(values.answers), dict(values.comments),
                     {k: list(v) for k, v in values.sources.items()},
                     {fid: dict(parts) for fid, parts in values.findings.items()})
    for name in fields:
        kind, _sep, rest = name.partition(".")
        finding = split_field(name)
        if finding is not None:
            fid, part = finding
            if part in out.findings.get(fid, {}):
                out.findings[fid][part] = mask_national_ids(out.findings[fid][part])
        elif not _sep:
            out.header[name] = mask_national_ids(out.header[name])
        elif kind == "fact":
            out.facts[rest] = mask_national_ids(out.facts[rest])
        elif kind == "answer":
            out.answers[rest] = mask_national_ids(out.answers[rest])
        elif kind == "comment":
            out.comments[rest] = mask_national_ids(out.comments[rest])
    return out


def apply_values(doc, values: FormValues, target: ReviewTarget) -> None:
    """Write the form's values into a round-trip document, touching only what the form shows."""
    checklist = target.checklist
    header = values.header
    for name in HEADER_FIELDS[target.kind]:
        text = header.get(name, "")
        if name in ("reviewers", "met"):
            items = split_initials(text) if name == "reviewers" else [text_scalar(s.strip()) for s in text.split(",") if s.strip()]
            if items or name in doc or name == "reviewers":
                put_list(doc, name, items, after=("office", "case"))
        elif name == "visit_dates":
            put_list(doc, name, [_to_date(s) for s in re.split(r"[,;\s]+", text) if s], after=("reviewers",))
        elif name == "date":
            put(doc, name, _to_date(text) if text else None, after=("reviewers",))
        elif name == "selection":
            if text or name in doc:
                put(doc, name, text_scalar(text), after=("date",))
        elif name == "note":
            if text or name in doc:
                put(doc, name, text_scalar(text), after=("selection", "met", "date", "visit_dates"))
    if checklist.facts:
        facts = child_map(doc, "facts", after=("note", "selection", "met", "date", "visit_dates"))
        for name, spec in checklist.facts.items():
            if spec.compute:  # worked out by the tool, never written by the form
                continue
            value = text_scalar(typed_fact(spec, values.facts.get(name, "")))
            if value is not None or name in facts:
                put(facts, name, value)
    answers = child_map(doc, "answers", after=("facts", "note", "selection", "met", "date", "visit_dates"))
    for crit in checklist.criteria():
        _apply_answer(answers, crit, text_scalar(typed_answer(crit, values.answers.get(crit.id, ""))),
                      values.comments.get(crit.id, ""), values.sources.get(crit.id, []))


def _apply_answer(answers, crit, value: Any, comment: str, sources: list[str]) -> None:
    current = answers.get(crit.id)
    if not crit.scored:
        # Recorded values take no comment in the skeleton; keep whatever else is there.
        if is_map(current):
            put(current, "answer", value)
        elif value is not None or crit.id in answers:
            put(answers, crit.id, value)
        return
    if is_map(current):
        if "answer" in current:
            current["answer"] = value
        else:
            current.insert(0, "answer", value)
        if comment or "comment" in current:
            put(current, "comment", text_scalar(comment), after=("answer",))
        if sources or "sources" in current:
            put_list(current, "sources", list(sources), after=("comment", "answer"))
        return
    if not comment and not sources:
        # The short form 'SV-01: ja' stays short.
        if value is not None or crit.id in answers:
            put(answers, crit.id, value)
        return
    entry = new_map()
    entry["answer"] = value
    if comment:
        entry["comment"] = text_scalar(comment)
    if sources:
        put_list(entry, "sources", list(sources))
    put(answers, crit.id, entry)


# --------------------------------------------------------------------------- problems by field


def field_of(problem: Problem, target: ReviewTarget) -> str | None:
    """The form field a problem belongs to (None: shown above the form)."""
    key = problem.key or ""
    if key.startswith("answers."):
        rest = key[len("answers."):]
        for crit in target.checklist.criteria():
            if rest == crit.id or rest.startswith(crit.id + ".") or rest.startswith(crit.id + "["):
                tail = rest[len(crit.id):].lstrip(".")
                if tail.startswith("comment"):
                    return f"comment.{crit.id}"
                if tail.startswith("sources"):
                    return f"sources.{crit.id}"
                return f"answer.{crit.id}"
        return None
    if key.startswith("facts."):
        name = key[len("facts."):].split(".")[0]
        return f"fact.{name}" if name in target.checklist.facts else None
    head = re.split(r"[.\[]", key, maxsplit=1)[0]
    if head in HEADER_FIELDS[target.kind]:
        return head
    return None


@dataclass
class Messages:
    """Problems sorted for the form: by field, and those that belong to no field."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)
    general_warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_problems(cls, problems: list[Problem], target: ReviewTarget) -> Messages:
        out = cls()
        for p in problems:
            text = p.message + ((" (" + _("Gjør slik") + f": {p.hint})") if p.hint else "")
            name = target.field_of(p)
            if name is None:
                where = p.location()
                (out.general_errors if p.is_error else out.general_warnings).append(f"{where}: {text}")
            else:
                (out.errors if p.is_error else out.warnings).setdefault(name, []).append(text)
        return out

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.general_errors)

    def as_json(self) -> dict:
        return {"errors": self.errors, "warnings": self.warnings,
                "general_errors": self.general_errors, "general_warnings": self.general_warnings}


# --------------------------------------------------------------------------- open and save


@dataclass
class Opened:
    """A review file opened for the form: its values, hash and current problems."""

    values: FormValues
    hash: str
    messages: Messages
    exists: bool
    unreadable: str = ""


def open_review(target: ReviewTarget, reviewers: list[str] | None = None) -> Opened:
    """Read a review file for the form; a missing office review starts from the skeleton.

    A file the command line cannot read comes back ``unreadable`` with its problem, never as values.
    """
    try:
        text, digest = target.read()
    except YamlFileError as exc:
        return Opened(FormValues(), target.current_hash(), Messages(), True, unreadable=exc.problem.format())
    exists = text is not None
    if text is None:
        text = target.skeleton(reviewers)
    try:
        data = parse_mapping(text, target.path)
    except YamlFileError as exc:
        return Opened(FormValues(), digest, Messages(), exists, unreadable=exc.problem.format())
    values = target.values_from_data(data)
    messages = Messages()
    if exists:
        _review, problems = target.check(data, text)
        messages = Messages.from_problems(problems, target)
    return Opened(values, digest, messages, exists)


@dataclass
class SaveResult:
    """What a save did: saved, unchanged, invalid, refused (identity number) or conflict."""

    status: str
    values: FormValues
    hash: str
    messages: Messages = field(default_factory=Messages)
    mine: str = ""
    disk: str = ""
    unreadable: str = ""   # invalid because the file on disk cannot be read: its problem

    @property
    def written(self) -> bool:
        return self.status == "saved"


def save_review(target: ReviewTarget, values: FormValues, base_hash: str) -> SaveResult:
    """Validate the form's values as ``kvp-audit validate`` would and write them atomically.

    Nothing is written when a text looks like an identity number, when the result has
    errors, or when the file on disk is not the one the form was opened from
    (``base_hash``): then both versions come back for the reviewer to choose.
    """
    refused = refused_fields(values)
    if refused:
        messages = Messages(errors={k: [v] for k, v in refused.items()})
        return SaveResult("refused", values.masked(refused), target.current_hash(), messages)
    try:
        disk_text, disk_hash = target.read()
        doc = load_document(disk_text if disk_text is not None else target.skeleton(), target.path)
    except YamlFileError as exc:
        messages = Messages.from_problems([exc.problem], target)
        return SaveResult("invalid", values, target.current_hash(), messages, unreadable=exc.problem.format())
    target.apply(doc, values)
    mine = dump_document(doc)
    if base_hash != disk_hash:
        return SaveResult("conflict", values, disk_hash, mine=mine, disk=disk_text or "")
    try:
        data = parse_mapping(mine, target.path)
    except YamlFileError as exc:
        return SaveResult("invalid", values, disk_hash, Messages.from_problems([exc.problem], target))
    _review, problems = target.check(data, mine)
    messages = Messages.from_problems(problems, target)
    if messages.has_errors:
        return SaveResult("invalid", values, disk_hash, messages)
    if mine == disk_text:
        return SaveResult("unchanged", values, disk_hash, messages)
    atomic_write(target.path, mine)
    return SaveResult("saved", values, text_hash(mine), messages)
