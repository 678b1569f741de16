"""The county summary's render context: the offices side by side, the requirements most
often not met, the closure outcomes, the office reviews and figures, and the trend across
rounds."""

from __future__ import annotations

from ..models import Outcome
from ..present import OUTCOME_SYMBOL, format_date, format_number, format_percent, tally_view
from ..scoring import RoundScore, score_round
from .charts import theme_chart, trend_chart
from .context import RoundBundle, checklist_view, method_view, report_head
from .followupreport import county_followup
from .letter import county_letter_view

CLOSURE_OUTCOMES = ["arbeid", "utdanning", "statlige tiltak", "AAP", "uføretrygd", "sosialhjelp", "annet"]


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


def office_rows(bundle: RoundBundle, themes: list) -> list[dict]:
    """Each office's result per theme and in total, with its count of findings."""
    rows = []
    for office in bundle.data.round.offices:
        s = bundle.scores.offices[office.id]
        rows.append({
            "id": office.id, "name": office.name, "n_cases": len(s.cases),
            "cells": [tally_view(s.by_theme.get(t.id), "vurderinger") for t in themes],
            "total": tally_view(s.total, "vurderinger"),
            "avvik": len(s.findings_of("avvik")), "merknad": len(s.findings_of("merknad")),
            "god_praksis": len(s.findings_of("god praksis")),
        })
    return rows


def failing_requirements(bundle: RoundBundle, theme_of: dict[str, str]) -> list[dict]:
    """The requirements with avvik, most offices first, with the offices that have them."""
    rnd, scores, checklist = bundle.data.round, bundle.scores, bundle.data.case_checklist
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
    return failing


def theme_failures(bundle: RoundBundle, themes: list, theme_of: dict[str, str]) -> list[dict]:
    """Per theme: how many offices have an avvik in it, beside the county's result."""
    scores, n_offices = bundle.scores, len(bundle.data.round.offices)
    out = []
    for t in themes:
        offices_with = {o for cid, offs in scores.offices_with_avvik.items() if theme_of.get(cid) == t.id for o in offs}
        out.append({"title": t.title, "offices": len(offices_with), "of": n_offices,
                    "county": tally_view(scores.by_theme[t.id], "vurderinger")})
    return out


def county_themes(bundle: RoundBundle, themes: list) -> list[dict]:
    """The county's result per theme, beside the previous round's."""
    scores = bundle.scores
    views = [{"id": t.id, "title": t.title, "office": tally_view(scores.by_theme[t.id], "vurderinger"),
              "county": None, "previous": None} for t in themes]
    if bundle.previous is not None:
        for view in views:
            prev = bundle.previous.scores.by_theme.get(view["id"])
            view["previous"] = tally_view(prev, "vurderinger") if prev else None
    return views


def summary_context(bundle: RoundBundle, lang: str) -> dict:
    """Everything the county summary shows, as plain data."""
    data, scores = bundle.data, bundle.scores
    rnd = data.round
    checklist = data.case_checklist
    themes = [t for t in checklist.themes if t.id in scores.by_theme]
    theme_of = {c.id: t.id for t in checklist.themes for c in t.criteria}
    theme_views = county_themes(bundle, themes)
    return {
        **report_head("summary", data, lang),
        "report_date": format_date(rnd.period.end, lang),
        "checklist": checklist_view(checklist),
        "n_offices": len(rnd.offices),
        "n_cases": sum(len(s.cases) for s in scores.offices.values()),
        "themes": [{"id": t.id, "title": t.title} for t in themes],
        "rows": office_rows(bundle, themes),
        "total": tally_view(scores.total, "vurderinger"),
        "failing": failing_requirements(bundle, theme_of),
        "theme_fail": theme_failures(bundle, themes, theme_of),
        "theme_views": theme_views,
        "chart": theme_chart(theme_views, lang, county_label=False),
        "previous_round": bundle.previous.data.round.name if bundle.previous else None,
        "closure": closure_outcomes(data),
        "trend": trend_view(bundle, themes, lang),
        "office_reviews": office_review_matrix(data, scores),
        "figures": office_figures(data, lang),
        "method": method_view(office=False),
        "followup": county_followup(data, scores, lang),
        **county_letter_view(data, lang),  # county_letter, draft, and the report date it gives
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
    from ..errors import InputError
    from ..load import load_round, previous_chain

    out = [(bundle.data.round.name, bundle.scores)]
    if bundle.previous is not None:
        out.append((bundle.previous.data.round.name, bundle.previous.scores))
        for path in previous_chain(bundle.data.path, limit)[2:]:
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


