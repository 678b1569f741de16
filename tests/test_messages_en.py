"""With --lang en, no bokmål fixed text reaches the user: every validation message is translated.

Bad checklists and rounds trigger each kind of error (the model's own checks included);
the English output must hold no fragment of a bokmål message id that its translation
does not also hold.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from kvp_audit.cli import main

ROOT = Path(__file__).resolve().parent.parent
MINI = (ROOT / "tests" / "fixtures" / "mini-sak.yaml").read_text(encoding="utf-8")
SCALE = """scale:
  - {value: ja, outcome: oppfylt, score: 1}
  - {value: nei, outcome: ikke oppfylt}
  - {value: kanskje, outcome: ikke aktuelt, score: 0.5}
"""

# Each: (what to replace in the mini checklist, with what)
BAD_CHECKLISTS = {
    "scale-scores": ("facts:\n", SCALE + "facts:\n"),
    "choice-without-options": ("    options: [pågående, avsluttet, avbrutt]\n", ""),
    "options-on-bool": ("    label: Har deltakeren barn?\n", "    label: Har deltakeren barn?\n    options: [ja]\n"),
    "scale-without-severity": ("        severity: anbefaling\n", ""),
    "choice-answer-without-options": ("        answer: number\n", "        answer: choice\n"),
    "options-on-number": ("        unit: timer\n", "        unit: timer\n        options: [a]\n"),
    "bad-fact-name": ("  har_barn:\n", "  HarBarn:\n"),
    "infinite-weight": ("weight: 2", "weight: .inf"),
    "negative-weight": ("weight: 2", "weight: -2"),
    "bad-date-condition": ("applies_when: har_barn", "applies_when: \"status >= '2020-01-01' and har_barn == 'snart'\""),
    "mixed-chain": ("applies_when: har_barn", "applies_when: \"'a' <= status <= 3\""),
    "deep-condition": ("applies_when: har_barn", "applies_when: \"" + "not " * 80 + "har_barn\""),
    "long-condition": ("applies_when: har_barn", "applies_when: \"" + "not " * 600 + "har_barn\""),
    "in-text": ("applies_when: har_barn", "applies_when: \"status in 'avsluttet'\""),
    "list-compare": ("applies_when: har_barn", "applies_when: \"['a'] == status\""),
    "syntax": ("applies_when: har_barn", "applies_when: \"status ==\""),
    "call": ("applies_when: har_barn", "applies_when: \"len(status) > 2\""),
    "unknown-fact": ("applies_when: har_barn", "applies_when: har_barnet"),
    "not-an-option": ("applies_when: har_barn", "applies_when: \"status == 'ferdig'\""),
    "duplicate-ids": ("      - id: V-02\n", "      - id: V-01\n"),
    "replaces-itself": ("        weight: 2\n", "        weight: 2\n        replaces: [V-01]\n"),
    "no-recommendation": ("        recommendation: Begrunn vedtaket.\n", ""),
    "unknown-field": ("        weight: 2\n", "        weigth: 2\n"),
    "bad-version": ('version: "1.0"', "version: x1"),
}

ROUND = """\
id: test-2026
name: Testrunde
county: Fiktivfylke
period: {start: 2026-01-01, end: 2026-06-30}
checklists:
  case: mini-sak@1.0
offices:
  - id: nav-a
    name: NAV A
"""
BAD_ROUNDS = {
    "bad-ref": ("  case: mini-sak@1.0\n", "  case: mini-sak\n"),
    "end-before-start": ("end: 2026-06-30", "end: 2025-06-30"),
    "office-twice": ("    name: NAV A\n", "    name: NAV A\n  - id: nav-a\n    name: NAV A igjen\n"),
    "previous-nul": ("offices:\n", 'previous: "../20\\u00002024"\noffices:\n'),
    "wrong-scope": ("  case: mini-sak@1.0\n", "  case: mini-sak@1.0\n  office: mini-sak@1.0\n"),
    "missing-checklist": ("  case: mini-sak@1.0\n", "  case: mini-sak@9\n"),
}
CASE = """\
case: K-AAAA11
office: nav-b
reviewers: [Kari, kb]
date: 2026-02-30
selection: kanskje
facts:
  status: ferdig
  har_barn: kanskje
  ukjent: 1
