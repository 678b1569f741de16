"""The report's own file in `kvp-audit serve` (rapport.yaml) through Flask's test client: the page
with and without the file, saving what `kvp-audit validate` and the loader then read, comments
and unknown fields that survive, problems next to their fields, refused posts (CSRF, identity
numbers), conflicts, and the buttons that work without JavaScript (rows, preview)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("flask")
pytest.importorskip("ruamel.yaml")

from test_web import fictional_fnr, form_of, replace  # noqa: E402
from test_web_browser import axe_page, browser  # noqa: E402,F401  (fixtures for the browser tests below)

from kvp_audit.web.app import create_app  # noqa: E402
from kvp_audit.web.reviews import file_hash  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
OFFICE = "nav-bergtun"
URL = f"/kontor/{OFFICE}/rapporttekst"
CASE_THEMES = ["soknad-vedtak", "kartlegging", "innhold", "ip", "brukermedvirkning", "oppfolging", "avslutning",
               "dokumentasjon"]

# A rapport.yaml written by hand: comments, quotes, a multi-line text in a literal block.
HAND_WRITTEN = """\
# Rapporten til NAV Bergtun (skrevet for hånd)
status: utkast  # endres til endelig når den sendes
date: 2026-03-20
reference: "2026/4711"
team:
  - name: Kari Revisor  # teamleder
    title: seniorrådgiver
  - name: Ola Kontroll
    title: rådgiver
text:
  summary: |
    Kontoret har gode rutiner for vedtak.

    Oppfølgingen av deltakerne kan bli bedre.
  # Om besøket skriver vi etter møtet.
  visit: ""
  themes:
    ip: Individuell plan tilbys.  # sjekket i alle sakene
    oppfolging: "Evalueringene er gjort."
"""


@pytest.fixture
def round_dir(tmp_path) -> Path:
    """Copies of both example rounds, with no rapport.yaml (each test writes the one it needs)."""
    target = tmp_path / "fiktivfylke"
    shutil.copytree(EXAMPLES / "2024", target / "2024")
    shutil.copytree(EXAMPLES / "2026", target / "2026")
    for path in (target / "2026").glob("*/rapport.yaml"):
        path.unlink()
    return target / "2026"


@pytest.fixture
def client(round_dir, tmp_path):
    app = create_app(round_dir, reports_dir=tmp_path / "reports", report_formats=("html",))
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def report(round_dir) -> Path:
    path = round_dir / OFFICE / "rapport.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    return path


def opened(client, url: str = URL):
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    return page.get_data(as_text=True), form_of(page.get_data(as_text=True))


def error_of(page: str, name: str) -> str:
    """The text of a field's error element ('' when it is hidden or empty)."""
    match = re.search(rf'<p class="field-error" id="e-{re.escape(name)}" data-error-for="{re.escape(name)}"( hidden)?>(.*?)</p>',
                      page, re.S)
    assert match, f"no error element for {name}"
    return "" if match.group(1) else html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))).strip()


def validate(round_dir: Path):
    from click.testing import CliRunner

    from kvp_audit.cli import main

    return CliRunner().invoke(main, ["validate", "--strict", str(round_dir)])


def loaded_report(round_dir: Path, office: str = OFFICE):
    from kvp_audit.load import load_round

    data = load_round(round_dir)
    assert [p for p in data.problems if p.is_error] == []
    return data.reports[office]


# --------------------------------------------------------------------------- pages


def test_page_without_the_file_shows_the_skeleton(client, round_dir):
    page, form = opened(client)
    assert "<h1>Rapportens tekst og status" in page and "NAV Bergtun" in page
    assert "Filen finnes ikke ennå. Skjemaet viser utgangspunktet; «Lagre» lager filen." in page
    assert form["base_hash"] == "" and form["status"] == "utkast"
    assert [form[n] for n in ("date", "reply_deadline", "reference", "sender")] == ["", "", "", ""]
    # One empty row in each table, to fill in without JavaScript.
    assert form.getlist("team.0.name") == [""] and "team.1.name" not in form
    assert form.getlist("signature.0.name") == [""]
    # The team's texts: the opening three, one per theme of the case checklist, the conclusion.
    texts = [n for n in form if n.startswith("text.")]
    assert texts == ["text.summary", "text.visit", "text.sample", *[f"text.themes.{t}" for t in CASE_THEMES],
                     "text.conclusion"]
    assert '<label for="f-text.themes.ip">Individuell plan</label>' in page
    assert not (round_dir / OFFICE / "rapport.yaml").exists()


