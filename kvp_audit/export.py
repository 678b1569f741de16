"""Export a scored round as tables for analysts: CSV, XLSX, JSON and SQLite.

Two steps, like the rest of the tool: :func:`build_tables` is pure (a loaded round and
its scores in, plain rows out), and one writer per format puts the same tables on disk.
The tables and every column are described once, in :data:`TABLES`; the JSON Schema
(``docs/schemas/export.schema.json``), the SQLite column list and ``docs/export.md`` are
generated from that description, so they cannot drift apart.

Every writer stages its output next to the target and renames it into place at the end:
after an error there is either the old file or no file, never half a file.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import __version__
from .i18n import _, ngettext
from .models import AnswerType, Checklist
from .scoring import OFFICE_CASE_KEY, RoundScore, Tally

FORMAT_NAME = "kvp-audit-eksport"
# Raised when a table or column changes meaning or is removed (adding one is compatible).
FORMAT_VERSION = 1
FORMATS = ("csv", "xlsx", "json", "sqlite")
SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".json": "json", ".sqlite": "sqlite", ".sqlite3": "sqlite", ".db": "sqlite"}
DEFAULT_SUFFIX = {"csv": ".csv", "xlsx": ".xlsx", "json": ".json", "sqlite": ".sqlite"}
# Several values in one cell (legal basis, sources, case keys) in CSV, XLSX and SQLite.
LIST_SEPARATOR = "; "
SCORE_DIGITS = 4

CASE = "sak"
OFFICE = "kontor"


# --------------------------------------------------------------------------- the tables


@dataclass(frozen=True)
class Column:
    """One column of an exported table: its name, type and one line of documentation."""

    name: str
    type: str  # text, integer, real, boolean, list (of text), value (text, number or boolean)
    doc: str
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    """One exported table and what a row of it is."""

    name: str
    doc: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, type_: str, doc: str, nullable: bool = False) -> Column:
    return Column(name, type_, doc, nullable)


_ROUND = _c("runde", "text", "Rundens id, for eksempel «fiktivfylke-2026».")
_OFFICE = _c("kontor", "text", "Kontorets id (mappenavn), for eksempel «nav-fjellby».")
_OFFICE_NAME = _c("kontornavn", "text", "Kontorets navn, for eksempel «NAV Fjellby».")
_KIND = _c("vurdering", "text", "Hva som er vurdert: «sak» (saksvurdering) eller «kontor» (kontorvurderingen).")
_THEME = _c("tema", "text", "Temaets id i sjekklisten.")
_THEME_TITLE = _c("tema_tittel", "text", "Temaets overskrift.")
_CRITERION = _c("kriterium", "text", "Kriteriets id, for eksempel «IP-01».")
_SEVERITY = _c("alvorlighet", "text", "«krav» (ikke oppfylt gir avvik) eller «anbefaling» (gir merknad); tom for kriterier uten svarskala.", True)
_BASIS = _c("rettslig_grunnlag", "list", "Rettslig grunnlag, for eksempel «sotjl. § 30».")
_COUNTS = (
    _c("telles", "integer", "Utfall som telles: oppfylt + delvis + ikke oppfylt."),
    _c("oppfylt", "integer", "Antall oppfylt."),
    _c("delvis", "integer", "Antall delvis oppfylt."),
    _c("ikke_oppfylt", "integer", "Antall ikke oppfylt."),
    _c("ikke_aktuelt", "integer", "Antall ikke aktuelt (telles aldri)."),
    _c("ubesvart", "integer", "Antall ubesvart (telles aldri)."),
    _c("saker", "integer", "Antall saker der minst ett utfall telles."),
    _c("score", "real", "Vektet score mellom 0 og 1 (ja 1, delvis 0,5, nei 0); tom når ingenting telles, aldri 0.", True),
)

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("kontorer", "Ett kontor i runden, med sakenes samlede resultat og antall funn.", (
        _ROUND, _OFFICE, _OFFICE_NAME,
        _c("kommune", "text", "Kommunen eller kommunene kontoret dekker; tom når den ikke er oppgitt.", True),
        _c("saksvurderinger", "integer", "Antall saksvurderinger fra kontoret."),
        _c("kontorvurdering", "boolean", "Om kontoret har en kontorvurdering (kontor.yaml)."),
        *_COUNTS,
        _c("avvik", "integer", "Antall avvik (saker og kontorvurdering)."),
        _c("merknader", "integer", "Antall merknader (saker og kontorvurdering)."),
        _c("god_praksis", "integer", "Antall kriterier med god praksis (oppfylt i alle saker der det telles, i minst 2 saker)."),
    )),
    Table("kriterier", "Ett kriterium i sjekklisten for saker eller for kontorvurderingen som runden bruker.", (
        _ROUND,
        _c("sjekkliste", "text", "Sjekklisten som id@versjon, for eksempel «kvp-sak@2026.1»."),
        _KIND, _THEME, _THEME_TITLE, _CRITERION,
        _c("sporsmal", "text", "Spørsmålet slik revisoren leser det."),
        _c("svartype", "text", "scale (gir poeng), number, date, choice eller text (bare registrert)."),
        _SEVERITY, _BASIS,
        _c("vekt", "real", "Kriteriets vekt i vektede resultater."),
        _c("enhet", "text", "Enheten for et tallsvar, for eksempel «deltakere».", True),
        _c("betingelse", "text", "Når kriteriet gjelder (applies_when); tom betyr alltid.", True),
        _c("erstatter", "list", "Id-er for kriterier i eldre versjoner som dette erstatter."),
    )),
    Table("svar", "Den lange tabellen: ett kriterium i én vurdering (sak eller kontor) på ett kontor.", (
        _ROUND, _OFFICE, _OFFICE_NAME, _KIND,
        _c("sak", "text", "Sakens tilfeldige nøkkel, eller «kontor» for kontorvurderingen."),
        _c("utvalg", "text", "Hvordan saken ble valgt: «kontoret» eller «tilfeldig»; tom når ikke oppgitt.", True),
        _c("dato", "text", "Datoen for vurderingen (første besøksdag for kontorvurderingen), ÅÅÅÅ-MM-DD."),
        _THEME, _CRITERION, _SEVERITY, _BASIS,
        _c("vekt", "real", "Kriteriets vekt."),
        _c("svar", "value", "Svaret slik det står i vurderingen (ja, delvis, nei, ikke aktuelt, et tall, en dato ...); tomt når ubesvart.", True),
        _c("utfall", "text", "oppfylt, delvis, ikke oppfylt, ikke aktuelt eller ubesvart; tom for kriterier uten svarskala.", True),
        _c("poeng", "real", "Poengene svaret gir (1, 0,5, 0); tom når utfallet ikke telles.", True),
        _c("kilder", "list", "Hvor dokumentasjonen ble funnet: saksmappe, Arena, Modia, Gosys, aktivitetsplan, samtale."),
        _c("har_kommentar", "boolean", "Om revisoren skrev en kommentar (teksten eksporteres ikke)."),
    )),
    Table("kontor_tema", "Resultatet for ett tema på ett kontor (sakene, eller kontorvurderingen).", (
        _ROUND, _OFFICE, _OFFICE_NAME, _KIND, _THEME, _THEME_TITLE, *_COUNTS,
        _c("vektet_sum", "real", "Summen av vekt × poeng over utfallene som telles (for å slå sammen tema og kontorer)."),
        _c("vekt_sum", "real", "Summen av vektene over utfallene som telles; score = vektet_sum / vekt_sum."),
    )),
    Table("funn", "Ett funn på ett kontor: avvik, merknad eller god praksis for ett kriterium.", (
        _ROUND, _OFFICE, _OFFICE_NAME,
        _c("funn_id", "text", "Funnets faste id: runde/kontor/kriterium."),
        _c("type", "text", "avvik (krav ikke fullt oppfylt), merknad (anbefaling ikke fullt oppfylt) eller god praksis."),
        _KIND, _THEME, _CRITERION,
        _c("sporsmal", "text", "Kriteriets spørsmål."),
        _SEVERITY, _BASIS,
        *_COUNTS[:4],
        _c("saker", "integer", "Antall saker der kriteriet telles."),
        _c("saksnokler", "list", "Nøklene til sakene der kriteriet var delvis eller ikke oppfylt; tom for god praksis og for kontorvurderingen."),
    )),
    Table("kontortall", "Ett tall eller fakta fra kontorvurderingen (måltall, deltakere, søknader ...).", (
        _ROUND, _OFFICE, _OFFICE_NAME,
        _c("kilde", "text", "«kriterium» (et svar uten svarskala) eller «fakta» (et fakta om kontoret)."),
        _c("id", "text", "Kriteriets id eller faktaets navn, for eksempel «TALL-MAALTALL»."),
        _c("tekst", "text", "Spørsmålet eller ledeteksten."),
        _c("verdi", "value", "Verdien; tom når den ikke er fylt inn.", True),
        _c("enhet", "text", "Enheten, for eksempel «deltakere».", True),
    )),
    Table("oppfolging", "Ett funn som skal følges opp på ett kontor: rundens avvik og merknader, og funn ført videre fra forrige runde.", (
        _ROUND, _OFFICE, _OFFICE_NAME,
        _c("funn_id", "text", "Funnets faste id: runde/kontor/kriterium (runden funnet kom fra)."),
        _c("type", "text", "avvik eller merknad."),
        _CRITERION,
        _c("fra_forrige_runde", "boolean", "Om funnet er ført videre fra forrige runde (carried i runde.yaml)."),
        _c("status", "text", "lukket, delvis, åpen eller ikke fulgt opp (ingen oppføring i oppfolging.yaml)."),
        _c("tiltak", "text", "Hva kontoret har gjort, slik det står i oppfolging.yaml.", True),
        _c("dokumentasjon", "text", "Dokumentasjonen som ble vist.", True),
        _c("dato", "text", "Datoen oppfølgingen ble sjekket, ÅÅÅÅ-MM-DD.", True),
        _c("funnet_igjen", "boolean", "For funn ført videre: om kriteriet er et funn igjen i denne runden; tom når det ikke er vurdert.", True),
    )),
)}

META_DOC: dict[str, str] = {
    "format": f"Alltid «{FORMAT_NAME}».",
    "format_versjon": "Formatets versjon; øker når en tabell eller kolonne endrer betydning.",
    "verktoy": "Programmet som laget eksporten: kvp-audit.",
    "verktoy_versjon": "Versjonen av kvp-audit.",
    "runde": "Rundens id.",
    "runde_navn": "Rundens navn.",
    "fylke": "Fylket runden gjelder.",
    "periode_start": "Rundens første dag.",
    "periode_slutt": "Rundens siste dag.",
    "sjekkliste_sak": "Sjekklisten for saker (id@versjon).",
    "sjekkliste_kontor": "Sjekklisten for kontorvurderingen; tom når runden ikke har en.",
    "merknad": "Rundens merknad, for eksempel at den holder fiktive data.",
}


@dataclass
class ExportTables:
    """The exported tables of one round: metadata, and rows (tuples in column order) per table."""

    meta: dict[str, Any]
    rows: dict[str, list[tuple]] = field(default_factory=dict)

    def records(self, table: str) -> Iterable[dict[str, Any]]:
        """The rows of one table as dicts by column name."""
        names = TABLES[table].names
        return (dict(zip(names, row)) for row in self.rows[table])


# --------------------------------------------------------------------------- building


def _value(value: Any) -> Any:
    """An answer or fact as a plain JSON value: dates as ÅÅÅÅ-MM-DD, the rest as it is."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _score(tally: Tally) -> float | None:
    score = tally.score
    return None if score is None else round(score, SCORE_DIGITS)


