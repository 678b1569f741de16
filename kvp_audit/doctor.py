"""``kvp-audit doctor``: checks the installation on this machine and says what to do about each
problem: Python, WeasyPrint and its Pango libraries, fonts with Norwegian letters, write access
to the round folder, the message catalogues, and the optional tools of the browser tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .errors import display_path
from .i18n import LANGUAGES, LOCALE_DIR, _

MIN_PYTHON = (3, 11)
SAMPLE_TEXT = "æøå ÆØÅ"
WEASYPRINT_WINDOWS = "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html#windows"


class Status(str, Enum):
    """The outcome of one check: fine, a problem that stops the main job, or an optional tool
    that is not there."""

    ok = "ok"
    problem = "problem"
    missing_optional = "missing-optional"

    def __str__(self) -> str:
        return self.value


SYMBOLS = {Status.ok: "✓", Status.problem: "✗", Status.missing_optional: "–"}
# for a terminal that cannot print the symbols (cp1252 on an old Windows console)
PLAIN_SYMBOLS = {Status.ok: "OK", Status.problem: "X ", Status.missing_optional: "- "}


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, what was found, and what to do when it is not fine."""

    id: str
    status: Status
    text: str
    fix: str = ""

    def as_dict(self) -> dict:
        """The check as JSON values."""
        return {"id": self.id, "status": str(self.status), "text": self.text, "fix": self.fix}


def _system(system: str | None) -> str:
    """'windows', 'macos' or 'linux': whose instructions to give."""
    name = system or sys.platform
    if name.startswith("win"):
        return "windows"
    if name == "darwin" or name == "macos":
        return "macos"
    return "linux"


def check_python(version: tuple = tuple(sys.version_info[:3]), system: str | None = None) -> Check:
    """Python 3.11 or newer."""
    shown = ".".join(str(part) for part in version)
    if tuple(version[:2]) >= MIN_PYTHON:
        return Check("python", Status.ok, _("Python {version}").format(version=shown))
    how = {"windows": _("installer Python 3.11 eller nyere fra https://www.python.org/downloads/ (kryss av for "
                        "«Add python.exe to PATH»), og installer kvp-audit på nytt med «py -m pip install ...»"),
           "macos": _("installer Python 3.11 eller nyere fra https://www.python.org/downloads/ eller med "
                      "«brew install python», og installer kvp-audit på nytt"),
           "linux": _("installer Python 3.11 eller nyere (for eksempel «sudo apt install python3»), og installer "
                      "kvp-audit på nytt")}[_system(system)]
    return Check("python", Status.problem,
                 _("Python {version}: kvp-audit trenger 3.11 eller nyere").format(version=shown), how)


def _pango_fix(system: str | None) -> str:
    return {"windows": _("installer Pango med MSYS2 slik WeasyPrint beskriver ({url}): installer MSYS2 fra "
                         "https://www.msys2.org, kjør «pacman -S mingw-w64-x86_64-pango» i MSYS2-vinduet, og sett "
                         "WEASYPRINT_DLL_DIRECTORIES=C:\\msys64\\mingw64\\bin").format(url=WEASYPRINT_WINDOWS),
            "macos": _("installer Pango med Homebrew: «brew install pango»"),
            "linux": _("installer Pango (Debian og Ubuntu: «sudo apt install libpango-1.0-0 libpangoft2-1.0-0»)"),
            }[_system(system)]


def check_weasyprint(system: str | None = None) -> Check:
    """WeasyPrint can be imported, finds Pango (and the libraries Pango needs), and makes a PDF."""
    import contextlib
    import io

    try:
        # WeasyPrint prints a banner of its own when a library is missing: this report says it
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint
    except OSError as exc:  # WeasyPrint is there, the system libraries it loads are not
        error = _one_line(str(exc).split("  Additionally", 1)[0])  # cffi's second sentence says the same
        return Check("weasyprint", Status.problem,
                     _("WeasyPrint finner ikke Pango-bibliotekene ({error})").format(error=error.rstrip(".")),
                     _pango_fix(system))
    except ImportError as exc:
        return Check("weasyprint", Status.problem, _("WeasyPrint er ikke installert ({error})").format(
            error=_one_line(exc)), _("installer kvp-audit på nytt med pip; det installerer WeasyPrint"))
    try:
        pdf = weasyprint.HTML(string=f"<p>{SAMPLE_TEXT}</p>").write_pdf()
    except Exception as exc:  # any failure of the libraries below WeasyPrint: say it, do not crash
        return Check("weasyprint", Status.problem,
                     _("WeasyPrint kan ikke lage en PDF ({error})").format(error=_one_line(exc)), _pango_fix(system))
    if not pdf.startswith(b"%PDF"):
        return Check("weasyprint", Status.problem, _("WeasyPrint laget ikke en PDF"), _pango_fix(system))
    return Check("weasyprint", Status.ok, _("WeasyPrint {version} med Pango {pango}: laget en PDF").format(
        version=weasyprint.__version__, pango=_pango_version()))


