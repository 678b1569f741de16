"""Exports: every format read back and compared with scoring.score_round on the example round."""

from __future__ import annotations

import csv
import importlib.util
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit import export
from kvp_audit.cli import main
from kvp_audit.load import load_round
from kvp_audit.scoring import OFFICE_CASE_KEY, score_round

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fiktivfylke" / "2026"
COUNT_COLUMNS = ("telles", "oppfylt", "delvis", "ikke_oppfylt", "ikke_aktuelt", "ubesvart", "saker")


@pytest.fixture(scope="module", params=["2024", "2026"])
def scored(request):
    data = load_round(EXAMPLE.parent / request.param)
    assert not data.errors
    return data, score_round(data)


@pytest.fixture(scope="module")
def tables(scored):
    data, scores = scored
    return export.build_tables(data, scores)


# --------------------------------------------------------------------------- expectations


def expected_office_theme(scored) -> dict[tuple, tuple]:
    """(office, vurdering, theme) -> counts and score, straight from score_round."""
    data, scores = scored
    out = {}
    for oid, s in scores.offices.items():
        for tid, t in s.by_theme.items():
            out[(oid, "sak", tid)] = (t.counted, t.met, t.partly, t.not_met, t.not_applicable, t.unanswered,
                                      t.n_cases, t.score)
        if s.office_by_criterion:
            for theme in data.office_checklist.themes:
                ids = [c.id for c in theme.criteria if c.scored]
                if not ids:
                    continue
                ts = [s.office_by_criterion[i] for i in ids]
                met = sum(t.met for t in ts)
                partly = sum(t.partly for t in ts)
                not_met = sum(t.not_met for t in ts)
                weight = sum(t.weight for t in ts)
                out[(oid, "kontor", theme.id)] = (
                    met + partly + not_met, met, partly, not_met, sum(t.not_applicable for t in ts),
                    sum(t.unanswered for t in ts), 1 if weight else 0,
                    sum(t.weighted for t in ts) / weight if weight else None)
    return out


def expected_findings(scored) -> dict[str, tuple]:
    """finding id -> (kind, criterion, case keys) from score_round."""
    _data, scores = scored
    return {
        f.id: (f.kind, f.criterion, [] if f.cases == [OFFICE_CASE_KEY] else sorted(f.cases))
        for s in scores.offices.values() for f in s.findings
    }


def check_office_theme(rows: list[dict], scored) -> None:
    """Rows of kontor_tema (any format, values possibly text) match score_round."""
    expected = expected_office_theme(scored)
    got = {}
    for r in rows:
        score = r["score"]
        got[(r["kontor"], r["vurdering"], r["tema"])] = (
            *(int(r[c]) for c in COUNT_COLUMNS), None if score in (None, "") else float(score))
    assert got.keys() == expected.keys()
    for key, exp in expected.items():
        assert got[key][:7] == exp[:7], key
        if exp[7] is None:
            assert got[key][7] is None, key
        else:
            assert got[key][7] == pytest.approx(exp[7], abs=1e-4), key


def check_findings(rows: list[dict], scored, split=lambda v: v) -> None:
    got = {r["funn_id"]: (r["type"], r["kriterium"], sorted(split(r["saksnokler"]))) for r in rows}
    assert got == expected_findings(scored)


def split_list(value) -> list[str]:
    return [] if value in (None, "") else value.split(export.LIST_SEPARATOR)


def n_answer_rows(scored) -> int:
    data, _scores = scored
    n_case = len(data.case_checklist.criteria())
    n_office = len(data.office_checklist.criteria())
    return sum(len(v) for v in data.cases.values()) * n_case + len(data.office_reviews) * n_office


# --------------------------------------------------------------------------- the tables


def test_tables_match_the_scores(tables, scored):
    check_office_theme(list(tables.records("kontor_tema")), scored)
    check_findings(list(tables.records("funn")), scored)
    assert len(tables.rows["svar"]) == n_answer_rows(scored)
    _data, scores = scored
    for r in tables.records("kontorer"):
        total = scores.offices[r["kontor"]].total
        assert (r["telles"], r["oppfylt"], r["score"]) == (total.counted, total.met, round(total.score, 4))


