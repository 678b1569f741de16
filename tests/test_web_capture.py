"""Capture during a visit, in a real browser (issue 15): a failed save is loud and sent when the
server is back, a whole case is answerable in at most 120 key presses, and the report built
with "Lag rapport" downloads. Playwright driving Debian's Chromium, as tests/test_web_browser.py.

Set KVP_SCREENSHOTS to a folder to keep the screenshots (normal, failed save, keyboard focus).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

pytest.importorskip("flask")

from test_web_browser import ARGS, AXE, CHROMIUM, axe_violations  # noqa: E402, F401  (AXE: skip reasons)

OFFICE = "nav-bergtun"
CASE = "K-3RRV79"


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


class Server:
    """`kvp-audit serve` in a thread, which a test can stop and start again on the same port."""

    def __init__(self, round_dir: Path, reports: Path):
        self.round_dir, self.reports, self.port, self.srv = round_dir, reports, 0, None

    def start(self) -> str:
        from kvp_audit.web.server import make_server

        self.srv = make_server(self.round_dir, "127.0.0.1", self.port, reports_dir=self.reports)
        self.port = self.srv.server_port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.srv is not None:
            self.srv.shutdown()
            self.srv.server_close()
            self.srv = None


@pytest.fixture
def server(round_dir, tmp_path):
    s = Server(round_dir, tmp_path / "reports")
    s.url = s.start()
    yield s
    s.stop()


@pytest.fixture
def page(browser):
    # bypass_csp only so that axe-core can be injected; the app's own script runs either way.
    context = browser.new_context(locale="nb-NO", viewport={"width": 1024, "height": 900}, bypass_csp=True,
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def screenshot(page, name: str, full_page: bool = False) -> None:
    folder = os.environ.get("KVP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


def state(page) -> str:
    return page.evaluate("() => document.querySelector('form[data-autosave]').dataset.saveState || ''")


def wait_saved(page, timeout: float = 20_000) -> None:
    page.wait_for_function(
        "() => { const f = document.querySelector('form[data-autosave]');"
        " return !f.hasAttribute('data-pending') && ['saved', 'unchanged'].includes(f.dataset.saveState); }",
        timeout=timeout)


def leaving_is_warned(page) -> bool:
    return page.evaluate("() => { const e = new Event('beforeunload', {cancelable: true});"
                         " window.dispatchEvent(e); return e.defaultPrevented; }")


def kept_in_tab(page) -> str | None:
    return page.evaluate("() => sessionStorage.getItem('kvp-audit-unsaved:' + location.pathname)")


# --------------------------------------------------------------------------- without a browser


@pytest.fixture(scope="module")
def checklist():
    from kvp_audit.load import bundled_checklist_dir, load_checklist

    checklist, problems = load_checklist(bundled_checklist_dir() / "arkiv" / "kvp-sak-2026.1.yaml")  # the examples' version
    assert problems == []
    return checklist


HALFWAY = "«Er deltakeren forbi halvveis i programperioden i vedtaket?»"
CHILDREN = "«Har deltakeren barn under 18 år?»"


@pytest.mark.parametrize("condition, words", [
    ("forbi_halvveis", f"{HALFWAY} er ja"),
    ("not forbi_halvveis", f"{HALFWAY} er nei"),
    ("status in ['avsluttet', 'avbrutt']", "«Status for programmet» er avsluttet eller avbrutt"),
    ("status in ['pågående', 'avsluttet', 'avbrutt']", "«Status for programmet» er pågående, avsluttet eller avbrutt"),
    ("status != 'avbrutt'", "«Status for programmet» er ikke avbrutt"),
    ("startdato >= '2019-01-01'", "«Dato programmet startet (vedtaksdato for oppstart)» er 2019-01-01 eller senere"),
    ("startdato < '2019-01-01'", "«Dato programmet startet (vedtaksdato for oppstart)» er før 2019-01-01"),
    ("har_barn and (forbi_halvveis or status == 'avbrutt')",
     f"{CHILDREN} er ja og ({HALFWAY} er ja eller «Status for programmet» er avbrutt)"),
    ("not (har_barn and under_25)", f"ikke ({CHILDREN} er ja og «Er deltakeren under 25 år?» er ja)"),
    # A shape without words of its own (here arithmetic) is shown as written, facts by their labels.
    ("startdato_pluss + 2 > 3", "startdato_pluss + 2 > 3"),
    ("months_between(startdato, review_date) >= 6",
     "months_between(«Dato programmet startet (vedtaksdato for oppstart)», review_date) >= 6"),
])
def test_conditions_in_words_from_the_fact_labels(checklist, condition, words):
    from kvp_audit.web.view import condition_words

    assert condition_words(checklist, condition) == words


def test_conditions_in_words_in_english(checklist):
    from kvp_audit import i18n
    from kvp_audit.web.view import condition_words

    i18n.set_language("en")
    try:
        assert condition_words(checklist, "har_barn and status not in ['avsluttet']") == (
            f"{CHILDREN} is yes and «Status for programmet» is not avsluttet")
    finally:
        i18n.set_language("nb")


def test_one_key_per_scale_value(checklist):
    from kvp_audit.models import ScaleValue
    from kvp_audit.web.view import answer_keys

    assert answer_keys(checklist) == {"ja": "j", "delvis": "d", "nei": "n", "ikke aktuelt": "i"}
    scale = [ScaleValue(value=v, outcome=o, score=score) for v, o, score in
             (("oppfylt", "oppfylt", 1.0), ("ikke oppfylt", "ikke oppfylt", 0.0), ("ok", "oppfylt", 1.0),
              ("ko", "ikke oppfylt", 0.0))]
    # A letter already taken moves on to the next one of the value; none left: no key.
    assert answer_keys(checklist.model_copy(update={"scale": scale})) == {"oppfylt": "o", "ikke oppfylt": "i", "ok": "k"}
    assert "ko" not in answer_keys(checklist.model_copy(update={"scale": scale}))


def test_form_page_has_jump_links_count_and_keys(round_dir, tmp_path):
    from kvp_audit.web.app import create_app

    client = create_app(round_dir, reports_dir=tmp_path / "reports").test_client()
    page = client.get(f"/kontor/{OFFICE}/sak/{CASE}").get_data(as_text=True)
    assert '<li><a href="#h-t-ip">Individuell plan</a> <span class="count" data-theme-count="ip">3 av 3</span></li>' in page
    assert '<p class="progress" id="progress-visible">Besvart 41 av 41</p>' in page
    assert '<p class="visually-hidden" id="progress-live" aria-live="polite"></p>' in page
    assert 'value="ja" checked aria-describedby="e-answer.SV-01" data-key="j" aria-keyshortcuts="j">' in page
    assert 'data-key="i" aria-keyshortcuts="i">' in page
    # The script shows the keys; without it the hint stays hidden, since the keys would not work.
    assert '<p class="keys-help" id="keys-help" hidden>' in page
    assert '<div class="save-banner" id="save-banner" role="alert" hidden>' in page


# --------------------------------------------------------------------------- a failed save is loud


def test_stopped_server_is_loud_and_the_answer_is_saved_when_it_is_back(server, page, round_dir):
    path = round_dir / OFFICE / f"{CASE}.yaml"
    page.goto(f"{server.url}/kontor/{OFFICE}/sak/{CASE}")
    assert page.locator("#save-banner").is_hidden()
    assert not leaving_is_warned(page)
    screenshot(page, "form-normal")
    assert "  SV-02:\n    answer: delvis\n" not in path.read_text(encoding="utf-8")

    server.stop()
    page.locator("input[name='answer.SV-02'][value='delvis']").check()
    page.wait_for_function("() => !document.getElementById('save-banner').hidden")
    banner = page.locator("#save-banner")
    assert banner.get_attribute("role") == "alert"
    assert banner.inner_text().startswith(
        "Ikke lagret: får ikke kontakt med kvp-audit. Endringene er tatt vare på i denne fanen og sendes "
        "så snart kontakten er tilbake. Ikke lukk fanen. Prøver igjen om 2 sekunder.")
    assert state(page) == "error"
    # The field is marked, and the status line (aria-live) says so too.
    mark = page.locator("div[data-field='answer.SV-02'] .unsaved-mark")
    assert mark.inner_text() == "Ikke lagret"
    assert page.locator("#save-status").inner_text() == "Ikke lagret"
    assert page.locator("#save-status").get_attribute("aria-live") == "polite"
    assert "unsaved" in page.locator("#c-SV-02").get_attribute("class")
    # The edit is kept in this tab only, and leaving the page is warned.
    assert '["answer.SV-02","delvis"]' in kept_in_tab(page)
    assert leaving_is_warned(page)
    page.locator("#save-banner").scroll_into_view_if_needed()
    screenshot(page, "form-failed-save")
    violations = axe_violations(page)
    assert violations == [], violations
    assert "  SV-02:\n    answer: delvis\n" not in path.read_text(encoding="utf-8")

    # Back on the same port (a new session: the script fetches a fresh CSRF token by itself).
    server.start()
    wait_saved(page, timeout=60_000)
    assert "  SV-02:\n    answer: delvis\n" in path.read_text(encoding="utf-8")
    assert page.locator("#save-banner").is_hidden()
    assert page.locator(".unsaved-mark").count() == 0
    assert page.locator("#save-status").inner_text().startswith("Lagret kl.")
    assert kept_in_tab(page) is None
    assert not leaving_is_warned(page)


def test_lost_connection_is_sent_when_the_browser_is_online_again(server, page, round_dir):
    """Offline in the browser: the banner, then the `online` event sends the edit at once."""
    path = round_dir / OFFICE / f"{CASE}.yaml"
    page.goto(f"{server.url}/kontor/{OFFICE}/sak/{CASE}")
    page.context.set_offline(True)
    page.locator("textarea[name='comment.SV-03']").fill("Vedtaket mangler klagefrist.")
    page.wait_for_function("() => !document.getElementById('save-banner').hidden", timeout=20_000)
    assert page.locator("div[data-field='comment.SV-03'] .unsaved-mark").is_visible()
    page.context.set_offline(False)
    wait_saved(page, timeout=10_000)
    assert "    comment: Vedtaket mangler klagefrist.\n" in path.read_text(encoding="utf-8")
    assert kept_in_tab(page) is None


def test_edits_kept_in_the_tab_survive_a_reload_and_are_saved(server, page, round_dir):
    path = round_dir / OFFICE / f"{CASE}.yaml"
    url = f"{server.url}/kontor/{OFFICE}/sak/{CASE}"
    page.goto(url)
    server.stop()
    page.locator("input[name='answer.SV-04'][value='nei']").check()
    page.wait_for_function("() => !document.getElementById('save-banner').hidden")
    server.start()
    page.goto(url)  # the reviewer reloads before the retry
    page.wait_for_function("() => document.querySelector('form[data-autosave]').dataset.saveState === 'saved'")
    assert page.locator("input[name='answer.SV-04'][value='nei']").is_checked()
    assert "  SV-04:\n    answer: nei\n" in path.read_text(encoding="utf-8")
    assert kept_in_tab(page) is None


def test_saving_with_the_button_clears_what_the_tab_kept(server, page, round_dir):
    """An edit kept while the server was away, then "Lagre": the reloaded page is saved, no conflict."""
    path = round_dir / OFFICE / f"{CASE}.yaml"
    page.goto(f"{server.url}/kontor/{OFFICE}/sak/{CASE}")
    server.stop()
    page.locator("input[name='answer.SV-05'][value='nei']").check()
    page.wait_for_function("() => !document.getElementById('save-banner').hidden")
    server.start()
    page.wait_for_function("() => document.querySelector('form[data-autosave]').dataset.saveState === 'saved'",
                           timeout=60_000)
    page.locator("input[name='answer.SV-06'][value='delvis']").check()
    page.locator("form.review button[type=submit]").click()
    page.wait_for_url("**?lagret=1")
    page.wait_for_timeout(1000)
    assert kept_in_tab(page) is None
    assert page.evaluate("() => document.querySelector('form[data-autosave]').dataset.saveState || ''") == ""
    text = path.read_text(encoding="utf-8")
    assert "  SV-05:\n    answer: nei\n" in text and "  SV-06:\n    answer: delvis\n" in text


# --------------------------------------------------------------------------- keyboard budget


class Keys:
    """Every key press of the test goes through here, so the count is the real one."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def press(self, key: str) -> None:
        self.count += 1
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        for ch in text:
            self.press(ch)

    def focused(self, selector: str) -> bool:
        return self.page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)

    def choose(self, name: str, value: str, limit: int = 8) -> None:
        """With focus in a radio group, press arrow keys until ``value`` is the chosen one."""
        script = "([n, v]) => { const r = document.querySelector(`input[name='${n}']:checked`); return !!r && r.value === v; }"
        for _ in range(limit):
            if self.page.evaluate(script, [name, value]):
                return
            self.press("ArrowRight")
        raise AssertionError(f"could not choose {value} for {name}")

    def tab_to(self, selector: str, limit: int = 30) -> None:
        for _ in range(limit):
            self.press("Tab")
            if self.focused(selector):
                return
        raise AssertionError(f"Tab never reached {selector}")