def test_page_with_the_file_shows_its_values(client, report):
    page, form = opened(client)
    assert "Filen finnes ikke ennå" not in page
    assert form["base_hash"] == file_hash(report)
    assert form["status"] == "utkast" and form["date"] == "2026-03-20" and form["reference"] == "2026/4711"
    assert [(form[f"team.{i}.name"], form[f"team.{i}.title"]) for i in range(3)] == [
        ("Kari Revisor", "seniorrådgiver"), ("Ola Kontroll", "rådgiver"), ("", "")]
    assert form["text.summary"] == "Kontoret har gode rutiner for vedtak.\n\nOppfølgingen av deltakerne kan bli bedre."
    assert form["text.themes.ip"] == "Individuell plan tilbys." and form["text.themes.oppfolging"] == "Evalueringene er gjort."


def test_round_and_office_pages_link_to_it_with_the_status(client, round_dir, report):
    page = client.get("/").get_data(as_text=True)
    assert '<th scope="col">Rapport</th>' in page
    assert f'<a href="{URL}">utkast</a>' in page
    assert '<a href="/kontor/nav-fjellby/rapporttekst">ikke startet</a>' in page
    office = client.get(f"/kontor/{OFFICE}/").get_data(as_text=True)
    assert "Rapportens status: utkast." in office and f'<a href="{URL}">Skriv rapportens tekst og status</a>' in office
    other = client.get("/kontor/nav-fjellby/").get_data(as_text=True)
    assert "Rapportens tekst og status (rapport.yaml) er ikke skrevet ennå." in other
    report.write_text(HAND_WRITTEN.replace("date: 2026-03-20", "date: 2026-13-01"), encoding="utf-8")
    assert "Rapportens status: utkast. <strong class=\"bad\">Filen har 1 feil.</strong>" in \
        client.get(f"/kontor/{OFFICE}/").get_data(as_text=True)
    assert f'<a href="{URL}">utkast</a> <strong class="bad">(1 feil)</strong>' in client.get("/").get_data(as_text=True)


def test_page_in_nynorsk_and_english(client):
    assert "Teksten og statusen til rapporten" in client.get(URL + "?lang=nn").get_data(as_text=True)
    english = client.get(URL + "?lang=en").get_data(as_text=True)
    assert "The report&#39;s text and status" in english and "Preview" in english


def test_unknown_office_is_404(client):
    assert client.get("/kontor/finnes-ikke/rapporttekst").status_code == 404


def test_page_markup_is_accessible(client, report):
    page, _form = opened(client)
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for name in ("team.0.name", "team.0.title", "text.summary", "date"):
        assert f'<label for="f-{name}"' in page and f'aria-describedby="e-{name}' in page or f'e-{name}"' in page
    assert re.search(r'<fieldset class="field group" data-field="status">\s*<legend>Status', page)
    # The first button of the form saves, so Enter in a field never adds or removes a row.
    buttons = re.findall(r"<button [^>]*>", page[page.index('class="review report-file"'):])
    assert 'value="save"' in buttons[0] and "hidden" in buttons[0]


# --------------------------------------------------------------------------- saving


