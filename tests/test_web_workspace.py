"""`kvp-audit serve FOLDER`: the start page (the rounds under a folder, with their progress) and
the new-round form, through werkzeug's test client on a workspace of copies of the examples;
one Playwright + axe check of the start page, the new-round form and the round-file form."""

from __future__ import annotations

import html
import re
import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("flask")
pytest.importorskip("ruamel.yaml")

from werkzeug.test import Client  # noqa: E402

from test_web import fictional_fnr, form_of, replace  # noqa: E402
from test_web_browser import axe_violations, browser  # noqa: E402,F401  (the browser fixture)

from kvp_audit.web.workspace import Workspace  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"


@pytest.fixture
def root(tmp_path) -> Path:
    """A workspace: both example rounds of Fiktivfylke, and a round whose runde.yaml is broken."""
    root = tmp_path / "arbeid"
    shutil.copytree(EXAMPLES / "2024", root / "fiktivfylke" / "2024")
    shutil.copytree(EXAMPLES / "2026", root / "fiktivfylke" / "2026")
    (root / "ødelagt").mkdir()
    (root / "ødelagt" / "runde.yaml").write_text("id: x\nname: [\n", encoding="utf-8")
    return root


@pytest.fixture
def ws(root) -> Workspace:
    return Workspace(root)


