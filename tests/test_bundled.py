"""Every bundled checklist and every example round is valid, strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvp_audit.load import bundled_checklist_dir, load_checklist, load_round
from kvp_audit.models import Scope, Severity

REPO = Path(__file__).resolve().parent.parent
CHECKLISTS = sorted(p for p in (REPO / "checklists").rglob("*.yaml"))
ROUNDS = sorted(p.parent for p in (REPO / "examples").rglob("runde.yaml"))


def test_bundled_dir_is_found():
    assert bundled_checklist_dir() == REPO / "checklists"


@pytest.mark.parametrize("path", CHECKLISTS, ids=lambda p: p.name)
def test_checklist_is_valid_without_warnings(path):
    checklist, problems = load_checklist(path)
    assert [p.format() for p in problems] == []
    assert checklist is not None


def test_the_three_bundled_checklists():
    loaded = {c.id: c for c in (load_checklist(p)[0] for p in CHECKLISTS) if c.version == "2026.1"}
    assert loaded["kvp-sak"].scope == Scope.case
    assert loaded["kvp-kontor"].scope == Scope.office
    assert loaded["kvp-oppfolging"].scope == Scope.followup
    case = loaded["kvp-sak"]
    scored = [c for c in case.criteria() if c.scored]
    assert len(scored) >= 25
    assert all(c.legal_basis for c in scored if c.severity == Severity.krav)
    assert all(c.recommendation for c in scored)
    assert len(loaded["kvp-oppfolging"].themes) == 7


def test_case_checklist_versions_map_through_replaces():
    new = load_checklist(REPO / "checklists" / "kvp-sak.yaml")[0]
    old = load_checklist(REPO / "checklists" / "arkiv" / "kvp-sak-2024.1.yaml")[0]
    old_ids = set(old.criterion_map())
    new_ids = set(new.criterion_map())
    replaced = {r for c in new.criteria() for r in c.replaces}
    # Every id that disappeared is replaced by something; nothing replaces an unknown id.
    assert old_ids - new_ids <= replaced
    assert replaced <= old_ids


@pytest.mark.parametrize("root", ROUNDS, ids=lambda p: str(p.relative_to(REPO)))
def test_example_round_is_valid(root):
    data = load_round(root)
    assert [p.format() for p in data.problems] == []
    # Fiktivfylke's rounds have 8 offices or more; Diktfylke, the second county (for the national
    # summary), is small on purpose
    assert len(data.round.offices) >= (4 if data.round.id.startswith("diktfylke") else 8)
    for office in data.round.offices:
        # one office of the 2026 round has ten cases, so the report's page limit for 10 is tried
        assert 2 <= len(data.cases[office.id]) <= (10 if office.id == "nav-sorholmen" else 6), office.id


def test_examples_say_they_are_fictional():
    for path in (REPO / "examples").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8").lower()
        assert "fiktiv" in text, path
