"""What is forgotten is caught before the report is built (issue 15): unanswered applicable
criteria, offices with no cases, placeholder reviewers, dates outside the period, and every
problem of a file in one run. Exact messages, file:line:col, pinned."""

from __future__ import annotations

from click.testing import CliRunner

from kvp_audit.cli import main
from kvp_audit.load import validate_round

TODO = "; der kriteriet ikke gjelder, svar 'ikke aktuelt'; kan det ikke vurderes, skriv hvorfor i comment\n"
NO_CASES_B = ("runde/runde.yaml:10:9: advarsel: offices[1]: kontoret nav-b har ingen saker\n"
              "    Gjør slik: lag en sak med 'kvp-audit new case runde nav-b --reviewer KB' (dine initialer), "
              "eller ta kontoret ut av offices\n")
COMPLETE = {"V-01": "ja", "V-02": "nei", "A-03": 37.5}  # status pågående, har_barn false: do not apply


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_a_fresh_round_with_no_cases_is_not_silent(round_builder):
    result = run("validate", "runde")
    assert (result.exit_code, result.output) == (0, (
        "runde/runde.yaml:8:9: advarsel: offices[0]: kontoret nav-a har ingen saker\n"
        "    Gjør slik: lag en sak med 'kvp-audit new case runde nav-a --reviewer KB' (dine initialer), "
        "eller ta kontoret ut av offices\n" + NO_CASES_B + "0 feil, 2 advarsler\n"))
    assert run("validate", "--strict", "runde").exit_code == 1


def test_a_half_filled_case_says_how_many_applicable_criteria_are_unanswered(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja"}, status="avsluttet", har_barn=True)
    round_builder.case("nav-b", "K-AAAA22", COMPLETE)
    result = run("validate", "runde")
    assert (result.exit_code, result.output) == (0, (
        "runde/nav-a/K-AAAA11.yaml:8:1: advarsel: answers: 4 av 5 gjeldende kriterier er ikke besvart\n"
        "    Gjør slik: svar på V-02, A-01, A-02, A-03" + TODO + "0 feil, 1 advarsel\n"))
    result = run("validate", "--strict", "--format", "json", "runde")
    assert result.exit_code == 1 and '"warnings": 1' in result.output


def test_a_complete_round_stays_silent_and_a_comment_says_why_one_is_left(round_builder):
    round_builder.case("nav-a", "K-AAAA11", COMPLETE)
    round_builder.case("nav-b", "K-AAAA22", {"V-01": "ja", "A-03": 30},
                       extra="  V-02:\n    comment: Vedtaket lå ikke i mappen, og kunne ikke vurderes.\n")
    result = run("validate", "--strict", "runde")
    assert (result.exit_code, result.output) == (0, "Ingen problemer funnet.\n")


def test_placeholder_reviewers_and_dates_outside_the_period(round_builder):
    path = round_builder.case("nav-a", "K-AAAA11", COMPLETE)
    path.write_text(path.read_text().replace("reviewers: [KB]", "reviewers: [KB, XX]").replace(
        "date: 2026-02-01", "date: 2025-12-01"))
    round_builder.case("nav-b", "K-AAAA22", COMPLETE)
    result = run("validate", "runde")
    assert (result.exit_code, result.output) == (0, (
        "runde/nav-a/K-AAAA11.yaml:3:17: advarsel: reviewers: 'XX' er en plassholder, ikke en revisor\n"
        "    Gjør slik: skriv initialene til dem som gjorde vurderingen, for eksempel [KB, ÅS]\n"
        "runde/nav-a/K-AAAA11.yaml:4:7: advarsel: date: datoen 2025-12-01 er utenfor rundens periode "
        "(2026-01-01 til 2026-06-30)\n"
        "    Gjør slik: rett datoen, eller rett period i runde.yaml\n"
        "0 feil, 2 advarsler\n"))


def test_visit_dates_outside_the_period_and_the_office_review_unanswered(round_builder):
    round_builder.write("runde.yaml", (round_builder.root / "runde.yaml").read_text().replace(
        "  case: mini-sak@1.0", "  case: mini-sak@1.0\n  office: kvp-kontor@2026.1"))
    round_builder.case("nav-a", "K-AAAA11", COMPLETE)
    round_builder.case("nav-b", "K-AAAA22", COMPLETE)
    round_builder.write("nav-a/kontor.yaml", "office: nav-a\nreviewers: [KB]\n"
                        "visit_dates: [2026-03-01, 2026-07-02]\nanswers:\n  KR-01: ja\n")
    problems = [p.format() for p in validate_round(round_builder.root)]
    assert problems == [
        "runde/nav-a/kontor.yaml:4:1: advarsel: answers: 19 av 20 gjeldende kriterier er ikke besvart\n"
        "    Gjør slik: svar på KR-02, KR-03, KR-04, KK-01, KK-02, …" + TODO.rstrip("\n"),
        "runde/nav-a/kontor.yaml:3:27: advarsel: visit_dates: datoen 2026-07-02 er utenfor rundens periode "
        "(2026-01-01 til 2026-06-30)\n"
        "    Gjør slik: rett datoen, eller rett period i runde.yaml",
    ]


def test_completeness_waits_until_the_round_is_free_of_errors(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "kanskje"})
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert "har ingen saker" not in result.output and "ikke besvart" not in result.output
    assert result.output.endswith("1 feil, 0 advarsler\n")


