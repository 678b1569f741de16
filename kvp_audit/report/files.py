"""Where reports are written: one name per report, for the builder, the rebuild cache and
the web form."""

from __future__ import annotations

from pathlib import Path

FORMATS = ("html", "pdf", "md", "docx")
SUMMARY = "oppsummering"
FOLLOWUP = "oppfolging"  # an office's follow-up report: <office>-oppfolging.html


def report_dir(round_id: str, out: Path | None = None) -> Path:
    """The folder a round's reports go to: ``out``, or ``reports/<round id>``."""
    return out if out is not None else Path("reports") / round_id


def report_path(out_dir: Path, office_id: str | None, fmt: str, lang: str = "nb") -> Path:
    """The file of one report: an office's (``nav-x.html``), or the county summary's when
    ``office_id`` is None (``oppsummering.html``); other languages than bokmål get their
    code before the format (``nav-x.nn.html``)."""
    suffix = "" if lang == "nb" else f".{lang}"
    return out_dir / f"{office_id or SUMMARY}{suffix}.{fmt}"


def followup_report_path(out_dir: Path, office_id: str, fmt: str, lang: str = "nb") -> Path:
    """The file of an office's follow-up report, next to its office report: ``nav-x-oppfolging.html``
    (``nav-x-oppfolging.nn.html`` in nynorsk)."""
    return report_path(out_dir, f"{office_id}-{FOLLOWUP}", fmt, lang)


def example_rounds() -> list[Path]:
    """The bundled example rounds (examples/*/*/runde.yaml next to the package or the cwd)."""
    here = Path(__file__).resolve().parent.parent  # the kvp_audit package
    for base in (Path.cwd() / "examples", here.parent / "examples", here / "examples"):
        rounds = sorted(p.parent for p in base.glob("*/*/runde.yaml"))
        if rounds:
            return rounds
    return []
