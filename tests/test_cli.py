"""The command line, through click's runner, with the output users see pinned."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit import __version__
from kvp_audit.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def all_commands(group=main, prefix=()):
    import click

    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, prefix + (name,))
        else:
            yield prefix + (name,), cmd


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"kvp-audit {__version__}\n"


@pytest.mark.parametrize("path", [p for p, _ in all_commands()], ids=" ".join)
def test_every_command_has_help_with_an_example(path):
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert "Eksempel:" in result.output
    assert "kvp-audit " + " ".join(path) in result.output


def test_checklist_validate_clean_and_exit_codes(tmp_path):
    result = run("checklist", "validate", str(FIXTURES / "mini-sak.yaml"))
    assert (result.exit_code, result.output) == (0, "Ingen problemer funnet.\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nid: y\n")
    result = run("checklist", "validate", "bad.yaml")
    assert result.exit_code == 1
    assert result.output == (
        "bad.yaml:2:1: feil: id: nøkkelen 'id' står to ganger i samme mapping\n"
        "    Gjør slik: slett eller slå sammen den ene; YAML ville ellers stille overskrevet den første\n"
        "1 feil, 0 advarsler\n"
    )
    result = run("checklist", "validate", "finnes-ikke.yaml")
    assert result.exit_code == 2
    assert result.output == "kvp-audit: fant ikke 'finnes-ikke.yaml'\n"


def test_checklist_validate_json_and_strict(tmp_path):
    path = tmp_path / "warn.yaml"
    text = (FIXTURES / "mini-sak.yaml").read_text().replace("        recommendation: Begrunn vedtaket.\n", "")
    path.write_text(text)
    assert run("checklist", "validate", "warn.yaml").exit_code == 0
    assert run("checklist", "validate", "--strict", "warn.yaml").exit_code == 1
    result = run("checklist", "validate", "--format", "json", "warn.yaml")
    data = json.loads(result.output)
    assert data["errors"] == 0 and data["warnings"] == 1
    assert data["problems"][0]["key"] == "themes[0].criteria[1].recommendation"


def test_checklist_schema_is_json_schema():
    result = run("checklist", "schema")
    schema = json.loads(result.output)
    assert schema["$schema"].startswith("https://json-schema.org/")
    crit = schema["$defs"]["Criterion"]["properties"]
    for field in ("id", "question", "guidance", "legal_basis", "severity", "weight", "answer",
                  "applies_when", "recommendation", "replaces"):
        assert crit[field].get("description"), field
    case = json.loads(run("checklist", "schema", "--kind", "case").output)
    assert "answers" in case["properties"]


def test_new_round_new_case_validate_score(tmp_path):
    (tmp_path / "r" / "checklists").mkdir(parents=True)
    (tmp_path / "r" / "checklists" / "mini-sak.yaml").write_text((FIXTURES / "mini-sak.yaml").read_text())
    result = run("new", "round", "r", "--name", "Test", "--county", "Fiktivfylke", "--office", "nav-a=NAV A",
                 "--office", "NAV Bø", "--case-checklist", "mini-sak@1.0", "--start", "2026-01-01")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "skrev r/runde.yaml"
    assert (tmp_path / "r" / "nav-bo").is_dir()
    result = run("new", "case", "r", "nav-a", "--reviewer", "KB", "--date", "2026-02-01")
    assert result.exit_code == 0
    match = re.match(r"skrev r/nav-a/(K-[0-9A-Z]{6})\.yaml \(saksnøkkel \1\)\n", result.output)
    assert match, result.output
    key = match.group(1)
    # A fresh skeleton is valid but incomplete: the missing required fact is a warning.
    result = run("validate", "r")
    assert result.exit_code == 0
    assert f"r/nav-a/{key}.yaml:9:1: advarsel: facts.status: mangler faktumet 'status'" in result.output
    path = tmp_path / "r" / "nav-a" / f"{key}.yaml"
    text = path.read_text()
    text = text.replace("  status:  #", "  status: avsluttet  #", 1)
    text = text.replace("  har_barn:  #", "  har_barn: true  #", 1)  # else A-02 applies only for want of it (a warning)
    text = text.replace("answer:  # ja | delvis | nei | ikke aktuelt", "answer: ja  #", 1)
    path.write_text(text)
    # issue 15: a half-filled case, the office files and nav-bo with no cases are no longer silent
    result = run("validate", "--strict", "r")
    todo = "; der kriteriet ikke gjelder, svar 'ikke aktuelt'; kan det ikke vurderes, skriv hvorfor i comment\n"
    placeholder = ("advarsel: reviewers: 'XX' er en plassholder, ikke en revisor\n"
                   "    Gjør slik: skriv initialene til dem som gjorde vurderingen, for eksempel [KB, ÅS]\n")
    office = ("advarsel: answers: 20 av 20 gjeldende kriterier er ikke besvart\n"
              "    Gjør slik: svar på KR-01, KR-02, KR-03, KR-04, KK-01, …" + todo)
    assert (result.exit_code, result.output) == (1, (
        f"r/nav-a/{key}.yaml:12:1: advarsel: answers: 4 av 5 gjeldende kriterier er ikke besvart\n"
        "    Gjør slik: svar på V-02, A-01, A-02, A-03" + todo
        + "r/nav-a/kontor.yaml:4:13: " + placeholder + "r/nav-a/kontor.yaml:8:1: " + office
        + "r/nav-bo/kontor.yaml:4:13: " + placeholder + "r/nav-bo/kontor.yaml:8:1: " + office
        + "r/runde.yaml:15:9: advarsel: offices[1]: kontoret nav-bo har ingen saker\n"
        "    Gjør slik: lag en sak med 'kvp-audit new case r nav-bo --reviewer KB' (dine initialer), "
        "eller ta kontoret ut av offices\n"
        "0 feil, 6 advarsler\n"))
    result = run("score", "r", "--format", "json")
    data = json.loads(result.output)
    office = data["offices"][0]
    assert office["criteria"]["V-01"]["oppfylt"] == 1
    assert office["case_outcomes"][key] == {"V-01": "oppfylt", "V-02": "ubesvart", "A-01": "ubesvart", "A-02": "ubesvart"}


def test_new_case_unknown_office_and_bad_initials(round_builder):
    result = run("new", "case", "runde", "nav-x", "--reviewer", "KB")
    assert result.exit_code == 2
    assert result.output == "kvp-audit: kontoret 'nav-x' er ikke med i runden; mente du 'nav-b'?\n"
    result = run("new", "case", "runde", "nav-a", "--reviewer", "Kari Nordmann")
    assert result.exit_code == 2
    assert "er ikke initialer" in result.output


def test_new_round_refuses_existing_round(round_builder):
    result = run("new", "round", "runde", "--name", "X", "--county", "Y", "--office", "nav-a=NAV A",
                 "--case-checklist", "mini-sak@1.0")
    assert result.exit_code == 2
    assert result.output == "kvp-audit: runde/runde.yaml finnes allerede; nye runder lages i en tom mappe\n"


def test_validate_reports_problems_with_exit_1(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "kanskje"})
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert result.output == (
        "runde/nav-a/K-AAAA11.yaml:9:9: feil: answers.V-01: 'kanskje' er ikke et gyldig svar\n"
        "    Gjør slik: svar med en av: ja, delvis, nei, ikke aktuelt\n"
        "1 feil, 0 advarsler\n"
    )


def test_validate_missing_round_is_usage_error(tmp_path):
    result = run("validate", "ingen-runde")
    assert result.exit_code == 2
    assert result.output == "kvp-audit: fant ikke mappen 'ingen-runde'\n"


def test_score_refuses_invalid_round(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "kanskje"})
    result = run("score", "runde")
    assert result.exit_code == 2
    assert result.output.endswith(
        "kvp-audit: runden har 1 feil; rett den (se 'kvp-audit validate') før poengberegning\n")


def test_score_table(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja", "V-02": "nei"})
    round_builder.case("nav-a", "K-AAAA22", {"V-01": "delvis", "V-02": "ja"}, status="avsluttet", extra="")
    result = run("score", "runde")
    assert result.exit_code == 0
    assert result.output == (
        "Testrunde 2026 – Fiktivfylke – sjekkliste mini-sak@1.0\n"
        "\n"
        "Kontor       Saker  Oppfylt             Avvik  Merknader  God praksis\n"
        "-----------  -----  ------------------  -----  ---------  -----------\n"
        "NAV A            2  2 av 4 vurderinger      1          1            0\n"
        "NAV B            0  ingen vurdert           0          0            0\n"
        "Hele runden      2  2 av 4 vurderinger      1          1            0\n"
        "\n"
        "Tema (hele runden)\n"
        "Tema              Oppfylt\n"
        "----------------  ------------------\n"
        "Søknad og vedtak  2 av 4 vurderinger\n"
        "Avslutning        ingen vurdert\n"
    )


def test_score_one_office_and_unknown_office(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "nei"})
    result = run("score", "runde", "--office", "nav-a")
    assert result.exit_code == 0
    assert "Avvik (1)\n  V-01: Er det fattet vedtak? [sotjl. § 41] (0 av 1 sak) – sak: K-AAAA11\n" in result.output
    result = run("score", "runde", "--office", "nav-c")
    assert result.exit_code == 2
    assert result.output == "kvp-audit: kontoret 'nav-c' er ikke med i runden; mente du 'nav-b'?\n"




def test_help_is_fast_and_light():
    """--help must not import the heavy libraries (pydantic, yaml, jinja2, weasyprint)."""
    code = ("import sys; from kvp_audit.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('pydantic', 'yaml', 'yaml_rs', 'jinja2', 'weasyprint', 'openpyxl', 'flask') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("HEAVY []")
