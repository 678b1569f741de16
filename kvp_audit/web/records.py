"""The plan for retting (plan.yaml) and the sample draw (utvalg.yaml) as forms.

The plan form has one group per finding of the office (the ids come from the scored
round, as the follow-up form gets them: :class:`~kvp_audit.web.followups.FindingIndex`;
a posted field naming any other id is refused before anything is read), and one per
item of the file whose id is not among them, so that it can be removed. It is saved by
:func:`~kvp_audit.web.reviews.save_review` like every other form: the checks of
``kvp-audit validate`` for plan.yaml, the identity-number guard, the conflict check, an
atomic write and the round trip that keeps comments.

The sample form is a shell over :mod:`kvp_audit.sample`, called as ``kvp-audit sample``
calls it: the draw is recorded before it is shown, a second draw needs "Trekk på nytt",
and "Kontroller trekningen" computes every draw again. A drawn position without a case
gets a button that creates the case as ``new case --selection tilfeldig --position P`` does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for

from ..errors import KvpAuditError, Problem, UsageError
from ..i18n import _
from ..models import PLAN_STATUSES, FindingKind, Office
from ..yamlio import YamlFileError, parse_mapping, read_text
from ..yamlrt import child_map, is_map, new_map, put, text_scalar
from . import reviews
from .core import diff_lines, office_or_404, web_state
from .fields import clean_text, to_date, widget_text
from .findings import Finding
from .reviews import FileOnDisk, Messages, mask_national_ids, open_review, save_review
from .view import _field

PLAN = "plan"
PARTS = ("measure", "responsible", "due", "status", "evidence", "checked")
FORM_PARTS = (*PARTS, "remove")
DATES = ("due", "checked")
TEXTS = ("measure", "evidence")
PREFIX = "plan."
MAX_STRATA = 12   # rows of the draw form read; a sample has a handful of groups at most


def plan_field(finding_id: str, part: str) -> str:
    """The form name of one part of a finding's plan item, for example ``plan.<id>.measure``."""
    return f"{PREFIX}{finding_id}.{part}"


def plan_anchor(finding_id: str, part: str) -> str:
    """The HTML id of a plan field: ``f-<finding id>-<part>`` (the validation overview links to it)."""
    return f"f-{finding_id}-{part}"


def split_plan_field(name: str) -> tuple[str, str] | None:
    """The finding id and part of ``plan.<id>.<part>`` (None for other names); ids may hold dots."""
    if not name.startswith(PREFIX):
        return None
    fid, _dot, part = name[len(PREFIX):].rpartition(".")
    return fid, part


# --------------------------------------------------------------------------- the plan's values


@dataclass
class PlanValues:
    """The plan form's fields as text, exactly what the inputs show (or what was posted)."""

    received: str = ""
    items: dict[str, dict[str, str]] = field(default_factory=dict)   # finding id -> part -> text
    remove: set[str] = field(default_factory=set)                    # items to take out of the file

    def pairs(self) -> list[tuple[str, str]]:
        """The fields as (name, value) pairs, as the form posts them (for the conflict page)."""
        out = [("received", self.received)]
        for fid, parts in self.items.items():
            out += [(plan_field(fid, part), value) for part, value in parts.items()]
        out += [(plan_field(fid, "remove"), "1") for fid in sorted(self.remove)]
        return out

    def texts(self) -> list[tuple[str, str]]:
        """Every filled-in field by its form name (what the identity-number guard scans)."""
        return [(name, value) for name, value in self.pairs() if value and not name.endswith(".remove")]

    def masked(self, fields: dict[str, str]) -> PlanValues:
        """A copy with identity numbers masked in the refused fields (never echoed back)."""
        out = PlanValues(self.received, {fid: dict(parts) for fid, parts in self.items.items()}, set(self.remove))
        for name in fields:
            parsed = split_plan_field(name)
            if parsed is not None and parsed[1] in out.items.get(parsed[0], {}):
                out.items[parsed[0]][parsed[1]] = mask_national_ids(out.items[parsed[0]][parsed[1]])
            elif name == "received":
                out.received = mask_national_ids(out.received)
        return out


