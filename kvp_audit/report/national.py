"""The national summary (the directorate's view): several counties' rounds of one period,
side by side by county and theme, made from the rounds' own files.

Every round is loaded, validated and scored as for its own reports. Rounds with errors are
refused with their problems; two rounds from one county, and rounds whose periods do not
overlap, are usage errors. Themes are matched by their id; criteria are lined up against the
newest checklist version among the rounds by id and ``replaces``
(:func:`kvp_audit.compare.map_criteria`), and the method appendix names the versions used.
The summary is built like every report (:mod:`.build`): HTML, PDF, Markdown and DOCX,
skipped when unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import InputError, UsageError, display_path
from ..i18n import _, current_language, ngettext, set_language
from ..models import Outcome, ReportStatus, Severity
from ..present import count_share, format_date, share
from ..scoring import MIN_CASES_FOR_PERCENT, OFFICE_CASE_KEY, Tally
from .context import RoundBundle, method_view
from .templating import source_lang_attr

NATIONAL = "nasjonal"
ROUND_FILE = "runde.yaml"
MAX_FAILING = 15  # the criteria most often not met: the first 15, and how many more there are
# The colour of a county x theme cell by the share met (from 5 cases; the share is in the text too).
BANDS = ((0.9, "band-hi"), (0.75, "band-mid"), (0.0, "band-lo"))


@dataclass
class County:
    """One county's round in the national summary: where it was read from, and its scores."""

    path: Path
    bundle: RoundBundle

    @property
    def data(self):
        return self.bundle.data

    @property
    def scores(self):
        return self.bundle.scores


# --------------------------------------------------------------------------- which rounds


def rounds_below(path: Path) -> list[Path]:
    """The round folders (with a runde.yaml) below ``path``, in name order; none for a round itself."""
    if not path.is_dir() or (path / ROUND_FILE).is_file():
        return []
    return sorted(p.parent for p in path.rglob(ROUND_FILE))


def is_national(paths: list[Path]) -> bool:
    """Whether ``report`` was given several rounds, or one folder that holds rounds below it."""
    return len(paths) > 1 or bool(rounds_below(paths[0]))


def find_rounds(paths: list[Path]) -> list[Path]:
    """The rounds named: a folder with runde.yaml is a round, a folder without one stands for
    the rounds below it. A path that is neither stops with the usual message."""
    from ..load import find_round_file

    found: list[Path] = []
    for path in paths:
        if (path / ROUND_FILE).is_file():
            found.append(path)
            continue
        below = rounds_below(path)
        if not below:
            below = [find_round_file(path).parent]  # a runde.yaml itself; else it raises the usual message
        found.extend(below)
    unique, seen = [], set()
    for path in found:  # the same round given twice (a folder and a round in it) counts once
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _county_key(county: str) -> str:
    return " ".join(county.split()).casefold()


def check_counties(loaded: list[tuple[Path, object]]) -> None:
    """Two rounds from one county is a usage error naming both."""
    seen: dict[str, Path] = {}
    for path, data in loaded:
        key = _county_key(data.round.county)
        if key in seen:
            raise UsageError(_("{first} og {second} er begge fra {county}; den nasjonale oppsummeringen tar én "
                               "runde per fylke").format(first=display_path(seen[key]), second=display_path(path),
                                                         county=data.round.county))
        seen[key] = path


def check_periods(loaded: list[tuple[Path, object]]) -> None:
    """Rounds whose periods have no day in common are a usage error naming two of them."""
    late_path, late = max(loaded, key=lambda item: item[1].round.period.start)
    early_path, early = min(loaded, key=lambda item: item[1].round.period.end)
    if late.round.period.start > early.round.period.end:
        raise UsageError(_("periodene til {first} ({first_start} – {first_end}) og {second} ({second_start} – "
                           "{second_end}) overlapper ikke; den nasjonale oppsummeringen gjelder runder fra samme "
                           "periode").format(
            first=display_path(early_path), first_start=early.round.period.start.isoformat(),
            first_end=early.round.period.end.isoformat(), second=display_path(late_path),
            second_start=late.round.period.start.isoformat(), second_end=late.round.period.end.isoformat()))


