"""Reports from the browser: build an office's report, its follow-up report or all the round's, with progress; the county summary and the comparison as pages; exports as downloads.

A build runs as a *job* in a thread of its own, one at a time per server, outside the lock
that lets requests through one at a time (so the round's pages and forms stay usable while
PDFs are made). The job page shows how far it has come; without JavaScript it has an
"Oppdater" link, with it (``kvp.js``) it asks for the job as JSON and updates itself.

Files are only ever served from the round's report folder, found by listing that folder,
never by joining a name from the request to a path.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import abort, g, jsonify, make_response, redirect, render_template, request, send_file, url_for

from .. import i18n
from ..errors import KvpAuditError
from ..i18n import _, ngettext
from ..progress import Progress
from .core import (EMBEDDED_REPORT_CSP, FRAMING_CSP, REPORT_CSP, REPORT_MIMETYPES, office_or_404, report_dir,
                   wants_json, web_state)

FORMATS = ("html", "pdf", "docx", "md")
DEFAULT_FORMATS = ("html", "pdf", "docx")
KINDS = ("office", "followup", "all")
MIMETYPES = {**REPORT_MIMETYPES, "md": "text/markdown; charset=utf-8", "xlsx":
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "zip": "application/zip", "sqlite": "application/vnd.sqlite3"}
EXPORTS = {"xlsx": ("xlsx", ".xlsx"), "csv.zip": ("csv", "-csv.zip"), "sqlite": ("sqlite", ".sqlite")}
KEEP_JOBS = 20  # finished jobs remembered, so their pages still answer for a while


def format_labels() -> dict[str, str]:
    return {"html": _("HTML (nettside)"), "pdf": _("PDF"), "docx": _("Word (DOCX)"), "md": _("Markdown")}


# --------------------------------------------------------------------------- jobs


@dataclass
class BuildJob:
    """One run of the report builder, as the job page shows it."""

    id: str
    folder: Path                  # the round's report folder: the job belongs to that round
    title: str                    # what is built, in words
    formats: list[str]
    office: str | None = None
    kinds: tuple[str, ...] | None = None
    force: bool = True
    lang: str = "nb"               # the reports' language (their file names say it)
    state: str = "running"        # running, done, failed
    total: int | None = None      # files to write, once known
    done: int = 0
    doing: str = ""
    last: str = ""
    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    problems: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        return self.state != "running"


class _JobTask:
    """The progress bar's calls (see :class:`kvp_audit.progress.Task`), recorded on the job."""

    def __init__(self, job: BuildJob, total: int | None, what: str):
        self.job = job
        job.total, job.doing = total, what

    def start(self, total: int, what: str = "") -> None:
        self.job.total, self.job.done = total, 0
        self.job.doing = what or _("lager filene")

    def advance(self, what: str = "") -> None:
        self.job.done += 1
        self.job.last = what

    def doing(self, what: str) -> None:
        self.job.doing = what


class _JobDisplay(Progress):
    """A display that draws nothing and records the builder's progress on a job."""

    def __init__(self, job: BuildJob):
        super().__init__(enabled=False)
        self.job = job

    def task(self, label: str, total: int | None = None, what: str = "") -> _JobTask:  # type: ignore[override]
        return _JobTask(self.job, total, what)


class JobRunner:
    """Runs one build at a time (per server: the process), each in a thread of its own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.jobs: dict[str, BuildJob] = {}
        self.threads: dict[str, threading.Thread] = {}

    def running(self) -> BuildJob | None:
        with self._lock:
            return next((j for j in self.jobs.values() if not j.finished), None)

    def get(self, job_id: str) -> BuildJob | None:
        return self.jobs.get(job_id)

    def latest(self, folder: Path) -> BuildJob | None:
        """The newest job of the round whose report folder is ``folder``."""
        mine = [j for j in self.jobs.values() if j.folder == folder]
        return mine[-1] if mine else None

    def start(self, job: BuildJob, round_dir: Path) -> BuildJob | None:
        """Start ``job``; when another is running, start nothing and return that one."""
        with self._lock:
            busy = next((j for j in self.jobs.values() if not j.finished), None)
            if busy is not None:
                return busy
            self.jobs[job.id] = job
            for old in [j for j in self.jobs.values() if j.finished][:-KEEP_JOBS]:
                self.jobs.pop(old.id, None)
                self.threads.pop(old.id, None)
            thread = threading.Thread(target=_run, args=(job, round_dir), daemon=True,
                                      name=f"kvp-audit-report-{job.id}")
            self.threads[job.id] = thread
        thread.start()
        return None

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Wait for a job's thread to end (for tests and scripts)."""
        thread = self.threads.get(job_id)
        if thread is not None:
            thread.join(timeout)


