"""The round's validation overview and the "klar for rapport" check of each office.

Every problem ``kvp-audit validate`` finds in the round (errors, warnings, and what is not
filled in yet) is shown in words with a link to the form and field where it is fixed:
a case file to its case form at the criterion (``#c-<id>``) or field (``#f-<name>``),
kontor.yaml, oppfolging.yaml, rapport.yaml, runde.yaml, plan.yaml and utvalg.yaml to
theirs. A problem in a file no form edits names its file and line instead.

The round page must stay fast for a national round (250 offices), so nothing here reads
a file twice while it is unchanged: the whole-round validation is kept under a stamp of
every file in the round (name, mtime, size, inode; recomputed when any changes), and the
report files' state by the same stamp per file. The case summaries are cached the same
way in :func:`kvp_audit.web.reviews.summarise`.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, render_template, url_for

from ..errors import KvpAuditError, Problem
from ..i18n import _, ngettext
from ..load import (
    DRAFT_FILE,
    FOLLOWUP_FILE,
    OFFICE_FILE,
    PLAN_FILE,
    REPORT_FILE,
    ROUND_FILE,
    SAMPLE_FILE,
    _is_yaml,
)
from ..yamlio import YamlFileError, parse_mapping, read_text
from .core import web_state
from .findings import PARTS as FINDING_PARTS
from .findings import PREFIX as FINDING_PREFIX
from .reportfile import TEXTS, report_field_of, report_summary, report_target
from .reviews import FOLLOWUP, FormValues, Messages, ReviewTarget, file_stamp, summarise

CACHE_KEY = "kvp_audit_overview"
SHOWN_ON_ROUND_PAGE = 10   # problems listed on the round page; the rest are on /kontroll
COMPLETENESS = "completeness"


# --------------------------------------------------------------------------- one problem, located


@dataclass(frozen=True)
class Link:
    """Where a problem is fixed: a form (endpoint and its arguments) and the field's anchor there."""

    endpoint: str
    args: tuple = ()
    anchor: str = ""


@dataclass(frozen=True)
class Item:
    """One problem as the pages show it: in words, with the file it is in and where it is fixed."""

    problem: Problem
    office: str          # office id, or "" for the round's own files (runde.yaml, checklists, folders)
    file: str            # the file relative to the round folder ("nav-x/K-ABC123.yaml"), or as validate names it
    form: str            # what the link opens, in words ("" when no form edits the file)
    field: str           # the criterion or field, in words ("" when the problem names none)
    link: Link | None

    @property
    def kind(self) -> str:
        """error, warning or completeness (what is not filled in yet)."""
        if self.problem.group == COMPLETENESS:
            return COMPLETENESS
        return "error" if self.problem.is_error else "warning"

    @property
    def kind_label(self) -> str:
        return {"error": _("Feil"), "warning": _("Advarsel"), COMPLETENESS: _("Ikke fylt ut")}[self.kind]

    @property
    def where(self) -> str:
        """The file and line in words, for a problem no form can take the reviewer to."""
        if self.problem.line is not None:
            return _("linje {line} i {file}").format(line=self.problem.line, file=self.file)
        return self.file


@dataclass
class RoundProblems:
    """Every problem of the round, located, as one validation found them."""

    items: list[Item] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for i in self.items if i.kind == kind)

    def of_office(self, office_id: str) -> list[Item]:
        return [i for i in self.items if i.office == office_id]

    def errors_of(self, office_id: str) -> int:
        return sum(1 for i in self.items if i.office == office_id and i.kind == "error")


# --------------------------------------------------------------------------- caches


class OverviewCache:
    """What the overview keeps between requests of one round's app."""

    def __init__(self):
        self.lock = threading.Lock()
        self.stamp: tuple | None = None
        self.problems: RoundProblems | None = None
        self.anchors: dict[tuple, dict[str, str]] = {}
        self.memo: dict = {}                   # load's results per review file (see load_round)
        self.checklists: tuple = ()            # the stamps of runde.yaml and the checklists the memo was made with
        self.kept: dict[str, tuple] = {}       # what kept() keeps: name -> (round_key(), value)


def _cache() -> OverviewCache:
    return current_app.extensions.setdefault(CACHE_KEY, OverviewCache())


