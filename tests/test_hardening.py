"""Bad input gives a located problem and an exit code, never a traceback (issue 11, loading and rules).

Conditions scoring would fail on, numbers that cannot be calculated with, broken round
checklists, unreadable files and folders, a ``previous`` that is no path, and Ctrl-C.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
MINI = (FIXTURES / "mini-sak.yaml").read_text(encoding="utf-8")
TYPE_HINT = ("    Gjør slik: sammenlign et fakta med en verdi av samme type: en dato med 'ÅÅÅÅ-MM-DD', et tall "
             "med et tall, tekst med tekst, og true/false med true eller false")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def mini(condition: str | None = None, weight: str | None = None) -> str:
    """The mini checklist with a date and a number fact, and A-02's condition or V-01's weight changed."""
    text = MINI.replace("  har_barn:\n", "  startdato:\n    type: date\n  antall:\n    type: number\n  har_barn:\n")
    if condition is not None:
        text = text.replace("applies_when: har_barn", "applies_when: " + "'" + condition.replace("'", "''") + "'")
    if weight is not None:
        text = text.replace("weight: 2", f"weight: {weight}")
    return text


# --------------------------------------------------------------------------- conditions


@pytest.mark.parametrize(("condition", "message"), [
    ("startdato >= 'snart'", "'snart' er ikke en dato; skriv datoen som 'ÅÅÅÅ-MM-DD'"),
    ("'2019-01-01' <= startdato <= 3", "'startdato' (en dato) kan ikke sammenlignes med 3"),
    ("antall > 'mange'", "'antall' (et tall) kan ikke sammenlignes med 'mange'"),
    ("har_barn == 1", "'har_barn' (true/false) kan ikke sammenlignes med 1"),
    ("status in 'avsluttet'", "etter in og not in må det stå en liste, for eksempel ['avsluttet', 'avbrutt'], "
                              "ikke 'avsluttet'"),
    ("startdato in ['2020-01-01', 'i fjor']", "'i fjor' er ikke en dato; skriv datoen som 'ÅÅÅÅ-MM-DD'"),
    ("startdato == status", "'startdato' (en dato) kan ikke sammenlignes med 'status' (tekst)"),
    ("[1] == antall", "en liste kan bare stå etter in eller not in"),
])
def test_checklist_validate_finds_what_scoring_would_fail_on(tmp_path, condition, message):
    (tmp_path / "c.yaml").write_text(mini(condition), encoding="utf-8")
    result = run("checklist", "validate", "c.yaml")
    assert result.exit_code == 1
    assert result.output == (f"c.yaml:47:23: feil: themes[1].criteria[1].applies_when: {message}\n"
                             f"{TYPE_HINT}\n1 feil, 0 advarsler\n")


@pytest.mark.parametrize(("condition", "message"), [
    ("not " * 5000 + "har_barn", "betingelsen er lengre enn 2000 tegn"),
    ("not " * 60 + "har_barn", "betingelsen har mer enn 50 nivåer inne i hverandre (not, and/or, parenteser)"),
    ("har_barn and (" * 60 + "har_barn" + ")" * 60,
     "betingelsen har mer enn 50 nivåer inne i hverandre (not, and/or, parenteser)"),
])
def test_deep_or_long_conditions_are_refused_with_a_message(tmp_path, condition, message):
    (tmp_path / "c.yaml").write_text(mini(condition), encoding="utf-8")
    result = run("checklist", "validate", "c.yaml")
    assert result.exit_code == 1
    assert result.output == (f"c.yaml:47:23: feil: themes[1].criteria[1].applies_when: {message}\n"
                             "    Gjør slik: skriv for eksempel: status == 'avsluttet' and har_barn\n"
                             "1 feil, 0 advarsler\n")


def test_valid_date_comparisons_still_pass(tmp_path):
    (tmp_path / "c.yaml").write_text(mini("'2019-01-01' <= startdato and startdato < '2030-01-01' and antall >= 2"),
                                     encoding="utf-8")
    assert run("checklist", "validate", "c.yaml").output == "Ingen problemer funnet.\n"


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(("weight", "message"), [
    (".inf", "'inf' er ikke et tall som kan regnes med\n    Gjør slik: skriv et vanlig tall, for eksempel 12"),
    (".nan", "'nan' er ikke et tall som kan regnes med\n    Gjør slik: skriv et vanlig tall, for eksempel 12"),
    ("-1", "verdien -1 må være > 0.0"),
    ("0", "verdien 0 må være > 0.0"),
    ("1e300", "verdien 1e+300 må være <= 1000.0"),  # sums of such weights overflow to inf
])
def test_weights_must_be_positive_finite_numbers(round_builder, weight, message):
    (round_builder.root / "checklists" / "mini-sak.yaml").write_text(mini(weight=weight), encoding="utf-8")
    result = run("checklist", "validate", "runde/checklists")
    assert result.exit_code == 1
    assert result.output == (f"runde/checklists/mini-sak.yaml:27:17: feil: themes[0].criteria[0].weight: {message}\n"
                             "1 feil, 0 advarsler\n")
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert f"runde/checklists/mini-sak.yaml:27:17: feil: themes[0].criteria[0].weight: {message}\n" in result.output
    assert run("score", "runde").exit_code == 2


@pytest.mark.parametrize(("value", "message", "hint"), [
    (".nan", "'nan' er ikke et tall som kan regnes med", "skriv et vanlig tall, for eksempel 12"),
    (".inf", "'inf' er ikke et tall som kan regnes med", "skriv et vanlig tall, for eksempel 12"),
    ("-.inf", "'-inf' er ikke et tall som kan regnes med", "skriv et vanlig tall, for eksempel 12"),
    ("1" + "0" * 400, "tallet er for stort (mer enn 1000000000000000)",
     "sjekk tallet; skriv et vanlig tall, for eksempel 12"),
    ("1e400", "'inf' er ikke et tall som kan regnes med", "skriv et vanlig tall, for eksempel 12"),
])
def test_numbers_that_cannot_be_calculated_with_are_refused(round_builder, value, message, hint):
    (round_builder.root / "checklists" / "mini-sak.yaml").write_text(mini(), encoding="utf-8")
    path = round_builder.case("nav-a", "K-AAAA11", {"A-03": value}, status="avsluttet")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  har_barn: false\n", f"  har_barn: false\n  antall: {value}\n"), encoding="utf-8")
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert result.output == (
        f"runde/nav-a/K-AAAA11.yaml:8:11: feil: facts.antall: {message}\n    Gjør slik: {hint}\n"
        f"runde/nav-a/K-AAAA11.yaml:10:9: feil: answers.A-03: {message}\n    Gjør slik: {hint}\n"
        "2 feil, 0 advarsler\n")


def test_the_web_form_refuses_the_same_numbers():
    from kvp_audit.models import Fact
    from kvp_audit.valuetypes import fact_type

    number = fact_type(Fact(type="number"))
    assert number.from_text("12") == 12 and number.from_text("2,5") == 2.5
    assert number.from_text("nan") == "nan"  # left as text: refused as 'not a number'
    assert number.problem(number.from_text("nan")) == ("'nan' er ikke et tall", "skriv et tall, for eksempel 12")
    assert number.problem(number.from_text("9" * 30))[0] == "tallet er for stort (mer enn 1000000000000000)"


# --------------------------------------------------------------------------- broken round checklists


@pytest.mark.parametrize(("tail", "message"), [
    ("id: igjen\n", "runde/checklists/mini-sak.yaml:49:1: feil: id: nøkkelen 'id' står to ganger i samme mapping"),
    ("  bad: [\n", "runde/checklists/mini-sak.yaml:49:3: feil: ugyldig YAML: while parsing a block collection, "
                   "did not find expected '-' indicator"),
])
def test_a_broken_round_checklist_is_an_error_not_replaced_by_the_bundled_one(round_builder, tail, message):
    path = round_builder.root / "checklists" / "kvp-sak.yaml"
    bundled = Path(__file__).resolve().parent.parent / "checklists" / "kvp-sak.yaml"
    text = bundled.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    round_builder.write("runde.yaml", (round_builder.root / "runde.yaml").read_text(encoding="utf-8").replace(
        "mini-sak@1.0", "kvp-sak@2026.1"))
    # valid: only that the offices have no cases yet is said (tests/test_completeness.py pins it)
    assert run("validate", "runde").output.endswith("\n0 feil, 2 advarsler\n")
    (round_builder.root / "checklists" / "mini-sak.yaml").write_text(MINI + tail, encoding="utf-8")
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == message
    assert result.output.splitlines()[-1] == "1 feil, 0 advarsler"
    for command, code in ((("score", "runde"), 2), (("report", "runde", "--format", "md"), 2),
                          (("export", "runde", "--format", "json"), 1)):  # export: documented as 1
        result = run(*command)
        assert result.exit_code == code, command
        assert message in result.output


# --------------------------------------------------------------------------- unreadable files


@pytest.fixture
def unreadable(monkeypatch):
    """Make reading the given paths fail as a file without read permission does (tests run as root)."""
    refused: set[Path] = set()
    real_read, real_iterdir = Path.read_bytes, Path.iterdir

    def read_bytes(self):
        if self.resolve() in refused:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    def iterdir(self):
        if self.resolve() in refused:
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    def open_for_reading(path):
        if Path(path).resolve() in refused:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path)

    from kvp_audit import yamlio

    real_open = yamlio._open_for_reading
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(Path, "iterdir", iterdir)
    monkeypatch.setattr(yamlio, "_open_for_reading", open_for_reading)  # the one place files are opened
    return lambda path: refused.add(Path(path).resolve())


UNREADABLE = "feil: filen kan ikke leses (Permission denied)\n    Gjør slik: sjekk at filen finnes og at du har lov til å lese den"


def test_an_unreadable_case_file_is_a_problem(round_builder, unreadable):
    unreadable(round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja"}))
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert f"runde/nav-a/K-AAAA11.yaml: {UNREADABLE}\n" in result.output
    assert "Traceback" not in result.output
    assert run("score", "runde").exit_code == 2


def test_an_unreadable_office_folder_is_a_problem(round_builder, unreadable):
    unreadable(round_builder.root / "nav-a")
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert result.output == ("runde/nav-a: feil: mappen kan ikke leses (Permission denied)\n"
                             "    Gjør slik: sjekk at du har lov til å lese mappen\n1 feil, 0 advarsler\n")


def test_an_unreadable_round_file_is_a_message(round_builder, unreadable):
    unreadable(round_builder.root / "runde.yaml")
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert result.output == f"runde/runde.yaml: {UNREADABLE}\n1 feil, 0 advarsler\n"
    result = run("score", "runde")
    assert result.exit_code == 2
    assert result.output == f"runde/runde.yaml: {UNREADABLE}\nkvp-audit: rundefilen kan ikke brukes\n"
    result = run("new", "case", "runde", "nav-a", "--reviewer", "KB")
    assert result.exit_code == 2
    assert result.output.endswith("kvp-audit: rundefilen kan ikke brukes\n")


def test_a_previous_round_path_with_a_nul_is_a_problem(round_builder):
    round_builder.write("runde.yaml", (round_builder.root / "runde.yaml").read_text(encoding="utf-8")
                        + 'previous: "../20\\u00002024"\n')
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert result.output == (
        "runde/runde.yaml:12:11: feil: previous: '../20\\x002024' er ikke en sti: den har et kontrolltegn\n"
        "    Gjør slik: skriv stien til forrige runde fra denne mappen, for eksempel ../2024\n"
        "1 feil, 0 advarsler\n")
    assert run("report", "runde", "--format", "md").exit_code == 2


# --------------------------------------------------------------------------- Ctrl-C


def test_ctrl_c_during_an_xlsx_export_leaves_nothing(round_builder, monkeypatch, tmp_path):
    pytest.importorskip("openpyxl")
    import kvp_audit.export as export

    round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja"})

    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "_reproducible_zip", interrupted)
    (tmp_path / "ut").mkdir()
    result = CliRunner().invoke(main, ["export", "runde", "--out", "ut/runde.xlsx"])
    assert result.exit_code == 130
    assert result.output == "kvp-audit: avbrutt\n"
    assert list((tmp_path / "ut").iterdir()) == []


def test_ctrl_c_in_a_command_without_its_own_handler(monkeypatch):
    import kvp_audit.models as models

    def interrupted(kind="checklist"):
        raise KeyboardInterrupt

    monkeypatch.setattr(models, "json_schema", interrupted)
    result = CliRunner().invoke(main, ["checklist", "schema"])
    assert (result.exit_code, result.output) == (130, "kvp-audit: avbrutt\n")


def test_a_fact_of_the_wrong_type_in_a_condition_is_a_problem_not_a_crash(round_builder):
    (round_builder.root / "checklists" / "mini-sak.yaml").write_text(mini("antall > 2"), encoding="utf-8")
    round_builder.case("nav-a", "K-AAAA11", {"A-02": "ja"}, extra="")
    path = round_builder.root / "nav-a" / "K-AAAA11.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  har_barn: false\n", "  har_barn: false\n  antall: mange\n"),
                    encoding="utf-8")
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert result.output == ("runde/nav-a/K-AAAA11.yaml:8:11: feil: facts.antall: 'mange' passer ikke for 'antall'\n"
                             "    Gjør slik: forventet et tall\n1 feil, 0 advarsler\n")


def test_ctrl_c_while_validate_runs_on_several_cores_gives_no_traceback(round_builder):
    import os
    import signal
    import subprocess
    import sys
    import time

    for i in range(1500):
        key = "K-" + format(i, "06d").translate(str.maketrans("0123456789", "ABCDEFGHJK"))
        round_builder.case("nav-a", key, {"V-01": "ja"})
    def workers_started(pid: int) -> bool:
        """Whether validate has started its worker processes (Linux: /proc lists a process's
        children); elsewhere, after a second. Waiting for them, not for a fixed time, keeps a
        loaded machine from sending Ctrl-C while Python still imports click."""
        try:
            return bool(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
        except OSError:
            time.sleep(1.0)
            return True

    codes = set()
    for delay in (0.0, 0.2, 0.6):
        process = subprocess.Popen([sys.executable, "-m", "kvp_audit.cli", "validate", "runde"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        deadline = time.monotonic() + 60
        while process.poll() is None and not workers_started(process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
        out, err = process.communicate(timeout=60)
        assert "Traceback" not in err
        assert (process.returncode, err) in ((130, "kvp-audit: avbrutt\n"), (0, "")), (process.returncode, err)
        codes.add(process.returncode)
    assert 130 in codes


def test_a_folder_that_cannot_be_written_is_a_message(tmp_path, monkeypatch):
    import kvp_audit.rounds as rounds

    def refused(prefix, suffix, dir):
        raise PermissionError(13, "Permission denied", str(Path(dir) / f"{prefix}x{suffix}"))

    monkeypatch.setattr(rounds.tempfile, "mkdtemp", refused)
    result = run("new", "round", "r", "--name", "X", "--county", "Y", "--office", "nav-a=NAV A")
    assert result.exit_code == 2
    assert result.output == "kvp-audit: .r.x.tmp kan ikke leses eller skrives (Permission denied)\n"
    assert not (tmp_path / "r").exists()


def test_what_the_form_converts_the_loader_accepts_or_names():
    """The web form's conversion and the loader's check are the same object: a value the form
    turns into a number or date is accepted unless it is out of range, and text is refused."""
    import datetime as dt

    from hypothesis import given, strategies as st

    from kvp_audit.models import AnswerType, FactType
    from kvp_audit.valuetypes import ANSWER_TYPES, FACT_TYPES

    kinds = [FACT_TYPES[FactType.number], FACT_TYPES[FactType.date], ANSWER_TYPES[AnswerType.number]]

    @given(st.sampled_from(kinds), st.one_of(st.text(max_size=12), st.integers().map(str),
                                             st.dates().map(dt.date.isoformat)))
    def check(kind, text):
        value = kind.from_text(text)
        problem = kind.problem(value)
        if value is None:
            assert text == ""
        elif isinstance(value, str):
            assert problem is not None  # text the type cannot read is refused, never stored as a number
        elif problem is not None:
            assert "negativt" in problem[0] or "for stort" in problem[0]

    check()
