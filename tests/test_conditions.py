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
        "status + 1 == 2",
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
