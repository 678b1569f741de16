"""The round file (runde.yaml) as a form: name, county, period, offices added or renamed, checklists chosen.

:class:`RoundFileTarget` gives runde.yaml the interface of a review target, so it is
saved by :func:`~kvp_audit.web.reviews.save_review` like every other form: the identity
number guard, the conflict check (``base_hash``), the round trip that keeps comments and
every key the form does not show (previous, carried, report, note), the same checks as
``kvp-audit validate`` (the round model, and each checklist found and of its scope), and
an atomic write. One rule is the form's own: an office's id is its folder's name, so it
can change only while the office has no folder.

Without JavaScript "Legg til kontor" posts the form back with one more empty row; nothing
is written until «Lagre».
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from ..errors import Problem
from ..i18n import _
from ..yamlrt import child_map, is_map, new_map, put, text_scalar
from .core import web_state
from .fields import clean_text, to_date, widget_text
from .reviews import FileOnDisk, Messages, mask_national_ids, open_review, refused_fields, save_review

ROUND = "round"
HEADER = ("name", "county", "period-start", "period-end")
SCOPES = ("case", "office", "followup")
MAX_OFFICES = 400      # rows the form reads: a national round has about 250 offices
_OFFICE_FIELD = re.compile(r"^office-(\d{1,3})-(id|name|was)$")
_OFFICE_PROBLEM = re.compile(r"^offices\[(\d+)\](?:\.(id|name))?")


def office_field(index: int, part: str) -> str:
    """The form name of one office cell, for example ``office-0-name`` (its id is ``f-office-0-name``)."""
    return f"office-{index}-{part}"


@dataclass
class RoundValues:
    """The round file's fields as text, as the inputs show them (or as posted)."""

    header: dict[str, str] = field(default_factory=dict)
    offices: list[dict[str, str]] = field(default_factory=list)   # id, name, was (the id as the file had it)
    checklists: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: dict) -> RoundValues:
        out = cls()
        period = data.get("period") if isinstance(data.get("period"), dict) else {}
        out.header = {"name": widget_text(data.get("name")).strip(), "county": widget_text(data.get("county")).strip(),
                      "period-start": widget_text(period.get("start")).strip(),
                      "period-end": widget_text(period.get("end")).strip()}
        offices = data.get("offices") if isinstance(data.get("offices"), list) else []
        for row in offices:
            row = row if isinstance(row, dict) else {}
            ident = widget_text(row.get("id")).strip()
            out.offices.append({"id": ident, "name": widget_text(row.get("name")).strip(), "was": ident})
        chosen = data.get("checklists") if isinstance(data.get("checklists"), dict) else {}
        out.checklists = {scope: widget_text(chosen.get(scope)).strip() for scope in SCOPES}
        return out

    @classmethod
    def from_form(cls, form) -> RoundValues:
        out = cls()
        out.header = {name: _one_line(form.get(name, "")) for name in HEADER}
        cells: dict[int, dict[str, str]] = {}
        for name in form.keys():
            match = _OFFICE_FIELD.match(name)
            if match and int(match.group(1)) < MAX_OFFICES:
                cells.setdefault(int(match.group(1)), {"id": "", "name": "", "was": ""})[match.group(2)] = \
                    _one_line(form.get(name, ""))
        out.offices = [cells[i] for i in sorted(cells)]
        out.checklists = {scope: _one_line(form.get(f"checklist-{scope}", "")) for scope in SCOPES}
        return out

    def rows(self) -> list[dict[str, str]]:
        """The offices to write: a new row left empty is left out."""
        return [row for row in self.offices if row.get("was") or row.get("id") or row.get("name")]

    def pairs(self) -> list[tuple[str, str]]:
        out = list(self.header.items())
        for i, row in enumerate(self.offices):
            out += [(office_field(i, part), row.get(part, "")) for part in ("id", "name", "was")]
        out += [(f"checklist-{scope}", value) for scope, value in self.checklists.items()]
        return out

    def texts(self) -> list[tuple[str, str]]:
        """What the identity-number guard scans: every text typed in the form."""
        return [(name, value) for name, value in self.pairs() if value and not name.endswith("-was")]

    def masked(self, fields: dict[str, str]) -> RoundValues:
        out = self.copy()
        for name in fields:
            match = _OFFICE_FIELD.match(name)
            if match:
                row = out.offices[int(match.group(1))]
                row[match.group(2)] = mask_national_ids(row[match.group(2)])
            elif name in out.header:
                out.header[name] = mask_national_ids(out.header[name])
            elif name.startswith("checklist-"):
                out.checklists[name[10:]] = mask_national_ids(out.checklists[name[10:]])
        return out

    def copy(self) -> RoundValues:
        return RoundValues(dict(self.header), [dict(r) for r in self.offices], dict(self.checklists))


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", clean_text(text))


