"""Plain-text and JSON views of scores for the terminal (no heavy imports)."""

from __future__ import annotations

import unicodedata

from .i18n import _, ngettext
from .present import format_count
from .scoring import RoundScore, Tally


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(c) else 1 for c in text)


def table(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """A plain aligned text table; columns in ``right`` are right-aligned."""
    right = right or set()
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        cells = []
        for i, cell in enumerate(row):
            pad = widths[i] - _width(str(cell))
            cells.append((" " * pad + str(cell)) if i in right else (str(cell) + " " * pad))
        return "  ".join(cells).rstrip()

    line = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(headers), line, *(fmt(r) for r in rows)])


def score_table(data, scores: RoundScore, office_id: str | None = None) -> str:
    """The round's scores as text: every office, or one office in detail."""
    rnd = data.round
    title = f"{rnd.name} – {rnd.county} – " + _("sjekkliste") + f" {data.case_checklist.ref}"
    out = [title, ""]
    if office_id is None:
        rows = []
        for office in rnd.offices:
            s = scores.offices[office.id]
            rows.append([
                office.name, str(len(s.cases)), format_count(s.total, "vurderinger"),
                str(len(s.findings_of("avvik"))), str(len(s.findings_of("merknad"))),
                str(len(s.findings_of("god praksis"))),
            ])
        n_cases = sum(len(s.cases) for s in scores.offices.values())
        rows.append([_("Hele runden"), str(n_cases), format_count(scores.total, "vurderinger"),
                     str(sum(len(s.findings_of("avvik")) for s in scores.offices.values())),
                     str(sum(len(s.findings_of("merknad")) for s in scores.offices.values())),
                     str(sum(len(s.findings_of("god praksis")) for s in scores.offices.values()))])
        out.append(table([_("Kontor"), _("Saker"), _("Oppfylt"), _("Avvik"), _("Merknader"), _("God praksis")],
                         rows, right={1, 3, 4, 5}))
        out.append("")
        out.append(_("Tema (hele runden)"))
        out.append(table([_("Tema"), _("Oppfylt")],
                         [[t.title, format_count(scores.by_theme[t.id], "vurderinger")]
                          for t in data.case_checklist.themes if t.id in scores.by_theme]))
        return "\n".join(out) + "\n"

    office = rnd.office(office_id)
    s = scores.offices[office_id]
    out[0] = f"{office.name} – {title}"
    out.append(_("Saker vurdert: {n}").format(n=len(s.cases)))
    out.append("")
    out.append(table([_("Tema"), _("Kontoret"), _("Hele runden")],
                     [[t.title, format_count(s.by_theme[t.id], "vurderinger"),
                       format_count(scores.by_theme[t.id], "vurderinger")]
                      for t in data.case_checklist.themes if t.id in s.by_theme]))
    out.append("")
    rows = []
    for crit in data.case_checklist.criteria():
        if not crit.scored:
            continue
        t: Tally = s.by_criterion[crit.id]
        rows.append([crit.id, _short(crit.question), format_count(t, "saker"),
                     str(t.not_applicable), str(t.unanswered)])
    out.append(table([_("Kriterium"), _("Spørsmål"), _("Oppfylt"), _("Ikke aktuelt"), _("Ubesvart")], rows,
                     right={3, 4}))
    criteria = dict(data.case_checklist.criterion_map())
    if data.office_checklist:
        criteria.update(data.office_checklist.criterion_map())
    for kind, label in (("avvik", _("Avvik")), ("merknad", _("Merknader")), ("god praksis", _("God praksis"))):
        found = s.findings_of(kind)
        out.append("")
        out.append(f"{label} ({len(found)})")
        for f in found:
            crit = criteria[f.criterion]
            where = (" – " + ngettext("sak", "saker", len(f.cases)) + ": " + ", ".join(f.cases)) if f.cases else ""
            basis = f" [{'; '.join(crit.legal_basis)}]" if crit.legal_basis and kind == "avvik" else ""
            out.append(f"  {f.criterion}: {_short(crit.question, 70)}{basis} ({format_count(f.tally)}){where}")
    return "\n".join(out) + "\n"


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def score_json(data, scores: RoundScore, office_id: str | None = None) -> dict:
    """The round's scores as a plain dict for ``--format json``."""
    rnd = data.round

    def office_dict(office) -> dict:
        s = scores.offices[office.id]
        return {
            "id": office.id,
            "name": office.name,
            "cases": sorted(s.cases),
            "total": s.total.as_dict(),
            "themes": {tid: t.as_dict() for tid, t in s.by_theme.items()},
            "criteria": {cid: t.as_dict() for cid, t in s.by_criterion.items()},
            "office_review": {cid: t.as_dict() for cid, t in s.office_by_criterion.items()},
            "case_outcomes": {
                key: {cid: r.outcome.value for cid, r in outcomes.items()} for key, outcomes in sorted(s.cases.items())
            },
            "findings": [
                {"id": f.id, "kind": f.kind, "criterion": f.criterion, "theme": f.theme,
                 "cases": f.cases, "tally": f.tally.as_dict()}
                for f in s.findings
            ],
        }

    offices = [o for o in rnd.offices if office_id is None or o.id == office_id]
    result = {
        "round": {"id": rnd.id, "name": rnd.name, "county": rnd.county},
        "checklist": data.case_checklist.ref,
        "offices": [office_dict(o) for o in offices],
    }
    if office_id is None:
        result["total"] = scores.total.as_dict()
        result["themes"] = {tid: t.as_dict() for tid, t in scores.by_theme.items()}
        result["criteria"] = {cid: t.as_dict() for cid, t in scores.by_criterion.items()}
    return result
