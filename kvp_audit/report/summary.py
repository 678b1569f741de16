"""The county summary's render context: the county's themes and criteria, the offices side by
side, the closure outcomes, the office reviews (their answers and figures) and the trend across
rounds.

Every criterion gets a county line: its cases (for an office-review criterion: its offices)
oppfylt, delvis and ikke oppfylt, and the offices with an avvik or merknad on it, split into
those where it was not met in some case and those where it was only partly met. The lists of
the criteria met everywhere and not met at the most offices are made from these lines. A round
with no cases (an office survey) gets the parts it has: no case themes, no closure outcomes."""

from __future__ import annotations

from ..i18n import _, ngettext
from ..models import Outcome, Severity
from ..present import OUTCOME_SYMBOL, count_short, format_date, format_number, format_percent, tally_view
from ..scoring import MIN_CASES_FOR_PERCENT, RoundScore, Tally, score_round
from .answers import answer_matrix
from .charts import share_band, share_legend, theme_chart, trend_chart
from .context import RoundBundle, checklist_view, method_view, report_head
from .letter import county_letter_view

# The ten criteria not met at the most offices (and any tied with the tenth) head the summary;
# the appendix has every criterion.
TOP_FAILING = 10


def closure_outcomes(data) -> dict:
    """How many closed or stopped programmes ended in each outcome: the case checklist's own
    options of its ``utfall`` fact in their order, then any other answer as itself (it passed
    validation, so the checklist allowed it when it was written), then "ikke registrert" for
    the cases with no outcome. Shares are of all closed programmes, from five of them."""
    fact = data.case_checklist.facts.get("utfall")
    options = list(fact.options) if fact is not None else []
    counts = {o: 0 for o in options}
    unknown = 0
    for office in data.round.offices:
        for case in data.cases.get(office.id, []):
            if case.facts.get("status") not in ("avsluttet", "avbrutt"):
                continue
            outcome = case.facts.get("utfall")
            if outcome is None or (isinstance(outcome, str) and not outcome.strip()):
                unknown += 1
                continue
            key = str(outcome).strip()
            counts[key] = counts.get(key, 0) + 1
    total = sum(counts.values()) + unknown
    show = total >= MIN_CASES_FOR_PERCENT

    def row(label: str, n: int, listed: bool, recorded: bool = True) -> dict:
        return {"outcome": label, "count": n, "percent": format_percent(n / total) if show else None,
                "option": listed, "recorded": recorded}

    rows = [row(o, n, o in options) for o, n in counts.items()]
    if unknown:
        rows.append(row(_("ikke registrert"), unknown, False, recorded=False))
    return {"rows": rows, "total": total, "unknown": unknown, "show_percent": show}


def _theme_cell(tally: Tally | None) -> dict:
    """One office × theme cell: the count met of assessed, and its colour band."""
    tally = tally or Tally()
    return {"text": count_short(tally), "css": share_band(tally.met, tally.counted, tally.show_percent),
            "counted": tally.counted}


def office_rows(bundle: RoundBundle, themes: list) -> list[dict]:
    """Each office's count per theme and in all, with its count of findings."""
    rows = []
    for office in bundle.data.round.offices:
        s = bundle.scores.offices[office.id]
        rows.append({
            "id": office.id, "name": office.name, "n_cases": len(s.cases),
            "cells": [_theme_cell(s.by_theme.get(t.id)) for t in themes],
            "total": _theme_cell(s.total),
            "avvik": len(s.findings_of("avvik")), "merknad": len(s.findings_of("merknad")),
            "god_praksis": len(s.findings_of("god praksis")),
        })
    return rows


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


# --------------------------------------------------------------------------- criterion lines


def offices_text(not_met: int, partly: int, of: int) -> str:
    """'ikke oppfylt ved 3 og delvis oppfylt ved 2 av 11 kontorer': partly met said as partly met."""
    if not_met and partly:
        return ngettext("ikke oppfylt ved {not_met} og delvis oppfylt ved {partly} av {of} kontor",
                        "ikke oppfylt ved {not_met} og delvis oppfylt ved {partly} av {of} kontorer",
                        of).format(not_met=not_met, partly=partly, of=of)
    if not_met:
        return ngettext("ikke oppfylt ved {n} av {of} kontor", "ikke oppfylt ved {n} av {of} kontorer",
                        of).format(n=not_met, of=of)
    if partly:
        return ngettext("delvis oppfylt ved {n} av {of} kontor", "delvis oppfylt ved {n} av {of} kontorer",
                        of).format(n=partly, of=of)
    return ngettext("oppfylt ved {n} av {of} kontor", "oppfylt ved {n} av {of} kontorer", of).format(n=of, of=of)


