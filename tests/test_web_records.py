"""The plan for retting (plan.yaml) and the sample draw (utvalg.yaml) as forms in `kvp-audit serve`,
through Flask's test client: saving a plan that `kvp-audit validate` reads, with comments kept;
refusals (a finding id that is not the office's, identity numbers, conflicts); warnings at the
field (a name as responsible, a due date before the report); drawing as `kvp-audit sample`
draws, redrawing, verifying and registering the case for a drawn position."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("flask")
pytest.importorskip("ruamel.yaml")

from test_web import fictional_fnr, form_of, replace  # noqa: E402

from kvp_audit.web.app import create_app  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
FJELLBY = "nav-fjellby"
IN05 = "fiktivfylke-2026/nav-fjellby/IN-05"     # in the plan: lukket, with evidence
IN07 = "fiktivfylke-2026/nav-fjellby/IN-07"     # a finding without an item in the plan
LIA = "nav-lia"                                  # no utvalg.yaml, no plan.yaml


@pytest.fixture
def client(round_dir, tmp_path):
    app = create_app(round_dir, reports_dir=tmp_path / "reports", report_formats=("html",))
    app.config["TESTING"] = True
    return app.test_client()


def p(fid: str, part: str) -> str:
    return f"plan.{fid}.{part}"


def plan_page(client, office=FJELLBY):
    page = client.get(f"/kontor/{office}/plan")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    text = page.get_data(as_text=True)
    return text, form_of(text)


def load_plan(path: Path):
    from kvp_audit.load import load_record

    plan, problems = load_record(path)
    assert plan is not None, problems
    return plan


def validate_errors(round_dir: Path) -> list:
    from kvp_audit.load import validate_round

    return [p for p in validate_round(round_dir, workers=1) if p.is_error]


# --------------------------------------------------------------------------- the plan


def test_plan_form_has_a_group_per_finding_with_anchors_for_the_overview(client):
    page, form = plan_page(client)
    assert "<h1>Plan for retting" in page
    # the office's findings, carried ones too, as `kvp-audit followup` lists them; every plan item is one of them
    assert page.count('class="criterion finding"') == 28
    assert "Tiltak for funn kontoret ikke har" not in page
    for part in ("measure", "responsible", "due", "status", "evidence", "checked"):
        assert f'id="f-{IN05}-{part}"' in page
    assert f'id="f-{IN05}-measure" name="{p(IN05, "measure")}"' in page
    assert "Programmet planlegges for hele året, også feriene, med evalueringstidspunkter i planen." in page
    assert 'id="f-received"' in page and 'value="2026-03-27"' in page
    assert "Rapportdatoen er 2026-03-06; fristene for tiltakene kommer etter den." in page


def test_saving_a_plan_writes_plan_yaml_keeps_comments_and_validates(client, round_dir):
    path = round_dir / FJELLBY / "plan.yaml"
    _page, form = plan_page(client)
    response = client.post(f"/kontor/{FJELLBY}/plan", data=replace(
        form, **{p(IN07, "measure"): "Vedtakene sendes innen fristen.", p(IN07, "responsible"): "NAV-leder",
                 p(IN07, "due"): "2026-06-01", p(IN05, "responsible"): "fagleder"}))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    assert response.headers["Location"].endswith(f"/kontor/{FJELLBY}/plan?lagret=1")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Fiktive eksempeldata: ingen virkelige personer, saker eller kontorer.\n"
                           "# Kontorets plan for retting, mottatt etter endelig rapport.\n")
    plan = load_plan(path)
    assert plan.items[IN07].measure == "Vedtakene sendes innen fristen."
    assert plan.items[IN07].responsible == "NAV-leder"
    assert plan.items[IN07].due.isoformat() == "2026-06-01"
    assert "status" not in text.split(IN07)[1].split('"fiktivfylke')[0]   # «åpen» is the default: not added
    assert plan.items[IN05].responsible == "fagleder" and plan.items[IN05].status == "lukket"
    assert validate_errors(round_dir) == []
    assert "Lagret." in client.get(response.headers["Location"]).get_data(as_text=True)
    # an unchanged form writes nothing
    before = path.read_bytes()
    _page, form = plan_page(client)
    assert client.post(f"/kontor/{FJELLBY}/plan", data=form).status_code == 303
    assert path.read_bytes() == before


def test_a_new_plan_is_made_with_only_the_filled_in_findings(client, round_dir):
    path = round_dir / LIA / "plan.yaml"
    page, form = plan_page(client, LIA)
    assert "Kontoret har ingen plan ennå." in page
    fid = re.search(r'name="plan\.([^"]+)\.measure"', page).group(1)
    response = client.post(f"/kontor/{LIA}/plan", data=replace(
        form, received="2026-04-02", **{p(fid, "measure"): "Ny rutine.", p(fid, "status"): "delvis"}))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    plan = load_plan(path)
    assert list(plan.items) == [fid]
    assert plan.items[fid].status == "delvis" and plan.received.isoformat() == "2026-04-02"


def test_a_posted_finding_that_is_not_the_offices_is_refused(client, round_dir):
    path = round_dir / FJELLBY / "plan.yaml"
    before = path.read_bytes()
    _page, form = plan_page(client)
    response = client.post(f"/kontor/{FJELLBY}/plan", data=replace(
        form, **{p("fiktivfylke-2026/nav-lia/IN-05", "measure"): "Noe."}))
    assert response.status_code == 400
    assert "skjemaet nevner et funn som ikke er blant kontorets funn; last siden på nytt" in response.get_data(as_text=True)
    assert path.read_bytes() == before


def test_an_item_in_the_file_for_an_unknown_finding_is_an_error_until_removed(client, round_dir):
    path = round_dir / FJELLBY / "plan.yaml"
    path.write_text(path.read_text(encoding="utf-8") + '  "fiktivfylke-2026/nav-fjellby/XX-01":\n    measure: "Noe."\n',
                    encoding="utf-8")
    page, form = plan_page(client)
    assert "Tiltak for funn kontoret ikke har" in page
    assert "planen har et punkt for &#39;fiktivfylke-2026/nav-fjellby/XX-01&#39;, som ikke er et avvik" in page
    response = client.post(f"/kontor/{FJELLBY}/plan", data=form)
    assert response.status_code == 422
    assert "Rett dette før skjemaet kan lagres" in response.get_data(as_text=True)
    response = client.post(f"/kontor/{FJELLBY}/plan",
                           data=replace(form, **{p("fiktivfylke-2026/nav-fjellby/XX-01", "remove"): "1"}))
    assert response.status_code == 303
    assert "XX-01" not in path.read_text(encoding="utf-8")
    assert validate_errors(round_dir) == []


def test_a_name_as_responsible_and_an_early_due_date_are_warnings_at_the_field(client, round_dir):
    _page, form = plan_page(client)
    response = client.post(f"/kontor/{FJELLBY}/plan", data=replace(
        form, **{p(IN07, "measure"): "Rutine.", p(IN07, "responsible"): "Kari Nordmann", p(IN07, "due"): "2026-01-05"}))
    assert response.status_code == 303   # warnings, as validate gives them: saved
    page = client.get(f"/kontor/{FJELLBY}/plan").get_data(as_text=True)
    field = page[page.index(f'id="f-{IN07}-responsible"'):]
    field = field[:field.index("</div>")]
    assert ("Advarsel: teksten ser ut til å inneholde et navn (Kari N.); rapportene blir offentlige "
            "(Gjør slik: skriv en rolle (for eksempel «NAV-leder») eller initialer (for eksempel «KB»), aldri et navn)") in field
    due = page[page.index(f'id="f-{IN07}-due"'):]
    due = due[:due.index("</div>")]
    assert "Advarsel: fristen 2026-01-05 er før rapportdatoen 2026-03-06" in due


def test_an_identity_number_is_refused_and_never_echoed(client, round_dir):
    path = round_dir / FJELLBY / "plan.yaml"
    before = path.read_bytes()
    number = fictional_fnr()
    _page, form = plan_page(client)
    response = client.post(f"/kontor/{FJELLBY}/plan", data=replace(form, **{p(IN07, "measure"): f"Gjelder {number}."}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Ikke lagret: teksten ser ut som et fødselsnummer eller D-nummer" in page
    assert number not in page
    assert path.read_bytes() == before


def test_a_plan_changed_on_disk_gives_the_conflict_page(client, round_dir):
    path = round_dir / FJELLBY / "plan.yaml"
    _page, form = plan_page(client)
    path.write_text(path.read_text(encoding="utf-8").replace("received: 2026-03-27", "received: 2026-03-28"),
                    encoding="utf-8")
    changed = path.read_bytes()
    response = client.post(f"/kontor/{FJELLBY}/plan", data=replace(form, **{p(IN07, "measure"): "Ny rutine."}))
    assert response.status_code == 409
    assert "Filen er endret siden du åpnet skjemaet" in response.get_data(as_text=True)
    assert path.read_bytes() == changed


def test_a_post_without_csrf_is_refused(client, round_dir):
    _page, form = plan_page(client)
    form.pop("csrf_token")
    assert client.post(f"/kontor/{FJELLBY}/plan", data=form).status_code == 400


# --------------------------------------------------------------------------- the sample


def draw_form(client, office=LIA) -> dict:
    page = client.get(f"/kontor/{office}/utvalg").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return {"csrf_token": token}


def test_a_draw_writes_utvalg_yaml_as_the_command_line_does(client, round_dir, tmp_path):
    from click.testing import CliRunner

    from kvp_audit.cli import main

    other = tmp_path / "cli"   # the same draw by the command line, in a copy of the round
    shutil.copytree(round_dir.parent, other)
    data = {**draw_form(client), "stratum.0.population": "40", "stratum.0.draw": "5", "reviewer": "EL",
            "date": "2026-02-01", "seed": "abc123"}
    response = client.post(f"/kontor/{LIA}/utvalg", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    web = (round_dir / LIA / "utvalg.yaml").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["sample", str(other / "2026"), LIA, "--population", "40", "--draw", "5",
                                       "--seed", "abc123", "--reviewer", "EL", "--date", "2026-02-01"])
    assert result.exit_code == 0, result.output
    assert (other / "2026" / LIA / "utvalg.yaml").read_text(encoding="utf-8") == web
    assert 'seed: "abc123"' in web
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Trekningen er skrevet i utvalg.yaml." in page
    assert "Trekning 1, 2026-02-01, trukket av EL med frøet abc123 (kvp-sha256-1)." in page
    positions = re.search(r"positions: \[([\d, ]+)\]", web).group(1).split(", ")
    for position in positions:
        assert f"Registrer sak for posisjon {position}</button>" in page
    office = client.get(f"/kontor/{LIA}/").get_data(as_text=True)
    assert "Utvalg: 5 trukket av 40, 0 registrert" in office


def test_bad_input_gets_the_command_lines_message_at_the_field(client, round_dir):
    data = {**draw_form(client), "stratum.0.population": "3", "stratum.0.draw": "5", "reviewer": "Kari"}
    response = client.post(f"/kontor/{LIA}/utvalg", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert ('<p class="field-error" id="e-f-stratum-0-draw"><span>Feil: --draw 5 er flere enn populasjonen 3: '
            '5 forskjellige plasser kan ikke trekkes av 3</span></p>') in page
    assert ("Feil: &#39;Kari&#39; er ikke initialer: bruk 2-4 store bokstaver, for eksempel &#39;KB&#39;, "
            "aldri navn") in page
    assert not (round_dir / LIA / "utvalg.yaml").exists()
    data = {**draw_form(client), "stratum.0.name": "pågående", "stratum.0.population": "12", "stratum.0.draw": "1",
            "stratum.1.population": "8", "stratum.1.draw": "1", "reviewer": "EL", "seed": "a b"}
    page = client.post(f"/kontor/{LIA}/utvalg", data=data).get_data(as_text=True)
    assert ('id="e-f-stratum-1-name"><span>Feil: --population blander et tall uten gruppe med grupper; gi enten '
            'ett tall, eller GRUPPE=TALL for hver gruppe</span>') in page
    assert "Feil: --seed &#39;a b&#39;: bruk 1-64 bokstaver" in page
    # a row left empty between two: the message stays at the row it is about
    data = {**draw_form(client), "stratum.0.population": "12", "stratum.0.draw": "1",
            "stratum.2.population": "x", "stratum.2.draw": "1", "reviewer": "EL"}
    page = client.post(f"/kontor/{LIA}/utvalg", data=data).get_data(as_text=True)
    assert 'id="f-stratum-2-population" name="stratum.2.population" value="x"' in page
    assert ('id="e-f-stratum-2-population"><span>Feil: --population x: skriv et helt tall, for eksempel '
            '--population 12, eller GRUPPE=TALL for hver gruppe, for eksempel --population pågående=12</span>') in page
    assert not (round_dir / LIA / "utvalg.yaml").exists()


def test_a_second_draw_needs_trekk_paa_nytt_and_verify_recomputes(client, round_dir):
    path = round_dir / "nav-strandvik" / "utvalg.yaml"
    before = path.read_bytes()
    data = {**draw_form(client, "nav-strandvik"), "stratum.0.population": "20", "stratum.0.draw": "3",
            "reviewer": "EL"}
    response = client.post("/kontor/nav-strandvik/utvalg", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Feil: NAV Strandvik har allerede en trekning (2026-02-04: plass 7, 11 og 16 av 20)" in page
    assert path.read_bytes() == before
    response = client.post("/kontor/nav-strandvik/utvalg", data={**data, "redraw": "1", "seed": "ny1"})
    assert response.status_code == 303
    from kvp_audit.sample import read_record

    record = read_record(path, round_dir)
    assert len(record.draws) == 2 and record.draws[-1].seed == "ny1"
    page = client.get("/kontor/nav-strandvik/utvalg?kontroller=1").get_data(as_text=True)
    assert "Alle trekningene stemmer med frøet." in page
    assert "Trekning 1 (2026-02-04, EL, frø 5b1e0c9a4d3f2e71): stemmer" in page
    assert "Trekning 2 gjelder." in page
    # a record edited by hand does not recompute
    path.write_text(path.read_text(encoding="utf-8").replace("positions: [16, 11, 7]", "positions: [16, 11, 8]"),
                    encoding="utf-8")
    page = client.get("/kontor/nav-strandvik/utvalg?kontroller=1").get_data(as_text=True)
    assert "Kontrollen fant feil" in page
    assert "utvalg.yaml har 16, 11, 8, algoritmen gir 16, 11, 7" in page


def test_the_drawn_positions_show_their_cases_and_a_case_is_registered_for_one(client, round_dir):
    page = client.get("/kontor/nav-strandvik/utvalg").get_data(as_text=True)
    used = re.findall(r'<th scope="row">(\d+)</th>\s*<td><a href="/kontor/nav-strandvik/sak/(K-\w+)">', page)
    assert sorted(int(position) for position, _key in used) == [7, 11, 16]   # each drawn position has its case
    data = {**draw_form(client), "stratum.0.name": "pågående", "stratum.0.population": "12", "stratum.0.draw": "2",
            "stratum.1.name": "avsluttet", "stratum.1.population": "8", "stratum.1.draw": "1", "reviewer": "EL",
            "seed": "s1"}
    assert client.post(f"/kontor/{LIA}/utvalg", data=data).status_code == 303
    from kvp_audit.sample import draw_positions

    position = draw_positions("s1", LIA, "avsluttet", 8, 1)[0]
    page = client.get(f"/kontor/{LIA}/utvalg").get_data(as_text=True)
    assert f"Registrer sak for posisjon {position} (avsluttet)</button>" in page
    token = data["csrf_token"]
    register = {"csrf_token": token, "register": f"avsluttet:{position}", "reviewers": "EL"}
    response = client.post(f"/kontor/{LIA}/utvalg", data=register)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    key = response.headers["Location"].rsplit("/", 1)[1]
    text = (round_dir / LIA / f"{key}.yaml").read_text(encoding="utf-8")
    assert "selection: tilfeldig" in text and f"position: {position}" in text and "stratum: \"avsluttet\"" in text
    page = client.get(f"/kontor/{LIA}/utvalg").get_data(as_text=True)
    assert f'<a href="/kontor/{LIA}/sak/{key}">{key}</a>' in page
    assert "Utvalg: 3 trukket av 20, 1 registrert" in client.get(f"/kontor/{LIA}/").get_data(as_text=True)
    # a position already used, or not drawn, is refused with the command line's message and nothing is made
    files = sorted((round_dir / LIA).iterdir())
    response = client.post(f"/kontor/{LIA}/utvalg", data=register)
    assert response.status_code == 422
    assert f"plass {position} er allerede brukt av" in response.get_data(as_text=True)
    other = next(p for p in range(1, 9) if p != position)
    response = client.post(f"/kontor/{LIA}/utvalg", data={**register, "register": f"avsluttet:{other}"})
    assert (f"plass {other} er ikke trukket for {LIA} (avsluttet); trukket er plass {position} av 8"
            in response.get_data(as_text=True))
    response = client.post(f"/kontor/{LIA}/utvalg", data={**register, "reviewers": ""})
    assert "Skriv revisorenes initialer (2–4 store bokstaver, for eksempel KB), aldri navn. Ingen sak er laget." \
        in response.get_data(as_text=True)
    assert sorted((round_dir / LIA).iterdir()) == files


def test_office_page_links_to_the_plan_and_the_sample(client):
    page = client.get(f"/kontor/{FJELLBY}/").get_data(as_text=True)
    assert "Plan: 9 av 28 funn har tiltak" in page
    assert f'<a href="/kontor/{FJELLBY}/plan">Åpne planen for retting</a>' in page
    assert f'<a href="/kontor/{FJELLBY}/utvalg">Åpne utvalget</a>' in page
    assert "Utvalg: ikke trukket ennå" in page


# --------------------------------------------------------------------------- rapport.yaml's newer parts


def test_report_form_saves_draft_review_and_followup_report_and_shows_the_course(client, round_dir):
    from kvp_audit.load import load_report

    path = round_dir / FJELLBY / "rapport.yaml"
    page = client.get(f"/kontor/{FJELLBY}/rapporttekst").get_data(as_text=True)
    course = page[page.index('id="s-course"'):page.index('id="s-draft"')]
    assert "<tr><th scope=\"row\">utkast sendt</th><td>2026-02-20</td></tr>" in course
    assert f'<a href="/kontor/{FJELLBY}/#h-course">Registrer et steg på kontorets side</a>' in course
    assert "<input" not in course and "<textarea" not in course    # read-only: the step form records them
    form = form_of(page)
    assert form["followup_report.status"] == "endelig"
    assert form["followup_report.date"] == "2026-02-18"
    response = client.post(f"/kontor/{FJELLBY}/rapporttekst", data=replace(form, **{
        "draft_review.comments": "Kontoret mente at IP-01 var rettet.",
        "draft_review.changes.0.criterion": "IP-01", "draft_review.changes.0.reason": "Ny dokumentasjon viste det.",
        "followup_report.status": "utkast", "followup_team.0.name": "Kari Berg",
        "followup_team.0.title": "seniorrådgiver", "followup_report.text.conclusion": "Avvikene står ved lag."}))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    text = path.read_text(encoding="utf-8")
    assert "# Oppfølgingsrapporten etter oppfølgingsverkstedet (fiktiv tekst).\nfollowup_report:" in text
    report, problems = load_report(path, ["brukermedvirkning"])
    assert report is not None, problems
    assert report.draft_review.comments == "Kontoret mente at IP-01 var rettet."
    assert report.draft_review.changes == {"IP-01": "Ny dokumentasjon viste det."}
    assert report.followup_report.status.value == "utkast"
    assert [(p.name, p.title) for p in report.followup_report.team] == [("Kari Berg", "seniorrådgiver")]
    assert report.followup_report.text.conclusion == "Avvikene står ved lag."
    assert report.followup_report.text.summary.startswith("Vi holdt oppfølgingsverksted med NAV Fjellby")
    assert report.course.draft_sent.isoformat() == "2026-02-20"       # untouched
    page = client.get(f"/kontor/{FJELLBY}/rapporttekst").get_data(as_text=True)
    assert "Kontoret mente at IP-01 var rettet.</textarea>" in page
    assert 'name="draft_review.changes.0.criterion" value="IP-01"' in page
    assert 'name="draft_review.changes.1.criterion" value=""' in page     # one empty row to add another
    # "Ingen oppfølgingsrapport" with the rest emptied takes the part out
    form = form_of(page)
    for name in list(form):
        if name.startswith(("followup_report.", "followup_team.")):
            form[name] = ""
    assert client.post(f"/kontor/{FJELLBY}/rapporttekst", data=form).status_code == 303
    assert "followup_report" not in path.read_text(encoding="utf-8")


def test_report_form_shows_a_followup_report_without_status_at_its_field(client, round_dir):
    form = form_of(client.get(f"/kontor/{FJELLBY}/rapporttekst").get_data(as_text=True))
    response = client.post(f"/kontor/{FJELLBY}/rapporttekst", data=replace(form, **{"followup_report.status": ""}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert ('data-error-for="followup_report.status"><span>Feil: mangler feltet &#39;status&#39; '
            '(Gjør slik: legg til &#39;status:&#39; med en verdi)</span>') in page
    assert '<a href="#f-followup_report.status-0">Oppfølgingsrapportens status: ' in page


# --------------------------------------------------------------------------- in a browser: axe and vnu


def _record_pages(client, round_dir) -> dict[str, str]:
    """The plan and sample pages, as shown and with their refusals, for the HTML checker."""
    pages = {"plan": client.get(f"/kontor/{FJELLBY}/plan").get_data(as_text=True),
             "sample": client.get("/kontor/nav-strandvik/utvalg?kontroller=1").get_data(as_text=True)}
    path = round_dir / FJELLBY / "plan.yaml"
    path.write_text(path.read_text(encoding="utf-8") + '  "fiktivfylke-2026/nav-fjellby/XX-01":\n    measure: "Noe."\n',
                    encoding="utf-8")
    _page, form = plan_page(client)
    pages["plan-errors"] = client.post(f"/kontor/{FJELLBY}/plan", data=replace(
        form, **{p(IN07, "responsible"): "Kari Nordmann", p(IN07, "measure"): "Rutine."})).get_data(as_text=True)
    assert "Rett dette før skjemaet kan lagres" in pages["plan-errors"]
    pages["report-text"] = client.get(f"/kontor/{FJELLBY}/rapporttekst").get_data(as_text=True)
    pages["sample-errors"] = client.post(f"/kontor/{LIA}/utvalg", data={
        **draw_form(client), "stratum.0.population": "3", "stratum.0.draw": "5"}).get_data(as_text=True)
    return pages


def test_plan_and_sample_pages_are_valid_html(client, round_dir, tmp_path):
    import json
    import subprocess

    from test_report_a11y import VNU_JAR

    java = shutil.which("java")
    if not java or not VNU_JAR.is_file():
        pytest.skip("vnu.jar or java not found (see tests/test_report_a11y.py)")
    files = []
    for name, html in _record_pages(client, round_dir).items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(html, encoding="utf-8")
    proc = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    assert [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
            if m["type"] in ("error", "non-document-error") or m.get("subType") == "warning"] == []


def test_axe_finds_no_violations_on_the_plan_sample_and_report_forms(round_dir, tmp_path):
    import threading

    from test_web_browser import ARGS, CHROMIUM, axe_violations

    from kvp_audit.web.server import make_server, url_of

    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    srv = make_server(round_dir, "127.0.0.1", 0, reports_dir=tmp_path / "reports")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    base = url_of(srv, "127.0.0.1").rstrip("/")
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_context(locale="nb-NO", bypass_csp=True).new_page()
            page.set_default_timeout(20_000)
            found = {}
            page.goto(f"{base}/kontor/{FJELLBY}/plan")
            found["plan"] = axe_violations(page)
            page.goto(f"{base}/kontor/{FJELLBY}/plan")
            page.locator(f"input[name='{p(IN07, 'responsible')}']").fill("Kari Nordmann")
            page.locator(f"textarea[name='{p(IN07, 'measure')}']").fill("Ny rutine.")
            page.locator(f"input[name='{p(IN07, 'due')}']").fill("2026-01-05")
            page.locator("form.plan button[type=submit]").click()
            page.wait_for_selector("text=Lagret.")
            found["plan-warnings"] = axe_violations(page)
            page.goto(f"{base}/kontor/{LIA}/utvalg")
            found["sample-empty"] = axe_violations(page)
            page.locator("#f-stratum-0-population").fill("3")
            page.locator("#f-stratum-0-draw").fill("5")
            page.locator("#f-reviewer").fill("EL")
            page.get_by_role("button", name="Trekk", exact=True).click()
            page.wait_for_selector("#error-summary")
            found["sample-errors"] = axe_violations(page)
            page.locator("#f-stratum-0-draw").fill("2")
            page.get_by_role("button", name="Trekk", exact=True).click()
            page.wait_for_selector("text=Trekningen er skrevet i utvalg.yaml.")
            page.goto(f"{base}/kontor/{LIA}/utvalg?kontroller=1")
            found["sample-drawn"] = axe_violations(page)
            page.goto(f"{base}/kontor/{FJELLBY}/rapporttekst")   # with its draft_review and followup_report parts
            found["report-text"] = axe_violations(page)
            browser.close()
    finally:
        srv.shutdown()
        srv.server_close()
    assert found == {name: [] for name in found}


def test_under_serve_folder_the_forms_post_to_the_rounds_own_address(tmp_path):
    from werkzeug.test import Client

    from kvp_audit.web.workspace import Workspace

    shutil.copytree(EXAMPLES, tmp_path / "ws" / "fiktivfylke")
    client = Client(Workspace(tmp_path / "ws"))
    base = "/runde/fiktivfylke/2026/kontor"
    page = client.get(f"{base}/{FJELLBY}/plan").get_data(as_text=True)
    assert f'<form method="post" action="{base}/{FJELLBY}/plan"' in page
    response = client.post(f"{base}/{FJELLBY}/plan", data=replace(form_of(page), **{p(IN07, "measure"): "Rutine."}))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{base}/{FJELLBY}/plan?lagret=1")
    page = client.get(f"{base}/{LIA}/utvalg").get_data(as_text=True)
    assert f'<form method="post" action="{base}/{LIA}/utvalg" class="review">' in page
