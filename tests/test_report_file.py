"""rapport.yaml, the office report's own file: its validation, its defaults from runde.yaml,
the letter parts of the reports, and draft (UTKAST) against final."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit.cli import main
from kvp_audit.load import REPORT_FILE, RESERVED_FILES, existing_case_keys, load_round, open_round, validate_round
from kvp_audit.report import build_reports
from kvp_audit.report.letter import reply_deadline

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"

REPORT = """\
status: utkast
date: 2026-03-20
reference: "2026/99"
team:
  - name: "Kari Revisor"
    title: "seniorrådgiver"
text:
  summary: |
    Kontoret gjør mye riktig.

    Vedtakene mangler klageopplysning.
  visit: "Vi møtte leder og to veiledere."
  sample: "2 valgt av kontoret, 1 trukket tilfeldig."
  themes:
    vedtak: "Vedtakene er skriftlige, men uten varighet."
  conclusion: "Kontoret må rette avviket om vedtak."
"""

ROUND_REPORT = """\
report:
  sender: "Statsforvalteren i Fiktivfylke"
  reference: "2026/4711"
  reply_weeks: 4
  signature:
    - name: "Anne Fjeld"
      title: "avdelingsdirektør"
  texts:
    visit: "Standardtekst om besøket."
    conclusion: "Standard konklusjon."
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def letter_round(round_builder):
    """NAV A with three cases (last on 2026-02-01) and a rapport.yaml; NAV B with one case and none."""
    b = round_builder
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja", "V-02": "nei"})
    b.case("nav-a", "K-AAAAA2", {"V-01": "nei", "V-02": "ja"})
    b.case("nav-a", "K-AAAAA3", {"V-01": "ja", "V-02": "ja"})
    b.case("nav-b", "K-BBBBB1", {"V-01": "ja", "V-02": "ja"})
    (b.root / "runde.yaml").write_text((b.root / "runde.yaml").read_text(encoding="utf-8") + ROUND_REPORT,
                                       encoding="utf-8")
    b.write("nav-a/rapport.yaml", REPORT)
    return b


def _formatted(path: Path) -> list[str]:
    return [p.format() for p in validate_round(path) if p.group != "completeness"]  # tests/test_completeness.py


def _report_problems(b, text: str) -> list[str]:
    b.write("nav-a/rapport.yaml", text)
    return _formatted(b.root)


def _context(root: Path, office: str = "nav-a") -> dict:
    from kvp_audit.report.context import load_bundle, office_context

    return office_context(load_bundle(root), office, "nb")


# --------------------------------------------------------------------------- validation


def test_the_example_rounds_validate_clean():
    for year in ("2022", "2024", "2026"):
        assert validate_round(EXAMPLES / year) == [], year


def test_a_valid_report_file_is_loaded_into_the_round(letter_round):
    data = load_round(letter_round.root)
    assert data.problems == []
    assert list(data.reports) == ["nav-a"]
    report = data.reports["nav-a"]
    assert report.status.value == "utkast"
    assert report.date == dt.date(2026, 3, 20)
    assert [p.name for p in report.team] == ["Kari Revisor"]
    assert report.text.themes == {"vedtak": "Vedtakene er skriftlige, men uten varighet."}


def test_unknown_status_names_file_line_field_and_the_values(letter_round):
    assert _report_problems(letter_round, "status: ferdig\n") == [
        "runde/nav-a/rapport.yaml:1:9: feil: status: 'ferdig' er ikke en gyldig verdi\n"
        "    Gjør slik: bruk en av: utkast, endelig"]


def test_status_is_required(letter_round):
    assert _report_problems(letter_round, "date: 2026-03-20\n") == [
        "runde/nav-a/rapport.yaml:1:1: feil: status: mangler feltet 'status'\n"
        "    Gjør slik: legg til 'status:' med en verdi"]


def test_unknown_theme_id_is_an_error_with_a_hint(letter_round):
    assert _report_problems(letter_round, "status: endelig\ntext:\n  themes:\n    vedtk: tekst\n    foo: tekst\n") == [
        "runde/nav-a/rapport.yaml:4:5: feil: text.themes.vedtk: temaet 'vedtk' finnes ikke i sjekklisten\n"
        "    Gjør slik: mente du 'vedtak'?",
        "runde/nav-a/rapport.yaml:5:5: feil: text.themes.foo: temaet 'foo' finnes ikke i sjekklisten\n"
        "    Gjør slik: bruk en tema-id fra sjekklisten: vedtak, avslutning"]


