"""The round file (runde.yaml) as a form, `/runden` in a round's app: offices renamed and added,
ids that cannot change once an office has a folder, checklists chosen; validation as
`kvp-audit validate`, conflicts, identity numbers, and a round trip that keeps comments."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("flask")
pytest.importorskip("ruamel.yaml")

from werkzeug.test import Client  # noqa: E402

from test_web import fictional_fnr, form_of, replace  # noqa: E402
from test_web_workspace import summary_of, text_of  # noqa: E402

from kvp_audit.web.app import create_app  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
URL = "/runden"


@pytest.fixture
def client(round_dir, tmp_path):
    app = create_app(round_dir, reports_dir=tmp_path / "reports", report_formats=("html",))
    app.config["TESTING"] = True
    return app.test_client()


def opened(client):
    page = client.get(URL)
    assert page.status_code == 200
    return page.get_data(as_text=True), form_of(page.get_data(as_text=True))


def changes(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_round_page_links_to_the_form(client):
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/runden">Endre rundefilen</a> (navn, fylke, periode, sjekklister og 11 kontorer)' in page


def test_form_shows_the_round_file(client):
    page, form = opened(client)
    assert "<h1>Rundefilen <span class=\"sub\">runde.yaml</span></h1>" in page
    assert form["name"] == "Kvalitetsinnsyn KVP 2026"
    assert form["county"] == "Fiktivfylke (fiktivt)"
    assert (form["period-start"], form["period-end"]) == ("2026-02-01", "2026-06-30")
    assert (form["office-0-id"], form["office-0-name"], form["office-10-name"]) == \
        ("nav-fjellby", "NAV Fjellby", "NAV Sørholmen")
    assert (form["checklist-case"], form["checklist-office"], form["checklist-followup"]) == \
        ("kvp-sak@2026.1", "kvp-kontor@2026.1", "kvp-oppfolging@2026.1")
    assert '<option value="kvp-sak@2026.2">' in page
    # An office with a folder keeps its id, and the page says why.
    assert re.search(r'id="f-office-0-id"[^>]*readonly', page)
    assert "har mappe: id-en ligger fast" in page


def test_unchanged_form_leaves_the_file_byte_for_byte(client, round_dir):
    before = (round_dir / "runde.yaml").read_bytes()
    _page, form = opened(client)
    answer = client.post(URL, data=form)
    assert answer.status_code == 303 and answer.headers["Location"] == "/runden?lagret=1"
    assert (round_dir / "runde.yaml").read_bytes() == before


def test_rename_and_add_an_office_keeps_every_comment(client, round_dir):
    before = (round_dir / "runde.yaml").read_text(encoding="utf-8")
    _page, form = opened(client)
    answer = client.post(URL, data=replace(form, action="add-office"))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "En tom rad for et nytt kontor er lagt til. Ingenting er lagret ennå." in page
    assert (round_dir / "runde.yaml").read_text(encoding="utf-8") == before
    form = replace(form_of(page), **{"office-0-name": "NAV Fjellby sentrum", "office-11-id": "nav-havbu",
                                     "office-11-name": "NAV Havbu"})
    answer = client.post(URL, data=form)
    assert answer.status_code == 303
    after = (round_dir / "runde.yaml").read_text(encoding="utf-8")
    assert changes(before, after) == ['-    name: "NAV Fjellby"', '+    name: "NAV Fjellby sentrum"',
                                      "+  - id: nav-havbu", "+    name: NAV Havbu"]
    assert "  - id: nav-havbu\n    name: NAV Havbu\n# Felles verdier for kontorrapportene" in after
    page = client.get("/runden?lagret=1").get_data(as_text=True)
    assert "Rundefilen er lagret." in page
    round_page = client.get("/").get_data(as_text=True)
    assert "NAV Fjellby sentrum" in round_page and 'href="/kontor/nav-havbu/"' in round_page
    assert client.get("/kontor/nav-havbu/").status_code == 200


def test_the_result_validates_as_the_command_line_does(client, round_dir):
    from kvp_audit.load import load_round

    errors_before = [p.format() for p in load_round(round_dir).errors]
    _page, form = opened(client)
    page = client.post(URL, data=replace(form, action="add-office")).get_data(as_text=True)
    client.post(URL, data=replace(form_of(page), **{"office-11-id": "nav-havbu", "office-11-name": "NAV Havbu"}))
    data = load_round(round_dir)
    assert [p.format() for p in data.errors] == errors_before
    assert data.round.office("nav-havbu").name == "NAV Havbu"


def test_an_id_can_change_only_while_the_office_has_no_folder(client, round_dir):
    before = (round_dir / "runde.yaml").read_text(encoding="utf-8")
    _page, form = opened(client)
    answer = client.post(URL, data=replace(form, **{"office-0-id": "nav-fjellby-ny"}))
    assert answer.status_code == 422
    assert summary_of(answer.get_data(as_text=True)) == [
        ("#f-office-0-id", "Kontor 1, id: Kontoret har allerede en mappe (nav-fjellby/), så id-en kan ikke endres "
                           "her. Id-en er mappens navn: endre navnet i stedet, eller gi mappen nytt navn utenfor "
                           "verktøyet først.")]
    assert (round_dir / "runde.yaml").read_text(encoding="utf-8") == before
    # An office without a folder (added in the form, no case yet) may get another id.
    page = client.post(URL, data=replace(form, action="add-office")).get_data(as_text=True)
    client.post(URL, data=replace(form_of(page), **{"office-11-id": "nav-havbu", "office-11-name": "NAV Havbu"}))
    _page, form = opened(client)
    assert re.search(r'id="f-office-11-id"[^>]*readonly', _page) is None
    assert client.post(URL, data=replace(form, **{"office-11-id": "nav-havbukt"})).status_code == 303
    text = (round_dir / "runde.yaml").read_text(encoding="utf-8")
    assert "  - id: nav-havbukt\n    name: NAV Havbu\n" in text and "nav-havbu\n" not in text


@pytest.mark.parametrize("changes_, expected", [
    ({"name": ""}, [("#f-name", "Navn: Skriv rundens navn.")]),
    ({"period-start": "2026-13-01"},
     [("#f-period-start", "Perioden begynner: '2026-13-01' er ikke en dato som finnes "
                          "(Gjør slik: skriv datoen som ÅÅÅÅ-MM-DD, for eksempel 2026-03-12)")]),
    ({"office-11-id": "nav-fjellby", "office-11-name": "NAV Fjellby 2"},
     [("#f-office-11-id", "Kontor 12, id: Id-en nav-fjellby er brukt av et annet kontor i runden.")]),
    ({"office-11-id": "NAV Havbu", "office-11-name": "NAV Havbu"},
     [("#f-office-11-id", "Kontor 12, id: 'NAV Havbu' har feil form (Gjør slik: bruk små bokstaver, tall og "
                          "bindestrek, for eksempel 'nav-fjellby')")]),
    ({"office-11-id": "nav-havbu", "office-11-name": ""},
     [("#f-office-11-name", "Kontor 12, navn: Skriv kontorets navn.")]),
    ({"checklist-office": "kvp-sak@2026.1"},
     [("#f-checklist-office", "Sjekkliste for kontorvurderingen: sjekklisten kvp-sak@2026.1 har scope 'case', "
                              "men er oppgitt som 'office' (Gjør slik: bruk en sjekkliste med scope: office)")]),
])
def test_invalid_input_is_shown_at_the_field_and_nothing_is_written(client, round_dir, changes_, expected):
    before = (round_dir / "runde.yaml").read_bytes()
    _page, form = opened(client)
    page = client.post(URL, data=replace(form, action="add-office")).get_data(as_text=True)
    answer = client.post(URL, data=replace(form_of(page), **changes_))
    assert answer.status_code == 422
    assert summary_of(answer.get_data(as_text=True)) == expected
    assert (round_dir / "runde.yaml").read_bytes() == before


def test_choosing_another_checklist_version(client, round_dir):
    _page, form = opened(client)
    assert client.post(URL, data=replace(form, **{"checklist-case": "kvp-sak@2026.2",
                                                  "checklist-followup": ""})).status_code == 303
    text = (round_dir / "runde.yaml").read_text(encoding="utf-8")
    assert "checklists:\n  case: kvp-sak@2026.2\n  office: kvp-kontor@2026.1\nprevious:" in text


def test_a_file_changed_since_the_form_opened_gives_the_conflict_page(client, round_dir):
    _page, form = opened(client)
    path = round_dir / "runde.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("NAV Lia", "NAV Lia (endret)"), encoding="utf-8")
    changed = path.read_bytes()
    answer = client.post(URL, data=replace(form, **{"office-0-name": "NAV Fjellby sentrum"}))
    assert answer.status_code == 409
    assert "Filen er endret siden du åpnet skjemaet" in answer.get_data(as_text=True)
    assert path.read_bytes() == changed


def test_an_identity_number_is_refused_and_never_echoed(client, round_dir):
    before = (round_dir / "runde.yaml").read_bytes()
    number = fictional_fnr()
    _page, form = opened(client)
    answer = client.post(URL, data=replace(form, **{"office-1-name": f"NAV {number}"}))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert number not in page
    assert "Ikke lagret: teksten ser ut som et fødselsnummer eller D-nummer" in page
    assert summary_of(page)[0][0] == "#f-office-1-name"
    assert (round_dir / "runde.yaml").read_bytes() == before


def test_a_post_without_csrf_token_or_with_an_unknown_action_is_refused(client, round_dir):
    before = (round_dir / "runde.yaml").read_bytes()
    _page, form = opened(client)
    assert client.post(URL, data=replace(form, action="delete")).status_code == 400
    form.pop("csrf_token")
    assert client.post(URL, data=replace(form, name="X")).status_code == 400
    assert (round_dir / "runde.yaml").read_bytes() == before


def test_in_a_workspace_the_form_saves_and_the_start_page_follows(tmp_path):
    from kvp_audit.web.workspace import Workspace

    root = tmp_path / "arbeid"
    shutil.copytree(EXAMPLES / "2026", root / "fiktivfylke" / "2026")
    client = Client(Workspace(root))
    base = "/runde/fiktivfylke/2026"
    page = client.get(base + "/runden").get_data(as_text=True)
    assert '<form method="post" action="/runde/fiktivfylke/2026/runden"' in page
    page = client.post(base + "/runden", data=replace(form_of(page), action="add-office")).get_data(as_text=True)
    answer = client.post(base + "/runden", data=replace(form_of(page), **{"office-11-id": "nav-havbu",
                                                                          "office-11-name": "NAV Havbu"}))
    assert answer.headers["Location"] == base + "/runden?lagret=1"
    assert "NAV Havbu" in client.get(base + "/").get_data(as_text=True)
    start = client.get("/").get_data(as_text=True)
    assert "2026-02-01 – 2026-06-30 12 53" in text_of(start)
    assert client.get("/runde/fiktivfylke/2026/../../../runden").status_code == 404