def round_stamp(site) -> tuple:
    """A stamp of every file validation reads in the round: any change (an edit, a new or removed
    file or folder) gives another stamp. One listing per folder, one stat per file."""
    root = os.fspath(site.root)
    parts: list[tuple] = [("", *file_stamp(site.round_file))]
    try:
        top = sorted(e.name for e in os.scandir(root) if e.is_dir(follow_symlinks=False))
    except OSError:
        top = []
    parts.append(("/", tuple(top)))
    for folder in ["checklists", *(o.id for o in site.round.offices)]:
        try:
            entries = sorted(os.scandir(os.path.join(root, folder)), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            parts.append((folder, entry.name, st.st_mtime_ns, st.st_size, st.st_ino))
    previous = site.round.previous
    if previous:
        # Follow-up checks read the previous round's findings; its runde.yaml stands for it.
        parts.append(("previous", *file_stamp(site.root / previous / ROUND_FILE)))
    return tuple(parts)


def round_key() -> tuple:
    """What a page about the whole round follows from: the round's files (:func:`round_stamp`, taken
    once per request), the language, where the app is mounted and today's date."""
    import datetime as dt

    from flask import g, request

    key = g.get("_overview_key")
    if key is None:
        site = web_state().site
        key = g._overview_key = (round_stamp(site), g.get("lang"), request.script_root, dt.date.today(),
                                 id(site.round))
    return key


def kept(name: str, compute):
    """``compute()``, kept until :func:`round_key` changes (a file of the round, the language, the day)."""
    cache = _cache()
    key = round_key()
    known = cache.kept.get(name)
    if known is not None and known[0] == key:
        return known[1]
    value = compute()
    cache.kept[name] = (key, value)
    return value


def round_problems(site) -> RoundProblems:
    """Every problem of the round as ``kvp-audit validate`` reports them, located; recomputed only
    when a file of the round changed since the last time."""
    from ..i18n import current_language

    cache = _cache()
    stamp = (round_key()[0], current_language())   # the problems are worded in the page's language
    with cache.lock:
        if cache.stamp == stamp and cache.problems is not None:
            return cache.problems
    from ..load import validate_round

    checklists = tuple(p for p in stamp[0] if p[0] in ("", "checklists"))   # runde.yaml, the round's checklists
    if checklists != cache.checklists:
        cache.memo.clear()   # a checklist may have changed under the same version
        cache.checklists = checklists
    try:
        # In this process, with the memo: only the files changed since the last time are read again.
        found = validate_round(site.root, workers=1, memo=cache.memo)
    except KvpAuditError as exc:
        found = exc.problems or [Problem(str(site.round_file), message=exc.message)]
    names: dict[str, dict[str, str]] = {}
    problems = RoundProblems([locate(site, p, names) for p in found])
    with cache.lock:
        cache.stamp, cache.problems = stamp, problems
    return problems


# --------------------------------------------------------------------------- where each problem is fixed


def locate(site, problem: Problem, names: dict | None = None) -> Item:
    """The office, file, form and field of a problem (``names``: the case keys by file name per office,
    kept by the caller for the next problem)."""
    root = os.path.abspath(site.root)
    full = os.path.normpath(os.path.join(os.getcwd(), problem.path))
    rel = os.path.relpath(full, root) if full == root or full.startswith(root + os.sep) else ""
    parts = Path(rel).parts if rel and rel != "." else ()
    if not parts:
        return Item(problem, "", problem.path, "", "", None)
    shown = "/".join(parts)
    if parts == (ROUND_FILE,):
        anchor = round_file_anchor(problem.key)
        return Item(problem, "", shown, _("rundefilen"), _field_words(problem.key),
                    Link("round_file_form", (), anchor))
    office = site.office(parts[0])
    if office is None or len(parts) != 2:
        return Item(problem, "", shown, "", "", None)
    name = parts[1]
    link, form, words = _office_file_link(site, office, name, problem, {} if names is None else names)
    return Item(problem, office.id, shown, form, words, link)


def _office_file_link(site, office, name: str, problem: Problem, names: dict) -> tuple[Link | None, str, str]:
    args = (("office_id", office.id),)
    key = problem.key or ""
    if name == REPORT_FILE:
        target = report_target(site, office)
        fname = report_field_of(problem, target.theme_ids)
        return Link("report_text_form", args, _report_anchor(fname)), _("rapportens tekst og status"), \
            _field_words(key)
    if name == PLAN_FILE:
        return Link("plan_form", args, _plan_anchor(key)), _("planen for retting"), _field_words(key)
    if name == SAMPLE_FILE:
        # the sample form draws and registers; it has no field per key of the file
        return Link("sample_form", args, ""), _("utvalget"), _field_words(key)
    if name == DRAFT_FILE:
        return None, "", ""
    if name == OFFICE_FILE:
        target = site.office_target(office)
        if target is None:
            return None, "", ""
        return Link("office_form", args, review_anchor(target, problem)), _("kontorvurderingen"), \
            _review_words(target, problem)
    if name == FOLLOWUP_FILE:
        if site.followup_checklist is None:
            return None, "", ""
        target = ReviewTarget(FOLLOWUP, office, site.folder(office) / name, site.followup_checklist)
        return Link("followup_form", args, review_anchor(target, problem)), _("oppfølgingen"), \
            _review_words(target, problem)
    if not _is_yaml(Path(name)):
        return None, "", ""
    if office.id not in names:
        names[office.id] = {path.name: k for k, path in site.case_files(office).items()}
    case_key = names[office.id].get(name)
    if case_key is None:
        return None, "", ""
    target = site.case_target(office, case_key)
    return Link("case_form", (*args, ("key", case_key)), review_anchor(target, problem)), \
        _("saken {key}").format(key=case_key), _review_words(target, problem)


def review_anchor(target: ReviewTarget, problem: Problem) -> str:
    """The anchor of the field a problem of a case, office or follow-up file belongs to ('' for none)."""
    name = _review_field(target, problem)
    if name is None:
        return ""
    kind, _dot, rest = name.partition(".")
    if kind in ("answer", "comment", "sources"):
        return f"c-{rest}"
    if name.startswith(FINDING_PREFIX):
        return f"f-{name}-0" if name.endswith(".status") else f"f-{name}"
    return _review_anchors(target).get(name, f"f-{name}")


def _review_field(target: ReviewTarget, problem: Problem) -> str | None:
    """The form field of a problem; a follow-up finding's part from the key alone (``findings.<id>.<part>``)."""
    from .reviews import field_of

    key = problem.key or ""
    if target.kind == FOLLOWUP and key.startswith("findings."):
        rest = key[len("findings."):]
        fid, _dot, part = rest.rpartition(".")
        if part not in FINDING_PARTS:
            fid, part = rest, "status"
        return f"{FINDING_PREFIX}{fid}.{part}" if fid else None
    return field_of(problem, target)


def _review_anchors(target: ReviewTarget) -> dict[str, str]:
    """The id each header and fact field has in the form (a radio group: its first button)."""
    from .view import fact_fields, header_fields

    key = (target.kind, target.checklist.ref)
    cache = _cache()
    known = cache.anchors.get(key)
    if known is None:
        fields = header_fields(target, FormValues(), Messages()) + fact_fields(target, FormValues(), Messages())
        known = cache.anchors[key] = {
            f["name"]: f["options"][0]["id"] if f.get("kind") in ("radio", "checkboxes") and f.get("options")
            else f["id"] for f in fields}
    return known


def _review_words(target: ReviewTarget, problem: Problem) -> str:
    name = _review_field(target, problem)
    if name is None:
        return _field_words(problem.key)
    kind, _dot, rest = name.partition(".")
    if kind in ("answer", "comment", "sources"):
        return _("kriterium {id}").format(id=rest)
    if kind == "fact":
        spec = target.checklist.facts.get(rest)
        return _("faktum «{label}»").format(label=spec.label or rest if spec else rest)
    return _field_words(problem.key)


def _field_words(key: str) -> str:
    return _("feltet {key}").format(key=key) if key else ""


def _report_anchor(name: str | None) -> str:
    if name is None:
        return ""
    if name == "status":
        return "f-status-0"
    if name in ("team", "signature"):
        return f"f-{name}.0.name"
    return f"f-{name}"


def _plan_anchor(key: str) -> str:
    # items.<finding id>.<part>: the part is the last name when it is one of an item's fields
    # (a criterion id in the finding id may hold a dot)
    from ..models import PlanItem

    if key.startswith("items."):
        rest = key[len("items."):]
        fid, _dot, part = rest.rpartition(".")
        if part not in PlanItem.model_fields:
            fid, part = rest, "measure"
        return f"f-{fid}-{part}"
    return _plain_anchor(key)


def _plain_anchor(key: str) -> str:
    import re

    head = re.split(r"[.\[]", key or "", maxsplit=1)[0]
    return f"f-{head}" if head else ""


def round_file_anchor(key: str) -> str:
    """The field of the round file's form a key of runde.yaml belongs to ('' for none)."""
    import re

    key = key or ""
    match = re.match(r"^offices\[(\d+)\](?:\.(\w+))?", key)
    if match:
        return f"f-office-{match.group(1)}-{match.group(2) or 'name'}"
    if key.startswith("period."):
        return "f-period-" + key.split(".")[1]
    if key.startswith("checklists."):
        return "f-checklists-" + key.split(".")[1]
    return _plain_anchor(key)


def href(link: Link | None) -> str:
    """The URL of a link, or '' when its form is not in this app (yet)."""
    if link is None:
        return ""
    from werkzeug.routing import BuildError

    try:
        url = url_for(link.endpoint, **dict(link.args))
    except BuildError:
        return ""
    return url + ("#" + link.anchor if link.anchor else "")


# --------------------------------------------------------------------------- ready for the report


@dataclass
class ReportState:
    """An office's rapport.yaml as the readiness check sees it."""

    exists: bool
    readable: bool = True
    errors: int = 0
    has_text: bool = False      # the team has written at least one of its texts


def report_state(site, office) -> ReportState:
    """The office's rapport.yaml: whether it exists, can be used and holds the team's text (cached by stamp)."""
    return _report_entry(site, office)[1]


def cached_report_summary(site, office):
    """:func:`~kvp_audit.web.reportfile.report_summary` of an office, read again only when its files changed."""
    return _report_entry(site, office)[0]


_REPORTS: dict[str, tuple] = {}


def _report_entry(site, office) -> tuple:
    target = report_target(site, office)
    # The file's check reads kontor.yaml and the case files for the report date: they are in the stamp too.
    stamp = (file_stamp(target.path), file_stamp(target.path.parent / OFFICE_FILE),
             tuple(file_stamp(p) for p in target.case_files), site.case_checklist.ref, id(site.case_checklist))
    key = str(target.path)
    known = _REPORTS.get(key)
    if known is not None and known[0] == stamp:
        return known[1], known[2]
    summary = report_summary(target)
    state = ReportState(summary.exists, summary.readable, summary.errors)
    if summary.exists and summary.readable:
        try:
            data = parse_mapping(read_text(target.path), target.path)
        except YamlFileError:
            data = {}
        texts = data.get("text") if isinstance(data.get("text"), dict) else {}
        themes = texts.get("themes") if isinstance(texts.get("themes"), dict) else {}
        state.has_text = any(str(texts.get(n) or "").strip() for n in TEXTS) or \
            any(str(v or "").strip() for v in themes.values())
    _REPORTS[key] = (stamp, summary, state)
    return summary, state


@dataclass
class Missing:
    """One thing an office lacks before its report can be made, in words, and where it is done."""

    text: str
    href: str


@dataclass
class Readiness:
    office_id: str
    office_name: str
    missing: list[Missing]
    office_url: str = ""   # the office page (worked out once, not per render of the round page)

    @property
    def ready(self) -> bool:
        return not self.missing


def readiness(site, office, problems: RoundProblems, detailed: bool = False) -> Readiness:
    """What an office lacks before its report: cases complete, office review done (when the round
    has an office checklist), the report's text written, no errors in its files.

    ``detailed`` (the office page) names each unfinished case; the round page counts them.
    """
    missing: list[Missing] = []
    office_url = url_for("office_page", office_id=office.id)
    cases = [summarise(t) for t in site.case_targets(office)]
    if not cases:
        missing.append(Missing(_("Ingen saker er registrert."), office_url + "#h-cases"))
    else:
        unfinished = [c for c in cases if not c.complete]
        if unfinished and detailed:
            for c in unfinished:
                missing.append(Missing(_case_words(c), url_for("case_form", office_id=office.id, key=c.key)))
        elif unfinished:
            missing.append(Missing(ngettext("{n} av {total} saker er ikke ferdige.",
                                            "{n} av {total} saker er ikke ferdige.", len(cases)).format(
                n=len(unfinished), total=len(cases)), office_url + "#h-cases"))
    target = site.office_target(office)
    if target is not None:
        summary = summarise(target)
        link = url_for("office_form", office_id=office.id)
        if not summary.exists:
            missing.append(Missing(_("Kontorvurderingen er ikke startet."), link))
        elif not summary.readable:
            missing.append(Missing(_("Kontorvurderingen kan ikke leses."), link))
        elif summary.errors:
            missing.append(Missing(ngettext("Kontorvurderingen har {n} feil.", "Kontorvurderingen har {n} feil.",
                                            summary.errors).format(n=summary.errors), link))
        elif summary.answered < summary.applicable:
            missing.append(Missing(_("Kontorvurderingen er ikke ferdig: {answered} av {applicable} kriterier er "
                                     "besvart.").format(answered=summary.answered, applicable=summary.applicable),
                                   link))
    report = report_state(site, office)
    link = url_for("report_text_form", office_id=office.id)
    if not report.exists or (report.readable and not report.errors and not report.has_text):
        missing.append(Missing(_("Rapportens tekst er ikke skrevet."), link))
    elif not report.readable:
        missing.append(Missing(_("Rapportfilen kan ikke leses."), link))
    elif report.errors:
        missing.append(Missing(ngettext("Rapportfilen har {n} feil.", "Rapportfilen har {n} feil.",
                                        report.errors).format(n=report.errors), link))
    errors = problems.errors_of(office.id)
    if errors:
        missing.append(Missing(ngettext("Kontorets filer har {n} feil.", "Kontorets filer har {n} feil.",
                                        errors).format(n=errors),
                               url_for("problems_page") + "#o-" + office.id))
    return Readiness(office.id, office.name, missing, office_url)


def _case_words(summary) -> str:
    if not summary.readable:
        return _("Saken {key} kan ikke leses.").format(key=summary.key)
    if summary.errors:
        return ngettext("Saken {key} har {n} feil.", "Saken {key} har {n} feil.", summary.errors).format(
            key=summary.key, n=summary.errors)
    left = summary.applicable - summary.answered
    return ngettext("Saken {key} er ikke ferdig: {n} kriterium er ikke besvart.",
                    "Saken {key} er ikke ferdig: {n} kriterier er ikke besvart.", left).format(key=summary.key, n=left)


# --------------------------------------------------------------------------- what the pages show


def _shown(item: Item) -> dict:
    p = item.problem
    return {"kind": item.kind, "kind_label": item.kind_label, "message": p.message, "hint": p.hint,
            "file": item.file, "line": p.line, "form": item.form, "field": item.field,
            "href": href(item.link), "where": item.where}


def _counts(items: list[Item]) -> dict:
    return {"errors": sum(1 for i in items if i.kind == "error"),
            "warnings": sum(1 for i in items if i.kind == "warning"),
            "completeness": sum(1 for i in items if i.kind == COMPLETENESS),
            "total": len(items)}


def _ordered(items: list[Item]) -> list[Item]:
    rank = {"error": 0, "warning": 1, COMPLETENESS: 2}
    return sorted(items, key=lambda i: rank[i.kind])


def round_context() -> dict:
    """The round page's part: the counts, the first problems and each office's readiness."""
    return kept("round_overview", _round_context)


def _round_context() -> dict:
    site = web_state().site
    problems = round_problems(site)
    first = _ordered(problems.items)[:SHOWN_ON_ROUND_PAGE]
    ready = [readiness(site, o, problems) for o in site.round.offices]
    return {"overview_counts": _counts(problems.items), "overview_first": [_shown(i) for i in first],
            "overview_ready": ready, "overview_ready_count": sum(1 for r in ready if r.ready)}


def office_context(office) -> dict:
    """The office page's part: its readiness, item by item, and the problems in its files."""
    site = web_state().site
    problems = round_problems(site)
    items = problems.of_office(office.id)
    return {"overview_office_ready": readiness(site, office, problems, detailed=True),
            "overview_office_counts": _counts(items),
            "overview_office_files": _by_file(items)}


def _by_file(items: list[Item]) -> list[dict]:
    files: dict[str, dict] = {}
    for item in items:
        entry = files.setdefault(item.file, {"file": item.file, "form": item.form, "href": href(
            Link(item.link.endpoint, item.link.args)) if item.link else "", "problems": []})
        entry["problems"].append(_shown(item))
    return list(files.values())


def problems_page():
    """Every problem of the round, grouped by office and file, each with its link."""
    from .reviews import one_look

    with one_look():
        return _problems_page()


def _problems_page():
    from flask import session

    site = web_state().site
    if session.get("_flashes"):   # a message for this page only: never kept
        return _render_problems(site, round_problems(site))
    return kept("problems_page", lambda: _render_problems(site, round_problems(site)))


def _render_problems(site, problems: RoundProblems) -> str:
    own = [i for i in problems.items if not i.office]
    offices = []
    for office in site.round.offices:
        items = problems.of_office(office.id)
        if items:
            offices.append({"id": office.id, "name": office.name, "counts": _counts(items),
                            "files": _by_file(_ordered(items))})
    return render_template("problems.html.j2", title=_("Kontroll av runden"), counts=_counts(problems.items),
                           round_files=_by_file(_ordered(own)), offices=offices)


ROUTES: tuple = (
    ("/kontroll", problems_page, ["GET"]),
)