def test_save_creates_the_file_from_the_skeleton(client, round_dir):
    path = round_dir / OFFICE / "rapport.yaml"
    _page, form = opened(client)
    response = client.post(URL, data=replace(form, status="endelig", date="2026-03-20", reply_deadline="2026-04-17",
                                             reference="2026/4711", sender="Statsforvalteren i Fiktivfylke",
                                             **{"team.0.name": "Kari Revisor", "team.0.title": "seniorrådgiver",
                                                "text.summary": "Kontoret har **gode** rutiner.\n\nMen ikke alle.",
                                                "text.themes.ip": "Planen tilbys.",
                                                "text.conclusion": "Kontoret må rette avvikene."}))
    assert response.status_code == 303 and response.headers["Location"].endswith(URL + "?lagret=1")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Rapporten til NAV Bergtun: status, datoer og teamets egen tekst (Markdown).\n")
    assert "\nstatus: endelig " in text and "\ndate: 2026-03-20 " in text and "\nreply_deadline: 2026-04-17 " in text
    assert "\nsender: Statsforvalteren i Fiktivfylke " in text
    assert "\nteam:" in text and "\n  - name: Kari Revisor\n    title: seniorrådgiver\nsignature: []" in text
    # The skeleton's comment on a text moves above it when the text becomes a block of lines.
    assert ("  # sammendraget, som står først i rapporten\n  summary: |-\n    Kontoret har **gode** rutiner.\n\n"
            "    Men ikke alle.\n  visit: ''") in text
    assert "  themes:" in text and "\n    ip: Planen tilbys.\n" in text
    assert "\n  conclusion: Kontoret må rette avvikene. " in text
    result = validate(round_dir)
    assert result.exit_code == 0, result.output
    loaded = loaded_report(round_dir)
    assert str(loaded.status) == "endelig" and loaded.reference == "2026/4711"
    assert [(p.name, p.title) for p in loaded.team] == [("Kari Revisor", "seniorrådgiver")]
    assert loaded.text.summary == "Kontoret har **gode** rutiner.\n\nMen ikke alle."
    assert loaded.text.themes == {"ip": "Planen tilbys."}
    # Opened again: what was saved.
    page, form = opened(client, URL + "?lagret=1")
    assert "Lagret." in page and form["status"] == "endelig" and form["team.0.name"] == "Kari Revisor"


def test_unchanged_form_leaves_the_file_byte_for_byte(client, report):
    before = report.read_bytes()
    _page, form = opened(client)
    assert client.post(URL, data=form).status_code == 303
    assert report.read_bytes() == before


@pytest.mark.parametrize("office", sorted(p.parent.name for p in (EXAMPLES / "2026").glob("*/rapport.yaml")))
def test_example_report_files_survive_an_unchanged_save_byte_for_byte(tmp_path, office):
    target = tmp_path / "fiktivfylke"
    shutil.copytree(EXAMPLES / "2024", target / "2024")
    shutil.copytree(EXAMPLES / "2026", target / "2026")
    app = create_app(target / "2026", reports_dir=tmp_path / "reports", report_formats=("html",))
    client = app.test_client()
    path = target / "2026" / office / "rapport.yaml"
    before = path.read_bytes()
    url = f"/kontor/{office}/rapporttekst"
    page, form = opened(client, url)
    assert "Rett dette" not in page and form["status"] in ("utkast", "endelig")
    assert client.post(url, data=form).status_code == 303
    assert path.read_bytes() == before


def test_comments_quotes_and_key_order_survive(client, report, round_dir):
    _page, form = opened(client)
    response = client.post(URL, data=replace(form, status="endelig", **{
        "team.1.title": "seniorrådgiver", "text.visit": "Vi møtte leder og to KVP-veiledere."}))
    assert response.status_code == 303
    after = report.read_text(encoding="utf-8")
    assert after == HAND_WRITTEN.replace(
        "status: utkast  # endres", "status: endelig # endres").replace(
        "    title: rådgiver\n", "    title: seniorrådgiver\n").replace(
        '  visit: ""\n', '  visit: Vi møtte leder og to KVP-veiledere.\n')
    assert loaded_report(round_dir).text.themes == {"ip": "Individuell plan tilbys.", "oppfolging": "Evalueringene er gjort."}


def test_a_theme_the_checklist_lacks_is_kept_and_named(client, report):
    """A text for a theme id the case checklist does not have (written by hand): shown above the form, never dropped."""
    report.write_text(HAND_WRITTEN.replace("    ip: Individuell plan tilbys.", "    rutiner: Skriftlige.\n    ip: Individuell plan tilbys."),
                      encoding="utf-8")
    before = report.read_bytes()
    page, form = opened(client)
    assert "temaet &#39;rutiner&#39; finnes ikke i sjekklisten" in page and "text.themes.rutiner" not in form
    response = client.post(URL, data=replace(form, status="endelig"))
    assert response.status_code == 422 and report.read_bytes() == before
    assert "temaet &#39;rutiner&#39; finnes ikke i sjekklisten" in response.get_data(as_text=True)


