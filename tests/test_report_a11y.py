"""The HTML reports checked by the Nu HTML Checker (vnu) and by axe-core in a real browser.

Both tools come from the npm registry and the browser from Debian; `.ci/run` installs them.
Locally the tests are skipped when a tool is missing:

    (cd tests/.cache && npm install vnu-jar axe-core) && apt-get install chromium

Paths can also be given with KVP_VNU_JAR, KVP_AXE_JS and KVP_CHROMIUM.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kvp_audit.report import build_reports

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache" / "node_modules"
VNU_JAR = Path(os.environ.get("KVP_VNU_JAR", CACHE / "vnu-jar" / "build" / "dist" / "vnu.jar"))
AXE_JS = Path(os.environ.get("KVP_AXE_JS", CACHE / "axe-core" / "axe.min.js"))
CHROMIUM = os.environ.get("KVP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def report_files(tmp_path_factory) -> list[Path]:
    """Every HTML report of the 2026 example round in bokmål, and one office in nynorsk and English."""
    out = tmp_path_factory.mktemp("a11y")
    round_dir = REPO / "examples" / "fiktivfylke" / "2026"
    build_reports(round_dir, out, ["html"])
    for lang in ("nn", "en"):
        build_reports(round_dir, out, ["html"], lang=lang)
    return sorted(out.glob("*.html"))


def test_reports_are_valid_html(report_files):
    java = shutil.which("java")
    if not java or not VNU_JAR.is_file():
        pytest.skip("vnu.jar or java not found (see the module docstring)")
    proc = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", *map(str, report_files)],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    problems = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['type']}: {m['message']}"
                for m in messages if m["type"] in ("error", "non-document-error")
                or m.get("subType") == "warning"]
    assert problems == []


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file() or not AXE_JS.is_file():
        pytest.skip("chromium or axe-core not found (see the module docstring)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def axe_violations(page) -> list[str]:
    """Run axe-core on the open page against WCAG 2.1 A and AA; one line per violation."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    return [f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]]


def test_reports_have_no_axe_violations(browser, report_files):
    page = browser.new_page()
    found = {}
    for path in report_files:
        page.goto(path.as_uri())
        violations = axe_violations(page)
        if violations:
            found[path.name] = violations
    page.close()
    assert found == {}


def test_reports_have_no_axe_violations_when_printed(browser, report_files):
    """Print styles change sizes and colours: check the print media too."""
    page = browser.new_page()
    page.emulate_media(media="print")
    page.goto(report_files[0].as_uri())
    assert axe_violations(page) == []
    page.close()
