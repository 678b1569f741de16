"""Skeleton files for a new round and a new review, listing every criterion to fill in.

The skeletons are written as text (not dumped from data) so that each criterion carries
its question as a comment, which is what a reviewer editing by hand needs to see.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .errors import UsageError
from .i18n import _
from .models import AnswerType, Checklist, FactType, Office, ReportStatus, Round
from .privacy import new_case_key
from .yamlio import atomic_write

FICTION_NOTE = "Fiktive eksempeldata: ingen virkelige personer eller saker."


def _q(value: str) -> str:
    """Quote a string for YAML (JSON strings are valid YAML scalars)."""
    return json.dumps(value, ensure_ascii=False)


def _comment(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _fact_hint(spec) -> str:
    if spec.type == FactType.choice:
        return " | ".join(spec.options)
    return {
        FactType.bool: "true | false",
        FactType.date: "ÅÅÅÅ-MM-DD",
        FactType.number: _("tall"),
        FactType.text: _("tekst"),
    }[spec.type]


def _answer_hint(checklist: Checklist, crit) -> str:
    if crit.answer == AnswerType.scale:
        return " | ".join(v.value for v in checklist.scale)
    if crit.answer == AnswerType.choice:
        return " | ".join(crit.options)
    return {
        AnswerType.number: _("tall") + (f" ({crit.unit})" if crit.unit else ""),
        AnswerType.date: "ÅÅÅÅ-MM-DD",
        AnswerType.text: _("tekst"),
    }[crit.answer]


def review_body(checklist: Checklist, header: list[str]) -> str:
    """The facts and answers sections of a review skeleton for ``checklist``."""
    lines = list(header)
    lines.append("facts:")
    if not checklist.facts:
        lines[-1] = "facts: {}"
    for name, spec in checklist.facts.items():
        if spec.compute:  # worked out from the other facts and the date: never typed
            lines.append("  # " + _comment(_("{name}: beregnes av verktøyet ({compute})").format(name=name, compute=spec.compute)))
            continue
        label = f"{_comment(spec.label)} " if spec.label else ""
        lines.append(f"  {name}:  # {label}[{_fact_hint(spec)}]")
    lines.append("answers:")
    for theme in checklist.themes:
        lines.append(f"  # --- {theme.title}")
        for crit in theme.criteria:
            extra = f" (gjelder når: {crit.applies_when})" if crit.applies_when else ""
            lines.append(f"  {crit.id}:  # {_comment(crit.question)}{extra}")
            lines.append(f"    answer:  # {_answer_hint(checklist, crit)}")
            if crit.scored:
                lines.append("    comment: ''")
                lines.append("    sources: []  # saksmappe, Arena, Modia, Gosys, aktivitetsplan, samtale")
    return "\n".join(lines) + "\n"


def case_skeleton(checklist: Checklist, office_id: str, key: str, reviewers: list[str], date: dt.date,
                  selection: str = "", position: int | None = None, stratum: str = "") -> str:
    """The text of a new case review file; ``position`` and ``stratum`` are its place in the office's draw."""
    header = [
        "# " + _("Saksvurdering") + f": {checklist.title} ({checklist.ref})",
        "# " + _("Svar: ja, delvis, nei eller ikke aktuelt. Et tomt svar er «ubesvart», aldri «nei»."),
        "# " + _("Skriv aldri navn eller fødselsnummer: saken kjennes bare ved nøkkelen."),
        f"case: {key}",
        f"office: {office_id}",
        f"reviewers: [{', '.join(reviewers)}]",
        f"date: {date.isoformat()}",
        "selection: " + (selection or "''") + "  # kontoret | tilfeldig",
    ]
    if position is not None:
        header.append(f"position: {position}  # " + _("plassen i trekningen (utvalg.yaml)"))
    if stratum:
        header.append(f"stratum: {_q(stratum)}")
    return review_body(checklist, header)


def _office_header(title: str, checklist: Checklist, office_id: str, reviewers: list[str]) -> list[str]:
    """The first lines of a file about the office as a whole (kontor.yaml, oppfolging.yaml)."""
    return [
        "# " + title + f": {checklist.title} ({checklist.ref})",
        "# " + _("Skriv roller (leder, KVP-veileder), aldri navn."),
        f"office: {office_id}",
        f"reviewers: [{', '.join(reviewers)}]",
    ]


def office_skeleton(checklist: Checklist, office_id: str, reviewers: list[str], date: dt.date) -> str:
    """The text of a new office review file (kontor.yaml)."""
    header = _office_header(_("Kontorvurdering"), checklist, office_id, reviewers) + [
        f"visit_dates: [{date.isoformat()}]",
        "met: []  # " + _("roller, for eksempel leder, KVP-veileder"),
    ]
    return review_body(checklist, header)


