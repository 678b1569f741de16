"""Words a public body can sign: plural forms, message contexts, nynorsk, and checklist wording."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from kvp_audit.cli import main
from kvp_audit.i18n import LOCALE_DIR, ngettext, pgettext, set_language, translations
from kvp_audit.load import bundled_checklist_dir, load_checklist

REPO = Path(__file__).resolve().parent.parent


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def catalogue(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def plural_messages() -> list[tuple[str, str]]:
    return [m.id for m in catalogue("nn") if isinstance(m.id, tuple)]


def test_the_messages_the_review_named_have_plural_forms():
    ids = {singular for singular, _ in plural_messages()}
    for singular in ("{errors} feil", "{n} rapport er uendret og ble ikke skrevet på nytt", "{n} fil skrevet",
                     "{n} funn fra {round} er ikke lukket og er ført videre (se carried i runde.yaml)",
                     "{n} av {of} kontor rapporterte tall.", "ikke oppfylt ved {n} av {of} kontor",
                     "Rapporten er laget ({n} fil).", "Filen har %(num)s feil."):
        assert singular in ids, singular


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
@pytest.mark.parametrize("n", [0, 1, 2])
def test_every_plural_message_takes_the_form_of_its_number(lang, n):
    """0 and 2 take the plural form, 1 the singular, in every language."""
    tr = translations(lang)
    for singular, plural in plural_messages():
        got = tr.ngettext(singular, plural, n)
        if lang == "nb":
            assert got == (singular if n == 1 else plural)
            continue
        entry = catalogue(lang).get(singular)
        assert got == entry.string[0 if n == 1 else 1], (lang, singular, n)


@pytest.mark.parametrize("lang, one, two", [
    ("nb", "1 rapport er uendret og ble ikke skrevet på nytt", "2 rapporter er uendret og ble ikke skrevet på nytt"),
    ("nn", "1 rapport er uendra og vart ikkje skriven på nytt", "2 rapportar er uendra og vart ikkje skrivne på nytt"),
    ("en", "1 report is unchanged and was not written again", "2 reports are unchanged and were not written again"),
])
def test_unchanged_reports_are_counted_in_words_that_fit_the_number(round_builder, lang, one, two):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja"})
    assert run("--lang", lang, "report", "runde", "--out", "ut", "--office", "nav-a", "--format", "html").exit_code == 0
    again = run("--lang", lang, "report", "runde", "--out", "ut", "--office", "nav-a", "--format", "html")
    assert one in again.output
    run("--lang", lang, "report", "runde", "--out", "ut", "--office", "nav-a", "--format", "html,md", "--force")
    again = run("--lang", lang, "report", "runde", "--out", "ut", "--office", "nav-a", "--format", "html,md")
    assert two in again.output


@pytest.mark.parametrize("lang, expected", [("nb", "1 feil, 0 advarsler"), ("nn", "1 feil, 0 åtvaringar"),
                                            ("en", "1 error, 0 warnings")])
def test_the_validation_summary_counts_one_error_in_the_singular(round_builder, lang, expected):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "kanskje"})
    result = run("--lang", lang, "validate", "runde")
    assert result.output.splitlines()[-1] == expected


def test_a_word_with_two_meanings_is_translated_by_its_context():
    set_language("en")
    from kvp_audit.models import FollowupStatus

    assert FollowupStatus.delvis.label == "partly closed"
    assert pgettext("kommando", "avbrutt") == "Aborted"
    assert pgettext("kolonne", "Funn") == "Finding"
    set_language("nn")
    assert pgettext("kommando", "avbrutt") == "avbrote"
    assert FollowupStatus.ikke_fulgt_opp.label == "ikkje følgt opp"


# Bokmål-only forms that must not appear in nynorsk text. Quoted values and the answer
# words users type in YAML ('ikke aktuelt', ['avsluttet', 'avbrutt']) stay as they are.
BOKMAL_ONLY = ("ikke", "hvordan", "hvilke", "fulgt opp", "avbrutt")
_QUOTED = re.compile(r"'[^']*'|«[^»]*»|\[[^\]]*\]|\bikke aktuelt\b")


def test_no_nynorsk_text_holds_a_bokmal_only_form():
    found = []
    for message in catalogue("nn"):
        if not message.id:
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for text in strings:
            bare = _QUOTED.sub("", text)
            found += [(word, text) for word in BOKMAL_ONLY if re.search(rf"\b{word}\b", bare)]
    assert found == []


def test_nynorsk_corrections_from_the_language_review():
    strings = " ".join(s if isinstance(s, str) else " ".join(s) for s in (m.string for m in catalogue("nn")) if s)
    for wrong in ("ikkje følgd opp", "avbroten", "ukjent fakta", "manglar fakta", "nye eller utgått.",
                  "Fekk argument for mykje", "ikkje svart", "Stolpane", "ukjend"):
        assert wrong not in strings, wrong
    click_po = (LOCALE_DIR / "nn" / "LC_MESSAGES" / "click.po").read_text(encoding="utf-8")
    assert "Fekk for mange argument ({args})" in click_po and "ukjend" not in click_po


def write_checklist(tmp_path: Path, severity: str, recommendation: str) -> Path:
    path = tmp_path / "sjekkliste.yaml"
    path.write_text(textwrap.dedent(f"""\
        id: x
        title: T
        version: "1"
        scope: case
        themes:
          - id: t
            title: Tema
            criteria:
              - id: X-01
                question: Er det gjort?
                legal_basis: [sotjl. § 41]
                severity: {severity}
                recommendation: {recommendation}
        """), encoding="utf-8")
    return path


def test_a_krav_whose_recommendation_says_bor_is_warned_about(tmp_path):
    _, problems = load_checklist(write_checklist(tmp_path, "krav", "Kontoret bør fatte vedtak."))
    assert [p.format() for p in problems] == [
        "sjekkliste.yaml:13:25: advarsel: themes[0].criteria[0].recommendation: "
        "kravet 'X-01' sier «bør» i anbefalingen, men et krav er en plikt\n"
        "    Gjør slik: skriv «må» eller «skal», eller gjør kriteriet til en anbefaling (severity: anbefaling)"]


def test_an_anbefaling_whose_recommendation_says_ma_is_warned_about(tmp_path):
    _, problems = load_checklist(write_checklist(tmp_path, "anbefaling", "Kontoret må fatte vedtak."))
    assert [p.message for p in problems] == ["anbefalingen 'X-01' sier «må», men en anbefaling er ikke en plikt"]
    result = run("checklist", "validate", str(tmp_path / "sjekkliste.yaml"), "--strict")
    assert result.exit_code == 1


@pytest.mark.parametrize("severity, text", [("krav", "Kontoret må fatte vedtak."),
                                            ("anbefaling", "Kontoret bør fatte vedtak."),
                                            ("krav", "Kontoret skal sørge for at målet nås.")])
def test_wording_that_matches_its_severity_passes(tmp_path, severity, text):
    _, problems = load_checklist(write_checklist(tmp_path, severity, text))
    assert problems == []


def test_the_bundled_checklists_word_every_recommendation_by_its_severity():
    for path in sorted(bundled_checklist_dir().rglob("*.yaml")):
        _, problems = load_checklist(path)
        assert [p.format() for p in problems] == [], path


def test_bm_04_asks_what_sotjl_43_says():
    checklist, _ = load_checklist(bundled_checklist_dir() / "kvp-sak.yaml")
    question = checklist.criterion_map()["BM-04"].question
    assert question == ("Er opplysninger innhentet i samarbeid med deltakeren, "
                        "eller slik at deltakeren kjenner til innhentingen?")
    assert "samtykke" not in question


@pytest.mark.parametrize("lang, expected", [("nb", "92\u00a0%"), ("nn", "92\u00a0%"), ("en", "92%")])
def test_percentages_follow_the_language(lang, expected):
    from kvp_audit.present import format_percent

    assert format_percent(0.92, lang) == expected
    set_language(lang)
    assert format_percent(0.92) == expected
