import datetime as dt

import pytest

from kvp_audit import conditions


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        ("status == 'avsluttet'", {"status": "avsluttet"}, True),
        ("status == 'avsluttet'", {"status": "pågående"}, False),
        ("status in ['avsluttet', 'avbrutt']", {"status": "avbrutt"}, True),
        ("status not in ['avsluttet', 'avbrutt']", {"status": "avbrutt"}, False),
        ("har_barn", {"har_barn": True}, True),
        ("not under_25", {"under_25": True}, False),
        ("startdato >= '2019-01-01'", {"startdato": dt.date(2019, 1, 1)}, True),
        ("startdato >= '2019-01-01'", {"startdato": dt.date(2018, 12, 31)}, False),
        ("har_barn and status == 'avsluttet'", {"har_barn": False}, False),  # decided without status
        ("har_barn or status == 'avsluttet'", {"har_barn": True}, True),
        ("har_barn == true", {"har_barn": True}, True),
    ],
)
def test_evaluate(text, facts, expected):
    assert conditions.parse(text).evaluate(facts) is expected


def test_missing_fact_is_unknown_not_false():
    assert conditions.parse("har_barn").evaluate({}) is None
    assert conditions.parse("har_barn and status == 'x'").evaluate({"status": "x"}) is None


def test_names_are_collected():
    assert conditions.parse("status == 'a' and (har_barn or not under_25)").names == {"status", "har_barn", "under_25"}


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hi')",
        "status.__class__",
        "open('/etc/passwd')",
        "[x for x in status]",
        "lambda: 1",
        "status ** 2 == 4",
        "status % 2 == 1",
        "a if b else c",
    ],
)
def test_unsafe_or_unknown_constructs_are_refused(text):
    with pytest.raises(conditions.ConditionError) as info:
        conditions.parse(text)
    assert "tillatt" in str(info.value) or "kan" in str(info.value)


def test_syntax_error_message():
    with pytest.raises(conditions.ConditionError) as info:
        conditions.parse("status == ")
    assert str(info.value).startswith("betingelsen kan ikke leses")


# --------------------------------------------------------------------------- property: validated means safe

import json  # noqa: E402

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

FACT_TYPES = {"b": "bool", "d": "date", "n": "number", "c": "choice", "t": "text"}
OPTIONS = ["x", "y"]
constants = st.one_of(
    st.integers(-3, 3).map(str), st.sampled_from(["1.5", "true", "false", "'x'", "'y'", "'2020-01-01'", "'snart'", "''"]))
atoms = st.one_of(st.sampled_from(sorted(FACT_TYPES)), constants,
                  st.lists(constants, min_size=1, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"))
ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"])
comparisons = st.tuples(atoms, st.lists(st.tuples(ops, atoms), min_size=1, max_size=2)).map(
    lambda t: t[0] + "".join(f" {op} {right}" for op, right in t[1]))
expressions = st.recursive(
    st.one_of(atoms, comparisons),
    lambda inner: st.one_of(inner.map(lambda e: f"not ({e})"),
                            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})")),
    max_leaves=6,
)
FACT_VALUES = {
    "b": st.booleans(),
    "d": st.dates(),
    "n": st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)),
    "c": st.sampled_from(OPTIONS),
    "t": st.text(max_size=5),
}
facts = st.fixed_dictionaries({}, optional=FACT_VALUES)


def _checklist(condition: str) -> dict:
    facts_spec = {name: ({"type": kind, "options": OPTIONS} if kind == "choice" else {"type": kind})
                  for name, kind in FACT_TYPES.items()}
    return {"id": "p", "title": "P", "version": "1", "scope": "case", "facts": facts_spec,
            "themes": [{"id": "t", "title": "T", "criteria": [
                {"id": "K-01", "question": "Q?", "severity": "anbefaling", "recommendation": "R.",
                 "applies_when": condition}]}]}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, st.lists(facts, min_size=1, max_size=4))
def test_a_condition_checklist_validate_passes_evaluates_on_any_facts_of_its_types(condition, fact_sets):
    from pathlib import Path

    from kvp_audit.load import check_checklist

    data = _checklist(condition)
    try:
        conditions.parse(condition)
    except conditions.ConditionError:
        return
    checklist, problems = check_checklist(data, json.dumps(data), Path("p.yaml"))
    if checklist is None:
        assert any(p.key.endswith("applies_when") for p in problems), problems
        return
    parsed = conditions.parse(condition)
    for values in fact_sets:
        assert parsed.evaluate(values) in (True, False, None)