def _counts(tally: Tally) -> tuple:
    return (tally.counted, tally.met, tally.partly, tally.not_met, tally.not_applicable, tally.unanswered,
            tally.n_cases, _score(tally))


def _plan(checklist: Checklist) -> list[tuple]:
    """Per criterion, in order: id, theme id, severity, legal basis, weight, scored."""
    return [
        (c.id, t.id, c.severity.value if c.severity else None, list(c.legal_basis), c.weight, c.scored)
        for t in checklist.themes for c in t.criteria
    ]


def _answer_rows(head: tuple, plan: list[tuple], answers: dict, results: dict) -> Iterable[tuple]:
    for cid, theme, severity, basis, weight, scored in plan:
        answer = answers.get(cid)
        value = _value(answer.answer) if answer is not None else None
        sources = list(answer.sources) if answer is not None else []
        commented = bool(answer is not None and answer.comment.strip())
        outcome = points = None
        if scored:
            result = results[cid]
            outcome = result.outcome.value
            points = result.points if result.outcome.counts else None
        yield head + (theme, cid, severity, basis, weight, value, outcome, points, sources, commented)


def _theme_tallies(checklist: Checklist, by_criterion: dict[str, Tally]) -> list[tuple[Any, Tally]]:
    """Per theme with scored criteria: the merged tally of its criteria (as scoring does)."""
    out = []
    for theme in checklist.themes:
        scored = [c.id for c in theme.criteria if c.scored]
        if not scored:
            continue
        tally = Tally()
        for cid in scored:
            if cid in by_criterion:
                tally.merge(by_criterion[cid])
        out.append((theme, tally))
    return out


