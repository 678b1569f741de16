"""Warnings about free text that looks like a person's name (reports become public).

A common Norwegian first name with a capital letter, followed by another capitalised
word ("Kari Nordmann", "Ola Hansen"), is most likely a participant's or a caseworker's
name. It is only ever a warning, never a refusal: "Per" and "Liv" are words too. The
first names are the Norwegian ones Faker's ``no_NO`` person provider ships (a list
kept up to date by others, from Statistics Norway's most common names); it is read
from Faker's source file on first use, without importing Faker (which takes a third of
a second), so commands that never scan free text do not pay for it.

Only free text is scanned: ``note``, answer ``comment``s and text answers, and the
follow-up's ``action`` and ``evidence``, and a plan's ``measure``, ``evidence`` and
``responsible`` (where a first name alone is warned about too). Office names, checklist text and fact values
are not. In ``rapport.yaml`` (and the ``report:`` block of ``runde.yaml``) only the
team's text is scanned: the officials named in ``team``, ``sender`` and ``signature``
are named there on purpose.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

FREE_TEXT_KEYS = frozenset({"note", "comment", "answer", "action", "evidence"})

# Capitalised words the text of a review uses that are never a surname after a first
# name ("Per Arena-utskrift ..."): NAV's systems and public bodies.
_NOT_SURNAMES = frozenset({"Arena", "Modia", "Gosys", "Kommune", "Kommunen", "Statsforvalteren", "Fylkesmannen"})

# The second word is a lookahead, so that "Veileder Ola Nordmann" finds "Ola Nordmann".
_PAIR = re.compile(r"(?<![\w-])([A-ZÆØÅ][a-zæøåéèü]+)(?=((?:[ \u00a0]+|-)([A-ZÆØÅ][a-zæøåéèü]+))(?!\w))")


# ASCII punctuation (and the hyphen of "Anne-Lise") as spaces, for the quick look at the words.
_PUNCTUATION = bytes(32 if (chr(i) in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") else i for i in range(256))


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Faker's Norwegian first names (empty when Faker is not installed)."""
    return _faker_names("first_names_male", "first_names_female")


@lru_cache(maxsize=1)
def _first_names_bytes() -> frozenset[bytes]:
    return frozenset(name.encode("utf-8") for name in first_names())


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    """Faker's Norwegian last names (empty when Faker is not installed)."""
    return _faker_names("last_names")


def _faker_names(*variables: str) -> frozenset[str]:
    import ast
    import importlib.util

    spec = importlib.util.find_spec("faker")
    if spec is None or not spec.origin:
        return frozenset()
    source = Path(spec.origin).parent / "providers" / "person" / "no_NO" / "__init__.py"
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return frozenset()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in variables for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            names.update(v for v in value if isinstance(v, str))
    return frozenset(names)


def find_names(text: str) -> list[tuple[int, str]]:
    """Where ``text`` has a first name followed by a capitalised word: (offset, "Kari N.")."""
    if not text or len(text) < 5 or (" " not in text and "-" not in text):
        return []
    out = []
    known = None
    taken = 0  # "Anne-Lise Berg" is one name, not also "Lise Berg"
    for match in _PAIR.finditer(text):
        known = known if known is not None else first_names()
        first, second = match.group(1), match.group(3)
        if match.start() >= taken and first in known and second not in _NOT_SURNAMES:
            out.append((match.start(), f"{first} {second[0]}."))
            taken = match.end() + len(match.group(2))
    return out


def _free_texts(data: dict) -> list[tuple[tuple, str]]:
    """The free-text values of a review and their key paths (answers and findings one level down)."""
    out = [((key,), data[key]) for key in FREE_TEXT_KEYS if isinstance(data.get(key), str)]
    for group in ("answers", "findings"):
        entries = data.get(group)
        if not isinstance(entries, dict):
            continue
        for name, entry in entries.items():
            if isinstance(entry, str):
                out.append(((group, name), entry))
            elif isinstance(entry, dict):
                out.extend(((group, name, key), entry[key]) for key in entry
                           if key in FREE_TEXT_KEYS and isinstance(entry[key], str))
    return out