RUNNER = JobRunner()


def _run(job: BuildJob, round_dir: Path) -> None:
    """The job's thread: build, and record the outcome in words (never a traceback)."""
    from ..report import build_reports

    i18n.set_language(job.lang)  # this thread's own language (see kvp_audit.i18n)
    try:
        result = build_reports(round_dir, out=job.folder, formats=job.formats, lang=job.lang, office=job.office,
                               force=job.force, kinds=job.kinds, progress=_JobDisplay(job))
    except KvpAuditError as exc:
        job.error, job.problems = exc.message, [p.format() for p in exc.problems]
        job.state = "failed"
    except Exception as exc:  # a converter (WeasyPrint, the DOCX writer) that fails on this machine
        print(f"kvp-audit: {type(exc).__name__}: {exc}", file=sys.stderr)
        job.error = _("Noe gikk galt da filene ble laget ({error}). Filene som ble ferdige før feilen, "
                      "ligger i rapportmappen. Kjør «kvp-audit doctor» for å se om noe mangler på maskinen.").format(
            error=f"{type(exc).__name__}: {exc}")
        job.state = "failed"
    else:
        job.written, job.skipped = list(result.written), list(result.skipped)
        job.warnings = [p.format() for p in result.warnings]
        job.state = "done"
    finally:
        job.seconds = time.monotonic() - job.started


def _start(title: str, formats: list[str], office: str | None, kinds: tuple[str, ...] | None, force: bool):
    """Start a build job for the current round; 303 to its page (JSON with its URL for a script)."""
    state = web_state()
    job = BuildJob(secrets.token_hex(8), report_dir(), title, formats, office, kinds, force, g.lang,
                   doing=_("starter"))
    busy = RUNNER.start(job, state.site.root)
    if busy is not None:
        message = _("En annen rapportjobb kjører allerede ({title}). Vent til den er ferdig, og prøv igjen.").format(
            title=busy.title)
        if wants_json():
            return jsonify({"status": "busy", "message": message}), 409
        return _render_reports({}, {"kind": "office", "office": office or "", "formats": formats},
                               status=409, busy=busy, busy_message=message)
    url = url_for("build_job", job_id=job.id)
    if wants_json():
        return jsonify({"status": "started", "url": url, **_job_json(job)}), 202
    return redirect(url, code=303)


# --------------------------------------------------------------------------- the reports page


def reports_page():
    """GET: what can be built, and what is built already; POST: start a job."""
    site = web_state().site
    if request.method == "GET":
        office = request.args.get("kontor", "")
        return _render_reports({}, {"kind": "office" if office else "all", "office": office,
                                    "formats": list(DEFAULT_FORMATS)})
    kind = request.form.get("kind", "")
    formats = request.form.getlist("formats")
    office_id = request.form.get("office", "")
    if kind not in KINDS or any(f not in FORMATS for f in formats):
        abort(400, _("skjemaet er ufullstendig; last siden på nytt"))
    chosen = {"kind": kind, "office": office_id, "formats": formats}
    errors: dict[str, str] = {}
    if not formats:
        errors["formats-html"] = _("Velg minst ett format.")
    office = site.office(office_id) if office_id else None
    if kind != "all" and office is None:
        errors["office"] = _("Velg et kontor.")
    elif kind == "followup" and not _has_followup(office):
        errors["office"] = _("{office} har ingen oppfølging (oppfolging.yaml) ennå, så det er ingen "
                             "oppfølgingsrapport å lage.").format(office=office.name)
    if errors:
        return _render_reports(errors, chosen, status=422)
    formats = [f for f in FORMATS if f in formats]
    if kind == "all":
        return _start(_("Alle rundens rapporter"), formats, None, None, False)
    if kind == "office":
        return _start(_("Rapporten til {office}").format(office=office.name), formats, office.id, ("office",), True)
    return _start(_("Oppfølgingsrapporten til {office}").format(office=office.name), formats, office.id,
                  ("followup",), True)


