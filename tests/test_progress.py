"""Progress bars: drawn on a terminal for report, demo and export; never in a pipe or CI."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from kvp_audit import progress
from kvp_audit.cli import main
from kvp_audit.progress import Progress

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fiktivfylke" / "2026"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # escape, carriage return, ...: all but \t and \n
BAR = "━"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def no_ci(monkeypatch):
    for name in progress.CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def terminal_display() -> tuple[Progress, io.StringIO]:
    out = io.StringIO()
    return Progress(console=Console(file=out, force_terminal=True, width=140, color_system="standard")), out


def plain(output: str) -> None:
    assert not CONTROL.search(output), repr(CONTROL.search(output)[0])
    assert BAR not in output


def test_wanted_on_a_terminal_only(no_ci, monkeypatch):
    assert progress.wanted(_Terminal())
    assert not progress.wanted(io.StringIO())
    monkeypatch.setenv("TERM", "dumb")
    assert not progress.wanted(_Terminal())


@pytest.mark.parametrize("name", ["CI", "GITHUB_ACTIONS", "GITLAB_CI"])
def test_no_bar_in_ci_even_on_a_terminal(no_ci, monkeypatch, name):
    monkeypatch.setenv(name, "true")
    assert not progress.wanted(_Terminal())
    monkeypatch.setenv(name, "0")
    assert progress.wanted(_Terminal())


def test_report_in_a_pipe_prints_plain_lines(no_ci, tmp_path):
    result = CliRunner().invoke(main, ["report", str(EXAMPLE), "--format", "md", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    plain(result.output)
    lines = result.output.splitlines()
    assert len(lines) == len(list((tmp_path / "r").glob("*.md")))
    assert all(line.startswith("skrev ") for line in lines)


def test_demo_prints_one_summary_line_per_round(no_ci, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # demo finds the example rounds from the code's folder
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--format", "md", "--out", str(out)])
    assert result.exit_code == 0, result.output
    plain(result.output)
    lines = result.output.splitlines()
    # the example rounds in name order (the second county, Diktfylke, first), then the national
    # summary of the two counties' 2026 rounds
    assert [line.split(":")[0] for line in lines] == [
        str(out / "diktfylke-2026"), str(out / "fiktivfylke-2022"), str(out / "fiktivfylke-2024"),
        str(out / "fiktivfylke-2026"), str(out / "nasjonal-2026")]
    n_2026 = len(list((out / "fiktivfylke-2026").glob("*.md")))
    assert lines[3] == f"{out / 'fiktivfylke-2026'}: {n_2026} filer skrevet, 0 uendret"
    assert lines[4] == f"{out / 'nasjonal-2026'}: 1 fil skrevet, 0 uendret"
    again = CliRunner().invoke(main, ["demo", "--format", "md", "--out", str(out)])
    assert again.output.splitlines()[3] == f"{out / 'fiktivfylke-2026'}: 0 filer skrevet, {n_2026} uendret"
    assert again.output.splitlines()[4] == f"{out / 'nasjonal-2026'}: 0 filer skrevet, 1 uendret"


def test_export_in_a_pipe_prints_plain_lines(no_ci, tmp_path):
    result = CliRunner().invoke(main, ["export", str(EXAMPLE), "--out", str(tmp_path / "runde.json")])
    assert result.exit_code == 0, result.output
    plain(result.output)
    assert result.output == "skrev runde.json\n"


def test_report_bar_on_a_terminal_names_the_round_and_counts_the_files(tmp_path):
    from kvp_audit.report import build_reports

    display, out = terminal_display()
    with display:
        result = build_reports(EXAMPLE, tmp_path / "r", ["md", "html"], progress=display)
    drawn = out.getvalue()
    n = len(result.written)
    assert n == 2 * 12
    assert BAR in drawn and "\x1b[" in drawn
    assert "Rapporter " in drawn and "fiktivfylke/2026" in drawn
    assert f"{n}/{n}" in drawn
    assert re.search(r"\d:\d\d:\d\d", drawn)  # the time so far


def test_export_bar_on_a_terminal_counts_offices_and_tables(tmp_path):
    from kvp_audit.export import TABLES, export_round
    from kvp_audit.load import load_round

    data = load_round(EXAMPLE)
    display, out = terminal_display()
    with display:
        export_round(data, "sqlite", tmp_path / "runde.sqlite", progress=display)
    total = len(data.round.offices) + len(TABLES)
    assert f"{total}/{total}" in out.getvalue() and "Eksport fiktivfylke-2026" in out.getvalue()


def test_a_display_that_is_not_wanted_draws_nothing(tmp_path):
    from kvp_audit.report import build_reports

    out = io.StringIO()
    with Progress(console=Console(file=out, force_terminal=True), enabled=False) as display:
        build_reports(EXAMPLE, tmp_path / "r", ["md"], progress=display)
    assert out.getvalue() == ""