def test_every_row_has_every_column(tables):
    for name, table in export.TABLES.items():
        assert all(len(row) == len(table.columns) for row in tables.rows[name]), name


def test_long_table_outcomes_agree_with_evaluate(tables, scored):
    _data, scores = scored
    for r in tables.records("svar"):
        if r["vurdering"] != "sak" or r["utfall"] is None:
            continue
        result = scores.offices[r["kontor"]].cases[r["sak"]][r["kriterium"]]
        assert r["utfall"] == result.outcome.value
        assert r["poeng"] == (result.points if result.outcome.counts else None)


def test_office_figures_from_the_office_review(tables, scored):
    data, _scores = scored
    review = data.office_reviews["nav-bergtun"]
    figures = {r["id"]: r["verdi"] for r in tables.records("kontortall") if r["kontor"] == "nav-bergtun"}
    assert figures["TALL-MAALTALL"] == review.answers["TALL-MAALTALL"].answer
    assert figures["TALL-SOKNADER"] == review.answers["TALL-SOKNADER"].answer


def test_comments_are_not_exported(tables, scored):
    data, _scores = scored
    comments = {a.comment for reviews in data.cases.values() for c in reviews for a in c.answers.values() if a.comment}
    assert comments
    text = json.dumps([list(r) for rows in tables.rows.values() for r in rows], ensure_ascii=False, default=str)
    assert not any(c in text for c in comments)
    assert any(r["har_kommentar"] for r in tables.records("svar"))


# --------------------------------------------------------------------------- each format