def build_report(office_id: str):
    """The office page's "Lag rapport": the office's report and its follow-up report, as a job."""
    office = office_or_404(office_id)
    return _start(_("Rapporten til {office}").format(office=office.name), list(web_state().report_formats),
                  office.id, None, True)


def _has_followup(office) -> bool:
    from ..load import FOLLOWUP_FILE

    return (web_state().site.folder(office) / FOLLOWUP_FILE).is_file()


def _render_reports(errors: dict, chosen: dict, status: int = 200, busy: BuildJob | None = None,
                    busy_message: str = ""):
    site = web_state().site
    latest = RUNNER.latest(report_dir())
    return render_template(
        "reports.html.j2", title=_("Rapporter"), errors=errors, chosen=chosen, kinds=KINDS,
        formats=FORMATS, format_labels=format_labels(), offices=site.round.offices, built=_built_rows(),
        latest=latest, busy=busy, busy_message=busy_message,
        followups={o.id for o in site.round.offices if _has_followup(o)}), status


# --------------------------------------------------------------------------- the job page


def build_job(job_id: str):
    """How far a job has come: a page (an "Oppdater" link), or JSON for the page's script."""
    job = RUNNER.get(job_id)
    if job is None or job.folder != report_dir():
        abort(404, _("fant ikke rapportjobben; den kan være fra før serveren ble startet på nytt"))
    if wants_json():
        return jsonify(_job_json(job))
    return render_template("job.html.j2", job=job, view=_job_view(job), title=job.title)


def _job_view(job: BuildJob) -> dict:
    """What the job page and its JSON show: the progress in words and the files, grouped by report."""
    view = {"state": job.state, "title": job.title, "done": job.done, "total": job.total,
            "doing": job.doing, "last": job.last, "error": job.error, "problems": job.problems,
            "warnings": job.warnings, "seconds": "{:.1f}".format(job.seconds), "reports": []}
    if job.state == "done":
        named = _names(job.lang)
        groups: dict[str, dict] = {}
        for path in job.written + job.skipped:
            known = named.get(path.name)
            if known is None:
                continue
            key, label, fmt = known
            groups.setdefault(key, {"label": label, "files": []})["files"].append(
                {"fmt": fmt, "name": path.name, "url": url_for("report_download", name=path.name),
                 "text": _file_label(key, fmt)})
        view["reports"] = list(groups.values())
        view["written"], view["skipped"] = len(job.written), len(job.skipped)
        view["made"] = ngettext("Rapporten er laget ({n} fil).", "Rapporten er laget ({n} filer).",
                                len(job.written)).format(n=len(job.written))
    return view


def _job_json(job: BuildJob) -> dict:
    view = _job_view(job)
    return {"state": job.state, "done": job.done, "total": job.total, "doing": job.doing, "last": job.last,
            "finished": job.finished, "error": job.error,
            "html": render_template("parts/job_status.html.j2", job=job, view=view)}


def _file_label(key: str, fmt: str) -> str:
    """A file's link text: the words the office page has always used, by kind and format."""
    kind = key.split(":", 1)[0]
    texts = {
        "office": {"html": _("Rapporten som nettside (HTML)"), "pdf": _("Rapporten som PDF"),
                   "docx": _("Rapporten som Word-dokument (DOCX), til redigering"), "md": _("Rapporten som Markdown")},
        "followup": {"html": _("Oppfølgingsrapporten som nettside (HTML)"), "pdf": _("Oppfølgingsrapporten som PDF"),
                     "docx": _("Oppfølgingsrapporten som Word-dokument (DOCX), til redigering"),
                     "md": _("Oppfølgingsrapporten som Markdown")},
        "summary": {"html": _("Fylkesoppsummeringen som nettside (HTML)"), "pdf": _("Fylkesoppsummeringen som PDF"),
                    "docx": _("Fylkesoppsummeringen som Word-dokument (DOCX)"),
                    "md": _("Fylkesoppsummeringen som Markdown")},
    }
    return texts[kind][fmt]