def test_reply_deadline_before_the_report_date_is_an_error(letter_round):
    assert _report_problems(letter_round, "status: utkast\ndate: 2026-03-20\nreply_deadline: 2026-03-01\n") == [
        "runde/nav-a/rapport.yaml:3:17: feil: reply_deadline: svarfristen (2026-03-01) er før rapportdatoen (2026-03-20)\n"
        "    Gjør slik: sett en frist etter rapportdatoen"]


def test_reply_deadline_before_the_last_visit_is_an_error_when_there_is_no_date(letter_round):
    # no date: the report date is the last case date, 2026-02-01
    assert _report_problems(letter_round, "status: utkast\nreply_deadline: 2026-01-15\n") == [
        "runde/nav-a/rapport.yaml:2:17: feil: reply_deadline: svarfristen (2026-01-15) er før rapportdatoen (2026-02-01)\n"
        "    Gjør slik: sett en frist etter rapportdatoen; uten date er den siste besøksdato"]
    assert _report_problems(letter_round, "status: utkast\nreply_deadline: 2026-02-01\n") == []


def test_unknown_field_and_missing_name_are_located(letter_round):
    assert _report_problems(letter_round, "status: utkast\ntext:\n  tittel: x\nteam:\n  - title: rådgiver\n") == [
        "runde/nav-a/rapport.yaml:3:3: feil: text.tittel: ukjent felt 'tittel'\n"
        "    Gjør slik: fjern feltet; gyldige felt her er: summary, visit, sample, themes, conclusion",
        "runde/nav-a/rapport.yaml:5:5: feil: team[0].name: mangler feltet 'name'\n"
        "    Gjør slik: legg til 'name:' med en verdi"]


def test_a_date_that_does_not_exist(letter_round):
    assert _report_problems(letter_round, "status: utkast\ndate: 2026-02-30\n") == [
        "runde/nav-a/rapport.yaml:2:7: feil: date: '2026-02-30' er ikke en dato som finnes\n"
        "    Gjør slik: skriv datoen som ÅÅÅÅ-MM-DD, for eksempel 2026-03-12"]


def test_an_identity_number_anywhere_in_the_file_is_refused(letter_round):
    problems = _report_problems(letter_round, 'status: utkast\nsignature:\n  - name: "Kari Revisor 15099947613"\n')
    assert problems == [
        "runde/nav-a/rapport.yaml:3:25: feil: name: teksten ser ut som et fødselsnummer eller D-nummer (15*********)\n"
        "    Gjør slik: fjern nummeret: saker kjennes bare ved den tilfeldige saksnøkkelen, og personnummer skal "
        "aldri lagres"]


def test_names_warn_only_in_the_teams_text(letter_round):
    text = ('status: utkast\nsender: "Ola Hansen"\nteam:\n  - name: "Kari Nordmann"\n    title: rådgiver\n'
            'signature:\n  - name: "Per Olsen"\ntext:\n  visit: "Vi møtte leder og Ola Hansen."\n'
            '  themes:\n    vedtak: "Veileder Kari Nordmann skrev vedtakene."\n')
    assert _report_problems(letter_round, text) == [
        "runde/nav-a/rapport.yaml:9:10: advarsel: text.visit: teksten ser ut til å inneholde et navn (Ola H.); "
        "rapportene blir offentlige\n"
        "    Gjør slik: skriv «deltakeren» eller «veilederen» i stedet for navnet; er det ikke et navn, kan advarselen stå",
        "runde/nav-a/rapport.yaml:11:13: advarsel: text.themes.vedtak: teksten ser ut til å inneholde et navn "
        "(Kari N.); rapportene blir offentlige\n"
        "    Gjør slik: skriv «deltakeren» eller «veilederen» i stedet for navnet; er det ikke et navn, kan advarselen stå"]


