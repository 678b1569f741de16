"""``kvp-audit doctor``: what it says on a working install, on one where WeasyPrint cannot load
Pango (as on a fresh Windows or macOS laptop), and its exit codes."""

from __future__ import annotations

import builtins
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit import doctor
from kvp_audit.cli import main

# What cffi says on Windows when WeasyPrint cannot find the first of Pango's libraries.
NO_PANGO = ("cannot load library 'libgobject-2.0-0': error 0x7e.  Additionally, ctypes.util.find_library() did not "
            "manage to locate a library called 'libgobject-2.0-0'")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def normalised(text: str) -> str:
    text = re.sub(r"Python \d+\.\d+\.\d+", "Python X", text)
    return re.sub(r"WeasyPrint [\d.]+ med Pango [\d.]+", "WeasyPrint X med Pango Y", text)


@pytest.fixture
def no_optional_tools(monkeypatch, tmp_path):
    """The optional tools all missing, whatever this machine has, so the output is the same everywhere."""
    monkeypatch.setattr(doctor, "check_optional", lambda: _REAL_CHECK_OPTIONAL(
        which=lambda name: None, node_modules=tmp_path / "ingen", chromium=lambda: None))


_REAL_CHECK_OPTIONAL = doctor.check_optional

OPTIONAL_MISSING = """\
– LibreOffice (soffice): åpne og se på DOCX-rapportene som PDF (valgfritt)
    Gjør slik: installer LibreOffice fra https://www.libreoffice.org
– Chromium: nettlesertestene og tilgjengelighetstestene (valgfritt)
    Gjør slik: installer Chromium (Debian: «sudo apt install chromium»)
– Java og vnu: HTML-sjekken i testene (valgfritt)
    Gjør slik: installer Java og «npm install vnu-jar» i tests/.cache
– node og axe-core: tilgjengelighetstestene (valgfritt)
    Gjør slik: installer Node.js og «npm install axe-core» i tests/.cache
"""


def _fonts_line() -> str:
    if not shutil.which("fc-list"):
        pytest.skip("no fontconfig here: the font line names what WeasyPrint embeds")
    return "✓ skrift med æøå: DejaVu Sans, DejaVu Sans Condensed (som malene bruker)\n"


def test_a_working_install_says_so_and_exits_0(no_optional_tools):
    result = run("doctor")
    assert result.exit_code == 0
    assert normalised(result.output) == (
        "✓ Python X\n"
        "✓ WeasyPrint X med Pango Y: laget en PDF\n"
        + _fonts_line() +
        "✓ kan skrive i .\n"
        "✓ meldinger på nb, nn, en\n"
        + OPTIONAL_MISSING +
        "kvp-audit kan lage rapportene her.\n")
    assert not [p for p in Path(".").iterdir() if p.name.startswith(".kvp-audit-doctor")]