@pytest.fixture
def client(ws) -> Client:
    return Client(ws)


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def rows_of(page: str) -> list[str]:
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def summary_of(page: str) -> list[tuple[str, str]]:
    """The error summary's links: (href, text)."""
    box = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert box, "no error summary"
    return [(href, text_of(text)) for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', box.group(0), re.S)]


def new_form(client) -> dict:
    page = client.get("/ny-runde")
    assert page.status_code == 200
    return form_of(page.get_data(as_text=True), "/ny-runde")


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


# --------------------------------------------------------------------------- the start page


def test_start_page_lists_the_rounds_newest_first_with_progress(client):
    page = client.get("/").get_data(as_text=True)
    assert "<h1>Rundene i arbeid</h1>" in page
    rows = rows_of(page)
    assert rows[0] == ("Kvalitetsinnsyn KVP 2026 Fiktivfylke (fiktivt) 2026-02-01 – 2026-06-30 11 53 "
                       "4 av 11 kontorer fiktivfylke/2026")
    assert rows[1] == ("Kvalitetsinnsyn KVP 2024 Fiktivfylke (fiktivt) 2024-02-01 – 2024-06-30 10 41 "
                       "0 av 10 kontorer fiktivfylke/2024")
    assert '<a href="/runde/fiktivfylke/2026/">Kvalitetsinnsyn KVP 2026</a>' in page
    assert '<a class="button" href="/ny-runde">Ny runde</a>' in page


def test_a_broken_round_is_listed_with_its_problem_in_words(client):
    rows = rows_of(client.get("/").get_data(as_text=True))
    assert rows[2] == ("ødelagt Kan ikke åpnes: ødelagt/runde.yaml:2:7: feil: ugyldig YAML: unclosed bracket '[' "
                       "Gjør slik: sjekk innrykk, kolon og anførselstegn på eller like før denne linjen ødelagt")


def test_progress_follows_the_files_final_report_and_new_cases(client, root):
    office = root / "fiktivfylke" / "2024" / "nav-fjellby"
    (office / "rapport.yaml").write_text("status: endelig\n", encoding="utf-8")
    shutil.copy(next(office.glob("K-*.yaml")), office / "K-NEWCAS1.yaml")
    rows = rows_of(client.get("/").get_data(as_text=True))
    assert "10 42 1 av 10 kontorer" in rows[1]
    (office / "rapport.yaml").write_text("status: utkast\ncourse:\n  final_sent: 2024-05-01\n", encoding="utf-8")
    assert "10 42 1 av 10 kontorer" in rows_of(client.get("/").get_data(as_text=True))[1]
    (office / "rapport.yaml").write_text("status: utkast\n", encoding="utf-8")
    assert "10 42 0 av 10 kontorer" in rows_of(client.get("/").get_data(as_text=True))[1]


def test_progress_reads_no_case_file_and_each_report_once(client, root, monkeypatch):
    from kvp_audit.web import workspace

    client.get("/")
    read: list[str] = []
    real = workspace.report_is_final
    monkeypatch.setattr(workspace, "report_is_final", lambda path: read.append(path.name) or real(path))
    client.get("/")
    assert read == []
    (root / "fiktivfylke" / "2026" / "nav-lia" / "rapport.yaml").write_text("status: endelig\n# ny\n", encoding="utf-8")
    client.get("/")
    assert read == ["rapport.yaml"]


def test_start_page_of_a_national_round_reads_no_file_again(tmp_path, monkeypatch):
    """250 offices: once served, the start page parses neither runde.yaml nor any rapport.yaml again
    (the time is measured by benchmarks/web_pages.py, not here)."""
    from kvp_audit.models import Office
    from kvp_audit.rounds import create_round
    from kvp_audit.web import workspace

    root = tmp_path / "w"
    create_round(root / "nasjonal" / "2027", name="Nasjonal 2027", county="Hele landet",
                 offices=[Office(id=f"nav-{i:03d}", name=f"NAV {i}") for i in range(250)])
    client = Client(Workspace(root))
    assert client.get("/").status_code == 200
    parsed: list[str] = []
    real_round, real_report = workspace.load_round_file, workspace.report_is_final
    monkeypatch.setattr(workspace, "load_round_file", lambda path: parsed.append(path.name) or real_round(path))
    monkeypatch.setattr(workspace, "report_is_final", lambda path: parsed.append(path.name) or real_report(path))
    page = client.get("/").get_data(as_text=True)
    assert "Nasjonal 2027" in page and parsed == []


def test_start_page_in_nynorsk_and_english(client):
    assert "Ny runde" in client.get("/?lang=nn").get_data(as_text=True)
    page = client.get("/?lang=en").get_data(as_text=True)
    assert "New round" in page and "Cases registered" in page


# --------------------------------------------------------------------------- a new round


def test_new_round_is_made_as_the_command_line_makes_it(client, root):
    form = replace(new_form(client), name="KVP 2027", county="Fiktivfylke", folder="fiktivfylke/2027",
                   **{"office-0-name": "NAV Fjellby", "office-0-id": ""})
    answer = client.post("/ny-runde", data=form)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/runde/fiktivfylke/2027/"
    made = root / "fiktivfylke" / "2027"
    assert tree(made) == ["nav-fjellby", "nav-fjellby/kontor.yaml", "nav-fjellby/rapport.yaml", "runde.yaml"]
    from kvp_audit.load import load_round_file

    rnd, problems = load_round_file(made / "runde.yaml")
    assert problems == []
    assert (rnd.id, rnd.name, rnd.county, str(rnd.period.start), str(rnd.period.end)) == \
        ("fiktivfylke-2027", "KVP 2027", "Fiktivfylke", "2027-01-01", "2027-12-31")
    assert [(o.id, o.name) for o in rnd.offices] == [("nav-fjellby", "NAV Fjellby")]
    assert str(rnd.checklists.case) == "kvp-sak@2026.2"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Runden «KVP 2027» er laget i fiktivfylke/2027, med 1 kontor." in page
    assert "NAV Fjellby" in page


def test_add_office_posts_back_a_row_and_writes_nothing(client, root):
    before = tree(root)
    answer = client.post("/ny-runde", data=replace(new_form(client), action="add-office",
                                                    **{"office-0-name": "NAV Fjellby"}))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "En tom rad for et nytt kontor er lagt til. Ingenting er laget ennå." in page
    assert 'id="f-office-1-name"' in page and 'value="NAV Fjellby"' in page
    assert tree(root) == before


def test_new_round_from_the_previous_round_carries_its_open_findings(client, root):
    from kvp_audit.rounds import create_round

    form = replace(new_form(client), folder="fiktivfylke/2028", **{"from": "fiktivfylke/2026"})
    answer = client.post("/ny-runde", data=form)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:3000]
    cli = create_round(root.parent / "cli" / "2028", from_round=root / "fiktivfylke" / "2026")
    made = (root / "fiktivfylke" / "2028" / "runde.yaml").read_text(encoding="utf-8")
    expected = (root.parent / "cli" / "2028" / "runde.yaml").read_text(encoding="utf-8")
    assert made.replace('previous: "../2026"', "") == expected.replace(
        'previous: "../../arbeid/fiktivfylke/2026"', "")
    assert 'previous: "../2026"' in made
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "{n} funn fra Kvalitetsinnsyn KVP 2026 er ikke lukket og er ført videre.".format(
        n=cli.carried_count) in page