def _no_tick(_what: str) -> None:
    """Progress that nobody watches."""


def build_tables(data, scores: RoundScore | None = None, tick: Callable[[str], None] = _no_tick) -> ExportTables:
    """Build every export table from a loaded round (and its scores, computed if not given);
    ``tick`` is called with each office's id once its rows are built."""
    if scores is None:
        from .scoring import score_round

        scores = score_round(data)
    out = ExportTables(_meta(data), {name: [] for name in TABLES})
    out.rows["kriterier"].extend(_criteria_rows(data))
    plans = {CASE: _plan(data.case_checklist), OFFICE: _plan(data.office_checklist) if data.office_checklist else []}
    for office in data.round.offices:
        _office_rows(out, data, scores, office, plans)
        tick(office.id)
    return out


def _meta(data) -> dict:
    rnd, case_cl, office_cl = data.round, data.case_checklist, data.office_checklist
    return {
        "format": FORMAT_NAME,
        "format_versjon": FORMAT_VERSION,
        "verktoy": "kvp-audit",
        "verktoy_versjon": __version__,
        "runde": rnd.id,
        "runde_navn": rnd.name,
        "fylke": rnd.county,
        "periode_start": rnd.period.start.isoformat(),
        "periode_slutt": rnd.period.end.isoformat(),
        "sjekkliste_sak": case_cl.ref,
        "sjekkliste_kontor": office_cl.ref if office_cl else None,
        "merknad": rnd.note or None,
    }


