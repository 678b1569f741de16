"""The checklist pages of `kvp-audit serve` (web/checklists.py) through Flask's test client: the
round's checklists and the archive, one checklist as a document, the changes between two
versions (what `kvp-audit checklist diff` prints, from the same function), unknown names, and
names that try to reach a file. Last, axe-core on the checklist page and the diff page in Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("flask")

from click.testing import CliRunner  # noqa: E402

from kvp_audit.cli import main  # noqa: E402
from kvp_audit.web.app import create_app  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"

LINKS = """\
id: lenker
title: "Lenker og Markdown"
version: "1"
scope: case
facts:
  har_barn: {type: bool, label: "Har deltakeren barn?"}
themes:
  - id: t1
    title: "Tema én"
    description: "Om **tema** én."
    criteria:
      - id: L-01
        question: "Er loven fulgt?"
        short: "Loven fulgt"
        legal_basis: ["[sotjl. § 30](https://lovdata.no/lov/2009-12-18-131)", "kommuneloven § 25-1 <b>"]
        guidance: "Se <script>alert(1)</script>[en lenke](javascript:alert(1))."
        severity: krav
        applies_when: "har_barn"
      - id: L-02
        question: "Hva gikk deltakeren til?"
        answer: choice
        options: [arbeid, utdanning]