@pytest.mark.parametrize("folder, message", [
    ("../utenfor", "«..», «.» og tomme mappenavn er ikke lov: runden lages inne i arbeid."),
    ("fiktivfylke/../../utenfor", "«..», «.» og tomme mappenavn er ikke lov: runden lages inne i arbeid."),
    ("/tmp/runde", "Skriv en mappe inne i arbeid, ikke en absolutt sti."),
    ("C:/runder/2027", "Skriv en mappe inne i arbeid, ikke en absolutt sti."),
    ("fylke\\2027", "«fylke\\2027» har tegn som ikke kan stå i et mappenavn på Windows: < > : \" / \\ | ? *"),
    ("runde?", "«runde?» har tegn som ikke kan stå i et mappenavn på Windows: < > : \" / \\ | ? *"),
    ("2027.", "«2027.» slutter med punktum eller mellomrom; det kan ikke et mappenavn på Windows."),
    ("fylke/CON", "«CON» er et reservert navn på Windows (CON, PRN, AUX, NUL, COM1–9, LPT1–9); velg et annet."),
    ("lpt1.txt", "«lpt1.txt» er et reservert navn på Windows (CON, PRN, AUX, NUL, COM1–9, LPT1–9); velg et annet."),
    (".skjult", "«.skjult»: mapper som begynner med . eller _, og mappen reports, leses ikke som runder; "
                "velg et annet navn."),
    ("fiktivfylke/2026", "Mappen fiktivfylke/2026 finnes allerede; nye runder lages i en ny mappe."),
    ("fiktivfylke/2026/under", "Mappen ligger inne i runden fiktivfylke/2026; lag den nye runden ved siden av, "
                               "ikke inni."),
    ("", "Skriv mappen runden skal lages i, for eksempel fiktivfylke/2027."),
])
def test_a_folder_outside_or_invalid_is_refused_at_the_field(client, root, folder, message):
    before = tree(root.parent)
    form = replace(new_form(client), name="KVP 2027", county="Fiktivfylke", folder=folder,
                   **{"office-0-name": "NAV Fjellby"})
    answer = client.post("/ny-runde", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert summary_of(page) == [("#f-folder", f"Mappe: {message}")]
    assert 'id="f-folder"' in page and 'aria-invalid="true"' in page
    assert tree(root.parent) == before


def test_errors_are_shown_at_each_field_and_nothing_is_written(client, root):
    before = tree(root.parent)
    form = replace(new_form(client), folder="fiktivfylke/2027", **{
        "period-start": "2027-13-01", "period-end": "",
        "office-0-name": "", "office-0-id": "Nav Fjellby",
        "checklist-case": "kvp-kontor@2026.1"})
    page = client.post("/ny-runde", data=form).get_data(as_text=True)
    assert summary_of(page) == [
        ("#f-name", "Rundens navn: Skriv rundens navn, for eksempel Kvalitetsinnsyn KVP 2027."),
        ("#f-county", "Fylke: Skriv fylket runden gjelder."),
        ("#f-period-start", "Perioden begynner: «2027-13-01» er ikke en dato; skriv ÅÅÅÅ-MM-DD, for eksempel 2027-01-01."),
        ("#f-office-0-name", "Kontor 1, navn: Skriv kontorets navn, for eksempel NAV Fjellby."),
        ("#f-office-0-id", "Kontor 1, id: Id-en er kontorets mappenavn: små bokstaver (a–z), tall og bindestrek, "
                           "for eksempel nav-fjellby."),
        ("#f-checklist-case", "Sjekkliste for saker: Velg en av sjekklistene i listen."),
    ]
    assert tree(root.parent) == before


def test_a_period_that_ends_before_it_begins_is_refused(client, root):
    form = replace(new_form(client), name="KVP 2027", county="Fiktivfylke", folder="fiktivfylke/2027",
                   **{"period-start": "2027-06-01", "period-end": "2027-01-01", "office-0-name": "NAV Fjellby"})
    answer = client.post("/ny-runde", data=form)
    assert answer.status_code == 422
    assert summary_of(answer.get_data(as_text=True)) == [
        ("#f-period-end", "Perioden slutter: perioden slutter (2027-01-01) før den begynner (2027-06-01); "
                          "rett --start eller --end")]
    assert not (root / "fiktivfylke" / "2027").exists()


def test_an_identity_number_is_refused_and_never_echoed(client, root):
    number = fictional_fnr()
    form = replace(new_form(client), name=f"KVP {number}", county="Fiktivfylke", folder="fiktivfylke/2027",
                   **{"office-0-name": "NAV Fjellby"})
    answer = client.post("/ny-runde", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert number not in page
    assert "Ikke laget: teksten ser ut som et fødselsnummer eller D-nummer" in page
    assert summary_of(page)[0][0] == "#f-name"
    assert not (root / "fiktivfylke" / "2027").exists()


def test_a_previous_round_not_in_the_list_is_refused(client, root):
    form = replace(new_form(client), folder="fiktivfylke/2028", **{"from": "../arbeid/fiktivfylke/2026"})
    answer = client.post("/ny-runde", data=form)
    assert answer.status_code == 422
    assert ("#f-from", "Fra forrige runde: Velg en av rundene i listen.") in summary_of(answer.get_data(as_text=True))


def test_the_form_needs_a_csrf_token(client, root):
    form = replace(new_form(client), name="KVP 2027", county="F", folder="f/2027", **{"office-0-name": "NAV A"})
    form.pop("csrf_token")
    assert client.post("/ny-runde", data=form).status_code == 400
    assert not (root / "f").exists()


def test_urls_never_leave_the_folder(client, root, tmp_path):
    (tmp_path / "utenfor").mkdir()
    shutil.copytree(EXAMPLES / "2024", tmp_path / "utenfor" / "2024")
    for url in ("/runde/../utenfor/2024/", "/runde/%2e%2e/utenfor/2024/", "/runde/fiktivfylke/../../utenfor/2024/",
                "/runde/..%2futenfor/2024/"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert "Kvalitetsinnsyn KVP 2024" not in answer.get_data(as_text=True)


# --------------------------------------------------------------------------- in a browser


@pytest.fixture
def served(root):
    from kvp_audit.web.server import make_server, url_of

    srv = make_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield url_of(srv, "127.0.0.1").rstrip("/")
    srv.shutdown()
    srv.server_close()


def test_start_page_new_round_and_round_file_form_are_accessible(browser, served):
    context = browser.new_context(locale="nb-NO", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(served + "/")
        assert axe_violations(page) == []
        page.goto(served + "/ny-runde")
        page.fill("#f-folder", "../utenfor")
        page.keyboard.press("Enter")
        page.wait_for_selector("#error-summary")
        assert "«..», «.» og tomme mappenavn er ikke lov" in page.inner_text("#error-summary")
        assert axe_violations(page) == []
        page.goto(served + "/runde/fiktivfylke/2026/runden")
        assert page.input_value("#f-office-0-name") == "NAV Fjellby"
        assert axe_violations(page) == []
    finally:
        context.close()


def test_forms_of_a_round_post_back_under_the_rounds_prefix(client, root):
    """A case form under /runde/<path>/ posts to, and returns to, its own prefixed address."""
    base = "/runde/fiktivfylke/2026"
    url = base + "/kontor/nav-bergtun/sak/K-3RRV79"
    page = client.get(url).get_data(as_text=True)
    assert f'<form method="post" action="{url}"' in page
    answer = client.post(url, data=form_of(page))
    assert answer.status_code == 303
    assert answer.headers["Location"] == url + "?lagret=1"


def test_the_new_pages_are_valid_html(client, tmp_path):
    """The start page, the new-round form with errors and the round-file form, by the Nu HTML Checker."""
    import json
    import subprocess

    from test_report_a11y import VNU_JAR

    java = shutil.which("java")
    if not java or not VNU_JAR.is_file():
        pytest.skip("vnu.jar or java not found (see tests/test_report_a11y.py)")
    form = replace(new_form(client), folder="../utenfor", **{"period-start": "2027-13-01"})
    pages = {"start": client.get("/").get_data(as_text=True),
             "ny-runde": client.get("/ny-runde").get_data(as_text=True),
             "ny-runde-feil": client.post("/ny-runde", data=form).get_data(as_text=True),
             "runden": client.get("/runde/fiktivfylke/2026/runden").get_data(as_text=True)}
    rf = form_of(pages["runden"])
    pages["runden-feil"] = client.post("/runde/fiktivfylke/2026/runden",
                                       data=replace(rf, name="", **{"period-end": "x"})).get_data(as_text=True)
    assert 'class="error-summary"' in pages["ny-runde-feil"] and 'class="error-summary"' in pages["runden-feil"]
    files = []
    for name, text in pages.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(text, encoding="utf-8")
    proc = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    assert [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
            if m["type"] in ("error", "non-document-error") or m.get("subType") == "warning"] == []
