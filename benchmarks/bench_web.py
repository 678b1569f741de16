"""Time the web form (`kvp-audit serve`) server-side: render the full case form, and save.

    python benchmarks/bench_web.py [--runs 50]

Works on a copy of the example round (kvp-sak@2026.1: 41 criteria in 8 themes, 7 facts).
Prints min / median / max in milliseconds with the machine's core count. Targets (issue 7):
the case form renders in under 50 ms server-side, and a save (validate + atomic write)
takes under 50 ms.

- "render" is a whole GET of the case form through Flask (read the file, validate it as
  `kvp-audit validate` does, build the form, render the template), without the network.
- "save" is a whole POST as the autosave script sends it (CSRF check, identity-number
  guard, round-trip YAML, validation, atomic write with fsync), each run changing a value.
- "save_review" is the library call alone, without Flask.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "fiktivfylke"
OFFICE = "nav-bergtun"
CASE = "K-3RRV79"
TARGET_MS = 50.0


def stats(label: str, values: list[float], target: float | None = None) -> str:
    ms = sorted(v * 1000 for v in values)
    line = f"{label:34} min {ms[0]:7.1f}  median {statistics.median(ms):7.1f}  max {ms[-1]:7.1f} ms"
    if target is not None:
        line += f"   target < {target:.0f} ms: {'ok' if statistics.median(ms) < target else 'MISSED'}"
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    from werkzeug.datastructures import MultiDict

    from kvp_audit.web.app import create_app
    from kvp_audit.web.reviews import FormValues, RoundSite, file_hash, open_review, save_review

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "fiktivfylke"
        shutil.copytree(EXAMPLES / "2024", base / "2024")
        shutil.copytree(EXAMPLES / "2026", base / "2026")
        round_dir = base / "2026"
        app = create_app(round_dir, reports_dir=Path(tmp) / "reports")
        client = app.test_client()
        url = f"/kontor/{OFFICE}/sak/{CASE}"
        path = round_dir / OFFICE / f"{CASE}.yaml"

        page = client.get(url).get_data(as_text=True)  # warm-up: imports, checklist, templates
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        criteria = page.count("data-criterion=")
        print(f"kvp-audit web form, {os.cpu_count()} cores, {args.runs} runs; "
              f"case form with {criteria} criteria, {len(page) // 1024} kB of HTML")

        render = []
        for _ in range(args.runs):
            t = time.perf_counter()
            response = client.get(url)
            render.append(time.perf_counter() - t)
            assert response.status_code == 200
        for name, target_url in (("GET round page", "/"), ("GET office page", f"/kontor/{OFFICE}/")):
            times = []
            for _ in range(max(5, args.runs // 5)):
                t = time.perf_counter()
                client.get(target_url)
                times.append(time.perf_counter() - t)
            print(stats(name, times))
        print(stats("GET case form (render)", render, TARGET_MS))

        site = RoundSite(round_dir)
        target = site.case_target(site.office(OFFICE), CASE)
        values = open_review(target).values
        saves = []
        for i in range(args.runs):
            values.comments["SV-01"] = f"Kommentar nummer {i}"
            values.answers["SV-02"] = "delvis" if i % 2 else "ja"
            form = MultiDict([("csrf_token", token), ("base_hash", file_hash(path)), *values.pairs()])
            t = time.perf_counter()
            response = client.post(url, data=form, headers={"X-Requested-With": "fetch"})
            saves.append(time.perf_counter() - t)
            assert response.get_json()["status"] == "saved", response.get_json()
        print(stats("POST autosave (validate + write)", saves, TARGET_MS))

        library = []
        for i in range(args.runs):
            values.comments["SV-01"] = f"Biblioteket {i}"
            digest = file_hash(path)
            t = time.perf_counter()
            result = save_review(target, values, digest)
            library.append(time.perf_counter() - t)
            assert result.status == "saved"
        print(stats("save_review() alone", library, TARGET_MS))
        assert isinstance(FormValues.from_form(MultiDict(values.pairs()), target), FormValues)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