def _one_line(text: str) -> str:
    return " ".join(clean_text(text).split())


# --------------------------------------------------------------------------- the plan file


@dataclass
class PlanTarget(FileOnDisk):
    """An office's plan.yaml, with the interface :func:`~kvp_audit.web.reviews.save_review` asks of a file."""

    office: Office
    path: Path
    findings: list[Finding]
    extra: list[str]                 # item ids in the file that are not among the office's findings
    round_errors: int = 0            # files of the round with errors: findings from them are missing
    report_date: dt.date | None = None
    kind: str = PLAN
    key: str = ""
    template: str = "plan.html.j2"

    @property
    def ids(self) -> list[str]:
        """Every finding id the form shows: the office's findings, then the file's other items."""
        return [f.id for f in self.findings] + self.extra

    def unknown_fields(self, form) -> list[str]:
        """Posted plan fields that name no id the form shows (the request is refused)."""
        ids = set(self.ids)
        return [name for name in form.keys()
                if (parsed := split_plan_field(name)) is not None and (parsed[0] not in ids or parsed[1] not in FORM_PARTS)]

    def values_from_data(self, data: dict) -> PlanValues:
        items = data.get("items") if isinstance(data.get("items"), dict) else {}
        out = PlanValues(widget_text(data.get("received")).strip())
        for fid in self.ids:
            record = items.get(fid) if isinstance(items.get(fid), dict) else {}
            parts = {part: widget_text(record.get(part)).strip() for part in PARTS}
            parts["status"] = parts["status"] or PLAN_STATUSES[0]
            out.items[fid] = parts
        return out

    def values_from_form(self, form) -> PlanValues:
        out = PlanValues(_one_line(form.get("received", "")))
        for fid in self.ids:
            parts = {}
            for part in PARTS:
                text = clean_text(form.get(plan_field(fid, part), ""))
                parts[part] = text if part in TEXTS else _one_line(text)
            parts["status"] = parts["status"] or PLAN_STATUSES[0]
            out.items[fid] = parts
            if form.get(plan_field(fid, "remove")) == "1":
                out.remove.add(fid)
        return out

    def apply(self, doc, values: PlanValues) -> None:
        """Write the form's values into a round-trip document, touching only what the form shows.

        A finding's item is added once anything is filled in (or its status is not «åpen»);
        an item in the file stays, emptied fields and all, until its "remove" box is ticked.
        """
        if values.received or "received" in doc:
            put(doc, "received", to_date(values.received) if values.received else None)
        wanted = {fid: parts for fid, parts in values.items.items() if fid in self.ids}
        items = doc.get("items")
        filled = {fid for fid, parts in wanted.items()
                  if any(parts.get(p) for p in PARTS if p != "status") or parts.get("status") not in ("", PLAN_STATUSES[0])}
        if not is_map(items) and not (filled - values.remove):
            return
        if items is not None and not is_map(items):
            return   # not a mapping: left as it is, and validation keeps its error until it is fixed in an editor
        items = child_map(doc, "items", after=("received",))
        for fid, parts in wanted.items():
            if fid in values.remove:
                if fid in items:
                    del items[fid]
                continue
            entry = items.get(fid)
            if not is_map(entry):
                if fid not in filled:
                    continue
                entry = new_map()
                items[fid] = entry
            placed: tuple[str, ...] = ()
            for part in PARTS:
                text = parts.get(part, "")
                if part in DATES:
                    if text or part in entry:
                        put(entry, part, to_date(text) if text else None, after=placed)
                elif part == "status":
                    if part in entry or text not in ("", PLAN_STATUSES[0]):
                        put(entry, part, text_scalar(text or PLAN_STATUSES[0]), after=placed)
                elif text or part in entry:
                    put(entry, part, text_scalar(text), after=placed)
                placed = (part, *placed)

    def check(self, data: dict, text: str) -> tuple[Any, list[Problem]]:
        """Validate the plan as ``kvp-audit validate`` does: the model, names, and the scored findings."""
        from ..followup import plan_problems
        from ..load import check_record

        plan, problems = check_record(data, text, self.path)
        # As validate: the items are checked against the findings once the round is free of errors.
        if plan is not None and not self.round_errors and self.report_date is not None:
            problems = problems + plan_problems(None, self.office.id, plan, [f.id for f in self.findings],
                                                self.path, date=self.report_date, text=text)
        return plan, problems

    def field_of(self, problem: Problem) -> str | None:
        """The form field a problem belongs to (an item as a whole: its group; None: above the form)."""
        key = problem.key or ""
        if key == "received":
            return "received"
        if not key.startswith("items."):
            return None
        rest = key[len("items."):]
        best = None
        for fid in self.ids:
            if (rest == fid or rest.startswith(fid + ".")) and (best is None or len(fid) > len(best)):
                best = fid
        if best is None:
            return None
        part = rest[len(best):].lstrip(".").split(".")[0]
        return plan_field(best, part) if part in PARTS else plan_field(best, "item")

    def skeleton(self, reviewers: list[str] | None = None, today: dt.date | None = None) -> str:
        """The text of a new plan.yaml."""
        return "# " + _("Kontorets plan for retting, ett tiltak per funn (skrevet med kvp-audit serve).") + \
            "\nitems: {}\n"


