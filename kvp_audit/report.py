"""Reports: the per-office report and the county summary, in HTML, PDF and Markdown.

The flow is: a render context (plain data, built by pure functions from a loaded round
and its scores) -> Jinja templates -> files written atomically. Each report's context,
templates and the tool's version are hashed; a report whose hash is unchanged since the
last run is skipped, so a re-run rewrites only what really changed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import TemplateError, UsageError, display_path
from .i18n import _, current_language, set_language, translations
from .models import Outcome, Severity
from .scoring import OFFICE_CASE_KEY, RoundScore, Tally, format_count, format_percent, score_round
from .yamlio import atomic_write

FORMATS = ("html", "pdf", "md")
MANIFEST = ".kvp-audit-rapporter.json"
OUTCOME_SYMBOL = {
    Outcome.oppfylt: "ja",
    Outcome.delvis: "delvis",
    Outcome.ikke_oppfylt: "nei",
    Outcome.ikke_aktuelt: "i.a.",
    Outcome.ubesvart: "–",
}
CLOSURE_OUTCOMES = ["arbeid", "utdanning", "statlige tiltak", "AAP", "uføretrygd", "sosialhjelp", "annet"]


def template_dir() -> Path:
    """The packaged templates (installed: kvp_audit/templates; checkout: templates/)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "office.html.j2").is_file():
            return candidate
    return here / "templates"


# --------------------------------------------------------------------------- text helpers


_markdown = None


@functools.lru_cache(maxsize=8192)
def markdown_html(text: str) -> str:
    """Render a reviewer's Markdown comment to safe HTML: no script, no images, no remote content.

    One Markdown converter is reused (building one costs more than converting a comment), and
    results are cached: a criterion's recommendation recurs in many offices' reports.
    """
    global _markdown
    import nh3

    if not text or not text.strip():
        return ""
    if _markdown is None:
        import markdown

        _markdown = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    html = _markdown.reset().convert(text)
    return nh3.clean(
        html,
        tags={"p", "em", "strong", "ul", "ol", "li", "code", "br", "blockquote", "a"},
        attributes={"a": {"href"}},
        url_schemes={"https", "mailto"},
        link_rel="noopener noreferrer",
    )


_MD_INLINE = (
    (re.compile(r"<(strong|b)>(.*?)</\1>", re.S), r"**\2**"),
    (re.compile(r"<(em|i)>(.*?)</\1>", re.S), r"*\2*"),
    (re.compile(r"<code>(.*?)</code>", re.S), r"`\1`"),
    (re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.S), r"[\2](\1)"),
    (re.compile(r"<li>"), "– "),
    (re.compile(r"<[^>]+>"), " "),
)


@functools.lru_cache(maxsize=8192)
def markdown_text(text: str) -> str:
    """A reviewer's Markdown comment for the Markdown report: one line, sanitised the same way
    as the HTML report (no raw HTML, no images, only https and mailto links)."""
    import html as _html

    out = markdown_html(text)
    for pattern, repl in _MD_INLINE:
        out = pattern.sub(repl, out)
    out = _html.unescape(out).replace("<", "&lt;").replace(">", "&gt;")  # never raw HTML
    return " ".join(out.split())


