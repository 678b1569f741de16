"""Time the reports on synthetic rounds: HTML + Markdown, re-runs, PDFs, and a county round.

    python benchmarks/bench_reports.py [--runs 3] [--keep DIR] [--pdf-offices 10] [--skip-national]

Prints min / median / max with the machine's core count and load. Targets (issues 5 and 12):
- HTML and Markdown for all 250 offices plus the county summary in at most 5 s, cold process;
- a re-run with no input changed in at most 2 s, every report skipped and nothing rewritten;
- PDFs within 10 % of what WeasyPrint alone can do here on the same HTML, with pages per
  second and pages per report, printed next to `chromium --headless --print-to-pdf` as a ratio;
- a county round (20 offices x 5 cases): HTML + PDF (+ DOCX where the tool writes it) cold in
  at most 15 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402
from bench_load import show  # noqa: E402

CHROMIUM = os.environ.get("KVP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--no-pdf-header-footer"]

ONE_PDF = """
import sys, time
from pathlib import Path
from kvp_audit.report import load_bundle, environment, office_context, plan_jobs, render, write_pdf
t = time.perf_counter()
import weasyprint
imp = time.perf_counter() - t
weasyprint.HTML(string="<p>x</p>").write_pdf()  # fonts loaded, as in kvp-audit's workers
bundle = load_bundle(Path(sys.argv[1]))
env = environment(None, "nb")
jobs = plan_jobs(bundle, Path(sys.argv[2]).parent, ["pdf"], "nb", None)
first = jobs[0].context
Path(sys.argv[2]).write_text(render(env, "office.html.j2", first), encoding="utf-8")
times = []
for i, job in enumerate(jobs):
    html = render(env, f"{job.template}.html.j2", {**job.context, "for_pdf": True})
    title = job.context["office"]["name"] if job.is_office else job.context["round"]["name"]
    t = time.perf_counter()
    write_pdf(html, Path(sys.argv[2]).with_suffix(f".{i}.pdf"), title, "nb")
    times.append(time.perf_counter() - t)
import pypdf
pages = len(pypdf.PdfReader(Path(sys.argv[2]).with_suffix(".0.pdf")).pages)
# the HTML of every report, for WeasyPrint alone in a process of its own (PLAIN_POOL)
folder = Path(sys.argv[2]).parent / "html-for-pdf"
folder.mkdir(exist_ok=True)
for old in folder.iterdir():
    old.unlink()
for i, j in enumerate(jobs):
    (folder / f"{i}.html").write_text(render(env, f"{j.template}.html.j2", {**j.context, "for_pdf": True}),
                                      encoding="utf-8")
parallel = 0.0
print(imp, times[0], pages, sum(times), len(times), parallel)
"""

PLAIN_POOL = """
import time
t0 = time.perf_counter()
import multiprocessing, os, sys
from pathlib import Path
import weasyprint

files = sorted(Path(sys.argv[1]).glob("*.html"), key=lambda f: -f.stat().st_size)

def plain(path):
    weasyprint.HTML(filename=str(path)).write_pdf(str(path.with_suffix(".pdf")), pdf_tags=True,
                                                  pdf_variant="pdf/ua-1")

with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
    list(pool.imap_unordered(plain, files))
print(len(files), time.perf_counter() - t0)
"""

MANY_PDFS = """
import sys, time
from pathlib import Path
from kvp_audit.report import build_reports
t = time.perf_counter()
result = build_reports(Path(sys.argv[1]), Path(sys.argv[2]), ["pdf"], force=True)
secs = time.perf_counter() - t
import pypdf
pages = sum(len(pypdf.PdfReader(p).pages) for p in result.written)
print(len(result.written), secs, pages)
"""


def pdf_pages(folder: Path) -> list[int]:
    """The page count of every PDF in ``folder``."""
    import pypdf

    return [len(pypdf.PdfReader(p).pages) for p in sorted(folder.glob("*.pdf"))]


def report_formats() -> list[str]:
    """The formats of the county round: HTML and PDF, and DOCX where this version writes it."""
    from kvp_audit.report.files import FORMATS

    return ["html", "pdf"] + (["docx"] if "docx" in FORMATS else [])


def load() -> str:
    """The machine's load average (1, 5, 15 minutes): other work on the cores skews every figure."""
    return "  ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(cmd: list[str], **kw) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kw)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the rounds here and keep them")
    parser.add_argument("--pdf-offices", type=int, default=10)
    parser.add_argument("--skip-national", action="store_true", help="only the PDFs and the county round")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="kvp-bench-rapport-"))
    national, small, county = base / "nasjonal", base / "pdf-runde", base / "fylke"
    if not (national / "runde.yaml").exists() and not args.skip_national:
        synth.write_round(national, 250, 10)
    if not (small / "runde.yaml").exists():
        synth.write_round(small, args.pdf_offices, 10, seed=3)
    if not (county / "runde.yaml").exists():
        synth.write_round(county, 20, 5, seed=5)
    cores = os.cpu_count()
    print(f"kjerner: {cores}  Python {sys.version.split()[0]}  nasjonal runde: 250 kontorer x 10 saker  "
          f"last (1, 5, 15 min): {load()}")
    if not args.skip_national:
        national_reports(base, national, args.runs)
    pdfs(base, small, args.runs)
    county_round(base, county, args.runs)
    print(f"last til slutt (1, 5, 15 min): {load()}")
    if not args.keep:
        shutil.rmtree(base)


