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

import threading
from pathlib import Path

from flask import Flask, abort, flash, g, get_flashed_messages, redirect, render_template, request, session, url_for

from .. import i18n
from ..errors import KvpAuditError
from ..i18n import _
from . import reviews
from .core import (  # noqa: F401  web_state: tests read the state through this module
    LANGUAGE_NAMES,
    LOOPBACK_HOSTS,
    STATE_KEY,
    Messages,
    WebState,
    check_request,
    csrf_token,
    error_page,
    flask_app,
    office_or_404,
    render_form,
    review,
    security_headers,
    web_state,
)
from .followups import FindingIndex, followup_summary, followup_target, plan_summary
from .reportfile import ReportTarget, check_values, edit_rows, parse_action, report_summary, report_target
from .reviews import RoundSite, open_review, summarise



def create_app(round_dir: Path, lang: str = "nb", reports_dir: Path | None = None,
               allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS, secret_key: str | None = None,
               report_formats: tuple[str, ...] = ("html", "pdf", "docx"), cookie_name: str | None = None,
               lock: threading.Lock | None = None, home_url: str | None = None) -> Flask:
    """The web form for one round. ``allowed_hosts=None`` accepts any Host header.

    ``reports_dir`` (default ``reports``, as for ``kvp-audit report``) is resolved against
    the working directory now, so the files are found whatever Flask takes as its root.
    The start page of ``serve FOLDER`` (:mod:`kvp_audit.web.workspace`) mounts one such app
    per round, with its own ``secret_key``, ``cookie_name`` and ``lock`` (so the session
    and the one-request-at-a-time rule are shared) and ``home_url`` pointing back to it.
    """
    site = RoundSite(Path(round_dir))
    app = flask_app(secret_key, cookie_name)
    app.extensions[STATE_KEY] = WebState(
        site=site,
        finding_index=FindingIndex(site),
        lang=lang if lang in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE,
        reports=Path(reports_dir or "reports").absolute(),
        report_formats=list(report_formats),
        allowed_hosts=allowed_hosts,
        home_url=home_url,
    )
    if lock is not None:
        app.extensions[STATE_KEY].lock = lock
    app.before_request(_guard)
    app.after_request(security_headers)
    app.context_processor(_context)
    for rule, view, methods in all_routes():
        app.add_url_rule(rule, view_func=view, methods=methods)
    for code in (400, 404, 405, 413, 500):
        app.register_error_handler(code, _error)
    return app


# --------------------------------------------------------------------------- every request


def _guard():
    state = web_state()
    if (refused := check_request(state.allowed_hosts, state.lang)) is not None:
        return refused
    try:
        state.site.refresh()
    except KvpAuditError as exc:
        abort(500, exc.message)


def _context():
    state = web_state()
    return {
        "lang": g.get("lang", state.lang),
        "languages": LANGUAGE_NAMES,
        "csrf_token": csrf_token,
        "round": state.site.round,
        "home_url": state.home_url,
        "flashes": get_flashed_messages(),
    }


def _error(exc):
    if "lang" not in g:
        g.lang = web_state().lang
    return error_page(exc)


# --------------------------------------------------------------------------- pages


def round_page():
    with reviews.one_look():  # each file's stamp taken once for the whole page
        return _round_page()


def _round_page():
    from .overview import kept

    site = web_state().site
    # The rows follow from the round's files (and the course from today's date): kept until one changes.
    offices = kept("round_rows", _round_rows)
    return render_template("round.html.j2", offices=offices, title=site.round.name,
                           course=kept("round_course", lambda: _course_view(site)), **_parts("round_context"))


def _round_rows() -> list[dict]:
    from .overview import cached_report_summary

    state = web_state()
    site = state.site
    offices = []
    # Scoring's findings checked once for the page, not once per office (each check lists every folder).
    findings = state.finding_index.by_office() if site.followup_checklist is not None else None
    for office in site.round.offices:
        cases = [summarise(t) for t in site.case_targets(office)]
        target = site.office_target(office)
        office_summary = summarise(target) if target else None
        followup = followup_target(site, state.finding_index, office, findings)
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
            "report": cached_report_summary(site, office),
        })
    return offices


def office_page(office_id: str):
    with reviews.one_look():
        return _render_office(office_or_404(office_id))


def _render_office(office, status=200, add_error="", reviewers=None, step_form=None):
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
        title=office.name,
        report_text=report_summary(report_target(site, office)),
        reviewers=session.get("reviewers", "") if reviewers is None else reviewers, add_error=add_error,
        course=_course_view(site, office)[0], steps=_step_choices(),
        step_form=step_form or {"step": "", "date": "", "deadline": "", "again": False, "errors": []},
        **_parts("office_context", office),
    ), status


def add_case(office_id: str):
    office = office_or_404(office_id)
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
    office = office_or_404(office_id)
    target = web_state().site.case_target(office, key)
    if target is None:
        abort(404, _("fant ikke saken {key} ved {office}").format(key=key, office=office.name))
    return review(target, _("Sak {key}").format(key=key))


