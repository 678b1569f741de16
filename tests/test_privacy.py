import re
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kvp_audit.models import CASE_KEY_PATTERN
from kvp_audit.privacy import (
    find_national_id,
    is_national_id,
    mask_national_ids,
    may_hold_national_id,
    new_case_key,
    scan_text,
    scan_value,
)

W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
EXAMPLE = "15099947613"  # the example: born 15.09.1999, made up


def with_check_digits(nine: str, rest: int = 0) -> str | None:
    """Build an 11-digit number with valid check digits (hand-written reference).

    ``rest`` is the remainder the first check digit leaves: 0 before 2032; 0, 1, 2 or 3
    for numbers issued from 2032 (Skatteetaten, "Nytt fødselsnummer fra 2032").
    """
    d = [int(c) for c in nine]
    k1 = (11 + rest - sum(a * b for a, b in zip(d, W1)) % 11) % 11
    if k1 == 10:
        return None
    d.append(k1)
    k2 = (11 - sum(a * b for a, b in zip(d, W2)) % 11) % 11
    if k2 == 10:
        return None
    return nine + str(k1) + str(k2)


def plausible_birth_date(digits: str) -> bool:
    day, month = int(digits[:2]), int(digits[2:4])
    return 1 <= day % 40 <= 31 and day < 72 and 1 <= month % 40 <= 12 and month < 53


def reference(digits: str) -> bool:
    """Both rules: today's for every number, the 2032 one where the birth date can be real."""
    if with_check_digits(digits[:9]) == digits:
        return True
    return any(with_check_digits(digits[:9], rest) == digits for rest in (1, 2, 3)) and plausible_birth_date(digits)


def test_known_fictional_numbers():
    # Made-up birth date 01.01.1990 and individual number 124: check digits computed by hand.
    number = with_check_digits("010190124")
    assert number is not None
    assert is_national_id(number)
    assert is_national_id(EXAMPLE)
    # Changing the last digit breaks the check.
    assert not is_national_id(number[:-1] + str((int(number[-1]) + 1) % 10))


def test_numbers_issued_from_2032():
    # Skatteetaten's own examples: 30108299920 (remainder 0, valid today too) and
    # 30108299939 (remainder 1: valid only by the new rule); 02013299997.
    for number in ("30108299920", "30108299939", "02013299997"):
        assert is_national_id(number), number
    assert find_national_id("ny sak 30108299939") == "30*********"
    # The new rule only widens k1; k2 stays as strict as before.
    assert not is_national_id("30108299930")


def test_2032_rule_needs_a_birth_date():
    # Remainder 2 on a first part that cannot be a date (day 00): no false alarm.
    nine = next(f"00{n:07d}" for n in range(10**6) if with_check_digits(f"00{n:07d}", 2)
                and not with_check_digits(f"00{n:07d}"))
    assert not is_national_id(with_check_digits(nine, 2))


def test_d_number_is_also_found():
    # A D-nummer adds 4 to the first digit of the birth date.
    number = with_check_digits("410190123")
    assert number is not None
    assert find_national_id(f"Se D-nummer {number} i Gosys") == number[:2] + "*" * 9


def test_h_number_from_2032_is_found():
    # An H-nummer adds 4 to the third digit (month 41-52).
    number = next(n for i in range(1000) for rest in (1, 2, 3)
                  if (n := with_check_digits(f"154199{i:03d}", rest)) and not with_check_digits(f"154199{i:03d}") == n)
    assert find_national_id(f"H-nummer {number}") == "15*********"


def test_found_in_text_with_space():
    number = with_check_digits("150385456")
    assert number is not None
    text = f"bruker {number[:6]} {number[6:]} møtte"
    assert find_national_id(text) == number[:2] + "*********"


def test_longer_digit_runs_are_not_matched():
    number = with_check_digits("010190124")
    assert find_national_id("9" + number) is None
    assert find_national_id("telefon 22 33 44 55") is None


