"""Generate the export reference (docs/export.md) and its JSON Schema from kvp_audit/export.py.

Run after changing the tables or columns in kvp_audit/export.py:
    python scripts/gen_export_docs.py
tests/test_export.py fails when the committed files are out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kvp_audit.export import (  # noqa: E402
    FORMAT_VERSION, LIST_SEPARATOR, META_DOC, SQL_TYPES, TABLES, VIEWS, csv_paths, json_schema,
)

TYPES = {
    "text": "tekst",
    "integer": "heltall",
    "real": "desimaltall",
    "boolean": "sann/usann",
    "list": "liste av tekst",
    "value": "tekst, tall eller sann/usann",
}

INTRO = f"""\
# Eksport av en runde (`kvp-audit export`)

Generert fra `kvp_audit/export.py` med `python scripts/gen_export_docs.py`; ikke rediger for hånd.

`kvp-audit export RUNDE --format csv|xlsx|json|sqlite --out FIL` skriver resultatene for en
runde som tabeller, til analyse i Excel, pandas, R, Datasette eller DB Browser for SQLite.
Alle formatene har de samme tabellene og kolonnene (formatversjon {FORMAT_VERSION}). Tallene er de
samme som i `kvp-audit score` og i rapportene: ikke aktuelt og ubesvart telles aldri, og
score er vektet (ja 1, delvis 0,5, nei 0).

- **Ingenting halvskrevet.** Filene skrives først til midlertidige filer i samme mappe og
  flyttes på plass til slutt; går noe galt, står den gamle filen (eller ingen fil) igjen.
  En runde med feil eksporteres ikke (kode 1); rett feilene med `kvp-audit validate` først.
- **Samme inndata gir samme fil** for CSV, JSON og SQLite. For XLSX gjelder det når
  `SOURCE_DATE_EPOCH` er satt (tidsstemplene i filen settes da til den tiden).
- **Personvern.** Revisorenes kommentarer eksporteres ikke, bare om det finnes en
  (`har_kommentar`). Saker kjennes bare ved den tilfeldige saksnøkkelen. Tabellene har
  antall, ikke bare prosent; vis antall når færre enn 5 saker telles.

## Formatene

| format | hva som skrives |
| --- | --- |
| `csv` | Én UTF-8-fil per tabell, komma som skilletegn, punktum som desimaltegn, overskriftsrad. Den lange tabellen `svar` skrives til `--out`; de andre til filer ved siden av med tabellnavnet etter filnavnet: `--out runde.csv` gir {", ".join(f"`{p.name}`" for p in csv_paths(Path("runde.csv")).values())}. Sann/usann skrives `1`/`0`, tomme verdier som tomt felt. Åpne heller XLSX-filen i Excel. |
| `xlsx` | Ett ark per tabell og et ark `meta`. Overskriftsraden er frosset og har filter, kolonnebreddene er satt. Tekst som begynner med `=` lagres som tekst, aldri som formel. |
| `json` | Ett dokument: `{{"meta": {{...}}, "tabeller": {{"svar": [{{...}}, ...], ...}}}}`, én rad per linje. Følger JSON Schema i [`schemas/export.schema.json`](schemas/export.schema.json). Lister er JSON-lister. |
| `sqlite` | En SQLite-database med tabellene, visningene nedenfor, tabellen `meta` (nøkkel, verdi, beskrivelse) og tabellen `kolonner` (tabell, kolonne, type, beskrivelse), som beskriver hver kolonne i hver tabell slik denne siden gjør. |

I CSV, XLSX og SQLite skrives lister (for eksempel rettslig grunnlag og saksnøkler) som én
tekst med semikolon og mellomrom mellom verdiene (`{LIST_SEPARATOR}`). Sann/usann er `1`/`0` i SQLite.

Eksempel i Python:

```python
import sqlite3, pandas as pd
db = sqlite3.connect("fiktivfylke-2026.sqlite")
pd.read_sql("SELECT * FROM v_tema", db)
pd.read_sql("SELECT kontornavn, tema, oppfylt, telles FROM kontor_tema WHERE vurdering = 'sak'", db)
```

```sh
datasette fiktivfylke-2026.sqlite
```
"""


def markdown() -> str:
    lines = [INTRO, "## Metadata (`meta`)", "", "| nøkkel | forklaring |", "| --- | --- |"]
    lines += [f"| `{k}` | {doc} |" for k, doc in META_DOC.items()]
    lines += ["", "## Tabellene", ""]
    for name, table in TABLES.items():
        lines += [f"### `{name}`", "", table.doc, "",
                  "| kolonne | type | SQLite | kan være tom | forklaring |", "| --- | --- | --- | --- | --- |"]
        for c in table.columns:
            sql = SQL_TYPES[c.type] or "(ingen: verdien lagres som den er)"
            lines.append(f"| `{c.name}` | {TYPES[c.type]} | {sql} | {'ja' if c.nullable else 'nei'} | {c.doc} |")
        lines.append("")
    lines += ["## Visningene i SQLite", "",
              "Visningene er vanlig SQL over tabellene, så du kan lese hvordan tallene lages",
              "(`SELECT sql FROM sqlite_master WHERE name = 'v_tema'`).", ""]
    for name, (doc, sql) in VIEWS.items():
        body = "\n".join(line[8:] if line.startswith(" " * 8) else line for line in sql.strip("\n").splitlines())
        lines += [f"### `{name}`", "", doc, "", "```sql", body.rstrip(), "```", ""]
    lines += ["### `v_kontortall`", "",
              "Kontortallene med én kolonne per tall (kolonnenavnet er kriteriets id eller faktaets navn,",
              "for eksempel `\"TALL-MAALTALL\"`) og én rad per kontor. Lages bare når runden har kontortall.", ""]
    return "\n".join(lines)


def write() -> dict[Path, str]:
    return {
        ROOT / "docs" / "export.md": markdown(),
        ROOT / "docs" / "schemas" / "export.schema.json": json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n",
    }


if __name__ == "__main__":
    for path, text in write().items():
        path.write_text(text, encoding="utf-8")
        print(f"skrev {path.relative_to(ROOT)}")
