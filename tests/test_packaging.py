"""The built package carries its checklists, templates and translations.

A non-editable install must work from any folder, not just from the checkout: build the
wheel, unpack it (which is what installing does) and run the command from elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(REPO)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.skip(f"could not build the wheel here: {proc.stderr.strip()[-300:]}")
    wheel = next(dist.glob("kvp_audit-*.whl"))
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    return site


def _run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site), "KVP_AUDIT_LANG": "nb"}
    return subprocess.run([sys.executable, "-m", "kvp_audit.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_wheel_holds_templates_checklists_and_catalogues(unpacked_wheel):
    pkg = unpacked_wheel / "kvp_audit"
    for name in ("office.html.j2", "summary.html.j2", "office.md.j2", "summary.md.j2", "base.html.j2"):
        assert (pkg / "templates" / name).is_file(), name
    for name in ("kvp-sak.yaml", "kvp-kontor.yaml", "kvp-oppfolging.yaml"):
        assert (pkg / "checklists" / name).is_file(), name
    for lang in ("nn", "en"):
        assert (pkg / "locale" / lang / "LC_MESSAGES" / "messages.mo").is_file()
    for lang in ("nb", "nn"):
        assert (pkg / "locale" / lang / "LC_MESSAGES" / "click.mo").is_file()


def test_installed_package_builds_reports_from_another_folder(unpacked_wheel, tmp_path):
    work = tmp_path / "et-annet-sted"
    work.mkdir()
    shutil.copytree(REPO / "examples" / "fiktivfylke" / "2026", work / "2026")
    proc = _run(unpacked_wheel, work, "report", "2026", "--office", "nav-fjellby", "--out", "ut")
    assert proc.returncode == 0, proc.stderr
    html = (work / "ut" / "nav-fjellby.html").read_text(encoding="utf-8")
    assert "NAV Fjellby" in html and "Rettslig grunnlag" in html
    # the package that ran is the unpacked wheel, not the checkout
    where = _run(unpacked_wheel, work, "--version")
    assert where.returncode == 0
    probe = subprocess.run([sys.executable, "-c", "import kvp_audit, sys; print(kvp_audit.__file__)"],
                           cwd=work, env={**os.environ, "PYTHONPATH": str(unpacked_wheel)},
                           capture_output=True, text=True)
    assert probe.stdout.startswith(str(unpacked_wheel))
