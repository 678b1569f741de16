"""Generate the second fictional county, examples/diktfylke/2026 (deterministic, seeded).

    python examples/make_diktfylke.py

A small county (four offices) whose 2026 round runs at the same time as Fiktivfylke's, so
that ``kvp-audit demo`` can write the national summary of two counties. It still uses the
older case checklist (kvp-sak@2024.1), so the national summary matches criteria across
checklist versions (by id and ``replaces``) as a real one must. Its county summary is final
(``endelig``), Fiktivfylke's a draft. Everything written is fictional. The case and office
reviews are drawn by the same functions as Fiktivfylke's (make_examples.py); only this
county's folder is written, so the other examples are left as they are.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_examples import (FICTION, HEADER, REVIEWERS, case_text, checklists, draw_facts, draw_key,  # noqa: E402
                           office_text, q)

ROOT = HERE.parent
COUNTY = "Diktfylke (fiktivt)"
ROUND_ID = "diktfylke-2026"
OFFICES = [("nav-bakkeby", "NAV Bakkeby"), ("nav-havnes", "NAV Havnes"), ("nav-lundvik", "NAV Lundvik"),
           ("nav-myra", "NAV Myra")]
CASES = {"nav-bakkeby": 3, "nav-havnes": 2, "nav-lundvik": 4, "nav-myra": 3}
START, END = dt.date(2026, 3, 1), dt.date(2026, 8, 31)
SEED = 4026
SUMMARY = """\
Statsforvalteren har i 2026 gjennomgått kvalifiseringsprogrammet ved fire NAV-kontorer i Diktfylke.

Kontorene kartlegger deltakerne godt, men individuell plan blir sjelden tilbudt, og evalueringene
blir ikke alltid gjort til avtalt tid."""


def round_text(case_ref: str) -> str:
    """runde.yaml of the round, with a final county summary."""
    lines = [HEADER.rstrip("\n"), f"id: {ROUND_ID}", f"name: {q('Kvalitetsinnsyn KVP 2026')}", f"county: {q(COUNTY)}",
             "period:", f"  start: {START.isoformat()}", f"  end: {END.isoformat()}", "checklists:",
             f"  case: {case_ref}", "  office: kvp-kontor@2026.1", "  followup: kvp-oppfolging@2026.1",
             f"note: {q(FICTION)}", "offices:"]
    for oid, oname in OFFICES:
        lines += [f"  - id: {oid}", f"    name: {q(oname)}"]
    lines += ["report:", f"  sender: {q('Statsforvalteren i Diktfylke')}", f"  reference: {q('2026/815')}",
              "  summary:", "    status: endelig", "    date: 2026-09-15", "    text: |"]
    lines += [f"      {line}".rstrip() for line in SUMMARY.splitlines()]
    return "\n".join(lines) + "\n"


def make_round(folder: Path) -> None:
    """Write the round into ``folder`` (which is replaced)."""
    _sak_2024, _sak_2026, kontor, _oppfolging = checklists()
    case_checklist = _sak_2024
    rng = random.Random(SEED)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "runde.yaml").write_text(round_text(case_checklist.ref), encoding="utf-8")
    taken: set[str] = set()
    for index, (oid, _name) in enumerate(OFFICES):
        quality = random.Random(f"{SEED}-{oid}").uniform(-0.12, 0.1)
        (folder / oid).mkdir()
        visit = START + dt.timedelta(days=14 * index + 2)
        reviewers = sorted(rng.sample(REVIEWERS, 2))
        n = CASES[oid]
        for i in range(n):
            key = draw_key(rng, taken)
            facts = draw_facts(rng, START)
            selection = "kontoret" if i < n // 2 else "tilfeldig"
            text = case_text(rng, case_checklist, oid, key, reviewers, visit, selection, facts, 2024, quality)
            (folder / oid / f"{key}.yaml").write_text(text, encoding="utf-8")
        (folder / oid / "kontor.yaml").write_text(
            office_text(rng, kontor, oid, reviewers, visit, 2026, quality), encoding="utf-8")


def main() -> None:
    folder = ROOT / "examples" / "diktfylke" / "2026"
    make_round(folder)
    print(f"skrev {folder.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