def test_report_prints_the_warnings_and_states_the_count(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja"}, status="avsluttet", har_barn=True)
    round_builder.case("nav-b", "K-AAAA22", COMPLETE)
    result = run("report", "runde", "--out", "ut", "--format", "html,md")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "runde/nav-a/K-AAAA11.yaml:8:1: advarsel: answers: 4 av 5 gjeldende kriterier er ikke besvart\n")
    line = "4 gjeldende kriterier var ikke besvart i vurderingene og er ikke med i resultatene."
    md = (round_builder.root.parent / "ut" / "nav-a.md").read_text(encoding="utf-8")
    assert f"\n{line}\n\n_Laget med kvp-audit" in md
    html = (round_builder.root.parent / "ut" / "nav-a.html").read_text(encoding="utf-8")
    assert f'<p class="unanswered">{line}</p>\n</section>' in html
    # a complete office's report says nothing about it
    for name in ("nav-b.md", "nav-b.html"):
        assert "ikke besvart" not in (round_builder.root.parent / "ut" / name).read_text(encoding="utf-8")


def test_the_count_in_english(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja", "A-03": 30})
    round_builder.case("nav-b", "K-AAAA22", COMPLETE)
    result = run("--lang", "en", "report", "runde", "--out", "ut", "--format", "md")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "runde/nav-a/K-AAAA11.yaml:8:1: warning: answers: 1 of 3 applicable criteria is not answered\n")
    md = (round_builder.root.parent / "ut" / "nav-a.en.md").read_text(encoding="utf-8")
    assert "\n1 applicable criterion was not answered in the reviews and is not in the results.\n" in md


# --------------------------------------------------------------------------- every problem of a file at once


def test_an_unknown_field_hides_neither_a_criterion_typo_nor_a_bad_answer(round_builder):
    round_builder.write("nav-a/K-AAAA11.yaml", (
        "case: K-AAAA11\noffice: nav-a\nreviewers: [KB]\ndate: 2026-02-01\nfacts:\n  status: pågående\n"
        "  har_barn: false\nanswers:\n  V-01:\n    svar: ja\n  V-20: ja\n  V-02: Ja\n"))
    result = run("validate", "runde")
    assert (result.exit_code, result.output) == (1, (
        "runde/nav-a/K-AAAA11.yaml:10:5: feil: answers.V-01.svar: ukjent felt 'svar'\n"
        "    Gjør slik: fjern feltet; gyldige felt her er: answer, comment, sources\n"
        "runde/nav-a/K-AAAA11.yaml:11:3: feil: answers.V-20: kriteriet 'V-20' finnes ikke i sjekklisten mini-sak@1.0\n"
        "    Gjør slik: mente du 'V-02'?\n"
        "runde/nav-a/K-AAAA11.yaml:12:9: feil: answers.V-02: 'Ja' er ikke et gyldig svar\n"
        "    Gjør slik: svar med en av: ja, delvis, nei, ikke aktuelt\n"
        "3 feil, 0 advarsler\n"))


def test_an_identity_number_is_masked_and_the_rest_of_the_file_still_checked(round_builder):
    round_builder.write("nav-a/K-AAAA11.yaml", (
        "case: K-AAAA11\noffice: nav-a\nreviewers: [KB]\ndate: 2026-02-01\nfacts:\n  status: pågående\n"
        "  har_barn: false\n  barn: 2\nanswers:\n  V-01: {answer: nei, comment: 'Se 15099947613 i Gosys'}\n"
        "  V-02: kanskje\n"))
    result = run("validate", "runde")
    assert "15099947613" not in result.output
    assert (result.exit_code, result.output) == (1, (
        "runde/nav-a/K-AAAA11.yaml:8:3: feil: facts.barn: et ukjent faktum: 'barn'\n"
        "    Gjør slik: mente du 'har_barn'?\n"
        "runde/nav-a/K-AAAA11.yaml:10:36: feil: V-01: teksten ser ut som et fødselsnummer eller D-nummer (15*********)\n"
        "    Gjør slik: fjern nummeret: saker kjennes bare ved den tilfeldige saksnøkkelen, og personnummer skal "
        "aldri lagres\n"
        "runde/nav-a/K-AAAA11.yaml:11:9: feil: answers.V-02: 'kanskje' er ikke et gyldig svar\n"
        "    Gjør slik: svar med en av: ja, delvis, nei, ikke aktuelt\n"
        "3 feil, 0 advarsler\n"))
    # the same on several cores
    assert [p.format() for p in validate_round(round_builder.root, workers=2)] == \
        [p.format() for p in validate_round(round_builder.root, workers=1)]


def test_an_identity_number_as_a_key_never_shows(round_builder):
    round_builder.write("nav-a/K-AAAA11.yaml", (
        "case: K-AAAA11\noffice: nav-a\nreviewers: [KB]\ndate: 2026-02-01\nfacts:\n  status: pågående\n"
        "  har_barn: false\nanswers:\n  15099947613: ja\n  V-01: kanskje\n"))
    result = run("validate", "runde")
    assert "15099947613" not in result.output
    assert (result.exit_code, result.output) == (1, (
        "runde/nav-a/K-AAAA11.yaml:9:3: feil: 15*********: teksten ser ut som et fødselsnummer eller D-nummer "
        "(15*********)\n"
        "    Gjør slik: fjern nummeret: saker kjennes bare ved den tilfeldige saksnøkkelen, og personnummer skal "
        "aldri lagres\n"
        "runde/nav-a/K-AAAA11.yaml:10:9: feil: answers.V-01: 'kanskje' er ikke et gyldig svar\n"
        "    Gjør slik: svar med en av: ja, delvis, nei, ikke aktuelt\n"
        "2 feil, 0 advarsler\n"))
