"""``kvp-audit serve --make-launcher``: a file in the rounds' folder that a user double-clicks to
open the browser view (``kvp-audit.bat`` on Windows, ``kvp-audit.command`` on macOS,
``kvp-audit.sh`` elsewhere). It runs ``python -m kvp_audit serve`` and keeps its window open when
the command fails, so the message can be read."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from .errors import UsageError, display_path
from .i18n import _
from .yamlio import atomic_write

SYSTEMS = ("windows", "macos", "linux")
FILE_NAMES = {"windows": "kvp-audit.bat", "macos": "kvp-audit.command", "linux": "kvp-audit.sh"}


def this_system() -> str:
    """'windows', 'macos' or 'linux' (any other system gets the shell script)."""
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def launcher_text(system: str, folder: Path, python: str | None = None) -> str:
    """The launcher for ``system``. For this system it runs this Python on ``folder`` (absolute);
    for another system, where neither path means anything, it runs that system's usual Python
    command on the folder the launcher lies in."""
    native = system == this_system()
    if system == "windows":
        exe = _bat_quote(python or sys.executable) if native else "py -3"
        where = _bat_quote(str(folder)) if native else '"%~dp0."'
        lines = ["@echo off",
                 "chcp 65001 >nul",  # the folder's name may have æøå: read the rest of the file as UTF-8
                 "rem " + _("kvp-audit: rundene i denne mappen i nettleseren (skrevet av «kvp-audit serve --make-launcher»)"),
                 f"{exe} -m kvp_audit serve {where}",
                 "if errorlevel 1 pause",
                 ""]
        return "\r\n".join(lines)
    exe = shlex.quote(python or sys.executable) if native else "python3"
    where = shlex.quote(str(folder)) if native else '"$(dirname "$0")"'
    prompt = shlex.quote(_("Trykk Enter for å lukke vinduet."))
    return "\n".join([
        "#!/bin/sh",
        "# " + _("kvp-audit: rundene i denne mappen i nettleseren (skrevet av «kvp-audit serve --make-launcher»)"),
        f"{exe} -m kvp_audit serve {where}",
        "status=$?",
        f'if [ "$status" -ne 0 ]; then echo; printf "%s" {prompt}; read -r _; fi',
        'exit "$status"',
        ""])


def _bat_quote(text: str) -> str:
    # A batch file reads %NAME% as a variable: a literal per cent sign is doubled. A final
    # backslash (D:\) would escape the closing quote for the program: D:\. is the same folder.
    if text.endswith("\\"):
        text += "."
    return '"' + text.replace("%", "%%") + '"'


def write_launcher(folder: Path, system: str | None = None, force: bool = False, python: str | None = None) -> Path:
    """Write the launcher for ``system`` (default: this one) into ``folder``; returns its path. An
    existing launcher with other content is only replaced with ``force``."""
    system = system or this_system()
    if system not in SYSTEMS:
        raise UsageError(_("ukjent system '{system}'; bruk en av: {systems}").format(
            system=system, systems=", ".join(SYSTEMS)))
    if not folder.is_dir():
        raise UsageError(_("fant ikke mappen '{path}'").format(path=display_path(folder)))
    target = folder / FILE_NAMES[system]
    data = launcher_text(system, folder.resolve(), python).encode("utf-8")
    if target.exists() and not force and target.read_bytes() != data:
        raise UsageError(_("{path} finnes fra før og er en annen fil; bruk --force for å skrive over den").format(
            path=display_path(target)))
    atomic_write(target, data)
    if system != "windows":
        target.chmod(0o755)
    return target


def how_to_use(system: str, target: Path) -> str:
    """What the user does with the launcher, in one or two sentences."""
    name = target.name
    return {"windows": _("Dobbeltklikk {name} i Utforsker for å åpne rundene i nettleseren; lukk vinduet for å "
                         "stoppe."),
            "macos": _("Dobbeltklikk {name} i Finder for å åpne rundene i nettleseren; lukk Terminal-vinduet for "
                       "å stoppe. Kommer filen fra en annen maskin: høyreklikk og velg Åpne første gang."),
            "linux": _("Kjør ./{name}, eller dobbeltklikk den i filbehandleren og velg «Kjør i terminal»; "
                       "Ctrl-C stopper."),
            }[system].format(name=name)
