"""A whole round in a real browser, from an empty folder, with the keyboard only (issue 16).

`kvp-audit serve FOLDER` on an empty folder: make the round with two offices, add and fill
two cases per office, write the report text, build the reports and download them, open the
county summary, export to XLSX; axe-core on every page on the way. Playwright drives
Debian's Chromium; skipped as tests/test_web_browser.py is when Chromium or axe-core is missing.
"""

from __future__ import annotations

import threading

import pytest

from test_web_browser import AXE, CHROMIUM, axe_violations, browser, tab_to, wait_saved  # noqa: F401  (browser: a fixture)

pytest.importorskip("flask")

OFFICES = (("NAV Fjellby", "nav-fjellby"), ("NAV Strandvik", "nav-strandvik"))
ROUND = "/runde/fiktivfylke/2027"


@pytest.fixture
def served(tmp_path):
    """The real server on an empty folder, as `kvp-audit serve FOLDER` runs it."""
    from kvp_audit.web.server import make_server, url_of

    root = tmp_path / "runder"
    root.mkdir()
    srv = make_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield url_of(srv, "127.0.0.1").rstrip("/"), root
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def page(browser):  # noqa: F811
    if not AXE.is_file():
        pytest.skip(f"axe-core not found at {AXE}")
    # bypass_csp: axe-core is injected into every page; the pages themselves are unchanged.
    context = browser.new_context(locale="nb-NO", viewport={"width": 1100, "height": 900}, bypass_csp=True,
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def accessible(page, seen: list[str]) -> None:
    """axe finds nothing on this page (and the page is counted)."""
    violations = axe_violations(page)
    assert violations == [], (page.url, violations)
    seen.append(page.url)


def press_enter_and_wait(page, url_glob: str) -> None:
    with page.expect_navigation(url=url_glob):
        page.keyboard.press("Enter")


def fill_case(page) -> None:
    """Answer the facts a case needs and every criterion that applies, from the keyboard."""
    # A new case has every answer at "ubesvart" (the last option): the arrow key moves on to the first.
    tab_to(page, "input[name='fact.status']")
    page.keyboard.press("ArrowRight")                  # pågående
    tab_to(page, "input[name='fact.startdato']")
    page.keyboard.type("03032026")                     # 3 March 2026 whether the field reads dd.mm or mm/dd
    tab_to(page, "input[name='fact.varighet_mnd']")
    page.keyboard.type("12")
    page.keyboard.press("Tab")
    # Which criteria apply follows the saved facts (the server's answer marks the others).
    wait_saved(page)
    criteria = page.evaluate("() => Array.from(document.querySelectorAll("
                             "'fieldset[data-criterion]:not(.not-applicable)')).map(f => f.dataset.criterion)")
    assert len(criteria) > 20
    for cid in criteria:
        if "not-applicable" in (page.locator(f"fieldset[data-criterion='{cid}']").get_attribute("class") or ""):
            continue  # an answer above changed what applies
        first = f"[name='answer.{cid}']"
        tab_to(page, first)
        kind = page.evaluate("() => document.activeElement.type || document.activeElement.tagName")
        if kind == "radio":
            page.keyboard.press("ArrowRight")          # from "ubesvart" to the first option: ja
        elif kind in ("select-one", "SELECT"):
            page.keyboard.press("ArrowDown")
        else:
            page.keyboard.type("1")
    assert page.evaluate("() => document.querySelectorAll(\"fieldset[data-criterion]:not(.not-applicable) "
                         "input[name^='answer.'][value='']:checked\").length") == 0
    tab_to(page, "form.review button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**?lagret=1")


def test_a_whole_round_from_an_empty_folder_with_the_keyboard_only(served, page):
    import openpyxl

    from kvp_audit.load import load_round

    base, root = served
    seen: list[str] = []

    # The start page of an empty folder, and the new-round form.
    page.goto(base + "/")
    assert "Det er ingen runder i denne mappen ennå." in page.content()
    accessible(page, seen)
    tab_to(page, "a[href='/ny-runde']")
    press_enter_and_wait(page, "**/ny-runde")
    accessible(page, seen)
    for selector, text in (("#f-name", "Kvalitetsinnsyn KVP 2027"), ("#f-county", "Fiktivfylke"),
                           ("#f-folder", "fiktivfylke/2027"), ("#f-office-0-name", OFFICES[0][0])):
        tab_to(page, selector)
        page.keyboard.type(text)
    tab_to(page, "button[value='add-office']")
    press_enter_and_wait(page, "**/ny-runde*")
    tab_to(page, "#f-office-1-name")
    page.keyboard.type(OFFICES[1][0])
    tab_to(page, "div.actions button[value='create']")
    press_enter_and_wait(page, f"**{ROUND}/")
    assert "Runden «Kvalitetsinnsyn KVP 2027» er laget i fiktivfylke/2027, med 2 kontorer." in page.content()
    accessible(page, seen)
    folder = root / "fiktivfylke" / "2027"
    assert (folder / "runde.yaml").is_file()

    for name, office in OFFICES:
        tab_to(page, f"a[href='{ROUND}/kontor/{office}/']")
        press_enter_and_wait(page, f"**/kontor/{office}/")
        if office == OFFICES[0][1]:
            accessible(page, seen)
        for n in range(2):
            tab_to(page, "#f-add-reviewers")
            page.keyboard.press("Control+A")
            page.keyboard.type("KB")
            press_enter_and_wait(page, "**/sak/K-*")
            if office == OFFICES[0][1] and n == 0:
                accessible(page, seen)
            fill_case(page)
            tab_to(page, f"nav.crumbs a[href='{ROUND}/kontor/{office}/']")
            press_enter_and_wait(page, f"**/kontor/{office}/")
        # The report's own text.
        tab_to(page, f"a[href='{ROUND}/kontor/{office}/rapporttekst']")
        press_enter_and_wait(page, "**/rapporttekst")
        if office == OFFICES[0][1]:
            accessible(page, seen)
        tab_to(page, "#f-text\\.summary")
        page.keyboard.type(f"Vi gikk gjennom fire saker ved {name}. Kontoret følger opp deltakerne tett.")
        tab_to(page, "#f-text\\.conclusion")
        page.keyboard.type("Kontoret oppfyller kravene vi undersøkte.")
        tab_to(page, "form.report-file div.actions button[value='save'], form.report-file button[value='save']")
        press_enter_and_wait(page, "**?lagret=1")
        tab_to(page, f"nav.crumbs a[href='{ROUND}/']")
        press_enter_and_wait(page, f"**{ROUND}/")

    # Every case is complete, and the files validate as the command line sees them.
    rows = page.locator("table.progress").first.locator("tbody tr").all_inner_texts()
    assert [row.split("\t")[:2] for row in rows] == [[name, "2 av 2 ferdige"] for name, _ in OFFICES]
    data = load_round(folder)
    assert [p.format() for p in data.problems if p.is_error] == []
    assert {o: len(cases) for o, cases in data.cases.items()} == {office: 2 for _, office in OFFICES}
    assert {str(c.facts["startdato"]) for cases in data.cases.values() for c in cases} == {"2026-03-03"}

    # Build every report of the round, in all four formats, and follow the job.
    tab_to(page, f"a[href='{ROUND}/rapporter']")
    press_enter_and_wait(page, "**/rapporter")
    accessible(page, seen)
    tab_to(page, "#f-kind-all")
    page.keyboard.press("Space")
    tab_to(page, "#f-formats-md")
    page.keyboard.press("Space")
    tab_to(page, "form button[type=submit]")
    press_enter_and_wait(page, "**/rapporter/jobb/*")
    page.wait_for_selector("text=Rapporten er laget", timeout=300_000)
    accessible(page, seen)
    reports = root / "reports" / "fiktivfylke-2027"
    for _, office in OFFICES:
        for fmt in ("html", "pdf", "docx", "md"):
            assert (reports / f"{office}.{fmt}").is_file(), (office, fmt)
    # Download the Word file from the job page, then open the HTML report in the browser.
    tab_to(page, f"a[download='{OFFICES[0][1]}.docx']")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == f"{OFFICES[0][1]}.docx"
    tab_to(page, f"a[href$='/{OFFICES[0][1]}.html']")
    press_enter_and_wait(page, f"**/{OFFICES[0][1]}.html")
    assert OFFICES[0][0] in page.content()
    page.go_back()

    # The county summary as a page, and the export as a download.
    page.goto(base + ROUND + "/")  # the round page, as the brand link in the header leads there
    tab_to(page, f"a[href='{ROUND}/fylkesoppsummering']")
    press_enter_and_wait(page, "**/fylkesoppsummering")
    accessible(page, seen)
    tab_to(page, f"nav.crumbs a[href='{ROUND}/']")
    press_enter_and_wait(page, f"**{ROUND}/")
    tab_to(page, f"a[href='{ROUND}/eksport.xlsx']")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    saved = root.parent / "eksport.xlsx"
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved, read_only=True)
    assert book.sheetnames
    assert len(seen) >= 9
