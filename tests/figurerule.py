"""The figure rule, checked on a report's text: a percentage printed beside a count is that
count's share. "80 % (4 av 5 saker)" must say 80 because 4 of 5 is 80 %.

Used by the HTML, Markdown, DOCX and PDF tests; works on any text (markup is stripped,
entities are decoded), in bokmål, nynorsk ("av") and English ("of").
"""

from __future__ import annotations

import html
import re

# "80 % (4 av 5 saker)", "80 % (4 av 5)", "80% (4 of 5 cases)"; any space (the Norwegian
# no-break space included) between the number and the sign and around the parenthesis.
FIGURE = re.compile(r"(?<![\d,.])(\d{1,3})\s?%\s*\(\s*(\d+)\s+(?:av|of)\s+(\d+)\b[^)]*\)?")
TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """The text without markup, entities decoded and runs of whitespace made one space."""
    return re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", text)))


def figures(text: str) -> list[tuple[str, int, int, int]]:
    """Every "NN % (a av b ...)" in the text: (the string, NN, a, b)."""
    return [(m.group(0).strip(), int(m.group(1)), int(m.group(2)), int(m.group(3)))
            for m in FIGURE.finditer(plain(text))]


def contradictions(text: str) -> list[str]:
    """The "NN % (a av b ...)" strings whose percentage is not round(100 * a / b)."""
    return [s for s, pct, a, b in figures(text) if b == 0 or pct != _share(a, b)]


def _share(a: int, b: int) -> int:
    # The report rounds half away from zero would be babel's choice; it rounds a float with
    # Python's round() (half to even), so the checker does the same.
    return round(100 * a / b)
