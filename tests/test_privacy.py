import re

from hypothesis import given, strategies as st

from kvp_audit.privacy import find_national_id, is_national_id, new_case_key
from kvp_audit.models import CASE_KEY_PATTERN

W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def with_check_digits(nine: str) -> str | None:
    """Build an 11-digit number with valid check digits (hand-written reference)."""
    d = [int(c) for c in nine]
    k1 = (11 - sum(a * b for a, b in zip(d, W1)) % 11) % 11
    if k1 == 10:
        return None
    d.append(k1)
    k2 = (11 - sum(a * b for a, b in zip(d, W2)) % 11) % 11
    if k2 == 10:
        return None
    return nine + str(k1) + str(k2)


def test_known_fictional_numbers():
    # Made-up birth date 01.01.1990 and individual number 124: check digits computed by hand.
    number = with_check_digits("010190124")
    assert number is not None
    assert is_national_id(number)
    # Changing the last digit breaks the check.
    assert not is_national_id(number[:-1] + str((int(number[-1]) + 1) % 10))


def test_d_number_is_also_found():
    # A D-nummer adds 4 to the first digit of the birth date.
    number = with_check_digits("410190123")
    assert number is not None
    assert find_national_id(f"Se D-nummer {number} i Gosys") == number[:2] + "*" * 9


def test_found_in_text_with_space():
    number = with_check_digits("150385456")
    assert number is not None
    text = f"bruker {number[:6]} {number[6:]} møtte"
    assert find_national_id(text) == number[:2] + "*********"


def test_longer_digit_runs_are_not_matched():
    number = with_check_digits("010190124")
    assert find_national_id("9" + number) is None
    assert find_national_id("telefon 22 33 44 55") is None


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_valid_checksum_is_refused(nine):
    number = with_check_digits(nine)
    if number is not None:
        assert is_national_id(number)
        assert find_national_id(f"notat: {number}.") is not None


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_is_national_id_matches_reference(digits):
    assert is_national_id(digits) == (with_check_digits(digits[:9]) == digits)


def test_new_case_key_format_and_uniqueness():
    keys = {new_case_key() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert re.match(CASE_KEY_PATTERN, key)
        assert not key[2:].isdigit()
    existing = set(keys)
    assert new_case_key(existing) not in existing
