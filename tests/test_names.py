"""Warnings about names in free text: found where a participant's name would be, not elsewhere."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from kvp_audit.cli import main
from kvp_audit.names import find_names, first_names, last_names

NAMES = [
    ("Samtale med Kari Hansen om planen.", ["Kari H."]),
    ("Veileder Ola Nordmann fulgte opp.", ["Ola N."]),
    ("Anne-Lise Berg møtte ikke.", ["Anne L."]),
    ("Møte med\u00a0Per Olsen og Liv Strand.", ["Per O.", "Liv S."]),
    ("Brukeren (Mohammed Ali) deltok.", []),  # not among Faker's Norwegian first names
]
HARMLESS = [
    "NAV Fjellby fatter vedtak.",
    "Per dato er 12 deltakere i programmet.",
    "Liv og helse er tema i planen.",
    "Dag 1: kartlegging.",
    "Vedtaket er lagt i Arena; planen i Modia.",
    "Per Arena-utskrift mangler avslutningsvedtak.",
    "Individuell plan (IP) er tilbudt.",
    "Sotjl. § 30 Forskrift om kvalifiseringsprogram.",
    "KARI HANSEN",
    "kari hansen",
]


@pytest.mark.parametrize("text,expected", NAMES)
def test_names_are_found(text, expected):
    assert [shown for _offset, shown in find_names(text)] == expected


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_has_no_names(text):
    assert find_names(text) == []


def test_the_name_list_is_fakers_norwegian_one():
    from faker.providers.person.no_NO import Provider

    assert first_names() == frozenset(Provider.first_names_male) | frozenset(Provider.first_names_female)
    assert last_names() == frozenset(Provider.last_names)
    assert {"Kari", "Ola", "Ingrid", "Per"} <= first_names()


CASE = ("case: K-AAAA11\noffice: nav-a\nreviewers: [KB]\ndate: 2026-02-01\nfacts:\n  status: pågående\n"
        "  har_barn: false\nanswers:\n  V-01: {answer: nei, comment: \"Samtale med Kari Hansen.\"}\n")


def test_validate_warns_and_strict_fails(round_builder):
    round_builder.write("nav-a/K-AAAA11.yaml", CASE)
    result = CliRunner().invoke(main, ["validate", str(round_builder.root)])
    assert result.exit_code == 0
    assert result.output == (
        "runde/nav-a/K-AAAA11.yaml:8:1: advarsel: answers: 2 av 3 gjeldende kriterier er ikke besvart\n"
        "    Gjør slik: svar på V-02, A-03; der kriteriet ikke gjelder, svar 'ikke aktuelt'; kan det ikke vurderes, "
        "skriv hvorfor i comment\n"
        "runde/nav-a/K-AAAA11.yaml:9:32: advarsel: answers.V-01.comment: teksten ser ut til å inneholde et navn "
        "(Kari H.); rapportene blir offentlige\n"
        "    Gjør slik: skriv «deltakeren» eller «veilederen» i stedet for navnet; er det ikke et navn, kan "
        "advarselen stå\n"
        "runde/runde.yaml:10:9: advarsel: offices[1]: kontoret nav-b har ingen saker\n"
        "    Gjør slik: lag en sak med 'kvp-audit new case runde nav-b --reviewer KB' (dine initialer), eller ta "
        "kontoret ut av offices\n"
        "0 feil, 3 advarsler\n")
    assert CliRunner().invoke(main, ["validate", "--strict", str(round_builder.root)]).exit_code == 1


def test_report_prints_the_warning_before_the_report_is_sent(round_builder):
    round_builder.write("nav-a/K-AAAA11.yaml", CASE)
    result = CliRunner().invoke(main, ["report", str(round_builder.root), "--out", "ut", "--format", "md"])
    assert result.exit_code == 0
    assert result.output.startswith(
        "runde/nav-a/K-AAAA11.yaml:9:32: advarsel: answers.V-01.comment: teksten ser ut til å inneholde et navn "
        "(Kari H.); rapportene blir offentlige\n")
    assert "skrev ut/nav-a.md" in result.output


def test_office_names_and_checklist_text_are_not_scanned(round_builder):
    from conftest import ROUND_YAML

    round_builder.write("runde.yaml", ROUND_YAML.replace("name: NAV A", "name: NAV Kari Hansen"))
    checklist = round_builder.root / "checklists" / "mini-sak.yaml"
    checklist.write_text(checklist.read_text(encoding="utf-8").replace(
        "question: Er det fattet vedtak?", "question: Er det fattet vedtak, slik Per Olsen anbefaler?"), encoding="utf-8")
    round_builder.write("nav-a/K-AAAA11.yaml", CASE.replace("Kari Hansen", "veilederen"))
    result = CliRunner().invoke(main, ["validate", str(round_builder.root)])
    assert result.exit_code == 0, result.output
    assert "navn" not in result.output  # only nav-b's lack of cases is said (tests/test_completeness.py)


def test_help_does_not_import_faker():
    code = ("import sys; from click.testing import CliRunner; from kvp_audit.cli import main; "
            "CliRunner().invoke(main, ['--help']); from kvp_audit.names import first_names; first_names(); "
            "print('faker' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
