"""Every validation error a user can meet, with the exact message pinned."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kvp_audit.errors import InputError
from kvp_audit.load import load_checklist, load_round

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path: Path, text: str, name: str = "sjekkliste.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def formatted(problems) -> list[str]:
    return [p.format() for p in problems]


GOOD_HEAD = """\
id: x
title: T
version: "1"
scope: case
facts:
  status: {type: choice, options: [pågående, avsluttet]}
themes:
  - id: a
    title: A
    criteria:
"""


def test_mini_checklist_is_clean():
    checklist, problems = load_checklist(FIXTURES / "mini-sak.yaml")
    assert problems == []
    assert checklist.ref == "mini-sak@1.0"
    assert [c.id for c in checklist.criteria()] == ["V-01", "V-02", "A-01", "A-02", "A-03"]


def test_unknown_field_suggests_the_near_name(tmp_path):
    path = write(tmp_path, GOOD_HEAD + """\
      - id: C-1
        question: Q
        severty: krav
        recommendation: r
""")
    checklist, problems = load_checklist(path)
    assert checklist is None
    assert formatted(problems) == [
        "sjekkliste.yaml:13:9: feil: themes[0].criteria[0].severty: ukjent felt 'severty'\n"
        "    Gjør slik: mente du 'severity'?"
    ]


def test_wrong_type_names_expected_and_got(tmp_path):
    path = write(tmp_path, GOOD_HEAD + """\
      - id: C-1
        question: Q
        severity: krav
        legal_basis: sotjl. § 30
        weight: tung
        recommendation: r
""")
    _, problems = load_checklist(path)
    assert formatted(problems) == [
        "sjekkliste.yaml:15:17: feil: themes[0].criteria[0].weight: forventet et tall, fikk tekst\n"
        "    Gjør slik: rett verdien til et tall"
    ]


def test_duplicate_criterion_ids_and_unknown_facts_are_all_reported(tmp_path):
    path = write(tmp_path, GOOD_HEAD + """\
      - id: C-1
        question: Q
        severity: krav
        legal_basis: l
        recommendation: r
      - id: C-1
        question: Q2
        severity: anbefaling
        applies_when: statsu == 'avsluttet' and barn
        recommendation: r
""")
    _, problems = load_checklist(path)
    assert formatted(problems) == [
        "sjekkliste.yaml:16:13: feil: themes[0].criteria[1].id: kriterie-id 'C-1' er brukt før (i themes[0].criteria[0])\n"
        "    Gjør slik: gi kriteriet en ny id; en id brukes aldri om igjen",
        "sjekkliste.yaml:19:23: feil: themes[0].criteria[1].applies_when: betingelsen bruker et ukjent faktum, 'barn'\n"
        "    Gjør slik: definer 'barn' under facts, eller bruk et av: status",
        "sjekkliste.yaml:19:23: feil: themes[0].criteria[1].applies_when: betingelsen bruker et ukjent faktum, 'statsu'\n"
        "    Gjør slik: mente du 'status'?",
    ]


def test_condition_value_not_among_options(tmp_path):
    path = write(tmp_path, GOOD_HEAD + """\
      - id: C-1
        question: Q
        severity: anbefaling
        applies_when: status == 'stanset'
        recommendation: r
""")
    _, problems = load_checklist(path)
    assert formatted(problems) == [
        "sjekkliste.yaml:14:23: feil: themes[0].criteria[0].applies_when: 'stanset' er ikke et mulig valg for 'status'\n"
        "    Gjør slik: bruk en av: pågående, avsluttet"
    ]


def test_missing_recommendation_and_legal_basis_are_warnings(tmp_path):
    path = write(tmp_path, GOOD_HEAD + """\
      - id: C-1
        question: Q
        severity: krav
""")
    checklist, problems = load_checklist(path)
    assert checklist is not None  # warnings do not stop the checklist being used
    assert [p.severity for p in problems] == ["warning", "warning"]
    assert [p.message for p in problems] == [
        "kriteriet 'C-1' har ingen anbefalingstekst",
        "kravet 'C-1' har ikke noe rettslig grunnlag",
    ]


def test_scale_criterion_needs_severity(tmp_path):
    path = write(tmp_path, GOOD_HEAD + """\
      - id: C-1
        question: Q
        recommendation: r