def met_text(line: dict) -> str:
    """'oppfylt i 26 av 26 saker' (an office-review criterion: 'oppfylt ved 13 av 13 kontorer')."""
    if line["scope"] == "office":
        return ngettext("oppfylt ved {met} av {n} kontor", "oppfylt ved {met} av {n} kontorer",
                        line["counted"]).format(met=line["met"], n=line["counted"])
    return ngettext("oppfylt i {met} av {n} sak", "oppfylt i {met} av {n} saker",
                    line["counted"]).format(met=line["met"], n=line["counted"])


def _line(crit, theme, scope: str, counts: tuple[int, int, int], assessed: list, not_met: list, partly: list) -> dict:
    met, part, nope = counts
    counted = met + part + nope
    kind = "avvik" if crit.severity == Severity.krav else "merknad"
    line = {
        "id": crit.id, "question": crit.question, "label": crit.label, "legal_basis": list(crit.legal_basis),
        "theme": theme.title, "scope": scope, "met": met, "partly": part, "not_met": nope, "counted": counted,
        "percent": format_percent(met / counted) if counted >= MIN_CASES_FOR_PERCENT else None,
        "kind": kind, "kind_label": _("avvik") if kind == "avvik" else _("merknad"),
        "offices": len(not_met) + len(partly), "of": len(assessed),
        "not_met_offices": not_met, "partly_offices": partly,
    }
    line["met_text"] = met_text(line) if counted else _("ingen vurdert")
    line["offices_text"] = offices_text(len(not_met), len(partly), len(assessed)) if assessed else ""
    return line


def case_lines(bundle: RoundBundle) -> list[dict]:
    """A county line for every scored criterion of the case checklist, in checklist order."""
    rnd, scores = bundle.data.round, bundle.scores
    lines = []
    for theme in bundle.data.case_checklist.themes:
        for crit in theme.criteria:
            if not crit.scored:
                continue
            tally = scores.by_criterion[crit.id]
            assessed, not_met, partly = [], [], []
            for office in rnd.offices:
                t = scores.offices[office.id].by_criterion.get(crit.id)
                if t is None or not t.counted:
                    continue
                assessed.append(office.name)
                if t.not_met:
                    not_met.append(office.name)
                elif t.partly:
                    partly.append(office.name)
            lines.append(_line(crit, theme, "case", (tally.met, tally.partly, tally.not_met), assessed, not_met, partly))
    return lines


def office_lines(bundle: RoundBundle) -> list[dict]:
    """A county line for every scored criterion of the office checklist: each office counts once."""
    data, scores = bundle.data, bundle.scores
    if data.office_checklist is None or not data.office_reviews:
        return []
    lines = []
    for theme in data.office_checklist.themes:
        for crit in theme.criteria:
            if not crit.scored:
                continue
            counts = {Outcome.oppfylt: 0, Outcome.delvis: 0, Outcome.ikke_oppfylt: 0}
            assessed, not_met, partly = [], [], []
            for office in data.round.offices:
                result = (scores.offices[office.id].office_review or {}).get(crit.id)
                if result is None or not result.outcome.counts:
                    continue
                counts[result.outcome] += 1
                assessed.append(office.name)
                if result.outcome is Outcome.ikke_oppfylt:
                    not_met.append(office.name)
                elif result.outcome is Outcome.delvis:
                    partly.append(office.name)
            lines.append(_line(crit, theme, "office", (counts[Outcome.oppfylt], counts[Outcome.delvis],
                                                       counts[Outcome.ikke_oppfylt]), assessed, not_met, partly))
    return lines


def line_groups(lines: list[dict]) -> list[dict]:
    """The lines by theme (case criteria first, then the office review's), for the appendix's tables."""
    groups: list[dict] = []
    for line in lines:
        if not groups or groups[-1]["theme"] != line["theme"] or groups[-1]["scope"] != line["scope"]:
            groups.append({"theme": line["theme"], "scope": line["scope"], "lines": []})
        groups[-1]["lines"].append(line)
    return groups


def most_failing(lines: list[dict], top: int = TOP_FAILING) -> list[dict]:
    """The criteria with an avvik or merknad at the most offices (those not met in some case first),
    the first ``top`` and any tied with the last of them."""
    failing = [line for line in lines if line["offices"]]
    failing.sort(key=lambda line: (-line["offices"], -len(line["not_met_offices"])))  # stable: checklist order
    if len(failing) > top:
        last = failing[top - 1]["offices"]
        failing = [line for i, line in enumerate(failing) if i < top or line["offices"] == last]
    return failing


def all_met(lines: list[dict]) -> list[dict]:
    """The criteria met in every case (an office-review criterion: at every office) where they were assessed."""
    return [line for line in lines if line["counted"] and line["met"] == line["counted"]]