def _criteria_rows(data) -> list[tuple]:
    rows = []
    for kind, checklist in ((CASE, data.case_checklist), (OFFICE, data.office_checklist)):
        if checklist is None:
            continue
        for theme in checklist.themes:
            for c in theme.criteria:
                rows.append((
                    data.round.id, checklist.ref, kind, theme.id, theme.title, c.id, c.question, c.answer.value,
                    c.severity.value if c.severity else None, list(c.legal_basis), c.weight,
                    c.unit or None, c.applies_when or None, list(c.replaces),
                ))
    return rows


def _office_rows(out: ExportTables, data, scores: RoundScore, office, plans: dict) -> None:
    """One office's rows in every table but ``kriterier``."""
    from .followup import followup_items

    rid, oid, oname = data.round.id, office.id, office.name
    case_cl, office_cl = data.case_checklist, data.office_checklist
    s = scores.offices[office.id]
    reviews = sorted(data.cases.get(office.id, []), key=lambda c: c.case)
    office_review = data.office_reviews.get(office.id) if office_cl is not None else None
    kinds = [f.kind for f in s.findings]
    out.rows["kontorer"].append((
        rid, oid, oname, office.municipality or None, len(reviews), data.office_reviews.get(office.id) is not None,
        *_counts(s.total), kinds.count("avvik"), kinds.count("merknad"), kinds.count("god praksis"),
    ))

    svar = out.rows["svar"]
    for review in reviews:
        head = (rid, oid, oname, CASE, review.case, review.selection or None, review.date.isoformat())
        svar.extend(_answer_rows(head, plans[CASE], review.answers, s.cases[review.case]))
    if office_review is not None:
        head = (rid, oid, oname, OFFICE, OFFICE_CASE_KEY, None, min(office_review.visit_dates).isoformat())
        svar.extend(_answer_rows(head, plans[OFFICE], office_review.answers, s.office_review or {}))

    themes = out.rows["kontor_tema"]
    for theme in case_cl.themes:
        tally = s.by_theme.get(theme.id)
        if tally is not None:
            themes.append((rid, oid, oname, CASE, theme.id, theme.title, *_counts(tally),
                           tally.weighted, tally.weight))
    if office_review is not None:
        for theme, tally in _theme_tallies(office_cl, s.office_by_criterion):
            themes.append((rid, oid, oname, OFFICE, theme.id, theme.title, *_counts(tally),
                           tally.weighted, tally.weight))

    out.rows["funn"].extend(_finding_rows(data, s, (rid, oid, oname)))
    for item in followup_items(data, scores, office.id):
        out.rows["oppfolging"].append((
            rid, oid, oname, item.id, item.kind, item.criterion, item.carried, item.status,
            item.action or None, item.evidence or None, item.date or None, item.found_again,
        ))
    if office_review is not None:
        out.rows["kontortall"].extend(_figure_rows(office_cl, office_review, (rid, oid, oname)))


def _finding_rows(data, s, head: tuple) -> list[tuple]:
    case_ids = set(data.case_checklist.criterion_map())
    all_criteria = dict(data.case_checklist.criterion_map())
    if data.office_checklist:
        all_criteria.update(data.office_checklist.criterion_map())
    rows = []
    for f in s.findings:
        crit = all_criteria[f.criterion]
        kind = CASE if f.criterion in case_ids else OFFICE
        t = f.tally
        rows.append((
            *head, f.id, f.kind, kind, f.theme, f.criterion, crit.question,
            crit.severity.value if crit.severity else None, list(crit.legal_basis),
            t.counted, t.met, t.partly, t.not_met, t.n_cases,
            list(f.cases) if kind == CASE else [],
        ))
    return rows


def _figure_rows(office_cl: Checklist, office_review, head: tuple) -> list[tuple]:
    rows = []
    for c in office_cl.criteria():
        if c.answer == AnswerType.scale:
            continue
        answer = office_review.answers.get(c.id)
        rows.append((*head, "kriterium", c.id, c.question,
                     _value(answer.answer) if answer is not None else None, c.unit or None))
    for name, fact in office_cl.facts.items():
        rows.append((*head, "fakta", name, fact.label or name, _value(office_review.facts.get(name)), None))
    return rows