def test_a_row_left_empty_is_dropped_and_a_removed_row_goes(client, report, round_dir):
    _page, form = opened(client)
    response = client.post(URL, data=replace(form, **{"team.0.name": "", "team.0.title": "",
                                                      "signature.0.name": "Per Direktør",
                                                      "signature.0.title": "avdelingsdirektør"}))
    assert response.status_code == 303
    loaded = loaded_report(round_dir)
    assert [p.name for p in loaded.team] == ["Ola Kontroll"]
    assert [(p.name, p.title) for p in loaded.signature] == [("Per Direktør", "avdelingsdirektør")]
    text = report.read_text(encoding="utf-8")
    assert "Kari Revisor" not in text and "signature:\n  - name: Per Direktør\n    title: avdelingsdirektør\n" in text


def test_clearing_every_row_leaves_an_empty_list(client, report, round_dir):
    _page, form = opened(client)
    cleared = replace(form, **{f"team.{i}.{part}": "" for i in range(3) for part in ("name", "title")})
    assert client.post(URL, data=cleared).status_code == 303
    assert "\nteam: []\n" in report.read_text(encoding="utf-8")
    assert loaded_report(round_dir).team == []


# --------------------------------------------------------------------------- problems next to their fields


@pytest.mark.parametrize("field, value, message", [
    ("date", "2026-02-30", "'2026-02-30' er ikke en dato som finnes"),
    ("reply_deadline", "17.04.2026", "'17.04.2026' er ikke en dato som finnes"),
    ("reply_deadline", "2026-03-01", "svarfristen (2026-03-01) er før rapportdatoen (2026-03-20)"),
    ("status", "sendt", "'sendt' er ikke en gyldig verdi"),
    ("team.1.name", "", "Skriv navnet, eller tøm tittelen også: en rad uten navn og tittel tas ikke med."),
])
def test_invalid_input_is_shown_next_to_the_field_and_nothing_is_written(client, report, field, value, message):
    before = report.read_bytes()
    _page, form = opened(client)
    response = client.post(URL, data=replace(form, **{field: value}))
    assert response.status_code == 422
    assert report.read_bytes() == before
    page = response.get_data(as_text=True)
    assert message in error_of(page, field)
    assert 'id="error-summary"' in page and f'href="#f-{field}' in page
    # The posted values are shown again, not the file's.
    again = form_of(page)
    assert again[field] == value or field == "status"


@pytest.mark.parametrize("office_review", [True, False])
def test_without_a_date_the_deadline_is_checked_against_the_last_visit(client, report, round_dir, office_review):
    """As the report takes its date: the last visit in kontor.yaml, else the last case date."""
    folder = round_dir / OFFICE
    case = sorted(folder.glob("K-*.yaml"))[0]
    case.write_text(case.read_text(encoding="utf-8").replace("date: 2026-03-18", "date: 2026-03-25"), encoding="utf-8")
    if not office_review:
        (folder / "kontor.yaml").unlink()
    last = "2026-03-18" if office_review else "2026-03-25"
    page, form = opened(client)
    assert f"Tomt felt: den siste besøksdatoen ({last})." in page
    response = client.post(URL, data=replace(form, date="", reply_deadline="2026-03-20"))
    if office_review:
        assert response.status_code == 303
        assert "\nreply_deadline: 2026-03-20\n" in report.read_text(encoding="utf-8")
    else:
        assert response.status_code == 422 and report.read_text(encoding="utf-8") == HAND_WRITTEN
        assert (f"svarfristen (2026-03-20) er før rapportdatoen ({last})"
                in error_of(response.get_data(as_text=True), "reply_deadline"))
    assert validate(round_dir).exit_code == 0


