"""Privacy guards: national identity numbers are refused, case keys are random.

A fødselsnummer has 11 digits: the birth date DDMMYY, a three-digit individual number
and two mod-11 check digits. A D-nummer raises the first digit by 4 (day 41-71), an
H-nummer the third (month 41-52). Anything in a file, a file name or a form field that
could be one of them, however it is written, is refused before anything is written:

- the digits may be any Unicode decimal digits (full-width ``１５０９…`` included);
- they may be split into groups of two or more digits by up to three spaces (any kind,
  no-break and thin spaces included), dots, dashes, slashes or underscores, or by a line
  break (a comment typed over two lines); with more than one group, the birth date must
  end at a group boundary (``15.09.99 47613``, ``1509 99 47613``), which keeps a date
  written ``15.03.2026`` followed by a count from ever being a candidate, and groups of
  4, 2 and 2 digits are an ISO date (``2026-03-15 123``), never a number;
- :func:`scan_value` also scans what YAML made of the text (a folded ``>-`` block joins
  two lines, ``"\\x31\\x35…"`` escapes decode to digits), and integers that lost a
  leading zero.

Check digits: numbers issued before 2032 need k1 and k2 to make their weighted sums
divisible by 11. For numbers issued from 1 January 2032 Skatteetaten accepts the
remainders 0, 1, 2 and 3 for k1 (k2 is unchanged): "I ny kontrollberegning vil rest
etter moduluskontrollen tillate 0, 1, 2 og 3 som gyldige verdier" (Skatteetaten,
folkeregisteret-api-dokumentasjon, "Nytt fødselsnummer fra 2032", nyttfnr2032.md). A
number valid only by the new rule is refused when its first six digits can be a birth
date (of a fødselsnummer, D- or H-nummer), which keeps false alarms near today's.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)

# Separator characters between digit groups: spaces of every width, zero-width joiners
# and the byte order mark, dots, dashes (hyphen, en and em dash, minus), slashes.
_SEP_CHARS = ("\t \u00a0\u1680\u2000-\u200d\u202f\u205f\u2060\u3000\ufeff"
              "._/\\-\u2010-\u2015\u2212\u2044\uff0d\uff0e\uff0f")
_SEP = rf"(?:[{_SEP_CHARS}]{{1,3}}|[ \t]*(?:\r\n?|\n)[ \t]*)"
# A run of digit groups joined by separators; \d is every Unicode decimal digit.
_RUN = re.compile(rf"(?<!\d)\d+(?:{_SEP}\d+)*(?!\d)")
_GROUP = re.compile(r"\d+")

# Crockford-style alphabet without letters that are easy to misread (I, L, O, U).
KEY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class Hit:
    """Something in a text that is (or could be) a national identity number."""

    start: int  # offset of its first digit in the text
    end: int  # offset after its last digit
    digits: str  # the 11 digits, as ASCII

    @property
    def masked(self) -> str:
        """The number as messages show it: the first two digits, then nine stars."""
        return self.digits[:2] + "*" * 9


def _plausible_birth_date(d: list[int]) -> bool:
    day, month = d[0] * 10 + d[1], d[2] * 10 + d[3]
    day -= 40 if day > 40 else 0  # D-nummer
    month -= 40 if month > 40 else 0  # H-nummer
    return 1 <= day <= 31 and 1 <= month <= 12


def is_national_id(digits: str) -> bool:
    """Whether 11 ASCII digits have valid fødselsnummer/D-nummer/H-nummer check digits (both rules)."""
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return False
    d = [ord(c) - 48 for c in digits]
    if sum(a * b for a, b in zip(d, _W2)) % 11:
        return False
    rest = sum(a * b for a, b in zip(d, _W1)) % 11
    return rest == 0 or (rest <= 3 and _plausible_birth_date(d))


def _ascii_digits(text: str) -> str:
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) for c in text)


# The fast pre-check works on bytes: ASCII digits and every byte of a non-ASCII
# character (it may be a digit or a separator of another script) become b"0", the ASCII
# separators and line breaks are deleted, everything else becomes b"x". Every spelling
# scan_text finds then shows as eleven b"0" in a row, found by one C search.
_TABLE = bytes(48 if (48 <= i <= 57 or i >= 128) else 120 for i in range(256))
_DELETE = b"\t\n\r ._/-"
_ELEVEN = b"0" * 11


def may_hold_national_id(text: str) -> bool:
    """Cheap pre-check: False means ``text`` certainly holds no identity number, in any spelling."""
    if len(text) < 11:
        return False
    return _ELEVEN in text.encode("utf-8", "surrogatepass").translate(_TABLE, _DELETE)


def scan_text(text: str) -> list[Hit]:
    """Every identity number in ``text``, in any spelling the module docstring lists."""
    if not text or not may_hold_national_id(text):
        return []
    hits: list[Hit] = []
    for run in _RUN.finditer(text):
        groups = [(m.start() + run.start(), m.end() + run.start()) for m in _GROUP.finditer(run.group())]
        in_date = _date_groups([e - s for s, e in groups])
        for first in range(len(groups)):
            total, last = 0, first
            for last in range(first, len(groups)):
                total += groups[last][1] - groups[last][0]
                if total >= 11:
                    break
            if total != 11:
                continue
            window = groups[first:last + 1]
            sizes = [e - s for s, e in window]
            if len(window) > 1 and (min(sizes) < 2 or not _ends_at_six(window)
                                    or any(in_date[first:last + 1])):
                continue  # a date with a four-digit year (2026-03-15 123, 15.03.2026 12) is not a number
            digits = _ascii_digits("".join(text[s:e] for s, e in window))
            if is_national_id(digits):
                hits.append(Hit(window[0][0], window[-1][1], digits))
    return hits


def _date_groups(sizes: list[int]) -> list[bool]:
    """Which digit groups belong to a date written with a four-digit year: 4-2-2 or 2-2-4.

    No spelling of an identity number has a four-digit year, so a window that takes any
    group of such a date (``11.08.1946 74121`` read as ``08 1946 74121``) is not a number.
    """
    marks = [False] * len(sizes)
    for i in range(len(sizes) - 2):
        if sizes[i:i + 3] in ([4, 2, 2], [2, 2, 4]):
            marks[i] = marks[i + 1] = marks[i + 2] = True
    return marks


def _ends_at_six(window: list[tuple[int, int]]) -> bool:
    """Whether a group ends after the sixth digit (the birth date) in a split spelling."""
    total = 0
    for start, end in window:
        total += end - start
        if total == 6:
            return True
        if total > 6:
            return False
    return False


def scan_value(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Hit]]:
    """Every identity number in a parsed YAML value (keys included), with the key path to it.

    Integers are scanned too: YAML reads ``01019012480`` as 1019012480, and ``0o…`` or
    ``0x…`` as numbers whose digits the text never shows. A value that certainly holds
    none (the usual case) is ruled out by one pre-check on its JSON form, in C.
    """
    if not _may_hold_in_value(value):
        return
    stack = [(path, value)]
    found: list[tuple[tuple, Hit]] = []
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            found.extend((where, hit) for hit in scan_text(item))
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((where + (key,), child))
                stack.append((where + (key,), key))
        elif isinstance(item, (list, tuple)):
            stack.extend((where + (i,), child) for i, child in enumerate(item))
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            hit = _number_hit(item)
            if hit is not None:
                found.append((where, hit))
    yield from reversed(found)


def _may_hold_in_value(value: Any) -> bool:
    import json

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # keys that are not text, bytes: walk it
        return True
    # JSON writes a line break or tab inside a string as \n, \t: separators to scan_text
    text = text.replace("\\n", " ").replace("\\r", " ").replace("\\t", " ")
    # nine digits in a row, not eleven: an integer that lost its leading zeros has 9 or 10
    return b"0" * 9 in text.encode("utf-8", "surrogatepass").translate(_TABLE, _DELETE)


def _number_hit(number: int | float) -> Hit | None:
    if isinstance(number, float):
        if not number.is_integer() or not 1e8 <= abs(number) < 1e11:
            return None
        number = int(number)
    text = str(abs(number))
    if 9 <= len(text) <= 11 and is_national_id(text.zfill(11)):
        return Hit(0, len(text), text.zfill(11))
    return None


def find_national_id(text: str) -> str | None:
    """Return the first thing in ``text`` that looks like a national identity number, masked."""
    hits = scan_text(text)
    return hits[0].masked if hits else None


def mask_national_ids(text: str) -> str:
    """The text with every identity number in it masked (the first two digits, then stars)."""
    hits = scan_text(text)
    for hit in reversed(hits):
        text = text[:hit.start] + hit.masked + text[hit.end:]
    return text


def problems(text: str, data: Any, path: Path | str) -> list:
    """Every identity number in a file: its raw text, what YAML made of it, and its name.

    One problem per number (a number found in the raw text is not reported again from
    the parsed values), each with the masked number, file, line and what to do. The one
    scan for every file kind, used by :func:`kvp_audit.yamlio.parse_mapping`. ``data``
    None scans the text and the name only.
    """
    classes = text.encode("utf-8", "surrogatepass").translate(_TABLE, _DELETE)
    raw = scan_text(text) if _ELEVEN in classes else []
    # YAML can only make digits the text does not show through escapes ("\x31"), number
    # bases (0o, 0x), exponents and integers that lost their leading zeros (9 or 10
    # digits): without any of them, the parsed values hold nothing the text scan missed.
    values = data is not None and ("\\" in text or b"0" * 9 in classes or "0o" in text or "0x" in text
                                   or "0O" in text or "0X" in text)
    name = os.path.basename(os.fspath(path))
    names = scan_text(name) if len(name) >= 11 else []
    if not raw and not values and not names:
        return []
    import re as _re

    from .errors import Problem, display_path
    from .i18n import _

    shown = display_path(path)
    message = _("teksten ser ut som et fødselsnummer eller D-nummer ({masked})")
    hint = _("fjern nummeret: saker kjennes bare ved den tilfeldige saksnøkkelen, og personnummer skal aldri lagres")
    out: list[Problem] = []
    seen: set[str] = set()
    for hit in raw:
        seen.add(hit.digits)
        line_start = text.rfind("\n", 0, hit.start) + 1
        line_end = text.find("\n", hit.start)
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        key = _re.match(r"^\s*(?:-\s*)?([^:#\s][^:#]*?)\s*:", line)
        out.append(Problem(shown, text.count("\n", 0, hit.start) + 1, hit.start - line_start + 1,
                           key=mask_national_ids(key.group(1)) if key else "",  # a number as the key, too
                           message=message.format(masked=hit.masked), hint=hint))
    locator = None
    for keys, hit in scan_value(data) if values else ():
        if hit.digits in seen:
            continue
        seen.add(hit.digits)
        if locator is None:
            from .yamlio import Locator

            locator = Locator(text)
        line, column = locator.locate(keys)
        out.append(Problem(shown, line, column, key=".".join(map(str, keys)),
                           message=message.format(masked=hit.masked), hint=hint))
    for hit in names:
        if hit.digits not in seen:
            seen.add(hit.digits)
            out.append(Problem(shown, message=message.format(masked=hit.masked),
                               hint=_("gi filen et annet navn: en sak har saksnøkkelen som navn, for eksempel K-7QX2M4.yaml")))
    return out


def without_national_ids(value: Any) -> Any:
    """A copy of a parsed YAML value with every identity number made unusable: a value
    holding one becomes None, a key holding one is left out (so no message can show it)."""
    if isinstance(value, dict):
        return {k: without_national_ids(v) for k, v in value.items() if not _holds_national_id(k)}
    if isinstance(value, list):
        return [without_national_ids(v) for v in value]
    return None if _holds_national_id(value) else value


def _holds_national_id(value: Any) -> bool:
    if isinstance(value, str):
        return bool(scan_text(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_hit(value) is not None
    return False


def new_case_key(existing: set[str] | frozenset[str] = frozenset(), length: int = 6) -> str:
    """Draw a random case key such as ``K-7QX2M4`` that is not among ``existing``."""
    while True:
        key = "K-" + "".join(secrets.choice(KEY_ALPHABET) for _ in range(length))
        # A key of digits only could be mistaken for (or be) an identity number.
        if key not in existing and not key[2:].isdigit():
            return key
