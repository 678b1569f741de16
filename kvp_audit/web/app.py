"""The Flask app of ``kvp-audit serve``: a thin shell over :mod:`kvp_audit.web.reviews`.

Each route is a plain function below; :func:`create_app` registers them and keeps the
round's state (the site, the language, the reports folder) on ``app.extensions``, which
the views read through :func:`web_state`.

Security, for a tool that runs on a reviewer's laptop:

- every POST carries a CSRF token tied to the session; without it: 400 and nothing changes;
- offices and cases are looked up among the round's own ids and the files found on disk,
  never joined from request text, so a path cannot leave the round;
- requests must name this machine in the Host header (no DNS rebinding) when bound to
  loopback or, with ``serve --lan``, the one network address, where a device must also
  have paired first (:mod:`kvp_audit.web.pairing`); templates autoescape; the content
  security policy allows only this server.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from .. import i18n
from ..errors import KvpAuditError
from ..i18n import _, ngettext
from ..report import template_dir
from . import reviews
from .followups import FindingIndex, followup_summary, followup_target, plan_summary
from .pairing import refusal
from .reportfile import ReportTarget, check_values, edit_rows, parse_action, report_summary, report_target, report_view
from .reviews import Messages, RoundSite, open_review, save_review, summarise
from .view import form_view

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
LANGUAGE_NAMES = (("nb", "Bokmål"), ("nn", "Nynorsk"), ("en", "English"))
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
STATE_KEY = "kvp_audit"
MAX_BODY_BYTES = 2 * 1024 * 1024  # a form post; more is refused with 413 before the body is read


def web_template_dir() -> Path:
    """The web form's templates, next to the report templates (and packaged with them)."""
    return template_dir() / "web"


@dataclass
class WebState:
    """What every request of one app shares: the round and how the app was started."""

    site: RoundSite
    finding_index: FindingIndex
    lang: str                        # the language the app was started with (a session may choose another)
    reports: Path                    # absolute: where "Lag rapport" writes, <reports>/<round id>/
    report_formats: list[str]
    allowed_hosts: tuple[str, ...] | None
    # One request at a time through the app, so two saves never interleave (taken by server.py).
    lock: threading.Lock = field(default_factory=threading.Lock)


def web_state(app: Flask | None = None) -> WebState:
    """The state of ``app`` (default: the app of the current request)."""
    return (app or current_app).extensions[STATE_KEY]


def create_app(round_dir: Path, lang: str = "nb", reports_dir: Path | None = None,
               allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS, secret_key: str | None = None,
               report_formats: tuple[str, ...] = ("html", "pdf", "docx")) -> Flask:
    """The web form for one round. ``allowed_hosts=None`` accepts any Host header.

    ``reports_dir`` (default ``reports``, as for ``kvp-audit report``) is resolved against
    the working directory now, so the files are found whatever Flask takes as its root.
    """
    site = RoundSite(Path(round_dir))
    app = _flask_app(secret_key)
    app.extensions[STATE_KEY] = WebState(
        site=site,
        finding_index=FindingIndex(site),
        lang=lang if lang in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE,
        reports=Path(reports_dir or "reports").absolute(),
        report_formats=list(report_formats),
        allowed_hosts=allowed_hosts,
    )
    app.before_request(_guard)
    app.after_request(_headers)
    app.context_processor(_context)
    for rule, view, methods in ROUTES:
        app.add_url_rule(rule, view_func=view, methods=methods)
    for code in (400, 404, 405, 413, 500):
        app.register_error_handler(code, _error)
    return app


def _flask_app(secret_key: str | None) -> Flask:
    import jinja2

    folder = web_template_dir()
    app = Flask(__name__, template_folder=str(folder), static_folder=str(folder / "static"),
                static_url_path="/static")
    app.jinja_options = {
        "autoescape": True,
        "undefined": jinja2.StrictUndefined,
        "extensions": ["jinja2.ext.i18n"],
        "trim_blocks": True,
        "lstrip_blocks": True,
    }
    app.jinja_env.install_gettext_callables(i18n._, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_hex(32),
        # Cookies ignore the port: two forms open at once must not share (and overwrite) a session.
        SESSION_COOKIE_NAME=f"kvp_audit_{secrets.token_hex(4)}",
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
    )
    return app