def test_round_report_block_is_checked(letter_round):
    path = letter_round.root / "runde.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("reply_weeks: 4", "reply_weeks: 0"), encoding="utf-8")
    assert _formatted(letter_round.root) == ["runde/runde.yaml:15:16: feil: report.reply_weeks: verdien 0 må være >= 1"]
    path.write_text(text.replace("Standardtekst om besøket.", "Vi møtte Ola Hansen."), encoding="utf-8")
    assert _formatted(letter_round.root) == [
        "runde/runde.yaml:20:12: advarsel: report.texts.visit: teksten ser ut til å inneholde et navn (Ola H.); "
        "rapportene blir offentlige\n"
        "    Gjør slik: skriv «deltakeren» eller «veilederen» i stedet for navnet; er det ikke et navn, kan advarselen stå"]


def test_report_file_problems_stop_the_reports(letter_round):
    letter_round.write("nav-a/rapport.yaml", "status: ferdig\n")
    result = run("report", str(letter_round.root), "--out", "ut")
    assert result.exit_code == 2
    assert "runde/nav-a/rapport.yaml:1:9: feil: status: 'ferdig' er ikke en gyldig verdi" in result.output


# --------------------------------------------------------------------------- reserved name


def test_rapport_yaml_is_reserved_and_never_a_case(letter_round):
    assert REPORT_FILE == "rapport.yaml" and REPORT_FILE in RESERVED_FILES
    data = load_round(letter_round.root)
    assert sorted(c.case for c in data.cases["nav-a"]) == ["K-AAAAA1", "K-AAAAA2", "K-AAAAA3"]
    assert "rapport.yaml" not in {p.name for p in data.case_files.values()}
    # a case file's content under the reserved name is a report with unknown fields, not a case
    letter_round.write("nav-b/rapport.yaml", "case: K-BBBBB2\noffice: nav-b\nreviewers: [KB]\ndate: 2026-02-01\n")
    assert existing_case_keys(open_round(letter_round.root)) == {"K-AAAAA1", "K-AAAAA2", "K-AAAAA3", "K-BBBBB1"}
    problems = _formatted(letter_round.root)
    assert problems[0] == ("runde/nav-b/rapport.yaml:1:1: feil: status: mangler feltet 'status'\n"
                           "    Gjør slik: legg til 'status:' med en verdi")
    assert "runde/nav-b/rapport.yaml:1:1: feil: case: ukjent felt 'case'" in problems[1]


# --------------------------------------------------------------------------- old rounds


def test_an_old_round_without_report_files_validates_and_scores_as_before(tmp_path):
    from kvp_audit.scoring import score_round

    old = tmp_path / "2024"
    shutil.copytree(EXAMPLES / "2024", old)
    assert not list(old.glob(f"*/{REPORT_FILE}"))
    data = load_round(old)
    assert data.problems == [] and data.reports == {} and data.round.report is None
    before = score_round(data)
    # a report file changes nothing in the scores
    (old / "nav-fjellby" / REPORT_FILE).write_text("status: endelig\n", encoding="utf-8")
    after = score_round(load_round(old))
    for office, s in before.offices.items():
        assert after.offices[office].total == s.total
        assert [f.id for f in after.offices[office].findings] == [f.id for f in s.findings]


def test_an_old_round_reports_unmarked_with_the_last_visit_as_report_date(tmp_path):
    out = tmp_path / "ut"
    build_reports(EXAMPLES / "2024", out, ["html", "md"], office="nav-fjellby")
    html = (out / "nav-fjellby.html").read_text(encoding="utf-8")
    md = (out / "nav-fjellby.md").read_text(encoding="utf-8")
    assert "UTKAST" not in html and "UTKAST" not in md
    assert "draft-banner" not in html and "Avsender" not in html and "Svarfrist" not in html
    assert md.startswith("# Rapport fra kvalitetsinnsyn i kvalifiseringsprogrammet: NAV Fjellby\n")
    ctx = _context(EXAMPLES / "2024", "nav-fjellby")
    assert ctx["letter"] is None and ctx["draft"] is False
    assert ctx["report_date"] == ctx["visit_dates"][-1]


# --------------------------------------------------------------------------- defaults and dates