def _pango_version() -> str:
    try:
        from weasyprint.text.ffi import pango

        number = pango.pango_version()  # e.g. 15012 for 1.50.12
        return f"{number // 10000}.{number // 100 % 100}.{number % 100}"
    except Exception:  # an older or newer WeasyPrint keeps it elsewhere: not worth a failure
        return "?"


def _one_line(exc: BaseException | str) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def template_fonts() -> list[str]:
    """The font families the packaged templates ask for, in order, without generic names."""
    import re

    from .report.templating import template_dir

    names: list[str] = []
    for path in sorted(template_dir().glob("*.j2")):
        for match in re.finditer(r"font-family:\s*([^;}]+)", path.read_text(encoding="utf-8")):
            for name in match.group(1).split(","):
                name = name.strip().strip("\"'")
                if name and name not in ("sans-serif", "serif", "monospace") and name not in names:
                    names.append(name)
    return names


def check_fonts(fc_list: str | None = None) -> Check:
    """A font with the Norwegian letters, through fontconfig when its ``fc-list`` is there; the
    fonts the templates ask for are named when one of them is installed."""
    fc_list = fc_list if fc_list is not None else shutil.which("fc-list")
    wanted = template_fonts()
    if fc_list:
        try:
            listing = subprocess.run([fc_list, ":lang=nb", "family"], capture_output=True, text=True,
                                     timeout=30, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            listing = None
        if listing is not None:
            families = {name.strip() for line in listing.splitlines() for name in line.split(",") if name.strip()}
            found = [name for name in wanted if name in families]
            if found:
                return Check("fonts", Status.ok, _("skrift med æøå: {fonts} (som malene bruker)").format(
                    fonts=", ".join(found)))
            if families:
                return Check("fonts", Status.ok, _("skrift med æøå: {fonts} (malene ber om {wanted})").format(
                    fonts=", ".join(sorted(families)[:3]), wanted=", ".join(wanted)))
            return Check("fonts", Status.problem, _("ingen skrift med æøå funnet (fc-list :lang=nb)"),
                         _("installer en skrift med norske bokstaver, for eksempel DejaVu "
                           "(Debian og Ubuntu: «sudo apt install fonts-dejavu»)"))
    used = _font_in_pdf()
    if used:
        return Check("fonts", Status.ok, _("skrift med æøå: {fonts} (brukt av WeasyPrint)").format(fonts=used))
    return Check("fonts", Status.missing_optional, _("fant ikke ut hvilke skrifter som har æøå (uten fc-list og "
                                                     "WeasyPrint)"),
                 _("rett WeasyPrint først; malene ber om {wanted}").format(wanted=", ".join(wanted)))


def _font_in_pdf() -> str:
    """The font WeasyPrint embeds for the Norwegian letters in the templates' font families."""
    import re

    try:
        import weasyprint

        families = ", ".join(f'"{name}"' for name in template_fonts()) or "sans-serif"
        pdf = weasyprint.HTML(string=f'<p style="font-family: {families}, sans-serif">{SAMPLE_TEXT}</p>').write_pdf()
    except Exception:
        return ""
    match = re.search(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([^\s/]+)", pdf)
    return match.group(1).decode("latin-1") if match else ""


def check_folder(folder: Path) -> Check:
    """The round folder can be written: a temporary file is made there and removed."""
    shown = display_path(folder)
    if not folder.is_dir():
        return Check("folder", Status.problem, _("mappen {path} finnes ikke").format(path=shown),
                     _("gi mappen med runden: «kvp-audit doctor MAPPE»"))
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".kvp-audit-doctor-", suffix=".tmp"):
            pass
    except OSError as exc:
        return Check("folder", Status.problem, _("kan ikke skrive i {path} ({error})").format(
            path=shown, error=exc.strerror or _one_line(exc)),
            _("velg en mappe du kan skrive i (ikke en nettverksmappe som bare kan leses), eller be IT om skrivetilgang"))
    return Check("folder", Status.ok, _("kan skrive i {path}").format(path=shown))


def check_catalogues(locale_dir: Path = LOCALE_DIR) -> Check:
    """The nynorsk and English message catalogues are installed and can be read."""
    import gettext

    missing = []
    for lang in LANGUAGES[1:]:
        try:
            gettext.translation("messages", localedir=locale_dir, languages=[lang])
        except OSError:
            missing.append(lang)
    if missing:
        return Check("catalogues", Status.problem, _("meldingene mangler for {languages}").format(
            languages=", ".join(missing)), _("installer kvp-audit på nytt med pip (katalogene følger med pakken)"))
    return Check("catalogues", Status.ok, _("meldinger på {languages}").format(languages=", ".join(LANGUAGES)))


def _node_modules() -> Path:
    """Where the browser tests look for vnu and axe-core (tests/.cache in a checkout)."""
    return Path(__file__).resolve().parent.parent / "tests" / ".cache" / "node_modules"


def _chromium() -> str | None:
    env = os.environ.get("KVP_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    for path in ("/usr/bin/chromium", "/Applications/Chromium.app/Contents/MacOS/Chromium",
                 "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"):
        if Path(path).is_file():
            return path
    return None


def check_optional(which=shutil.which, node_modules: Path | None = None, chromium=_chromium) -> list[Check]:
    """The optional tools, and what each is for."""
    modules = node_modules or _node_modules()
    vnu = Path(os.environ.get("KVP_VNU_JAR", modules / "vnu-jar" / "build" / "dist" / "vnu.jar"))
    axe = Path(os.environ.get("KVP_AXE_JS", modules / "axe-core" / "axe.min.js"))
    tools = [
        ("libreoffice", bool(which("soffice") or which("libreoffice")),
         _("LibreOffice (soffice): åpne og se på DOCX-rapportene som PDF"),
         _("installer LibreOffice fra https://www.libreoffice.org")),
        ("chromium", bool(chromium()), _("Chromium: nettlesertestene og tilgjengelighetstestene"),
         _("installer Chromium (Debian: «sudo apt install chromium»)")),
        ("vnu", bool(which("java")) and vnu.is_file(), _("Java og vnu: HTML-sjekken i testene"),
         _("installer Java og «npm install vnu-jar» i tests/.cache")),
        ("axe", bool(which("node")) and axe.is_file(), _("node og axe-core: tilgjengelighetstestene"),
         _("installer Node.js og «npm install axe-core» i tests/.cache")),
    ]
    checks = []
    for tool_id, present, what, how in tools:
        if present:
            checks.append(Check(tool_id, Status.ok, what))
        else:
            checks.append(Check(tool_id, Status.missing_optional, _("{tool} (valgfritt)").format(tool=what), how))
    return checks


def run_checks(folder: Path, system: str | None = None) -> list[Check]:
    """Every check, in the order the report shows them."""
    return [check_python(system=system), check_weasyprint(system), check_fonts(), check_folder(folder),
            check_catalogues(), *check_optional()]


def can_run(checks: list[Check]) -> bool:
    """Whether the main job (validate and build the reports) can run: only optional tools missing."""
    return all(check.status is not Status.problem for check in checks)


def format_text(checks: list[Check], symbols: bool = True) -> str:
    """The report: one line per check, a «Gjør slik:» line under each that is not fine, a summary."""
    marks = SYMBOLS if symbols else PLAIN_SYMBOLS
    lines = []
    for check in checks:
        lines.append(f"{marks[check.status]} {check.text}")
        if check.fix:
            lines.append("    " + _("Gjør slik") + ": " + check.fix)
    lines.append(_("kvp-audit kan lage rapportene her.") if can_run(checks)
                 else _("kvp-audit kan ikke lage rapportene før problemene over er rettet."))
    return "\n".join(lines)


def can_print_symbols(stream) -> bool:
    """Whether ``stream`` can print ✓, ✗ and – (not a cp1252 Windows console)."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "".join(SYMBOLS.values()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