def plan_target(office: Office) -> PlanTarget:
    """The plan file of an office, with its findings from the scored round."""
    from ..load import PLAN_FILE

    state = web_state()
    index = state.finding_index
    findings = list(index.findings(office))
    path = state.site.folder(office) / PLAN_FILE
    known = {f.id for f in findings}
    extra = [fid for fid in _item_ids(path) if fid not in known]
    return PlanTarget(office, path, findings, extra, index.round_errors, index.report_date(office))


def _item_ids(path: Path) -> list[str]:
    """The item ids of a plan.yaml as written (none when it is absent or cannot be read)."""
    try:
        data = parse_mapping(read_text(path), path) if path.is_file() else {}
    except YamlFileError:
        return []
    items = data.get("items")
    return [str(k) for k in items] if isinstance(items, dict) else []


# --------------------------------------------------------------------------- what the plan page shows


def plan_view(target: PlanTarget, values: PlanValues, messages: Messages, exists_in_file: set[str]) -> dict:
    """Everything the plan form shows: the date it came, and a group per finding."""
    date = target.report_date
    received = _field("received", _("Planen mottatt"), "date", values.received, messages,
                      help=_("Datoen kontoret sendte planen. Den er også steget «plan mottatt» i forløpet."))
    received["id"] = "f-received"
    by_id = {f.id: f for f in target.findings}
    groups = []
    for fid in target.ids:
        finding = by_id.get(fid)
        parts = values.items.get(fid, {})
        name = lambda part: plan_field(fid, part)  # noqa: E731
        fields = {
            "measure": _field(name("measure"), _("Tiltak"), "textarea", parts.get("measure", ""), messages,
                              help=_("Hva kontoret skal gjøre. Markdown.")),
            "responsible": _field(name("responsible"), _("Ansvarlig"), "text", parts.get("responsible", ""), messages,
                                  help=_("En rolle (for eksempel «NAV-leder») eller initialer, aldri et navn.")),
            "due": _field(name("due"), _("Frist"), "date", parts.get("due", ""), messages,
                          help=_("Etter rapportdatoen ({date}).").format(date=date.isoformat()) if date else ""),
            "status": _field(name("status"), _("Status"), "select", parts.get("status", ""), messages,
                             options=[(s, s) for s in PLAN_STATUSES]),
            "evidence": _field(name("evidence"), _("Dokumentasjon"), "textarea", parts.get("evidence", ""), messages,
                               help=_("Det som viser at praksis er endret, for eksempel en ny rutine. "
                                      "«Lukket» krever dokumentasjon.")),
            "checked": _field(name("checked"), _("Sist sjekket"), "date", parts.get("checked", ""), messages),
        }
        for part, f in fields.items():
            f["id"] = plan_anchor(fid, part)
        group_errors = messages.errors.get(name("item"), [])
        groups.append({
            "id": fid,
            "finding": finding,
            "kind_label": FindingKind(finding.kind).label if finding and finding.kind in FindingKind._value2member_map_
            else "",
            "fields": fields,
            "errors": group_errors,
            "warnings": messages.warnings.get(name("item"), []),
            "in_file": fid in exists_in_file,
            "remove": {"name": name("remove"), "id": plan_anchor(fid, "remove"), "checked": fid in values.remove},
        })
    summary = [{"href": "#" + received["id"], "label": received["label"], "message": e} for e in received["errors"]]
    for g in groups:
        label = f"{g['finding'].criterion}" if g["finding"] else g["id"]
        summary += [{"href": "#" + g["fields"]["measure"]["id"], "label": label, "message": e} for e in g["errors"]]
        for f in g["fields"].values():
            summary += [{"href": "#" + f["id"], "label": f"{label}, {f['label'].lower()}", "message": e}
                        for e in f["errors"]]
    return {
        "received": received,
        "groups": [g for g in groups if g["finding"] is not None],
        "extra": [g for g in groups if g["finding"] is None],
        "round_errors": target.round_errors,
        "report_date": date.isoformat() if date else "",
        "error_summary": summary,
        "general_errors": messages.general_errors,
        "general_warnings": messages.general_warnings,
    }


