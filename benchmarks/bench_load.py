"""Time load + validate + score on a synthetic national round, and start-up figures.

    python benchmarks/bench_load.py [--runs 5] [--keep DIR]

Prints min / median / max of each figure with the machine's core count. Targets (issue 4):
national round (2,500 case files) loaded, validated and scored in at most 1.0 s on 2 cores;
`kvp-audit score` on a county round (20 x 5) under 0.4 s as a whole process;
`kvp-audit --help` in at most 150 ms.
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

IN_PROCESS = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from kvp_audit.load import load_round
from kvp_audit.scoring import score_round
t1 = time.perf_counter()
data = load_round(Path(sys.argv[1]))
t2 = time.perf_counter()
score_round(data)
t3 = time.perf_counter()
assert not data.errors, data.errors[:3]
print(t1 - t0, t2 - t1, t3 - t2, t3 - t0)
"""

PARSE = """
import sys, time, yaml
from pathlib import Path
import yaml_rs
files = sorted(Path(sys.argv[1]).glob('*/*.yaml'))
texts = [f.read_text(encoding='utf-8') for f in files]
t = time.perf_counter(); [yaml_rs.loads(x) for x in texts]; a = time.perf_counter() - t
t = time.perf_counter(); [yaml.load(x, Loader=yaml.CSafeLoader) for x in texts]; b = time.perf_counter() - t
sample = texts[:200]
t = time.perf_counter(); [yaml.load(x, Loader=yaml.SafeLoader) for x in sample]; c = (time.perf_counter() - t) * len(texts) / len(sample)
print(len(texts), a, b, c)
"""


def runs(cmd: list[str], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        out.append(time.perf_counter() - t)
    return out


def show(label: str, values: list[float], target: float | None = None) -> None:
    line = f"{label:48} min {min(values):6.3f}  median {statistics.median(values):6.3f}  max {max(values):6.3f} s"
    if target is not None:
        line += f"   (mål ≤ {target} s: {'OK' if statistics.median(values) <= target else 'IKKE NÅDD'})"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the rounds here and keep them")
    parser.add_argument("--case-kb", type=float, default=4.6,
                        help="pad the national round's case files with comments to about this size (0: as generated)")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="kvp-bench-"))
    national, county = base / "nasjonal", base / "fylke"
    if not (national / "runde.yaml").exists():
        synth.write_round(national, 250, 10)
        if args.case_kb:
            synth.pad_cases(national, args.case_kb)
    if not (county / "runde.yaml").exists():
        synth.write_round(county, 20, 5, seed=2)
    files = list(national.glob("*/K-*.yaml"))
    size = sum(f.stat().st_size for f in files) / len(files)
    print(f"kjerner: {os.cpu_count()}  Python {sys.version.split()[0]}  "
          f"nasjonal runde: {len(files)} saksfiler, snitt {size / 1024:.1f} KB")

    figures = []
    for _ in range(args.runs):
        res = subprocess.run([sys.executable, "-c", IN_PROCESS, str(national)], check=True, capture_output=True, text=True)
        figures.append([float(x) for x in res.stdout.split()])
    show("import (kvp_audit.load, scoring)", [f[0] for f in figures])
    show("load + validate (2 500 filer)", [f[1] for f in figures])
    show("score", [f[2] for f in figures])
    show("import + load + validate + score, kald prosess", [f[3] for f in figures], 1.0)

    res = subprocess.run([sys.executable, "-c", PARSE, str(national)], check=True, capture_output=True, text=True)
    n, rs, c_loader, py_loader = res.stdout.split()
    n = int(n)
    print(f"{'parse alene, én kjerne (filer/s)':48} yaml-rs {n / float(rs):7.0f}  PyYAML C {n / float(c_loader):6.0f}  "
          f"PyYAML Python {n / float(py_loader):5.0f}")

    show("kvp-audit validate (nasjonal, alle kjerner)", runs(["kvp-audit", "validate", str(national)], args.runs))
    show("kvp-audit score (fylke 20 x 5), hel prosess", runs(["kvp-audit", "score", str(county)], args.runs), 0.4)
    show("kvp-audit --help, hel prosess", runs(["kvp-audit", "--help"], args.runs), 0.15)
    if not args.keep:
        import shutil

        shutil.rmtree(base)


if __name__ == "__main__":
    main()