def load_counties(paths: list[Path]) -> tuple[list[County], list]:
    """Load, check and score the rounds; returns the counties and the rounds' warnings."""
    from ..load import load_round
    from ..scoring import score_round

    rounds = find_rounds(paths)
    if len(rounds) < 2:
        raise UsageError(_("den nasjonale oppsummeringen trenger runder fra minst to fylker; fant bare {path}").format(
            path=display_path(rounds[0])))
    loaded = [(path, load_round(path)) for path in rounds]
    check_counties(loaded)
    check_periods(loaded)
    broken = [path for path, data in loaded if data.errors]
    if broken:
        raise InputError(
            ngettext("{n} runde har feil ({paths}); rett den (se 'kvp-audit validate') før den nasjonale "
                     "oppsummeringen lages",
                     "{n} runder har feil ({paths}); rett dem (se 'kvp-audit validate') før den nasjonale "
                     "oppsummeringen lages", len(broken)).format(
                n=len(broken), paths=", ".join(display_path(p) for p in broken)),
            [e for _path, data in loaded for e in data.errors])
    counties = [County(path, RoundBundle(data, score_round(data))) for path, data in loaded]
    return counties, [w for _path, data in loaded for w in data.warnings]


def national_sets(rounds: list[tuple[Path, object]]) -> list[tuple[int, list[Path]]]:
    """The rounds (folder, its runde.yaml's Round or None) grouped by the year their period
    starts, for the years with rounds from two counties or more and one round per county."""
    by_year: dict[int, list[tuple[Path, object]]] = {}
    for path, rnd in rounds:
        if rnd is not None:
            by_year.setdefault(rnd.period.start.year, []).append((path, rnd))
    out = []
    for year, items in sorted(by_year.items()):
        counties = {_county_key(rnd.county) for _path, rnd in items}
        if len(counties) >= 2 and len(counties) == len(items):
            out.append((year, [path for path, _rnd in items]))
    return out


def national_dir(counties: list[County], out: Path | None = None) -> Path:
    """The folder the national summary goes to: ``out``, or ``reports/nasjonal-<year>`` (the
    year the common period starts)."""
    if out is not None:
        return out
    year = max(c.data.round.period.start for c in counties).year
    return Path("reports") / f"{NATIONAL}-{year}"


# --------------------------------------------------------------------------- lining up checklists


def _newest(checklists: list):
    from ..load import _version_key

    present = [c for c in checklists if c is not None]
    if not present:
        return None
    return max(present, key=lambda c: _version_key(c.version))  # max keeps the first of equals


def source_map(checklist, reference) -> dict[str, list[str]]:
    """Per scored criterion of the reference checklist, the criteria of ``checklist`` it is
    counted from (by id and ``replaces``); a criterion with no counterpart is left out."""
    from ..compare import map_criteria

    return {link.criterion: link.sources for link in map_criteria(checklist, reference).links}


def _worst(results: dict, sources: list[str]) -> Outcome | None:
    """One case's outcome on a criterion counted from several older ones: the worst of them."""
    outcomes = {results[s].outcome for s in sources if s in results}
    for outcome in (Outcome.ikke_oppfylt, Outcome.delvis, Outcome.oppfylt):
        if outcome in outcomes:
            return outcome
    return None


# --------------------------------------------------------------------------- the views


def status_view(data, lang: str) -> dict:
    """The county summary's status (utkast, endelig) as runde.yaml gives it, or 'ikke oppgitt'."""
    summary = data.round.report.summary if data.round.report is not None else None
    if summary is None:
        return {"status": "", "label": _("ikke oppgitt"), "draft": False, "date": ""}
    return {"status": summary.status.value, "label": summary.status.label,
            "draft": summary.status is ReportStatus.utkast,
            "date": format_date(summary.date or data.round.period.end, lang)}


