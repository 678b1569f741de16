"""The checklists in use, as pages: themes, criteria, legal basis, guidance, and the links between two versions (what 'checklist diff' shows).

A checklist is named in the URL by ``id@version`` and looked up in the round's checklist
library only (its ``checklists/`` folder, then the bundled ones): never a path from the request.
"""

from __future__ import annotations

import re

from flask import abort, render_template, request
from markupsafe import Markup, escape

from ..i18n import _
from ..models import AnswerType, Checklist, FactType, Scope, Severity
from .core import web_state
from .view import condition_words


def scope_label(scope: Scope | str) -> str:
    """What a checklist reviews, in words: the cases, the office, the follow-up workshop."""
    return {Scope.case: _("Saker"), Scope.office: _("Kontorvurdering"),
            Scope.followup: _("Oppfølgingsverksted")}[Scope(scope)]


def answer_label(answer: AnswerType) -> str:
    """A criterion's answer type in words."""
    return {AnswerType.scale: _("svarskala (gir poeng)"), AnswerType.number: _("tall"),
            AnswerType.date: _("dato"), AnswerType.choice: _("valg"), AnswerType.text: _("tekst")}[answer]


def fact_type_label(kind: FactType) -> str:
    return {FactType.bool: _("ja/nei"), FactType.choice: _("valg"), FactType.date: _("dato"),
            FactType.number: _("tall"), FactType.text: _("tekst")}.get(kind, str(kind.value))


_LINK = re.compile(r"\]\(|https?://|mailto:")