# --------------------------------------------------------------------------- staging


class _Staged:
    """Temporary files beside their targets, renamed into place only when all are complete."""

    def __init__(self) -> None:
        self.pairs: list[tuple[str, Path]] = []

    def new(self, target: Path) -> str:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        self.pairs.append((tmp, target))
        return tmp

    def __enter__(self) -> _Staged:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None:
                for tmp, target in self.pairs:
                    os.chmod(tmp, (target.stat().st_mode & 0o777) if target.exists() else 0o644)
                for tmp, target in self.pairs:
                    os.replace(tmp, target)
        finally:
            # Whatever was not moved into place (an error, or Ctrl-C even while moving) is removed.
            for tmp, _target in self.pairs:
                try:
                    os.unlink(tmp)
                except FileNotFoundError:
                    pass
        return False


def _flat(value: Any) -> Any:
    """A cell for CSV, XLSX and SQLite: lists joined with '; '."""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return value


# --------------------------------------------------------------------------- CSV


def csv_paths(out: Path) -> dict[str, Path]:
    """Where each table goes: the long table in ``out``, the others beside it as ``<stem>_<table>.csv``."""
    paths = {"svar": out}
    for name in ["meta", *TABLES]:
        if name != "svar":
            paths[name] = out.with_name(f"{out.stem}_{name}.csv")
    return paths


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if value is None:
        return ""
    return _flat(value)


def write_csv(tables: ExportTables, out: Path, tick: Callable[[str], None] = _no_tick) -> list[Path]:
    """Write each table as UTF-8 CSV (comma, header row); the long table goes to ``out``.
    ``tick`` is called with each table's name once it is written (the same in every writer)."""
    paths = csv_paths(out)
    with _Staged() as staged:
        for name, path in paths.items():
            tmp = staged.new(path)
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                if name == "meta":
                    writer.writerow(["nokkel", "verdi"])
                    writer.writerows((k, _csv_cell(v)) for k, v in tables.meta.items())
                    continue
                writer.writerow(TABLES[name].names)
                writer.writerows([_csv_cell(v) for v in row] for row in tables.rows[name])
            if name != "meta":
                tick(name)
    return list(paths.values())


# --------------------------------------------------------------------------- JSON


def write_json(tables: ExportTables, out: Path, tick: Callable[[str], None] = _no_tick) -> list[Path]:
    """Write one JSON document with the metadata and every table as a list of objects (one per line)."""
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    parts = ['{\n  "meta": ', json.dumps(tables.meta, ensure_ascii=False, indent=2).replace("\n", "\n  "),
             ',\n  "tabeller": {']
    for ti, name in enumerate(TABLES):
        names = TABLES[name].names
        parts.append(("," if ti else "") + f"\n    {dumps(name)}: [")
        rows = tables.rows[name]
        for ri, row in enumerate(rows):
            parts.append(("," if ri else "") + "\n      " + dumps(dict(zip(names, row))))
        parts.append("\n    ]" if rows else "]")
        tick(name)
    parts.append("\n  }\n}\n")
    with _Staged() as staged:
        tmp = staged.new(out)
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write("".join(parts))
    return [out]


def json_schema() -> dict:
    """The JSON Schema of the JSON export, generated from :data:`TABLES`."""
    types = {
        "text": {"type": "string"},
        "integer": {"type": "integer"},
        "real": {"type": "number"},
        "boolean": {"type": "boolean"},
        "list": {"type": "array", "items": {"type": "string"}},
        "value": {"type": ["string", "number", "boolean"]},
    }

    def column(col: Column) -> dict:
        spec = dict(types[col.type])
        if col.nullable:
            spec["type"] = [*([spec["type"]] if isinstance(spec["type"], str) else spec["type"]), "null"]
        return {"description": col.doc, **spec}

    meta_props: dict[str, Any] = {name: {"description": doc, "type": ["string", "null"]} for name, doc in META_DOC.items()}
    meta_props["format"] = {"description": META_DOC["format"], "const": FORMAT_NAME}
    meta_props["format_versjon"] = {"description": META_DOC["format_versjon"], "const": FORMAT_VERSION}
    for name in ("verktoy", "verktoy_versjon", "runde", "runde_navn", "fylke", "periode_start", "periode_slutt",
                 "sjekkliste_sak"):
        meta_props[name]["type"] = "string"
    defs = {
        name: {
            "type": "object",
            "description": table.doc,
            "additionalProperties": False,
            "required": table.names,
            "properties": {c.name: column(c) for c in table.columns},
        }
        for name, table in TABLES.items()
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "kvp-audit eksport",
        "description": "Én runde eksportert som tabeller med kvp-audit export --format json. "
                       "Se docs/export.md for tabellene og kolonnene.",
        "type": "object",
        "additionalProperties": False,
        "required": ["meta", "tabeller"],
        "properties": {
            "meta": {
                "type": "object",
                "description": "Om eksporten: format, verktøy og runde.",
                "additionalProperties": False,
                "required": list(META_DOC),
                "properties": meta_props,
            },
            "tabeller": {
                "type": "object",
                "description": "Tabellene, hver som en liste av rader.",
                "additionalProperties": False,
                "required": list(TABLES),
                "properties": {
                    name: {"type": "array", "description": TABLES[name].doc, "items": {"$ref": f"#/$defs/{name}"}}
                    for name in TABLES
                },
            },
        },
        "$defs": defs,
    }


