"""Run one bad-input corpus case (``tests/corpus/<case>/``) against the commands.

Used by ``tests/test_corpus.py`` in a child process (a crash or a hang then fails one
test instead of the whole run), and by hand to measure another checkout::

    PYTHONPATH=/path/to/other/checkout python tests/corpus_run.py tests/corpus/deep-dash /tmp/work validate

prints one JSON object per command: its exit code, whether it raised (a traceback),
whether it wrote anything, and its output.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
COMMANDS = {
    "validate": ["validate", "{round}"],
    "score": ["score", "{round}"],
    "report": ["report", "{round}", "--format", "html,md", "--out", "{out}"],
    "checklist": ["checklist", "validate", "{round}/checklists"],
    "new-case": ["new", "case", "{round}", "nav-a", "--reviewer", "KB", "--date", "2026-02-01"],
}


def load_expect(case: Path) -> dict:
    """The case's expect.yaml (plain YAML read with PyYAML, so the corpus never depends on the code it tests)."""
    import yaml

    return yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8"))


def build(case: Path, work: Path) -> Path:
    """Lay out the case in ``work``: the base round, the case's files over it, FIFOs and links."""
    expect = load_expect(case)
    root = work / "round"
    shutil.copytree(CORPUS / "_base", root)
    for item in case.iterdir():
        if item.is_dir():
            shutil.copytree(item, root if item.name == "round" else work / item.name, dirs_exist_ok=True)
    for spec in expect.get("generate") or []:
        path = root / spec["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec.get("text", "") + spec["repeat"] * spec["times"] + "\n", encoding="utf-8")
    for rel in expect.get("fifo") or []:
        os.mkfifo(root / rel)
    for rel, target in (expect.get("link") or {}).items():
        (root / rel).symlink_to(target)
    return root


def snapshot(work: Path) -> dict[str, tuple]:
    """Every entry under ``work`` with its kind, size and modification time (nothing is opened)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(work):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            out[str(path.relative_to(work))] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns)
    return out


def run(case: Path, work: Path, names: list[str]) -> list[dict]:
    """Run the named commands one after another on a fresh copy of the case each."""
    from click.testing import CliRunner

    from kvp_audit.cli import main

    results = []
    for name in names:
        here = work / name
        here.mkdir(parents=True)
        root = build(case, here)
        args = [a.format(round=root, out=here / "out") for a in COMMANDS[name]]
        before = snapshot(here)
        cwd = os.getcwd()
        os.chdir(here)
        try:
            result = CliRunner().invoke(main, args, catch_exceptions=True)
        finally:
            os.chdir(cwd)
        traceback = result.exception is not None and not isinstance(result.exception, SystemExit)
        results.append({
            "command": name,
            "exit": result.exit_code,
            "traceback": traceback,
            "exception": repr(result.exception) if traceback else "",
            "wrote": sorted(set(snapshot(here).items()) ^ set(before.items())) != [],
            "output": result.output[-4000:],
        })
    return results


if __name__ == "__main__":
    case_dir, work_dir, *wanted = sys.argv[1:]
    for outcome in run(Path(case_dir), Path(work_dir), wanted or list(COMMANDS)):
        print(json.dumps(outcome, ensure_ascii=False))