def _render_plan(target: PlanTarget, values: PlanValues, messages: Messages, digest: str, status: int = 200,
                 saved: bool = False, refused: bool = False):
    in_file = set(_item_ids(target.path))
    return render_template("plan.html.j2", target=target, office=target.office, title=_("Plan for retting"),
                           form=plan_view(target, values, messages, in_file), base_hash=digest, saved=saved,
                           refused=refused, exists=target.path.is_file()), status


def plan_form(office_id: str):
    """The plan for retting: GET shows plan.yaml (or an empty plan), POST saves it."""
    office = office_or_404(office_id)
    target = plan_target(office)
    title = _("Plan for retting")
    if request.method == "GET":
        opened = open_review(target)
        if opened.unreadable:
            return render_template("unreadable.html.j2", target=target, problem=opened.unreadable, title=title), 200
        values = opened.values if isinstance(opened.values, PlanValues) else PlanValues()
        return _render_plan(target, values, opened.messages, opened.hash, saved=request.args.get("lagret") == "1")
    if target.unknown_fields(request.form):
        # Finding ids come from the scored round; the request only chooses among them.
        abort(400, _("skjemaet nevner et funn som ikke er blant kontorets funn; last siden på nytt"))
    if "base_hash" not in request.form:
        abort(400, _("skjemaet er ufullstendig; last siden på nytt"))
    values = target.values_from_form(request.form)
    result = save_review(target, values, request.form.get("base_hash", ""))
    if result.status in ("saved", "unchanged"):
        return redirect(url_for("plan_form", office_id=office.id, lagret=1), code=303)
    if result.status == "conflict":
        return render_template("conflict.html.j2", target=target, title=title, result=result,
                               pairs=result.values.pairs(), diff=diff_lines(result.disk, result.mine)), 409
    if result.unreadable:
        return render_template("unreadable.html.j2", target=target, problem=result.unreadable, title=title), 422
    return _render_plan(target, result.values, result.messages, result.hash, status=422,
                        refused=result.status == "refused")


# --------------------------------------------------------------------------- the sample draw


@dataclass
class DrawForm:
    """The draw form's fields as posted (or empty), and the messages at each."""

    reviewer: str = ""
    date: str = ""
    seed: str = ""
    redraw: bool = False
    strata: list[dict[str, str]] = field(default_factory=list)   # name, population, draw
    errors: dict[str, list[str]] = field(default_factory=dict)   # field id -> messages
    general: list[str] = field(default_factory=list)

    def add(self, field_id: str, message: str) -> None:
        self.errors.setdefault(field_id, []).append(message)