def test_reply_deadline_arithmetic():
    assert reply_deadline(dt.date(2026, 3, 20), None, 4) == dt.date(2026, 4, 17)
    assert reply_deadline(dt.date(2026, 12, 20), None, 2) == dt.date(2027, 1, 3)
    assert reply_deadline(dt.date(2026, 3, 20), dt.date(2026, 5, 1), 4) == dt.date(2026, 5, 1)
    assert reply_deadline(dt.date(2026, 3, 20), None, None) is None


def test_letter_takes_the_rounds_defaults_where_the_file_has_none(letter_round):
    letter = _context(letter_round.root)["letter"]
    assert letter["status"] == "utkast" and letter["draft"] is True and letter["status_label"] == "utkast"
    assert letter["date"] == "20. mars 2026"
    assert letter["reply_deadline"] == "17. april 2026"  # 20 March + reply_weeks 4
    assert letter["reference"] == "2026/99"  # its own
    assert letter["sender"] == "Statsforvalteren i Fiktivfylke"  # the round's
    assert letter["team"] == [{"name": "Kari Revisor", "title": "seniorrådgiver"}]
    assert letter["signature"] == [{"name": "Anne Fjeld", "title": "avdelingsdirektør"}]
    texts = letter["texts"]
    assert texts["summary"]["html"] == "<p>Kontoret gjør mye riktig.</p>\n<p>Vedtakene mangler klageopplysning.</p>"
    assert texts["summary"]["text"] == "Kontoret gjør mye riktig.\n\nVedtakene mangler klageopplysning."
    assert texts["visit"]["text"] == "Vi møtte leder og to veiledere."  # its own over the standard text
    assert texts["conclusion"]["text"] == "Kontoret må rette avviket om vedtak."
    assert list(letter["theme_texts"]) == ["vedtak"]


def test_empty_fields_fall_back_and_the_date_is_the_last_visit(letter_round):
    letter_round.write("nav-a/rapport.yaml", "status: endelig\nreference: ''\ntext:\n  summary: ''\n")
    ctx = _context(letter_round.root)
    letter = ctx["letter"]
    assert ctx["draft"] is False and letter["draft"] is False
    assert letter["date"] == ctx["report_date"] == "1. februar 2026"
    assert letter["reply_deadline"] == "1. mars 2026"
    assert letter["reference"] == "2026/4711"
    assert letter["texts"]["summary"] is None
    assert letter["texts"]["visit"]["text"] == "Standardtekst om besøket."
    assert letter["texts"]["conclusion"]["text"] == "Standard konklusjon."
    assert letter["texts"]["sample"] is None


def test_an_office_without_report_file_is_no_letter(letter_round):
    ctx = _context(letter_round.root, "nav-b")
    assert ctx["letter"] is None and ctx["draft"] is False and ctx["report_date"] == "1. februar 2026"


# --------------------------------------------------------------------------- draft and final


def _render(b, tmp_path, formats=("html", "md"), office="nav-a"):
    out = tmp_path / "ut"
    build_reports(b.root, out, list(formats), office=office, force=True)
    return out


def test_a_draft_says_utkast_in_title_banner_and_markdown(letter_round, tmp_path):
    out = _render(letter_round, tmp_path)
    html = (out / "nav-a.html").read_text(encoding="utf-8")
    md = (out / "nav-a.md").read_text(encoding="utf-8")
    assert "<title>UTKAST – Rapport fra kvalitetsinnsyn – NAV A – Testrunde 2026</title>" in html
    assert ('<p class="draft-banner" role="note"><strong>UTKAST</strong> – Rapporten er et utkast og ikke endelig.</p>'
            in html)
    assert html.index("draft-banner\"") < html.index("<h1>")
    assert md.startswith("> **UTKAST** – Rapporten er et utkast og ikke endelig.\n\n# Rapport fra kvalitetsinnsyn")
    # the letter parts, in order: cover, the team's summary, results, conclusion, signature
    for text in (html, md):
        order = [text.index(s) for s in ("Statsforvalteren i Fiktivfylke", "Kontoret gjør mye riktig", "Resultat per tema",
                                         "Vedtakene er skriftlige, men uten varighet", "Kontoret må rette avviket om vedtak",
                                         "Anne Fjeld")]
        assert order == sorted(order)
    assert "Vi ber om kontorets svar og plan for retting innen 17. april 2026." in html
    assert "- **Svarfrist:** 17. april 2026" in md
    assert "- **Revisjonsteam:** Kari Revisor (seniorrådgiver)" in md