@dataclass
class RoundFileTarget(FileOnDisk):
    """runde.yaml with the interface :func:`~kvp_audit.web.reviews.save_review` asks of a file."""

    path: Path
    library: Any
    office: Any = None
    kind: str = ROUND
    key: str = ""
    template: str = "roundfile.html.j2"

    def values_from_data(self, data: dict) -> RoundValues:
        return RoundValues.from_data(data)

    def values_from_form(self, form) -> RoundValues:
        return RoundValues.from_form(form)

    def skeleton(self, reviewers=None, today=None) -> str:
        # The form edits a round that exists; a runde.yaml gone since it opened fails the hash check.
        return ""

    def apply(self, doc, values: RoundValues) -> None:
        """Write the form's values into the round-trip document, touching only what the form shows."""
        h = values.header
        put(doc, "name", text_scalar(h.get("name", "")), after=("id",))
        put(doc, "county", text_scalar(h.get("county", "")), after=("name", "id"))
        period = child_map(doc, "period", after=("county", "name"))
        for part in ("start", "end"):
            text = h.get(f"period-{part}", "")
            put(period, part, to_date(text) if text else None, after=("start",))
        chosen = child_map(doc, "checklists", after=("period", "county"))
        for scope in SCOPES:
            ref = values.checklists.get(scope, "")
            if ref:
                put(chosen, scope, ref, after=tuple(reversed(SCOPES[:SCOPES.index(scope)])))
            elif scope in chosen:
                del chosen[scope]
        _apply_offices(doc, values.rows())

    def check(self, data: dict, text: str) -> tuple[Any, list[Problem]]:
        """The checks ``kvp-audit validate`` makes of runde.yaml: the round model and its checklists."""
        from pydantic import ValidationError

        from ..load import round_checklists
        from ..models import Round
        from ..validation import pydantic_problems
        from ..yamlio import Locator

        try:
            rnd = Round.model_validate(data)
        except ValidationError as exc:
            # Named as the form names the file (the page says which round), not by where the server runs.
            return None, pydantic_problems(exc, Round, self.path.name, Locator(text))
        _checklists, problems = round_checklists(rnd, self.library, self.path, text)
        return rnd, problems

    def field_of(self, problem: Problem) -> str | None:
        key = problem.key or ""
        match = _OFFICE_PROBLEM.match(key)
        if match:
            return office_field(int(match.group(1)), match.group(2) or "name")
        if key in ("name", "county"):
            return key
        if key.startswith("period"):
            return "period-end" if key.endswith("end") else "period-start"
        if key.startswith("checklists."):
            return "checklist-" + key.split(".", 1)[1].split(".")[0]
        return None


def _apply_offices(doc, rows: list[dict[str, str]]) -> None:
    """Offices changed in place (a comment beside an office stays with it); new ones added at the end."""
    from ruamel.yaml.comments import CommentedSeq

    current = doc.get("offices")
    if not isinstance(current, CommentedSeq):
        current = CommentedSeq()
        put(doc, "offices", current, after=("checklists", "period"))
    by_id = {entry.get("id"): entry for entry in current if is_map(entry)}
    last = current[-1] if len(current) and is_map(current[-1]) else None
    trailing = _take_trailing_comment(last) if last is not None else None
    kept = []
    for row in rows:
        entry = by_id.get(row.get("was")) if row.get("was") else None
        if entry is None:
            entry = new_map()
        put(entry, "id", text_scalar(row.get("id", "")))
        put(entry, "name", text_scalar(row.get("name", "")), after=("id",))
        kept.append(entry)
    others = [e for e in current if not is_map(e)]
    del current[:]
    current.extend(kept + others)
    if trailing is not None and len(current) and is_map(current[-1]) and len(current[-1]):
        # The comment after the last office introduces the next key of the file: it stays last.
        final = current[-1]
        key = list(final)[-1]
        entry = final.ca.items.setdefault(key, [None, None, None, None])
        entry[2] = trailing
    if len(current) and current.fa.flow_style():
        current.fa.set_block_style()


def _take_trailing_comment(entry):
    """Remove and return the comment lines after an office's last key (ruamel.yaml keeps them there)."""
    if not len(entry):
        return None
    key = list(entry)[-1]
    item = entry.ca.items.get(key)
    if not item or len(item) < 3 or item[2] is None:
        return None
    token = item[2]
    item[2] = None
    return token


