"""Write a synthetic national round (250 offices x 10 cases by default) for benchmarks.

    python benchmarks/synth.py OUT_DIR [--offices 250] [--cases 10]

Uses the example generator, so the files look like real reviews (about 4-5 KB each).
All data is fictional.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(ROOT))

import make_examples  # noqa: E402


def write_round(folder: Path, offices: int = 250, cases: int = 10, seed: int = 1) -> Path:
    """Write the synthetic round into ``folder`` and return it."""
    _, sak, kontor, oppfolging = make_examples.checklists()
    names = [(f"nav-{i:03d}", f"NAV Syntetisk {i:03d}") for i in range(offices)]
    make_examples.make_round(folder, 2026, names, sak, kontor, None, seed=seed, cases_per_office=cases)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--offices", type=int, default=250)
    parser.add_argument("--cases", type=int, default=10)
    args = parser.parse_args()
    write_round(args.out, args.offices, args.cases)
    files = list(args.out.glob("*/*.yaml"))
    size = sum(f.stat().st_size for f in files) / max(1, len(files))
    print(f"skrev {len(files)} filer (snitt {size / 1024:.1f} KB) i {args.out}")


if __name__ == "__main__":
    main()
