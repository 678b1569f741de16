"""The office's plan for retting (plan.yaml), hints for the words users type, and closure
that needs evidence: checked on a round worked by hand.

NAV A has two cases (report date 2026-02-01, the last case date; no rapport.yaml):

    V-01 (krav):        ja, nei   -> avvik   test-2026/nav-a/V-01
    V-02 (anbefaling):  nei, ja   -> merknad test-2026/nav-a/V-02
    A-02 (krav, barn):  delvis    -> avvik   test-2026/nav-a/A-02
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from figurerule import contradictions
from kvp_audit.cli import main

ROUND = """\
id: test-2026
name: Testrunde 2026
county: Fiktivfylke
period: {start: 2026-01-01, end: 2026-06-30}
checklists:
  case: mini-sak@1.0
  followup: kvp-oppfolging@2026.1
offices:
  - id: nav-a
    name: NAV A
  - id: nav-b
    name: NAV B
"""

PLAN = """\
received: 2026-03-01
items:
  test-2026/nav-a/V-01:
    measure: "Vedtak fattes **alltid** skriftlig."
    responsible: NAV-leder
    due: 2026-05-01
    status: lukket
    evidence: "Ny rutine og tre vedtak."
    checked: 2026-05-10
  test-2026/nav-a/A-02:
    measure: Barnas behov vurderes i hver sak.
    responsible: KB
    due: 2026-06-01
"""

FOLLOWUP = """\
office: nav-a
reviewers: [KB]
date: 2026-09-01
answers: {}
findings:
  test-2026/nav-a/V-01:
    status: lukket
    action: Vedtak fattes nå skriftlig.
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def plan_round(round_builder):
    b = round_builder
    b.write("runde.yaml", ROUND)
    # every applicable criterion answered (A-03, the hours, too), so validate has only the plan to speak of
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja", "V-02": "nei", "A-02": "delvis", "A-03": 37.5}, har_barn=True)
    b.case("nav-a", "K-AAAAA2", {"V-01": "nei", "V-02": "ja", "A-01": "ja", "A-03": 37.5}, status="avsluttet")
    b.case("nav-b", "K-BBBBB1", {"V-01": "ja", "V-02": "ja", "A-03": 30})
    return b


def problems(result) -> list[str]:
    """The problem lines of `validate` (each with its hint on the next line, joined by ' | ')."""
    lines = result.output.splitlines()
    out = []
    for line, after in zip(lines, lines[1:] + [""]):
        if re.match(r"\S+:\d+:\d+: ", line):
            out.append(line + (" | " + after.strip() if after.startswith("    ") else ""))
    return out


# --------------------------------------------------------------------------- plan.yaml


def test_a_valid_plan_validates_without_problems(plan_round):
    plan_round.write("nav-a/plan.yaml", PLAN)
    result = run("validate", "runde")
    assert result.exit_code == 0, result.output
    assert result.output == "Ingen problemer funnet.\n"


def test_norwegian_field_names_get_the_english_name_as_hint(plan_round):
    plan_round.write("nav-a/plan.yaml", """\
        mottatt: 2026-03-01
        items:
          test-2026/nav-a/V-01:
            tiltak: Vedtak fattes skriftlig.
            ansvarlig: NAV-leder
            frist: 2026-05-01
            dokumentasjon: Ny rutine.
            sjekket: 2026-05-10
            mesure: skrivefeil
        """)
    result = run("validate", "runde")
    assert result.exit_code == 1
    item = "items.test-2026/nav-a/V-01"
    assert problems(result) == [
        "runde/nav-a/plan.yaml:1:1: feil: mottatt: ukjent felt 'mottatt' | Gjør slik: mente du 'received'?",
        f"runde/nav-a/plan.yaml:4:5: feil: {item}.tiltak: ukjent felt 'tiltak' | Gjør slik: mente du 'measure'?",
        f"runde/nav-a/plan.yaml:5:5: feil: {item}.ansvarlig: ukjent felt 'ansvarlig' | Gjør slik: mente du 'responsible'?",
        f"runde/nav-a/plan.yaml:6:5: feil: {item}.frist: ukjent felt 'frist' | Gjør slik: mente du 'due'?",
        f"runde/nav-a/plan.yaml:7:5: feil: {item}.dokumentasjon: ukjent felt 'dokumentasjon' | Gjør slik: mente du 'evidence'?",
        f"runde/nav-a/plan.yaml:8:5: feil: {item}.sjekket: ukjent felt 'sjekket' | Gjør slik: mente du 'checked'?",
        f"runde/nav-a/plan.yaml:9:5: feil: {item}.mesure: ukjent felt 'mesure' | Gjør slik: mente du 'measure'?",
    ]