def criteria_view(bundle: RoundBundle) -> dict:
    """The county's criterion lines, the lists made from them, and the lists' headings."""
    cases, offices = case_lines(bundle), office_lines(bundle)
    lines = cases + offices
    has_case = any(line["counted"] for line in cases)
    has_office = any(line["counted"] for line in offices)
    if has_case and has_office:
        met_title = _("Oppfylt i alle saker og ved alle kontorer")
    elif has_office:
        met_title = _("Oppfylt ved alle kontorer")
    else:
        met_title = _("Oppfylt i alle saker")
    return {"lines": lines, "groups": line_groups([line for line in lines if line["counted"]]),
            "failing": most_failing(lines), "n_failing": sum(1 for line in lines if line["offices"]),
            "all_met": all_met(lines), "met_title": met_title, "any": has_case or has_office}


def summary_context(bundle: RoundBundle, lang: str) -> dict:
    """Everything the county summary shows, as plain data."""
    data, scores = bundle.data, bundle.scores
    rnd = data.round
    checklist = data.case_checklist
    n_cases = sum(len(s.cases) for s in scores.offices.values())
    # a survey (office reviews and no cases) has no case themes to show
    themes = [t for t in checklist.themes if t.id in scores.by_theme] if n_cases else []
    theme_of = {c.id: t.id for t in checklist.themes for c in t.criteria}
    theme_views = county_themes(bundle, themes)
    office_checklist = data.office_checklist
    rows = office_rows(bundle, themes) if themes else []
    return {
        **report_head("summary", data, lang),
        "report_date": format_date(rnd.period.end, lang),
        "checklist": checklist_view(checklist),
        "office_checklist": checklist_view(office_checklist) if office_checklist is not None else None,
        "n_offices": len(rnd.offices),
        "n_cases": n_cases,
        "has_cases": bool(n_cases),
        "n_office_reviews": sum(1 for o in rnd.offices if o.id in data.office_reviews),
        "themes": [{"id": t.id, "title": t.title} for t in themes],
        "rows": rows,
        # the colour scale's legend only where a cell has a colour (none has under five cases)
        "scale": share_legend(MIN_CASES_FOR_PERCENT) if any(
            c["css"] != "band-few" for row in rows for c in row["cells"] + [row["total"]]) else [],
        "total": tally_view(scores.total, "vurderinger"),
        "criteria": criteria_view(bundle),
        "theme_fail": theme_failures(bundle, themes, theme_of),
        "theme_views": theme_views,
        "chart": theme_chart(theme_views, lang, county_label=False),
        "previous_round": bundle.previous.data.round.name if bundle.previous else None,
        "closure": closure_outcomes(data),
        "trend": trend_view(bundle, themes, lang) if themes else None,
        "office_reviews": office_review_matrix(data, scores),
        "answers": answer_matrix(data, lang),
        "figures": office_figures(data, lang),
        "method": method_view(office=False),
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
        out.append({"title": theme.title,
                    "criteria": [{"id": c.id, "question": c.question, "short": c.short} for c in criteria],
                    "rows": rows})
    return out


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def office_figures(data, lang: str) -> dict | None:
    """The offices' figures (måltall, deltakere, avsluttet, avslag, søknader), every office of the
    round in its order, with the county's sum of what was reported and how many offices reported
    each figure. The sum is "–" where no office reported; None without number questions."""
    checklist = data.office_checklist
    if checklist is None or not data.office_reviews:
        return None
    columns = [c for c in checklist.criteria() if c.answer.value == "number"]
    if not columns:
        return None
    offices = list(data.round.offices)
    rows = []
    sums = [0.0] * len(columns)
    reported = [0] * len(columns)
    offices_reporting = 0
    for office in offices:
        review = data.office_reviews.get(office.id)
        cells = []
        any_figure = False
        for i, crit in enumerate(columns):
            value = getattr(review.answers.get(crit.id), "answer", None) if review is not None else None
            if _number(value):
                sums[i] += value
                reported[i] += 1
                any_figure = True
                cells.append(format_number(value, lang))
            else:
                cells.append("–")
        offices_reporting += any_figure
        rows.append({"name": office.name, "cells": cells})
    n = len(offices)
    total = [format_number(int(v) if float(v).is_integer() else v, lang) if k else "–" for v, k in zip(sums, reported)]
    return {
        "columns": [{"id": c.id, "label": c.short or c.question, "question": c.question, "unit": c.unit}
                    for c in columns],
        "rows": rows, "total": total,
        "reported": [_("{n} av {of}").format(n=k, of=n) for k in reported],
        "offices_reporting": offices_reporting, "of": n,
        "reporting_text": ngettext("{n} av {of} kontor rapporterte tall.", "{n} av {of} kontorer rapporterte tall.",
                                   n).format(n=offices_reporting, of=n),
    }


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