# Every spelling the hardening issue lists, and a few more of the same kind.
SPELLINGS = {
    "plain": lambda n: n,
    "6+5 space": lambda n: f"{n[:6]} {n[6:]}",
    "6+5 dash": lambda n: f"{n[:6]}-{n[6:]}",
    "dots": lambda n: f"{n[:2]}.{n[2:4]}.{n[4:6]} {n[6:]}",
    "6 3 2": lambda n: f"{n[:6]} {n[6:9]} {n[9:]}",
    "2 2 2 3 2": lambda n: f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:9]} {n[9:]}",
    "4 2 5": lambda n: f"{n[:4]} {n[4:6]} {n[6:]}",
    "two spaces": lambda n: f"{n[:6]}  {n[6:]}",
    "no-break space": lambda n: f"{n[:6]}\u00a0{n[6:]}",
    "narrow no-break space": lambda n: f"{n[:6]}\u202f{n[6:]}",
    "slash": lambda n: f"{n[:6]}/{n[6:]}",
    "en dash": lambda n: f"{n[:6]}\u2013{n[6:]}",
    "full-width": lambda n: "".join(chr(0xFF10 + int(c)) for c in n),
    "full-width, spaced": lambda n: "".join(chr(0xFF10 + int(c)) for c in n[:6]) + "\u3000" + n[6:],
    "zero-width space": lambda n: f"{n[:6]}\u200b{n[6:]}",
    "over two lines": lambda n: f"{n[:6]}\n{n[6:]}",
    "over two indented lines": lambda n: f"{n[:6]}\r\n    {n[6:]}",
    "dashes everywhere": lambda n: f"{n[:2]}-{n[2:4]}-{n[4:6]}-{n[6:]}",
}

# Dates, counts and phone numbers a review is full of: none of them may be refused.
HARMLESS = [
    "2026-03-15 12 saker",
    "15.03.2026 123 saker",
    "15.03.2026 12345",
    "2026-03-15 - 2026-06-30",
    "15.03.26 kl 12.30",
    "tlf 22 33 44 55",
    "+47 22 33 44 55",
    "+47 912 34 567",
    "0047 22334455",
    "912 34 567 / 22 33 44 55",
    "sotjl. § 30 og § 41",
    "1 av 2 saker, 3 av 4 saker",
    "37,5 timer per uke i 52 uker",
    "saksnr. 2026/1234-5",
    "K-7QX2M4",
    "måltall 12, ved oppstart 10, pr. dato 11",
    "Arena 2024-01-01 12:30:00",
    "kontonr 1234 56 78903",
    "orgnr 974 760 673",
    "1509994761",  # ten digits
    "150999476130",  # twelve
    "01.01.2019 1 + 1 år",
]


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_every_spelling_is_refused(spelling):
    text = f"Se {SPELLINGS[spelling](EXAMPLE)} i Gosys."
    assert find_national_id(text) == "15*********"
    masked = mask_national_ids(text)
    assert "15*********" in masked and not re.search(r"\d{3}", masked.replace("15*", ""))


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_numbers_are_not_refused(text):
    assert find_national_id(text) is None
    assert mask_national_ids(text) == text


def test_scan_text_gives_the_place_of_each_number():
    text = f"a {EXAMPLE} b 15.09.99 476 13 c"
    hits = scan_text(text)
    assert [(text[h.start:h.end], h.masked) for h in hits] == [(EXAMPLE, "15*********"), ("15.09.99 476 13", "15*********")]


def test_scan_value_finds_what_yaml_made_of_the_text():
    from kvp_audit.yamlio import loads

    folded = loads("note: >-\n  Nummer 150999\n  47613 i Gosys.\n")
    escaped = loads('note: "' + "".join(f"\\x{ord(c):02x}" for c in EXAMPLE) + '"\n')
    as_int = loads("case: 01019012480\n")
    assert [(path, hit.masked) for path, hit in scan_value(folded)] == [(("note",), "15*********")]
    assert [(path, hit.masked) for path, hit in scan_value(escaped)] == [(("note",), "15*********")]
    assert [(path, hit.masked) for path, hit in scan_value(as_int)] == [(("case",), "01*********")]
    nested = {"answers": {"V-01": {"comment": ["x", f"nr {EXAMPLE}"]}}, EXAMPLE: 1}
    assert [path for path, _hit in scan_value(nested)] == [("answers", "V-01", "comment", 1), (EXAMPLE,)]


def test_pre_check_never_misses_a_spelling():
    for spelling in SPELLINGS.values():
        assert may_hold_national_id(f"x {spelling(EXAMPLE)} y")
    assert not may_hold_national_id("date: 2026-03-01\nreviewers: [KB]\n")


valid_numbers = st.builds(
    lambda nine, rest: with_check_digits(nine, rest),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.sampled_from([0, 0, 0, 1, 2, 3]),
).filter(lambda n: n is not None and reference(n))
spellings = st.sampled_from(sorted(SPELLINGS)).map(SPELLINGS.get)


@given(valid_numbers, spellings)
def test_every_valid_number_in_every_spelling_is_found(number, spelling):
    assert find_national_id(f"notat: {spelling(number)}.") == number[:2] + "*" * 9


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_valid_checksum_is_refused(nine):
    number = with_check_digits(nine)
    if number is not None:
        assert is_national_id(number)
        assert find_national_id(f"notat: {number}.") is not None


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_is_national_id_matches_reference(digits):
    assert is_national_id(digits) == reference(digits)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.sampled_from([1, 2, 3]))