def office_form(office_id: str):
    office = office_or_404(office_id)
    target = web_state().site.office_target(office)
    if target is None:
        abort(404, _("runden har ingen sjekkliste for kontoret (checklists.office i runde.yaml)"))
    return review(target, _("Kontorvurdering"))


def followup_form(office_id: str):
    office = office_or_404(office_id)
    target = followup_target(web_state().site, web_state().finding_index, office)
    if target is None or target.findings is None:
        abort(404, _("runden har ingen sjekkliste for oppfølging (checklists.followup i runde.yaml)"))
    if request.method == "POST" and target.findings.unknown_fields(request.form):
        # Finding ids come from the scored round; the request only chooses among them.
        abort(400, _("skjemaet nevner et funn som ikke er blant kontorets funn; last siden på nytt"))
    return review(target, _("Oppfølging"))


def report_text_form(office_id: str):
    """The report's own file (rapport.yaml). Saved as the other forms are; "Forhåndsvis" and the
    table rows' buttons show the posted form again without writing anything."""
    office = office_or_404(office_id)
    target = report_target(web_state().site, office)
    title = _("Rapportens tekst og status")
    if request.method == "POST":
        action = parse_action(request.form)
        if action is None or "base_hash" not in request.form:
            abort(400, _("skjemaet er ufullstendig; last siden på nytt"))
        if action.kind != "save":
            return _report_unsaved(target, title, action)
    return review(target, title)


def _report_unsaved(target: ReportTarget, title: str, action):
    values = target.values_from_form(request.form)
    refused = reviews.refused_fields(values)
    if refused:
        messages = Messages(errors={k: [v] for k, v in refused.items()})
        return render_form(target, title, values.masked(refused), messages, request.form.get("base_hash", ""),
                            status=422, refused=True)
    if action.kind == "preview":
        return render_form(target, title, values, check_values(target, values),
                            request.form.get("base_hash", ""), preview=True,
                            notice=_("Forhåndsvisningen står under hvert tekstfelt. Ingenting er lagret ennå."))
    notice = _("En tom rad er lagt til. Ingenting er lagret ennå.") if action.kind == "add" else \
        _("Raden er fjernet. Ingenting er lagret ennå: trykk «Lagre».")
    return render_form(target, title, edit_rows(values, action), Messages(), request.form.get("base_hash", ""),
                        notice=notice)


def record_step(office_id: str):
    """The office page's step form: the same call as ``kvp-audit step``; nothing is written on an error."""
    import datetime as dt

    from .. import course

    office = office_or_404(office_id)
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
        sources, problems = _office_sources(site, o, office_sources)
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


_COURSE_SOURCES: dict[tuple, tuple[tuple, object, list]] = {}


def _office_sources(site, office, read) -> tuple:
    """An office's course files as ``course.office_sources`` reads them, read again only when one changed."""
    from ..load import FOLLOWUP_FILE, OFFICE_FILE, PLAN_FILE, REPORT_FILE
    from .reviews import file_stamp

    folder = site.folder(office)
    stamp = (id(site.opened), *(file_stamp(folder / n) for n in (OFFICE_FILE, FOLLOWUP_FILE, REPORT_FILE, PLAN_FILE)))
    key = (str(site.root), office.id)
    known = _COURSE_SOURCES.get(key)
    if known is not None and known[0] == stamp:
        return known[1], known[2]
    problems: list = []
    sources = read(site.opened, office, problems)
    _COURSE_SOURCES[key] = (stamp, sources, problems)
    return sources, problems


def _step_label(step: str) -> str:
    from ..course import step_label

    return step_label(step)


ROUTES = (
    ("/", round_page, ["GET"]),
    ("/kontor/<office_id>/", office_page, ["GET"]),
    ("/kontor/<office_id>/ny-sak", add_case, ["POST"]),
    ("/kontor/<office_id>/sak/<key>", case_form, ["GET", "POST"]),
    ("/kontor/<office_id>/kontorvurdering", office_form, ["GET", "POST"]),
    ("/kontor/<office_id>/oppfolging", followup_form, ["GET", "POST"]),
    ("/kontor/<office_id>/rapporttekst", report_text_form, ["GET", "POST"]),
    ("/kontor/<office_id>/steg", record_step, ["POST"]),
)


def _parts(hook: str, *args) -> dict:
    """What the page modules add to the round page (``round_context()``) or an office page
    (``office_context(office)``): each owns a partial template included there."""
    from . import builds, checklists, overview, records, roundfile

    out: dict = {}
    for module in (roundfile, overview, builds, checklists, records):
        if (make := getattr(module, hook, None)) is not None:
            out.update(make(*args))
    return out


def all_routes() -> tuple:
    """Every route of a round's app: the ones above and those of the modules that own a page each."""
    from . import builds, checklists, overview, records, roundfile

    return ROUTES + roundfile.ROUTES + overview.ROUTES + builds.ROUTES + checklists.ROUTES + records.ROUTES


# --------------------------------------------------------------------------- helpers


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