answers:
  V-01: kanskje
  V-02: {answer: [ja]}
  A-03: .nan
  X-01: ja
"""


def bokmal_fragments() -> set[str]:
    """Pieces of bokmål message ids (between placeholders) that their English translation does not hold."""
    with open(ROOT / "kvp_audit" / "locale" / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    out = set()
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        for piece in re.split(r"\{[^}]*\}", message.id):
            piece = piece.strip(" '\"():;,.")
            if len(piece) >= 12 and piece not in (message.string or ""):
                out.add(piece)
    return out


FRAGMENTS = bokmal_fragments()


def english(*args: str) -> str:
    result = CliRunner().invoke(main, ["--lang", "en", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    return result.output


# Words of bokmål that no English message holds: they catch text that is not in the catalogue at all.
BOKMAL_WORDS = (" må ", " ikke ", " eller ", " skriv ", " være ", " bare ", " finnes ", " mangler ", " kan ",
                " og ", " med ", " som ", " til ", " har ")


def untranslated(output: str) -> list[str]:
    """Bokmål in the output: catalogue fragments, or bokmål words outside quoted values."""
    found = sorted(f for f in FRAGMENTS if f in output)
    fixed = re.sub(r"'[^'\n]*'|\[[^\]\n]*\]", "''", output)  # values from the user's files
    fixed = fixed.replace("ikke aktuelt", "")  # a value of the answer scale
    return found + [w.strip() for w in BOKMAL_WORDS if w in fixed]


def test_the_fragments_are_found_in_bokmal_output(tmp_path):
    (tmp_path / "c.yaml").write_text(MINI.replace("weight: 2", "weight: .inf"), encoding="utf-8")
    output = CliRunner().invoke(main, ["checklist", "validate", "c.yaml"]).output
    assert untranslated(output) != []  # the check would notice bokmål


@pytest.mark.parametrize("name", sorted(BAD_CHECKLISTS))
def test_checklist_validate_in_english_has_no_bokmal(tmp_path, name):
    old, new = BAD_CHECKLISTS[name]
    assert old in MINI
    (tmp_path / f"{name}.yaml").write_text(MINI.replace(old, new), encoding="utf-8")
    output = english("checklist", "validate", f"{name}.yaml")
    assert "error" in output or "warning" in output
    assert untranslated(output) == []


@pytest.mark.parametrize("name", sorted(BAD_ROUNDS))
def test_validate_in_english_has_no_bokmal(tmp_path, name):
    root = tmp_path / "r"
    (root / "checklists").mkdir(parents=True)
    (root / "checklists" / "mini-sak.yaml").write_text(MINI, encoding="utf-8")
    old, new = BAD_ROUNDS[name]
    assert old in ROUND
    (root / "runde.yaml").write_text(ROUND.replace(old, new), encoding="utf-8")
    (root / "nav-a").mkdir()
    output = english("validate", "r")
    assert untranslated(output) == []


def test_validate_of_a_bad_case_in_english_has_no_bokmal(tmp_path):
    root = tmp_path / "r"
    (root / "checklists").mkdir(parents=True)
    (root / "checklists" / "mini-sak.yaml").write_text(MINI, encoding="utf-8")
    (root / "runde.yaml").write_text(ROUND, encoding="utf-8")
    (root / "nav-a").mkdir()
    (root / "stray").mkdir()
    (root / "nav-a" / "K-AAAA11.yaml").write_text(CASE, encoding="utf-8")
    (root / "nav-a" / "K-AAAA12.yaml").write_text(
        CASE.replace("reviewers: [Kari, kb]\ndate: 2026-02-30\nselection: kanskje\n",
                     "reviewers: [KB]\ndate: 2026-02-03\n").replace("office: nav-b", "office: nav-a"),
        encoding="utf-8")
    output = english("validate", "r")
    assert output.count("error") >= 8
    assert untranslated(output) == []
