"""Time `kvp-audit export` on the synthetic national round (250 offices x 10 cases) in each format.

    python benchmarks/bench_export.py [--runs 3] [--keep DIR]

The round is loaded and scored once; then building the tables and each writer are timed
in this process (min / median / max), with the size of what was written. Last, the whole
command is timed once per format as a separate process (load + score + export).

Measured on 2 shared cores, Python 3.11 (national round: 107 500 rows in `svar`, 13 197 findings),
median of 3, writing only (tables built in 0.32-0.41 s):
csv 0.60-0.68 s (20 MB in 7 files), json 0.86-1.06 s (50 MB), sqlite 0.60-0.70 s (26 MB),
xlsx 15.6-20.8 s (8.6 MB). Whole `kvp-audit export` process: csv, json and sqlite about 2 s,
xlsx 17-25 s. XLSX time is openpyxl serialising 1.8 million cells one by one (profiled: over
90 % inside openpyxl/et_xmlfile); with lxml installed openpyxl is about 20 % faster. A county
round (20 offices x 5 cases) writes XLSX in 0.8 s and the other formats in under 0.06 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402


def show(label: str, values: list[float], extra: str = "") -> None:
    print(f"{label:36} min {min(values):6.3f}  median {statistics.median(values):6.3f}  "
          f"max {max(values):6.3f} s  {extra}".rstrip())


def size(paths: list[Path]) -> str:
    total = sum(p.stat().st_size for p in paths)
    return f"{total / 1024 / 1024:6.1f} MB" + (f" i {len(paths)} filer" if len(paths) > 1 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the round and the exports here and keep them")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="kvp-bench-export-"))
    national = base / "nasjonal"
    if not (national / "runde.yaml").exists():
        synth.write_round(national, 250, 10)
    out = base / "eksport"
    out.mkdir(exist_ok=True)

    from kvp_audit import export
    from kvp_audit.load import load_round
    from kvp_audit.scoring import score_round

    t = time.perf_counter()
    data = load_round(national)
    scores = score_round(data)
    assert not data.errors, data.errors[:3]
    print(f"kjerner: {os.cpu_count()}  Python {sys.version.split()[0]}  "
          f"nasjonal runde lastet og regnet ut på {time.perf_counter() - t:.2f} s")

    builds = []
    for _ in range(args.runs):
        t = time.perf_counter()
        tables = export.build_tables(data, scores)
        builds.append(time.perf_counter() - t)
    rows = ", ".join(f"{name} {len(r)}" for name, r in tables.rows.items())
    show("bygg tabellene", builds, f"({rows} rader)")

    for fmt in export.FORMATS:
        times, written = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            written = export.WRITERS[fmt](tables, out / f"nasjonal{export.DEFAULT_SUFFIX[fmt]}")
            times.append(time.perf_counter() - t)
        show(f"skriv {fmt}", times, size(written))

    for fmt in export.FORMATS:
        target = out / f"cli{export.DEFAULT_SUFFIX[fmt]}"
        t = time.perf_counter()
        subprocess.run(["kvp-audit", "export", str(national), "--format", fmt, "--out", str(target)],
                       check=True, capture_output=True)
        show(f"kvp-audit export --format {fmt}, hel prosess", [time.perf_counter() - t])
    if not args.keep:
        import shutil

        shutil.rmtree(base)


if __name__ == "__main__":
    main()
