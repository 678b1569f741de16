"""What the web templates show, as plain data built from the checklist and the form values.

:func:`form_view` is what every form page shows. The templates only loop over these structures; every label the reviewer reads is
translated here or in the template, and the checklist's own text is shown as written.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from .. import conditions
from ..i18n import _
from ..models import SOURCES, AnswerType, Checklist, FactType
from .findings import finding_field
from .fields import widget_text
from .reviews import CASE, FOLLOWUP, SELECTIONS, FormValues, Messages, ReviewTarget, form_facts, not_applicable

_GUIDANCE: dict[tuple[str, str, str], str] = {}


def _markdown(checklist: Checklist, key: str, text: str) -> str:
    """Checklist Markdown as safe HTML, worked out once per checklist version."""
    from ..markup import markdown_html

    cache_key = (checklist.ref, key, text)
    html = _GUIDANCE.get(cache_key)
    if html is None:
        html = _GUIDANCE[cache_key] = markdown_html(text)
    return html


def field_id(name: str, index: int | None = None) -> str:
    """The HTML id of a form field (and of one radio button in a group)."""
    return f"f-{name}" if index is None else f"f-{name}-{index}"


def _describe(name: str, *extra: str) -> str:
    return " ".join([*extra, f"e-{name}"]).strip()


def _field(name: str, label: str, kind: str, value: Any, messages: Messages, help: str = "",
           options: list[tuple[str, str]] | None = None, required: bool = False) -> dict:
    errors = messages.errors.get(name, [])
    opts = list(options or [])
    if kind in ("radio", "select") and value not in [v for v, _label in opts]:
        # A value the file holds but the form does not offer: shown, so it is not lost silently.
        opts.append((value, _("{value} (ugyldig verdi fra filen)").format(value=value)))
    return {
        "name": name,
        "id": field_id(name, 0 if kind in ("radio", "checkboxes") else None),
        "label": label,
        "kind": kind,
        "value": value,
        "help": help,
        "help_id": f"h-{name}" if help else "",
        "options": [{"value": v, "label": lab, "id": field_id(name, i)} for i, (v, lab) in enumerate(opts)],
        "errors": errors,
        "warnings": messages.warnings.get(name, []),
        "describedby": _describe(name, f"h-{name}" if help else ""),
        "required": required,
    }


def header_fields(target: ReviewTarget, values: FormValues, messages: Messages) -> list[dict]:
    """The fields about the review itself (reviewers, date, ...)."""
    h = values.header
    reviewers = _field("reviewers", _("Revisorer (initialer)"), "text", h.get("reviewers", ""), messages,
                       help=_("2–4 store bokstaver per revisor, skilt med komma, for eksempel KB, TH. Aldri navn."),
                       required=True)
    note = _field("note", _("Generell kommentar"), "textarea", h.get("note", ""), messages,
                  help=_("Markdown. Skriv aldri navn eller fødselsnummer."))
    if target.kind == CASE:
        return [
            reviewers,
            _field("date", _("Dato for gjennomgangen"), "date", h.get("date", ""), messages, required=True),
            _field("selection", _("Hvordan saken ble valgt"), "radio", h.get("selection", ""), messages,
                   options=[("kontoret", _("Valgt av kontoret")), ("tilfeldig", _("Trukket tilfeldig")),
                            ("", _("Ikke oppgitt"))]),
            note,
        ]
    if target.kind == FOLLOWUP:
        return [
            reviewers,
            _field("date", _("Dato for oppfølgingsverkstedet"), "date", h.get("date", ""), messages, required=True),
            note,
        ]
    return [
        reviewers,
        _field("visit_dates", _("Besøksdato(er)"), "text", h.get("visit_dates", ""), messages,
               help=_("ÅÅÅÅ-MM-DD, flere skilles med komma."), required=True),
        _field("met", _("Hvem dere møtte"), "text", h.get("met", ""), messages,
               help=_("Roller, skilt med komma, for eksempel leder, KVP-veileder. Aldri navn.")),
        note,
    ]


def fact_fields(target: ReviewTarget, values: FormValues, messages: Messages) -> list[dict]:
    """The checklist's facts, which decide which criteria apply."""
    out = []
    computed = form_facts(values, target.checklist)
    for name, spec in target.checklist.facts.items():
        fname = f"fact.{name}"
        value = values.facts.get(name, "")
        label = spec.label or name
        if spec.compute:
            out.append(_computed_field(fname, label, spec, computed.get(name), messages))
            continue
        if spec.type == FactType.bool:
            field = _field(fname, label, "radio", value, messages, help=spec.help,
                           options=[("true", _("Ja")), ("false", _("Nei")), ("", _("Ikke oppgitt"))])
        elif spec.type == FactType.choice:
            options = [(o, o) for o in spec.options]
            if len(options) <= 4:
                field = _field(fname, label, "radio", value, messages, help=spec.help,
                               options=options + [("", _("Ikke oppgitt"))])
            else:
                field = _field(fname, label, "select", value, messages, help=spec.help,
                               options=[("", _("Ikke oppgitt"))] + options)
        elif spec.type == FactType.date:
            field = _field(fname, label, "date", value, messages, help=spec.help)
        elif spec.type == FactType.number:
            field = _field(fname, label, "number", value, messages, help=spec.help)
        else:
            field = _field(fname, label, "text", value, messages, help=spec.help)
        field["required"] = spec.required
        out.append(field)
    return out


