"""Windows and macOS: the PDF and DOCX workers under the spawn start method (the default there),
file names Windows can hold, files with CRLF line ends, the double-click launcher, and no code
path that only Linux has."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "fiktivfylke" / "2026"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --------------------------------------------------------------------------- start methods


def _build(tmp_path: Path, method: str) -> Path:
    out = tmp_path / method
    env = {**os.environ, "KVP_AUDIT_START_METHOD": method, "SOURCE_DATE_EPOCH": "1767225600"}
    done = subprocess.run([sys.executable, "-m", "kvp_audit", "report", str(EXAMPLE), "--office", "nav-fjellby",
                           "--format", "pdf,docx", "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return out


def _pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def _docx_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_spawned_workers_make_the_same_pdf_and_docx_as_forked_ones(tmp_path):
    """The start method of Windows and macOS, forced here (CI runs it on Linux): the same files."""
    spawned = _build(tmp_path, "spawn")
    names = sorted(p.name for p in spawned.iterdir() if not p.name.startswith("."))
    assert names == ["nav-fjellby-oppfolging.docx", "nav-fjellby-oppfolging.pdf", "nav-fjellby.docx", "nav-fjellby.pdf"]
    if "fork" in __import__("multiprocessing").get_all_start_methods():
        forked = _build(tmp_path, "fork")
        for name in names:
            if name.endswith(".pdf"):
                pages = _pdf_pages(spawned / name)
                assert len(pages) >= 2
                assert pages == _pdf_pages(forked / name)
            else:
                assert _docx_parts(spawned / name) == _docx_parts(forked / name)
    text = " ".join(_pdf_pages(spawned / "nav-fjellby.pdf"))
    assert "NAV Fjellby" in text
    assert "Kvalitetsinnsyn KVP 2026" in text
    assert (spawned / "nav-fjellby.docx").read_bytes()[:2] == b"PK"


def test_an_unknown_start_method_names_the_variable_and_the_choices(monkeypatch):
    from kvp_audit.errors import UsageError
    from kvp_audit.report.workers import start_method

    monkeypatch.setenv("KVP_AUDIT_START_METHOD", "thread")
    with pytest.raises(UsageError) as caught:
        start_method()
    assert caught.value.message == "KVP_AUDIT_START_METHOD=thread er ikke en startmetode; bruk en av: fork, spawn, forkserver"


def test_the_start_method_is_fork_only_where_it_is_safe(monkeypatch):
    import multiprocessing
    import threading

    from kvp_audit.report import workers

    monkeypatch.delenv("KVP_AUDIT_START_METHOD", raising=False)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn", "forkserver"])
    monkeypatch.setattr(sys, "platform", "linux")
    helper = threading.Thread(target=threading.Event().wait, args=(5,), daemon=True)
    helper.start()  # a thread beside the main one, as the progress bar's refresh
    assert workers.start_method() == "fork"
    monkeypatch.setattr(sys, "platform", "darwin")  # macOS: its system libraries break in a forked child
    assert workers.start_method() == "spawn"
    monkeypatch.setattr(sys, "platform", "linux")
    chosen = []
    job = threading.Thread(target=lambda: chosen.append(workers.start_method()))  # a web server's build job
    job.start()
    job.join()
    assert chosen == ["forkserver"]
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])  # Windows
    assert workers.start_method() == "spawn"
    monkeypatch.setenv("KVP_AUDIT_START_METHOD", "Fork")
    from kvp_audit.errors import UsageError

    with pytest.raises(UsageError) as caught:
        workers.start_method()
    assert caught.value.message == ("KVP_AUDIT_START_METHOD=fork: den startmetoden finnes ikke på denne maskinen; "
                                    "bruk en av: spawn")


# --------------------------------------------------------------------------- names Windows can hold


def _round_with_office(tmp_path: Path, office_id: str) -> Path:
    target = tmp_path / "runde"
    shutil.copytree(EXAMPLE, target)
    text = (target / "runde.yaml").read_text(encoding="utf-8")
    (target / "runde.yaml").write_text(text.replace("  - id: nav-lia\n", f"  - id: {office_id}\n"), encoding="utf-8")
    return target


@pytest.mark.parametrize("office_id", ["con", "nul", "com0", "com1", "lpt9", "aux", "prn"])
def test_an_office_id_windows_keeps_for_a_device_is_refused(tmp_path, office_id):
    _round_with_office(tmp_path, office_id)
    line = next(i for i, text in enumerate((tmp_path / "runde" / "runde.yaml").read_text(encoding="utf-8").splitlines(), 1)
                if text == f"  - id: {office_id}")
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert result.output == (
        f"runde/runde.yaml:{line}:9: feil: offices[8].id: '{office_id}' kan ikke brukes som id: Windows reserverer "
        f"navnet til en enhet (CON, PRN, AUX, NUL, COM0–COM9, LPT0–LPT9); velg et annet, for eksempel "
        f"'nav-{office_id}'\n1 feil, 0 advarsler\n")


@pytest.mark.parametrize("office_id", ["nav-con", "com10", "lpt99", "console", "nul-kontor"])
def test_ids_that_only_look_like_device_names_stay_valid(tmp_path, office_id):
    target = _round_with_office(tmp_path, office_id)
    (target / "nav-lia").rename(target / office_id)
    for path in (target / office_id).glob("*.yaml"):
        path.write_text(path.read_text(encoding="utf-8").replace("office: nav-lia", f"office: {office_id}"),
                        encoding="utf-8")
    result = run("validate", "runde")
    assert result.output == "Ingen problemer funnet.\n"


def test_new_round_refuses_a_device_name_for_an_office():
    result = run("new", "round", "r", "--name", "X", "--county", "Y", "--office", "aux=NAV Aux")
    assert result.exit_code == 2
    assert result.output == ("kvp-audit: 'aux' kan ikke brukes som id: Windows reserverer navnet til en enhet "
                             "(CON, PRN, AUX, NUL, COM0–COM9, LPT0–LPT9); velg et annet, for eksempel 'nav-aux'\n")
    assert not Path("r").exists()


def test_a_round_id_windows_keeps_for_a_device_is_refused(tmp_path):
    target = tmp_path / "runde"
    shutil.copytree(EXAMPLE, target)
    text = (target / "runde.yaml").read_text(encoding="utf-8")
    (target / "runde.yaml").write_text(text.replace("id: fiktivfylke-2026\n", "id: prn\n"), encoding="utf-8")
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert result.output.startswith("runde/runde.yaml:2:5: feil: id: 'prn' kan ikke brukes som id: Windows reserverer")


def test_every_name_the_tool_writes_for_the_examples_is_valid_on_windows(tmp_path):
    """The reports, exports and national summary of the 2026 examples: names without a reserved
    device name, a character Windows refuses, or a final dot or space."""
    from kvp_audit.models import WINDOWS_RESERVED

    for rounds in ([EXAMPLE], [EXAMPLE, REPO / "examples" / "diktfylke" / "2026"]):
        result = run("report", *map(str, rounds), "--format", "html,md")
        assert result.exit_code == 0, result.output
    for fmt in ("xlsx", "csv", "sqlite"):
        assert run("export", str(EXAMPLE), "--format", fmt).exit_code == 0
    assert run("compare", str(REPO / "examples" / "fiktivfylke" / "2024"), str(EXAMPLE), "--format", "html").exit_code == 0
    written = [p.relative_to(tmp_path) for p in tmp_path.rglob("*")]
    assert len(written) > 30
    for path in written:
        for part in path.parts:
            assert not re.search(r'[<>:"|?*\\\x00-\x1f]', part), path
            assert not part.endswith((".", " ")), path
            assert part.split(".", 1)[0].lower() not in WINDOWS_RESERVED, path


# --------------------------------------------------------------------------- CRLF


def _crlf(folder: Path) -> None:
    for path in folder.rglob("*.yaml"):
        data = path.read_bytes()
        assert b"\r\n" not in data
        path.write_bytes(data.replace(b"\n", b"\r\n"))


def test_a_round_with_crlf_files_scores_as_the_same_round_with_lf(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "lf")
    shutil.copytree(EXAMPLE, tmp_path / "crlf")
    _crlf(tmp_path / "crlf")
    lf, crlf = run("score", "lf", "--format", "json"), run("score", "crlf", "--format", "json")
    assert lf.exit_code == crlf.exit_code == 0
    assert crlf.output == lf.output
    assert run("validate", "crlf").output == "Ingen problemer funnet.\n"


def test_an_error_in_a_crlf_file_has_the_line_it_has_with_lf(tmp_path):
    for name in ("lf", "crlf"):
        shutil.copytree(EXAMPLE, tmp_path / name)
        case = tmp_path / name / "nav-fjellby" / "K-8EY8J5.yaml"
        case.write_text(case.read_text(encoding="utf-8").replace("  SV-02:\n    answer: ja", "  SV-02:\n    answer: kanskje"),
                        encoding="utf-8")
    _crlf(tmp_path / "crlf")
    lf, crlf = run("validate", "lf"), run("validate", "crlf")
    assert lf.exit_code == crlf.exit_code == 1
    assert "lf/nav-fjellby/K-8EY8J5.yaml:20:13: feil:" in lf.output
    assert crlf.output == lf.output.replace("lf/", "crlf/")


def test_a_crlf_checklist_validates_with_the_same_lines(tmp_path):
    for name in ("lf", "crlf"):
        folder = tmp_path / name
        folder.mkdir()
        text = (REPO / "checklists" / "kvp-sak.yaml").read_text(encoding="utf-8")
        (folder / "kvp-sak.yaml").write_text(text.replace("scope: case", "scope: sak", 1), encoding="utf-8")
    _crlf(tmp_path / "crlf")
    lf, crlf = run("checklist", "validate", "lf/kvp-sak.yaml"), run("checklist", "validate", "crlf/kvp-sak.yaml")
    assert lf.exit_code == crlf.exit_code == 1
    assert re.search(r"lf/kvp-sak\.yaml:\d+:\d+: feil: scope", lf.output)
    assert crlf.output == lf.output.replace("lf/", "crlf/")


# --------------------------------------------------------------------------- the launcher


def test_python_m_kvp_audit_is_the_command():
    done = subprocess.run([sys.executable, "-m", "kvp_audit", "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert done.stdout.startswith("kvp-audit ")


def _native() -> str:
    from kvp_audit.launcher import this_system

    return this_system()


def test_the_launcher_for_this_system_runs_this_python_on_the_folder(tmp_path):
    from kvp_audit.launcher import FILE_NAMES

    (tmp_path / "runder").mkdir()
    result = run("serve", "runder", "--make-launcher")
    assert result.exit_code == 0, result.output
    system = _native()
    target = tmp_path / "runder" / FILE_NAMES[system]
    folder = str((tmp_path / "runder").resolve())
    if system == "windows":
        assert target.read_bytes().decode("utf-8").splitlines()[3] == f'"{sys.executable}" -m kvp_audit serve "{folder}"'
        return
    import shlex

    assert target.read_text(encoding="utf-8") == (
        "#!/bin/sh\n"
        "# kvp-audit: rundene i denne mappen i nettleseren (skrevet av «kvp-audit serve --make-launcher»)\n"
        f"{shlex.quote(sys.executable)} -m kvp_audit serve {shlex.quote(folder)}\n"
        "status=$?\n"
        "if [ \"$status\" -ne 0 ]; then echo; printf \"%s\" 'Trykk Enter for å lukke vinduet.'; read -r _; fi\n"
        "exit \"$status\"\n")
    assert os.access(target, os.X_OK)
    if system == "linux":
        assert result.output == ("Skrev runder/kvp-audit.sh. Kjør ./kvp-audit.sh, eller dobbeltklikk den i "
                                 "filbehandleren og velg «Kjør i terminal»; Ctrl-C stopper.\n")


@pytest.mark.skipif(sys.platform.startswith("win"), reason="runs the shell launcher")
def test_the_shell_launcher_runs_and_waits_for_enter_when_the_command_fails(tmp_path):
    (tmp_path / "runder").mkdir()
    assert run("serve", "runder", "--make-launcher", "--launcher-os", "linux" if _native() != "macos" else "macos").exit_code == 0
    launcher = next((tmp_path / "runder").glob("kvp-audit.*"))
    # a port that is not a port: serve fails at once, and the window waits for Enter
    text = launcher.read_text(encoding="utf-8").replace(" serve ", " serve --port 99999 ")
    launcher.write_text(text, encoding="utf-8")
    done = subprocess.run([str(launcher)], input="\n", capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "99999" in done.stderr
    assert done.stdout.endswith("Trykk Enter for å lukke vinduet.")


def test_a_windows_launcher_written_elsewhere_has_crlf_and_runs_py_on_its_own_folder(tmp_path):
    (tmp_path / "runder").mkdir()
    result = run("serve", "runder", "--make-launcher", "--launcher-os", "windows")
    assert result.exit_code == 0
    assert result.output == ("Skrev runder/kvp-audit.bat. Dobbeltklikk kvp-audit.bat i Utforsker for å åpne rundene "
                             "i nettleseren; lukk vinduet for å stoppe.\n")
    data = (tmp_path / "runder" / "kvp-audit.bat").read_bytes()
    if _native() != "windows":
        assert data == ("@echo off\r\nchcp 65001 >nul\r\n"
                        "rem kvp-audit: rundene i denne mappen i nettleseren (skrevet av «kvp-audit serve --make-launcher»)\r\n"
                        'py -3 -m kvp_audit serve "%~dp0."\r\nif errorlevel 1 pause\r\n').encode("utf-8")
    assert data.count(b"\r\n") == data.count(b"\n") == 5


def test_a_macos_launcher_is_a_command_file_that_can_be_run(tmp_path):
    (tmp_path / "runder").mkdir()
    result = run("serve", "runder", "--make-launcher", "--launcher-os", "macos")
    assert result.exit_code == 0
    assert result.output.startswith("Skrev runder/kvp-audit.command. Dobbeltklikk kvp-audit.command i Finder")
    target = tmp_path / "runder" / "kvp-audit.command"
    assert b"\r" not in target.read_bytes()
    if not sys.platform.startswith("win"):
        assert os.access(target, os.X_OK)


def test_the_launcher_does_not_overwrite_another_file_without_force(tmp_path):
    (tmp_path / "runder").mkdir()
    target = tmp_path / "runder" / "kvp-audit.bat"
    target.write_bytes(b"@echo my own\r\n")
    result = run("serve", "runder", "--make-launcher", "--launcher-os", "windows")
    assert result.exit_code == 2
    assert result.output == ("kvp-audit: runder/kvp-audit.bat finnes fra før og er en annen fil; "
                             "bruk --force for å skrive over den\n")
    assert target.read_bytes() == b"@echo my own\r\n"
    assert run("serve", "runder", "--make-launcher", "--launcher-os", "windows", "--force").exit_code == 0
    assert b"kvp_audit serve" in target.read_bytes()
    # the same launcher again is no conflict
    assert run("serve", "runder", "--make-launcher", "--launcher-os", "windows").exit_code == 0


def test_launcher_options_without_make_launcher_are_a_usage_error(tmp_path):
    result = run("serve", ".", "--launcher-os", "windows")
    assert result.exit_code == 2
    assert "Feil: --launcher-os og --force hører til --make-launcher" in result.output


def test_the_launcher_needs_an_existing_folder():
    result = run("serve", "finnes-ikke", "--make-launcher")
    assert result.exit_code == 2
    assert result.output == "kvp-audit: fant ikke mappen 'finnes-ikke'\n"


def test_a_launcher_in_english(tmp_path):
    (tmp_path / "runder").mkdir()
    result = run("--lang", "en", "serve", "runder", "--make-launcher", "--launcher-os", "windows")
    assert result.output == ("Wrote runder/kvp-audit.bat. Double-click kvp-audit.bat in File Explorer to open the "
                             "rounds in the browser; close the window to stop.\n")


# --------------------------------------------------------------------------- Linux-only code


LINUX_ONLY = [r"os\.fork\(", r"signal\.SIGKILL", r"import fcntl", r"[\"']/tmp", r"os\.getuid\(", r"import (pwd|grp|termios)",
              r"get_context\(\"fork\"\)", r"os\.killpg", r"\.setsid\("]
# Each use that is left has a fallback where the call does not exist: this list is checked.
ALLOWED = {("load.py", 'get_context("fork")'): "ValueError where fork is missing: the files are read in one process"}


def test_no_code_path_that_only_linux_has():
    found = []
    for path in sorted((REPO / "kvp_audit").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for pattern in LINUX_ONLY:
                match = re.search(pattern, line)
                if match and (path.name, match.group(0)) not in ALLOWED:
                    found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert found == []
    load = (REPO / "kvp_audit" / "load.py").read_text(encoding="utf-8")
    assert 'ctx = multiprocessing.get_context("fork")\n    except ValueError:' in load


def test_yaml_is_parsed_on_one_long_lived_thread_off_the_main_thread():
    """yaml-rs crashed the web server (a null pointer in the extension) when a request thread
    started after its first use parsed a file; every thread but the main one parses on one thread."""
    import threading

    from kvp_audit import yamlio

    seen = []

    def parse():
        seen.append(yamlio.loads("a: 1\nb: [1, 2]\n"))
        try:
            yamlio.parse_mapping("a: [1\n", Path("sak.yaml"))
        except yamlio.YamlFileError as exc:  # a syntax error is still the file's problem, with its line
            seen.append(exc.problems[0].format())

    for _ in range(3):
        worker = threading.Thread(target=parse)
        worker.start()
        worker.join()
    assert seen[0::2] == [{"a": 1, "b": [1, 2]}] * 3
    assert all(text.startswith("sak.yaml:") for text in seen[1::2]), seen
    names = [t.name for t in threading.enumerate() if t.name.startswith("kvp-yaml")]
    assert len(names) == 1
    assert yamlio.loads("x: ja\n") == {"x": "ja"}  # the main thread parses itself