# --------------------------------------------------------------------------- files


def _listing() -> dict[str, Path]:
    """The files in the round's report folder, by name (the only files this module serves)."""
    folder = report_dir()
    try:
        return {p.name: p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}
    except OSError:
        return {}


def _names(lang: str | None = None) -> dict[str, tuple[str, str, str]]:
    """Report file names in ``lang`` (default: the page's) → (key, label, format); key is
    "office:<id>", "followup:<id>" or "summary"."""
    from ..report.files import followup_report_path, report_path

    folder, lang = report_dir(), lang or g.lang
    out = {}
    for office in web_state().site.round.offices:
        for fmt in FORMATS:
            out[report_path(folder, office.id, fmt, lang).name] = (f"office:{office.id}", office.name, fmt)
            out[followup_report_path(folder, office.id, fmt, lang).name] = (
                f"followup:{office.id}", _("{office}, oppfølgingsrapport").format(office=office.name), fmt)
    for fmt in FORMATS:
        out[report_path(folder, None, fmt, lang).name] = ("summary", _("Fylkesoppsummeringen"), fmt)
    return out


def _stamp(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")


def _built_rows() -> list[dict]:
    """What is built already: one row per office (report, follow-up report), then the county summary."""
    listing = _listing()
    named = _names()
    by_key: dict[str, dict] = {}
    for name, path in listing.items():
        if name in named:
            key, _label, fmt = named[name]
            by_key.setdefault(key, {})[fmt] = {"url": url_for("report_download", name=name), "date": _stamp(path),
                                               "name": name}
    rows = [{"label": o.name, "report": by_key.get(f"office:{o.id}", {}),
             # "–": no follow-up record, so no follow-up report to make
             "followup": by_key.get(f"followup:{o.id}") or ({} if _has_followup(o) else None)}
            for o in web_state().site.round.offices]
    rows.append({"label": _("Fylkesoppsummeringen"), "report": by_key.get("summary", {}), "followup": None})
    return rows


def report_download(name: str):
    """A file of the round's report folder: HTML opens in the browser, the rest download."""
    path = _listing().get(name)
    if path is None:
        abort(404, _("fant ikke filen '{name}' i rundens rapportmappe").format(name=name))
    return _send(path, embedded=request.args.get("innebygd") == "1")


def _send(path: Path, embedded: bool = False):
    """Send a file of the report folder; ``embedded``: an HTML file shown inside the app's own page."""
    suffix = path.suffix.lstrip(".").lower()
    mimetype = MIMETYPES.get(suffix, "application/octet-stream")
    response = send_file(path, mimetype=mimetype, max_age=0, conditional=False,
                         as_attachment=suffix != "html", download_name=path.name)
    embedded = embedded and suffix == "html"
    response.headers["Content-Security-Policy"] = EMBEDDED_REPORT_CSP if embedded else REPORT_CSP
    if embedded:
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _framing(response):
    """A page that shows a report of the report folder in a frame (the report itself allows only this)."""
    response.headers["Content-Security-Policy"] = FRAMING_CSP
    return response


def report_file(office_id: str, fmt: str, followup: bool = False):
    """The office page's links to its reports (kept at their old addresses)."""
    office = office_or_404(office_id)
    if fmt not in REPORT_MIMETYPES:
        abort(404)
    path = report_files(office, followup).get(fmt)
    if path is None:
        abort(404, _("rapporten er ikke laget ennå"))
    # The Word file is downloaded under its own name; HTML and PDF open in the browser (the office
    # page's PDF link asks the browser to download it, under the same name).
    response = send_file(path, mimetype=REPORT_MIMETYPES[fmt], max_age=0, conditional=False,
                         as_attachment=fmt == "docx", download_name=path.name)
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


def followup_report_file(office_id: str, fmt: str):
    return report_file(office_id, fmt, followup=True)


def report_files(office, followup: bool = False) -> dict[str, Path]:
    """The office's reports that exist, by format (absolute paths), named as the report builder names
    them: its office report, or with ``followup`` its follow-up report."""
    from ..report.files import followup_report_path, report_path

    name = followup_report_path if followup else report_path
    out = {}
    for fmt in REPORT_MIMETYPES:
        path = name(report_dir(), office.id, fmt, g.lang)
        if path.is_file():
            out[fmt] = path
    return out


# --------------------------------------------------------------------------- summary, comparison


def _newest_input(*folders: Path) -> float:
    """The newest modification time of the rounds' YAML files (what a report is built from)."""
    newest = 0.0
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if name.endswith((".yaml", ".yml")):
                    try:
                        newest = max(newest, os.stat(os.path.join(root, name)).st_mtime)
                    except OSError:
                        pass
    return newest


def _stale(path: Path, *folders: Path) -> bool:
    try:
        return path.stat().st_mtime < _newest_input(*folders)
    except OSError:
        return True


def summary_page():
    """The county summary: its HTML is built first when missing or older than the round's files."""
    from ..report import build_reports
    from ..report.files import report_path

    state = web_state()
    folder = report_dir()
    html = report_path(folder, None, "html", g.lang)
    error, problems, built = "", [], False
    if _stale(html, state.site.root):
        try:
            build_reports(state.site.root, out=folder, formats=["html"], lang=g.lang, kinds=("summary",), force=True)
            built = True
        except KvpAuditError as exc:
            error, problems = exc.message, [p.format() for p in exc.problems]
        finally:
            i18n.set_language(g.lang)
    listing = _listing()
    files = [{"fmt": fmt, "text": _file_label("summary", fmt), "date": _stamp(listing[name]),
              "url": url_for("report_download", name=name)}
             for fmt in FORMATS if (name := report_path(folder, None, fmt, g.lang).name) in listing]
    shown = next((f["url"] for f in files if f["fmt"] == "html"), None)
    page = render_template("summary.html.j2", title=_("Fylkesoppsummering"), files=files, error=error,
                           problems=problems, built=built, shown=shown)
    return _framing(make_response(page, 422 if error and not files else 200))


def compare_page():
    """The comparison with the previous round (``previous`` in runde.yaml), as ``kvp-audit compare`` writes it."""
    from ..load import previous_chain

    state = web_state()
    rnd = state.site.round
    error, problems, file = "", [], None
    if not rnd.previous:
        error = _("Runden nevner ingen forrige runde. Skriv stien til den under «previous» i runde.yaml "
                  "(for eksempel ../2024) for å sammenligne.")
    else:
        chain = previous_chain(state.site.root, 2)
        before = chain[1] if len(chain) == 2 else None
        workspace = state.reports.parent if state.home_url is not None else None
        if before is None:
            error = _("Fant ikke forrige runde ({previous}): mappen finnes ikke eller har ingen lesbar runde.yaml.").format(
                previous=rnd.previous)
        elif workspace is not None and not before.is_relative_to(workspace.resolve()):
            error = _("Forrige runde ({previous}) ligger utenfor mappen serveren viser, og blir ikke lest.").format(
                previous=rnd.previous)
        else:
            try:
                file = _comparison(state.site.root, before)
            except KvpAuditError as exc:
                error, problems = exc.message, [p.format() for p in exc.problems]
            finally:
                i18n.set_language(g.lang)
    listing = _listing()
    view = None
    if file is not None and file.name in listing:
        view = {"url": url_for("report_download", name=file.name), "date": _stamp(file), "name": file.name}
    page = render_template("compare.html.j2", title=_("Sammenligning med forrige runde"), error=error,
                           problems=problems, comparison=view)
    return _framing(make_response(page, 200 if view or not rnd.previous else 422))


def _comparison(round_dir: Path, before: Path) -> Path:
    """Write the comparison of ``before`` with this round (as ``kvp-audit compare A B --format html``)
    into the report folder when missing or older than either round's files; return its path."""
    from ..compare import compare_rounds, render_html
    from ..errors import InputError
    from ..load import library_for, load_round
    from ..scoring import score_round
    from ..yamlio import atomic_write

    from ..load import ROUND_FILE, load_round_file

    old_round, _problems = load_round_file(before / ROUND_FILE)
    old_id = old_round.id if old_round is not None else before.name
    suffix = "" if g.lang == "nb" else "." + g.lang
    target = report_dir() / f"sammenligning-{old_id}-{web_state().site.round.id}{suffix}.html"
    if not _stale(target, before, round_dir):
        return target
    rounds = []
    for folder in (before, round_dir):
        data = load_round(folder)
        if data.errors:
            raise InputError(ngettext("runden {path} har {n} feil; rett den før sammenligningen",
                                      "runden {path} har {n} feil; rett dem før sammenligningen",
                                      len(data.errors)).format(path=folder.name, n=len(data.errors)), data.errors)
        rounds.append(data)
    old, new = rounds
    history: dict[str, object] = {}
    for data in rounds:
        library = library_for(data.path)
        for ident in sorted({c.id for d in rounds for c in (d.case_checklist, d.office_checklist) if c is not None}):
            for checklist in library.versions(ident):
                history.setdefault(checklist.ref, checklist)
    result = compare_rounds(old, score_round(old), new, score_round(new), None, history=list(history.values()))
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, render_html("rounds", result.as_dict(), new.case_checklist, g.lang))
    return target