def national_reports(base: Path, national: Path, runs: int) -> None:
    """HTML + Markdown for the national round, cold, and a re-run with nothing changed."""
    # HTML + Markdown, cold process, fresh output folder each time
    cold = []
    for i in range(runs):
        out = base / f"ut-{i}"
        shutil.rmtree(out, ignore_errors=True)
        cold.append(timed(["kvp-audit", "report", str(national), "--format", "html,md", "--out", str(out)]))
    n_files = len(list((base / "ut-0").glob("*.html"))) + len(list((base / "ut-0").glob("*.md")))
    show(f"HTML + Markdown, {n_files} filer, kald prosess", cold, 5.0)

    # re-run with nothing changed: every report skipped, nothing rewritten
    out = base / "ut-0"
    before = {p: p.stat().st_mtime_ns for p in out.iterdir()}
    rerun = [timed(["kvp-audit", "report", str(national), "--format", "html,md", "--out", str(out)])
             for _ in range(runs)]
    untouched = before == {p: p.stat().st_mtime_ns for p in out.iterdir()}
    show("ny kjøring uten endringer, hel prosess", rerun, 2.0)
    print(f"{'  ingen filer skrevet på nytt':48} {'ja' if untouched else 'NEI'}")


def pdfs(base: Path, small: Path, runs: int) -> None:
    """PDFs: WeasyPrint alone on one core, ours on all cores, and Chromium for the same HTML."""
    html_file = base / "kontor.html"
    res = subprocess.run([sys.executable, "-c", ONE_PDF, str(small), str(html_file), "3"],
                         check=True, capture_output=True, text=True)
    imp, one, pages, total, n_pdfs, _unused = res.stdout.split()
    imp, one, total, n_pdfs = float(imp), float(one), float(total), int(n_pdfs)
    plain = []
    for _ in range(runs):
        res = subprocess.run([sys.executable, "-c", PLAIN_POOL, str(base / "html-for-pdf")], check=True,
                             capture_output=True,
                             text=True)
        plain.append(float(res.stdout.split()[1]))
    parallel = statistics.median(plain)
    print(f"{'import weasyprint':48} {imp:6.3f} s")
    print(f"{'én kontor-PDF, WeasyPrint, én kjerne':48} {one:6.3f} s  ({pages} sider)")
    print(f"{'alle ' + str(n_pdfs) + ' PDF-ene, WeasyPrint, én kjerne':48} {total:6.3f} s")
    print(f"{'alle ' + str(n_pdfs) + ' PDF-ene, WeasyPrint alene, alle kjerner, hel prosess':48} {parallel:6.3f} s")
    # what WeasyPrint can do here: the same PDFs in a plain process pool on every core
    ceiling = n_pdfs / parallel
    rates, page_rates = [], []
    for _ in range(runs):
        res = subprocess.run([sys.executable, "-c", MANY_PDFS, str(small), str(base / "pdf")],
                             check=True, capture_output=True, text=True)
        n, secs, n_pages = res.stdout.split()
        rates.append(int(n) / float(secs))
        page_rates.append(int(n_pages) / float(secs))
    print(f"{'PDF-er per sekund, kvp-audit, alle kjerner':48} min {min(rates):5.2f}  median "
          f"{statistics.median(rates):5.2f}  max {max(rates):5.2f}   (WeasyPrint alene her "
          f"{ceiling:.2f}/s, vi når {statistics.median(rates) / ceiling:.0%}; mål ≥ 90 %)")
    print(f"{'sider per sekund, kvp-audit, alle kjerner':48} min {min(page_rates):5.1f}  median "
          f"{statistics.median(page_rates):5.1f}  max {max(page_rates):5.1f}   "
          f"({int(n_pages)} sider i {n_pdfs} PDF-er: {int(n_pages) / n_pdfs:.1f} sider per rapport)")
    if Path(CHROMIUM).is_file():
        profile = Path(tempfile.mkdtemp(prefix="kvp-chromium-"))
        chrome = [timed([CHROMIUM, *CHROMIUM_ARGS, f"--user-data-dir={profile}",
                         f"--print-to-pdf={base / 'chromium.pdf'}", html_file.as_uri()])
                  for _ in range(runs)]
        shutil.rmtree(profile, ignore_errors=True)
        c = statistics.median(chrome)
        print(f"{'chromium --print-to-pdf, samme HTML, hel prosess':48} {c:6.3f} s per PDF;  "
              f"WeasyPrint/Chromium = {one / c:.2f}")
    else:
        print(f"chromium ikke funnet ({CHROMIUM}); sammenligningen er hoppet over")


def county_round(base: Path, county: Path, runs: int) -> None:
    """A county round (20 offices x 5 cases) built cold: HTML + PDF (+ DOCX), whole process."""
    formats = report_formats()
    cold = []
    for i in range(runs):
        out = base / f"fylke-ut-{i}"
        shutil.rmtree(out, ignore_errors=True)
        cold.append(timed(["kvp-audit", "report", str(county), "--format", ",".join(formats), "--out", str(out)]))
    pages = pdf_pages(base / "fylke-ut-0")
    show(f"fylkesrunde 20 x 5, {' + '.join(f.upper() for f in formats)}, kald prosess", cold, 15.0)
    print(f"{'  PDF-sider':48} {sum(pages)} i {len(pages)} PDF-er ({sum(pages) / len(pages):.1f} per rapport, "
          f"kontorene {min(pages[:-1])}–{max(pages[:-1])}, oppsummeringen {pages[-1]}); "
          f"{sum(pages) / statistics.median(cold):.1f} sider per sekund for hele kjøringen")


if __name__ == "__main__":
    main()
