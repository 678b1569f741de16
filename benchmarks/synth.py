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


PAD_COMMENT = "Sjekket i saksmappen og i Modia; samtale med veilederen bekrefter dette."


def pad_cases(folder: Path, target_kb: float) -> float:
    """Give answers a reviewer's comment until the case files average about ``target_kb`` KB.

    Real reviewers comment on many answers, not only the failing ones; the issue's
    reference files were about 4.6 KB. Returns the new average size in KB.
    """
    import re

    files = sorted(folder.glob("*/K-*.yaml"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        target = int(target_kb * 1024)

        def long_form(m: re.Match) -> str:
            return (f"  {m[1]}:\n    answer: {m[2]}\n    comment: \"{PAD_COMMENT}\"\n"
                    f"    sources: [saksmappe, Modia]")

        lines = text.split("\n")
        out = []
        size = len(text.encode())
        short = re.compile(r"^  ([A-Z]{2}-\d\d): (ja|delvis|nei|ikke aktuelt)$")
        for line in lines:
            m = short.match(line)
            if m and size < target:
                new = long_form(m)
                size += len(new.encode()) - len(line.encode())
                out.append(new)
            else:
                out.append(line)
        padded = []
        for i, line in enumerate(out):
            padded.append(line)
            nxt = out[i + 1] if i + 1 < len(out) else ""
            if line.startswith("    answer: ") and not nxt.startswith("    comment:") and size < target:
                extra = f'    comment: "{PAD_COMMENT}"'
                padded.append(extra)
                size += len(extra.encode()) + 1
        path.write_text("\n".join(padded), encoding="utf-8")
    return sum(f.stat().st_size for f in files) / max(1, len(files)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--offices", type=int, default=250)
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--case-kb", type=float, default=0, help="pad case files with comments to about this size")
    args = parser.parse_args()
    write_round(args.out, args.offices, args.cases)
    if args.case_kb:
        pad_cases(args.out, args.case_kb)
    files = list(args.out.glob("*/*.yaml"))
    size = sum(f.stat().st_size for f in files) / max(1, len(files))
    print(f"skrev {len(files)} filer (snitt {size / 1024:.1f} KB) i {args.out}")


if __name__ == "__main__":
    main()