# --------------------------------------------------------------------------- exports


def export_download(kind: str):
    """The round's tables as ``kvp-audit export`` writes them, written into the report folder, then sent."""
    from ..export import export_round
    from ..load import load_round

    if kind not in EXPORTS:
        abort(404)
    fmt, suffix = EXPORTS[kind]
    state = web_state()
    folder = report_dir()
    data = load_round(state.site.root)
    target = folder / f"{data.round.id}{suffix}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            _export_csv_zip(data, target)
        else:
            export_round(data, fmt, target)
    except KvpAuditError as exc:
        return render_template("summary.html.j2", title=_("Eksport"), files=[], built=False, shown=None,
                               error=exc.message, problems=[p.format() for p in exc.problems]), 422
    finally:
        i18n.set_language(g.lang)
    return _send(target)


def _export_csv_zip(data, target: Path) -> None:
    """The CSV tables in one zip, written to a temporary file beside ``target`` and renamed into place."""
    import zipfile

    from ..export import export_round

    work = Path(tempfile.mkdtemp(prefix=".eksport-", dir=target.parent))
    try:
        files = export_round(data, "csv", work / f"{data.round.id}.csv")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in files:
                    archive.write(path, path.name)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- page parts


def round_context() -> dict:
    return {"builds_latest": RUNNER.latest(report_dir()), "builds_exports": list(EXPORTS)}


def office_context(office) -> dict:
    return {"builds_reports": report_files(office), "builds_followup_reports": report_files(office, followup=True),
            "builds_formats": ", ".join(format_labels()[f] for f in web_state().report_formats if f in FORMATS)}


ROUTES = (
    ("/rapporter", reports_page, ["GET", "POST"]),
    ("/rapporter/jobb/<job_id>", build_job, ["GET"]),
    ("/rapporter/fil/<path:name>", report_download, ["GET"]),
    ("/fylkesoppsummering", summary_page, ["GET"]),
    ("/sammenligning", compare_page, ["GET"]),
    ("/eksport.<kind>", export_download, ["GET"]),
    ("/kontor/<office_id>/rapport", build_report, ["POST"]),
    ("/kontor/<office_id>/rapport.<fmt>", report_file, ["GET"]),
    ("/kontor/<office_id>/oppfolgingsrapport.<fmt>", followup_report_file, ["GET"]),
)