def stratum_anchor(index: int, part: str) -> str:
    return f"f-stratum-{index}-{part}"


def _draw_form(form) -> DrawForm:
    out = DrawForm(_one_line(form.get("reviewer", "")), _one_line(form.get("date", "")),
                   _one_line(form.get("seed", "")), form.get("redraw") == "1")
    for i in range(MAX_STRATA):
        row = {part: _one_line(form.get(f"stratum.{i}.{part}", "")) for part in ("name", "population", "draw")}
        out.strata.append(row)
    return out


def _row_text(row: dict[str, str], part: str) -> str:
    """A row as the command line takes it: ``12``, or ``pågående=12`` for a group."""
    return f"{row['name']}={row[part]}" if row["name"] else row[part]


def check_draw(form: DrawForm) -> tuple[Any, dt.date | None]:
    """The request and date of a posted draw, with every refusal of ``kvp-audit sample`` at its field.

    The rules are :mod:`kvp_audit.sample`'s own (:func:`~kvp_audit.sample.parse_request`,
    :func:`~kvp_audit.sample.check_seed`, initials); this only finds the field each message belongs to.
    """
    from .. import sample as sampling
    from ..validation import check_initials

    rows = [(i, row) for i, row in enumerate(form.strata) if any(row.values())]
    request_ = None
    row_errors = False
    for i, row in rows:
        try:
            sampling.parse_request((_row_text(row, "population"),), (_row_text(row, "draw"),))
        except UsageError as exc:
            row_errors = True
            form.add(stratum_anchor(i, _wrong_part(row)), exc.message)
    if not row_errors:
        try:
            request_ = sampling.parse_request(tuple(_row_text(r, "population") for _i, r in rows),
                                              tuple(_row_text(r, "draw") for _i, r in rows))
        except UsageError as exc:
            form.add(_whole_draw_field(rows), exc.message)
    if not form.reviewer:
        form.add("f-reviewer", _("oppgi --reviewer med initialene til den som trekker"))
    else:
        try:
            check_initials([form.reviewer])
        except UsageError as exc:
            form.add("f-reviewer", exc.message)
    if form.seed:
        try:
            sampling.check_seed(form.seed)
        except UsageError as exc:
            form.add("f-seed", exc.message)
    date = None
    try:
        date = dt.date.fromisoformat(form.date) if form.date else dt.date.today()
    except ValueError:
        form.add("f-date", _("'{value}' er ikke en dato; skriv ÅÅÅÅ-MM-DD").format(value=form.date))
    return request_, date


def _wrong_part(row: dict[str, str]) -> str:
    """Which input of a refused row is wrong, asked of the same rules with the other inputs made good."""
    from .. import sample as sampling

    label = f"{row['name']}=" if row["name"] else ""
    if row["name"]:
        try:
            sampling.parse_request((label + "1",), (label + "1",))
        except UsageError:
            return "name"
    try:
        sampling.parse_request((label + row["population"],), (label + "1",))
    except UsageError:
        return "population"
    return "draw"


def _whole_draw_field(rows: list[tuple[int, dict[str, str]]]) -> str:
    """Where a refusal of the rows together is shown: the row without a group name, else a repeated name."""
    if not rows:
        return stratum_anchor(0, "population")
    seen: set[str] = set()
    for i, row in rows:
        if not row["name"] and len(rows) > 1:
            return stratum_anchor(i, "name")
        if row["name"] in seen:
            return stratum_anchor(i, "name")
        seen.add(row["name"])
    return stratum_anchor(rows[0][0], "name")


@dataclass
class SampleState:
    """The office's utvalg.yaml as the sample page shows it."""

    record: Any = None               # a SampleRecord, or None without one
    problem: str = ""                # why the record cannot be used
    used: dict[tuple[str, int], str] = field(default_factory=dict)   # (stratum, position) -> case key


