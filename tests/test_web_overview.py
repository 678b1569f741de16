"""The round's validation overview (/kontroll, the round and office pages) and "klar for rapport":
every problem in words with a link to the form and field where it is fixed, the exact missing
items per office, and a fixed file's problem gone on the next page (no stale cache)."""

from __future__ import annotations

import html
import re
import threading
from pathlib import Path

import pytest

pytest.importorskip("flask")

from kvp_audit.load import validate_round  # noqa: E402
from kvp_audit.web.app import create_app  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
OFFICE = "nav-bergtun"
CASE = "K-3RRV79"


@pytest.fixture
def app(round_dir, tmp_path):
    app = create_app(round_dir, reports_dir=tmp_path / "reports", report_formats=("html",))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def text_of(page: str) -> str:
    """The page's visible text, one space between words."""
    body = page[page.index("<main"):]
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()
    return re.sub(r" ([,.])", r"\1", text)


def links(page: str) -> list[tuple[str, str]]:
    """(href, text) of every link in the page."""
    return [(html.unescape(h), re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", t))).strip())
            for h, t in re.findall(r'<a href="([^"]+)">(.*?)</a>', page, re.S)]


def break_answer(round_dir: Path) -> Path:
    """SV-01 of the example case answered 'kanskje' (not on the scale): one error."""
    path = round_dir / OFFICE / f"{CASE}.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  SV-01:\n    answer: ja\n" in text
    path.write_text(text.replace("  SV-01:\n    answer: ja\n", "  SV-01:\n    answer: kanskje\n", 1), encoding="utf-8")
    return path


def follow(client, href: str) -> str:
    """GET the link's page and return it, checking its anchor is an element there."""
    url, _hash, anchor = href.partition("#")
    response = client.get(url)
    assert response.status_code == 200, href
    page = response.get_data(as_text=True)
    if anchor:
        assert f'id="{anchor}"' in page, f"{href}: no element with id {anchor}"
    return page


def test_a_case_error_links_to_its_criterion_in_the_case_form(client, round_dir):
    break_answer(round_dir)
    page = client.get("/kontroll").get_data(as_text=True)
    text = text_of(page)
    assert "1 feil, 0 advarsler, 0 ting som ikke er fylt ut ennå." in text
    assert ("NAV Bergtun nav-bergtun/K-3RRV79.yaml Feil 'kanskje' er ikke et gyldig svar Gjør slik: svar med en av: "
            "ja, delvis, nei, ikke aktuelt Rett i saken K-3RRV79 (kriterium SV-01)") in text
    href = dict((t, h) for h, t in links(page))["Rett i saken K-3RRV79 (kriterium SV-01)"]
    assert href == f"/kontor/{OFFICE}/sak/{CASE}#c-SV-01"
    form = follow(client, href)
    assert "'kanskje' er ikke et gyldig svar" in html.unescape(form)   # the same message next to the field


def test_a_report_file_error_links_to_the_field_of_the_report_form(client, round_dir):
    path = round_dir / "nav-dalheim" / "rapport.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: utkast", "status: ferdig", 1), encoding="utf-8")
    page = client.get("/kontroll").get_data(as_text=True)
    assert ("nav-dalheim/rapport.yaml Feil 'ferdig' er ikke en gyldig verdi Gjør slik: bruk en av: utkast, endelig "
            "Rett i rapportens tekst og status (feltet status)") in text_of(page)
    href = dict((t, h) for h, t in links(page))["Rett i rapportens tekst og status (feltet status)"]
    assert href == "/kontor/nav-dalheim/rapporttekst#f-status-0"
    follow(client, href)


def test_a_plan_error_links_to_the_item_in_the_plan_form(client, round_dir):
    path = round_dir / "nav-fjellby" / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    status: delvis\n" in text
    path.write_text(text.replace("    status: delvis\n", "    status: ferdig\n", 1), encoding="utf-8")
    page = client.get("/kontroll").get_data(as_text=True)
    assert "NAV Fjellby nav-fjellby/plan.yaml Feil" in text_of(page)
    href = dict((t, h) for h, t in links(page))[
        "Rett i planen for retting (feltet items.fiktivfylke-2026/nav-fjellby/IP-01.status)"]
    assert href == "/kontor/nav-fjellby/plan#f-fiktivfylke-2026/nav-fjellby/IP-01-status"
    follow(client, href)