def county_rows(counties: list[County], lang: str) -> tuple[list[dict], dict]:
    """The counties side by side (offices, cases, findings, the county summary's status), and the sums."""
    rows = []
    for c in counties:
        rnd, offices = c.data.round, c.scores.offices.values()
        findings = [f for o in offices for f in o.findings]
        rows.append({
            "id": rnd.id, "county": rnd.county, "round": rnd.name,
            "n_offices": len(rnd.offices), "n_cases": sum(len(o.cases) for o in offices),
            "avvik": sum(1 for f in findings if f.kind == "avvik"),
            "merknad": sum(1 for f in findings if f.kind == "merknad"),
            "offices_with_avvik": sum(1 for o in offices if o.findings_of("avvik")),
            "status": status_view(c.data, lang),
        })
    total = {key: sum(r[key] for r in rows) for key in ("n_offices", "n_cases", "avvik", "merknad", "offices_with_avvik")}
    return rows, total


def _band(tally: Tally | None) -> str:
    if tally is None or not tally.counted or not tally.show_percent:
        return ""
    met = share(tally)
    return next(css for floor, css in BANDS if met >= floor)


def _cell(tally: Tally | None) -> dict:
    return {"text": count_share(tally), "band": _band(tally)}


def national_themes(counties: list[County], reference) -> list[dict]:
    """The themes by id: the reference checklist's in its order, then any other round's own."""
    themes, seen = [], set()
    for checklist in [reference, *(c.data.case_checklist for c in counties)]:
        for theme in checklist.themes:
            if theme.id not in seen and any(cr.scored for cr in theme.criteria):
                seen.add(theme.id)
                themes.append({"id": theme.id, "title": theme.title})
    return themes


def theme_matrix(counties: list[County], themes: list[dict]) -> list[dict]:
    """Theme x county: each county's met assessments in its own theme with that id, and all counties'."""
    rows = []
    for theme in themes:
        tallies = [c.scores.by_theme.get(theme["id"]) for c in counties]
        rows.append({"id": theme["id"], "title": theme["title"], "cells": [_cell(t) for t in tallies],
                     "total": _cell(across_counties(counties, tallies))})
    return rows


def across_counties(counties: list[County], tallies: list[Tally | None]) -> Tally:
    """The counties' tallies as one. Case keys are drawn per round and may repeat in another
    county (as may round ids), so each is counted with its county's place: five cases are five cases."""
    total = Tally()
    for tally in tallies:
        if tally is not None:
            total.merge(tally)
    total.cases = {(i, key) for i, tally in enumerate(tallies) if tally is not None for key in tally.cases}
    return total


def band_legend() -> list[dict]:
    """What the cell colours mean; the value is always in the cell's text as well."""
    return [{"css": "band-hi", "label": _("grønn: minst 90 % oppfylt")},
            {"css": "band-mid", "label": _("gul: 75–89 % oppfylt")},
            {"css": "band-lo", "label": _("rød: under 75 % oppfylt")},
            {"css": "", "label": _("uten farge: færre enn {n} saker, eller ingen vurdert").format(n=MIN_CASES_FOR_PERCENT)}]


def _criterion_line(crit, level: str, counties: list[County], maps: dict[int, dict[str, list[str]]]) -> dict:
    """One criterion across the counties: offices where it was ikke oppfylt (nei in some case),
    only delvis, or assessed, the counties with a finding on it, and the cases' outcomes."""
    line = {"id": crit.id, "question": crit.question, "level": level,
            "kind": "avvik" if crit.severity == Severity.krav else "merknad",
            "offices_not_met": 0, "offices_partly": 0, "offices_assessed": 0,
            "counties_failing": 0, "counties_assessed": 0, "not_met": 0, "partly": 0, "met": 0, "counted": 0}
    for c in counties:
        sources = maps.get(id(c), {}).get(crit.id)
        if not sources:
            continue
        assessed = failing = False
        for office in c.data.round.offices:
            score = c.scores.offices[office.id]
            reviews = score.cases if level == "sak" else (
                {OFFICE_CASE_KEY: score.office_review} if score.office_review is not None else {})
            outcomes = [o for o in (_worst(results, sources) for results in reviews.values()) if o is not None]
            if not outcomes:
                continue
            assessed = True
            line["offices_assessed"] += 1
            if Outcome.ikke_oppfylt in outcomes:
                line["offices_not_met"] += 1
                failing = True
            elif Outcome.delvis in outcomes:
                line["offices_partly"] += 1
                failing = True
            if level == "sak":
                line["not_met"] += outcomes.count(Outcome.ikke_oppfylt)
                line["partly"] += outcomes.count(Outcome.delvis)
                line["met"] += outcomes.count(Outcome.oppfylt)
                line["counted"] += len(outcomes)
        line["counties_assessed"] += assessed
        line["counties_failing"] += failing
    return line