def sample_state(office: Office) -> SampleState:
    """The record and which drawn positions have a case file."""
    from .. import sample as sampling

    site = web_state().site
    path = sampling.record_path(site.root, office.id)
    try:
        record = sampling.read_record(path, site.root)
    except KvpAuditError as exc:
        return SampleState(problem="\n".join([exc.message, *(p.format() for p in exc.problems)]))
    if record is None:
        return SampleState()
    keys = {p: k for k, p in site.case_files(office).items()}
    used = {slot: keys.get(p, p.stem) for slot, p in sampling.used_positions(site.folder(office)).items()}
    return SampleState(record, used=used)


def _sample_view(office: Office, state: SampleState) -> dict:
    from .. import sample as sampling

    if state.record is None:
        return {"draws": [], "current": None}
    draws = state.record.draws
    current = draws[-1]
    grouped = not (len(current.strata) == 1 and current.strata[0].name == sampling.ALL)
    strata = []
    for s in current.strata:
        rows = []
        for p in sorted(s.positions):
            key = state.used.get((s.name, p))
            rows.append({"position": p, "key": key, "value": f"{s.name if grouped else ''}:{p}"})
        strata.append({"name": s.name if grouped else "", "population": s.population, "draw": s.draw,
                       "text": sampling.positions_text(s, None), "rows": rows})
    return {
        "current": {"number": len(draws), "date": current.date.isoformat(), "reviewer": current.reviewer,
                    "seed": current.seed, "algorithm": current.algorithm, "strata": strata, "grouped": grouped,
                    "free": sum(1 for s in strata for r in s["rows"] if not r["key"])},
        "draws": [{"number": n, "date": d.date.isoformat(), "reviewer": d.reviewer, "seed": d.seed,
                   "text": sampling.strata_text(d.strata, None)} for n, d in enumerate(draws, start=1)],
    }


def _render_sample(office: Office, form: DrawForm | None = None, status: int = 200, checks=None,
                   register_error: str = "", register_reviewers: str | None = None, notice: str = ""):
    state = sample_state(office)
    form = form or DrawForm(reviewer=(reviews.split_initials(session.get("reviewers", "")) or [""])[0])
    # The rows as posted, in place (the messages name a row by its index), and at least one empty row.
    last = max((i for i, r in enumerate(form.strata) if any(r.values())), default=-1)
    rows = [dict(r) for r in form.strata[:last + 1]]
    while len(rows) < min(max(3, last + 2), MAX_STRATA):
        rows.append({"name": "", "population": "", "draw": ""})
    summary = []
    labels = {"f-reviewer": _("Trukket av (initialer)"), "f-date": _("Dato for trekningen"), "f-seed": _("Frø"),
              "f-redraw": _("Trekk på nytt")}
    for anchor, messages in form.errors.items():
        if anchor.startswith("f-stratum-"):
            n = int(anchor.split("-")[2]) + 1
            label = _("Gruppe, rad {n}").format(n=n)
        else:
            label = labels.get(anchor, "")
        summary += [{"href": "#" + anchor, "label": label, "message": m} for m in messages]
    return render_template(
        "sample.html.j2", office=office, title=_("Utvalg"), state=state, view=_sample_view(office, state),
        form=form, rows=rows, error_summary=summary, checks=checks, notice=notice,
        register_error=register_error,
        register_reviewers=session.get("reviewers", "") if register_reviewers is None else register_reviewers,
        today=dt.date.today().isoformat(),
    ), status