# --------------------------------------------------------------------------- every request


def _guard():
    state = web_state()
    hosts = state.allowed_hosts
    if hosts is not None:
        host = request.host.rsplit(":", 1)[0] if not request.host.startswith("[") else request.host[1:].split("]")[0]
        if host not in hosts:
            abort(400, _("ukjent vertsnavn i forespørselen"))
    chosen = request.args.get("lang")
    if chosen in i18n.LANGUAGES:
        session["lang"] = chosen
    g.lang = session.get("lang") or state.lang
    i18n.set_language(g.lang)
    if (refused := refusal()) is not None:  # `serve --lan`: a device that has not paired sees nothing
        return refused
    if request.method == "POST":
        token = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(str(token), str(expected)):
            abort(400, _("skjemaet mangler et gyldig sikkerhetsmerke (CSRF); last siden på nytt og prøv igjen"))
    try:
        state.site.refresh()
    except KvpAuditError as exc:
        abort(500, exc.message)


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def _context():
    state = web_state()
    return {
        "lang": g.get("lang", state.lang),
        "languages": LANGUAGE_NAMES,
        "csrf_token": _csrf_token,
        "round": state.site.round,
        "flashes": get_flashed_messages(),
    }


def _error(exc):
    code = getattr(exc, "code", 500) or 500
    message = exc.description if isinstance(getattr(exc, "description", None), str) else ""
    if _wants_json():
        return jsonify({"status": "error", "message": message}), code
    if "lang" not in g:
        g.lang = web_state().lang
    i18n.set_language(g.lang)
    titles = {400: _("Forespørselen ble avvist"), 404: _("Fant ikke siden"),
              405: _("Metoden er ikke tillatt"), 413: _("Skjemaet er for stort"), 500: _("Noe gikk galt")}
    return render_template("error.html.j2", code=code, message=message,
                           title=titles.get(code, _("Noe gikk galt"))), code


# --------------------------------------------------------------------------- pages


def round_page():
    state = web_state()
    site = state.site
    offices = []
    for office in site.round.offices:
        cases = [summarise(t) for t in site.case_targets(office)]
        target = site.office_target(office)
        office_summary = summarise(target) if target else None
        followup = followup_target(site, state.finding_index, office)
        offices.append({
            "followup": followup_summary(followup) if followup else None,
            "id": office.id,
            "name": office.name,
            "cases": len(cases),
            "cases_done": sum(1 for c in cases if c.complete),
            "answered": sum(c.answered for c in cases),
            "applicable": sum(c.applicable for c in cases),
            "errors": sum(c.errors for c in cases) + (office_summary.errors if office_summary else 0),
            "office_review": office_summary,
            "report": report_summary(report_target(site, office)),
        })
    return render_template("round.html.j2", offices=offices, title=site.round.name, course=_course_view(site))


def office_page(office_id: str):
    return _render_office(_office(office_id))


def _render_office(office, report_problems=(), status=200, add_error="", reviewers=None, step_form=None):
    site = web_state().site
    cases = [summarise(t) for t in site.case_targets(office)]
    target = site.office_target(office)
    office_summary = summarise(target) if target else None
    followup = followup_target(site, web_state().finding_index, office)
    return render_template(
        "office.html.j2", office=office, cases=cases, office_summary=office_summary,
        figures=_figures(target) if target else [],
        followup=followup_summary(followup) if followup else None,
        plan=plan_summary(site.folder(office), office, web_state().finding_index.findings(office)),
        reports=_report_files(office), followup_reports=_report_files(office, followup=True),
        report_problems=list(report_problems), title=office.name,
        report_text=report_summary(report_target(site, office)),
        reviewers=session.get("reviewers", "") if reviewers is None else reviewers, add_error=add_error,
        course=_course_view(site, office)[0], steps=_step_choices(),
        step_form=step_form or {"step": "", "date": "", "deadline": "", "again": False, "errors": []},
    ), status