def followup_skeleton(checklist: Checklist, office_id: str, reviewers: list[str], date: dt.date) -> str:
    """The text of a new follow-up file (oppfolging.yaml), with no finding followed up yet."""
    header = _office_header(_("Oppfølgingsverksted"), checklist, office_id, reviewers) + [
        f"date: {date.isoformat()}",
    ]
    return review_body(checklist, header) + "findings: {}\n"


def report_skeleton(office: Office, themes: list[str] = (), status: ReportStatus = ReportStatus.utkast,
                    reply_weeks: int | None = None) -> str:
    """The text of a new rapport.yaml: the report's status, dates and the team's text, every field explained.

    ``themes`` are the theme ids the team may write an assessment for; ``reply_weeks`` the
    round's default deadline (runde.yaml ``report.reply_weeks``), named in the comment.
    """
    deadline = (_("tom: rapportdatoen pluss {weeks} uker (runde.yaml)").format(weeks=reply_weeks) if reply_weeks
                else _("tom: rapportdatoen pluss report.reply_weeks i runde.yaml, ellers ingen frist"))
    theme_hint = _("teamets vurdering per tema-id") + (": " + ", ".join(themes) if themes else "")
    lines = [
        "# " + _("Rapporten til {office}: status, datoer og teamets egen tekst (Markdown).").format(office=office.name),
        "# " + _("Navn på tjenestepersoner står bare i team, sender og signature; de dere møtte, omtales med rolle."),
        "# " + _("Et tomt felt bruker verdien under report: i runde.yaml."),
        f"status: {status}  # utkast | endelig; " + _("et utkast merkes UTKAST på hver side"),
        "date:  # " + _("rapportdatoen (ÅÅÅÅ-MM-DD); tom: siste besøksdato"),
        "reply_deadline:  # " + _("frist for kontorets svar eller plan for retting (ÅÅÅÅ-MM-DD)") + "; " + deadline,
        "reference: ''  # " + _("saksnummer, for eksempel 2026/4711"),
        "sender: ''  # " + _("avsender, for eksempel Statsforvalteren i Fiktivfylke"),
        "team: []  # " + _("revisjonsteamet: - {name: ..., title: seniorrådgiver}"),
        "signature: []  # " + _("hvem som signerer rapporten: - {name: ..., title: ...}"),
        "text:  # Markdown",
        "  summary: ''  # " + _("sammendraget, som står først i rapporten"),
        "  visit: ''  # " + _("om besøket: datoer, og hvem dere møtte (roller, aldri navn)"),
        "  sample: ''  # " + _("utvalget, for eksempel «2 valgt av kontoret, 2 trukket tilfeldig»"),
        "  themes: {}  # " + theme_hint,
        "  conclusion: ''  # " + _("konklusjonen"),
    ]
    return "\n".join(lines) + "\n"


def round_file_text(rnd: Round) -> str:
    """The text of a round file (runde.yaml)."""
    lines = [
        "# " + _("Rundefil for kvp-audit. Kontorene har hver sin mappe ved siden av denne filen."),
        f"id: {_q(rnd.id)}",
        f"name: {_q(rnd.name)}",
        f"county: {_q(rnd.county)}",
        "period:",
        f"  start: {rnd.period.start.isoformat()}",
        f"  end: {rnd.period.end.isoformat()}",
        "checklists:",
        f"  case: {rnd.checklists.case}",
    ]
    if rnd.checklists.office:
        lines.append(f"  office: {rnd.checklists.office}")
    if rnd.checklists.followup:
        lines.append(f"  followup: {rnd.checklists.followup}")
    if rnd.previous:
        lines.append(f"previous: {_q(rnd.previous)}")
    if rnd.note:
        lines.append(f"note: {_q(rnd.note)}")
    lines.append("offices:")
    for office in rnd.offices:
        lines.append(f"  - id: {office.id}")
        lines.append(f"    name: {_q(office.name)}")
        if office.municipality:
            lines.append(f"    municipality: {_q(office.municipality)}")
    lines += report_lines(rnd)
    lines += carried_lines(rnd.carried)
    return "\n".join(lines) + "\n"