def sample_form(office_id: str):
    """The sample draw: GET shows utvalg.yaml (``?kontroller=1`` computes every draw again), POST draws
    or registers a case for a drawn position."""
    from .. import sample as sampling

    office = office_or_404(office_id)
    root = web_state().site.root
    if request.method == "GET":
        checks = None
        if request.args.get("kontroller") == "1":
            try:
                _path, found = sampling.verify_office(root, office.id)
                checks = {"lines": sampling.check_lines(found), "ok": all(c.matches for c in found)}
            except KvpAuditError as exc:
                checks = {"lines": [exc.message, *(p.format() for p in exc.problems)], "ok": False}
        notice = _("Trekningen er skrevet i utvalg.yaml.") if request.args.get("trukket") else ""
        return _render_sample(office, checks=checks, notice=notice)
    if "register" in request.form:
        return _register(office, request.form.get("register", ""))
    form = _draw_form(request.form)
    draw_request, date = check_draw(form)
    if form.errors:
        return _render_sample(office, form, status=422)
    try:
        sampling.make_draw(root, office.id, draw_request, form.reviewer, date, seed=form.seed or None,
                           redraw=form.redraw)
    except UsageError as exc:
        form.add("f-redraw", exc.message)
        return _render_sample(office, form, status=422)
    except KvpAuditError as exc:
        form.general = [exc.message, *(p.format() for p in exc.problems)]
        return _render_sample(office, form, status=422)
    session.setdefault("reviewers", form.reviewer)
    return redirect(url_for("sample_form", office_id=office.id, trukket=1) + "#h-current", code=303)


def _register(office: Office, value: str):
    """Create the case for a drawn position, as ``new case --selection tilfeldig --position P`` does."""
    from ..sample import check_pick
    from ..skeleton import create_case
    from ..validation import check_initials

    stratum, _sep, number = value.rpartition(":")
    if not _sep or not number.isdigit():
        abort(400, _("skjemaet er ufullstendig; last siden på nytt"))
    text = request.form.get("reviewers", "")
    initials = reviews.split_initials(text)
    site = web_state().site
    try:
        if not initials:
            raise UsageError(_("Skriv revisorenes initialer (2–4 store bokstaver, for eksempel KB), aldri navn. "
                               "Ingen sak er laget."))
        check_initials(initials)
        pick = check_pick(site.root, office.id, "tilfeldig", int(number), stratum or None)
        key, _path = create_case(site.root, office.id, site.case_checklist, initials, dt.date.today(),
                                 site.all_case_keys(), *pick)
    except KvpAuditError as exc:
        return _render_sample(office, status=422, register_error=exc.message, register_reviewers=text)
    session["reviewers"] = ", ".join(initials)
    flash(_("Ny sak {key} er laget for plass {position}.").format(key=key, position=number))
    return redirect(url_for("case_form", office_id=office.id, key=key), code=303)


# --------------------------------------------------------------------------- the office page


def office_context(office: Office) -> dict:
    """One line each for the plan and the sample on the office page."""
    from ..load import PLAN_FILE

    state = web_state()
    findings = state.finding_index.findings(office)
    path = state.site.folder(office) / PLAN_FILE
    plan = {"exists": path.is_file(), "findings": len(findings), "with_measure": 0, "readable": True}
    if plan["exists"]:
        try:
            data = parse_mapping(read_text(path), path)
            items = data.get("items") if isinstance(data.get("items"), dict) else {}
            plan["with_measure"] = sum(1 for f in findings if isinstance(items.get(f.id), dict)
                                       and str(items[f.id].get("measure") or "").strip())
        except YamlFileError:
            plan["readable"] = False
    sample = sample_state(office)
    drawn = {"exists": sample.record is not None, "problem": bool(sample.problem)}
    if sample.record is not None:
        current = sample.record.draws[-1]
        slots = {(s.name, p) for s in current.strata for p in s.positions}
        drawn.update(drawn_count=sum(s.draw for s in current.strata),
                     population=sum(s.population for s in current.strata),
                     registered=sum(1 for slot in sample.used if slot in slots))
    return {"records_plan": plan, "records_sample": drawn}


ROUTES: tuple = (
    ("/kontor/<office_id>/plan", plan_form, ["GET", "POST"]),
    ("/kontor/<office_id>/utvalg", sample_form, ["GET", "POST"]),
)