def format_date(value: dt.date | None, lang: str) -> str:
    """'12. mars 2026' in the report's language."""
    if value is None:
        return ""
    from babel.dates import format_date as babel_date

    return babel_date(value, format="long", locale={"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}[lang])


def format_number(value: float | int, lang: str) -> str:
    """'3,5' in Norwegian, '3.5' in English."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale={"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}[lang])


def _count_short(tally: Tally) -> str:
    """'2 av 3': the count for a narrow table cell (the column header names the unit)."""
    return _("{met} av {n}").format(met=tally.met, n=tally.counted) if tally.counted else "–"


def tally_view(tally: Tally | None, unit: str = "saker") -> dict:
    """A tally as the templates show it: text with counts, and a score only from 5 cases."""
    if tally is None:
        return {"text": _("ikke med"), "short": "–", "score": None, "percent": None, "counted": 0}
    score = tally.score
    short = _("ingen vurdert") if not tally.counted else (
        format_percent(score) if (score is not None and tally.show_percent) else f"{tally.met}/{tally.counted}")
    return {
        "text": format_count(tally, unit),
        "short": short,
        "score": None if score is None else round(score, 4),
        "percent": format_percent(score) if (score is not None and tally.show_percent) else None,
        "counted": tally.counted,
        "met": tally.met,
    }


# --------------------------------------------------------------------------- contexts


@dataclass
class RoundBundle:
    """A loaded round with its scores, and its previous round when there is one."""

    data: Any
    scores: RoundScore
    previous: RoundBundle | None = None


def load_bundle(path: Path, with_previous: bool = True) -> RoundBundle:
    """Load, validate and score a round (and the previous round named in runde.yaml)."""
    from .errors import InputError
    from .load import load_round

    data = load_round(path)
    if data.errors:
        raise InputError(
            _("runden har {n} feil; rett dem (se 'kvp-audit validate') før rapportene lages").format(n=len(data.errors)),
            data.errors,
        )
    bundle = RoundBundle(data, score_round(data))
    if with_previous and data.round.previous:
        prev_path = (data.path / data.round.previous).resolve()
        if (prev_path / "runde.yaml").is_file():
            try:
                bundle.previous = load_bundle(prev_path, with_previous=False)
            except InputError:
                bundle.previous = None  # a broken previous round only loses the comparison
    return bundle


def _reviewers(data, office_id: str) -> list[str]:
    names: set[str] = set()
    for case in data.cases.get(office_id, []):
        names.update(case.reviewers)
    review = data.office_reviews.get(office_id)
    if review is not None:
        names.update(review.reviewers)
    return sorted(names)


def _visit_dates(data, office_id: str) -> list[dt.date]:
    review = data.office_reviews.get(office_id)
    if review is not None:
        return sorted(review.visit_dates)
    return sorted({c.date for c in data.cases.get(office_id, [])})


def _comments(data, office_id: str, criterion_id: str, in_office_review: bool) -> list[dict]:
    out = []
    if in_office_review:
        review = data.office_reviews.get(office_id)
        answer = review.answers.get(criterion_id) if review else None
        if answer is not None and answer.comment:
            out.append({"case": _("kontoret"), "html": markdown_html(answer.comment), "text": markdown_text(answer.comment)})
        return out
    for case in sorted(data.cases.get(office_id, []), key=lambda c: c.case):
        answer = case.answers.get(criterion_id)
        if answer is not None and answer.comment:
            out.append({"case": case.case, "html": markdown_html(answer.comment), "text": markdown_text(answer.comment)})
    return out


def _finding_view(finding, crit, data, office_id: str, in_office: bool) -> dict:
    cases = [c for c in finding.cases if c != OFFICE_CASE_KEY]
    return {
        "id": finding.id,
        "kind": finding.kind,
        "criterion": crit.id,
        "question": crit.question,
        "legal_basis": list(crit.legal_basis),
        "cases": cases,
        "office_level": in_office,
        "count": format_count(finding.tally, "saker") if not in_office else "",
        "recommendation_html": markdown_html(crit.recommendation),
        "recommendation_text": markdown_text(crit.recommendation),
        "has_recommendation": bool(crit.recommendation.strip()),
        "comments": _comments(data, office_id, crit.id, in_office),
    }


def source_lang_attr(checklist, lang: str):
    """' lang="nb"' for elements holding the checklist's own text when the report is in
    another language (WCAG 3.1.2, language of parts); empty when they are the same."""
    from markupsafe import Markup, escape

    text_lang = (checklist.language or "nb").strip()
    return Markup("") if text_lang == lang else Markup(f' lang="{escape(text_lang)}"')


def office_context(bundle: RoundBundle, office_id: str, lang: str) -> dict:
    """Everything the office report shows, as plain data."""
    data, scores = bundle.data, bundle.scores
    rnd = data.round
    office = rnd.office(office_id)
    s = scores.offices[office_id]
    checklist = data.case_checklist
    prev_scores = None
    if bundle.previous is not None and office_id in bundle.previous.scores.offices:
        prev_scores = bundle.previous.scores.offices[office_id]

    themes = []
    for theme in checklist.themes:
        if theme.id not in s.by_theme:
            continue
        prev_tally = prev_scores.by_theme.get(theme.id) if prev_scores else None
        themes.append({
            "id": theme.id,
            "title": theme.title,
            "office": tally_view(s.by_theme[theme.id], "vurderinger"),
            "county": tally_view(scores.by_theme[theme.id], "vurderinger"),
            "previous": tally_view(prev_tally, "vurderinger") if prev_scores else None,
        })

    case_crit = checklist.criterion_map()
    office_crit = data.office_checklist.criterion_map() if data.office_checklist else {}
    findings: dict[str, list] = {"avvik": [], "merknad": [], "god praksis": []}
    for f in s.findings:
        in_office = f.criterion in office_crit and f.criterion not in case_crit
        crit = office_crit[f.criterion] if in_office else case_crit[f.criterion]
        findings[f.kind].append(_finding_view(f, crit, data, office_id, in_office))

    cases = sorted(data.cases.get(office_id, []), key=lambda c: c.case)
    matrix = []
    for theme in checklist.themes:
        rows = []
        for crit in theme.criteria:
            if not crit.scored:
                continue
            cells = []
            for case in cases:
                result = s.cases[case.case][crit.id]
                cells.append({"outcome": result.outcome.value, "symbol": OUTCOME_SYMBOL[result.outcome],
                              "css": result.outcome.name})
            rows.append({"id": crit.id, "question": crit.question, "cells": cells,
                         "count": _count_short(s.by_criterion[crit.id])})
        if rows:
            matrix.append({"title": theme.title, "rows": rows})

    office_review = None
    review = data.office_reviews.get(office_id)
    if review is not None and data.office_checklist is not None:
        sections = []
        figures = []
        results = s.office_review or {}
        for theme in data.office_checklist.themes:
            items = []
            for crit in theme.criteria:
                answer = review.answers.get(crit.id)
                if not crit.scored:
                    value = getattr(answer, "answer", None)
                    figures.append({"id": crit.id, "label": crit.question,
                                    "value": "" if value is None else format_number(value, lang)
                                    if isinstance(value, (int, float)) else str(value),
                                    "raw": value, "unit": crit.unit})
                    continue
                result = results.get(crit.id)
                items.append({"id": crit.id, "question": crit.question,
                              "outcome": result.outcome.value if result else Outcome.ubesvart.value,
                              "symbol": OUTCOME_SYMBOL[result.outcome] if result else "–",
                              "comment_html": markdown_html(answer.comment) if answer else "",
                              "comment_text": markdown_text(answer.comment) if answer else ""})
            if items:
                sections.append({"title": theme.title, "rows": items})
        raw = {f["id"]: f["raw"] for f in figures}
        target, current = raw.get("TALL-MAALTALL"), raw.get("TALL-PRDATO")
        against = None
        if isinstance(target, (int, float)) and isinstance(current, (int, float)) and target:
            against = _("{current} deltakere per dato mot måltall {target}").format(
                current=format_number(current, lang), target=format_number(target, lang))
        office_review = {"sections": sections, "figures": figures, "against_target": against,
                         "met": list(review.met), "note_html": markdown_html(review.note)}

    from .followup import followup_items

    carried = []
    status_of = {}
    for item in followup_items(data, scores, office_id):
        if not item.carried:
            if item.status != "ikke fulgt opp":
                status_of[item.id] = {"status": _status_label(item.status),
                                      "action_html": markdown_html(item.action), "action_text": markdown_text(item.action)}
            continue
        now = {True: _("funnet igjen"), False: _("ikke funnet igjen"), None: _("ikke vurdert i denne runden")}
        carried.append({"id": item.id, "kind": item.kind, "criterion": item.criterion, "question": item.question,
                        "status": _status_label(item.status), "now": now[item.found_again],
                        "now_criteria": list(item.now),
                        "action_html": markdown_html(item.action), "action_text": markdown_text(item.action)})
    for kind in ("avvik", "merknad"):
        for view in findings[kind]:
            view["followup"] = status_of.get(view["id"])

    visit = _visit_dates(data, office_id)
    return {
        "kind": "office",
        "lang": lang,
        "src_lang": source_lang_attr(checklist, lang),
        "tool_version": __version__,
        "round": {"id": rnd.id, "name": rnd.name, "county": rnd.county,
                  "start": format_date(rnd.period.start, lang), "end": format_date(rnd.period.end, lang)},
        "office": {"id": office.id, "name": office.name},
        "visit_dates": [format_date(d, lang) for d in visit],
        "report_date": format_date(visit[-1] if visit else rnd.period.end, lang),
        "reviewers": _reviewers(data, office_id),
        "n_cases": len(cases),
        "case_keys": [c.case for c in cases],
        "checklist": {"id": checklist.id, "title": checklist.title, "version": checklist.version},
        "previous_round": bundle.previous.data.round.name if prev_scores else None,
        "total": tally_view(s.total, "vurderinger"),
        "themes": themes,
        "chart": theme_chart(themes, lang),
        "findings": findings,
        "matrix": matrix,
        "office_review": office_review,
        "carried": carried,
    }


def _status_label(status: str) -> str:
    return {"lukket": _("lukket"), "delvis": _("delvis"), "åpen": _("åpen"),
            "ikke fulgt opp": _("ikke fulgt opp")}[status]


def closure_outcomes(data) -> dict:
    """How many closed or stopped programmes ended in each outcome (arbeid, utdanning, ...)."""
    counts = {o: 0 for o in CLOSURE_OUTCOMES}
    unknown = 0
    for cases in data.cases.values():
        for case in cases:
            if case.facts.get("status") not in ("avsluttet", "avbrutt"):
                continue
            outcome = case.facts.get("utfall")
            if outcome in counts:
                counts[outcome] += 1
            else:
                unknown += 1
    total = sum(counts.values())
    rows = [{"outcome": o, "count": n, "percent": format_percent(n / total) if total >= 5 else None}
            for o, n in counts.items()]
    return {"rows": rows, "total": total, "unknown": unknown}


def summary_context(bundle: RoundBundle, lang: str) -> dict:
    """Everything the county summary shows, as plain data."""
    data, scores = bundle.data, bundle.scores
    rnd = data.round
    checklist = data.case_checklist
    themes = [t for t in checklist.themes if t.id in scores.by_theme]
    theme_of = {c.id: t.id for t in checklist.themes for c in t.criteria}
    rows = []
    for office in rnd.offices:
        s = scores.offices[office.id]
        rows.append({
            "id": office.id, "name": office.name, "n_cases": len(s.cases),
            "cells": [tally_view(s.by_theme.get(t.id), "vurderinger") for t in themes],
            "total": tally_view(s.total, "vurderinger"),
            "avvik": len(s.findings_of("avvik")), "merknad": len(s.findings_of("merknad")),
            "god_praksis": len(s.findings_of("god praksis")),
        })
    crit_map = checklist.criterion_map()
    failing = []
    for cid, offices in sorted(scores.offices_with_avvik.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if cid not in crit_map:
            continue
        crit = crit_map[cid]
        failing.append({"id": cid, "question": crit.question, "legal_basis": list(crit.legal_basis),
                        "theme": next(t.title for t in checklist.themes if t.id == theme_of[cid]),
                        "offices": len(offices), "of": len(rnd.offices),
                        "names": [rnd.office(o).name for o in offices]})
    theme_fail = []
    for t in themes:
        offices_with = {o for cid, offs in scores.offices_with_avvik.items() if theme_of.get(cid) == t.id for o in offs}
        theme_fail.append({"title": t.title, "offices": len(offices_with), "of": len(rnd.offices),
                           "county": tally_view(scores.by_theme[t.id], "vurderinger")})
    theme_views = [{"id": t.id, "title": t.title, "office": tally_view(scores.by_theme[t.id], "vurderinger"),
                    "county": None, "previous": None} for t in themes]
    if bundle.previous is not None:
        for view in theme_views:
            prev = bundle.previous.scores.by_theme.get(view["id"])
            view["previous"] = tally_view(prev, "vurderinger") if prev else None
    n_cases = sum(len(s.cases) for s in scores.offices.values())
    return {
        "kind": "summary",
        "lang": lang,
        "src_lang": source_lang_attr(checklist, lang),
        "tool_version": __version__,
        "round": {"id": rnd.id, "name": rnd.name, "county": rnd.county,
                  "start": format_date(rnd.period.start, lang), "end": format_date(rnd.period.end, lang)},
        "report_date": format_date(rnd.period.end, lang),
        "checklist": {"id": checklist.id, "title": checklist.title, "version": checklist.version},
        "n_offices": len(rnd.offices),
        "n_cases": n_cases,
        "themes": [{"id": t.id, "title": t.title} for t in themes],
        "rows": rows,
        "total": tally_view(scores.total, "vurderinger"),
        "failing": failing,
        "theme_fail": theme_fail,
        "theme_views": theme_views,
        "chart": theme_chart(theme_views, lang, county_label=False),
        "previous_round": bundle.previous.data.round.name if bundle.previous else None,
        "closure": closure_outcomes(data),
        "trend": trend_view(bundle, themes, lang),
        "office_reviews": office_review_matrix(data, scores),
        "figures": office_figures(data, lang),
    }


def office_review_matrix(data, scores) -> list[dict]:
    """The office reviews side by side: per theme, each office's answer to each question."""
    checklist = data.office_checklist
    if checklist is None or not data.office_reviews:
        return []
    offices = [o for o in data.round.offices if o.id in data.office_reviews]
    out = []
    for theme in checklist.themes:
        criteria = [c for c in theme.criteria if c.scored]
        if not criteria:
            continue
        rows = []
        for office in offices:
            results = scores.offices[office.id].office_review or {}
            cells = []
            for crit in criteria:
                result = results.get(crit.id)
                outcome = result.outcome if result is not None else Outcome.ubesvart
                cells.append({"symbol": OUTCOME_SYMBOL[outcome], "css": outcome.name})
            rows.append({"name": office.name, "cells": cells})
        out.append({"title": theme.title, "criteria": [{"id": c.id, "question": c.question} for c in criteria],
                    "rows": rows})
    return out


def office_figures(data, lang: str) -> dict | None:
    """The offices' figures (måltall, deltakere, avsluttet, avslag, søknader) with the county's sum."""
    checklist = data.office_checklist
    if checklist is None or not data.office_reviews:
        return None
    columns = [c for c in checklist.criteria() if c.answer.value == "number"]
    if not columns:
        return None
    rows = []
    sums = [0.0] * len(columns)
    for office in data.round.offices:
        review = data.office_reviews.get(office.id)
        if review is None:
            continue
        cells = []
        for i, crit in enumerate(columns):
            answer = review.answers.get(crit.id)
            value = getattr(answer, "answer", None)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sums[i] += value
                cells.append(format_number(value, lang))
            else:
                cells.append("–")
        rows.append({"name": office.name, "cells": cells})
    return {"columns": [{"id": c.id, "label": c.question, "unit": c.unit} for c in columns], "rows": rows,
            "total": [format_number(int(v) if float(v).is_integer() else v, lang) for v in sums]}


def history(bundle: RoundBundle, limit: int = 5) -> list[tuple[str, RoundScore]]:
    """The round and the rounds before it (by ``previous``), oldest first: (name, scores).

    The chain stops at the first earlier round that is missing or has errors."""
    from .errors import InputError
    from .load import load_round

    out = [(bundle.data.round.name, bundle.scores)]
    if bundle.previous is not None:
        out.append((bundle.previous.data.round.name, bundle.previous.scores))
        for path in _round_chain(bundle.data.path, limit)[2:]:
            try:
                data = load_round(path)
            except InputError:
                break
            if data.errors:
                break
            out.append((data.round.name, score_round(data)))
    return list(reversed(out))


def trend_view(bundle: RoundBundle, themes, lang: str) -> dict | None:
    """The county's themes across three or more rounds, as a table and a chart; None with fewer."""
    rounds = history(bundle)
    if len(rounds) < 3:
        return None
    rows = []
    for t in themes:
        cells = [tally_view(scores.by_theme.get(t.id), "vurderinger") for _name, scores in rounds]
        rows.append({"id": t.id, "title": t.title, "cells": cells})
    names = [name for name, _scores in rounds]
    return {"rounds": names, "rows": rows, "chart": trend_chart(rows, names)}


# --------------------------------------------------------------------------- charts


def theme_chart(themes: list[dict], lang: str, county_label: bool = True) -> dict:
    """An inline SVG bar chart of the themes, with its text alternative."""
    from markupsafe import Markup, escape

    bar_h, gap, label_w, width = 12, 10, 250, 700
    series = [("office", _("Kontoret") if county_label else _("Fylket"), "#1f4e79")]
    if county_label:
        series.append(("county", _("Fylket"), "#8a5a00"))
    if any(t.get("previous") for t in themes):
        series.append(("previous", _("Forrige runde"), "#5c5c5c"))
    group_h = len(series) * bar_h + gap
    height = 30 + len(themes) * group_h + 20
    title = _("Resultat per tema")
    desc = _("Stolpene viser vektet resultat per tema; tallene står i tabellen over.")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc" '
             f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
             f'<title id="chart-title">{escape(title)}</title>',
             ""]  # the description, with every figure, is filled in below
    x0 = label_w
    scale_w = width - label_w - 150  # room for the count beside the longest bar
    for i, (key, label, color) in enumerate(series):
        lx = x0 + i * 150
        parts.append(f'<rect x="{lx}" y="4" width="12" height="12" fill="{color}"/>'
                     f'<text x="{lx + 16}" y="14" font-size="12" fill="#1a1a1a">{escape(label)}</text>')
    y = 30
    alt_lines = []
    for theme in themes:
        parts.append(f'<text x="0" y="{y + bar_h}" font-size="12" fill="#1a1a1a">{escape(theme["title"])}</text>')
        alt = [theme["title"]]
        for i, (key, label, color) in enumerate(series):
            view = theme.get(key)
            by = y + i * bar_h
            if view and view.get("score") is not None:
                w = max(1, round(scale_w * view["score"]))
                parts.append(f'<rect x="{x0}" y="{by}" width="{w}" height="{bar_h - 2}" fill="{color}"/>')
                shown = view["percent"] or view["text"]
                parts.append(f'<text x="{x0 + w + 4}" y="{by + bar_h - 3}" font-size="10" fill="#1a1a1a">{escape(shown)}</text>')
                alt.append(f"{label}: {view['text']}")
            else:
                alt.append(label + ": " + _("ingen vurdert"))
        alt_lines.append("; ".join(alt))
        y += group_h
    parts.append("</svg>")
    parts[2] = f'<desc id="chart-desc">{escape(desc)} {escape(". ".join(alt_lines))}.</desc>'
    return {"svg": Markup("".join(parts)), "alt": alt_lines, "caption": desc}


TREND_COLORS = ["#5c5c5c", "#8a5a00", "#1f4e79", "#1e6b34", "#6b2a7a"]


def trend_chart(rows: list[dict], names: list[str]) -> dict:
    """An inline SVG chart of each theme's county result across rounds, with its description."""
    from markupsafe import Markup, escape

    bar_h, gap, label_w, width = 10, 10, 250, 700
    colors = TREND_COLORS[-len(names):] if len(names) <= len(TREND_COLORS) else TREND_COLORS * 2
    group_h = len(names) * bar_h + gap
    height = 30 + len(rows) * group_h + 10
    scale_w = width - label_w - 150
    title = _("Utvikling per tema")
    alt = []
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="trend-title trend-desc" '
             f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
             f'<title id="trend-title">{escape(title)}</title>', ""]
    lx = 0
    for i, name in enumerate(names):
        parts.append(f'<rect x="{lx}" y="4" width="12" height="12" fill="{colors[i]}"/>'
                     f'<text x="{lx + 16}" y="14" font-size="11" fill="#1a1a1a">{escape(name)}</text>')
        lx += 16 + 7 * len(name) + 20
    y = 30
    for row in rows:
        parts.append(f'<text x="0" y="{y + bar_h}" font-size="12" fill="#1a1a1a">{escape(row["title"])}</text>')
        line = [row["title"]]
        for i, cell in enumerate(row["cells"]):
            by = y + i * bar_h
            if cell.get("score") is not None:
                w = max(1, round(scale_w * cell["score"]))
                parts.append(f'<rect x="{label_w}" y="{by}" width="{w}" height="{bar_h - 2}" fill="{colors[i]}"/>')
                shown = cell["percent"] or cell["text"]
                parts.append(f'<text x="{label_w + w + 4}" y="{by + bar_h - 2}" font-size="9" '
                             f'fill="#1a1a1a">{escape(shown)}</text>')
            line.append(f"{names[i]}: {cell['text']}")
        alt.append("; ".join(line))
        y += group_h
    parts.append("</svg>")
    desc = _("Stolpene viser fylkets vektede resultat per tema i hver runde; tallene står i tabellen over.")
    parts[2] = f'<desc id="trend-desc">{escape(desc)} {escape(". ".join(alt))}.</desc>'
    return {"svg": Markup("".join(parts)), "caption": desc}