def test_a_part_of_the_wrong_kind_is_never_overwritten(client, report):
    """A team written as one text (not a list): the form shows the error by the table and keeps the text."""
    report.write_text(HAND_WRITTEN.replace("team:\n  - name: Kari Revisor  # teamleder\n    title: seniorrådgiver\n"
                                           "  - name: Ola Kontroll\n    title: rådgiver\n",
                                           "team: Kari Revisor og Ola Kontroll\n"), encoding="utf-8")
    before = report.read_bytes()
    page, form = opened(client)
    assert "forventet en liste" in error_of(page, "team")
    response = client.post(URL, data=replace(form, **{"team.0.name": "Kari Revisor"}))
    assert response.status_code == 422 and report.read_bytes() == before
    assert "forventet en liste" in error_of(response.get_data(as_text=True), "team")


def test_no_file_and_invalid_input_creates_nothing(client, round_dir):
    _page, form = opened(client)
    response = client.post(URL, data=replace(form, date="i morgen"))
    assert response.status_code == 422
    assert "'i morgen' er ikke en dato som finnes" in error_of(response.get_data(as_text=True), "date")
    assert not (round_dir / OFFICE / "rapport.yaml").exists()


def test_a_name_in_the_team_text_is_a_warning_but_saves(client, report, round_dir):
    _page, form = opened(client)
    response = client.post(URL, data=replace(form, **{"text.visit": "Vi møtte Kari Nordmann, leder ved kontoret."}))
    assert response.status_code == 303
    page, _form = opened(client)
    warning = re.search(r'data-error-for="text.visit" hidden></p>\s*<p class="field-warning">(.*?)</p>', page, re.S)
    assert warning and "ser ut til å inneholde et navn (Kari N.)" in html.unescape(warning.group(1))
    # Names of officials in the team are not warned about.
    assert "Kari Revisor" not in page.split('id="s-sender"')[0]


# --------------------------------------------------------------------------- refused


def test_identity_number_is_refused_and_never_echoed(client, report):
    number = fictional_fnr()
    before = report.read_bytes()
    _page, form = opened(client)
    for name in ("text.summary", "text.themes.ip", "team.0.name", "reference"):
        response = client.post(URL, data=replace(form, **{name: f"Se sak {number} i Gosys"}))
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert number not in page and f"Se sak {number[:2]}********* i Gosys" in page
        assert "fødselsnummer eller D-nummer" in error_of(page, name)
        assert "Ikke lagret: teksten ser ut som et fødselsnummer eller D-nummer" in page
        assert report.read_bytes() == before
    # The preview refuses it too, and shows no preview of it.
    response = client.post(URL, data=replace(form, action="preview", **{"text.summary": number}))
    assert response.status_code == 422 and number not in response.get_data(as_text=True)
    assert report.read_bytes() == before


def test_a_number_already_in_the_file_blocks_saving(client, report):
    number = fictional_fnr()
    report.write_text(HAND_WRITTEN.replace("Individuell plan tilbys.", f"Se {number}."), encoding="utf-8")
    before = report.read_bytes()
    page, form = opened(client)
    assert "fødselsnummer eller D-nummer" in page
    response = client.post(URL, data=replace(form, status="endelig"))
    assert response.status_code == 422 and report.read_bytes() == before
    assert number not in response.get_data(as_text=True)
    assert "fødselsnummer eller D-nummer" in error_of(response.get_data(as_text=True), "text.themes.ip")


def test_a_script_posting_json_gets_the_result_as_json(client, report):
    _page, form = opened(client)
    data = client.post(URL, data=replace(form, reference="2026/9"), headers={"X-Requested-With": "fetch"}).get_json()
    assert data["status"] == "saved" and data["hash"] == file_hash(report) and data["not_applicable"] == []
    data = client.post(URL, data=replace(form, base_hash=data["hash"], date="1. mars"),
                       headers={"X-Requested-With": "fetch"}).get_json()
    assert data["status"] == "invalid" and list(data["errors"]) == ["date"]


def test_post_without_csrf_token_is_refused(client, report):
    before = report.read_bytes()
    _page, form = opened(client)
    form = replace(form, status="endelig")
    del form["csrf_token"]
    assert client.post(URL, data=form).status_code == 400
    assert client.post(URL, data=replace(form, csrf_token="feil")).status_code == 400
    assert report.read_bytes() == before


