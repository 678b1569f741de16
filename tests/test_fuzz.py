"""Whatever is in a file, loading gives problems with a place, never a traceback."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from kvp_audit.load import load_checklist, load_round

FIXTURES = Path(__file__).parent / "fixtures"

yaml_ish = st.lists(
    st.sampled_from(list("abcæøå019 :-[]{}'\"#\n\t|>&*!%@,.?") + ["V-01", "answer", "ja", "case: ", "facts:\n", "  "]),
    max_size=80,
).map("".join)

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


def _round_with(text: str) -> Path:
    root = Path(tempfile.mkdtemp())
    (root / "checklists").mkdir()
    shutil.copy(FIXTURES / "mini-sak.yaml", root / "checklists")
    (root / "runde.yaml").write_text(
        "id: r\nname: R\ncounty: F\nperiod: {start: 2026-01-01, end: 2026-02-01}\n"
        "checklists: {case: mini-sak@1.0}\noffices: [{id: nav-a, name: NAV A}]\n")
    (root / "nav-a").mkdir()
    (root / "nav-a" / "K-AAAA11.yaml").write_text(text, encoding="utf-8")
    return root


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_ish)
def test_random_text_in_a_case_file(text):
    root = _round_with(text)
    try:
        data = load_round(root, workers=1)
        for p in data.problems:
            assert p.path.endswith("K-AAAA11.yaml") and p.message
    finally:
        shutil.rmtree(root)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["case", "office", "reviewers", "date", "facts", "answers", "note", "x"]),
                       values, max_size=6))
def test_random_structures_in_a_case_file(data):
    import json

    root = _round_with(json.dumps(data, default=str))
    try:
        result = load_round(root, workers=1)
        assert result.problems or result.cases["nav-a"]
    finally:
        shutil.rmtree(root)


@settings(max_examples=100, deadline=None)
@given(yaml_ish)
def test_random_text_as_a_checklist(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.yaml"
        path.write_text(text, encoding="utf-8")
        checklist, problems = load_checklist(path)
        assert checklist is None and problems