def test_punkter_is_items(plan_round):
    plan_round.write("nav-a/plan.yaml", "punkter: {}\n")
    assert problems(run("validate", "runde")) == [
        "runde/nav-a/plan.yaml:1:1: feil: punkter: ukjent felt 'punkter' | Gjør slik: mente du 'items'?"]


def test_an_item_for_a_finding_the_office_does_not_have_is_an_error_with_the_ids(plan_round):
    plan_round.write("nav-a/plan.yaml", PLAN.replace("test-2026/nav-a/A-02:", "test-2026/nav-a/A-2:") + """\
  test-2026/nav-b/V-01:
    measure: Feil kontor.
""")
    result = run("validate", "runde")
    assert result.exit_code == 1
    ids = "test-2026/nav-a/V-01, test-2026/nav-a/V-02, test-2026/nav-a/A-02"
    assert problems(result) == [
        "runde/nav-a/plan.yaml:10:3: feil: items.test-2026/nav-a/A-2: planen har et punkt for 'test-2026/nav-a/A-2', "
        "som ikke er et avvik eller en merknad ved kontoret eller et funn som er ført videre"
        f" | Gjør slik: mente du 'test-2026/nav-a/A-02'? Funn-id-ene for kontoret er: {ids}",
        "runde/nav-a/plan.yaml:14:3: feil: items.test-2026/nav-b/V-01: planen har et punkt for 'test-2026/nav-b/V-01', "
        "som ikke er et avvik eller en merknad ved kontoret eller et funn som er ført videre"
        f" | Gjør slik: mente du 'test-2026/nav-a/V-01'? Funn-id-ene for kontoret er: {ids}",
    ]
    assert result.output.endswith("2 feil, 0 advarsler\n")


def test_a_plan_at_an_office_without_findings(plan_round):
    plan_round.write("nav-b/plan.yaml", "items:\n  test-2026/nav-b/V-01:\n    measure: x\n")
    assert problems(run("validate", "runde")) == [
        "runde/nav-b/plan.yaml:2:3: feil: items.test-2026/nav-b/V-01: planen har et punkt for 'test-2026/nav-b/V-01', "
        "som ikke er et avvik eller en merknad ved kontoret eller et funn som er ført videre"
        " | Gjør slik: kontoret har ingen avvik eller merknader å rette: fjern punktet"]


def test_a_due_date_before_the_report_date_is_a_warning(plan_round):
    plan_round.write("nav-a/plan.yaml", PLAN.replace("due: 2026-06-01", "due: 2026-01-20"))
    result = run("validate", "runde")
    assert result.exit_code == 0
    assert problems(result) == [
        "runde/nav-a/plan.yaml:13:10: advarsel: items.test-2026/nav-a/A-02.due: fristen 2026-01-20 er før "
        "rapportdatoen 2026-02-01 | Gjør slik: sjekk datoen: fristen for et tiltak kommer etter rapporten "
        "(skriv ÅÅÅÅ-MM-DD)"]
    # rapport.yaml's date is the report date when it gives one
    plan_round.write("nav-a/rapport.yaml", "status: utkast\ndate: 2026-01-10\n")
    assert problems(run("validate", "runde")) == []


def test_a_responsible_that_looks_like_a_name_is_warned_about(plan_round):
    plan_round.write("nav-a/plan.yaml", PLAN.replace("responsible: NAV-leder", "responsible: Kari Nordmann")
                     .replace("responsible: KB", "responsible: Ola"))
    result = run("validate", "runde")
    assert result.exit_code == 0
    hint = "Gjør slik: skriv en rolle (for eksempel «NAV-leder») eller initialer (for eksempel «KB»), aldri et navn"
    assert problems(result) == [
        "runde/nav-a/plan.yaml:5:18: advarsel: items.test-2026/nav-a/V-01.responsible: teksten ser ut til å "
        f"inneholde et navn (Kari N.); rapportene blir offentlige | {hint}",
        "runde/nav-a/plan.yaml:12:18: advarsel: items.test-2026/nav-a/A-02.responsible: teksten ser ut til å "
        f"inneholde et navn (Ola); rapportene blir offentlige | {hint}",
    ]
    assert run("validate", "--strict", "runde").exit_code == 1