def criterion_lines(counties: list[County], case_ref, office_ref) -> list[dict]:
    """Every scored criterion of the reference checklists (case and office review) across the counties."""
    lines = []
    for level, reference, checklist_of in (("sak", case_ref, lambda c: c.data.case_checklist),
                                          ("kontor", office_ref, lambda c: c.data.office_checklist)):
        if reference is None:
            continue
        maps = {id(c): source_map(checklist_of(c), reference) for c in counties if checklist_of(c) is not None}
        lines += [_criterion_line(crit, level, counties, maps) for crit in reference.criteria() if crit.scored]
    return lines


def _line_view(line: dict) -> dict:
    if line["level"] == "kontor":
        cases = _("kontorvurdering")
    else:
        cases = _("{not_met} ikke oppfylt og {partly} delvis av {n}").format(
            not_met=line["not_met"], partly=line["partly"], n=line["counted"])
    return {**line, "cases_text": cases,
            "counties_text": _("{n} av {of}").format(n=line["counties_failing"], of=line["counties_assessed"])}


def most_failed(lines: list[dict]) -> dict:
    """The criteria not met at most offices (ikke oppfylt first, then only delvis), case and
    office-review criteria alike; the first MAX_FAILING, and how many more have a finding."""
    failing = [ln for ln in lines if ln["offices_not_met"] + ln["offices_partly"]]
    failing.sort(key=lambda ln: (-(ln["offices_not_met"] + ln["offices_partly"]), -ln["offices_not_met"],
                                 -ln["not_met"], ln["id"]))
    shown = failing[:MAX_FAILING]
    return {"rows": [_line_view(ln) for ln in shown], "more": len(failing) - len(shown), "total": len(failing)}


def _ref_text(checklist) -> str:
    return f"{checklist.id}@{checklist.version}"


def version_notes(counties: list[County], case_ref, office_ref) -> list[str]:
    """For each checklist version other than the reference: what was linked how, and what could not be."""
    from ..compare import IDENTICAL, map_criteria
    from ..present import relation_label

    notes, done = [], set()
    for reference, checklist_of in ((case_ref, lambda c: c.data.case_checklist),
                                    (office_ref, lambda c: c.data.office_checklist)):
        if reference is None:
            continue
        for c in counties:
            checklist = checklist_of(c)
            if checklist is None or _ref_text(checklist) == _ref_text(reference) or _ref_text(checklist) in done:
                continue
            done.add(_ref_text(checklist))
            mapping = map_criteria(checklist, reference)
            users = ", ".join(o.data.round.county for o in counties
                              if checklist_of(o) is not None and _ref_text(checklist_of(o)) == _ref_text(checklist))
            links = "; ".join("{new} ← {old} ({relation})".format(new=link.criterion, old=" + ".join(link.sources),
                                                                  relation=relation_label(link.relation))
                              for link in mapping.links if link.relation != IDENTICAL)
            text = _("{checklist} ({counties}) er stilt sammen med {reference}.").format(
                checklist=_ref_text(checklist), counties=users, reference=_ref_text(reference))
            if links:
                text += " " + _("Kriterier med ny id: {links}.").format(links=links)
            if mapping.new:
                text += " " + _("Ikke sammenlignbare, og ikke telt for disse fylkene: {ids}.").format(
                    ids=", ".join(mapping.new))
            notes.append(text)
    return notes


def method_rounds(counties: list[County], lang: str) -> list[dict]:
    """The rounds the summary is made from: county, round, period, checklist versions, status."""
    return [{"county": c.data.round.county, "round": c.data.round.name, "id": c.data.round.id,
             "period": "{} – {}".format(format_date(c.data.round.period.start, lang),
                                        format_date(c.data.round.period.end, lang)),
             "case_checklist": _ref_text(c.data.case_checklist),
             "office_checklist": _ref_text(c.data.office_checklist) if c.data.office_checklist else "–",
             "status": status_view(c.data, lang)["label"]} for c in counties]