def test_a_final_report_is_not_marked(letter_round, tmp_path):
    letter_round.write("nav-a/rapport.yaml", REPORT.replace("status: utkast", "status: endelig"))
    out = _render(letter_round, tmp_path)
    html = (out / "nav-a.html").read_text(encoding="utf-8")
    md = (out / "nav-a.md").read_text(encoding="utf-8")
    assert "UTKAST" not in html and "UTKAST" not in md
    assert "<title>Rapport fra kvalitetsinnsyn – NAV A – Testrunde 2026</title>" in html
    assert "Kontoret gjør mye riktig" in html and "- **Status:** Endelig" in md


def test_the_markdown_letter_escapes_what_it_prints(letter_round, tmp_path):
    letter_round.write("nav-a/rapport.yaml", 'status: utkast\nsender: "Kontor *A* <b>"\n'
                                              'text:\n  summary: "Se **dette** <script>x</script>"\n')
    md = (_render(letter_round, tmp_path, ("md",)) / "nav-a.md").read_text(encoding="utf-8")
    assert "- **Avsender:** Kontor \\*A\\* &lt;b&gt;" in md
    assert "Se **dette**" in md and "<script>" not in md


def test_a_draft_pdf_says_utkast_on_every_page_and_a_final_on_none(letter_round, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("weasyprint")
    out = _render(letter_round, tmp_path, ("pdf",))
    pages = pypdf.PdfReader(out / "nav-a.pdf").pages
    assert len(pages) >= 2
    assert all("UTKAST" in page.extract_text() for page in pages)
    letter_round.write("nav-a/rapport.yaml", REPORT.replace("status: utkast", "status: endelig"))
    out = _render(letter_round, tmp_path, ("pdf",))
    pages = pypdf.PdfReader(out / "nav-a.pdf").pages
    assert not any("UTKAST" in page.extract_text() for page in pages)


def test_the_county_summary_follows_the_rounds_summary_status(letter_round, tmp_path):
    out = _render(letter_round, tmp_path, ("html", "md"), office=None)
    assert "UTKAST" not in (out / "oppsummering.html").read_text(encoding="utf-8")
    path = letter_round.root / "runde.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  summary:\n    status: utkast\n    date: 2026-06-01\n"
                    "    text: Fylket har gode vedtak.\n", encoding="utf-8")
    out = _render(letter_round, tmp_path, ("html", "md"), office=None)
    html = (out / "oppsummering.html").read_text(encoding="utf-8")
    md = (out / "oppsummering.md").read_text(encoding="utf-8")
    assert "<title>UTKAST – Oppsummering – Testrunde 2026</title>" in html
    assert md.startswith("> **UTKAST** – Rapporten er et utkast og ikke endelig.\n")
    assert "Fylket har gode vedtak." in html and "Fylket har gode vedtak." in md
    assert "Statsforvalteren i Fiktivfylke, 1. juni 2026" in md


def test_the_example_round_has_a_draft_and_a_final(tmp_path):
    data = load_round(EXAMPLES / "2026")
    statuses = {o: r.status.value for o, r in data.reports.items()}
    assert "utkast" in statuses.values() and "endelig" in statuses.values()
    assert len(statuses) >= len(data.round.offices) // 2 + 1


# --------------------------------------------------------------------------- new round