def test_what_is_not_filled_in_links_to_the_office_review_field(client, round_dir):
    """Completeness warnings (a visit date outside the round's period) show once the round has no errors."""
    path = round_dir / OFFICE / "kontor.yaml"
    text = path.read_text(encoding="utf-8")
    date = re.search(r"visit_dates: \[(\d{4}-\d\d-\d\d)", text).group(1)
    path.write_text(text.replace(date, "2025-12-01", 1), encoding="utf-8")
    expected = [p for p in validate_round(round_dir) if p.path.endswith("kontor.yaml")]
    assert [p.group for p in expected] == ["completeness"]
    page = client.get("/kontroll").get_data(as_text=True)
    text = text_of(page)
    assert ("nav-bergtun/kontor.yaml Ikke fylt ut datoen 2025-12-01 er utenfor rundens periode (2026-02-01 til "
            "2026-06-30) Gjør slik: rett datoen, eller rett period i runde.yaml Rett i kontorvurderingen "
            "(feltet visit_dates)") in text
    href = dict((t, h) for h, t in links(page))["Rett i kontorvurderingen (feltet visit_dates)"]
    assert href == f"/kontor/{OFFICE}/kontorvurdering#f-visit_dates"
    follow(client, href)


def test_a_round_file_problem_names_its_line_or_links_to_the_round_form(app, client, round_dir):
    """An office in runde.yaml with no cases: the round file's form when it exists, else the file and line."""
    path = round_dir / "runde.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("offices:\n", "offices:\n  - id: nav-tom\n    name: NAV Tom\n", 1), encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index("  - id: nav-tom") + 1
    page = client.get("/kontroll").get_data(as_text=True)
    text = text_of(page)
    assert "Runden runde.yaml Ikke fylt ut kontoret nav-tom har ingen saker" in text
    if "round_file_form" in app.view_functions:
        href = dict((t, h) for h, t in links(page))["Rett i rundefilen (feltet offices[0])"]
        assert href == "/runden#f-office-0-name"
        follow(client, href)
    else:
        assert f"Rett i filen: linje {line} i runde.yaml" in text


def test_readiness_names_each_missing_item_with_its_link(client, round_dir):
    office = round_dir / OFFICE
    break_answer(round_dir)
    (office / "kontor.yaml").unlink()
    (office / "rapport.yaml").unlink()
    page = client.get(f"/kontor/{OFFICE}/").get_data(as_text=True)
    text = text_of(page)
    assert ("Klar for rapport Kontoret er ikke klart for rapport. Dette mangler: Saken K-3RRV79 har 1 feil. "
            "Kontorvurderingen er ikke startet. Rapportens tekst er ikke skrevet. Kontorets filer har 1 feil.") in text
    found = dict((t, h) for h, t in links(page))
    assert found["Saken K-3RRV79 har 1 feil."] == f"/kontor/{OFFICE}/sak/{CASE}"
    assert found["Kontorvurderingen er ikke startet."] == f"/kontor/{OFFICE}/kontorvurdering"
    assert found["Rapportens tekst er ikke skrevet."] == f"/kontor/{OFFICE}/rapporttekst"
    assert found["Kontorets filer har 1 feil."] == f"/kontroll#o-{OFFICE}"
    follow(client, found["Kontorets filer har 1 feil."])
    # The round page counts the cases and links to the office's list of them.
    round_page = client.get("/").get_data(as_text=True)
    assert ("NAV Bergtun nei 1 av 4 saker er ikke ferdige. Kontorvurderingen er ikke startet. "
            "Rapportens tekst er ikke skrevet. Kontorets filer har 1 feil.") in text_of(round_page)
    assert dict((t, h) for h, t in links(round_page))["1 av 4 saker er ikke ferdige."] == f"/kontor/{OFFICE}/#h-cases"
    follow(client, f"/kontor/{OFFICE}/#h-cases")


