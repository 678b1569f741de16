"""The condition language's arithmetic and date functions: evaluation, what ``checklist validate``
says about each bad expression (pinned), and property tests: whatever the parser accepts
evaluates without an exception on any facts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from kvp_audit import conditions
from kvp_audit.cli import main

D = dt.date


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        ("varighet_mnd / 2 >= 6", {"varighet_mnd": 12}, True),
        ("(varighet_mnd - 2) * 2 == 20", {"varighet_mnd": 12}, True),
        ("-varighet_mnd < 0", {"varighet_mnd": 12}, True),
        ("months_between(startdato, review_date) >= varighet_mnd / 2",
         {"startdato": D(2026, 1, 10), "varighet_mnd": 12, "review_date": D(2026, 7, 10)}, True),
        ("months_between(startdato, review_date) >= varighet_mnd / 2",
         {"startdato": D(2026, 1, 10), "varighet_mnd": 12, "review_date": D(2026, 7, 9)}, False),
        ("days_between(startdato, review_date) == 31", {"startdato": D(2026, 1, 1), "review_date": D(2026, 2, 1)}, True),
        ("review_date >= '2026-01-01'", {"review_date": D(2026, 3, 1)}, True),
        ("months_between('2026-01-31', review_date) == 1", {"review_date": D(2026, 2, 28)}, False),
    ],
)
def test_arithmetic_and_dates_evaluate(text, facts, expected):
    assert conditions.parse(text).evaluate(facts) is expected


@pytest.mark.parametrize(("a", "b", "months"), [
    (D(2026, 1, 15), D(2026, 3, 14), 1), (D(2026, 1, 15), D(2026, 3, 15), 2), (D(2026, 3, 15), D(2026, 1, 15), -2),
    (D(2025, 12, 31), D(2026, 1, 30), 0), (D(2026, 1, 1), D(2026, 1, 1), 0),
])
def test_months_between_counts_whole_months(a, b, months):
    assert conditions.months_between(a, b) == months


def test_review_date_is_not_a_fact_name():
    assert conditions.parse("months_between(startdato, review_date) > 1").names == {"startdato"}


def test_a_missing_fact_or_a_zero_divisor_is_undecided_and_says_why():
    result, why = conditions.parse("varighet_mnd / 2 > 3").explain({})
    assert result is None and isinstance(why, conditions.Unknown) and why.name == "varighet_mnd"
    result, why = conditions.parse("12 / varighet_mnd > 3").explain({"varighet_mnd": 0})
    assert result is None and str(why) == "deling på null: varighet_mnd er 0"
    # Kleene logic as before: the other side decides when it can.
    assert conditions.parse("har_barn and 12 / varighet_mnd > 3").evaluate({"har_barn": False, "varighet_mnd": 0}) is False


def test_a_computed_value():
    facts = {"startdato": D(2026, 1, 10), "varighet_mnd": 12, "review_date": D(2026, 9, 15)}
    assert conditions.parse("varighet_mnd - months_between(startdato, review_date)").value(facts) == 4


# --------------------------------------------------------------------------- checklist validate, pinned

CHECKLIST = """\
id: proeve
title: Prøve
version: "1"
scope: case
facts:
  startdato: {type: date}
  varighet_mnd: {type: number}
  status: {type: choice, options: [a, b]}
themes:
  - id: t
    title: T
    criteria:
      - id: K-01
        question: "Q?"
        severity: anbefaling
        recommendation: R.
        applies_when: "CONDITION"
