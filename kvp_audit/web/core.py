"""What every page of the web app shares: its state, the request checks, the generic form handler.

The page modules (app, roundfile, overview, builds, checklists, records) build on this;
it imports none of them.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, abort, current_app, g, jsonify, redirect, render_template, request, session

from .. import i18n
from ..i18n import _
from ..report import template_dir
from . import reviews
from .followups import FindingIndex
from .pairing import refusal
from .reportfile import ReportTarget, report_view
from .reviews import Messages, RoundSite, open_review, save_review
from .view import form_view

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
LANGUAGE_NAMES = (("nb", "Bokmål"), ("nn", "Nynorsk"), ("en", "English"))
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
# A report shown inside a page of the app (the county summary, the comparison): only that page may frame it.
EMBEDDED_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
FRAMING_CSP = CSP + "; frame-src 'self'"
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
    # Under `serve FOLDER` (a folder of rounds): the start page's URL, for the link back to it.
    home_url: str | None = None


def web_state(app: Flask | None = None) -> WebState:
    """The state of ``app`` (default: the app of the current request)."""
    return (app or current_app).extensions[STATE_KEY]


def flask_app(secret_key: str | None, cookie_name: str | None = None) -> Flask:
    """A Flask app with the web templates, strict Jinja and the session settings of every page."""
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
        SESSION_COOKIE_NAME=cookie_name or f"kvp_audit_{secrets.token_hex(4)}",
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
    )
    return app


# --------------------------------------------------------------------------- every request


def check_request(allowed_hosts: tuple[str, ...] | None, default_lang: str):
    """What every page checks first: the Host header, the language, pairing, and a POST's CSRF token."""
    if allowed_hosts is not None:
        host = request.host.rsplit(":", 1)[0] if not request.host.startswith("[") else request.host[1:].split("]")[0]
        if host not in allowed_hosts:
            abort(400, _("ukjent vertsnavn i forespørselen"))
    chosen = request.args.get("lang")
    if chosen in i18n.LANGUAGES:
        session["lang"] = chosen
    g.lang = session.get("lang") or default_lang
    i18n.set_language(g.lang)
    if (refused := refusal()) is not None:  # `serve --lan`: a device that has not paired sees nothing
        return refused
    if request.method == "POST":
        token = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(str(token), str(expected)):
            abort(400, _("skjemaet mangler et gyldig sikkerhetsmerke (CSRF); last siden på nytt og prøv igjen"))
    return None


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("X-Frame-Options", "DENY")  # a report shown in the app's own page: SAMEORIGIN
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def error_page(exc):
    """The error page (or the JSON an autosave reads) for an HTTP error; ``g.lang`` is set."""
    code = getattr(exc, "code", 500) or 500
    message = exc.description if isinstance(getattr(exc, "description", None), str) else ""
    if wants_json():
        return jsonify({"status": "error", "message": message}), code
    i18n.set_language(g.lang)
    titles = {400: _("Forespørselen ble avvist"), 404: _("Fant ikke siden"),
              405: _("Metoden er ikke tillatt"), 413: _("Skjemaet er for stort"), 500: _("Noe gikk galt")}
    return render_template("error.html.j2", code=code, message=message,
                           title=titles.get(code, _("Noe gikk galt"))), code


# --------------------------------------------------------------------------- forms


def review(target, title: str):
    """Any form (case, office, follow-up): GET shows the file, POST saves it."""
    if request.method == "GET":
        reviewers = reviews.split_initials(session.get("reviewers", ""))
        opened = open_review(target, reviewers)
        if opened.unreadable:
            return render_template("unreadable.html.j2", target=target, problem=opened.unreadable,
                                   title=title), 200
        return render_form(target, title, opened.values, opened.messages, opened.hash,
                            saved=request.args.get("lagret") == "1")
    if "base_hash" not in request.form:
        abort(400, _("skjemaet er ufullstendig; last siden på nytt"))
    values = target.values_from_form(request.form)
    result = save_review(target, values, request.form.get("base_hash", ""))
    if wants_json():
        return jsonify(json_result(result, target))
    if result.status in ("saved", "unchanged"):
        return redirect(request.script_root + request.path + "?lagret=1", code=303)
    if result.status == "conflict":
        return render_template("conflict.html.j2", target=target, title=title, result=result,
                               pairs=result.values.pairs(), diff=diff_lines(result.disk, result.mine)), 409
    if result.unreadable:
        return render_template("unreadable.html.j2", target=target, problem=result.unreadable, title=title), 422
    return render_form(target, title, result.values, result.messages, result.hash, status=422,
                        refused=result.status == "refused")


def render_form(target, title, values, messages: Messages, digest, status=200, saved=False, refused=False,
                 preview=False, notice=""):
    form = report_view(target, values, messages, preview) if isinstance(target, ReportTarget) \
        else form_view(target, values, messages)
    return render_template(target.template, target=target, form=form, title=title, base_hash=digest, saved=saved,
                           refused=refused, office=target.office, notice=notice,
                           exists=target.path.is_file()), status


# --------------------------------------------------------------------------- helpers


def office_or_404(office_id: str):
    office = web_state().site.office(office_id)
    if office is None:
        abort(404, _("kontoret '{office}' er ikke med i runden").format(office=office_id))
    return office


def report_dir() -> Path:
    state = web_state()
    return state.reports / state.site.round.id


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def json_result(result, target) -> dict:
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


REPORT_MIMETYPES = {"html": "text/html", "pdf": "application/pdf",
                    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def diff_lines(disk: str, mine: str) -> list[dict]:
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