def check_round_values(target: RoundFileTarget, values: RoundValues) -> Messages:
    """Every problem the file would have with the form's values: the form's own rules and
    ``kvp-audit validate``'s; nothing is written."""
    from ..yamlio import YamlFileError, parse_mapping
    from ..yamlrt import dump_document, load_document

    own = form_problems(target, values, target.path.parent)
    try:
        disk_text, _digest = target.read()
        doc = load_document(disk_text or "", target.path)
        target.apply(doc, values)
        mine = dump_document(doc)
        data = parse_mapping(mine, target.path)
    except YamlFileError as exc:
        messages = Messages.from_problems([exc.problem], target)
    else:
        problems = target.check(data, mine)[1]
        if any(name.endswith("-id") for name in own):
            # "an office stands twice" is the form's own message at the row, said once
            problems = [p for p in problems if p.key != "offices"]
        messages = Messages.from_problems(problems, target)
    for name, errors in own.items():
        known = messages.errors.setdefault(name, [])
        known[:0] = [e for e in errors if e not in known]
    return messages


def form_problems(target: RoundFileTarget, values: RoundValues, root: Path) -> dict[str, list[str]]:
    """What the form checks before a save: offices named, ids unique, an id changed only while it has no folder."""
    errors: dict[str, list[str]] = {}
    for name, message in (("name", _("Skriv rundens navn.")), ("county", _("Skriv fylket runden gjelder."))):
        if not values.header.get(name):
            errors.setdefault(name, []).append(message)
    seen: dict[str, int] = {}
    for i, row in enumerate(values.offices):
        if not (row.get("was") or row.get("id") or row.get("name")):
            continue
        if not row.get("name"):
            errors.setdefault(office_field(i, "name"), []).append(_("Skriv kontorets navn."))
        if not row.get("id"):
            errors.setdefault(office_field(i, "id"), []).append(
                _("Skriv kontorets id (mappenavnet, for eksempel nav-fjellby)."))
        elif row["id"] in seen:
            errors.setdefault(office_field(i, "id"), []).append(
                _("Id-en {id} er brukt av et annet kontor i runden.").format(id=row["id"]))
        seen.setdefault(row.get("id", ""), i)
        was = row.get("was", "")
        if was and row.get("id") != was and (root / was).exists():
            errors.setdefault(office_field(i, "id"), []).append(
                _("Kontoret har allerede en mappe ({folder}), så id-en kan ikke endres her. Id-en er mappens navn: "
                  "endre navnet i stedet, eller gi mappen nytt navn utenfor verktøyet først.").format(folder=was + "/"))
    return errors


# --------------------------------------------------------------------------- the page


def round_target() -> RoundFileTarget:
    site = web_state().site
    return RoundFileTarget(site.round_file, site.library)


def checklist_choices(library, scope: str, current: str) -> list[tuple[str, str]]:
    """The checklists of one scope the round sees, as (ref, label); the file's own choice is always one."""
    out = []
    for ref in sorted(library.refs()):
        checklist, _problems = library.get(ref)
        if checklist is not None and checklist.scope.value == scope:
            out.append((ref, "{title} ({ref})".format(title=checklist.title, ref=ref)))
    if current and current not in {ref for ref, _label in out}:
        out.append((current, _("{ref} (finnes ikke)").format(ref=current)))
    return out


def form_field(name: str, label: str, value: str, messages: Messages, kind: str = "text", help: str = "",
               options: list[tuple[str, str]] = (), required: bool = False) -> dict:
    """One control as ``macros.html.j2``'s ``input`` draws it (its id is ``f-<name>``).

    A date field holding text that is no date is drawn as a text field, so the text typed is
    shown back with its error (a date input cannot hold it).
    """
    if kind == "date" and value and not _is_iso_date(value):
        kind = "text"
    return {"name": name, "id": field_id_of(name), "label": label, "value": value, "kind": kind, "help": help,
            "help_id": f"h-{name}", "required": required,
            "options": [{"value": v, "label": text} for v, text in options],
            "errors": messages.errors.get(name, []), "warnings": messages.warnings.get(name, []),
            "describedby": (f"h-{name} " if help else "") + f"e-{name}"}


def _is_iso_date(text: str) -> bool:
    import datetime as dt

    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)) and dt.date.fromisoformat(text) is not None
    except ValueError:
        return False


def field_id_of(name: str) -> str:
    """The id of a form control: ``f-<name>`` (the anchor the validation overview links to)."""
    return f"f-{name}"


def error_summary(fields: list[dict]) -> list[dict]:
    """The error summary's links, one per message, in the order the fields show."""
    return [{"href": "#" + f["id"], "label": f["label"], "message": e} for f in fields for e in f["errors"]]