def report_texts(data: dict) -> list[tuple[tuple, str]]:
    """The team's texts in a rapport.yaml, and their key paths (never team, sender or signature)."""
    section = data.get("text")
    if not isinstance(section, dict):
        return []
    out = [(("text", key), value) for key, value in section.items() if key != "themes" and isinstance(value, str)]
    themes = section.get("themes")
    if isinstance(themes, dict):
        out.extend((("text", "themes", tid), value) for tid, value in themes.items() if isinstance(value, str))
    return out


def round_report_texts(data: dict) -> list[tuple[tuple, str]]:
    """The standard texts and the county summary text of a runde.yaml's ``report:`` block."""
    report = data.get("report")
    if not isinstance(report, dict):
        return []
    out = []
    texts = report.get("texts")
    if isinstance(texts, dict):
        out.extend((("report", "texts", key), value) for key, value in texts.items() if isinstance(value, str))
    summary = report.get("summary")
    if isinstance(summary, dict) and isinstance(summary.get("text"), str):
        out.append((("report", "summary", "text"), summary["text"]))
    return out


def plan_texts(data: dict) -> list[tuple[tuple, str]]:
    """The office's texts in a plan.yaml (each item's measure and evidence), and their key paths."""
    items = data.get("items")
    if not isinstance(items, dict):
        return []
    return [(("items", fid, key), item[key]) for fid, item in items.items() if isinstance(item, dict)
            for key in ("measure", "evidence") if isinstance(item.get(key), str)]


_WORD = re.compile(r"(?<![\w-])[A-ZÆØÅ][a-zæøåéèü]+(?![\w-])")


def responsible_warnings(data: dict, text: str, path: Path | str) -> list:
    """A warning for each plan item whose ``responsible`` looks like a person's name: a first
    name alone («Kari») is one here too, since the field should hold a role or initials."""
    from .errors import Problem, display_path
    from .i18n import _
    from .yamlio import Locator

    items = data.get("items")
    if not isinstance(items, dict):
        return []
    out = []
    for fid, item in items.items():
        value = item.get("responsible") if isinstance(item, dict) else None
        if not isinstance(value, str):
            continue
        found = [shown for _offset, shown in find_names(value)]
        if not found:
            found = [w for w in _WORD.findall(value) if w in first_names()][:1]
        if found:
            line, column = Locator(text).locate(("items", fid, "responsible"))
            out.append(Problem(
                display_path(path), line, column, key=f"items.{fid}.responsible",
                message=_("teksten ser ut til å inneholde et navn ({name}); rapportene blir offentlige").format(name=found[0]),
                hint=_("skriv en rolle (for eksempel «NAV-leder») eller initialer (for eksempel «KB»), aldri et navn"),
                severity="warning"))
    return out


def name_warnings(data: dict, text: str, path: Path | str, free_texts=None) -> list:
    """A warning for each name-like pair of words in a file's free text, with file and line.

    ``free_texts`` picks the texts to scan from the parsed file (by default a review's).
    """
    from .errors import Problem, display_path
    from .i18n import _
    from .yamlio import Locator

    out = []
    locator = None
    # one look at all the words of the file rules out the usual review, which holds no first name
    if _first_names_bytes().isdisjoint(text.encode("utf-8").translate(_PUNCTUATION).split()):
        return out
    texts = (free_texts or _free_texts)(data)
    for keys, value in texts:
        for _offset, shown in find_names(value):
            locator = locator or Locator(text)
            line, column = locator.locate(keys)
            out.append(Problem(
                display_path(path), line, column, key=".".join(map(str, keys)),
                message=_("teksten ser ut til å inneholde et navn ({name}); rapportene blir offentlige").format(name=shown),
                hint=_("skriv «deltakeren» eller «veilederen» i stedet for navnet; er det ikke et navn, kan advarselen stå"),
                severity="warning"))
    return out