def national_context(counties: list[County], lang: str) -> dict:
    """Everything the national summary shows, as plain data."""
    case_ref = _newest([c.data.case_checklist for c in counties])
    office_ref = _newest([c.data.office_checklist for c in counties])
    reference = next(c for c in counties if c.data.case_checklist is case_ref)
    rows, total = county_rows(counties, lang)
    themes = national_themes(counties, case_ref)
    start = min(c.data.round.period.start for c in counties)
    end = max(c.data.round.period.end for c in counties)
    year = max(c.data.round.period.start for c in counties).year
    dates = [(c.data.round.report.summary.date if c.data.round.report and c.data.round.report.summary else None)
             or c.data.round.period.end for c in counties]
    drafts = sum(1 for r in rows if r["status"]["draft"])
    same = len({_ref_text(c.data.case_checklist) for c in counties}) == 1
    title = _("Nasjonal oppsummering {year}").format(year=year)
    return {
        "kind": "national",
        "lang": lang,
        "src_lang": source_lang_attr(reference.data.case_checklist, lang),
        "tool_version": __version__,
        "round": {"id": f"{NATIONAL}-{year}", "name": title, "county": ""},  # the PDF's and DOCX's title
        "title": title,
        "draft": False,
        "has_letter": False,
        "period": {"start": format_date(start, lang), "end": format_date(end, lang)},
        "report_date": format_date(max(dates), lang),
        "n_counties": len(counties),
        "n_offices": total["n_offices"],
        "n_cases": total["n_cases"],
        "checklists": sorted({_ref_text(c.data.case_checklist) for c in counties}),
        "counties": rows,
        "total": total,
        "drafts": drafts,
        "matrix": theme_matrix(counties, themes),
        "legend": band_legend(),
        "failing": most_failed(criterion_lines(counties, case_ref, office_ref)),
        "method": {
            "rounds": method_rounds(counties, lang),
            "matching": (_("Alle rundene bruker {checklist}.").format(checklist=_ref_text(case_ref)) if same else
                         _("Rundene bruker ulike versjoner av sjekklisten. Temaene er stilt sammen etter temaets id, "
                           "og kriteriene etter id og «replaces» mot den nyeste versjonen, {checklist}; et kriterium "
                           "uten kobling telles ikke for fylket som ikke har det.").format(
                             checklist=_ref_text(case_ref))),
            "versions": version_notes(counties, case_ref, office_ref),
            "paragraphs": method_view(office=False)["paragraphs"],
        },
    }


# --------------------------------------------------------------------------- building


def _inputs(counties: list[County], user_templates: Path | None) -> str:
    from .cache import input_digest

    h = hashlib.sha256(__version__.encode())
    for c in counties:
        h.update(input_digest(c.path, user_templates).encode())
    return h.hexdigest()


def build_national(paths: list[Path], out: Path | None = None, formats: list[str] | None = None, lang: str = "nb",
                   user_templates: Path | None = None, progress=False, workers: int | None = None,
                   force: bool = False):
    """Write the national summary of several counties' rounds (``nasjonal.<format>`` in ``out``,
    else ``reports/nasjonal-<year>``); an unchanged file is skipped. Returns a BuildResult."""
    from ..progress import shown
    from .build import BuildResult, Job, check_formats, write_jobs
    from .files import report_path

    formats = formats or ["html", "md"]
    check_formats(formats)
    previous_lang = current_language()
    set_language(lang)
    try:
        with shown(progress) as display:
            bar = display.task(_("Nasjonal oppsummering"), what=_("leser rundene"))
            counties, warnings = load_counties(paths)
            target_dir = national_dir(counties, out)
            job = Job(NATIONAL, "national", national_context(counties, lang),
                      {f: report_path(target_dir, NATIONAL, f, lang) for f in formats})
            return write_jobs([job], target_dir, user_templates, lang, workers, bar,
                              _inputs(counties, user_templates), force, BuildResult(warnings=warnings))
    finally:
        set_language(previous_lang)