def report_lines(rnd: Round) -> list[str]:
    """The ``report:`` section of a round file (the reports' shared values), or a comment saying where it goes."""
    report = rnd.report
    if report is None:
        return ["# " + _("report: felles verdier for rapportene (sender, reference, reply_weeks, signature, texts, summary); se README")]
    lines = ["# " + _("Felles verdier for kontorrapportene; rapport.yaml i hver kontormappe kan overstyre dem."), "report:"]
    if report.sender:
        lines.append(f"  sender: {_q(report.sender)}")
    if report.reference:
        lines.append(f"  reference: {_q(report.reference)}")
    if report.reply_weeks:
        lines.append(f"  reply_weeks: {report.reply_weeks}")
    if report.signature:
        lines.append("  signature:")
        for person in report.signature:
            lines.append(f"    - name: {_q(person.name)}")
            if person.title:
                lines.append(f"      title: {_q(person.title)}")
    texts = {k: v for k, v in report.texts.model_dump().items() if v}
    if texts:
        lines.append("  texts:")
        lines.extend(f"    {key}: {_q(value)}" for key, value in texts.items())
    if report.summary is not None:
        lines.append("  summary:")
        lines.append(f"    status: {report.summary.status}")
        if report.summary.date:
            lines.append(f"    date: {report.summary.date.isoformat()}")
        if report.summary.text:
            lines.append(f"    text: {_q(report.summary.text)}")
    if lines[-1] == "report:":
        lines[-1] = "report: {}"
    return lines


def carried_lines(carried: dict) -> list[str]:
    """The ``carried:`` section of a round file: open findings from the previous round."""
    if not carried:
        return []
    lines = ["# " + _("Funn fra forrige runde som ikke var lukket; sjekk dem ved besøket."), "carried:"]
    for office_id, findings in carried.items():
        lines.append(f"  {office_id}:")
        for f in findings:
            lines.append(f"    - id: {_q(f.id)}")
            lines.append(f"      kind: {f.kind}")
            lines.append(f"      criterion: {_q(f.criterion)}")
            if f.question:
                lines.append(f"      question: {_q(f.question)}")
            lines.append(f"      status: {_q(f.status)}")
            lines.append(f"      now: [{', '.join(_q(n) for n in f.now)}]")
    return lines


def parse_office_option(text: str) -> Office:
    """Read ``--office id=Name`` (or just ``Name``) into an Office."""
    import re
    import unicodedata

    ident, sep, name = text.partition("=")
    if not sep:
        name = text
        folded = unicodedata.normalize("NFKD", text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a"))
        ident = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode()).strip("-")
    from pydantic import ValidationError

    try:
        return Office(id=ident.strip(), name=name.strip())
    except ValidationError as exc:
        # a name Windows keeps for a device: say so, not that the form is wrong
        said = [e["ctx"]["error"] for e in exc.errors() if e["type"] == "value_error" and e.get("ctx")]
        if said:
            raise UsageError(str(said[0])) from None
        raise UsageError(_("'{text}' er ikke et gyldig kontor: skriv id=Navn, for eksempel nav-fjellby='NAV Fjellby'").format(text=text)) from None


def write_round(directory: Path, rnd: Round, office_checklist: Checklist | None, reviewers: list[str],
                today: dt.date, existing: Path | None = None, themes: list[str] = ()) -> list[Path]:
    """Write a round's files into ``directory``: the round file and a folder per office with its office review and rapport.yaml.

    A file already in ``existing`` (the folder the round will be moved into) is not written;
    ``themes`` are the theme ids rapport.yaml names for the team's assessments.
    """
    target = directory / "runde.yaml"
    written = []
    atomic_write(target, round_file_text(rnd))
    written.append(target)
    for office in rnd.offices:
        folder = directory / office.id
        folder.mkdir(parents=True, exist_ok=True)
        if office_checklist is not None:
            path = folder / "kontor.yaml"
            if not path.exists() and not (existing is not None and (existing / office.id / "kontor.yaml").exists()):
                atomic_write(path, office_skeleton(office_checklist, office.id, reviewers, today))
                written.append(path)
        path = folder / "rapport.yaml"
        if not path.exists() and not (existing is not None and (existing / office.id / "rapport.yaml").exists()):
            atomic_write(path, report_skeleton(office, list(themes), reply_weeks=rnd.report.reply_weeks if rnd.report else None))
            written.append(path)
    return written


def create_case(round_dir: Path, office_id: str, checklist: Checklist, reviewers: list[str], today: dt.date,
                existing_keys: set[str], selection: str = "", position: int | None = None,
                stratum: str = "") -> tuple[str, Path]:
    """Draw a new case key and write the case skeleton in the office's folder."""
    key = new_case_key(existing_keys)
    path = round_dir / office_id / f"{key}.yaml"
    atomic_write(path, case_skeleton(checklist, office_id, key, reviewers, today, selection, position, stratum))
    return key, path