def render_round_form(target: RoundFileTarget, values: RoundValues, messages: Messages, digest: str,
                      status: int = 200, refused: bool = False, notice: str = ""):
    root = target.path.parent
    h = values.header
    header = [form_field("name", _("Navn"), h.get("name", ""), messages, required=True),
              form_field("county", _("Fylke"), h.get("county", ""), messages, required=True),
              form_field("period-start", _("Perioden begynner"), h.get("period-start", ""), messages, "date",
                         required=True),
              form_field("period-end", _("Perioden slutter"), h.get("period-end", ""), messages, "date",
                         required=True)]
    scope_labels = {"case": _("Sjekkliste for saker"), "office": _("Sjekkliste for kontorvurderingen"),
                    "followup": _("Sjekkliste for oppfølging")}
    checklists = []
    for scope in SCOPES:
        current = values.checklists.get(scope, "")
        choices = checklist_choices(target.library, scope, current)
        if scope != "case":
            choices = [("", _("ingen"))] + choices
        checklists.append(form_field(f"checklist-{scope}", scope_labels[scope], current, messages, "select",
                                     options=choices, required=scope == "case"))
    offices = []
    for i, row in enumerate(values.offices):
        was = row.get("was", "")
        locked = bool(was) and (root / was).exists()
        offices.append({
            "index": i, "was": was, "locked": locked,
            "id": form_field(office_field(i, "id"), _("Kontor {n}, id").format(n=i + 1), row.get("id", ""), messages),
            "name": form_field(office_field(i, "name"), _("Kontor {n}, navn").format(n=i + 1), row.get("name", ""),
                               messages)})
    fields = header + [f for o in offices for f in (o["name"], o["id"])] + checklists
    shown = {f["name"] for f in fields}
    general = list(messages.general_errors) + [e for name, es in messages.errors.items() if name not in shown
                                              for e in es]
    return render_template("roundfile.html.j2", target=target, title=_("Rundefilen"), header=header,
                           offices=offices, checklists=checklists, summary=error_summary(fields),
                           general_errors=general, general_warnings=messages.general_warnings,
                           base_hash=digest, refused=refused, notice=notice,
                           saved=request.args.get("lagret") == "1"), status


def round_file_form():
    """runde.yaml as a form: GET shows it, POST «Lagre» saves it, «Legg til kontor» adds an empty row."""
    from .core import diff_lines

    target = round_target()
    if request.method == "GET":
        opened = open_review(target)
        if opened.unreadable:
            return render_template("unreadable.html.j2", target=target, problem=opened.unreadable,
                                   title=_("Rundefilen")), 200
        return render_round_form(target, opened.values, opened.messages, opened.hash)
    action = request.form.get("action", "save")
    if action not in ("save", "add-office") or "base_hash" not in request.form:
        abort(400, _("skjemaet er ufullstendig; last siden på nytt"))
    values = target.values_from_form(request.form)
    digest = request.form.get("base_hash", "")
    refused = refused_fields(values)
    if refused:
        return render_round_form(target, values.masked(refused), Messages(errors={k: [v] for k, v in refused.items()}),
                                 digest, status=422, refused=True)
    if action == "add-office":
        values.offices.append({"id": "", "name": "", "was": ""})
        return render_round_form(target, values, Messages(), digest,
                                 notice=_("En tom rad for et nytt kontor er lagt til. Ingenting er lagret ennå."))
    messages = check_round_values(target, values)
    if messages.has_errors:
        return render_round_form(target, values, messages, digest, status=422)
    result = save_review(target, values, digest)
    if result.status in ("saved", "unchanged"):
        site = web_state().site
        site._stamp = None  # a second save within the file system's mtime tick is read again too
        site.refresh()
        if result.status == "saved":
            flash(_("Rundefilen er lagret."))
        return redirect(url_for("round_file_form") + "?lagret=1", code=303)
    if result.status == "conflict":
        return render_template("conflict.html.j2", target=target, title=_("Rundefilen"), result=result,
                               pairs=result.values.pairs(), diff=diff_lines(result.disk, result.mine)), 409
    if result.unreadable:
        return render_template("unreadable.html.j2", target=target, problem=result.unreadable,
                               title=_("Rundefilen")), 422
    return render_round_form(target, result.values, result.messages, result.hash, status=422,
                             refused=result.status == "refused")


def round_context() -> dict:
    """What the round page's part shows: the link to this form."""
    site = web_state().site
    return {"roundfile_offices": len(site.round.offices), "roundfile_name": site.round_file.name}


ROUTES = (
    ("/runden", round_file_form, ["GET", "POST"]),
)