def test_csv_round_trip(tables, scored, tmp_path):
    written = export.write_csv(tables, tmp_path / "runde.csv")
    assert [p.name for p in written] == ["runde.csv", "runde_meta.csv", "runde_kontorer.csv", "runde_kriterier.csv",
                                         "runde_kontor_tema.csv", "runde_funn.csv", "runde_kontortall.csv",
                                         "runde_oppfolging.csv"]

    def read(name):
        with open(tmp_path / name, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    check_office_theme(read("runde_kontor_tema.csv"), scored)
    check_findings(read("runde_funn.csv"), scored, split_list)
    long = read("runde.csv")
    assert len(long) == n_answer_rows(scored)
    assert list(long[0]) == export.TABLES["svar"].names
    meta = {r["nokkel"]: r["verdi"] for r in read("runde_meta.csv")}
    assert meta["runde"] == scored[0].round.id and meta["format"] == export.FORMAT_NAME


def test_xlsx_round_trip_frozen_header_and_filters(tables, scored, tmp_path):
    from openpyxl import load_workbook

    export.write_xlsx(tables, tmp_path / "runde.xlsx")
    wb = load_workbook(tmp_path / "runde.xlsx", read_only=False)
    assert wb.sheetnames == ["meta", *export.TABLES]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", ws.title
        assert all(ws.column_dimensions[ws.cell(1, i).column_letter].width >= 8 for i in range(1, ws.max_column + 1))
        assert ws["A1"].font.bold

    def read(name):
        rows = list(wb[name].iter_rows(values_only=True))
        return [dict(zip(rows[0], r)) for r in rows[1:]]

    check_office_theme(read("kontor_tema"), scored)
    check_findings(read("funn"), scored, split_list)
    assert len(read("svar")) == n_answer_rows(scored)


def test_xlsx_keeps_formula_like_text_as_text(tmp_path):
    from openpyxl import load_workbook

    t = export.ExportTables({k: None for k in export.META_DOC},
                            {name: [] for name in export.TABLES})
    row = ["r", "nav-a", "=HYPERLINK(\"http://x\")", None, 0, False, 0, 0, 0, 0, 0, 0, 0, None, 0, 0, 0]
    t.rows["kontorer"].append(tuple(row))
    export.write_xlsx(t, tmp_path / "x.xlsx")
    cell = load_workbook(tmp_path / "x.xlsx")["kontorer"]["C2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_xlsx_refuses_more_rows_than_a_sheet_holds(tables, tmp_path, monkeypatch):
    from kvp_audit.errors import UsageError

    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 100)
    n = len(tables.rows["svar"])
    with pytest.raises(UsageError, match=f"tabellen 'svar' har {n} rader, flere enn et Excel-ark kan ha \\(99\\); bruk --format sqlite eller csv"):
        export.write_xlsx(tables, tmp_path / "runde.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_json_validates_against_the_published_schema(tables, scored, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    export.write_json(tables, tmp_path / "runde.json")
    doc = json.loads((tmp_path / "runde.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "docs" / "schemas" / "export.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    check_office_theme(doc["tabeller"]["kontor_tema"], scored)
    check_findings(doc["tabeller"]["funn"], scored)
    assert len(doc["tabeller"]["svar"]) == n_answer_rows(scored)
    assert doc["meta"]["runde"] == scored[0].round.id


def test_json_schema_refuses_a_wrong_document(tables, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    export.write_json(tables, tmp_path / "runde.json")
    doc = json.loads((tmp_path / "runde.json").read_text(encoding="utf-8"))
    doc["tabeller"]["funn"][0]["telles"] = "tre"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, export.json_schema(), cls=jsonschema.Draft202012Validator)


def test_sqlite_round_trip_views_and_meta(tables, scored, tmp_path):
    export.write_sqlite(tables, tmp_path / "runde.sqlite")
    db = sqlite3.connect(tmp_path / "runde.sqlite")
    db.row_factory = sqlite3.Row
    objects = {r["name"]: r["type"] for r in db.execute("SELECT name, type FROM sqlite_master")}
    for name in [*export.TABLES, "meta", "kolonner"]:
        assert objects.get(name) == "table", name
    for name in [*export.VIEWS, "v_kontortall"]:
        assert objects.get(name) == "view", name

    def rows(sql):
        return [dict(r) for r in db.execute(sql)]

    check_office_theme(rows("SELECT * FROM kontor_tema"), scored)
    # The view recomputes the same counts from the long table.
    check_office_theme(rows("SELECT * FROM v_kontor_tema"), scored)
    check_findings(rows("SELECT * FROM funn"), scored, split_list)
    assert db.execute("SELECT COUNT(*) FROM svar").fetchone()[0] == n_answer_rows(scored)

    _data, scores = scored
    for r in rows("SELECT * FROM v_tema WHERE vurdering = 'sak'"):
        t = scores.by_theme[r["tema"]]
        assert (r["telles"], r["oppfylt"], r["saker"]) == (t.counted, t.met, t.n_cases)
        assert r["score"] == pytest.approx(t.score)
    avvik = {r["kriterium"]: sorted(r["kontorer_med_avvik"].split("; "))
             for r in rows("SELECT * FROM v_kriterium_funn WHERE vurdering = 'sak' AND kontorer_avvik > 0")}
    assert avvik == {cid: sorted(offices) for cid, offices in scores.offices_with_avvik.items()
                     if cid in _data.case_checklist.criterion_map()}

    meta = {r["nokkel"]: r["verdi"] for r in rows("SELECT * FROM meta")}
    assert meta["runde"] == _data.round.id
    from kvp_audit import __version__

    assert meta["verktoy_versjon"] == __version__
    documented = {(r["tabell"], r["kolonne"]) for r in rows("SELECT * FROM kolonner")}
    for name in export.TABLES:
        for col in db.execute(f"PRAGMA table_info({name})"):
            assert (name, col[1]) in documented
    wide = rows("SELECT * FROM v_kontortall WHERE kontor = 'nav-bergtun'")[0]
    assert wide["TALL-MAALTALL"] == _data.office_reviews["nav-bergtun"].answers["TALL-MAALTALL"].answer


@pytest.mark.parametrize("fmt", ["csv", "json", "sqlite"])
def test_same_input_gives_the_same_bytes(tables, tmp_path, fmt):
    a = export.WRITERS[fmt](tables, tmp_path / f"a.{fmt}")
    b = export.WRITERS[fmt](tables, tmp_path / f"b.{fmt}")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_xlsx_is_reproducible_with_source_date_epoch(tables, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    export.write_xlsx(tables, tmp_path / "a.xlsx")
    export.write_xlsx(tables, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    # openpyxl stamps the clock time on save; it must be the fixed date (or equal bytes above are luck).
    from openpyxl import load_workbook

    props = load_workbook(tmp_path / "a.xlsx").properties
    assert props.created.isoformat() == props.modified.isoformat() == "2026-01-01T00:00:00"


# --------------------------------------------------------------------------- nothing half-written


def test_a_failing_writer_leaves_the_old_files_and_no_temporary_ones(tables, tmp_path, monkeypatch):
    out = tmp_path / "runde.csv"
    old = export.write_csv(tables, out)
    before = {p: p.read_bytes() for p in old}
    calls = {"n": 0}
    real = export._csv_cell

    def failing(value):
        calls["n"] += 1
        if calls["n"] > 5000:  # well into the second file
            raise OSError("disken er full")
        return real(value)

    monkeypatch.setattr(export, "_csv_cell", failing)
    with pytest.raises(OSError):
        export.write_csv(tables, out)
    assert {p: p.read_bytes() for p in old} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in old)


@pytest.mark.parametrize("fmt", ["xlsx", "json", "sqlite"])
def test_a_failing_writer_writes_nothing(tables, tmp_path, fmt):
    # A value no format can hold, in the last row of the last table: the writer fails at the very end.
    broken = export.ExportTables(tables.meta, {k: list(v) for k, v in tables.rows.items()})
    last = broken.rows["kontortall"][-1]
    broken.rows["kontortall"][-1] = last[:-1] + (object(),)
    with pytest.raises(Exception):
        export.WRITERS[fmt](broken, tmp_path / f"runde.{fmt}")
    assert list(tmp_path.iterdir()) == []


INTERRUPTED_EXPORT = """
import sys
from openpyxl.worksheet import _writer
from kvp_audit import export
from kvp_audit.cli import main

where, n = sys.argv[2], int(sys.argv[3])
calls = [0]

def interrupt_at(real):
    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] == n:
            raise KeyboardInterrupt
        return real(*args, **kwargs)
    return wrapper

if where == "row":
    _writer.WorksheetWriter.write_row = interrupt_at(_writer.WorksheetWriter.write_row)
else:
    export._reproducible_zip = interrupt_at(export._reproducible_zip)
main(["export", sys.argv[1], "--format", "xlsx", "--out", "runde.xlsx"])
"""


@pytest.mark.parametrize("where, n", [("row", 5), ("row", 3000), ("save", 1)])
def test_ctrl_c_during_an_xlsx_export_leaves_no_file_and_no_traceback(tmp_path, where, n):
    import os
    import subprocess
    import sys

    temp = tmp_path / "temp"
    temp.mkdir()
    out = tmp_path / "ut"
    out.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "SOURCE_DATE_EPOCH": "1767225600"}
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_EXPORT, str(EXAMPLE), where, str(n)],
                          cwd=out, env=env, capture_output=True, text=True)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert list(out.iterdir()) == [] and list(temp.iterdir()) == []


# --------------------------------------------------------------------------- the command


def run(*args):
    return CliRunner().invoke(main, ["export", *map(str, args)])


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_cli_writes_each_format(tmp_path, fmt):
    out = tmp_path / f"eksport{export.DEFAULT_SUFFIX[fmt]}"  # the working directory is tmp_path
    result = run(EXAMPLE, "--format", fmt, "--out", out)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        assert result.output == "".join(f"skrev eksport{s}.csv\n" for s in (
            "", "_meta", "_kontorer", "_kriterier", "_kontor_tema", "_funn", "_kontortall", "_oppfolging"))
    else:
        assert result.output == f"skrev {out.name}\n"
    assert out.is_file()


def test_cli_writes_what_the_library_writes(tmp_path):
    assert run(EXAMPLE, "--out", "cli.json").exit_code == 0
    export.write_json(export.build_tables(load_round(EXAMPLE)), tmp_path / "lib.json")
    assert Path("cli.json").read_bytes() == (tmp_path / "lib.json").read_bytes()


def test_cli_format_from_the_file_name_and_default_name(tmp_path):
    result = run(EXAMPLE, "--out", "runde.sqlite")
    assert result.exit_code == 0, result.output
    assert sqlite3.connect("runde.sqlite").execute("SELECT COUNT(*) FROM funn").fetchone()[0] > 0
    result = run(EXAMPLE, "--format", "json")
    assert result.exit_code == 0, result.output
    assert Path("fiktivfylke-2026.json").is_file()


def test_cli_unknown_format_is_a_usage_error():
    result = run(EXAMPLE, "--format", "pdf", "--out", "x.pdf")
    assert result.exit_code == 2
    assert "pdf" in result.output
    result = run(EXAMPLE, "--out", "x.pdf")
    assert result.exit_code == 2
    assert "oppgi --format (csv, xlsx, json eller sqlite)" in result.output
    assert not Path("x.pdf").exists()


def test_cli_warns_when_the_suffix_says_another_format():
    result = CliRunner().invoke(main, ["export", str(EXAMPLE), "--format", "xlsx", "--out", "runde.csv"])
    assert result.exit_code == 0
    assert result.stderr == ("advarsel: runde.csv får xlsx-innhold, men filendelsen sier csv; "
                             "gi filen endelsen .xlsx\n")
    assert result.stdout == "skrev runde.csv\n"


def test_cli_missing_output_folder(tmp_path):
    result = run(EXAMPLE, "--format", "xlsx", "--out", "finnes-ikke/runde.xlsx")
    assert result.exit_code == 2
    assert "kvp-audit: mappen 'finnes-ikke' finnes ikke; lag den først, eller velg en annen --out" in result.output
    assert not Path("finnes-ikke").exists()


def test_cli_output_is_a_folder(tmp_path):
    Path("ut").mkdir()
    result = run(EXAMPLE, "--format", "json", "--out", "ut")
    assert result.exit_code == 2


def test_cli_round_with_errors_writes_nothing(round_builder, tmp_path):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja", "V-02": "ja"})
    round_builder.case("nav-b", "K-BBBB22", {"V-01": "kanskje"})
    before = set(Path.cwd().iterdir())
    for fmt in export.FORMATS:
        result = run("runde", "--format", fmt, "--out", f"runde.{fmt}")
        assert result.exit_code == 1, result.output
        assert "'kanskje' er ikke et gyldig svar" in result.output
        assert "runden har 1 feil; rett den (se 'kvp-audit validate') før eksport. Ingenting ble skrevet" in result.output
    assert set(Path.cwd().iterdir()) == before


def test_cli_small_round_without_office_checklist(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja", "V-02": "delvis", "A-03": 37.5})
    round_builder.case("nav-a", "K-AAAA22", {"V-01": "ja"})  # god praksis needs two cases
    result = run("runde", "--out", "mini.json")
    assert result.exit_code == 0, result.output
    doc = json.loads(Path("mini.json").read_text(encoding="utf-8"))
    assert doc["meta"]["sjekkliste_kontor"] is None
    assert doc["tabeller"]["kontortall"] == []
    hours = [r for r in doc["tabeller"]["svar"] if r["kriterium"] == "A-03"]
    assert hours[0]["svar"] == 37.5 and hours[0]["utfall"] is None
    kinds = {r["funn_id"]: r["type"] for r in doc["tabeller"]["funn"]}
    assert kinds == {"test-2026/nav-a/V-01": "god praksis", "test-2026/nav-a/V-02": "merknad"}


# --------------------------------------------------------------------------- docs


def test_export_docs_and_schema_are_up_to_date():
    spec = importlib.util.spec_from_file_location("gen_export_docs", ROOT / "scripts" / "gen_export_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path, text in module.write().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)} is out of date: run python scripts/gen_export_docs.py")


def test_followup_table_matches_kvp_audit_followup(tmp_path):
    from kvp_audit.followup import followup_view

    round_dir = Path(__file__).resolve().parent.parent / "examples" / "fiktivfylke" / "2026"
    data = load_round(round_dir)
    scores = score_round(data)
    rows = list(export.build_tables(data, scores).records("oppfolging"))
    view = followup_view(data, scores)
    # every finding, also those a workshop before the visit did not follow up (ikke fulgt opp: no entry)
    expected = [(o["office"], f["id"], f["status"], f["carried"]) for o in view["offices"]
                for f in o["findings"] + o["after_workshop"]]
    assert sorted((r["kontor"], r["funn_id"], r["status"], r["fra_forrige_runde"]) for r in rows) == sorted(expected)
    assert any(r["fra_forrige_runde"] and r["status"] == "åpen" for r in rows)
