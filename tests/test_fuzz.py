"""Whatever is in a file, loading gives problems with a place, never a traceback."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
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


# --------------------------------------------------------------------------- input limits

from kvp_audit.yamlio import MAX_DEPTH, YamlFileError, check_text, nesting_too_deep, parse_mapping  # noqa: E402


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max([_depth(v) for v in value.values()] + [0])
    if isinstance(value, list):
        return 1 + max([_depth(v) for v in value] + [0])
    return 0


def _nested(depth: int, kinds: list[str]):
    """A value nested ``depth`` collections deep, the collections drawn from ``kinds``."""
    value = "x"
    for i in range(depth):
        kind = kinds[i % len(kinds)]
        value = {f"k{i}": value} if kind == "map" else [value]
    return value


nested_yaml = st.builds(
    lambda depth, kinds, style: (depth, _dump(_nested(depth, kinds), style)),
    st.integers(min_value=1, max_value=200),
    st.lists(st.sampled_from(["map", "seq"]), min_size=1, max_size=4),
    st.sampled_from(["block", "flow", "compact"]),
)


def _dump(value, style: str) -> str:
    import yaml

    if style == "flow":
        return "note: " + yaml.safe_dump(value, default_flow_style=True, width=10**9)
    if style == "compact":
        # "- - - x": sequences opened on one line, the shape that crashed yaml-rs
        text = yaml.safe_dump({"note": value}, default_flow_style=False, width=10**9, indent=2)
        return text
    return yaml.safe_dump({"note": value}, default_flow_style=False, width=10**9)


@settings(max_examples=150, deadline=None)
@given(nested_yaml)
def test_nesting_is_refused_past_the_limit_and_only_there(case):
    depth, text = case
    real = depth + 1  # the file's own mapping
    try:
        data = parse_mapping(text, Path("c.yaml"))
    except YamlFileError as exc:
        assert "nestet dypere enn grensen på 64 nivåer" in exc.problem.message
        assert exc.problem.line >= 1
        # the estimate may count the scalar at the bottom as a level, never more
        assert real >= MAX_DEPTH - 1
    else:
        assert _depth(data) == real
        assert real <= MAX_DEPTH


@pytest.mark.parametrize("text", [
    "note:\n" + "- " * 20000 + "x\n",
    "note:\n" + "? " * 20000 + "x\n",
    "note: " + "[" * 20000,
    "note: " + "{a: " * 5000,
    "note: " + '["]", ' * 300,
    "note:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(300)),
    "- - |\n  " + "- " * 20000 + "\n",
    "a: |\n  x\n" + "- " * 20000 + "\n",
    "a: 'x\n" + "- " * 20000 + "'\n",
    "a: x\n  [\n" + "- " * 20000 + "\n",
])
def test_deep_texts_are_refused_before_any_parser_sees_them(text):
    with pytest.raises(YamlFileError) as info:
        check_text(text, "f.yaml")
    assert "nestet dypere" in info.value.problem.message


def test_ordinary_files_are_far_from_the_limits():
    repo = Path(__file__).resolve().parent.parent
    files = [*repo.glob("checklists/**/*.yaml"), *repo.glob("examples/**/*.yaml"), *FIXTURES.glob("*.yaml")]
    assert len(files) > 50
    for path in files:
        text = path.read_text(encoding="utf-8")
        check_text(text, path)
        assert nesting_too_deep(text, limit=12) is None, path


control = st.sampled_from([c for c in map(chr, [*range(0, 32), *range(127, 160)]) if c not in "\t\n\r"])


@settings(max_examples=100, deadline=None)
@given(control, st.integers(min_value=0, max_value=6))
def test_control_characters_are_refused_with_their_line(char, line):
    lines = [f"k{i}: tekst {i}" for i in range(8)]
    lines[line] = lines[line][:4] + char + lines[line][4:]
    with pytest.raises(YamlFileError) as info:
        parse_mapping("\n".join(lines) + "\n", Path("c.yaml"))
    problem = info.value.problem
    assert (problem.line, problem.column) == (line + 1, 5)
    assert f"U+{ord(char):04X}" in problem.message


def test_bom_and_crlf_read_as_the_same_data():
    from kvp_audit.yamlio import loads, read_text

    text = "# kommentar\ncase: K-AAAA11\nnote: \"a\tb\"\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "k.yaml"
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
        assert parse_mapping(read_text(path), path) == loads(text) == {"case": "K-AAAA11", "note": "a\tb"}


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=50_001, max_value=200_000), st.integers(min_value=0, max_value=3))
def test_overlong_lines_are_refused(length, line):
    lines = ["a: 1", "b: 2", "c: 3", "d: 4"]
    lines[line] = "x: " + "y" * length
    with pytest.raises(YamlFileError) as info:
        parse_mapping("\n".join(lines), Path("c.yaml"))
    assert info.value.problem.line == line + 1 and "mer enn grensen på 50000" in info.value.problem.message


def test_only_regular_files_are_read(tmp_path):
    import os

    from kvp_audit.yamlio import MAX_FILE_BYTES, read_text

    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    zero = tmp_path / "z.yaml"
    zero.symlink_to("/dev/zero")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"b" * MAX_FILE_BYTES)
    messages = []
    for path in (fifo, zero, tmp_path, big):
        with pytest.raises(YamlFileError) as info:
            read_text(path)
        messages.append(info.value.problem.message)
    assert messages[0] == "'x.yaml' er en navngitt pipe (FIFO), ikke en vanlig fil, og leses ikke"
    assert messages[1] == "'z.yaml' er en tegnenhet (for eksempel /dev/zero), ikke en vanlig fil, og leses ikke"
    assert "er en mappe" in messages[2]
    assert messages[3] == "filen er 5.0 MB, mer enn grensen på 5 MB for en YAML-fil"
