"""Shared fixtures: a temporary round built from the mini checklist, HOME and cwd isolated."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE_COUNTY = Path(__file__).resolve().parent.parent / "examples" / "fiktivfylke"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated(tmp_path, tmp_path_factory, monkeypatch):
    """Run every test with HOME and the working directory in temporary folders."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KVP_AUDIT_LANG", raising=False)
    monkeypatch.delenv("KVP_AUDIT_CHECKLISTS", raising=False)
    monkeypatch.chdir(tmp_path)
    from kvp_audit.i18n import set_language

    set_language("nb")
    yield
    set_language("nb")


ROUND_YAML = """\
id: test-2026
name: Testrunde 2026
county: Fiktivfylke
period: {start: 2026-01-01, end: 2026-06-30}
checklists:
  case: mini-sak@1.0
offices:
  - id: nav-a
    name: NAV A
  - id: nav-b
    name: NAV B
"""


class RoundBuilder:
    """Write a round folder with the mini checklist, one file at a time."""

    def __init__(self, root: Path):
        self.root = root
        (root / "checklists").mkdir(parents=True)
        shutil.copy(FIXTURES / "mini-sak.yaml", root / "checklists" / "mini-sak.yaml")
        self.write("runde.yaml", ROUND_YAML)
        (root / "nav-a").mkdir()
        (root / "nav-b").mkdir()

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def case(self, office: str, key: str, answers: dict, status: str = "pågående",
             har_barn: bool | None = False, extra: str = "") -> Path:
        lines = [f"case: {key}", f"office: {office}", "reviewers: [KB]", "date: 2026-02-01",
                 "facts:", f"  status: {status}"]
        if har_barn is not None:
            lines.append(f"  har_barn: {'true' if har_barn else 'false'}")
        lines.append("answers:" if answers else "answers: {}")
        for cid, value in answers.items():
            lines.append(f"  {cid}: {value}")
        return self.write(f"{office}/{key}.yaml", "\n".join(lines) + "\n" + extra)


@pytest.fixture
def round_builder(tmp_path) -> RoundBuilder:
    return RoundBuilder(tmp_path / "runde")


@pytest.fixture
def round_dir(tmp_path) -> Path:
    """Copies of the example county's 2024 and 2026 rounds (2026 names 2024 as its previous round)."""
    target = tmp_path / "fiktivfylke"
    shutil.copytree(EXAMPLE_COUNTY / "2024", target / "2024")
    shutil.copytree(EXAMPLE_COUNTY / "2026", target / "2026")
    return target / "2026"