""")
    _, problems = load_checklist(path)
    assert formatted(problems) == [
        "sjekkliste.yaml:11:9: feil: themes[0].criteria[0]: et kriterium med svarskala må ha severity: krav eller anbefaling"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: x\nid: y\n", "f.yaml:2:1: feil: id: nøkkelen 'id' står to ganger i samme mapping\n"
                           "    Gjør slik: slett eller slå sammen den ene; YAML ville ellers stille overskrevet den første"),
        ("- a\n- b\n", "f.yaml:1:1: feil: filen holder en liste, men skal holde nøkler og verdier (en mapping)\n"
                       "    Gjør slik: start filen med nøkler som 'id:' eller 'case:', ikke med '- '"),
        ("", "f.yaml:1:1: feil: filen er tom\n    Gjør slik: fyll inn filen, eller lag en ny med 'kvp-audit new'"),
        ("a: [1,\n", "f.yaml:1:4: feil: ugyldig YAML: unclosed bracket '['\n"
                     "    Gjør slik: sjekk innrykk, kolon og anførselstegn på eller like før denne linjen"),
        ("a: 1\n b: 2\n", "f.yaml:2:3: feil: ugyldig YAML: mapping values are not allowed in this context\n"
                          "    Gjør slik: sjekk innrykk, kolon og anførselstegn på eller like før denne linjen"),
    ],
)
def test_broken_files(tmp_path, text, expected):
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_checklist(path)
    assert formatted(problems) == [expected]


def test_file_too_large(tmp_path):
    path = tmp_path / "stor.yaml"
    with path.open("w") as handle:
        handle.write("a: |\n")
        line = "  " + "x" * 1022 + "\n"
        for _ in range(50 * 1024):
            handle.write(line)
    _, problems = load_checklist(path)
    assert formatted(problems) == [
        "stor.yaml:1: feil: filen er 50.0 MB, mer enn grensen på 5 MB for en YAML-fil\n"
        "    Gjør slik: sjekk at det er riktig fil; en saksvurdering er vanligvis under 20 kB"
    ]


def test_non_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: x\ntitle: Sjekkliste for Bø\n".encode("latin-1"))
    _, problems = load_checklist(path)
    assert formatted(problems) == ["latin1.yaml:2: feil: filen er ikke UTF-8-tekst\n    Gjør slik: lagre filen som UTF-8 i editoren"]


# --------------------------------------------------------------------------- rounds


def problems_of(round_builder) -> list[str]:
    return formatted(load_round(round_builder.root).problems)


def test_clean_round(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja", "V-02": "nei"})
    data = load_round(round_builder.root)
    assert data.problems == []
    assert [c.case for c in data.cases["nav-a"]] == ["K-AAAA11"]
    assert data.cases["nav-b"] == []


def test_answer_outside_scale(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "kanskje"})
    assert problems_of(round_builder) == [
        "runde/nav-a/K-AAAA11.yaml:9:9: feil: answers.V-01: 'kanskje' er ikke et gyldig svar\n"
        "    Gjør slik: svar med en av: ja, delvis, nei, ikke aktuelt"
    ]


def test_yaml_boolean_words_stay_text(round_builder):
    # YAML 1.2: 'no', 'yes', 'nei' are text, never booleans (a YAML 1.1 parser would read no as false).
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "no"})
    assert problems_of(round_builder)[0].endswith("'no' er ikke et gyldig svar\n    Gjør slik: svar med en av: ja, delvis, nei, ikke aktuelt")


def test_unknown_criterion_id(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-10": "ja", "X-99": "ja"})
    assert problems_of(round_builder) == [
        "runde/nav-a/K-AAAA11.yaml:9:3: feil: answers.V-10: kriteriet 'V-10' finnes ikke i sjekklisten mini-sak@1.0\n"
        "    Gjør slik: mente du 'V-02'?",
        "runde/nav-a/K-AAAA11.yaml:10:3: feil: answers.X-99: kriteriet 'X-99' finnes ikke i sjekklisten mini-sak@1.0\n"
        "    Gjør slik: fjern svaret, eller sjekk hvilken sjekkliste runden bruker",
    ]


def test_case_key_that_is_a_national_id_is_refused(round_builder):
    round_builder.case("nav-a", "01019012480", {"V-01": "ja"})
    assert problems_of(round_builder) == [
        "runde/nav-a/01019012480.yaml:1:7: feil: case: teksten ser ut som et fødselsnummer eller D-nummer (01*********)\n"
        "    Gjør slik: fjern nummeret: saker kjennes bare ved den tilfeldige saksnøkkelen, og personnummer skal aldri lagres"
    ]


def test_national_id_in_a_comment_is_refused(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "{answer: nei, comment: 'Se 410190 12474 i Gosys'}"})
    assert problems_of(round_builder) == [
        "runde/nav-a/K-AAAA11.yaml:9:36: feil: V-01: teksten ser ut som et fødselsnummer eller D-nummer (41*********)\n"
        "    Gjør slik: fjern nummeret: saker kjennes bare ved den tilfeldige saksnøkkelen, og personnummer skal aldri lagres"
    ]


def test_wrong_fact_values_and_unknown_facts(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {}, status="ferdig", har_barn=None,
                       extra="")
    path = round_builder.root / "nav-a" / "K-AAAA11.yaml"
    path.write_text(path.read_text().replace("facts:\n", "facts:\n  barn: true\n"))
    assert problems_of(round_builder) == [
        "runde/nav-a/K-AAAA11.yaml:6:3: feil: facts.barn: et ukjent faktum: 'barn'\n"
        "    Gjør slik: mente du 'har_barn'?",
        "runde/nav-a/K-AAAA11.yaml:7:11: feil: facts.status: 'ferdig' passer ikke for 'status'\n"
        "    Gjør slik: forventet en av: pågående, avsluttet, avbrutt",
        # har_barn is left out: A-02 counts as applicable, and that is said (issue 15)
        "runde/nav-a/K-AAAA11.yaml:5:1: advarsel: facts.har_barn: kriteriet A-02 regnes som aktuelt bare fordi "
        "faktumet 'har_barn' mangler (har_barn)\n    Gjør slik: fyll inn har_barn: Har deltakeren barn?",
    ]


def test_office_mismatch_and_reviewer_names(round_builder):
    path = round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja"})
    path.write_text(path.read_text().replace("office: nav-a", "office: nav-b"))
    assert problems_of(round_builder) == [
        "runde/nav-a/K-AAAA11.yaml:2:9: feil: office: filen ligger i mappen 'nav-a', men sier office: nav-b\n"
        "    Gjør slik: rett office til 'nav-a', eller flytt filen"
    ]
    path.write_text(path.read_text().replace("reviewers: [KB]", "reviewers: [Kari]").replace("office: nav-b", "office: nav-a"))
    assert problems_of(round_builder) == [
        "runde/nav-a/K-AAAA11.yaml:3:1: feil: reviewers: 'Kari' er ikke initialer: bruk 2-4 store bokstaver, for eksempel 'KB', aldri navn"
    ]


def test_missing_field_and_list_where_mapping_belongs(round_builder):
    round_builder.write("nav-a/K-AAAA11.yaml", """\
        case: K-AAAA11
        office: nav-a
        reviewers: [KB]
        facts: {status: pågående}
        answers:
          - V-01: ja
        """)
    assert problems_of(round_builder) == [
        "runde/nav-a/K-AAAA11.yaml:1:1: feil: date: mangler feltet 'date'\n    Gjør slik: legg til 'date:' med en verdi",
        "runde/nav-a/K-AAAA11.yaml:5:1: feil: answers: forventet nøkler og verdier (en mapping), fikk en liste\n"
        "    Gjør slik: rett verdien til nøkler og verdier (en mapping)",
    ]


def test_answered_but_not_applicable_is_a_warning(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"A-01": "nei"}, status="pågående")
    data = load_round(round_builder.root)
    assert data.errors == []
    assert formatted(data.warnings) == [
        "runde/nav-a/K-AAAA11.yaml:9:3: advarsel: answers.A-01: kriteriet gjelder ikke denne saken "
        "(status in ['avsluttet', 'avbrutt']), men er besvart; svaret telles ikke\n"
        "    Gjør slik: sjekk faktaene, eller sett svaret til 'ikke aktuelt'"
    ]


def test_duplicate_case_keys(round_builder):
    round_builder.case("nav-a", "K-AAAA11", {"V-01": "ja"})
    path = round_builder.case("nav-b", "K-AAAA11", {"V-01": "ja"})
    path.rename(path.with_name("annen.yaml"))
    assert problems_of(round_builder) == [
        "runde/nav-b/annen.yaml: feil: case: saksnøkkelen K-AAAA11 er brukt også i runde/nav-a/K-AAAA11.yaml\n"
        "    Gjør slik: hver sak har sin egen nøkkel: lag en ny med 'kvp-audit new case'"
    ]


def test_stray_folder_is_a_warning(round_builder):
    (round_builder.root / "nav-c").mkdir()
    assert problems_of(round_builder) == [
        "runde/nav-c: advarsel: mappen er ikke et kontor i runde.yaml\n    Gjør slik: mente du 'nav-b'?"
    ]


def test_unknown_checklist_version(round_builder):
    text = (round_builder.root / "runde.yaml").read_text().replace("mini-sak@1.0", "mini-sak@9.9")
    (round_builder.root / "runde.yaml").write_text(text)
    with pytest.raises(InputError) as info:
        load_round(round_builder.root)
    assert info.value.message == "runden kan ikke lastes fordi sjekklisten mangler eller har feil"
    assert formatted(info.value.problems)[0].startswith(
        "runde/runde.yaml:6:9: feil: checklists.case: fant ikke sjekklisten 'mini-sak@9.9'\n"
        "    Gjør slik: kjente sjekklister: ")


def test_not_a_round(tmp_path):
    with pytest.raises(InputError) as info:
        load_round(tmp_path)
    assert info.value.message == (
        "'.' er ikke en runde: fant ikke runde.yaml\n    Gjør slik: lag en runde med 'kvp-audit new round .'")


def test_parallel_loading_gives_the_same_result(round_builder):
    for i in range(12):
        round_builder.case("nav-a" if i % 2 else "nav-b", f"K-AAAA{i:02d}", {"V-01": "ja" if i % 3 else "nei"})
    one = load_round(round_builder.root, workers=1)
    two = load_round(round_builder.root, workers=2)
    assert {k: [c.case for c in v] for k, v in one.cases.items()} == {k: [c.case for c in v] for k, v in two.cases.items()}
    assert one.problems == two.problems


def test_validation_only_mode_on_two_cores_finds_the_same_problems(round_builder):
    for i in range(12):
        round_builder.case("nav-a" if i % 2 else "nav-b", f"K-AAAA{i:02d}", {"V-01": "ja" if i % 3 else "kanskje"})
    path = round_builder.case("nav-b", "K-AAAA01", {"V-01": "ja"})
    path.rename(path.with_name("kopi.yaml"))
    full = load_round(round_builder.root, workers=1)
    quick = load_round(round_builder.root, workers=2, keep_reviews=False)
    assert formatted(quick.problems) == formatted(full.problems)
    assert any("er brukt også i" in p for p in formatted(quick.problems))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("case: K-AAAA11\n---\noffice: nav-a\n",
         "runde/nav-a/K-AAAA11.yaml:1:1: feil: filen har flere YAML-dokumenter (---)\n    Gjør slik: hold ett dokument per fil"),
        ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
         "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
         "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
         "runde/nav-a/K-AAAA11.yaml:1:1: feil: filen bruker YAML-aliaser (*navn) som vokser seg for store\n"
         "    Gjør slik: skriv verdiene ut i stedet for å bruke & og *"),
        ("case: K-AAAA11\noffice: nav-a\nreviewers: KB\ndate: 2026-02-30\nfacts: {status: pågående}\n",
         "runde/nav-a/K-AAAA11.yaml:4:7: feil: date: '2026-02-30' er ikke en dato som finnes\n"
         "    Gjør slik: skriv datoen som ÅÅÅÅ-MM-DD, for eksempel 2026-03-12"),
        ("case: K-AAAA11\noffice: nav-a\nreviewers: KB\ndate: 2026-02-01\nfacts: {status: pågående, har_barn: false}\n"
         "answers:\n  V-01: [ja]\n",
         "runde/nav-a/K-AAAA11.yaml:7:3: feil: answers.V-01: forventet ett svar (for eksempel ja, et tall eller en dato), fikk en liste\n"
         "    Gjør slik: skriv svaret rett etter 'answer:', uten klammer"),
        ("case: K-AAAA11\noffice: nav-a\nreviewers: KB\ndate: 2026-02-01\nfacts: {status: pågående, har_barn: false}\n"
         "answers:\n  A-03: tolv\n",
         "runde/nav-a/K-AAAA11.yaml:7:9: feil: answers.A-03: 'tolv' er ikke et tall\n"
         "    Gjør slik: skriv et tall, for eksempel 12"),
    ],
)
def test_more_bad_case_files(round_builder, text, expected):
    round_builder.write("nav-a/K-AAAA11.yaml", text)
    assert problems_of(round_builder) == [expected]


def test_text_that_looks_like_a_date_stays_text(round_builder):
    # yaml-rs would read even a quoted '2026-01-01' as a date; the tool keeps text as text
    round_builder.case("nav-a", "K-AAAA11", {"V-01": '{answer: ja, comment: "2026-01-01"}',
                                             "V-02": "{answer: ja, comment: 2026-01-02}"})
    data = load_round(round_builder.root)
    assert data.problems == []
    answers = data.cases["nav-a"][0].answers
    assert answers["V-01"].comment == "2026-01-01" and answers["V-02"].comment == "2026-01-02"
    assert str(data.cases["nav-a"][0].date) == "2026-02-01"


def test_date_facts_and_answers_are_dates(tmp_path):
    import datetime as dt

    from kvp_audit.load import as_date

    assert as_date("2019-01-01") == dt.date(2019, 1, 1)
    assert as_date("2019-02-30") == "2019-02-30"  # left as text, so the check says what is wrong
    assert as_date("20190101") == "20190101"
    round_dir = Path(__file__).resolve().parent.parent / "examples" / "fiktivfylke" / "2026"
    case = load_round(round_dir).cases["nav-fjellby"][0]
    assert isinstance(case.facts["startdato"], dt.date)