"""


@pytest.fixture
def client(round_dir, tmp_path):
    app = create_app(round_dir, reports_dir=tmp_path / "reports", report_formats=("html",))
    app.config["TESTING"] = True
    return app.test_client()


def main_of(page: str) -> str:
    return page[page.index('<main id="main"'):page.index("</main>")]


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --------------------------------------------------------------------------- the list


def test_round_page_links_to_the_checklists(client):
    page = client.get("/").get_data(as_text=True)
    assert ('<p><a href="/sjekklister">Sjekklistene</a>: Saker: kvp-sak@2026.1; Kontorvurdering: kvp-kontor@2026.1; '
            "Oppfølgingsverksted: kvp-oppfolging@2026.1.</p>") in page


def test_checklists_page_shows_the_rounds_checklists_and_the_archive(client):
    response = client.get("/sjekklister")
    assert response.status_code == 200
    page = main_of(response.get_data(as_text=True))
    assert "<h1>Sjekklistene</h1>" in page
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", page, re.S)
    assert [text_of(r) for r in rows] == [
        "Saker kvp-sak@2026.1 Kvalitetsinnsyn KVP – saksgjennomgang 2026-01-01",
        "Kontorvurdering kvp-kontor@2026.1 Kvalitetsinnsyn KVP – kontoret 2026-01-01",
        "Oppfølgingsverksted kvp-oppfolging@2026.1 Oppfølgingsverksted KVP 2026-01-01",
        "kvp-sak@2024.1 Kvalitetsinnsyn KVP – saksgjennomgang 2024-01-01 kvp-sak@2024.1 → kvp-sak@2026.1",
        "kvp-sak@2026.2 Kvalitetsinnsyn KVP – saksgjennomgang 2026-07-01 kvp-sak@2026.1 → kvp-sak@2026.2",
    ]
    assert '<a href="/sjekklister/kvp-sak@2026.1">kvp-sak@2026.1</a>' in page
    assert "<caption>Andre versjoner av kvp-sak (runden bruker kvp-sak@2026.1)</caption>" in page
    assert '<a href="/sjekklister/endringer?fra=kvp-sak@2024.1&amp;til=kvp-sak@2026.1">' in page
    assert '<a href="/sjekklister/endringer?fra=kvp-sak@2026.1&amp;til=kvp-sak@2026.2">' in page


# --------------------------------------------------------------------------- one checklist


def test_checklist_page_is_a_document_with_themes_criteria_and_conditions_in_words(client):
    response = client.get("/sjekklister/kvp-sak@2026.1")
    assert response.status_code == 200
    page = main_of(response.get_data(as_text=True))
    assert '<h1>Kvalitetsinnsyn KVP – saksgjennomgang <span class="sub">kvp-sak@2026.1</span></h1>' in page
    assert "<dt>I denne runden</dt><dd>brukes til: Saker</dd>" in page
    assert "<dt>Kriterier</dt><dd>41</dd>" in page
    # the table of contents: one link per theme, each theme a heading with its criteria below
    toc = page[page.index('<nav aria-labelledby="h-toc"'):page.index("</nav>")]
    assert re.findall(r'<a href="#([^"]+)">', toc) == [
        "h-facts", "t-soknad-vedtak", "t-kartlegging", "t-innhold", "t-ip", "t-brukermedvirkning", "t-oppfolging",
        "t-avslutning", "t-dokumentasjon"]
    assert '<li><a href="#t-avslutning">Stans, avbrudd og avslutning</a> (5 kriterier)</li>' in toc
    assert '<h2 id="t-avslutning">Stans, avbrudd og avslutning</h2>' in page
    av01 = text_of(page[page.index('id="c-AV-01"'):page.index('id="c-AV-02"')])
    assert av01 == (
        'id="c-AV-01" aria-labelledby="h-c-AV-01"> AV-01 Har kontoret fattet vedtak om avslutning, avbrudd eller stans '
        "av programmet? Krav eller anbefaling krav Svartype svarskala (gir poeng) Gjelder når «Status for programmet» "
        "er avsluttet eller avbrutt Rettslig grunnlag sotjl. § 41 annet ledd; forvaltningsloven § 23 Veiledning "
        "Ja : vedtaket ligger i saken. Nei : programmet er avsluttet uten vedtak. Anbefaling i rapporten når "
        "kriteriet ikke er oppfylt Kontoret må fatte skriftlig vedtak når et program avsluttes, avbrytes eller "
        "stanses. <article class=\"criterion\"")
    assert "<p><strong>Ja</strong>: vedtaket ligger i saken." in page  # guidance as Markdown
    assert "<dt>Gjelder når</dt><dd>alltid</dd>" in page
    # a criterion answered by choosing, and the facts the conditions read
    assert "<dt>Svartype</dt><dd>valg</dd>" in page
    assert "<tr><th scope=\"row\">Status for programmet</th><td><code>status</code></td>" in page
    # the other versions, for the page of changes
    assert ('Endringer mot en annen versjon: <a href="/sjekklister/endringer?fra=kvp-sak@2024.1&amp;til=kvp-sak@2026.1">'
            "kvp-sak@2024.1</a>") in page


def test_checklist_page_shows_short_labels_of_the_office_checklist(client):
    page = main_of(client.get("/sjekklister/kvp-kontor@2026.1").get_data(as_text=True))
    assert "<dt>Kort navn</dt><dd>Skriftlige rutiner</dd>" in page
    assert "<dt>I denne runden</dt><dd>brukes til: Kontorvurdering</dd>" in page


def test_legal_basis_links_and_guidance_are_made_safe(round_dir, client):
    (round_dir / "checklists").mkdir(exist_ok=True)
    (round_dir / "checklists" / "lenker.yaml").write_text(LINKS, encoding="utf-8")
    app = create_app(round_dir, reports_dir=round_dir.parent / "reports")  # a new app reads the library again
    page = main_of(app.test_client().get("/sjekklister/lenker@1").get_data(as_text=True))
    assert ('<dt>Rettslig grunnlag</dt><dd><a href="https://lovdata.no/lov/2009-12-18-131" '
            'rel="noopener noreferrer">sotjl. § 30</a>; kommuneloven § 25-1 &lt;b&gt;</dd>') in page
    assert "<script" not in page and "javascript:" not in page
    assert "<dt>Gjelder når</dt><dd>«Har deltakeren barn?» er ja</dd>" in page
    assert "<dt>Svarene</dt><dd>arbeid, utdanning</dd>" in page
    assert "<dt>I denne runden</dt><dd>brukes ikke (en annen versjon eller en annen sjekkliste)</dd>" in page
    assert '<div class="description"><p>Om <strong>tema</strong> én.</p></div>' in page


def test_unknown_checklist_is_a_404_in_words(client):
    response = client.get("/sjekklister/kvp-sak@1999.1")
    assert response.status_code == 404
    assert ("<p>Runden kjenner ingen sjekkliste som heter «kvp-sak@1999.1». Skriv den som id@versjon, for eksempel "
            "kvp-sak@2026.1; se listen over sjekklistene.</p>") in response.get_data(as_text=True)


@pytest.mark.parametrize("ref", ["..%2F..%2Frunde.yaml", "..%2Fchecklists%2Fkvp-sak.yaml", "..", "..@..",
                                 "%2Fetc%2Fpasswd", "kvp-sak.yaml", "..%5C..%5Crunde.yaml"])
def test_a_name_with_a_path_never_reads_a_file(client, monkeypatch, ref):
    import kvp_audit.load as load

    read = []
    monkeypatch.setattr(load, "load_checklist", lambda path, *a, **k: read.append(path) or (None, []))
    for url in (f"/sjekklister/{ref}", f"/sjekklister/endringer?fra={ref}&til={ref}"):
        response = client.get(url)
        assert response.status_code == 404, url
    assert read == []


# --------------------------------------------------------------------------- two versions


def test_diff_page_shows_what_checklist_diff_prints(client):
    response = client.get("/sjekklister/endringer?fra=kvp-sak@2024.1&til=kvp-sak@2026.2")
    assert response.status_code == 200
    page = main_of(response.get_data(as_text=True))
    assert '<h2 id="h-diff">kvp-sak@2024.1 → kvp-sak@2026.2</h2>' in page
    assert "<p>35 kriterier er de samme.</p>" in page
    rows = [text_of(r) for r in re.findall(r'<tr><th scope="row">(.*?)</tr>', page, re.S)]
    assert rows == [
        "IN-09 nytt navn Inngår arbeidssøking i den avsluttende delen av programmet? "
        "IN-05 : Inngår arbeidssøking i den avsluttende delen av programmet?",
        "IP-01 delt Er deltakeren tilbudt individuell plan? IP-90 : Er individuell plan tilbudt, og er tilbudet dokumentert?",
        "IP-02 delt Er tilbudet om individuell plan dokumentert, også når deltakeren takket nei? "
        "IP-90 : Er individuell plan tilbudt, og er tilbudet dokumentert?",
        "OP-02 nytt navn Er den digitale aktivitetsplanen oppdatert med aktivitetene deltakeren faktisk deltar i? "
        "OP-90 : Er aktivitetsplanen ajour?",
    ]
    cli = CliRunner().invoke(main, ["checklist", "diff", "kvp-sak@2024.1", "kvp-sak@2026.2"])
    assert cli.stdout == ("kvp-sak@2024.1 → kvp-sak@2026.2\n35 kriterier er de samme\n  IN-09      nytt navn: IN-05\n"
                          "  IP-01      delt: IP-90\n  IP-02      delt: IP-90\n  OP-02      nytt navn: OP-90\n")
    # the form to choose them: a GET form, both versions chosen
    assert '<form method="get" action="/sjekklister/endringer"' in page
    assert '<option value="kvp-sak@2024.1" selected>' in page and '<option value="kvp-sak@2026.2" selected>' in page
    assert '<label for="f-fra">Gammel versjon</label>' in page and '<label for="f-til">Ny versjon</label>' in page
    assert "<summary>Vis de 35 kriteriene som er de samme</summary>" in page


def test_diff_page_lists_new_and_dropped_criteria_and_warns_for_two_checklists(client):
    page = main_of(client.get("/sjekklister/endringer?fra=kvp-kontor@2026.1&til=kvp-oppfolging@2026.1")
                   .get_data(as_text=True))
    assert ('<p class="warning-summary">advarsel: ulike sjekklister; bare kriterier med \'replaces\' er koblet</p>'
            ) in page or ("advarsel: ulike sjekklister; bare kriterier med &#39;replaces&#39; er koblet") in page
    assert "<p>0 kriterier er de samme.</p>" in page
    assert re.search(r"<caption>Nye, ikke sammenlignbare \(\d+\)</caption>", page)
    assert re.search(r"<caption>Utgått, ikke sammenlignbare \(\d+\)</caption>", page)
    assert "<th scope=\"row\">OF-01</th><td>ny, ikke sammenlignbar</td>" in page


def test_diff_page_without_a_choice_compares_the_case_checklist_with_its_previous_version(client):
    page = main_of(client.get("/sjekklister/endringer").get_data(as_text=True))
    assert '<h2 id="h-diff">kvp-sak@2024.1 → kvp-sak@2026.1</h2>' in page


def test_diff_page_with_an_unknown_version_says_so_next_to_the_field(client):
    response = client.get("/sjekklister/endringer?fra=kvp-sak@1999.1&til=kvp-sak@2026.1")
    assert response.status_code == 404
    page = main_of(response.get_data(as_text=True))
    assert ('<li><a href="#f-fra">Velg en sjekkliste fra listen; «kvp-sak@1999.1» finnes ikke i runden.</a></li>'
            ) in page
    assert '<select id="f-fra" name="fra" aria-invalid="true" aria-describedby="e-fra">' in page
    assert 'id="h-diff"' not in page


def test_cli_and_page_share_one_diff(round_dir):
    """`checklist diff` prints the lines of kvp_audit.checklistdiff, which the page shows."""
    from kvp_audit.checklistdiff import checklist_diff, diff_lines
    from kvp_audit.load import library_for

    library = library_for(round_dir)
    diff = checklist_diff(library.get("kvp-sak@2024.1")[0], library.get("kvp-sak@2026.1")[0])
    cli = CliRunner().invoke(main, ["checklist", "diff", "kvp-sak@2024.1", "kvp-sak@2026.1"])
    assert cli.stdout == "\n".join(diff_lines(diff)) + "\n"
    assert [(r.criterion, r.relation, [s for s, _q in r.sources]) for r in diff.changed] == [
        ("IP-01", "delt", ["IP-90"]), ("IP-02", "delt", ["IP-90"]), ("OP-02", "nytt navn", ["OP-90"])]


# --------------------------------------------------------------------------- in a browser


def test_checklist_and_diff_pages_have_no_axe_violations(round_dir, tmp_path):
    import threading

    from test_web_browser import ARGS, AXE, CHROMIUM

    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file() or not AXE.is_file():
        pytest.skip("Chromium or axe-core not found (see tests/test_web_browser.py)")
    from kvp_audit.web.server import make_server, url_of

    srv = make_server(round_dir, "127.0.0.1", 0, reports_dir=tmp_path / "reports")
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = url_of(srv, "127.0.0.1").rstrip("/")
    found = {}
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = browser.new_context(locale="nb-NO", bypass_csp=True).new_page()
                for path in ("/sjekklister", "/sjekklister/kvp-sak@2026.2", "/sjekklister/endringer",
                             "/sjekklister/endringer?fra=kvp-sak@1999.1&til=kvp-sak@2026.1"):
                    page.goto(base + path)
                    page.add_script_tag(path=str(AXE))
                    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
                    found[path] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
                # keyboard: the form is reached with Tab and submitted with Enter, without JavaScript's help
                page.goto(base + "/sjekklister/endringer")
                page.select_option("#f-fra", "kvp-sak@2026.1")
                page.select_option("#f-til", "kvp-sak@2026.2")
                page.focus("#f-til")
                page.keyboard.press("Tab")
                page.keyboard.press("Enter")
                page.wait_for_selector("#h-diff")
                assert page.text_content("#h-diff") == "kvp-sak@2026.1 → kvp-sak@2026.2"
            finally:
                browser.close()
    finally:
        srv.shutdown()
        srv.server_close()
    assert found == {path: [] for path in found}


def test_checklist_pages_are_valid_html(client, tmp_path):
    import json
    import subprocess

    from test_report_a11y import VNU_JAR

    java = shutil.which("java")
    if not java or not VNU_JAR.is_file():
        pytest.skip("vnu.jar or java not found (see tests/test_report_a11y.py)")
    files = []
    for name, path in (("list", "/sjekklister"), ("one", "/sjekklister/kvp-sak@2026.2"),
                       ("diff", "/sjekklister/endringer?fra=kvp-kontor@2026.1&til=kvp-oppfolging@2026.1"),
                       ("bad", "/sjekklister/endringer?fra=x&til=kvp-sak@2026.1")):
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(client.get(path).data)
    proc = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    problems = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['type']}: {m['message']}"
                for m in messages if m["type"] in ("error", "non-document-error") or m.get("subType") == "warning"]
    assert problems == []


def test_the_checklists_own_text_keeps_its_language_on_an_english_page(client):
    page = main_of(client.get("/sjekklister/kvp-sak@2026.1?lang=en").get_data(as_text=True))
    assert "<dt>Applies when</dt><dd>«Status for programmet» is avsluttet or avbrutt</dd>" in page
    assert "<dt>Requirement or recommendation</dt><dd>requirement</dd>" in page
    assert ('<h3 id="h-c-AV-01" lang="nb"><span class="cid">AV-01</span> Har kontoret fattet vedtak om avslutning, '
            "avbrudd eller stans av programmet?</h3>") in page
    assert '<h2 id="t-avslutning" lang="nb">Stans, avbrudd og avslutning</h2>' in page
    diff = main_of(client.get("/sjekklister/endringer?lang=en").get_data(as_text=True))
    assert '<td lang="nb">Er deltakeren tilbudt individuell plan?</td>' in diff
    assert "<caption>Changed (3)</caption>" in diff