# --------------------------------------------------------------------------- rendering


def environment(user_templates: Path | None, lang: str):
    """A Jinja environment: the user's folder first, then the packaged templates.

    The packaged templates can also be reached as ``default/<name>``, so a user template
    can extend the default one and replace a single block.
    """
    import jinja2

    loaders = []
    if user_templates is not None:
        if not user_templates.is_dir():
            raise UsageError(_("fant ikke malmappen '{path}'").format(path=display_path(user_templates)))
        loaders.append(jinja2.FileSystemLoader(str(user_templates)))
    default = jinja2.FileSystemLoader(str(template_dir()))
    loaders.append(default)
    loader = jinja2.ChoiceLoader([*loaders, jinja2.PrefixLoader({"default": default})])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2", "j2"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["md_escape"] = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
    return env


def render(env, name: str, context: dict) -> str:
    """Render one template; a template error names the template file and line."""
    import jinja2

    try:
        template = env.get_template(name)
        return template.render(**context)
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise TemplateError(_("feil i malen {file}, linje {line}: {error}").format(
            file=display_path(where) if where else name, line=exc.lineno, error=exc.message)) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(_("malen {file} bruker en verdi som ikke finnes, linje {line}: {error}").format(
            file=name, line=_template_line(exc, name), error=exc.message)) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(_("fant ikke malen {name}").format(name=exc.name)) from None