# --------------------------------------------------------------------------- XLSX


def _width_of(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return len(f"{value:.4g}")
    return len(str(value))


MAX_WIDTH_SAMPLE = 2000  # rows looked at when sizing columns: enough for a fair width, cheap on big tables
XLSX_MAX_ROWS = 1_048_576  # rows in one Excel sheet, the header included


def write_xlsx(tables: ExportTables, out: Path, tick: Callable[[str], None] = _no_tick) -> list[Path]:
    """Write one sheet per table (and one for the metadata): header frozen, filters on, widths set."""
    from .errors import UsageError

    for name, rows in tables.rows.items():
        if len(rows) + 1 > XLSX_MAX_ROWS:
            raise UsageError(_("tabellen '{table}' har {n} rader, flere enn et Excel-ark kan ha ({limit}); bruk --format sqlite eller csv").format(
                table=name, n=len(rows), limit=XLSX_MAX_ROWS - 1))
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list[Any]]) -> None:
        ws = wb.create_sheet(title)
        sample = rows[:MAX_WIDTH_SAMPLE]
        for i, name in enumerate(header):
            width = max([len(name)] + [_width_of(r[i]) for r in sample])
            ws.column_dimensions[get_column_letter(i + 1)].width = min(max(width, 6), 60) + 2
        ws.freeze_panes = "A2"
        last = get_column_letter(len(header))
        ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
        cells = []
        for name in header:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
        for row in rows:
            ws.append([_xlsx_cell(ws, v, WriteOnlyCell) for v in row])

    try:
        sheet("meta", ["nokkel", "verdi"], [[k, v] for k, v in tables.meta.items()])
        for name, table in TABLES.items():
            sheet(name, table.names, [[_flat(v) for v in row] for row in tables.rows[name]])
            tick(name)
        _fix_timestamps(wb)
        with _Staged() as staged:
            tmp = staged.new(out)
            wb.save(tmp)
            _reproducible_zip(tmp)
    except BaseException:
        _discard(wb)
        raise
    return [out]


def _discard(wb) -> None:
    """Close a write-only workbook that will not be saved (an error, or Ctrl-C) and remove its
    temporary files. Left to the garbage collector, its half-written sheets fail noisily at
    exit ("Exception ignored in ...") and their files stay until the interpreter ends."""
    for ws in getattr(wb, "_sheets", []):
        writer = getattr(ws, "_writer", None)
        for stream in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
            if stream is not None:
                try:
                    stream.close()
                except Exception:  # a stream broken by the interruption: only its file matters
                    pass
        if writer is not None:
            try:
                writer.cleanup()
            except (OSError, ValueError):
                pass


