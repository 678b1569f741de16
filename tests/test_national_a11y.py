"""The national summary of the example 2026 rounds, checked by vnu and by axe-core in a browser
(the same tools and the same skips as tests/test_report_a11y.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from kvp_audit.report.national import build_national
from test_report_a11y import VNU_JAR, axe_violations, browser  # noqa: F401  (browser is a fixture)

REPO = Path(__file__).resolve().parent.parent
ROUNDS = [REPO / "examples" / "fiktivfylke" / "2026", REPO / "examples" / "diktfylke" / "2026"]


@pytest.fixture(scope="module")
def national_files(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("national-a11y")
    for lang in ("nb", "en"):
        build_national(ROUNDS, out=out, formats=["html"], lang=lang)
    return sorted(out.glob("*.html"))


def test_national_summary_is_valid_html(national_files):
    java = shutil.which("java")
    if not java or not VNU_JAR.is_file():
        pytest.skip("vnu.jar or java not found (see tests/test_report_a11y.py)")
    proc = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", *map(str, national_files)],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    assert [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
            if m["type"] in ("error", "non-document-error") or m.get("subType") == "warning"] == []


def test_national_summary_has_no_axe_violations(browser, national_files):  # noqa: F811
    page = browser.new_page()
    found = {}
    for path in national_files:
        page.goto(path.as_uri())
        if violations := axe_violations(page):
            found[path.name] = violations
    page.close()
    assert found == {}
