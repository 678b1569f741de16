"""Privacy guards: national identity numbers are refused, case keys are random.

A fødselsnummer (and a D-nummer, whose first digit is raised by 4) has 11 digits, the
last two being mod-11 check digits. Any run of 11 digits in free text (also written
``DDMMYY NNNNN``) whose check digits hold is refused before anything is written.
"""

from __future__ import annotations

import re
import secrets

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_CANDIDATE = re.compile(r"(?<!\d)(\d{6})[ .-]?(\d{5})(?!\d)")

# Crockford-style alphabet without letters that are easy to misread (I, L, O, U).
KEY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int | None:
    rest = 11 - sum(d * w for d, w in zip(digits, weights)) % 11
    if rest == 11:
        return 0
    if rest == 10:
        return None
    return rest


def is_national_id(digits: str) -> bool:
    """Return True when ``digits`` (11 digits) has valid fødselsnummer/D-nummer check digits."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    d = [int(c) for c in digits]
    k1 = _check_digit(d[:9], _W1)
    if k1 is None or k1 != d[9]:
        return False
    k2 = _check_digit(d[:10], _W2)
    return k2 is not None and k2 == d[10]


# Bytes table that turns every digit into b"0" and everything else into b"x": a file
# without six digits in a row cannot hold an identity number, and finding b"000000" in
# the translated bytes is far faster than any regular expression over the text.
_DIGITS = bytes((48 if 48 <= i <= 57 else 120) for i in range(256))


def may_hold_national_id(text: str) -> bool:
    """Cheap pre-check: False means ``text`` certainly holds no identity number."""
    return text.encode("utf-8", "surrogatepass").translate(_DIGITS).find(b"000000") >= 0


def find_national_id(text: str) -> str | None:
    """Return the first thing in ``text`` that looks like a national identity number, masked."""
    if not text or len(text) < 11 or not may_hold_national_id(text):
        return None
    for match in _CANDIDATE.finditer(text):
        digits = match.group(1) + match.group(2)
        if is_national_id(digits):
            return digits[:2] + "*" * 9
    return None


def new_case_key(existing: set[str] | frozenset[str] = frozenset(), length: int = 6) -> str:
    """Draw a random case key such as ``K-7QX2M4`` that is not among ``existing``."""
    while True:
        key = "K-" + "".join(secrets.choice(KEY_ALPHABET) for _ in range(length))
        # A key of digits only could be mistaken for (or be) an identity number.
        if key not in existing and not key[2:].isdigit():
            return key