def test_is_national_id_matches_reference_for_2032_numbers(nine, rest):
    number = with_check_digits(nine, rest)
    if number is not None:
        assert is_national_id(number) == reference(number)


def test_new_case_key_format_and_uniqueness():
    keys = {new_case_key() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert re.match(CASE_KEY_PATTERN, key)
        assert not key[2:].isdigit()
    existing = set(keys)
    assert new_case_key(existing) not in existing


# --------------------------------------------------------------------------- every file kind, every door

from conftest import FIXTURES, ROUND_YAML, RoundBuilder  # noqa: E402

CASE = "case: K-AAAA11\noffice: nav-a\nreviewers: [KB]\ndate: 2026-02-01\nfacts:\n  status: pågående\n  har_barn: false\n"
# Where a number can be put: (file, text with {n} for the number); all must be refused.
PLACES = {
    "case note": ("nav-a/K-AAAA11.yaml", CASE + 'answers: {}\nnote: "Se {n}."\n'),
    "answer comment": ("nav-a/K-AAAA11.yaml", CASE + 'answers:\n  V-01: {answer: nei, comment: "Se {n}."}\n'),
    "folded comment": ("nav-a/K-AAAA11.yaml", CASE + "answers: {}\nnote: >-\n  Se {n}\n  i Gosys.\n"),
    "yaml comment": ("nav-a/K-AAAA11.yaml", CASE + "answers: {}\n# {n}\n"),
    "office name": ("runde.yaml", ROUND_YAML.replace("name: NAV A", "name: NAV A {n}")),
    "round note": ("runde.yaml", ROUND_YAML + 'note: "{n}"\n'),
    "office review": ("nav-a/kontor.yaml", 'office: nav-a\nnote: "{n}"\n'),
    "follow-up": ("nav-a/oppfolging.yaml", 'office: nav-a\nnote: "{n}"\n'),
    "file name": ("nav-a/{n}.yaml", CASE.replace("K-AAAA11", "K-BBBB22") + "answers: {}\n"),
}


def _refused(root, masked) -> bool:
    from kvp_audit.errors import InputError
    from kvp_audit.load import load_round

    try:
        problems = load_round(root, workers=1).errors
    except InputError as exc:
        problems = exc.problems
    return any(f"fødselsnummer eller D-nummer ({masked})" in p.message for p in problems)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=valid_numbers, spelling=spellings, place=st.sampled_from(sorted(PLACES)))
def test_a_number_in_any_spelling_in_any_file_kind_is_refused(tmp_path_factory, number, spelling, place):
    root = tmp_path_factory.mktemp("r") / "runde"
    builder = RoundBuilder(root)
    name, text = PLACES[place]
    written = spelling(number) if place not in ("file name",) else number
    if place in ("office name", "round note", "yaml comment", "file name") and "\n" in written:
        written = written.replace("\n", " ")  # a line break in a plain scalar on one line is not YAML
    if place == "folded comment":
        written = written.replace("\n", "\n  ")
    path = builder.write(name.replace("{n}", written), text.replace("{n}", written))
    assert path.exists()
    assert _refused(root, number[:2] + "*********"), (place, written)


def test_a_number_in_a_checklist_is_refused(tmp_path):
    from kvp_audit.load import load_checklist

    path = tmp_path / "c.yaml"
    source = FIXTURES / "mini-sak.yaml"
    path.write_text(source.read_text(encoding="utf-8").replace(
        "question: Er det fattet vedtak?", f"question: Er det fattet vedtak for {EXAMPLE[:6]} {EXAMPLE[6:9]} {EXAMPLE[9:]}?"),
        encoding="utf-8")
    checklist, problems = load_checklist(path)
    assert checklist is None
    assert [p.format() for p in problems] == [
        "c.yaml:20:44: feil: question: teksten ser ut som et fødselsnummer eller D-nummer (15*********)\n"
        "    Gjør slik: fjern nummeret: saker kjennes bare ved den tilfeldige saksnøkkelen, og personnummer skal aldri lagres"]


def test_a_file_named_by_a_number_is_refused(round_builder):
    from kvp_audit.load import load_round

    round_builder.write(f"nav-a/{EXAMPLE}.yaml", CASE.replace("K-AAAA11", "K-BBBB22") + "answers: {}\n")
    assert [p.format() for p in load_round(round_builder.root).errors] == [
        f"runde/nav-a/{EXAMPLE}.yaml: feil: teksten ser ut som et fødselsnummer eller D-nummer (15*********)\n"
        "    Gjør slik: gi filen et annet navn: en sak har saksnøkkelen som navn, for eksempel K-7QX2M4.yaml"]