def _computed_field(name: str, label: str, spec, value: Any, messages: Messages) -> dict:
    """A computed fact: shown with its value, never an input (nobody types it)."""
    if value is None:
        shown = _("Kan ikke beregnes ennå: fyll inn {names}").format(
            names=", ".join(sorted(conditions.parse(spec.compute).names)))
    elif isinstance(value, bool):
        shown = _("Ja") if value else _("Nei")
    else:
        shown = widget_text(value)
    field = _field(name, label, "computed", shown, messages, help=spec.help)
    field["note"] = _("Beregnes av verktøyet fra {names} og gjennomgangsdatoen; fylles ikke inn.").format(
        names=", ".join(sorted(conditions.parse(spec.compute).names)))
    return field
def condition_words(checklist: Checklist, text: str) -> str:
    """A criterion's condition as the reviewer reads it: facts by their labels, operators in words.

    ``forbi_halvveis`` becomes «Er deltakeren forbi halvveis …?» er ja. A shape this does not
    know (arithmetic, a function) is shown as written, with each fact name replaced by its label.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _names_as_labels(checklist, text)
    return _words(checklist, text.strip(), tree)


def _label(checklist: Checklist, name: str) -> str:
    spec = checklist.facts.get(name)
    return "«{label}»".format(label=(spec.label if spec and spec.label else name))


def _names_as_labels(checklist: Checklist, text: str) -> str:
    return re.sub(r"[A-Za-z_\u00c0-\u024f][\w\u00c0-\u024f]*",
                  lambda m: _label(checklist, m.group(0)) if m.group(0) in checklist.facts else m.group(0), text)


def _constant(node: ast.AST) -> str | None:
    """A constant (or a list of them) in words, or None when the node is something else."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return _("ja") if node.value else _("nei")
        return str(node.value)
    if isinstance(node, ast.Name) and node.id in ("true", "True", "false", "False"):
        return _("ja") if node.id in ("true", "True") else _("nei")
    if isinstance(node, (ast.List, ast.Tuple)):
        parts = [_constant(e) for e in node.elts]
        if any(p is None for p in parts) or not parts:
            return None
        words = [p for p in parts if p is not None]
        return words[0] if len(words) == 1 else _("{first} eller {second}").format(
            first=", ".join(words[:-1]), second=words[-1])
    return None


def _words(checklist: Checklist, text: str, node: ast.AST) -> str:
    if isinstance(node, ast.Name) and node.id in checklist.facts:
        return _("{fact} er {value}").format(fact=_label(checklist, node.id), value=_("ja"))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = node.operand
        if isinstance(inner, ast.Name) and inner.id in checklist.facts:
            return _("{fact} er {value}").format(fact=_label(checklist, inner.id), value=_("nei"))
        return _("ikke ({condition})").format(condition=_words(checklist, text, inner))
    if isinstance(node, ast.BoolOp):
        parts = []
        for v in node.values:
            part = _words(checklist, text, v)
            parts.append(f"({part})" if isinstance(v, ast.BoolOp) else part)
        joiner = _("{first} og {second}") if isinstance(node.op, ast.And) else _("{first} eller {second}")
        out = parts[0]
        for part in parts[1:]:
            out = joiner.format(first=out, second=part)
        return out
    if (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Name)
            and node.left.id in checklist.facts):
        value = _constant(node.comparators[0])
        if value is not None:
            spec = checklist.facts[node.left.id]
            phrase = _compare_phrase(type(node.ops[0]), spec.type == FactType.date)
            if phrase:
                return phrase.format(fact=_label(checklist, node.left.id), value=value)
    segment = ast.get_source_segment(text, node) or text
    return _names_as_labels(checklist, segment)


