"""Reports from the browser (`kvp-audit serve`): report jobs with progress, downloads only from the
round's report folder, the county summary and the comparison as pages, the exports as downloads."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import threading
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("flask")

from kvp_audit.web import builds  # noqa: E402
from kvp_audit.web.app import create_app  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
OFFICE = "nav-bergtun"
REPORTS = "fiktivfylke-2026"
FETCH = {"X-Requested-With": "fetch"}


@pytest.fixture
def client(round_dir, tmp_path):
    app = create_app(round_dir, reports_dir=tmp_path / "reports", report_formats=("html",))
    app.config["TESTING"] = True
    return app.test_client()


def token_of(client) -> str:
    page = client.get("/rapporter").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def job_id(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith("/rapporter/jobb/")
    return location.rsplit("/", 1)[1]


def finished(client, job: str, timeout: float = 180) -> dict:
    """Wait for the job's thread, then its JSON."""
    builds.RUNNER.wait(job, timeout)
    state = client.get(f"/rapporter/jobb/{job}", headers=FETCH).get_json()
    assert state["finished"], state
    return state


def post_reports(client, **form):
    data = {"csrf_token": token_of(client), **form}
    return client.post("/rapporter", data=data)


# --------------------------------------------------------------------------- jobs


def test_one_office_in_html_and_md_finishes_and_downloads(client, tmp_path):
    response = post_reports(client, kind="office", office=OFFICE, formats=["html", "md"])
    job = job_id(response)
    state = finished(client, job)
    assert state["state"] == "done" and state["done"] == 2 and state["total"] == 2
    page = client.get(f"/rapporter/jobb/{job}").get_data(as_text=True)
    assert "Rapporten er laget (2 filer)." in page
    assert f'<a href="/rapporter/fil/{OFFICE}.html">Rapporten som nettside (HTML)</a>' in page
    assert f'<a href="/rapporter/fil/{OFFICE}.md" download="{OFFICE}.md">Rapporten som Markdown</a>' in page
    assert "Oppdater" not in page  # only while it runs
    folder = tmp_path / "reports" / REPORTS
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [f"{OFFICE}.html", f"{OFFICE}.md"]

    html = client.get(f"/rapporter/fil/{OFFICE}.html")
    assert html.status_code == 200 and html.mimetype == "text/html" and "NAV Bergtun" in html.get_data(as_text=True)
    assert html.headers["Content-Disposition"].startswith("inline;")  # opens in the browser
    assert html.headers["Content-Security-Policy"] == builds.REPORT_CSP
    md = client.get(f"/rapporter/fil/{OFFICE}.md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert md.headers["Content-Disposition"] == f"attachment; filename={OFFICE}.md"
    assert md.data == (folder / f"{OFFICE}.md").read_bytes()

    listing = client.get("/rapporter").get_data(as_text=True)
    assert f'href="/rapporter/fil/{OFFICE}.md" download="{OFFICE}.md"><span class="visually-hidden">NAV Bergtun, rapport, </span>Markdown</a>' in listing
    assert "Siste jobb:" in listing and "Rapporten til NAV Bergtun" in listing


def test_the_post_answers_at_once_and_json_shows_progress_before_the_end(client):
    pytest.importorskip("weasyprint")
    clicked = time.monotonic()
    response = post_reports(client, kind="office", office=OFFICE, formats=["html", "pdf"])
    job = job_id(response)
    assert time.monotonic() - clicked < 1.0  # the page with the progress is there within a second
    seen = []
    while True:
        state = client.get(f"/rapporter/jobb/{job}", headers=FETCH).get_json()
        seen.append(state)
        if state["finished"]:
            break
        time.sleep(0.05)
    running = [s for s in seen if not s["finished"]]
    assert running and running[0]["state"] == "running"
    assert any(s["total"] == 2 and s["done"] < 2 for s in running), seen
    assert any("av 2 filer" in s["html"] for s in running)
    assert any('data-job-refresh>Oppdater</a>' in s["html"] for s in running)
    assert seen[-1]["state"] == "done" and seen[-1]["done"] == 2
    pdf = client.get(f"/rapporter/fil/{OFFICE}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == f"attachment; filename={OFFICE}.pdf"


def test_a_second_job_while_one_runs_is_told_so(client):
    gate = threading.Event()
    release = threading.Event()
    real = builds._run

    def slow(job, round_dir):
        gate.set()
        release.wait(10)
        real(job, round_dir)

    builds._run, original = slow, builds._run
    try:
        first = job_id(post_reports(client, kind="office", office=OFFICE, formats=["md"]))
        gate.wait(5)
        again = post_reports(client, kind="all", formats=["md"])
        assert again.status_code == 409
        page = again.get_data(as_text=True)
        assert "En annen rapportjobb kjører allerede (Rapporten til NAV Bergtun). Vent til den er ferdig, og prøv igjen." in page
        assert f'href="/rapporter/jobb/{first}"' in page
        busy = client.post("/rapporter", data={"csrf_token": token_of(client), "kind": "all", "formats": "md"},
                           headers=FETCH)
        assert busy.status_code == 409 and busy.get_json()["status"] == "busy"
    finally:
        release.set()
        builds._run = original
    assert finished(client, first)["state"] == "done"


def test_a_round_with_an_error_gives_the_error_on_the_job_page(client, round_dir):
    path = next((round_dir / OFFICE).glob("K-*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("answer: ja", "answer: kanskje", 1), encoding="utf-8")
    job = job_id(post_reports(client, kind="office", office=OFFICE, formats=["html"]))
    assert finished(client, job)["state"] == "failed"
    page = client.get(f"/rapporter/jobb/{job}").get_data(as_text=True)
    assert "<strong>Rapporten kunne ikke lages:</strong> runden har 1 feil; rett den (se &#39;kvp-audit validate&#39;) før rapportene lages" in page
    assert "kanskje" in page and "Traceback" not in page


def test_a_converter_that_fails_is_told_in_words(client, monkeypatch):
    import kvp_audit.report.build as build

    def broken(*args, **kwargs):
        raise OSError("libpango-1.0.so.0: cannot open shared object file")

    monkeypatch.setattr(build, "write_pdfs", broken)
    job = job_id(post_reports(client, kind="office", office=OFFICE, formats=["html", "pdf"]))
    assert finished(client, job)["state"] == "failed"
    page = client.get(f"/rapporter/jobb/{job}").get_data(as_text=True)
    assert ("Noe gikk galt da filene ble laget (OSError: libpango-1.0.so.0: cannot open shared object file). "
            "Filene som ble ferdige før feilen, ligger i rapportmappen.") in page
    assert "Traceback" not in page


def test_the_reports_form_refuses_what_cannot_be_built(client, round_dir):
    response = post_reports(client, kind="office", office="", formats=[])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<a href="#f-formats-html">Velg minst ett format.</a>' in page
    assert '<a href="#f-office">Velg et kontor.</a>' in page
    (round_dir / "nav-fjellby" / "oppfolging.yaml").unlink()
    response = post_reports(client, kind="followup", office="nav-fjellby", formats=["html"])
    assert response.status_code == 422
    assert ("NAV Fjellby har ingen oppfølging (oppfolging.yaml) ennå, så det er ingen oppfølgingsrapport å lage."
            in response.get_data(as_text=True))
    assert post_reports(client, kind="alt", formats=["html"]).status_code == 400
    assert post_reports(client, kind="all", formats=["exe"]).status_code == 400
    assert client.post("/rapporter", data={"kind": "all", "formats": "html"}).status_code == 400  # no CSRF token


def test_all_of_the_rounds_reports(client, tmp_path, round_dir):
    job = job_id(post_reports(client, kind="all", formats=["md"]))
    state = finished(client, job)
    assert state["state"] == "done"
    folder = tmp_path / "reports" / REPORTS
    offices = [o for o in ("nav-bergtun", "nav-fjellby", "nav-midtdal", "nav-nordvik")]
    assert (folder / "oppsummering.md").is_file()
    followups = sorted(p.parent.name for p in round_dir.glob("*/oppfolging.yaml"))
    assert followups and all((folder / f"{o}-oppfolging.md").is_file() for o in followups)
    page = client.get(f"/rapporter/jobb/{job}").get_data(as_text=True)
    assert '<a href="/rapporter/fil/oppsummering.md" download="oppsummering.md">Fylkesoppsummeringen som Markdown</a>' in page
    assert all((folder / f"{o}.md").is_file() for o in offices)
    # built again: nothing changed, nothing written
    second = job_id(post_reports(client, kind="all", formats=["md"]))
    again = finished(client, second)
    assert again["state"] == "done" and again["done"] == 0
    page = client.get(f"/rapporter/jobb/{second}").get_data(as_text=True)
    assert "Rapporten er laget (0 filer)." in page and "filer var uendret og ble ikke laget på nytt." in page


def test_only_the_follow_up_report(client, tmp_path, round_dir):
    office = sorted(p.parent.name for p in round_dir.glob("*/oppfolging.yaml"))[0]
    job = job_id(post_reports(client, kind="followup", office=office, formats=["html"]))
    assert finished(client, job)["state"] == "done"
    folder = tmp_path / "reports" / REPORTS
    assert [p.name for p in folder.iterdir() if not p.name.startswith(".")] == [f"{office}-oppfolging.html"]


def test_unknown_job(client):
    response = client.get("/rapporter/jobb/finnes-ikke")
    assert response.status_code == 404
    assert "fant ikke rapportjobben" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- downloads


@pytest.mark.parametrize("name", ["../runde.yaml", "..%2Frunde.yaml", "%2Fetc%2Fpasswd", "/etc/passwd",
                                  "finnes-ikke.html", ".manifest.json", "sub/../nav-bergtun.html"])
def test_download_refuses_names_outside_the_folder(client, tmp_path, round_dir, name):
    folder = tmp_path / "reports" / REPORTS
    folder.mkdir(parents=True)
    (folder / f"{OFFICE}.html").write_text("<p>rapport</p>", encoding="utf-8")
    (tmp_path / "reports" / "runde.yaml").write_text("hemmelig", encoding="utf-8")
    (folder / ".manifest.json").write_text("{}", encoding="utf-8")
    response = client.get(f"/rapporter/fil/{name}", follow_redirects=True)  # "//etc" is redirected to "/etc"
    assert response.status_code == 404
    assert "hemmelig" not in response.get_data(as_text=True)
    assert client.get(f"/rapporter/fil/{OFFICE}.html").status_code == 200


# --------------------------------------------------------------------------- summary, comparison


def test_summary_page_builds_the_summary_when_missing(client, tmp_path, round_dir):
    html = tmp_path / "reports" / REPORTS / "oppsummering.html"
    response = client.get("/fylkesoppsummering")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Fylkesoppsummeringen er laget på nytt fra rundens filer." in page
    assert '<a href="/rapporter/fil/oppsummering.html">Fylkesoppsummeringen som nettside (HTML)</a>' in page
    assert html.is_file()
    # shown in the page, in a frame that only this app may use
    assert '<iframe class="report-frame" src="/rapporter/fil/oppsummering.html?innebygd=1" title="Fylkesoppsummeringen">' in page
    assert "frame-src 'self'" in response.headers["Content-Security-Policy"]
    framed = client.get("/rapporter/fil/oppsummering.html?innebygd=1")
    assert "frame-ancestors 'self'" in framed.headers["Content-Security-Policy"]
    assert framed.headers["X-Frame-Options"] == "SAMEORIGIN"
    alone = client.get("/rapporter/fil/oppsummering.html")
    assert alone.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in alone.headers["Content-Security-Policy"]
    first = html.stat().st_mtime_ns
    page = client.get("/fylkesoppsummering").get_data(as_text=True)
    assert "laget på nytt" not in page and html.stat().st_mtime_ns == first  # up to date: kept
    served = client.get("/rapporter/fil/oppsummering.html")
    assert served.status_code == 200 and "Fiktivfylke" in served.get_data(as_text=True)
    # a round file changed after the summary was made: made again
    time.sleep(0.02)
    (round_dir / "runde.yaml").touch()
    assert "laget på nytt" in client.get("/fylkesoppsummering").get_data(as_text=True)


def test_summary_page_of_a_round_with_errors(client, round_dir):
    path = next((round_dir / OFFICE).glob("K-*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("answer: ja", "answer: kanskje", 1), encoding="utf-8")
    response = client.get("/fylkesoppsummering")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<strong>Kunne ikke lages:</strong> runden har 1 feil" in page and "kanskje" in page


def test_compare_page_with_the_previous_round(client, tmp_path):
    response = client.get("/sammenligning")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    name = "sammenligning-fiktivfylke-2024-fiktivfylke-2026.html"
    assert f'<a href="/rapporter/fil/{name}">Åpne sammenligningen (HTML)</a>' in page
    served = client.get(f"/rapporter/fil/{name}")
    assert served.status_code == 200 and served.mimetype == "text/html"
    path = tmp_path / "reports" / REPORTS / name
    assert path.is_file()
    first = path.stat().st_mtime_ns
    assert client.get("/sammenligning").status_code == 200 and path.stat().st_mtime_ns == first  # kept
    assert "sammenligning-fiktivfylke-2024-fiktivfylke-2026.nn.html" in client.get("/sammenligning?lang=nn").get_data(
        as_text=True)


def test_compare_page_without_a_previous_round(tmp_path):
    shutil.copytree(EXAMPLES / "2024", tmp_path / "2024")
    path = tmp_path / "2024" / "runde.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('previous: "../2022"\n', ""), encoding="utf-8")
    client = create_app(tmp_path / "2024", reports_dir=tmp_path / "reports").test_client()
    response = client.get("/sammenligning")
    assert response.status_code == 200
    assert ("Runden nevner ingen forrige runde. Skriv stien til den under «previous» i runde.yaml "
            "(for eksempel ../2024) for å sammenligne.") in response.get_data(as_text=True)


def test_compare_page_when_the_previous_round_is_missing(client, round_dir):
    shutil.rmtree(round_dir.parent / "2024")
    response = client.get("/sammenligning")
    assert response.status_code == 422
    assert ("Fant ikke forrige runde (../2024): mappen finnes ikke eller har ingen lesbar runde.yaml."
            in response.get_data(as_text=True))


# --------------------------------------------------------------------------- exports


def test_the_three_exports_open(client, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    folder = tmp_path / "reports" / REPORTS

    xlsx = client.get("/eksport.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.headers["Content-Disposition"] == f"attachment; filename={REPORTS}.xlsx"
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert "svar" in book.sheetnames

    csv = client.get("/eksport.csv.zip")
    assert csv.status_code == 200 and csv.mimetype == "application/zip"
    assert csv.headers["Content-Disposition"] == f"attachment; filename={REPORTS}-csv.zip"
    names = zipfile.ZipFile(io.BytesIO(csv.data)).namelist()
    assert f"{REPORTS}.csv" in names and f"{REPORTS}_meta.csv" in names
    assert all(re.fullmatch(r"[a-z0-9_.-]+", n) for n in names)  # valid names on Windows too

    db = client.get("/eksport.sqlite")
    assert db.status_code == 200
    assert db.headers["Content-Disposition"] == f"attachment; filename={REPORTS}.sqlite"
    path = tmp_path / "copy.sqlite"
    path.write_bytes(db.data)
    with sqlite3.connect(path) as con:
        assert con.execute("select count(*) from svar").fetchone()[0] > 0

    # written into the report folder (no temporary files left behind)
    assert sorted(p.name for p in folder.iterdir()) == [f"{REPORTS}-csv.zip", f"{REPORTS}.sqlite", f"{REPORTS}.xlsx"]
    assert client.get("/eksport.exe").status_code == 404


def test_export_of_a_round_with_errors_says_so(client, round_dir, tmp_path):
    path = next((round_dir / OFFICE).glob("K-*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("answer: ja", "answer: kanskje", 1), encoding="utf-8")
    response = client.get("/eksport.xlsx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "runden har 1 feil; rett den (se &#39;kvp-audit validate&#39;) før eksport. Ingenting ble skrevet" in page
    assert not list((tmp_path / "reports" / REPORTS).glob("*.xlsx"))


# --------------------------------------------------------------------------- the round and office pages


def test_round_page_links_to_the_builds(client):
    page = client.get("/").get_data(as_text=True)
    for href, text in (("/rapporter", "Rapporter"), ("/fylkesoppsummering", "Fylkesoppsummering"),
                       ("/sammenligning", "Sammenligning"), ("/eksport.xlsx", "Eksport xlsx"),
                       ("/eksport.csv.zip", "Eksport csv (zip)"), ("/eksport.sqlite", "Eksport sqlite")):
        assert f'<a href="{href}">{text}</a>' in page


def test_lag_rapport_on_the_office_page_is_a_job(client, tmp_path):
    page = client.get(f"/kontor/{OFFICE}/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert f'<a href="/rapporter?kontor={OFFICE}">' in page
    job = job_id(client.post(f"/kontor/{OFFICE}/rapport", data={"csrf_token": token}))
    assert finished(client, job)["state"] == "done"
    assert (tmp_path / "reports" / REPORTS / f"{OFFICE}.html").is_file()
    assert (tmp_path / "reports" / REPORTS / f"{OFFICE}-oppfolging.html").is_file()  # as before: both
    office = client.get(f"/kontor/{OFFICE}/").get_data(as_text=True)
    assert f'href="/kontor/{OFFICE}/rapport.html"' in office


# --------------------------------------------------------------------------- in a browser


def test_reports_page_and_a_finished_job_in_a_browser_pass_axe_and_vnu(round_dir, tmp_path):
    """With the script: the job page updates itself and shows the links when done; axe and vnu find nothing."""
    import json
    import os
    import subprocess

    sync_api = pytest.importorskip("playwright.sync_api")
    from test_web_browser import ARGS, AXE, CHROMIUM, axe_violations

    from kvp_audit.web.server import make_server, url_of

    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    srv = make_server(round_dir, "127.0.0.1", 0, reports_dir=tmp_path / "reports")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    server = url_of(srv, "127.0.0.1").rstrip("/")
    pages = {}
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            context = browser.new_context(locale="nb-NO", bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{server}/rapporter")
            pages["reports"] = page.content()
            assert axe_violations(page) == []
            page.get_by_label("Rapporten til ett kontor", exact=True).check()
            page.get_by_label("Kontor (for ett kontor)").select_option(OFFICE)
            page.get_by_label("PDF", exact=True).uncheck()
            page.get_by_label("Word (DOCX)").uncheck()
            page.get_by_label("Markdown").check()
            with page.expect_navigation():
                page.get_by_role("button", name="Lag rapportene").click()
            assert "/rapporter/jobb/" in page.url
            # the script replaces the status with the finished job's links, without a reload
            page.get_by_role("link", name="Rapporten som Markdown", exact=True).wait_for()
            assert "Rapporten er laget (2 filer)." in page.inner_text("#job-status")
            pages["job"] = page.content()
            assert axe_violations(page) == []
            with page.expect_navigation():
                page.get_by_role("link", name="Rapporten som nettside (HTML)", exact=True).click()
            assert "NAV Bergtun" in page.content()
            browser.close()
    finally:
        srv.shutdown()
        srv.server_close()
    vnu = Path(os.environ.get("KVP_VNU_JAR", Path(__file__).parent / ".cache" / "node_modules" / "vnu-jar" / "build"
                              / "dist" / "vnu.jar"))
    java = shutil.which("java")
    if not java or not vnu.is_file() or not AXE.is_file():
        return
    files = []
    for name, text in pages.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(text, encoding="utf-8")
    proc = subprocess.run([java, "-jar", str(vnu), "--format", "json", *map(str, files)], capture_output=True, text=True)
    messages = [m for m in json.loads(proc.stderr or "{}").get("messages", []) if m.get("type") == "error"]
    assert messages == []


# --------------------------------------------------------------------------- under `serve FOLDER`


def test_reports_of_a_round_in_a_workspace(tmp_path):
    """Under a workspace the job's address has the round's prefix, the reports go to FOLDER/reports/<round>,
    and a previous round outside FOLDER is not read."""
    from werkzeug.test import Client

    from kvp_audit.web.workspace import Workspace

    root = tmp_path / "mappe"
    shutil.copytree(EXAMPLES / "2026", root / "2026")
    shutil.copytree(EXAMPLES / "2024", tmp_path / "2024")
    path = root / "2026" / "runde.yaml"  # ../../2024 is outside the folder the server shows
    path.write_text(path.read_text(encoding="utf-8").replace('previous: "../2024"', 'previous: "../../2024"'),
                    encoding="utf-8")
    client = Client(Workspace(root))
    page = client.get("/runde/2026/rapporter").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/runde/2026/rapporter", data={"csrf_token": token, "kind": "office", "office": OFFICE,
                                                          "formats": "md"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/runde/2026/rapporter/jobb/")
    builds.RUNNER.wait(location.rsplit("/", 1)[1], 120)
    job = client.get(location).get_data(as_text=True)
    assert f'href="/runde/2026/rapporter/fil/{OFFICE}.md"' in job
    assert (root / "reports" / REPORTS / f"{OFFICE}.md").is_file()
    compare = client.get("/runde/2026/sammenligning")
    assert compare.status_code == 422
    assert ("Forrige runde (../../2024) ligger utenfor mappen serveren viser, og blir ikke lest."
            in compare.get_data(as_text=True))
    assert not list((root / "reports" / REPORTS).glob("sammenligning-*"))


def test_a_job_in_nynorsk_makes_and_lists_the_nynorsk_files(client, tmp_path):
    client.get("/rapporter?lang=nn")
    job = job_id(post_reports(client, kind="office", office=OFFICE, formats=["html"]))
    assert finished(client, job)["state"] == "done"
    assert (tmp_path / "reports" / REPORTS / f"{OFFICE}.nn.html").is_file()
    page = client.get(f"/rapporter/jobb/{job}").get_data(as_text=True)
    assert f'<a href="/rapporter/fil/{OFFICE}.nn.html">Rapporten som nettside (HTML)</a>' in page
    assert "Rapporten er laga (1 fil)." in page


def test_a_build_thread_keeps_its_language_while_requests_set_another():
    """The reports are built in a thread; a request in English meanwhile must not turn them English."""
    from kvp_audit import i18n

    started, switched, seen = threading.Event(), threading.Event(), []

    def worker():
        i18n.set_language("nn")
        started.set()
        switched.wait(5)
        seen.append((i18n._("Velg et kontor."), i18n.current_language()))

    try:
        thread = threading.Thread(target=worker)
        thread.start()
        started.wait(5)
        i18n.set_language("en")
        switched.set()
        thread.join(5)
        assert seen == [("Vel eit kontor.", "nn")]
        assert i18n._("Velg et kontor.") == "Choose an office." and i18n.current_language() == "en"
    finally:
        i18n.set_language("nb")