def test_a_whole_case_in_at_most_120_key_presses(server, page, round_dir, capsys):
    from kvp_audit.load import load_round

    # A new case on the bundled checklist (kvp-sak), made from the office page.
    page.goto(f"{server.url}/kontor/{OFFICE}/")
    page.locator("#f-add-reviewers").fill("KB")
    page.locator("form[action$='/ny-sak'] button").click()
    page.wait_for_url("**/sak/K-*")
    key = page.url.rsplit("/", 1)[1]
    assert page.locator("p.checklist").inner_text().endswith("(kvp-sak@2026.1)")
    assert page.locator("#keys-help").inner_text().startswith(
        "Tastatur: når markøren står på et svar, velger du med én tast: J Ja, D Delvis, N Nei, I Ikke aktuelt.")
    assert page.locator("#progress-visible").inner_text() == "Besvart 0 av 41"
    k = Keys(page)

    # Skip link, then the jump link to the facts.
    k.press("Tab")
    assert k.focused("a.skip")
    k.press("Enter")
    k.tab_to("nav.jump a[href='#h-facts']")
    k.press("Enter")
    k.tab_to("input[name='fact.status']")
    k.choose("fact.status", "avsluttet")
    k.tab_to("input[name='fact.startdato']")
    k.type("01012025")  # the same in dd.mm and mm/dd order
    k.tab_to("input[name='fact.har_barn']")
    k.choose("fact.har_barn", "true")
    for fact in ("under_25", "forbi_halvveis", "behov_ip"):
        k.tab_to(f"input[name='fact.{fact}']")
        k.choose(f"fact.{fact}", "false")
    k.tab_to("select[name='fact.utfall']")
    k.press("ArrowDown")  # arbeid
    k.tab_to("input[name='answer.SV-01']")
    wait_saved(page)
    # Not past halfway, no individual plan: five criteria need no answer and are out of the tab order.
    assert page.locator("#progress-visible").inner_text() == "Besvart 0 av 36"
    assert page.locator("#na-IN-04").inner_text() == (
        "Gjelder ikke denne saken (gjelder når: «Er deltakeren forbi halvveis i programperioden i vedtaket?» "
        "er ja) og trenger ikke svar.")
    page.locator("#c-SV-01").scroll_into_view_if_needed()
    screenshot(page, "form-keyboard-focus")

    letters = "jdnijjdnjjdjnjdjjjjdjjnjjdjjjjjjjj"
    answered = []
    for _ in range(80):
        name = page.evaluate("() => document.activeElement.name || ''")
        if not name.startswith("answer."):
            break
        cid = name.split(".", 1)[1]
        kind = page.evaluate("() => document.activeElement.type")
        if kind == "radio":
            k.press(letters[len(answered) % len(letters)])
        elif kind == "text":  # IN-90, hours per week
            k.type("37")
            k.tab_to("select[name='answer.IN-91']")
        elif kind == "select-one":  # IN-91, the main measure
            k.press("ArrowDown")
            k.tab_to("input[name^='answer.'], select[name^='answer.']")
        answered.append(cid)
    assert k.focused("form.review button[type=submit]")
    wait_saved(page)
    with capsys.disabled():
        print(f"\nkey presses for a whole case ({len(answered)} criteria): {k.count}")
    assert len(answered) == 36
    assert not {"IN-04", "IN-05", "IP-01", "IP-02", "IP-03"} & set(answered), " ".join(answered)
    assert k.count <= 120
    assert page.locator("#progress-visible").inner_text() == "Besvart 36 av 36"
    page.wait_for_function("() => document.getElementById('progress-live').textContent === 'Besvart 36 av 36'")

    data = load_round(round_dir)
    assert [p for p in data.problems if p.is_error] == []
    case = next(c for c in data.cases[OFFICE] if c.case == key)
    assert case.facts["status"] == "avsluttet" and case.facts["har_barn"] is True
    assert str(case.facts["startdato"]) == "2025-01-01" and case.facts["utfall"] == "arbeid"
    assert case.answers["SV-01"].answer == "ja" and case.answers["SV-02"].answer == "delvis"
    assert case.answers["SV-03"].answer == "nei" and case.answers["SV-04"].answer == "ikke aktuelt"
    assert case.answers["IN-90"].answer == 37 and case.answers["IN-91"].answer == "arbeidsrettet tiltak"
    assert sorted(c for c, a in case.answers.items() if a.answer not in (None, "")) == sorted(answered)