def test_a_number_yaml_decodes_is_placed_on_its_key(round_builder):
    from kvp_audit.load import load_round

    escaped = "".join(f"\\x{ord(c):02x}" for c in EXAMPLE)
    round_builder.write("nav-a/K-AAAA11.yaml", CASE + f'answers:\n  V-01: {{answer: nei, comment: "{escaped}"}}\n')
    assert [p.format() for p in load_round(round_builder.root).errors] == [
        "runde/nav-a/K-AAAA11.yaml:9:32: feil: answers.V-01.comment: teksten ser ut som et fødselsnummer eller "
        "D-nummer (15*********)\n"
        "    Gjør slik: fjern nummeret: saker kjennes bare ved den tilfeldige saksnøkkelen, og personnummer skal aldri lagres"]


def test_cli_refuses_a_number_in_the_round_file_and_writes_nothing(round_builder):
    from click.testing import CliRunner

    from kvp_audit.cli import main

    round_builder.write("runde.yaml", ROUND_YAML.replace("name: NAV A", f"name: NAV A {EXAMPLE[:6]}\u00a0{EXAMPLE[6:]}"))
    before = sorted(p.name for p in round_builder.root.rglob("*"))
    for args in (["validate"], ["score"], ["report", "--format", "md"], ["new", "case"]):
        extra = ["nav-a", "--reviewer", "KB"] if args[0] == "new" else []
        result = CliRunner().invoke(main, [*args, str(round_builder.root), *extra])
        assert result.exit_code in (1, 2), result.output
        assert "fødselsnummer eller D-nummer (15*********)" in result.output
        assert EXAMPLE not in result.output and EXAMPLE[6:] not in result.output
    assert sorted(p.name for p in round_builder.root.rglob("*")) == before


# --------------------------------------------------------------------------- the web form

from test_web import CASE_URL, app, case_file, client, form_of, replace  # noqa: E402,F401 (fixtures)

FORM_FIELDS = ["comment.SV-01", "note", "comment.OP-01"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=valid_numbers, spelling=spellings, field=st.sampled_from(FORM_FIELDS))
def test_a_number_in_any_spelling_in_any_form_field_is_refused(client, round_dir, number, spelling, field):
    path = case_file(round_dir)
    before = path.read_bytes()
    page = client.get(CASE_URL).get_data(as_text=True)
    response = client.post(CASE_URL, data=replace(form_of(page), **{field: f"Se {spelling(number)} i Gosys"}))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "fødselsnummer eller D-nummer" in text and number not in text
    assert path.read_bytes() == before


@settings(max_examples=500)
# Dates as people write them, with a four-digit year (strftime prints year 42 as "42").
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
       st.integers(min_value=0, max_value=99999), st.sampled_from(["{d:%Y-%m-%d} {n} saker",
       "{d:%d.%m.%Y} {n} saker", "{d:%d.%m.%Y} kl. 12.30, {n} deltakere", "{d:%Y-%m-%d}: {n}"]))
def test_a_date_followed_by_a_count_is_never_refused(date, count, template):
    assert find_national_id(template.format(d=date, n=count)) is None


@settings(max_examples=500)
@given(st.integers(min_value=20_000_000, max_value=99_999_999), st.integers(min_value=0, max_value=999),
       st.sampled_from(["tlf {p:08d}", "tlf {s}", "+47 {s}", "+47 {p:08d}, {n} saker", "{s} / {p:08d}"]))
def test_a_phone_number_is_never_refused(phone, count, template):
    digits = f"{phone:08d}"
    spaced = " ".join(digits[i:i + 2] for i in range(0, 8, 2))
    assert find_national_id(template.format(p=phone, s=spaced, n=count)) is None


@pytest.mark.parametrize("text", ["11.08.1946 74121 saker", "20.08.1992 25716 saker", "19.08.2029 39849 saker",
                                  "12.04.1900 98880 saker", "28.12.2059 96042 saker"])
def test_a_date_with_a_four_digit_year_is_not_read_as_part_of_a_number(text):
    # Found by the lead's own campaign: '08.1946 74121' has valid check digits.
    assert find_national_id(text) is None


def test_a_number_next_to_a_date_is_still_refused():
    assert find_national_id("15.03.2026: 150999 47613") == "15*********"
    assert find_national_id("2026-03-15 15.09.99 47613") == "15*********"