def _compare_phrase(op: type, is_date: bool) -> str:
    if op in (ast.Eq, ast.In):
        return _("{fact} er {value}")
    if op in (ast.NotEq, ast.NotIn):
        return _("{fact} er ikke {value}")
    if is_date:
        return {ast.Lt: _("{fact} er før {value}"), ast.LtE: _("{fact} er {value} eller tidligere"),
                ast.Gt: _("{fact} er etter {value}"), ast.GtE: _("{fact} er {value} eller senere")}.get(op, "")
    return {ast.Lt: _("{fact} er under {value}"), ast.LtE: _("{fact} er høyst {value}"),
            ast.Gt: _("{fact} er over {value}"), ast.GtE: _("{fact} er minst {value}")}.get(op, "")


def answer_keys(checklist: Checklist) -> dict[str, str]:
    """One letter per scale value for answering from the keyboard (j, d, n, i), by value.

    Each value gets the first letter of its value that no earlier value took; a value with
    none left gets no key.
    """
    keys: dict[str, str] = {}
    for v in checklist.scale:
        for ch in v.value.lower():
            if ch.isalpha() and ch not in keys.values():
                keys[v.value] = ch
                break
    return keys


def criterion_view(checklist: Checklist, crit, values: FormValues, messages: Messages, na: set[str]) -> dict:
    """One criterion: question, guidance, legal basis, and its answer fields."""
    cid = crit.id
    answer_name = f"answer.{cid}"
    value = values.answers.get(cid, "")
    na_id = f"na-{cid}"
    if crit.answer == AnswerType.scale:
        options = [(v.value, v.label or v.value) for v in checklist.scale] + [("", _("Ikke besvart"))]
        answer = _field(answer_name, _("Svar"), "radio", value, messages, options=options)
        keys = answer_keys(checklist)
        for o in answer["options"]:
            o["key"] = keys.get(o["value"], "")
    elif crit.answer == AnswerType.choice:
        answer = _field(answer_name, _("Svar"), "select", value, messages,
                        options=[("", _("Ikke besvart"))] + [(o, o) for o in crit.options])
    elif crit.answer == AnswerType.number:
        label = _("Svar") + (f" ({crit.unit})" if crit.unit else "")
        answer = _field(answer_name, label, "number", value, messages)
    elif crit.answer == AnswerType.date:
        answer = _field(answer_name, _("Svar"), "date", value, messages)
    else:
        answer = _field(answer_name, _("Svar"), "textarea", value, messages)
    if crit.applies_when:
        answer["describedby"] = _describe(answer_name, na_id)
    view = {
        "id": cid,
        "question": crit.question,
        "guidance_html": _markdown(checklist, f"g:{cid}", crit.guidance) if crit.guidance.strip() else "",
        "legal_basis": list(crit.legal_basis),
        "severity": crit.severity.value if crit.severity else "",
        "scored": crit.scored,
        "condition": condition_words(checklist, crit.applies_when) if crit.applies_when else "",
        "answered": bool(str(value).strip()),
        "applies": cid not in na,
        "na_id": na_id,
        "answer": answer,
        "comment": None,
        "sources": None,
    }
    if crit.scored:
        view["comment"] = _field(f"comment.{cid}", _("Kommentar"), "textarea", values.comments.get(cid, ""),
                                 messages)
        chosen = values.sources.get(cid, [])
        view["sources"] = {
            "name": f"sources.{cid}",
            "label": _("Hvor dokumentasjonen ble funnet"),
            "options": [{"value": s, "label": s, "id": field_id(f"sources.{cid}", i), "checked": s in chosen}
                        for i, s in enumerate(SOURCES)],
            "extra": [s for s in chosen if s not in SOURCES],
            "errors": messages.errors.get(f"sources.{cid}", []),
            "describedby": f"e-sources.{cid}",
        }
    return view