def test_new_round_writes_a_draft_report_file_per_office(tmp_path):
    result = run("new", "round", "r", "--name", "Runde", "--county", "Fylke",
                 "--office", "nav-a=NAV A", "--office", "nav-b=NAV B")
    assert result.exit_code == 0, result.output
    assert "skrev r/nav-a/rapport.yaml" in result.output
    text = (tmp_path / "r" / "nav-a" / REPORT_FILE).read_text(encoding="utf-8")
    assert text.startswith("# Rapporten til NAV A: status, datoer og teamets egen tekst (Markdown).\n")
    assert "status: utkast  # utkast | endelig; et utkast merkes UTKAST på hver side\n" in text
    assert "  themes: {}  # teamets vurdering per tema-id: soknad-vedtak, kartlegging," in text
    for field in ("date:", "reply_deadline:", "reference:", "sender:", "team:", "signature:", "text:",
                  "  summary:", "  visit:", "  sample:", "  conclusion:"):
        line = next(line for line in text.splitlines() if line.startswith(field))
        assert "  # " in line, field  # every field explained
    assert (tmp_path / "r" / "nav-b" / REPORT_FILE).is_file()
    data = load_round(tmp_path / "r")
    assert data.problems == []
    assert {o: r.status.value for o, r in data.reports.items()} == {"nav-a": "utkast", "nav-b": "utkast"}
    ctx = _context(tmp_path / "r")
    assert ctx["draft"] is True and ctx["letter"]["texts"] == dict.fromkeys(("summary", "visit", "sample", "conclusion"))


def test_new_round_from_carries_the_report_defaults_but_not_the_reference(tmp_path):
    result = run("new", "round", "r2028", "--from", str(EXAMPLES / "2026"), "--name", "KVP 2028",
                 "--start", "2028-01-01")
    assert result.exit_code == 0, result.output
    data = load_round(tmp_path / "r2028")
    assert not data.errors
    report = data.round.report
    assert report.sender == "Statsforvalteren i Fiktivfylke" and report.reply_weeks == 4
    assert report.reference == "" and report.summary is None
    assert [p.name for p in report.signature] == ["Anne Fjeld", "Tor Haugen"]
    assert report.texts.visit.startswith("Vi besøkte kontoret én dag.")
    assert set(data.reports) == {o.id for o in data.round.offices}
    assert "# reply_deadline:" not in (tmp_path / "r2028" / "nav-fjellby" / REPORT_FILE).read_text(encoding="utf-8")
    assert "tom: rapportdatoen pluss 4 uker (runde.yaml)" in (
        tmp_path / "r2028" / "nav-fjellby" / REPORT_FILE).read_text(encoding="utf-8")


def test_report_skeleton_is_a_valid_report_file(tmp_path):
    from kvp_audit.load import check_report
    from kvp_audit.models import Office, ReportStatus
    from kvp_audit.skeleton import report_skeleton
    from kvp_audit.yamlio import parse_mapping

    text = report_skeleton(Office(id="nav-a", name="NAV A"), ["vedtak"], ReportStatus.endelig, 3)
    path = tmp_path / REPORT_FILE
    report, problems = check_report(parse_mapping(text, path), text, path, ["vedtak"])
    assert problems == [] and report.status.value == "endelig"
    assert "tom: rapportdatoen pluss 3 uker (runde.yaml)" in text


# --------------------------------------------------------------------------- schema and docs


def test_the_example_report_files_match_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from kvp_audit.yamlio import parse_mapping

    schema = json.loads((REPO / "docs" / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    files = sorted((EXAMPLES / "2026").glob(f"*/{REPORT_FILE}"))
    assert len(files) >= 6
    for path in files:
        jsonschema.validate(parse_mapping(path.read_text(encoding="utf-8"), path), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"status": "ferdig"}, schema)
    round_schema = json.loads((REPO / "docs" / "schemas" / "round.schema.json").read_text(encoding="utf-8"))
    path = EXAMPLES / "2026" / "runde.yaml"
    block = {"$defs": round_schema["$defs"], "$ref": "#/$defs/RoundReport"}
    jsonschema.validate(parse_mapping(path.read_text(encoding="utf-8"), path)["report"], block)
    assert round_schema["properties"]["report"]["anyOf"][0] == {"$ref": "#/$defs/RoundReport"}


def test_every_report_field_is_documented():
    from kvp_audit.models import CountySummary, ReportFile, ReportText, RoundReport, Signatory, StandardTexts

    for model in (ReportFile, ReportText, Signatory, RoundReport, StandardTexts, CountySummary):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


def test_readme_describes_the_report_file():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Rapportfilen (`rapport.yaml`)"):]
    for word in ("status: utkast", "reply_deadline", "reply_weeks", "team", "signature", "UTKAST"):
        assert word in section.split("\n## ")[0], word
    assert re.search(r"kvp-audit checklist schema --kind report", readme)