def test_page_without_javascript_keeps_jump_links_and_count(browser, server):
    context = browser.new_context(java_script_enabled=False, locale="nb-NO")
    page = context.new_page()
    try:
        page.goto(f"{server.url}/kontor/{OFFICE}/sak/{CASE}")
        assert page.locator("#keys-help").is_hidden()
        assert page.locator("#save-banner").is_hidden()
        assert page.locator("#progress-visible").inner_text() == "Besvart 41 av 41"
        assert page.locator("[data-theme-count='ip']").inner_text() == "3 av 3"
        page.locator("nav.jump a", has_text="Individuell plan").click()
        assert page.url.endswith("#h-t-ip")
    finally:
        context.close()


# --------------------------------------------------------------------------- the report download


def test_report_downloads_after_lag_rapport(server, page):
    pytest.importorskip("weasyprint")
    page.goto(f"{server.url}/kontor/{OFFICE}/")
    with page.expect_navigation(timeout=180_000):
        page.locator("form[action$='/rapport'] button").click(timeout=180_000)
    page.wait_for_selector("text=Rapporten er laget", timeout=180_000)  # the job page (issue 16), when done
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    for text, name, magic, mimetype in (
            ("Rapporten som PDF", f"{OFFICE}.pdf", b"%PDF", "application/pdf"),
            ("Rapporten som Word-dokument (DOCX), til redigering", f"{OFFICE}.docx", b"PK", docx)):
        with page.expect_download() as info:
            page.get_by_role("link", name=text, exact=True).click()  # not the follow-up report's
        download = info.value
        assert download.suggested_filename == name
        assert download.failure() is None
        assert Path(download.path()).read_bytes().startswith(magic)
        # The type the server sends with it (the browser session's own request, same cookie).
        response = page.request.get(download.url)
        assert response.status == 200 and response.headers["content-type"] == mimetype
        assert response.body() == Path(download.path()).read_bytes()