def test_roles_and_initials_are_not_names(plan_round):
    for role in ("NAV-leder", "fagleder", "KVP-koordinator", "Avdelingsleder", "KB og TH"):
        plan_round.write("nav-a/plan.yaml", PLAN.replace("responsible: NAV-leder", f"responsible: {role}"))
        assert problems(run("validate", "runde")) == [], role


def test_a_name_in_the_measure_is_warned_about(plan_round):
    plan_round.write("nav-a/plan.yaml", PLAN.replace("Barnas behov vurderes i hver sak.",
                                                     "Kari Hansen vurderer barnas behov."))
    assert problems(run("validate", "runde")) == [
        "runde/nav-a/plan.yaml:11:14: advarsel: items.test-2026/nav-a/A-02.measure: teksten ser ut til å inneholde "
        "et navn (Kari H.); rapportene blir offentlige | Gjør slik: skriv «deltakeren» eller «veilederen» i stedet "
        "for navnet; er det ikke et navn, kan advarselen stå"]


# --------------------------------------------------------------------------- closure needs evidence


CLOSED_HINT = ("Gjør slik: skriv i evidence hva som viser at praksis er endret (for eksempel en ny rutine eller "
               "saksnotater dere har sett), eller sett status til delvis")


def test_closed_in_the_plan_without_evidence_is_a_warning_and_an_error_under_strict(plan_round):
    plan_round.write("nav-a/plan.yaml", PLAN.replace('    evidence: "Ny rutine og tre vedtak."\n', ""))
    result = run("validate", "runde")
    assert result.exit_code == 0
    assert problems(result) == [
        "runde/nav-a/plan.yaml:7:13: advarsel: items.test-2026/nav-a/V-01.evidence: funnet 'test-2026/nav-a/V-01' "
        f"er ført som lukket uten dokumentasjon | {CLOSED_HINT}"]
    assert result.output.endswith("0 feil, 1 advarsel\n")
    strict = run("validate", "--strict", "runde")
    assert strict.exit_code == 1
    assert problems(strict) == problems(result)


def test_an_old_follow_up_file_closed_without_evidence_still_validates(plan_round):
    """A follow-up file written before the rule (lukket, no evidence) is a warning, not an error."""
    plan_round.write("nav-a/oppfolging.yaml", FOLLOWUP)
    result = run("validate", "runde")
    assert result.exit_code == 0
    assert problems(result) == [
        "runde/nav-a/oppfolging.yaml:7:13: advarsel: findings.test-2026/nav-a/V-01.evidence: funnet "
        f"'test-2026/nav-a/V-01' er ført som lukket uten dokumentasjon | {CLOSED_HINT}"]
    assert run("validate", "--strict", "runde").exit_code == 1
    # with evidence, or not closed, there is nothing to say
    plan_round.write("nav-a/oppfolging.yaml", FOLLOWUP + "    evidence: Tre nye vedtak.\n")
    assert run("validate", "--strict", "runde").exit_code == 0
    plan_round.write("nav-a/oppfolging.yaml", FOLLOWUP.replace("status: lukket", "status: delvis"))
    assert run("validate", "--strict", "runde").exit_code == 0


def test_the_followup_command_shows_the_closure_warning(plan_round):
    plan_round.write("nav-a/oppfolging.yaml", FOLLOWUP)
    result = run("followup", "runde")
    assert result.exit_code == 0
    assert ("runde/nav-a/oppfolging.yaml:7:13: advarsel: findings.test-2026/nav-a/V-01.evidence: funnet "
            "'test-2026/nav-a/V-01' er ført som lukket uten dokumentasjon") in result.stderr


# --------------------------------------------------------------------------- oppfolging.yaml


def test_responsible_and_due_in_the_follow_up_file_point_to_the_plan(plan_round):
    plan_round.write("nav-a/oppfolging.yaml", FOLLOWUP + "    ansvarlig: NAV-leder\n    frist: 2026-10-01\n"
                     "    tiltak: Ny rutine.\n    due: 2026-10-01\n    dokumentasjon: Ny rutine.\n")
    result = run("validate", "runde")
    assert result.exit_code == 1
    item = "findings.test-2026/nav-a/V-01"

    def moved(field, target):
        return (f"Gjør slik: '{field}' hører hjemme i kontorets plan for retting: skriv det som '{target}' "
                "under funn-id-en i plan.yaml i kontormappen")

    assert problems(result) == [
        f"runde/nav-a/oppfolging.yaml:9:5: feil: {item}.ansvarlig: ukjent felt 'ansvarlig' | {moved('ansvarlig', 'responsible')}",
        f"runde/nav-a/oppfolging.yaml:10:5: feil: {item}.frist: ukjent felt 'frist' | {moved('frist', 'due')}",
        f"runde/nav-a/oppfolging.yaml:11:5: feil: {item}.tiltak: ukjent felt 'tiltak' | {moved('tiltak', 'measure')}",
        f"runde/nav-a/oppfolging.yaml:12:5: feil: {item}.due: ukjent felt 'due' | {moved('due', 'due')}",
        f"runde/nav-a/oppfolging.yaml:13:5: feil: {item}.dokumentasjon: ukjent felt 'dokumentasjon' | Gjør slik: mente du 'evidence'?",
    ]