def legal_basis_html(text: str) -> Markup:
    """A legal basis as HTML: a Markdown link or a web address in it becomes a link (made safe as
    every Markdown is); anything else is shown as written."""
    if not _LINK.search(text):
        return escape(text)
    from ..markup import markdown_html

    html = markdown_html(text if "](" in text else re.sub(r"(https?://\S+)", r"<\1>", text)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


def _markdown(text: str) -> Markup:
    from ..markup import markdown_html

    return Markup(markdown_html(text)) if text.strip() else Markup("")


# --------------------------------------------------------------------------- what the round uses


def _in_use() -> list[tuple[Scope, str]]:
    """The round's checklists, by what each reviews: (scope, id@version)."""
    chosen = web_state().site.round.checklists
    return [(scope, str(ref)) for scope, ref in
            ((Scope.case, chosen.case), (Scope.office, chosen.office), (Scope.followup, chosen.followup))
            if ref is not None]


def _lookup(ref: str) -> Checklist | None:
    """The checklist ``ref`` from the round's library, or None when it has none by that name."""
    library = web_state().site.library
    if ref not in library.refs():  # only the library's own names: never a path from the URL
        return None
    checklist, _problems = library.get(ref)
    return checklist


def _checklist_or_404(ref: str) -> Checklist:
    library = web_state().site.library
    if ref not in library.refs():
        abort(404, _("Runden kjenner ingen sjekkliste som heter «{ref}». Skriv den som id@versjon, for eksempel "
                     "kvp-sak@2026.1; se listen over sjekklistene.").format(ref=ref))
    checklist, problems = library.get(ref)
    if checklist is None:
        first = problems[0].format() if problems else ""
        abort(404, _("Sjekklisten «{ref}» kan ikke leses: {problem}").format(ref=ref, problem=first))
    return checklist


def _row(ref: str, scope: Scope | None = None) -> dict:
    checklist = _lookup(ref)
    return {"ref": ref, "title": checklist.title if checklist else _("(kan ikke leses)"),
            "valid_from": checklist.valid_from.isoformat() if checklist and checklist.valid_from else "",
            "role": scope_label(scope) if scope is not None else "", "readable": checklist is not None}


def round_context() -> dict:
    """The round page's link to the checklists, with the ones in use."""
    return {"checklists_in_use": [{"ref": ref, "role": scope_label(scope)} for scope, ref in _in_use()]}


def checklists_page():
    """The round's checklists (case, office, follow-up) and the other versions of the same ids."""
    library = web_state().site.library
    in_use = _in_use()
    used = {ref for _scope, ref in in_use}
    archive = []
    for ident in dict.fromkeys(ref.split("@", 1)[0] for _scope, ref in in_use):
        current = next(ref for _scope, ref in in_use if ref.split("@", 1)[0] == ident)
        others = [_row(ref) for ref in _by_version(library.refs(), ident) if ref not in used]
        for row in others:
            row["diff_from"], row["diff_to"] = _ordered(row["ref"], current)
        if others:
            archive.append({"id": ident, "current": current, "versions": others})
    return render_template("checklists.html.j2", title=_("Sjekklistene"),
                           checklists=[_row(ref, scope) for scope, ref in in_use], archive=archive)


def _by_version(refs, ident: str) -> list[str]:
    from ..load import _version_key

    return sorted((r for r in refs if r.split("@", 1)[0] == ident), key=lambda r: _version_key(r.split("@", 1)[1]))


def _ordered(a: str, b: str) -> tuple[str, str]:
    """Two versions of one checklist, the older first."""
    from ..load import _version_key

    return (a, b) if _version_key(a.split("@", 1)[1]) <= _version_key(b.split("@", 1)[1]) else (b, a)


# --------------------------------------------------------------------------- one checklist


def _criterion(checklist: Checklist, crit) -> dict:
    return {
        "id": crit.id,
        "question": crit.question,
        "short": crit.short,
        "severity": {Severity.krav: _("krav"), Severity.anbefaling: _("anbefaling")}.get(crit.severity, ""),
        "answer": answer_label(crit.answer) + (f" ({crit.unit})" if crit.unit else ""),
        "options": list(crit.options),
        "condition": condition_words(checklist, crit.applies_when) if crit.applies_when else "",
        "legal_basis": [legal_basis_html(b) for b in crit.legal_basis],
        "guidance": _markdown(crit.guidance),
        "recommendation": _markdown(crit.recommendation),
        "replaces": list(crit.replaces),
        "weight": crit.weight,
    }


def checklist_view(checklist: Checklist) -> dict:
    """One checklist as the page shows it: its facts, then its themes with every criterion."""
    roles = [scope_label(scope) for scope, ref in _in_use() if ref == checklist.ref]
    return {
        "ref": checklist.ref, "id": checklist.id, "title": checklist.title, "version": checklist.version,
        "language": checklist.language,  # the checklist's own text is shown as written, in its language
        "scope": scope_label(checklist.scope), "roles": roles,
        "valid_from": checklist.valid_from.isoformat() if checklist.valid_from else "",
        "description": _markdown(checklist.description),
        "scale": [{"value": v.value, "label": v.label or v.value} for v in checklist.scale],
        "facts": [{"name": name, "label": spec.label or name, "type": fact_type_label(spec.type),
                   "options": list(spec.options), "help": spec.help, "computed": bool(spec.compute)}
                  for name, spec in checklist.facts.items()],
        "themes": [{"id": theme.id, "title": theme.title, "description": _markdown(theme.description),
                    "criteria": [_criterion(checklist, c) for c in theme.criteria]} for theme in checklist.themes],
        "count": len(checklist.criteria()),
    }


def checklist_page(ref: str):
    """One checklist as a document: a table of contents, then each theme with its criteria."""
    checklist = _checklist_or_404(ref)
    versions = [r for r in _by_version(web_state().site.library.refs(), checklist.id) if r != ref]
    return render_template("checklist.html.j2", title=f"{checklist.title} ({checklist.ref})",
                           checklist=checklist_view(checklist),
                           versions=[{"ref": r, "diff": _ordered(r, ref)} for r in versions])


# --------------------------------------------------------------------------- two versions


def checklist_diff_page():
    """What ``kvp-audit checklist diff`` shows for two versions, with a form to choose them."""
    from ..checklistdiff import checklist_diff, diff_warning

    library = web_state().site.library
    refs = sorted(library.refs(), key=_ref_key)
    first = next((ref for _scope, ref in _in_use()), refs[0] if refs else "")
    # without a choice: the case checklist against the version before it (else after it)
    versions = _by_version(library.refs(), first.split("@", 1)[0])
    at = versions.index(first) if first in versions else 0
    pair = (versions[at - 1], first) if at > 0 else (first, versions[at + 1] if at + 1 < len(versions) else first)
    old = request.args.get("fra", "") or pair[0]
    new = request.args.get("til", "") or pair[1]
    diff, warning, errors = None, None, {}
    for key, ref in (("fra", old), ("til", new)):
        if ref not in library.refs():
            errors[key] = _("Velg en sjekkliste fra listen; «{ref}» finnes ikke i runden.").format(ref=ref)
        elif _lookup(ref) is None:
            errors[key] = _("Sjekklisten «{ref}» kan ikke leses.").format(ref=ref)
    if not errors:
        lined_up = checklist_diff(_lookup(old), _lookup(new))
        diff, warning = _diff_view(lined_up), diff_warning(lined_up)
    status = 404 if errors and ("fra" in request.args or "til" in request.args) else 200
    return render_template("checklist_diff.html.j2", title=_("Endringer mellom to versjoner"),
                           refs=refs, old=old, new=new, diff=diff, warning=warning, errors=errors), status


def _ref_key(ref: str):
    from ..load import _version_key

    ident, _sep, version = ref.partition("@")
    return (ident, _version_key(version))


def _diff_view(diff) -> dict:
    def rows(items):
        return [{"id": r.criterion, "label": r.label, "question": r.question, "sources": r.sources} for r in items]

    return {"old": diff.old.ref, "new": diff.new.ref, "old_language": diff.old.language,
            "new_language": diff.new.language, "old_title": diff.old.title, "new_title": diff.new.title,
            "same": rows(diff.same), "changed": rows(diff.changed), "added": rows(diff.added),
            "dropped": rows(diff.dropped)}


ROUTES: tuple = (
    ("/sjekklister", checklists_page, ["GET"]),
    ("/sjekklister/endringer", checklist_diff_page, ["GET"]),
    ("/sjekklister/<ref>", checklist_page, ["GET"]),
)