def _xlsx_cell(ws, value: Any, cell_class) -> Any:
    # openpyxl reads text starting with '=' as a formula: keep such text as text.
    if isinstance(value, str) and value.startswith("="):
        cell = cell_class(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def source_date() -> dt.datetime | None:
    """The time to stamp in a written file from SOURCE_DATE_EPOCH (reproducible builds), else None."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        return None


def _fix_timestamps(wb) -> None:
    when = source_date()
    if when is not None:
        wb.properties.created = when
        wb.properties.modified = when


def _reproducible_zip(path: str) -> None:
    """With SOURCE_DATE_EPOCH set, give every part of the XLSX that date, so equal input gives equal bytes."""
    when = source_date()
    if when is None:
        return
    import zipfile

    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
    # openpyxl stamps the modified time with the clock when it saves: put the fixed date back.
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    items = [(info, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + iso + rb"\g<2>", raw)
              if info.filename == "docProps/core.xml" else raw) for info, raw in items]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, raw in items:
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, raw)


# --------------------------------------------------------------------------- SQLite

SQL_TYPES = {"text": "TEXT", "integer": "INTEGER", "real": "REAL", "boolean": "INTEGER", "list": "TEXT", "value": ""}

# The views, with their documentation. Each is plain SQL over the tables above, so an
# analyst can read how a figure is made.
VIEWS: dict[str, tuple[str, str]] = {
    "v_kontor_tema": (
        "Telling per kontor, vurdering og tema regnet direkte fra den lange tabellen `svar` "
        "(gir det samme som tabellen `kontor_tema`, og viser hvordan tallene oppstår).",
        """
        SELECT runde, kontor, kontornavn, vurdering, tema,
               SUM(utfall IN ('oppfylt', 'delvis', 'ikke oppfylt')) AS telles,
               SUM(utfall = 'oppfylt') AS oppfylt,
               SUM(utfall = 'delvis') AS delvis,
               SUM(utfall = 'ikke oppfylt') AS ikke_oppfylt,
               SUM(utfall = 'ikke aktuelt') AS ikke_aktuelt,
               SUM(utfall = 'ubesvart') AS ubesvart,
               COUNT(DISTINCT CASE WHEN poeng IS NOT NULL THEN sak END) AS saker,
               SUM(vekt * poeng) / SUM(CASE WHEN poeng IS NOT NULL THEN vekt END) AS score
        FROM svar
        WHERE utfall IS NOT NULL
        GROUP BY runde, kontor, kontornavn, vurdering, tema
        """,
    ),
    "v_tema": (
        "Hvert tema for hele runden (alle kontorer slått sammen), med score vektet som i rapportene.",
        """
        SELECT runde, vurdering, tema, tema_tittel,
               SUM(telles) AS telles, SUM(oppfylt) AS oppfylt, SUM(delvis) AS delvis,
               SUM(ikke_oppfylt) AS ikke_oppfylt, SUM(ikke_aktuelt) AS ikke_aktuelt,
               SUM(ubesvart) AS ubesvart, SUM(saker) AS saker,
               CASE WHEN SUM(vekt_sum) > 0 THEN SUM(vektet_sum) / SUM(vekt_sum) END AS score,
               COUNT(*) AS kontorer
        FROM kontor_tema
        GROUP BY runde, vurdering, tema, tema_tittel
        """,
    ),
    "v_funn": (
        "Funnene med kontorets navn og temaets tittel, sortert etter kontor, type og kriterium.",
        """
        SELECT f.runde, f.kontor, f.kontornavn, f.funn_id, f.type, f.vurdering, f.tema,
               k.tema_tittel, f.kriterium, f.sporsmal, f.alvorlighet, f.rettslig_grunnlag,
               f.telles, f.oppfylt, f.delvis, f.ikke_oppfylt, f.saker, f.saksnokler
        FROM funn f
        LEFT JOIN kriterier k ON k.runde = f.runde AND k.vurdering = f.vurdering AND k.kriterium = f.kriterium
        ORDER BY f.kontor, f.type, f.kriterium
        """,
    ),
    "v_kriterium_funn": (
        "Per kriterium: hvor mange kontorer som har avvik, merknad eller god praksis, og hvilke kontorer som har avvik.",
        """
        SELECT runde, vurdering, tema, kriterium, sporsmal,
               SUM(type = 'avvik') AS kontorer_avvik,
               SUM(type = 'merknad') AS kontorer_merknad,
               SUM(type = 'god praksis') AS kontorer_god_praksis,
               GROUP_CONCAT(CASE WHEN type = 'avvik' THEN kontor END, '; ') AS kontorer_med_avvik
        FROM funn
        GROUP BY runde, vurdering, tema, kriterium, sporsmal
        """,
    ),
}


def _figures_view(tables: ExportTables) -> str | None:
    """A wide view of the office figures: one row per office, one column per figure id."""
    ids: list[str] = []
    for row in tables.rows["kontortall"]:
        if row[4] not in ids:
            ids.append(row[4])
    if not ids:
        return None
    cols = ",\n       ".join(
        f"MAX(CASE WHEN id = {_sql_text(i)} THEN verdi END) AS {_sql_name(i)}" for i in ids)
    return f"SELECT runde, kontor, kontornavn,\n       {cols}\nFROM kontortall\nGROUP BY runde, kontor, kontornavn"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_name(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _sqlite_cell(value: Any) -> Any:
    return _flat(value)


def write_sqlite(tables: ExportTables, out: Path, tick: Callable[[str], None] = _no_tick) -> list[Path]:
    """Write a SQLite database: the tables, views, a ``meta`` table and a ``kolonner`` table documenting each column."""
    import sqlite3

    with _Staged() as staged:
        tmp = staged.new(out)
        os.unlink(tmp)  # sqlite creates the file itself
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            with conn:
                conn.execute("CREATE TABLE meta (nokkel TEXT PRIMARY KEY, verdi, beskrivelse TEXT)")
                conn.executemany("INSERT INTO meta VALUES (?, ?, ?)",
                                 [(k, v, META_DOC[k]) for k, v in tables.meta.items()])
                conn.execute("CREATE TABLE kolonner (tabell TEXT, kolonne TEXT, type TEXT, beskrivelse TEXT, "
                             "PRIMARY KEY (tabell, kolonne))")
                for name, table in TABLES.items():
                    conn.execute("INSERT INTO kolonner VALUES (?, ?, ?, ?)", (name, "", "tabell", table.doc))
                    conn.executemany("INSERT INTO kolonner VALUES (?, ?, ?, ?)",
                                     [(name, c.name, c.type, c.doc) for c in table.columns])
                    cols = ", ".join(f"{_sql_name(c.name)} {SQL_TYPES[c.type]}".rstrip() for c in table.columns)
                    conn.execute(f"CREATE TABLE {name} ({cols})")
                    marks = ", ".join("?" * len(table.columns))
                    conn.executemany(f"INSERT INTO {name} VALUES ({marks})",
                                     ([_sqlite_cell(v) for v in row] for row in tables.rows[name]))
                    tick(name)
                conn.execute("CREATE INDEX svar_kontor ON svar (kontor, vurdering, tema)")
                conn.execute("CREATE INDEX svar_kriterium ON svar (kriterium)")
                conn.execute("CREATE INDEX funn_kontor ON funn (kontor)")
                views = dict(VIEWS)
                figures = _figures_view(tables)
                if figures:
                    views["v_kontortall"] = ("Kontortallene med ett tall per kolonne: én rad per kontor.", figures)
                for name, (doc, sql) in views.items():
                    conn.execute(f"CREATE VIEW {name} AS {sql.strip()}")
                    conn.execute("INSERT INTO kolonner VALUES (?, ?, ?, ?)", (name, "", "visning", doc))
        finally:
            conn.close()
    return [out]


# --------------------------------------------------------------------------- entry point

WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "json": write_json, "sqlite": write_sqlite}


def format_for(fmt: str | None, out: Path | None) -> str:
    """The format to write: the one asked for, else the one the file name's suffix says."""
    from .errors import UsageError

    if fmt is not None:
        if fmt not in FORMATS:
            raise UsageError(_("ukjent format '{fmt}'; bruk csv, xlsx, json eller sqlite").format(fmt=fmt))
        return fmt
    if out is not None and out.suffix.lower() in SUFFIXES:
        return SUFFIXES[out.suffix.lower()]
    raise UsageError(_("oppgi --format (csv, xlsx, json eller sqlite), eller en --out med filendelse .csv, .xlsx, .json eller .sqlite"))


def suffix_warning(fmt: str, out: Path) -> str | None:
    """A warning when the file name says another format than the one written, else None."""
    said = SUFFIXES.get(out.suffix.lower())
    if said is None or said == fmt:
        return None
    return _("advarsel: {path} får {fmt}-innhold, men filendelsen sier {said}; gi filen endelsen {suffix}").format(
        path=out.name, fmt=fmt, said=said, suffix=DEFAULT_SUFFIX[fmt])


def check_target(out: Path) -> None:
    """Refuse a target whose folder is missing or which is a folder itself, before any work."""
    from .errors import display_path, UsageError

    folder = out.parent
    if not folder.is_dir():
        raise UsageError(_("mappen '{folder}' finnes ikke; lag den først, eller velg en annen --out").format(
            folder=display_path(folder)))
    if out.is_dir():
        raise UsageError(_("'{path}' er en mappe; --out må være et filnavn, for eksempel {example}").format(
            path=display_path(out), example=display_path(out / "eksport.xlsx")))


def export_round(data, fmt: str, out: Path, scores: RoundScore | None = None, progress=False) -> list[Path]:
    """Export a loaded round in one format to ``out``; return the files written.

    Refuses a round with errors (nothing is written): its scores would be wrong.
    ``progress``: True for a bar on a terminal (offices, then tables), as for the reports.
    """
    from .progress import shown

    from .errors import RoundErrors

    fmt = format_for(fmt, out)
    check_target(out)
    if data.errors:
        raise RoundErrors(ngettext("runden har {n} feil; rett den (se 'kvp-audit validate') før eksport. Ingenting ble skrevet",
                                   "runden har {n} feil; rett dem (se 'kvp-audit validate') før eksport. Ingenting ble skrevet",
                                   len(data.errors)).format(
            n=len(data.errors)), data.errors)
    with shown(progress) as display:
        bar = display.task(_("Eksport {round}").format(round=data.round.id), len(data.round.offices) + len(TABLES))
        tables = build_tables(data, scores, bar.advance)
        return WRITERS[fmt](tables, out, bar.advance)