def review_view(target: ReviewTarget, values: FormValues, messages: Messages) -> dict:
    """Everything the review form shows, in checklist order, facts first."""
    checklist = target.checklist
    na = set(not_applicable(values, checklist))
    header = header_fields(target, values, messages)
    facts = fact_fields(target, values, messages)
    themes = []
    for theme in checklist.themes:
        themes.append({
            "id": theme.id,
            "title": theme.title,
            "description_html": _markdown(checklist, f"t:{theme.id}", theme.description) if theme.description.strip() else "",
            "criteria": [criterion_view(checklist, c, values, messages, na) for c in theme.criteria],
        })
    for t in themes:
        applicable = [c for c in t["criteria"] if c["applies"]]
        t["total"] = len(applicable)
        t["answered"] = sum(1 for c in applicable if c["answered"])
    keys = answer_keys(checklist)
    labels = {v.value: v.label or v.value for v in checklist.scale}
    summary = []
    for f in header + facts:
        for e in f["errors"]:
            summary.append({"href": "#" + f["id"], "label": f["label"], "message": e})
    for theme in themes:
        for c in theme["criteria"]:
            for part in (c["answer"], c["comment"], c["sources"]):
                if part:
                    anchor = part["options"][0]["id"] if part.get("options") else part.get("id", "")
                    for e in part["errors"]:
                        summary.append({"href": "#" + anchor, "label": f"{c['id']} {c['question']}", "message": e})
    return {
        "kind": target.kind,
        "checklist": {"title": checklist.title, "ref": checklist.ref},
        "header": header,
        "facts": facts,
        "themes": themes,
        "not_applicable": sorted(na),
        "general_errors": messages.general_errors,
        "general_warnings": messages.general_warnings,
        "error_summary": summary,
        "selections": SELECTIONS,
        "answered": sum(t["answered"] for t in themes),
        "applicable": sum(t["total"] for t in themes),
        "answer_keys": [{"key": k, "label": labels[v]} for v, k in keys.items()],
    }


def form_view(target: ReviewTarget, values: FormValues, messages: Messages) -> dict:
    """What a form page shows: the review form, and for a follow-up form its findings."""
    if target.findings is not None:
        return followup_form_view(target, values, messages)
    return review_view(target, values, messages)


def followup_form_view(target: ReviewTarget, values: FormValues, messages: Messages) -> dict:
    """The review form's view with a fieldset per finding, current findings first, then carried ones."""
    form = review_view(target, values, messages)
    findings = target.findings if target.findings is not None else []
    groups: dict[bool, list[dict]] = {False: [], True: []}
    for f in findings:
        view = finding_view(f, values.findings.get(f.id, {}), messages)
        groups[f.carried].append(view)
        for part in ("status", "action", "evidence", "date"):
            fv = view[part]
            anchor = fv["options"][0]["id"] if fv.get("options") else fv["id"]
            for e in fv["errors"]:
                form["error_summary"].append({"href": "#" + anchor, "label": f"{f.criterion} {f.question}",
                                              "message": e})
    form["finding_groups"] = [
        {"id": "current", "title": _("Funn fra denne runden"), "findings": groups[False]},
        {"id": "carried", "title": _("Funn fra forrige runde"), "findings": groups[True]},
    ]
    form["finding_count"] = len(findings)
    form["round_errors"] = target.findings.round_errors if target.findings is not None else 0
    return form


def finding_view(f, v: dict[str, str], messages: Messages) -> dict:
    """One finding's fieldset: what was found, and its status, action, evidence and date fields."""
    options = [("lukket", _("Lukket")), ("delvis", _("Delvis lukket")), ("åpen", _("Åpen")),
               ("", _("Ikke fulgt opp"))]
    return {
        "id": f.id,
        "criterion": f.criterion,
        "question": f.question,
        "legal_basis": list(f.legal_basis),
        "kind": f.kind,
        "kind_label": _("Avvik") if f.kind == "avvik" else _("Merknad"),
        "carried": f.carried,
        "carried_status": f.carried_status,
        "found_again": f.found_again,
        "status": _field(finding_field(f.id, "status"), _("Status"), "radio", v.get("status", ""), messages,
                         options=options),
        "action": _field(finding_field(f.id, "action"), _("Hva kontoret har gjort"), "textarea",
                         v.get("action", ""), messages, help=_("Markdown. Skriv aldri navn eller fødselsnummer.")),
        "evidence": _field(finding_field(f.id, "evidence"), _("Dokumentasjon dere så"), "textarea",
                           v.get("evidence", ""), messages,
                           help=_("For eksempel ny rutine, referat fra fagmøte, stikkprøve av saker.")),
        "date": _field(finding_field(f.id, "date"), _("Dato for oppfølgingen"), "date", v.get("date", ""),
                       messages),
    }
