"""The bad-input corpus (tests/corpus/): every command, every case, no crash, no write on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpus_run import COMMANDS, CORPUS, load_expect

CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _run_case(case: Path, work: Path) -> dict[str, dict]:
    # A child process: a crash (SIGSEGV) or a hang fails this case, not the whole run.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), *sys.path]))
    done = subprocess.run([sys.executable, str(Path(__file__).parent / "corpus_run.py"), str(case), str(work)],
                          capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, f"the run died with {done.returncode}: {done.stderr[-2000:]}"
    return {row["command"]: row for row in map(json.loads, done.stdout.splitlines())}


@pytest.mark.parametrize("name", CASES)
def test_bad_input_case(name, tmp_path):
    case = CORPUS / name
    expect = load_expect(case)
    results = _run_case(case, tmp_path)
    assert set(results) == set(COMMANDS)
    message = expect.get("message") or ""
    message_in = expect.get("message_in") or (["validate"] if message else [])
    for command, result in results.items():
        where = f"{command}: {result['output']}"
        assert not result["traceback"], f"{command} raised {result['exception']}"
        assert result["exit"] in (0, 1, 2), where
        wanted = expect["exit"][command]
        assert result["exit"] in (wanted if isinstance(wanted, list) else [wanted]), where
        assert "Traceback" not in result["output"], where
        if result["exit"] != 0:
            assert not result["wrote"], f"{command} failed but wrote files"
        if command in message_in:
            assert message in result["output"], where


def test_every_case_has_an_expectation_for_every_command():
    for name in CASES:
        expect = load_expect(CORPUS / name)
        assert set(expect["exit"]) == set(COMMANDS), name