def test_foreign_host_is_refused(client, report):
    before = report.read_bytes()
    _page, form = opened(client)
    response = client.post(URL, data=replace(form, status="endelig"), headers={"Host": "evil.example"})
    assert response.status_code == 400 and report.read_bytes() == before


def test_unknown_button_is_refused(client, report):
    before = report.read_bytes()
    _page, form = opened(client)
    for action in ("delete", "remove-team", "add-team-1", "remove-office-0", "remove-team-x"):
        assert client.post(URL, data=replace(form, action=action)).status_code == 400
    assert report.read_bytes() == before


def test_conflict_shows_both_versions_and_writes_nothing(client, report):
    _page, form = opened(client)
    form = replace(form, **{"text.conclusion": "Min konklusjon."})
    theirs = report.read_text(encoding="utf-8").replace("status: utkast", "status: endelig", 1)
    report.write_text(theirs, encoding="utf-8")
    response = client.post(URL, data=form)
    assert response.status_code == 409
    assert report.read_text(encoding="utf-8") == theirs
    conflict = response.get_data(as_text=True)
    assert "Filen er endret siden du åpnet skjemaet" in conflict and "Min konklusjon." in conflict
    assert "rapport.yaml" in conflict
    # "Use mine" posts the form's values against the version now on disk.
    mine = form_of(conflict, action=URL)
    assert mine["text.conclusion"] == "Min konklusjon." and mine["team.1.name"] == "Ola Kontroll"
    assert client.post(URL, data=mine).status_code == 303
    text = report.read_text(encoding="utf-8")
    assert "  conclusion: Min konklusjon.\n" in text and "status: utkast" in text


def test_file_made_elsewhere_meanwhile_is_a_conflict(client, round_dir):
    path = round_dir / OFFICE / "rapport.yaml"
    _page, form = opened(client)
    path.write_text("status: endelig\n", encoding="utf-8")
    assert client.post(URL, data=replace(form, reference="2026/1")).status_code == 409
    assert path.read_text(encoding="utf-8") == "status: endelig\n"


def test_a_broken_file_is_shown_not_overwritten(client, report):
    report.write_text("status: [utkast\n", encoding="utf-8")
    page = client.get(URL)
    assert page.status_code == 200 and "Filen kan ikke leses" in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"/kontor/{OFFICE}/").get_data(as_text=True))
    response = client.post(URL, data={"csrf_token": token.group(1), "base_hash": "", "status": "utkast"})
    assert response.status_code in (409, 422)
    assert report.read_text(encoding="utf-8") == "status: [utkast\n"


# --------------------------------------------------------------------------- without JavaScript: rows and preview


def test_add_row_shows_an_empty_row_and_writes_nothing(client, report):
    before = report.read_bytes()
    _page, form = opened(client)
    response = client.post(URL, data=replace(form, action="add-team", **{"team.2.name": "Ny Person",
                                                                         "text.conclusion": "Skrevet før raden."}))
    assert response.status_code == 200 and report.read_bytes() == before
    page = response.get_data(as_text=True)
    assert "En tom rad er lagt til. Ingenting er lagret ennå." in page
    again = form_of(page)
    assert [again[f"team.{i}.name"] for i in range(4)] == ["Kari Revisor", "Ola Kontroll", "Ny Person", ""]
    assert again["text.conclusion"] == "Skrevet før raden." and again["base_hash"] == form["base_hash"]
    # Then saving keeps the filled rows and drops the empty one.
    assert client.post(URL, data=replace(again, **{"team.3.name": "Fjerde Person"})).status_code == 303
    assert "  - name: Ny Person\n  - name: Fjerde Person\nsignature" in report.read_text(encoding="utf-8") or \
        "  - name: Fjerde Person\n" in report.read_text(encoding="utf-8")


def test_remove_row_takes_it_out_of_the_form_then_saving_removes_it(client, report, round_dir):
    before = report.read_bytes()
    _page, form = opened(client)
    response = client.post(URL, data=replace(form, action="remove-team-0"))
    assert response.status_code == 200 and report.read_bytes() == before
    page = response.get_data(as_text=True)
    assert "Raden er fjernet. Ingenting er lagret ennå: trykk «Lagre»." in page
    again = form_of(page)
    assert again["team.0.name"] == "Ola Kontroll" and again["team.1.name"] == ""
    assert client.post(URL, data=again).status_code == 303
    assert [p.name for p in loaded_report(round_dir).team] == ["Ola Kontroll"]