def add_case(office_id: str):
    office = _office(office_id)
    text = request.form.get("reviewers", "")
    initials = reviews.split_initials(text)
    if not reviews.valid_initials(initials):
        error = _("Skriv revisorenes initialer (2–4 store bokstaver, for eksempel KB), aldri navn. Ingen sak er laget.")
        return _render_office(office, add_error=error, reviewers=text, status=422)
    session["reviewers"] = ", ".join(initials)
    key, _path = web_state().site.add_case(office, initials)
    flash(_("Ny sak {key} er laget.").format(key=key))
    return redirect(url_for("case_form", office_id=office.id, key=key), code=303)


def case_form(office_id: str, key: str):
    office = _office(office_id)
    target = web_state().site.case_target(office, key)
    if target is None:
        abort(404, _("fant ikke saken {key} ved {office}").format(key=key, office=office.name))
    return _review(target, _("Sak {key}").format(key=key))


def office_form(office_id: str):
    office = _office(office_id)
    target = web_state().site.office_target(office)
    if target is None:
        abort(404, _("runden har ingen sjekkliste for kontoret (checklists.office i runde.yaml)"))
    return _review(target, _("Kontorvurdering"))


def followup_form(office_id: str):
    office = _office(office_id)
    target = followup_target(web_state().site, web_state().finding_index, office)
    if target is None or target.findings is None:
        abort(404, _("runden har ingen sjekkliste for oppfølging (checklists.followup i runde.yaml)"))
    if request.method == "POST" and target.findings.unknown_fields(request.form):
        # Finding ids come from the scored round; the request only chooses among them.
        abort(400, _("skjemaet nevner et funn som ikke er blant kontorets funn; last siden på nytt"))
    return _review(target, _("Oppfølging"))


def report_text_form(office_id: str):
    """The report's own file (rapport.yaml). Saved as the other forms are; "Forhåndsvis" and the
    table rows' buttons show the posted form again without writing anything."""
    office = _office(office_id)
    target = report_target(web_state().site, office)
    title = _("Rapportens tekst og status")
    if request.method == "POST":
        action = parse_action(request.form)
        if action is None or "base_hash" not in request.form:
            abort(400, _("skjemaet er ufullstendig; last siden på nytt"))
        if action.kind != "save":
            return _report_unsaved(target, title, action)
    return _review(target, title)


def _report_unsaved(target: ReportTarget, title: str, action):
    values = target.values_from_form(request.form)
    refused = reviews.refused_fields(values)
    if refused:
        messages = Messages(errors={k: [v] for k, v in refused.items()})
        return _render_form(target, title, values.masked(refused), messages, request.form.get("base_hash", ""),
                            status=422, refused=True)
    if action.kind == "preview":
        return _render_form(target, title, values, check_values(target, values),
                            request.form.get("base_hash", ""), preview=True,
                            notice=_("Forhåndsvisningen står under hvert tekstfelt. Ingenting er lagret ennå."))
    notice = _("En tom rad er lagt til. Ingenting er lagret ennå.") if action.kind == "add" else \
        _("Raden er fjernet. Ingenting er lagret ennå: trykk «Lagre».")
    return _render_form(target, title, edit_rows(values, action), Messages(), request.form.get("base_hash", ""),
                        notice=notice)


def _review(target, title: str):
    """Any form (case, office, follow-up): GET shows the file, POST saves it."""
    if request.method == "GET":
        reviewers = reviews.split_initials(session.get("reviewers", ""))
        opened = open_review(target, reviewers)
        if opened.unreadable:
            return render_template("unreadable.html.j2", target=target, problem=opened.unreadable,
                                   title=title), 200
        return _render_form(target, title, opened.values, opened.messages, opened.hash,
                            saved=request.args.get("lagret") == "1")
    if "base_hash" not in request.form:
        abort(400, _("skjemaet er ufullstendig; last siden på nytt"))
    values = target.values_from_form(request.form)
    result = save_review(target, values, request.form.get("base_hash", ""))
    if _wants_json():
        return jsonify(_json_result(result, target))
    if result.status in ("saved", "unchanged"):
        return redirect(request.path + "?lagret=1", code=303)
    if result.status == "conflict":
        return render_template("conflict.html.j2", target=target, title=title, result=result,
                               pairs=result.values.pairs(), diff=_diff(result.disk, result.mine)), 409
    if result.unreadable:
        return render_template("unreadable.html.j2", target=target, problem=result.unreadable, title=title), 422
    return _render_form(target, title, result.values, result.messages, result.hash, status=422,
                        refused=result.status == "refused")