def test_an_office_with_everything_done_is_ready(client):
    page = client.get("/kontor/nav-fjellby/").get_data(as_text=True)
    assert ("Kontoret er klart for rapport: sakene er ferdige, kontorvurderingen er gjort, rapportens tekst er "
            "skrevet og filene er uten feil.") in text_of(page)
    assert "NAV Fjellby ja ingenting" in text_of(client.get("/").get_data(as_text=True))


def test_a_report_file_without_the_teams_text_is_not_written(client, round_dir):
    from kvp_audit.skeleton import report_skeleton
    from kvp_audit.load import open_round

    office = open_round(round_dir).round.office("nav-fjellby")
    (round_dir / "nav-fjellby" / "rapport.yaml").write_text(report_skeleton(office), encoding="utf-8")
    page = client.get("/kontor/nav-fjellby/").get_data(as_text=True)
    assert "Dette mangler: Rapportens tekst er ikke skrevet." in text_of(page)


def test_a_fixed_problem_is_gone_on_the_next_page(client, round_dir):
    """The cached validation and summaries follow the file: fixed on disk, gone from every page."""
    path = break_answer(round_dir)
    assert "'kanskje' er ikke et gyldig svar" in text_of(client.get("/").get_data(as_text=True))
    assert "Saken K-3RRV79 har 1 feil." in text_of(client.get(f"/kontor/{OFFICE}/").get_data(as_text=True))
    path.write_text(path.read_text(encoding="utf-8").replace("answer: kanskje", "answer: ja", 1), encoding="utf-8")
    page = client.get("/kontroll").get_data(as_text=True)
    assert "kanskje" not in page
    assert "Ingen feil eller advarsler" in text_of(page)
    office = text_of(client.get(f"/kontor/{OFFICE}/").get_data(as_text=True))
    assert "Saken K-3RRV79" not in office and "Kontorets filer har" not in office


def test_the_overview_is_translated(client, round_dir):
    """The problems are worded in the page's language, also after the page was shown in another."""
    break_answer(round_dir)
    assert "'kanskje' er ikke et gyldig svar" in text_of(client.get("/kontroll").get_data(as_text=True))
    text = text_of(client.get("/kontroll?lang=en").get_data(as_text=True))
    assert "Check of the round" in text and "Fix in the case K-3RRV79 (criterion SV-01)" in text
    assert "er ikke et gyldig svar" not in text and "'kanskje'" in text


# --------------------------------------------------------------------------- in a browser, with axe


@pytest.mark.parametrize("path", ["/", "/kontroll"])
def test_axe_finds_no_violations_on_the_round_page_and_kontroll(round_dir, tmp_path, path):
    from test_web_browser import ARGS, AXE, CHROMIUM

    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    if not AXE.is_file():
        pytest.skip(f"axe-core not found at {AXE}")
    from kvp_audit.web.server import make_server, url_of

    break_answer(round_dir)
    (round_dir / OFFICE / "rapport.yaml").unlink()
    srv = make_server(round_dir, "127.0.0.1", 0, reports_dir=tmp_path / "reports")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_context(locale="nb-NO", bypass_csp=True).new_page()
            page.goto(url_of(srv, "127.0.0.1").rstrip("/") + path)
            assert page.locator("h2#h-problems, h1").first.is_visible()
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            browser.close()
    finally:
        srv.shutdown()
        srv.server_close()
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == []


def test_links_carry_the_rounds_prefix_in_a_workspace(round_dir):
    """Under `serve FOLDER` the round is mounted at /runde/<path>/: every link of the overview goes there."""
    from werkzeug.test import Client

    from kvp_audit.web.workspace import Workspace

    break_answer(round_dir)
    client = Client(Workspace(round_dir.parent, allowed_hosts=None))
    page = client.get("/runde/2026/kontroll").get_data(as_text=True)
    href = dict((t, h) for h, t in links(page))["Rett i saken K-3RRV79 (kriterium SV-01)"]
    assert href == f"/runde/2026/kontor/{OFFICE}/sak/{CASE}#c-SV-01"
    assert client.get(href.partition("#")[0]).status_code == 200