def test_other_unknown_fields_keep_their_hints(plan_round):
    plan_round.write("nav-a/oppfolging.yaml", FOLLOWUP + "    statu: lukket\n    xyz: 1\n")
    lines = problems(run("validate", "runde"))
    assert lines[0].endswith("ukjent felt 'statu' | Gjør slik: mente du 'status'?")
    assert lines[1].endswith("ukjent felt 'xyz' | Gjør slik: fjern feltet; gyldige felt her er: status, action, "
                             "evidence, date")


def test_hints_are_translated(plan_round):
    plan_round.write("nav-a/oppfolging.yaml", FOLLOWUP + "    ansvarlig: NAV-leder\n")
    result = CliRunner(env={"KVP_AUDIT_LANG": "en"}).invoke(main, ["validate", "runde"])
    assert ("'ansvarlig' belongs in the office's plan for correction: write it as 'responsible' under the finding "
            "id in plan.yaml in the office folder") in result.output


# --------------------------------------------------------------------------- followup output


def test_followup_json_and_table_show_the_plan(plan_round):
    plan_round.write("nav-a/plan.yaml", PLAN)
    result = run("followup", "runde", "--office", "nav-a", "--format", "json")
    assert result.exit_code == 0, result.output
    office = json.loads(result.stdout)["offices"][0]
    assert (office["has_plan"], office["plan_received"]) == (True, "2026-03-01")
    plans = {f["id"]: f["plan"] for f in office["findings"]}
    assert plans == {
        "test-2026/nav-a/V-01": {"measure": "Vedtak fattes **alltid** skriftlig.", "responsible": "NAV-leder",
                                 "due": "2026-05-01", "status": "lukket", "evidence": "Ny rutine og tre vedtak.",
                                 "checked": "2026-05-10"},
        "test-2026/nav-a/V-02": None,
        "test-2026/nav-a/A-02": {"measure": "Barnas behov vurderes i hver sak.", "responsible": "KB",
                                 "due": "2026-06-01", "status": "åpen", "evidence": "", "checked": ""},
    }
    # the plan's status is the office's own; the follow-up status stays the team's
    assert {f["status"] for f in office["findings"]} == {"ikke fulgt opp"}
    table = run("followup", "runde", "--office", "nav-a").stdout
    assert table.split("NAV A: plan for retting", 1)[1] == (
        " (mottatt 2026-03-01)\n"
        "Funn-id               Tiltak                               Ansvarlig  Frist       Status\n"
        "--------------------  -----------------------------------  ---------  ----------  ------\n"
        "test-2026/nav-a/V-01  Vedtak fattes **alltid** skriftlig.  NAV-leder  2026-05-01  lukket\n"
        "test-2026/nav-a/A-02  Barnas behov vurderes i hver sak.    KB         2026-06-01  åpen\n"
        "Ikke i planen (rundens funn): test-2026/nav-a/V-02\n")


def test_followup_without_a_plan_shows_no_plan(plan_round):
    table = run("followup", "runde").stdout
    assert "plan for retting" not in table


# --------------------------------------------------------------------------- the office report


def _headings_html(text: str) -> list[str]:
    return [f"h{level} " + re.sub(r"<[^>]+>", "", inner).strip()
            for level, inner in re.findall(r"<h([1-3])[^>]*>(.*?)</h\1>", text, re.S)]


def _headings_md(text: str) -> list[str]:
    return [f"h{len(m.group(1))} " + m.group(2).replace("\\", "").strip()
            for m in re.finditer(r"^(#{1,3}) (.*)$", text, re.M)]