def test_weasyprint_without_pango_is_a_problem_with_what_to_do_and_exit_1(no_optional_tools, monkeypatch, capsys):
    real_import = builtins.__import__

    def import_(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            print("\n-----\n\nWeasyPrint could not import some external libraries.\n-----\n")  # as it does
            raise OSError(NO_PANGO)
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(builtins, "__import__", import_)
    monkeypatch.setattr(doctor, "check_fonts", lambda: doctor.Check("fonts", doctor.Status.ok, "skrift med æøå: X"))
    result = run("doctor")
    assert result.exit_code == 1
    assert normalised(result.output) == (
        "✓ Python X\n"
        "✗ WeasyPrint finner ikke Pango-bibliotekene (cannot load library 'libgobject-2.0-0': error 0x7e)\n"
        "    Gjør slik: installer Pango (Debian og Ubuntu: «sudo apt install libpango-1.0-0 libpangoft2-1.0-0»)\n"
        "✓ skrift med æøå: X\n"
        "✓ kan skrive i .\n"
        "✓ meldinger på nb, nn, en\n"
        + OPTIONAL_MISSING +
        "kvp-audit kan ikke lage rapportene før problemene over er rettet.\n")
    monkeypatch.setattr(builtins, "__import__", import_)
    windows = doctor.check_weasyprint("win32")
    assert windows.fix == (
        "installer Pango med MSYS2 slik WeasyPrint beskriver "
        "(https://doc.courtbouillon.org/weasyprint/stable/first_steps.html#windows): installer MSYS2 fra "
        "https://www.msys2.org, kjør «pacman -S mingw-w64-x86_64-pango» i MSYS2-vinduet, og sett "
        "WEASYPRINT_DLL_DIRECTORIES=C:\\msys64\\mingw64\\bin")
    assert doctor.check_weasyprint("darwin").fix == "installer Pango med Homebrew: «brew install pango»"


def test_json_says_the_same(no_optional_tools):
    result = run("doctor", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["ok"] is True
    assert [c["id"] for c in data["checks"]] == ["python", "weasyprint", "fonts", "folder", "catalogues",
                                                 "libreoffice", "chromium", "vnu", "axe"]
    assert [c["status"] for c in data["checks"]] == ["ok"] * 5 + ["missing-optional"] * 4
    assert data["checks"][3] == {"id": "folder", "status": "ok", "text": "kan skrive i .", "fix": ""}


def test_a_folder_that_is_not_there_or_cannot_be_written(no_optional_tools, tmp_path, monkeypatch):
    result = run("doctor", "finnes-ikke")
    assert result.exit_code == 1
    assert "✗ mappen finnes-ikke finnes ikke\n    Gjør slik: gi mappen med runden: «kvp-audit doctor MAPPE»\n" in result.output
    (tmp_path / "runde").mkdir()

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(doctor.tempfile, "NamedTemporaryFile", refused)
    check = doctor.check_folder(Path("runde"))
    assert check.status is doctor.Status.problem
    assert check.text == "kan ikke skrive i runde (Permission denied)"


def test_an_old_python_is_a_problem():
    check = doctor.check_python((3, 10, 4), "win32")
    assert check.status is doctor.Status.problem
    assert check.text == "Python 3.10.4: kvp-audit trenger 3.11 eller nyere"
    assert "«Add python.exe to PATH»" in check.fix
    assert doctor.check_python((3, 12, 1)).status is doctor.Status.ok


def test_missing_catalogues_are_a_problem(tmp_path):
    check = doctor.check_catalogues(tmp_path)
    assert check.status is doctor.Status.problem
    assert check.text == "meldingene mangler for nn, en"


def test_no_font_with_norwegian_letters(tmp_path):
    fake = tmp_path / "fc-list"
    fake.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    fake.chmod(0o755)
    if sys.platform.startswith("win"):
        pytest.skip("a shell script as fc-list")
    check = doctor.check_fonts(str(fake))
    assert check.status is doctor.Status.problem
    assert check.text == "ingen skrift med æøå funnet (fc-list :lang=nb)"


def test_the_optional_tools_that_are_there_are_named_without_valgfritt(tmp_path):
    jar = tmp_path / "vnu-jar" / "build" / "dist" / "vnu.jar"
    axe = tmp_path / "axe-core" / "axe.min.js"
    for path in (jar, axe):
        path.parent.mkdir(parents=True)
        path.write_text("x", encoding="utf-8")
    checks = _REAL_CHECK_OPTIONAL(which=lambda name: "/usr/bin/" + name, node_modules=tmp_path,
                                  chromium=lambda: "/usr/bin/chromium")
    assert doctor.format_text(checks, symbols=True) == (
        "✓ LibreOffice (soffice): åpne og se på DOCX-rapportene som PDF\n"
        "✓ Chromium: nettlesertestene og tilgjengelighetstestene\n"
        "✓ Java og vnu: HTML-sjekken i testene\n"
        "✓ node og axe-core: tilgjengelighetstestene\n"
        "kvp-audit kan lage rapportene her.")


def test_a_console_that_cannot_print_the_marks_gets_text(no_optional_tools):
    class Cp1252:
        encoding = "cp1252"

    assert doctor.can_print_symbols(Cp1252()) is False
    checks = [doctor.Check("python", doctor.Status.ok, "Python 3.12.1"),
              doctor.Check("weasyprint", doctor.Status.problem, "WeasyPrint finner ikke Pango-bibliotekene (x)", "gjør y"),
              doctor.Check("vnu", doctor.Status.missing_optional, "Java og vnu (valgfritt)", "gjør z")]
    text = doctor.format_text(checks, symbols=False)
    assert text == ("OK Python 3.12.1\n"
                    "X  WeasyPrint finner ikke Pango-bibliotekene (x)\n"
                    "    Gjør slik: gjør y\n"
                    "-  Java og vnu (valgfritt)\n"
                    "    Gjør slik: gjør z\n"
                    "kvp-audit kan ikke lage rapportene før problemene over er rettet.")
    text.encode("cp1252")


def test_doctor_in_english(no_optional_tools):
    result = run("--lang", "en", "doctor")
    assert result.exit_code == 0
    assert "✓ can write in .\n" in result.output
    assert result.output.endswith("kvp-audit can make the reports here.\n")
