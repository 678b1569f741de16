"""The web form in a real browser: Playwright driving Debian's Chromium, and axe-core on
every page. Skipped when Playwright, Chromium or axe-core is not installed (.ci/run installs
them); plain pytest passes without them.

Chromium: /usr/bin/chromium, or KVP_CHROMIUM. axe-core: KVP_AXE_JS, or
tests/.cache/node_modules/axe-core/axe.min.js (``npm install --prefix tests/.cache axe-core``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

pytest.importorskip("flask")

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
CHROMIUM = Path(os.environ.get("KVP_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(os.environ.get("KVP_AXE_JS", Path(__file__).parent / ".cache" / "node_modules" / "axe-core" / "axe.min.js"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
OFFICE = "nav-bergtun"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        except Exception as exc:  # a Chromium that cannot start on this machine
            pytest.skip(f"Chromium does not start: {exc}")
        yield browser
        browser.close()


@pytest.fixture
def server(round_dir, tmp_path):
    """The real server (as `kvp-audit serve` runs it) on a free port, in a thread."""
    from kvp_audit.web.server import make_server, url_of

    srv = make_server(round_dir, "127.0.0.1", 0, reports_dir=tmp_path / "reports")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield url_of(srv, "127.0.0.1").rstrip("/")
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nb-NO", viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def axe_page(browser):
    """A page that may inject axe-core despite the app's content security policy."""
    context = browser.new_context(locale="nb-NO", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def tab_to(page, selector: str, limit: int = 400) -> None:
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def choose(page, name: str, value: str, limit: int = 12) -> None:
    """With focus in a radio group, press arrow keys until ``value`` is the chosen one."""
    script = "([n, v]) => { const r = document.querySelector(`input[name='${n}']:checked`); return !!r && r.value === v; }"
    for _ in range(limit):
        if page.evaluate(script, [name, value]):
            return
        page.keyboard.press("ArrowRight")
    raise AssertionError(f"could not choose {value} for {name}")


def wait_saved(page) -> None:
    page.wait_for_function(
        "() => { const f = document.querySelector('form[data-autosave]');"
        " return !f.hasAttribute('data-pending') && ['saved', 'unchanged'].includes(f.dataset.saveState); }")


def test_keyboard_only_from_new_case_to_report(server, page, round_dir, tmp_path):
    from kvp_audit.load import load_round

    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "Kvalitetsinnsyn KVP 2026"
    tab_to(page, f"a[href='/kontor/{OFFICE}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/kontor/{OFFICE}/")

    # Add a case: the tool draws the key.
    tab_to(page, "#f-add-reviewers")
    page.keyboard.type("KB")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sak/K-*")
    key = page.url.rsplit("/", 1)[1]
    path = round_dir / OFFICE / f"{key}.yaml"
    assert path.is_file()
    assert f"Ny sak {key} er laget." in page.content()

    # Facts first: a closed programme, no children.
    tab_to(page, "input[name='fact.status']")
    choose(page, "fact.status", "avsluttet")
    tab_to(page, "input[name='fact.har_barn']")
    choose(page, "fact.har_barn", "false")
    wait_saved(page)
    assert "not-applicable" in page.locator("fieldset[data-criterion='IN-07']").get_attribute("class")
    assert "not-applicable" not in page.locator("fieldset[data-criterion='AV-01']").get_attribute("class")
    assert page.locator("#na-IN-07").is_visible()

    # Answer criteria with arrow keys, a comment and a source with the space bar.
    tab_to(page, "input[name='answer.SV-01']")
    choose(page, "answer.SV-01", "ja")
    tab_to(page, "textarea[name='comment.SV-01']")
    page.keyboard.type("Søknaden er datert i Gosys.")
    tab_to(page, "input[name='sources.SV-01'][value='Gosys']")
    page.keyboard.press("Space")
    tab_to(page, "input[name='answer.SV-02']")
    choose(page, "answer.SV-02", "delvis")
    # The guidance opens from the keyboard too.
    tab_to(page, "#c-SV-03 summary")
    page.keyboard.press("Enter")
    assert page.locator("#c-SV-03 details").get_attribute("open") is not None
    tab_to(page, "input[name='answer.IN-90']")
    page.keyboard.type("37,5")
    page.keyboard.press("Tab")
    wait_saved(page)
    assert "Lagret kl." in page.locator("#save-status").inner_text()

    # Reload: everything is there.
    page.reload()
    assert page.locator("input[name='fact.status'][value='avsluttet']").is_checked()
    assert page.locator("input[name='answer.SV-01'][value='ja']").is_checked()
    assert page.locator("input[name='answer.SV-02'][value='delvis']").is_checked()
    assert page.locator("textarea[name='comment.SV-01']").input_value() == "Søknaden er datert i Gosys."
    assert page.locator("input[name='sources.SV-01'][value='Gosys']").is_checked()
    assert page.locator("input[name='answer.IN-90']").input_value() == "37.5"

    # An invalid value from the keyboard: the error is next to the field, and nothing is written.
    before = path.read_bytes()
    tab_to(page, "#f-reviewers")
    page.keyboard.press("Control+A")
    page.keyboard.type("Kari")
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.querySelector('form[data-autosave]').dataset.saveState === 'invalid'")
    assert page.locator("#e-reviewers").is_visible()
    assert "er ikke initialer" in page.locator("#e-reviewers").inner_text()
    assert page.locator("#f-reviewers").get_attribute("aria-invalid") == "true"
    assert path.read_bytes() == before
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.id") == "f-reviewers"
    page.keyboard.press("Control+A")
    page.keyboard.type("KB")
    # Save with the button (the form also works without the script).
    tab_to(page, "form.review button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**?lagret=1")
    assert page.locator("#e-reviewers").is_hidden()

    # The file validates as the command line sees it.
    data = load_round(round_dir)
    assert [p for p in data.problems if p.is_error] == []
    case = next(c for c in data.cases[OFFICE] if c.case == key)
    assert case.answers["SV-01"].answer == "ja" and case.answers["SV-01"].sources == ["Gosys"]
    assert case.answers["SV-01"].comment == "Søknaden er datert i Gosys."
    assert case.facts["status"] == "avsluttet" and case.facts["har_barn"] is False

    # Build the office's report from the office page.
    page.goto(f"{server}/kontor/{OFFICE}/")
    tab_to(page, "form[action$='/rapport'] button")
    with page.expect_navigation(timeout=120_000):
        page.keyboard.press("Enter")
    # a job now (issue 16): its page shows the progress, then (kvp.js) "Rapporten er laget" and the links
    page.wait_for_selector("text=Rapporten er laget", timeout=180_000)
    reports = tmp_path / "reports" / "fiktivfylke-2026"
    assert (reports / f"{OFFICE}.html").is_file() and (reports / f"{OFFICE}.pdf").is_file()
    page.goto(f"{server}/kontor/{OFFICE}/rapport.html")
    assert "NAV Bergtun" in page.content()


def test_report_download_from_the_default_reports_folder(browser, round_dir, tmp_path, monkeypatch):
    """`kvp-audit serve` without a reports folder: "Lag rapport", then the HTML and the PDF download (not a 500)."""
    from kvp_audit.web.server import make_server, url_of

    pytest.importorskip("weasyprint")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    srv = make_server(round_dir, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    server = url_of(srv, "127.0.0.1").rstrip("/")
    context = browser.new_context(locale="nb-NO", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{server}/kontor/{OFFICE}/")
        with page.expect_navigation(timeout=120_000):
            page.locator("form[action$='/rapport'] button").click(timeout=120_000)
        # the job page (issue 16) shows the links once the office's reports are built
        page.wait_for_selector("text=Rapporten er laget", timeout=180_000)
        assert (work / "reports" / "fiktivfylke-2026" / f"{OFFICE}.pdf").is_file()
        # exact: "Oppfølgingsrapporten som PDF" is offered beside it (NAV Bergtun held its workshop)
        pdf_href = page.get_by_role("link", name="Rapporten som PDF", exact=True).get_attribute("href")
        with page.expect_navigation() as navigation:
            page.get_by_role("link", name="Rapporten som nettside (HTML)", exact=True).click()
        assert navigation.value.status == 200 and "NAV Bergtun" in page.content()
        pdf = page.request.get(server + pdf_href)
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"
    finally:
        context.close()
        srv.shutdown()
        srv.server_close()


def test_form_works_without_javascript(browser, server, round_dir):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{server}/kontor/{OFFICE}/sak/K-3RRV79")
        page.locator("input[name='answer.SV-01'][value='nei']").check()
        page.locator("textarea[name='comment.SV-01']").fill("Mangler dato.")
        page.locator("form.review button[type=submit]").click()
        page.wait_for_url("**?lagret=1")
        text = (round_dir / OFFICE / "K-3RRV79.yaml").read_text(encoding="utf-8")
        assert "  SV-01:\n    answer: nei\n    sources: [saksmappe]\n    comment: Mangler dato.\n" in text or \
            "  SV-01:\n    answer: nei\n    comment: Mangler dato.\n" in text
    finally:
        context.close()


def test_followup_autosaves_and_works_without_javascript(browser, server, page, round_dir):
    """Autosave of a finding's status with the keyboard; then the same form with no script."""
    from kvp_audit.load import load_round

    path = round_dir / OFFICE / "oppfolging.yaml"
    page.goto(server + FOLLOWUP_URL)
    tab_to(page, f"input[name='finding.{CARRIED}.status']")
    choose(page, f"finding.{CARRIED}.status", "delvis")
    wait_saved(page)
    assert f"{CARRIED}:\n    status: delvis\n" in path.read_text(encoding="utf-8")
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    try:
        plain.goto(server + FOLLOWUP_URL)
        plain.locator(f"input[name='finding.{CARRIED}.status'][value='lukket']").check()
        plain.locator(f"textarea[name='finding.{CARRIED}.evidence']").fill("Ny rutine.")
        plain.locator("form.review button[type=submit]").click()
        plain.wait_for_url("**?lagret=1")
    finally:
        context.close()
    text = path.read_text(encoding="utf-8")
    assert f"{CARRIED}:\n    status: lukket\n    evidence: Ny rutine.\n" in text
    data = load_round(round_dir)
    assert [p for p in data.problems if p.is_error] == []
    assert data.followups[OFFICE].findings[CARRIED].status.value == "lukket"


# --------------------------------------------------------------------------- accessibility


def axe_violations(page) -> list[dict]:
    if not AXE.is_file():
        pytest.skip(f"axe-core not found at {AXE} (npm install --prefix tests/.cache axe-core, or set KVP_AXE_JS)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def _conflict(page, server, round_dir):
    page.goto(f"{server}/kontor/{OFFICE}/sak/K-3RRV79")
    path = round_dir / OFFICE / "K-3RRV79.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("answer: ja", "answer: delvis", 1), encoding="utf-8")
    page.locator("form.review button[type=submit]").click()
    page.wait_for_selector("text=Filen er endret siden du åpnet skjemaet")


def _errors(page, server, round_dir):
    page.goto(f"{server}/kontor/{OFFICE}/sak/K-3RRV79")
    page.evaluate("() => document.querySelector('form[data-autosave]').removeAttribute('data-autosave')")
    page.locator("#f-reviewers").fill("Kari")
    page.locator("input[name='answer.IN-90']").fill("mange")
    page.locator("form.review button[type=submit]").click()
    page.wait_for_selector("#error-summary")


def _add_case_error(page, server, round_dir):
    page.goto(f"{server}/kontor/{OFFICE}/")
    page.locator("#f-add-reviewers").fill("kari")
    page.locator("form[action$='/ny-sak'] button").click()
    page.wait_for_selector("#e-add-reviewers:not([hidden])")


FOLLOWUP_URL = f"/kontor/{OFFICE}/oppfolging"
CARRIED = "fiktivfylke-2024/nav-bergtun/IN-04"  # carried into 2026 from the 2024 round


def _followup_errors(page, server, round_dir):
    page.goto(server + FOLLOWUP_URL)
    page.evaluate("() => document.querySelector('form[data-autosave]').removeAttribute('data-autosave')")
    page.locator(f"textarea[name='finding.{CARRIED}.action']").fill("Ny rutine.")
    page.locator(f"input[name='finding.{CARRIED}.date']").fill("2026-02-30")
    page.locator("form.review button[type=submit]").click()
    page.wait_for_selector("#error-summary")


PAGES = {
    "round": lambda page, server, _r: page.goto(server + "/"),
    "round-nn": lambda page, server, _r: page.goto(server + "/?lang=nn"),
    "round-en": lambda page, server, _r: page.goto(server + "/?lang=en"),
    "office": lambda page, server, _r: page.goto(f"{server}/kontor/{OFFICE}/"),
    "case-form": lambda page, server, _r: page.goto(f"{server}/kontor/{OFFICE}/sak/K-3RRV79"),
    "office-review": lambda page, server, _r: page.goto(f"{server}/kontor/{OFFICE}/kontorvurdering"),
    "case-form-with-errors": _errors,
    "add-case-error": _add_case_error,
    "conflict": _conflict,
    "followup": lambda page, server, _r: page.goto(server + FOLLOWUP_URL),
    "followup-en": lambda page, server, _r: page.goto(server + FOLLOWUP_URL + "?lang=en"),
    "followup-with-errors": _followup_errors,
    "not-found": lambda page, server, _r: page.goto(f"{server}/kontor/finnes-ikke/"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_violations(server, axe_page, round_dir, name):
    PAGES[name](axe_page, server, round_dir)
    violations = axe_violations(axe_page)
    assert violations == [], violations


def test_focus_is_visible_and_labels_exist(server, page):
    page.goto(f"{server}/kontor/{OFFICE}/sak/K-3RRV79")
    tab_to(page, "input[name='answer.SV-01']")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    unlabelled = page.evaluate(
        "() => [...document.querySelectorAll('input:not([type=hidden]), textarea, select')]"
        ".filter(e => !e.labels || e.labels.length === 0).map(e => e.name)")
    assert unlabelled == []


def test_axe_check_is_not_vacuous(axe_page):
    """The same check finds a violation on a page built to have one."""
    axe_page.set_content("<html lang='nb'><head><title>x</title></head><body><main>"
                         "<input type='text' name='x'></main></body></html>")
    assert "label" in [v["id"] for v in axe_violations(axe_page)]