def _render_form(target, title, values, messages: Messages, digest, status=200, saved=False, refused=False,
                 preview=False, notice=""):
    form = report_view(target, values, messages, preview) if isinstance(target, ReportTarget) \
        else form_view(target, values, messages)
    return render_template(target.template, target=target, form=form, title=title, base_hash=digest, saved=saved,
                           refused=refused, office=target.office, notice=notice,
                           exists=target.path.is_file()), status


def record_step(office_id: str):
    """The office page's step form: the same call as ``kvp-audit step``; nothing is written on an error."""
    import datetime as dt

    from .. import course

    office = _office(office_id)
    form = {"step": request.form.get("step", ""), "date": request.form.get("date", "").strip(),
            "deadline": request.form.get("deadline", "").strip(), "again": request.form.get("again") == "1",
            "errors": []}
    try:
        dates = {}
        for name in ("date", "deadline"):
            try:
                dates[name] = dt.date.fromisoformat(form[name]) if form[name] else None
            except ValueError:
                raise KvpAuditError(_("'{value}' er ikke en dato; skriv ÅÅÅÅ-MM-DD").format(value=form[name])) from None
        result = course.record_step(web_state().site.root, office.id, form["step"], dates["date"], dates["deadline"],
                                    form["again"])
    except KvpAuditError as exc:
        form["errors"] = [exc.message, *(p.format() for p in exc.problems)]
        return _render_office(office, status=422, step_form=form)
    for note in result.notes:
        flash(note)
    return redirect(url_for("office_page", office_id=office.id) + "#h-course", code=303)


def _step_choices() -> list[tuple[str, str]]:
    from ..course import STEPS, step_label

    return [(step, step_label(step)) for step in STEPS]


def _course_view(site, office=None) -> list[dict]:
    """Where each office (or one) stands in the course today, as the round and office pages show it."""
    import datetime as dt

    from ..course import office_sources, round_status

    today = dt.date.today()
    offices = [office] if office is not None else site.round.offices
    out = []
    for o in offices:
        problems: list = []
        sources = office_sources(site.opened, o, problems)
        status = round_status(site.round, [sources], today)[0]
        nd = status.next_deadline
        stage = status.stage
        out.append({
            "id": o.id, "name": o.name,
            "errors": sum(1 for p in problems if p.is_error),
            "stage": "{} {}".format(_step_label(stage.step), stage.date.isoformat()) if stage else _("ikke startet"),
            "steps": [{"label": _step_label(s.step), "date": s.date.isoformat(), "source": s.source}
                      for s in status.steps.values()],
            "next_deadline": "{} {}".format(nd.label, nd.date.isoformat()) if nd else "",
            "overdue": [{"label": d.label, "date": d.date.isoformat(), "days": (today - d.date).days}
                        for d in status.overdue],
        })
    return out


def _step_label(step: str) -> str:
    from ..course import step_label

    return step_label(step)


def build_report(office_id: str):
    from ..report import build_reports

    office = _office(office_id)
    state = web_state()
    try:
        result = build_reports(state.site.root, out=_report_dir(), formats=state.report_formats,
                               lang=g.lang, office=office.id, force=True)
    except KvpAuditError as exc:
        problems = [p.format() for p in exc.problems] or []
        return _render_office(office, [exc.message, *problems], status=422)
    finally:
        i18n.set_language(g.lang)
    flash(ngettext("Rapporten er laget ({n} fil).", "Rapporten er laget ({n} filer).",
                   len(result.written)).format(n=len(result.written)))
    return redirect(url_for("office_page", office_id=office.id), code=303)


