"""Opening a round (load.open_round) and making one (rounds.create_round), through the library.

The scope check runs when a round is opened, for every reader: validate, the web form and
new case. A new round is built aside and moved into place whole.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit.cli import main
from kvp_audit.errors import InputError, UsageError
from kvp_audit.load import (
    ChecklistLibrary,
    bundled_checklist_dir,
    existing_case_keys,
    open_round,
    previous_chain,
)
from kvp_audit.models import FindingKind, FollowupStatus
from kvp_audit.rounds import create_round

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "fiktivfylke"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def county(tmp_path) -> Path:
    """Copies of the example rounds (2026 names 2024 as its previous round)."""
    target = tmp_path / "fiktivfylke"
    for year in ("2022", "2024", "2026"):
        shutil.copytree(EXAMPLES / year, target / year)
    return target


def with_case_checklist_as_office(round_dir: Path) -> None:
    path = round_dir / "runde.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  office: kvp-kontor@2026.1", "  office: kvp-sak@2026.1"), encoding="utf-8")


# --------------------------------------------------------------------------- open_round


def test_open_round_gives_the_checklists_by_scope(county):
    opened = open_round(county / "2026")
    assert opened.root == county / "2026"
    assert opened.round.id == "fiktivfylke-2026"
    assert {scope: c.ref if c else None for scope, c in opened.checklists.items()} == {
        "case": "kvp-sak@2026.1", "office": "kvp-kontor@2026.1", "followup": "kvp-oppfolging@2026.1"}
    assert opened.problems == []


SCOPE_ERROR = ("fiktivfylke/2026/runde.yaml:10:11: feil: checklists.office: sjekklisten kvp-sak@2026.1 har "
               "scope 'case', men er oppgitt som 'office'\n"
               "    Gjør slik: bruk en sjekkliste med scope: office")


def test_a_checklist_of_another_scope_is_a_problem_and_not_used(county, monkeypatch):
    with_case_checklist_as_office(county / "2026")
    monkeypatch.chdir(county.parent)
    opened = open_round(Path("fiktivfylke/2026"))
    assert opened.office_checklist is None
    assert opened.case_checklist.ref == "kvp-sak@2026.1"
    assert [p.format() for p in opened.problems] == [SCOPE_ERROR]


def test_validate_reports_one_scope_error(county, monkeypatch):
    with_case_checklist_as_office(county / "2026")
    monkeypatch.chdir(county.parent)
    result = run("validate", "fiktivfylke/2026")
    assert result.exit_code == 1
    assert result.output == SCOPE_ERROR + "\n1 feil, 0 advarsler\n"


def test_web_form_does_not_show_the_office_review_against_a_case_checklist(county, tmp_path):
    pytest.importorskip("flask")
    from kvp_audit.web.app import create_app

    with_case_checklist_as_office(county / "2026")
    app = create_app(county / "2026", reports_dir=tmp_path / "reports", report_formats=("html",))
    app.config["TESTING"] = True
    client = app.test_client()
    page = client.get("/kontor/nav-bergtun/kontorvurdering")
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert "runden har ingen sjekkliste for kontoret (checklists.office i runde.yaml)" in text
    assert "<form" not in text  # no office review offered against the case checklist


def test_open_round_raises_only_for_an_unusable_round_file(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "runde.yaml").write_text("id: x\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        open_round(tmp_path / "r")
    assert info.value.message == "rundefilen kan ikke brukes"
    assert [p.key for p in info.value.problems] == ["name", "county", "period", "checklists", "offices"]


def test_require_case_checklist_says_why(county, monkeypatch):
    path = county / "2026" / "runde.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("case: kvp-sak@2026.1", "case: kvp-sak@9.9"),
                    encoding="utf-8")
    monkeypatch.chdir(county.parent)
    opened = open_round(Path("fiktivfylke/2026"))
    with pytest.raises(InputError) as info:
        opened.require_case_checklist()
    assert info.value.message == "sjekklisten 'kvp-sak@9.9' kan ikke brukes"
    assert info.value.problems[0].location() == "fiktivfylke/2026/runde.yaml:9:9"
    assert info.value.problems[0].message == "fant ikke sjekklisten 'kvp-sak@9.9'"


# --------------------------------------------------------------------------- previous_chain


def test_previous_chain_walks_back_newest_first(county):
    assert previous_chain(county / "2026") == [(county / y).resolve() for y in ("2026", "2024", "2022")]
    assert previous_chain(county / "2026", limit=2) == [(county / y).resolve() for y in ("2026", "2024")]


def test_previous_chain_stops_at_a_loop_a_missing_round_and_a_nul(county):
    path = county / "2022" / "runde.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + 'previous: "../2026"\n', encoding="utf-8")
    assert previous_chain(county / "2026") == [(county / y).resolve() for y in ("2026", "2024", "2022")]
    path.write_text(text + 'previous: "../2020"\n', encoding="utf-8")
    assert len(previous_chain(county / "2026")) == 3
    path.write_text(text + 'previous: "../20\\u00002024"\n', encoding="utf-8")
    assert len(previous_chain(county / "2026")) == 3
    assert previous_chain(county / "nothing-here") == []


# --------------------------------------------------------------------------- case keys and versions


def test_existing_case_keys_are_names_and_keys_in_files(county):
    opened = open_round(county / "2026")
    keys = existing_case_keys(opened)
    assert "K-3RRV79" in keys
    moved = county / "2026" / "nav-bergtun" / "renamed.yaml"
    (county / "2026" / "nav-bergtun" / "K-3RRV79.yaml").rename(moved)
    assert "K-3RRV79" in existing_case_keys(opened)  # the key written in the file
    (county / "2026" / "stray").mkdir()
    (county / "2026" / "stray" / "K-ZZZZ99.yaml").write_text("case: K-ZZZZ98\n", encoding="utf-8")
    assert {"K-ZZZZ99", "K-ZZZZ98"} <= existing_case_keys(opened)
    assert "kontor" not in existing_case_keys(opened)


def test_newest_version_of_a_checklist(tmp_path):
    library = ChecklistLibrary([bundled_checklist_dir()])
    assert library.newest("kvp-sak") == "kvp-sak@2026.2"
    assert library.newest("finnes-ikke") is None
    folder = tmp_path / "mine"
    folder.mkdir()
    text = (bundled_checklist_dir() / "kvp-sak.yaml").read_text(encoding="utf-8")
    for version in ("2026.9", "2026.10"):
        (folder / f"sak-{version}.yaml").write_text(
            text.replace('version: "2026.2"', f'version: "{version}"'), encoding="utf-8")
    assert ChecklistLibrary([folder, bundled_checklist_dir()]).newest("kvp-sak") == "kvp-sak@2026.10"


# --------------------------------------------------------------------------- create_round


def test_create_round_from_options(tmp_path):
    created = create_round(tmp_path / "ny", name="KVP 2027", county="Fiktivfylke",
                           offices=["nav-a=NAV A", "NAV Bø"], start=dt.date(2027, 1, 1), reviewers=["KB"])
    rnd = created.round
    # issue 15: the id names the county, and the period is the start's year (was: the folder's name, start + 182 days)
    assert (rnd.id, rnd.name, rnd.period.end) == ("fiktivfylke-ny", "KVP 2027", dt.date(2027, 12, 31))
    assert [o.id for o in rnd.offices] == ["nav-a", "nav-bo"]
    assert {k: str(v) for k, v in rnd.checklists} == {
        "case": "kvp-sak@2026.2", "office": "kvp-kontor@2026.1", "followup": "kvp-oppfolging@2026.1"}
    assert [p.relative_to(tmp_path).as_posix() for p in created.written] == [
        "ny/runde.yaml", "ny/nav-a/kontor.yaml", "ny/nav-a/rapport.yaml", "ny/nav-bo/kontor.yaml",
        "ny/nav-bo/rapport.yaml"]
    assert open_round(tmp_path / "ny").problems == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ny"]  # nothing left aside


def test_create_round_needs_name_county_and_offices(tmp_path):
    with pytest.raises(UsageError) as info:
        create_round(tmp_path / "x", name="X")
    assert info.value.message == ("mangler --county, --office; oppgi dem, eller lag runden fra en tidligere "
                                  "runde med --from")
    assert not (tmp_path / "x").exists()


def test_create_round_from_the_previous_round_carries_open_findings(county):
    created = create_round(county / "2028", from_round=county / "2026", start=dt.date(2028, 2, 1))
    rnd = created.round
    previous = open_round(county / "2026").round
    assert rnd.name == "Kvalitetsinnsyn KVP 2026 (ny runde 2028)"
    assert rnd.county == previous.county and rnd.previous == "../2026"
    assert [o.id for o in rnd.offices] == [o.id for o in previous.offices]
    assert created.previous_name == "Kvalitetsinnsyn KVP 2026"
    assert created.carried_count == sum(len(v) for v in rnd.carried.values()) > 0
    for findings in rnd.carried.values():
        for f in findings:
            assert f.kind in (FindingKind.avvik, FindingKind.merknad)
            assert f.status in (FollowupStatus.aapen, FollowupStatus.delvis, FollowupStatus.ikke_fulgt_opp)
    assert open_round(county / "2028").problems == []
    result = run("validate", str(county / "2028"))
    assert result.exit_code == 0, result.output


def test_create_round_from_a_round_with_errors_writes_nothing(county):
    (county / "2026" / "nav-bergtun" / "K-3RRV79.yaml").write_text("case: [\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        create_round(county / "2028", from_round=county / "2026")
    assert info.value.message.endswith("har 1 feil; rett den (se 'kvp-audit validate') først")
    assert not (county / "2028").exists()


def test_an_interrupted_new_round_leaves_no_partial_round(county, monkeypatch):
    import kvp_audit.skeleton as skeleton

    real = skeleton.atomic_write
    calls = []

    def failing(path, data):
        calls.append(path)
        if len(calls) == 4:
            raise KeyboardInterrupt
        real(path, data)

    monkeypatch.setattr(skeleton, "atomic_write", failing)
    with pytest.raises(KeyboardInterrupt):
        create_round(county / "2028", from_round=county / "2026")
    assert sorted(p.name for p in county.iterdir()) == ["2022", "2024", "2026"]  # no 2028, no .tmp
    monkeypatch.setattr(skeleton, "atomic_write", real)
    created = create_round(county / "2028", from_round=county / "2026")  # and it can be made again
    assert len(created.written) == 1 + 2 * len(created.round.offices)  # runde.yaml, kontor.yaml and rapport.yaml


def test_an_interrupted_new_round_in_an_existing_folder_is_no_round(tmp_path, monkeypatch):
    import kvp_audit.rounds as rounds

    target = tmp_path / "r"
    (target / "checklists").mkdir(parents=True)
    moves = []
    real = rounds.os.rename

    def failing(src, dst):
        moves.append(dst)
        if Path(dst).name == "runde.yaml":
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(rounds.os, "rename", failing)
    with pytest.raises(OSError):
        create_round(target, name="X", county="Y", offices=["nav-a=NAV A"])
    assert not (target / "runde.yaml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    monkeypatch.setattr(rounds.os, "rename", real)
    created = create_round(target, name="X", county="Y", offices=["nav-a=NAV A"])
    assert (target / "runde.yaml").is_file() and created.round.offices[0].id == "nav-a"
    assert not list(tmp_path.rglob("*.tmp"))


def test_create_round_refuses_an_existing_round(county):
    with pytest.raises(InputError) as info:
        create_round(county / "2026", name="X", county="Y", offices=["nav-a=NAV A"])
    assert info.value.message.endswith("2026/runde.yaml finnes allerede; nye runder lages i en tom mappe")


def test_validate_round_is_what_validate_prints(county, monkeypatch):
    from kvp_audit.load import validate_round

    monkeypatch.chdir(county.parent)
    assert validate_round(Path("fiktivfylke/2026")) == []
    with_case_checklist_as_office(county / "2026")
    assert [p.format() for p in validate_round(Path("fiktivfylke/2026"))] == [SCOPE_ERROR]
    (county / "2024" / "runde.yaml").write_text("id: [\n", encoding="utf-8")
    problems = validate_round(Path("fiktivfylke/2024"))  # an unusable round file: its problems
    assert [p.location() for p in problems] == ["fiktivfylke/2024/runde.yaml:1:5"]