def test_the_office_report_is_the_letter_as_sent_without_the_offices_plan(plan_round):
    """The plan for retting is the office's answer to the final report: rebuilding the report
    after the plan came must not change the letter that was sent. The plan shows in the
    follow-up report, `followup`, `status` and the web office page."""
    assert run("report", "runde", "--out", "uten", "--office", "nav-a", "--format", "html,md").exit_code == 0
    plan_round.write("nav-a/plan.yaml", PLAN)
    assert run("report", "runde", "--out", "med", "--office", "nav-a", "--format", "html,md").exit_code == 0
    for name in ("nav-a.html", "nav-a.md"):
        assert Path("med", name).read_bytes() == Path("uten", name).read_bytes()
        assert "Plan for retting" not in Path("med", name).read_text(encoding="utf-8")


def test_example_plans_validate_and_show_in_the_reports():
    examples = Path(__file__).resolve().parent.parent / "examples" / "fiktivfylke" / "2026"
    plans = sorted(p.parent.name for p in examples.glob("*/plan.yaml"))
    assert plans == ["nav-fjellby", "nav-sjohavn"]
    result = run("followup", str(examples), "--office", "nav-fjellby", "--format", "json")
    assert result.stderr == ""  # no problem in the example plans
    office = json.loads(result.stdout)["offices"][0]
    assert office["plan_received"] == "2026-03-27"
    # Fjellby's workshop was on the visit day: this round's findings (and their plan) are under after_workshop
    assert [f["plan"]["responsible"] for f in office["after_workshop"] if f["plan"]][:3] == [
        "NAV-leder", "fagleder", "KVP-koordinator"]


# --------------------------------------------------------------------------- the web form


@pytest.fixture
def web_2026(tmp_path):
    pytest.importorskip("flask")
    import shutil

    from kvp_audit.web.app import create_app

    examples = Path(__file__).resolve().parent.parent / "examples" / "fiktivfylke"
    for year in ("2024", "2026"):
        shutil.copytree(examples / year, tmp_path / "fiktivfylke" / year)
    app = create_app(tmp_path / "fiktivfylke" / "2026", reports_dir=tmp_path / "reports", report_formats=("html",))
    app.config["TESTING"] = True
    return app.test_client(), tmp_path / "fiktivfylke" / "2026"


def test_web_office_page_lists_the_plan_read_only(web_2026):
    client, round_dir = web_2026
    page = client.get("/kontor/nav-fjellby/").get_data(as_text=True)
    section = page[page.index('<section aria-labelledby="h-plan">'):]
    section = section[:section.index("</section>")]
    assert "Kontorets plan for retting fra plan.yaml i kontormappen." in section
    assert '<a href="/kontor/nav-fjellby/plan">Rediger planen for retting</a>' in section   # the form (issue 16)
    assert "Planen kom 2026-03-27." in section
    assert ('<tr><th scope="row">IN-05: Inngår arbeidssøking i den avsluttende delen av programmet?</th>'
            "<td>Programmet planlegges for hele året, også feriene, med evalueringstidspunkter i planen.</td>"
            "<td>NAV-leder</td><td>2026-05-22</td><td>lukket</td></tr>") in section
    assert "<form" not in section  # read-only
    # an office without a plan has no such section; a plan item for an unknown finding says so
    assert 'aria-labelledby="h-plan"' not in client.get("/kontor/nav-strandvik/").get_data(as_text=True)
    (round_dir / "nav-strandvik" / "plan.yaml").write_text(
        "items:\n  fiktivfylke-2026/nav-strandvik/XX-01:\n    measure: Noe.\n", encoding="utf-8")
    page = client.get("/kontor/nav-strandvik/").get_data(as_text=True)
    assert '<th scope="row">fiktivfylke-2026/nav-strandvik/XX-01 (ukjent funn)</th>' in page


def test_web_follow_up_form_warns_about_closure_without_evidence(web_2026):
    from test_web import form_of, replace

    client, round_dir = web_2026
    finding = "fiktivfylke-2026/nav-fjellby/IN-05"
    form = form_of(client.get("/kontor/nav-fjellby/oppfolging").get_data(as_text=True))
    response = client.post("/kontor/nav-fjellby/oppfolging", data=replace(form, **{
        f"finding.{finding}.status": "lukket", f"finding.{finding}.action": "Ny rutine."}))
    assert response.status_code == 303  # a warning: saved all the same
    assert f"  {finding}:\n    status: lukket\n    action: Ny rutine.\n" in (
        round_dir / "nav-fjellby" / "oppfolging.yaml").read_text(encoding="utf-8")
    page = client.get("/kontor/nav-fjellby/oppfolging").get_data(as_text=True)
    assert f"funnet &#39;{finding}&#39; er ført som lukket uten dokumentasjon" in page
