"""`kvp-audit new round` (issue 15): a checklist of one's own as a file or a folder, copied
into the round; a "Neste steg" that runs as printed; the period from the folder's year; the
round id with the county."""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit.cli import main
from kvp_audit.rounds import default_period, default_round_id, slug

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _mine(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "min-sak.yaml").write_text((FIXTURES / "mini-sak.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def _next_step(output: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith("Neste steg: "))
    return shlex.split(line.removeprefix("Neste steg: "), comments=True)


def test_a_checklist_file_is_copied_into_the_round_and_the_next_step_runs_as_printed(tmp_path):
    _mine(tmp_path)
    result = run("new", "round", "runder/2027", "--name", "KVP 2027", "--county", "Fiktivfylke",
                 "--office", "nav-a=NAV A", "--case-checklist", "mine/min-sak.yaml", "--reviewer", "KB")
    assert (result.exit_code, result.output) == (0, (
        "skrev runder/2027/runde.yaml\n"
        "skrev runder/2027/nav-a/kontor.yaml\n"
        "skrev runder/2027/nav-a/rapport.yaml\n"
        "skrev runder/2027/checklists/min-sak.yaml\n"
        "Neste steg: kvp-audit new case runder/2027 nav-a --reviewer KB\n"))
    round_file = (tmp_path / "runder" / "2027" / "runde.yaml").read_text(encoding="utf-8")
    assert 'id: "fiktivfylke-2027"' in round_file
    assert "  start: 2027-01-01\n  end: 2027-12-31\n" in round_file
    assert "  case: mini-sak@1.0\n" in round_file
    command = _next_step(result.output)
    assert command[:3] == ["kvp-audit", "new", "case"]
    result = run(*command[1:], "--date", "2027-03-01")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("skrev runder/2027/nav-a/K-")
    # the round does not depend on mine/ any more
    (tmp_path / "mine" / "min-sak.yaml").unlink()
    assert run("validate", "runder/2027").exit_code == 0


def test_a_folder_of_checklists(tmp_path):
    _mine(tmp_path)
    result = run("new", "round", "r", "--name", "X", "--county", "Diktfylke", "--office", "nav-a=NAV A",
                 "--checklists", "mine", "--case-checklist", "mini-sak@1.0", "--start", "2026-02-01")
    assert result.exit_code == 0, result.output
    assert "skrev r/checklists/min-sak.yaml\n" in result.output
    text = (tmp_path / "r" / "runde.yaml").read_text(encoding="utf-8")
    assert 'id: "diktfylke-r"' in text and "  start: 2026-02-01\n  end: 2026-12-31\n" in text
    # the bundled checklists are not copied
    assert sorted(p.name for p in (tmp_path / "r" / "checklists").iterdir()) == ["min-sak.yaml"]


def test_without_reviewer_the_next_step_still_runs_and_says_to_change_xx(tmp_path):
    result = run("new", "round", "runder/2027", "--name", "KVP 2027", "--county", "Fiktivfylke",
                 "--office", "nav-a=NAV A")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "Neste steg: kvp-audit new case runder/2027 nav-a --reviewer XX  # bytt XX med initialene dine")
    assert run(*_next_step(result.output)[1:]).exit_code == 0


def test_a_folder_with_a_space_is_quoted_in_the_next_step(tmp_path):
    result = run("new", "round", "mine runder/2027", "--name", "KVP", "--county", "Fiktivfylke",
                 "--office", "nav-a=NAV A", "--reviewer", "KB", "--reviewer", "ÅS")
    assert result.output.splitlines()[-1] == (
        "Neste steg: kvp-audit new case 'mine runder/2027' nav-a --reviewer KB --reviewer ÅS")
    assert run(*_next_step(result.output)[1:]).exit_code == 0


@pytest.mark.parametrize(("args", "message"), [
    (("--case-checklist", "finnes/ikke.yaml"),
     "kvp-audit: 'finnes/ikke.yaml' er verken id@versjon eller en sjekklistefil som finnes\n"),
    (("--case-checklist", "min@1.0"),
     "kvp-audit: fant ikke sjekklisten 'min@1.0'; oppgi filen (--case-checklist sti/til/sjekkliste.yaml) "
     "eller mappen den ligger i (--checklists MAPPE)\n"),
    (("--checklists", "finnes-ikke"),
     "kvp-audit: fant ikke 'finnes-ikke'; oppgi en sjekklistefil eller en mappe med sjekklister\n"),
    (("--start", "2027-05-01", "--end", "2027-04-01"),
     "kvp-audit: perioden slutter (2027-04-01) før den begynner (2027-05-01); rett --start eller --end\n"),
    (("--reviewer", "Kari"),
     "kvp-audit: 'Kari' er ikke initialer: bruk 2-4 store bokstaver, for eksempel 'KB', aldri navn\n"),
])
def test_bad_options_are_messages_and_write_nothing(tmp_path, args, message):
    result = run("new", "round", "r", "--name", "X", "--county", "Y", "--office", "nav-a=NAV A", *args)
    assert (result.exit_code, result.output) == (2, message)
    assert not (tmp_path / "r").exists()


def test_a_checklist_file_that_is_broken_names_its_problems(tmp_path):
    (tmp_path / "brutt.yaml").write_text("id: x\nid: y\n", encoding="utf-8")
    result = run("new", "round", "r", "--name", "X", "--county", "Y", "--office", "nav-a=NAV A",
                 "--case-checklist", "brutt.yaml")
    assert (result.exit_code, result.output) == (2, (
        "brutt.yaml:2:1: feil: id: nøkkelen 'id' står to ganger i samme mapping\n"
        "    Gjør slik: slett eller slå sammen den ene; YAML ville ellers stille overskrevet den første\n"
        "kvp-audit: sjekklisten brutt.yaml kan ikke brukes\n"))


def test_defaults_for_the_id_and_the_period():
    assert default_round_id(Path("runder/2027"), "Fiktivfylke (fiktivt)") == "fiktivfylke-2027"
    assert default_round_id(Path("fiktivfylke-2027"), "Fiktivfylke") == "fiktivfylke-2027"
    assert default_round_id(Path("2027-var"), "Trøndelag") == "trondelag-2027-var"
    assert slug("Møre og Romsdal") == "more-og-romsdal"
    assert default_period(Path("runder/2027-var"), None, None) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert default_period(Path("runder/x"), None, None, today=dt.date(2026, 8, 5)) == (
        dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert default_period(Path("2027"), dt.date(2027, 2, 1), None) == (dt.date(2027, 2, 1), dt.date(2027, 12, 31))
    assert default_period(Path("2027"), None, dt.date(2027, 6, 30)) == (dt.date(2027, 1, 1), dt.date(2027, 6, 30))