def test_preview_renders_the_markdown_safely_and_writes_nothing(client, report):
    before = report.read_bytes()
    _page, form = opened(client)
    response = client.post(URL, data=replace(form, action="preview", **{
        "text.summary": "Kontoret har **gode** rutiner.\n\n- én\n- to\n\n<script>alert(1)</script>"
                        "[lenke](javascript:alert(1))",
        "text.themes.ip": "Planen *tilbys*."}))
    assert response.status_code == 200 and report.read_bytes() == before
    page = response.get_data(as_text=True)
    assert "Forhåndsvisningen står under hvert tekstfelt. Ingenting er lagret ennå." in page
    preview = page[page.index('id="p-text.summary"'):]
    preview = preview[:preview.index("</div>")]
    assert "<strong>gode</strong>" in preview and "<li>én</li>" in preview
    assert "<script" not in preview and "javascript:" not in preview
    assert '<em>tilbys</em>' in page[page.index('id="p-text.themes.ip"'):]
    # The text itself is still in the form, as typed.
    assert form_of(page)["text.summary"].startswith("Kontoret har **gode** rutiner.")


def test_preview_shows_problems_and_the_round_standard_text(client, report, round_dir):
    round_file = round_dir / "runde.yaml"
    text = round_file.read_text(encoding="utf-8")
    assert '  sender: "Statsforvalteren i Fiktivfylke"\n' in text and "  reply_weeks: 4\n" in text
    round_file.write_text(re.sub(r"(?m)^    sample: .*$", '    sample: "To saker valgt av kontoret, to trukket *tilfeldig*."',
                                 text), encoding="utf-8")
    page, form = opened(client)
    assert "Tomt felt: «Statsforvalteren i Fiktivfylke» fra runde.yaml." in page
    assert "Tomt felt: rapportdatoen pluss 4 uker (runde.yaml)." in page
    assert "Tomt felt: den siste besøksdatoen (2026-03-18)." in page
    response = client.post(URL, data=replace(form, action="preview", date="2026-02-30"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "er ikke en dato som finnes" in error_of(page, "date")
    sample = page[page.index('id="p-text.sample"'):]
    assert "Forhåndsvisning (rundens standardtekst)" in sample[:400] and "<em>tilfeldig</em>" in sample[:600]


# --------------------------------------------------------------------------- in a real browser


@pytest.fixture
def served(round_dir, tmp_path):
    """The real server (as `kvp-audit serve` runs it) on a free port, in a thread."""
    import threading

    from kvp_audit.web.server import make_server, url_of

    srv = make_server(round_dir, "127.0.0.1", 0, reports_dir=tmp_path / "reports")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield url_of(srv, "127.0.0.1").rstrip("/")
    srv.shutdown()
    srv.server_close()


def type_date(page, selector: str, iso: str) -> None:
    """Type a date into a focused date input; its segments' order is the browser's (the system locale's), so
    each order is tried: month first (as Debian's Chromium in a container), day first, year first."""
    year, month, day = iso.split("-")
    for digits in (month + day + year, day + month + year, year + month + day):
        page.keyboard.type(digits)
        if page.locator(selector).input_value() == iso:
            return
        page.fill(selector, "")
        page.focus(selector)
    raise AssertionError(f"could not type {iso} into {selector}")


def test_keyboard_only_from_the_office_page_to_a_saved_report_file(browser, served, round_dir):
    from test_web_browser import choose, tab_to

    context = browser.new_context(locale="nb-NO", viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    path = round_dir / OFFICE / "rapport.yaml"
    try:
        page.goto(f"{served}/kontor/{OFFICE}/")
        tab_to(page, f"a[href='{URL}']")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{URL}")
        assert page.locator("h1").inner_text().startswith("Rapportens tekst og status")

        tab_to(page, "input[name='status']")
        choose(page, "status", "endelig")
        tab_to(page, "#f-date")
        type_date(page, "#f-date", "2026-03-20")
        tab_to(page, "#f-reference")
        page.keyboard.type("2026/4711")
        tab_to(page, "input[name='team.0.name']")
        page.keyboard.type("Kari Revisor")
        page.keyboard.press("Tab")
        page.keyboard.type("seniorrådgiver")
        # "Legg til en rad" posts the form and shows it again with one more row; nothing is written.
        tab_to(page, "button[value='add-team']")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "En tom rad er lagt til" in page.content() and not path.exists()
        assert page.evaluate("() => location.hash") == "#t-team"   # back at the table, not at the top
        assert page.locator("input[name='team.0.name']").input_value() == "Kari Revisor"
        tab_to(page, "input[name='team.1.name']")
        page.keyboard.type("Ola Kontroll")
        tab_to(page, "textarea[name='text.summary']")
        page.keyboard.type("Kontoret har **gode** rutiner.")
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        page.keyboard.type("- vedtak i tide")
        # "Forhåndsvis": the Markdown as the report shows it, still unsaved.
        tab_to(page, "button[value='preview']")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.evaluate("() => location.hash") == "#s-opening"
        preview = page.locator("#p-text\\.summary")
        assert preview.locator("strong").inner_text() == "gode"
        assert preview.locator("li").inner_text() == "vedtak i tide"
        assert not path.exists()
        # Enter in a one-line field saves (the form's first button), it never adds or removes a row.
        tab_to(page, "#f-sender")
        page.keyboard.type("Statsforvalteren i Fiktivfylke")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("?lagret=1"), page.locator("main").inner_text()[:1500]
        assert page.locator("input[name='team.2.name']").input_value() == ""
    finally:
        context.close()
    report = loaded_report(round_dir)
    assert str(report.status) == "endelig" and report.date.isoformat() == "2026-03-20"
    assert report.reference == "2026/4711" and report.sender == "Statsforvalteren i Fiktivfylke"
    assert [(p.name, p.title) for p in report.team] == [("Kari Revisor", "seniorrådgiver"), ("Ola Kontroll", "")]
    assert report.text.summary == "Kontoret har **gode** rutiner.\n\n- vedtak i tide"


def test_form_works_without_javascript(browser, served, round_dir, report):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(served + URL)
        page.locator("button[value='remove-team-0']").click()
        page.wait_for_selector("text=Raden er fjernet")
        page.locator("textarea[name='text.conclusion']").fill("Kontoret må rette avvikene.")
        page.locator(".actions button[value='save']").click()
        page.wait_for_url("**?lagret=1")
    finally:
        context.close()
    loaded = loaded_report(round_dir)
    assert [p.name for p in loaded.team] == ["Ola Kontroll"]
    assert loaded.text.conclusion == "Kontoret må rette avvikene."


def _errors(page, served):
    page.goto(served + URL)
    page.locator("#f-reply_deadline").fill("2026-03-01")
    page.locator("input[name='team.2.title']").fill("rådgiver")
    page.locator(".actions button[value='save']").click()
    page.wait_for_selector("#error-summary")


def _preview(page, served):
    page.goto(served + URL)
    page.locator("textarea[name='text.visit']").fill("Vi møtte **leder** og to KVP-veiledere.")
    page.locator("button[value='preview']").click()
    page.wait_for_selector("#p-text\\.visit")


REPORT_PAGES = {
    "report-file": lambda page, served: page.goto(served + URL),
    "report-file-new": lambda page, served: page.goto(f"{served}/kontor/nav-fjellby/rapporttekst"),
    "report-file-en": lambda page, served: page.goto(served + URL + "?lang=en"),
    "report-file-with-errors": _errors,
    "report-file-preview": _preview,
    "office-with-report-status": lambda page, served: page.goto(f"{served}/kontor/{OFFICE}/"),
}


@pytest.mark.parametrize("name", list(REPORT_PAGES))
def test_axe_finds_no_violations(served, axe_page, report, name):
    from test_web_browser import axe_violations

    REPORT_PAGES[name](axe_page, served)
    violations = axe_violations(axe_page)
    assert violations == [], violations