"""


def _validate(tmp_path, monkeypatch, text: str):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["checklist", "validate", "c.yaml"], catch_exceptions=False)


@pytest.mark.parametrize(("condition", "message", "hint"), [
    ("varighet_mnd / 0 > 1", "deling på null: 'varighet_mnd / 0' deler alltid på 0", "del på et annet tall enn 0"),
    ("varighet_mnd / (2 - 2) > 1", "deling på null: 'varighet_mnd / (2 - 2)' deler alltid på 0", "del på et annet tall enn 0"),
    ("startdato + 1 > 2", "regning med + - * / går bare på tall, ikke på 'startdato' (en dato)",
     "regn med datoer gjennom months_between(a, b) eller days_between(a, b)"),
    ("status * 2 > 2", "regning med + - * / går bare på tall, ikke på 'status' (tekst)",
     "bruk et tall-fakta (type: number) eller et tall"),
    ("months_between(status, startdato) > 1", "months_between(a, b) regner med datoer, ikke med 'status' (tekst)",
     "bruk et dato-fakta (type: date), review_date eller en dato som 'ÅÅÅÅ-MM-DD'"),
    ("varighet_mnd - 3", "varighet_mnd - 3 er ikke sant eller usant", "sammenlign det med noe, for eksempel varighet_mnd - 3 > 6"),
    ("weeks_between(startdato, review_date) > 1", "ukjent funksjon 'weeks_between'; bare months_between, days_between kan brukes",
     "skriv for eksempel: status == 'avsluttet' and har_barn"),
    ("months_between(startdato) > 1",
     "months_between(a, b) tar to datoer, for eksempel months_between(startdato, review_date)",
     "skriv for eksempel: status == 'avsluttet' and har_barn"),
    ("varighet_mnd % 2 == 1", "bare +, -, * og / kan brukes til regning", "skriv for eksempel: status == 'avsluttet' and har_barn"),
    ("varighet * 2 > 1", "betingelsen bruker et ukjent faktum, 'varighet'", "mente du 'varighet_mnd'?"),
])
def test_each_bad_expression_is_named_with_line_and_field(tmp_path, monkeypatch, condition, message, hint):
    result = _validate(tmp_path, monkeypatch, CHECKLIST.replace("CONDITION", condition))
    assert result.exit_code == 1
    assert result.output == (f"c.yaml:17:23: feil: themes[0].criteria[0].applies_when: {message}\n"
                             f"    Gjør slik: {hint}\n"
                             "1 feil, 0 advarsler\n")


def test_a_good_expression_passes(tmp_path, monkeypatch):
    result = _validate(tmp_path, monkeypatch, CHECKLIST.replace(
        "CONDITION", "months_between(startdato, review_date) >= varighet_mnd / 2 and status == 'a'"))
    assert result.output == "Ingen problemer funnet.\n"


COMPUTED = CHECKLIST.replace('  status: {type: choice, options: [a, b]}\n', '  status: {type: choice, options: [a, b]}\nCOMPUTED\n') \
    .replace('applies_when: "CONDITION"', 'applies_when: "status == \'a\'"')


@pytest.mark.parametrize(("fact", "line", "message", "hint"), [
    ('  halv: {type: number, compute: "varighet_mnd > 2"}', "9:33: feil: facts.halv.compute",
     "'halv' har type number, men uttrykket gir true/false", "rett type, eller skriv et uttrykk som gir et tall"),
    ('  halv: {type: text, compute: "varighet_mnd"}', "9:16: feil: facts.halv.type",
     "et beregnet faktum må ha type number, bool eller date", "sett type: number for et tall, bool for sant/usant"),
    ('  halv: {type: number, required: true, compute: "varighet_mnd / 2"}', "9:34: feil: facts.halv.required",
     "et beregnet faktum fylles ikke inn, og kan ikke være required",
     "fjern required: true; gjør heller faktaene det beregnes av påkrevde"),
    ('  halv: {type: number, compute: "varighet_mnd / 0"}', "9:33: feil: facts.halv.compute",
     "deling på null: 'varighet_mnd / 0' deler alltid på 0", "del på et annet tall enn 0"),
    ('  halv: {type: number, compute: "varighet_mnd +"}', "9:33: feil: facts.halv.compute",
     "betingelsen kan ikke leses (invalid syntax)",
     "skriv for eksempel: varighet_mnd - months_between(startdato, review_date)"),
    ('  halv: {type: number, compute: "varighet_mnd / 2"}\n  kvart: {type: number, compute: "halv / 2"}',
     "10:34: feil: facts.kvart.compute", "et beregnet faktum kan ikke bruke andre beregnede fakta (halv)",
     "skriv uttrykket med faktaene som fylles inn"),
    ('  review_date: {type: date}', "9:3: feil: facts.review_date",
     "'review_date' er gjennomgangsdatoen og kan ikke være navnet på et faktum", "gi faktumet et annet navn"),
])
def test_each_bad_computed_fact_is_named(tmp_path, monkeypatch, fact, line, message, hint):
    result = _validate(tmp_path, monkeypatch, COMPUTED.replace("COMPUTED", fact))
    assert result.exit_code == 1
    assert result.output == f"c.yaml:{line}: {message}\n    Gjør slik: {hint}\n1 feil, 0 advarsler\n"


def test_a_good_computed_fact_passes(tmp_path, monkeypatch):
    result = _validate(tmp_path, monkeypatch, COMPUTED.replace(
        "COMPUTED", '  igjen: {type: number, compute: "varighet_mnd - months_between(startdato, review_date)"}'))
    assert result.output == "Ingen problemer funnet.\n"


# --------------------------------------------------------------------------- properties

NAMES = ["b", "d", "n", "c", "t", "review_date", "ukjent"]
numbers = st.one_of(st.integers(-3, 3).map(str), st.sampled_from(["0", "1.5", "0.0", "9" * 400, "1e308"]))
leaves = st.one_of(st.sampled_from(NAMES), numbers,
                   st.sampled_from(["true", "false", "'x'", "'2020-01-01'", "'snart'", "['x', 'y']", "[1, 2]"]))
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(st.sampled_from(["months_between", "days_between"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
    ),
    max_leaves=6,
)
comparisons = st.tuples(values, st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"]), values).map(
    lambda t: f"{t[0]} {t[1]} {t[2]}")
expressions = st.recursive(
    st.one_of(values, comparisons),
    lambda inner: st.one_of(inner.map(lambda e: f"not ({e})"),
                            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})")),
    max_leaves=5,
)
anything = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5), st.dates(),
                     st.datetimes(), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))
any_facts = st.dictionaries(st.sampled_from(NAMES), anything, max_size=len(NAMES))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, st.lists(any_facts, min_size=1, max_size=4))
def test_any_expression_the_parser_accepts_evaluates_without_exception_on_any_facts(text, fact_sets):
    try:
        parsed = conditions.parse(text)
    except conditions.ConditionError:
        return
    for facts in fact_sets:
        result, why = parsed.explain(facts)
        assert result in (True, False) and why is None or result is None and isinstance(why, conditions.Undecided)
        assert parsed.evaluate(facts) is result
        try:
            parsed.value(facts)
        except conditions.Undecided:
            pass


FACT_TYPES = {"b": "bool", "d": "date", "n": "number", "c": "choice", "t": "text"}
TYPED = {
    "b": st.booleans(), "d": st.dates(), "c": st.sampled_from(["x", "y"]), "t": st.text(max_size=5),
    "n": st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)),
    "review_date": st.dates(),
}
typed_facts = st.fixed_dictionaries({}, optional=TYPED)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, st.lists(typed_facts, min_size=1, max_size=4))
def test_an_expression_validate_passes_is_undecided_only_for_a_missing_fact_or_a_zero_divisor(text, fact_sets):
    from kvp_audit.load import check_checklist

    try:
        conditions.parse(text)
    except conditions.ConditionError:
        return
    facts_spec = {n: ({"type": k, "options": ["x", "y"]} if k == "choice" else {"type": k}) for n, k in FACT_TYPES.items()}
    data = {"id": "p", "title": "P", "version": "1", "scope": "case", "facts": facts_spec,
            "themes": [{"id": "t", "title": "T", "criteria": [
                {"id": "K-01", "question": "Q?", "severity": "anbefaling", "recommendation": "R.", "applies_when": text}]}]}
    checklist, _problems = check_checklist(data, json.dumps(data), Path("p.yaml"))
    if checklist is None:
        return
    parsed = conditions.parse(text)
    for facts in fact_sets:
        result, why = parsed.explain(facts)
        if result is None:
            assert isinstance(why, conditions.Unknown) or str(why).startswith(("deling på null", "tallet blir for stort")), (text, facts, why)