def report_file(office_id: str, fmt: str, followup: bool = False):
    office = _office(office_id)
    if fmt not in REPORT_MIMETYPES:
        abort(404)
    path = _report_files(office, followup).get(fmt)
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


ROUTES = (
    ("/", round_page, ["GET"]),
    ("/kontor/<office_id>/", office_page, ["GET"]),
    ("/kontor/<office_id>/ny-sak", add_case, ["POST"]),
    ("/kontor/<office_id>/sak/<key>", case_form, ["GET", "POST"]),
    ("/kontor/<office_id>/kontorvurdering", office_form, ["GET", "POST"]),
    ("/kontor/<office_id>/oppfolging", followup_form, ["GET", "POST"]),
    ("/kontor/<office_id>/rapporttekst", report_text_form, ["GET", "POST"]),
    ("/kontor/<office_id>/rapport", build_report, ["POST"]),
    ("/kontor/<office_id>/steg", record_step, ["POST"]),
    ("/kontor/<office_id>/rapport.<fmt>", report_file, ["GET"]),
    ("/kontor/<office_id>/oppfolgingsrapport.<fmt>", followup_report_file, ["GET"]),
)


# --------------------------------------------------------------------------- helpers


def _office(office_id: str):
    office = web_state().site.office(office_id)
    if office is None:
        abort(404, _("kontoret '{office}' er ikke med i runden").format(office=office_id))
    return office


def _report_dir() -> Path:
    state = web_state()
    return state.reports / state.site.round.id


REPORT_MIMETYPES = {"html": "text/html", "pdf": "application/pdf",
                    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _report_files(office, followup: bool = False) -> dict[str, Path]:
    """The office's reports that exist, by format (absolute paths), named as the report builder names
    them: its office report, or with ``followup`` its follow-up report."""
    from ..report.files import followup_report_path, report_path

    name = followup_report_path if followup else report_path
    out = {}
    for fmt in REPORT_MIMETYPES:
        path = name(_report_dir(), office.id, fmt, g.lang)
        if path.is_file():
            out[fmt] = path
    return out


def _csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _json_result(result, target) -> dict:
    """What the autosave script needs: status, new hash, messages by field, not applicable criteria."""
    messages = {
        "saved": _("Lagret kl. {time}."),
        "unchanged": _("Alt er lagret."),
        "invalid": _("Ikke lagret: rett feilene som er merket."),
        "refused": _("Ikke lagret: teksten ser ut som et fødselsnummer eller D-nummer."),
        "conflict": _("Ikke lagret: filen er endret et annet sted siden du åpnet skjemaet. "
                      "Trykk «Lagre» for å se begge versjonene og velge."),
    }
    import datetime as dt

    message = messages[result.status].format(time=dt.datetime.now().strftime("%H:%M:%S"))
    if result.messages.general_errors:
        # Problems that belong to no field (for example an unknown key written by hand).
        message += " " + " ".join(result.messages.general_errors[:3])
    return {
        "status": result.status,
        "hash": result.hash,
        "message": message,
        "not_applicable": reviews.not_applicable(result.values, target.checklist)
        if isinstance(result.values, reviews.FormValues) else [],
        **result.messages.as_json(),
    }


def _figures(target) -> list[dict]:
    """The office's numbers (måltall, participants, ...) from its office review."""
    from ..models import AnswerType

    opened = open_review(target)
    out = []
    for crit in target.checklist.criteria():
        if crit.answer == AnswerType.number:
            out.append({"id": crit.id, "question": crit.question, "unit": crit.unit,
                        "value": opened.values.answers.get(crit.id, "") if not opened.unreadable else ""})
    return out


def _diff(disk: str, mine: str) -> list[dict]:
    """A line diff of the version on disk and the reviewer's, for the conflict page."""
    import difflib

    out = []
    for line in difflib.unified_diff(disk.splitlines(), mine.splitlines(), "disk", "mine", lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = "hunk" if line.startswith("@@") else "add" if line.startswith("+") else \
            "del" if line.startswith("-") else "same"
        out.append({"kind": kind, "text": line})
    return out
