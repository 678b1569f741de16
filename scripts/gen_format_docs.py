"""Generate the file format reference (docs/format.md) and JSON Schemas from the models.

Run after changing kvp_audit/models.py:  python scripts/gen_format_docs.py
tests/test_format_docs.py fails when the committed files are out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kvp_audit.models import (  # noqa: E402
    Answer, CaseReview, Checklist, ChecklistRef, CountySummary, Criterion, Fact, FindingFollowup,
    FollowupReview, Office, OfficeReview, Period, ReportFile, ReportText, Round, RoundChecklists,
    RoundReport, ScaleValue, Signatory, StandardTexts, Theme, json_schema,
    Course, CourseDefaults, DraftFinding, DraftRecord, DraftReview, FollowupReportPart, FollowupText, PlanFile,
    PlanItem, SampleDraw, SampleRecord, Stratum,
)

SECTIONS = [
    ("Sjekkliste", [Checklist, Theme, Criterion, Fact, ScaleValue]),
    ("Rundefil (runde.yaml)", [Round, RoundChecklists, ChecklistRef, Period, Office, RoundReport, StandardTexts,
                               CountySummary]),
    ("Vurderinger", [CaseReview, OfficeReview, FollowupReview, Answer, FindingFollowup]),
    ("Rapportfil (rapport.yaml)", [ReportFile, ReportText, Signatory, Course, DraftReview, FollowupReportPart,
                                   FollowupText]),
    ("Forløpet: plan, utvalg og utkast", [PlanFile, PlanItem, SampleRecord, SampleDraw, Stratum, DraftRecord,
                                          DraftFinding, CourseDefaults]),
]


INTRO = {
    "Checklist": "Sjekklisten: tema med kriterier, og faktaene som avgjør når hvert kriterium gjelder.",
    "Theme": "Et tema: en gruppe kriterier som vises og regnes sammen, for eksempel «Søknad og vedtak».",
    "Criterion": "Et kriterium: ett spørsmål med rettslig grunnlag, alvorlighet og anbefaling.",
    "Fact": "Et fakta som registreres for hver sak (eller hvert kontor), og som betingelsene kan bruke.",
    "ScaleValue": "En verdi på svarskalaen, med utfallet og poengene den gir.",
    "Round": "Rundefilen `runde.yaml`.",
    "RoundChecklists": "Sjekklisteversjonene runden bruker, én per slag.",
    "ChecklistRef": "En sjekklisteversjon; skrives vanligvis som tekst: `kvp-sak@2026.1`.",
    "Period": "Rundens periode.",
    "Office": "Et kontor i runden.",
    "CaseReview": "En saksvurdering: én fil per sak i kontorets mappe.",
    "OfficeReview": "Kontorvurderingen: `kontor.yaml` i kontorets mappe.",
    "FollowupReview": "Oppfølgingsverkstedet: `oppfolging.yaml` i kontorets mappe.",
    "Answer": "Svaret på ett kriterium. Kort form: `IP-01: nei` betyr `IP-01: {answer: nei}`.",
    "FindingFollowup": "Hva kontoret har gjort med ett funn fra en tidligere rapport.",
    "RoundReport": "Blokken `report:` i `runde.yaml`: felles verdier for kontorrapportene, og fylkesoppsummeringens "
                   "status og tekst. Et felt som er tomt i et kontors `rapport.yaml`, tar verdien herfra.",
    "StandardTexts": "Standardtekstene (Markdown) under `report.texts`, brukt der `rapport.yaml` ikke har sin egen.",
    "CountySummary": "Fylkesoppsummeringen under `report.summary`: `status: utkast` merker den UTKAST.",
    "ReportFile": "Rapportens egen fil: `rapport.yaml` i kontorets mappe (laget av `kvp-audit new round` med "
                  "`status: utkast`). Den leses aldri som en sak. Uten filen blir rapporten som før, uten "
                  "teamets tekst og uten merking. Et utkast merkes UTKAST i tittelen, øverst og på hver PDF-side.",
    "ReportText": "Teamets egen tekst (Markdown) under `text:`. De dere møtte, omtales med rolle; tekst som ligner "
                  "et navn, gir en advarsel. `themes` har tema-id-ene fra sjekklisten som nøkler.",
    "Course": "Forløpet under `course:` i `rapport.yaml`: datoen for hvert steg (`kvp-audit step` skriver dem) "
              "og de to fristene, som følger av steget sitt når de er tomme.",
    "DraftReview": "Under `draft_review:` i `rapport.yaml`: kontorets merknader til utkastet og teamets begrunnelse "
                   "for hvert funn som er endret fra utkastet til endelig rapport.",
    "FollowupReportPart": "Oppfølgingsrapportens del av `rapport.yaml` (`followup_report:`): status, dato, team og tekst.",
    "FollowupText": "Teamets egen tekst (Markdown) i oppfølgingsrapporten.",
    "PlanFile": "Kontorets plan for retting: `plan.yaml` i kontorets mappe, med ett tiltak per funn-id. Nøklene er "
                "funn-id-er ved kontoret (rundens avvik og merknader, eller funn ført videre; `kvp-audit followup` "
                "viser dem), ellers er det en feil. Status lukket uten `evidence` og en frist før rapportdatoen gir "
                "en advarsel. Et funn som er lukket her eller i `oppfolging.yaml` og funnet igjen i neste runde, "
                "er «gjentatt».",
    "PlanItem": "Kontorets tiltak for ett funn: hva, hvem (rolle eller initialer), frist, og senere status og dokumentasjon.",
    "SampleRecord": "Det tilfeldige utvalget: `utvalg.yaml` i kontorets mappe, skrevet av `kvp-audit sample`; "
                    "ikke rediger den. Hver trekning blir stående.",
    "SampleDraw": "Én trekning: dato, hvem, frøet og algoritmen, slik at hvem som helst kan gjenta den.",
    "Stratum": "En gruppe i populasjonen (for eksempel «pågående») og plassene som ble trukket fra den.",
    "DraftRecord": "Utkastets funn slik det ble sendt: `utkast-sendt.yaml`, skrevet av "
                   "`kvp-audit step RUNDE KONTOR utkast-sendt`; ikke rediger den.",
    "DraftFinding": "Ett funn i utkastet, med sakene som ikke oppfylte kriteriet.",
    "CourseDefaults": "Standardfristene under `report.course:` i `runde.yaml`.",
    "Signatory": "En tjenesteperson i `team` eller `signature`: navn og tittel. Navn hører bare hjemme her og i `sender`.",
}


def _type(annotation) -> str:
    text = str(annotation)
    for old, new in (("typing.", ""), ("kvp_audit.models.", ""), ("datetime.", ""), ("<class '", ""), ("'>", ""),
                     ("<enum '", ""), ("NoneType", "None")):
        text = text.replace(old, new)
    return text.replace("|", "\\|")


def _default(field) -> str:
    if field.is_required():
        return "**påkrevd**"
    if field.default_factory is not None:
        value = field.default_factory()
        if isinstance(value, list) and value and hasattr(value[0], "value"):
            return "ja, delvis, nei, ikke aktuelt"
        if hasattr(value, "model_dump"):
            return "tomme tekster"
        return f"`{json.dumps(value, ensure_ascii=False)}`"
    value = field.default
    if hasattr(value, "value"):
        value = value.value
    return f"`{json.dumps(value, ensure_ascii=False, default=str)}`"


def markdown() -> str:
    lines = [
        "# Filformatene",
        "",
        "Generert fra `kvp_audit/models.py` med `python scripts/gen_format_docs.py`; ikke rediger for hånd.",
        "JSON Schema for hver filtype ligger i `docs/schemas/` og skrives også ut av",
        "`kvp-audit checklist schema --kind checklist|round|case|office|followup|report|plan|sample|draft`.",
        "",
    ]
    for title, models in SECTIONS:
        lines += [f"## {title}", ""]
        for model in models:
            doc = INTRO[model.__name__]
            lines += [f"### {model.__name__}", "", doc, "", "| felt | type | standard | forklaring |", "| --- | --- | --- | --- |"]
            for name, field in model.model_fields.items():
                lines.append(f"| `{name}` | {_type(field.annotation)} | {_default(field)} | {field.description or ''} |")
            lines.append("")
    return "\n".join(lines + _sample_algorithm() + _limits())


def _sample_algorithm() -> list[str]:
    """How ``kvp-audit sample`` draws (kvp_audit/sample.py), with an example anyone can check with sha256sum."""
    import hashlib

    def rows(seed: str, office: str, stratum: str, population: int, k: int) -> list[str]:
        limit = 2**64 - (2**64 % population)
        out, drawn, i = [], [], 0
        while len(drawn) < k:
            text = f"{seed}:{office}:{stratum}:{i}"
            head = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
            v = int(head, 16)
            position = v % population + 1
            if v >= limit:
                outcome = "forkastet (v ≥ grensen)"
            elif position in drawn:
                outcome = f"{position}, trukket før: hoppes over"
            else:
                drawn.append(position)
                outcome = f"**{position}**"
            out.append(f"| {i} | `{text}` | `{head}` | {v} | {outcome} |")
            i += 1
        return out

    seed, office = "9f86d081884c7d65", "nav-strandvik"
    return [
        "## Trekningen (algoritmen kvp-sha256-1)",
        "",
        "`kvp-audit sample` trekker K forskjellige plasser fra 1 til N, der N er hvor mange saker kontorets",
        "liste har (verktøyet ser aldri listen). Trekningen avhenger bare av frøet, kontorets id, gruppens navn",
        "og SHA-256, ikke av Python-versjonen, så hvem som helst kan gjenta den fra `utvalg.yaml`:",
        "",
        "1. For hver gruppe (`alle` når trekningen er uten grupper) og telleren i = 0, 1, 2, …: ta SHA-256 av",
        "   UTF-8-teksten `frø:kontor:gruppe:i`, for eksempel `9f86d081884c7d65:nav-strandvik:alle:0`.",
        "2. v er de første 8 bytene (16 heksadesimale sifre) av summen, lest som et tall uten fortegn (big-endian).",
        "3. Er v ≥ 2^64 − (2^64 mod N), forkastes v, slik at hver plass er like sannsynlig (ingen skjevhet fra",
        "   modulo). Ellers er plassen v mod N + 1.",
        "4. En plass som er trukket før, hoppes over. Det stopper når K forskjellige plasser er trukket.",
        "",
        "`utvalg.yaml` har plassene i den rekkefølgen de ble trukket; rapporten viser dem sortert.",
        "`kvp-audit sample RUNDE KONTOR --verify` regner ut hver trekning i filen på nytt og sier om den stemmer",
        "(avslutter med 1 når en ikke gjør det), og `kvp-audit validate` advarer om en trekning som ikke stemmer",
        "og om saker med en plass (`position`) som ikke er trukket eller er brukt to ganger.",
        "",
        "### Et eksempel å regne for hånd",
        "",
        f"Frøet `{seed}`, kontoret `{office}`, uten grupper, N = 20, K = 3. Grensen er",
        f"2^64 − (2^64 mod 20) = {2**64 - (2**64 % 20)}.",
        "",
        "| i | teksten | de første 16 sifrene | v | plass |",
        "| --- | --- | --- | --- | --- |",
        *rows(seed, office, "alle", 20, 3),
        "",
        "Sjekk én linje med vanlige verktøy (`printf` uten linjeskift; `bc` vil ha store bokstaver):",
        "",
        "```sh",
        f"printf '%s' '{seed}:{office}:alle:0' | sha256sum | cut -c1-16",
        "echo \"ibase=16; $(printf '%s' '" + seed + ":" + office + ":alle:0' | sha256sum | cut -c1-16 | tr a-f A-F)\" | bc",
        "echo \"" + str(int(hashlib.sha256(f"{seed}:{office}:alle:0".encode()).hexdigest()[:16], 16)) + " % 20 + 1\" | bc",
        "```",
        "",
        "Med grupper trekkes hver gruppe for seg, med gruppens navn i teksten. Gruppen `avsluttet` med",
        "N = 8 og K = 4 (8 går opp i 2^64, så ingen v forkastes) viser en plass som er trukket før:",
        "",
        "| i | teksten | de første 16 sifrene | v | plass |",
        "| --- | --- | --- | --- | --- |",
        *rows(seed, office, "avsluttet", 8, 4),
        "",
    ]


def _limits() -> list[str]:
    """What every file must keep to before any YAML reader sees it (kvp_audit/yamlio.py)."""
    from kvp_audit.yamlio import MAX_DEPTH, MAX_FILE_BYTES, MAX_LINE_CHARS

    return [
        "## Grenser for alle filene",
        "",
        "Hver fil sjekkes før den leses som YAML, og en fil over en grense avvises med fil og linje.",
        "Grensene ligger langt over det en virkelig fil trenger, og langt under der YAML-leserne",
        "krasjer (en fil med `- ` nestet 20 000 ganger fikk tidligere hele programmet til å krasje).",
        "",
        "| grense | verdi | hvorfor |",
        "| --- | --- | --- |",
        f"| filstørrelse | {MAX_FILE_BYTES // 1024 // 1024} MB | en sak er rundt 5 kB, den største sjekklisten rundt 60 kB |",
        f"| nesting | {MAX_DEPTH} nivåer | innrykk, `- `/`? ` på samme linje og `[`/`{{` telles sammen; en sak trenger under 10 |",
        f"| linjelengde | {MAX_LINE_CHARS:,} tegn".replace(",", " ") + " | skjemaet skriver en kommentar på én linje, hvor lang den enn er |",
        "| kontrolltegn | ingen | unntatt tabulator, LF og CR (CRLF fra Windows går fint); en NUL avsluttet før filen stille |",
        "| tegnsett | UTF-8 | et byte order mark (BOM) først i filen godtas |",
        "",
        "Bare vanlige filer leses: en FIFO, en enhet (som `/dev/zero`) eller en mappe med YAML-navn",
        "hoppes over med en advarsel som sier hvorfor. En sak-, kontor- eller oppfølgingsfil (eller en",
        "kontormappe) som er en symbolsk lenke til et sted utenfor runden, avvises: den ville tatt",
        "andres data med inn i rapportene. Lenker innenfor runden følges.",
        "",
        "Alle filer og filnavn skannes for fødselsnummer, D-nummer og H-nummer, skrevet på alle",
        "vanlige måter (`15.09.99 47613`, `150999 476 13`, med hardt mellomrom, `/`, siffer i full",
        "bredde, over to linjer) og etter at YAML har lest teksten (en `>-`-blokk som slår sammen",
        "linjer, `\\x31`-koder). Både dagens kontrollsiffer og Skatteetatens nye fra 2032 kjennes igjen.",
        "Tekst som ligner et navn («Kari Hansen») i merknader og kommentarer gir en advarsel.",
        "",
    ]


def write() -> dict[Path, str]:
    out = {ROOT / "docs" / "format.md": markdown()}
    for kind in ("checklist", "round", "case", "office", "followup", "report", "plan", "sample", "draft"):
        out[ROOT / "docs" / "schemas" / f"{kind}.schema.json"] = json.dumps(json_schema(kind), ensure_ascii=False, indent=2) + "\n"
    return out


if __name__ == "__main__":
    for path, text in write().items():
        path.write_text(text, encoding="utf-8")
        print(f"skrev {path.relative_to(ROOT)}")