def _template_line(exc: BaseException, name: str) -> str:
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2") or frame.filename == "<template>":
            return str(frame.lineno)
    return "?"


def _local_only_fetcher():
    """A WeasyPrint URL fetcher that refuses anything that is not a local file or data URL."""
    from weasyprint import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not (url.startswith("file:") or url.startswith("data:")):
                raise ValueError(f"kvp-audit henter ikke eksterne ressurser: {url}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=("file", "data"))


def write_pdf(html: str, target: Path, title: str, lang: str) -> None:
    """Render HTML to a tagged A4 PDF (PDF/UA) and write it atomically."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(template_dir()), url_fetcher=_local_only_fetcher())
    pdf = document.write_pdf(pdf_tags=True, pdf_variant="pdf/ua-1", custom_metadata=True)
    atomic_write(target, pdf)


# --------------------------------------------------------------------------- building


@dataclass
class Job:
    """One report to build: its kind, office, formats and target files."""

    name: str
    template: str
    context: dict
    targets: dict[str, Path]
    digest: str = ""

    @property
    def is_office(self) -> bool:
        return self.template == "office"


@dataclass
class BuildResult:
    """What a report run wrote and skipped."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def _digest(context: dict, templates: list[Path], fmt: str) -> str:
    h = hashlib.sha256()
    h.update(__version__.encode())
    h.update(fmt.encode())
    # repr is deterministic here (contexts are built in a fixed order from plain values) and
    # several times faster than json.dumps, which matters when a re-run skips every report
    h.update(repr(context).encode())
    for path in templates:
        h.update(str(path).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def _template_files(user_templates: Path | None) -> list[Path]:
    files = sorted(template_dir().glob("*.j2"))
    if user_templates is not None and user_templates.is_dir():
        files += sorted(user_templates.glob("*.j2"))
    return files


def plan_jobs(bundle: RoundBundle, out: Path, formats: list[str], lang: str, office: str | None) -> list[Job]:
    """The reports of a round: one per office (or just ``office``) and the county summary."""
    rnd = bundle.data.round
    suffix = "" if lang == "nb" else f".{lang}"
    jobs = []
    offices = [rnd.office(office)] if office else list(rnd.offices)
    for o in offices:
        ctx = office_context(bundle, o.id, lang)
        jobs.append(Job(o.id, "office", ctx, {f: out / f"{o.id}{suffix}.{f}" for f in formats}))
    if office is None:
        ctx = summary_context(bundle, lang)
        jobs.append(Job("oppsummering", "summary", ctx, {f: out / f"oppsummering{suffix}.{f}" for f in formats}))
    return jobs


def build_reports(
    round_dir: Path,
    out: Path | None = None,
    formats: list[str] | None = None,
    lang: str = "nb",
    office: str | None = None,
    user_templates: Path | None = None,
    progress: bool = False,
    workers: int | None = None,
    force: bool = False,
) -> BuildResult:
    """Build the reports of a round; unchanged reports are skipped. Returns what was written."""
    from .validation import check_office

    formats = formats or ["html", "md"]
    for fmt in formats:
        if fmt not in FORMATS:
            raise UsageError(_("ukjent format '{fmt}'; bruk html, pdf eller md").format(fmt=fmt))
    previous_lang = current_language()
    set_language(lang)
    try:
        inputs_key = f"{lang}|{','.join(formats)}|{office or ''}|{user_templates or ''}"
        inputs = _input_digest(round_dir, user_templates)
        quick = None if force else _unchanged(round_dir, out, formats, lang, office, inputs_key, inputs)
        if quick is not None:
            return quick
        bundle = load_bundle(round_dir)
        rnd = bundle.data.round
        check_office(rnd, office)
        out = out or Path("reports") / rnd.id
        env = environment(user_templates, lang)
        templates = _template_files(user_templates)
        jobs = plan_jobs(bundle, out, formats, lang, office)
        manifest_path = out / MANIFEST
        manifest = {}
        if manifest_path.is_file() and not force:
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                manifest = {}
        result = BuildResult()
        pdf_work = []
        todo = []
        for job in jobs:
            for fmt, target in job.targets.items():
                digest = _digest(job.context, templates, fmt)
                if manifest.get(target.name) == digest and target.is_file():
                    result.skipped.append(target)
                    continue
                todo.append((job, fmt, target, digest))
        bar = _progress(len(todo)) if progress and todo else None
        try:
            for job, fmt, target, digest in todo:
                if fmt == "md":
                    atomic_write(target, render(env, f"{job.template}.md.j2", job.context))
                elif fmt == "html":
                    atomic_write(target, render(env, f"{job.template}.html.j2", job.context))
                else:
                    html = render(env, f"{job.template}.html.j2", {**job.context, "for_pdf": True})
                    title = job.context["office"]["name"] if job.is_office else job.context["round"]["name"]
                    pdf_work.append((html, target, title, lang))
                    manifest[target.name] = digest
                    result.written.append(target)
                    continue
                manifest[target.name] = digest
                result.written.append(target)
                if bar:
                    bar.advance()
            if pdf_work:
                _write_pdfs(pdf_work, workers, bar)
        finally:
            if bar:
                bar.stop()
        known = manifest.setdefault(INPUTS, {})
        if result.written or known.get(inputs_key) != inputs:
            known[inputs_key] = inputs
            atomic_write(manifest_path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        return result
    finally:
        set_language(previous_lang)


INPUTS = "__inndata__"  # manifest key: digests of everything a run reads, per language/formats/office


def _round_chain(round_dir: Path, limit: int = 6) -> list[Path]:
    """The round folder and the folders of its previous rounds (``previous``), newest first."""
    from .load import load_round_file

    chain: list[Path] = []
    current: Path | None = round_dir
    while current is not None and len(chain) < limit and (current / "runde.yaml").is_file():
        current = current.resolve()
        if current in chain:
            break
        chain.append(current)
        rnd, _problems = load_round_file(current / "runde.yaml")
        current = (current / rnd.previous) if rnd is not None and rnd.previous else None
    return chain


def _input_digest(round_dir: Path, user_templates: Path | None) -> str:
    """A digest of every file a report run reads: the rounds (this one and the previous ones),
    the checklist folders, the templates, the catalogues and the tool's own code."""
    from .load import library_for

    h = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    folders = [*_round_chain(round_dir), *library_for(round_dir).folders, template_dir(), here]
    if user_templates is not None:
        folders.append(user_templates)
    for folder in folders:
        if not folder.is_dir():
            continue
        h.update(str(folder).encode())
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".yaml", ".yml", ".j2", ".py", ".mo") and path.is_file():
                h.update(str(path.relative_to(folder)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def _unchanged(round_dir: Path, out: Path | None, formats: list[str], lang: str, office: str | None,
               key: str, inputs: str) -> BuildResult | None:
    """When nothing the reports are made from has changed and every report is there, the
    reports (all skipped) without loading the round; otherwise None."""
    from .load import load_round_file

    rnd, problems = load_round_file(round_dir / "runde.yaml") if (round_dir / "runde.yaml").is_file() else (None, [])
    if rnd is None or (office is not None and rnd.office(office) is None):
        return None
    out = out or Path("reports") / rnd.id
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get(INPUTS, {}).get(key) != inputs:
        return None
    suffix = "" if lang == "nb" else f".{lang}"
    names = [office] if office else [*(o.id for o in rnd.offices), "oppsummering"]
    targets = [out / f"{name}{suffix}.{fmt}" for name in names for fmt in formats]
    if not all(t.is_file() for t in targets):
        return None
    return BuildResult(skipped=targets)


def _pdf_one(args):
    html, target, title, lang = args
    write_pdf(html, target, title, lang)
    return str(target)


def _write_pdfs(work, workers: int | None, bar) -> None:
    """Write PDFs, on every core when there are several."""
    workers = workers or min(len(work), os.cpu_count() or 1)
    if workers <= 1 or len(work) == 1:
        for item in work:
            _pdf_one(item)
            if bar:
                bar.advance()
        return
    import multiprocessing

    from weasyprint import HTML

    work = sorted(work, key=lambda item: -len(item[0]))  # longest first: the cores finish together
    # Load WeasyPrint, its fonts and the hyphenation dictionary once, before forking, so no
    # worker pays for them: lay out the start of the shortest report (its style sheet, headings,
    # bold text and a table) in this process.
    html, _target, _title, lang = work[-1]
    head = html.split("</h2>", 1)[0]
    HTML(string=head + "</h2><p><strong>Kvalifiseringsprogrammet</strong> <em>x</em></p>"
                "<table><tr><th>a</th><td>b</td></tr></table></main></body></html>",
         base_url=str(template_dir()), url_fetcher=_local_only_fetcher()).write_pdf(pdf_tags=True)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        for _done in pool.imap_unordered(_pdf_one, work):
            if bar:
                bar.advance()


class _progress:
    """A rich progress bar on stderr, shown only on a terminal."""

    def __init__(self, total: int):
        import sys

        self.bar = None
        if not sys.stderr.isatty():
            return
        from rich.progress import Progress

        self.bar = Progress(transient=True)
        self.bar.start()
        self.task = self.bar.add_task(_("Lager rapporter"), total=total)

    def advance(self) -> None:
        if self.bar:
            self.bar.advance(self.task)

    def stop(self) -> None:
        if self.bar:
            self.bar.stop()


def example_rounds() -> list[Path]:
    """The bundled example rounds (examples/*/*/runde.yaml next to the package or the cwd)."""
    here = Path(__file__).resolve().parent
    for base in (Path.cwd() / "examples", here.parent / "examples", here / "examples"):
        rounds = sorted(p.parent for p in base.glob("*/*/runde.yaml"))
        if rounds:
            return rounds
    return []
