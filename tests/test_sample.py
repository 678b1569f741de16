"""The verifiable random sample: the draw (kvp-sha256-1), its record utvalg.yaml, repeating it,
a case's place in it (new case, validate), and how the office report states it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from figurerule import contradictions
from kvp_audit.cli import main
from kvp_audit.load import RESERVED_FILES, load_round, validate_round
from kvp_audit.report import build_reports
from kvp_audit.sample import draw_positions

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
SEED = "9f86d081884c7d65"


def reference(seed: str, office: str, stratum: str, n: int, k: int) -> list[int]:
    """The algorithm as docs/format.md states it, written again here with hashlib alone."""
    out, i = [], 0
    while len(out) < k:
        v = int.from_bytes(hashlib.sha256(f"{seed}:{office}:{stratum}:{i}".encode("utf-8")).digest()[:8], "big")
        i += 1
        if v >= 2**64 - (2**64 % n):
            continue
        if v % n + 1 not in out:
            out.append(v % n + 1)
    return out


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def record(b) -> Path:
    return b.root / "nav-a" / "utvalg.yaml"


def draw(b, *args: str):
    return run("sample", str(b.root), "nav-a", "--reviewer", "EL", "--date", "2026-02-01", *args)


# --------------------------------------------------------------------------- the algorithm


def test_the_draw_is_pinned_for_a_seed():
    assert draw_positions(SEED, "nav-strandvik", "alle", 20, 3) == [8, 1, 13]
    assert reference(SEED, "nav-strandvik", "alle", 20, 3) == [8, 1, 13]
    # 8 divides 2**64 (nothing rejected); counter 3 gives 5 again, which is skipped
    assert draw_positions(SEED, "nav-strandvik", "avsluttet", 8, 4) == [5, 1, 7, 3]


@pytest.mark.parametrize(("seed", "office", "stratum", "n", "k"), [
    (SEED, "nav-a", "alle", 1, 1), (SEED, "nav-a", "alle", 7, 7), ("x", "nav-b", "pågående", 3, 2),
    ("0", "nav-a", "alle", 1000, 10), ("abc", "nav-sørholmen", "avsluttet eller avbrutt", 12, 5),
    # N = 2**63 + 1: almost half of all v are rejected, so the rejection is exercised
    ("seed-1", "nav-a", "alle", 2**63 + 1, 6),
])
def test_the_draw_is_the_documented_algorithm(seed, office, stratum, n, k):
    positions = draw_positions(seed, office, stratum, n, k)
    assert positions == reference(seed, office, stratum, n, k)
    assert len(set(positions)) == k and all(1 <= p <= n for p in positions)


def test_a_rejected_value_is_not_used():
    # With N = 2**63 + 1 the limit is N itself: every v >= N is rejected, not folded onto a position.
    n = 2**63 + 1
    values = [int.from_bytes(hashlib.sha256(f"s:o:alle:{i}".encode()).digest()[:8], "big") for i in range(8)]
    assert any(v >= n for v in values)
    expected = [v + 1 for v in values if v < n][:3]
    assert draw_positions("s", "o", "alle", n, 3) == expected


def test_the_worked_example_in_the_docs_is_the_algorithm():
    doc = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    assert f"| 0 | `{SEED}:nav-strandvik:alle:0` | `bc883ece499db1f3` | 13585177331682357747 | **8** |" in doc
    assert hashlib.sha256(f"{SEED}:nav-strandvik:alle:0".encode()).hexdigest()[:16] == "bc883ece499db1f3"
    assert int("bc883ece499db1f3", 16) == 13585177331682357747
    assert "| 3 | `9f86d081884c7d65:nav-strandvik:avsluttet:3` | `66b800b65aeb0224` | 7401666770792808996 | 5, trukket før: hoppes over |" in doc


# --------------------------------------------------------------------------- the command


RECORD_ONE = f"""\
# Skrevet av kvp-audit sample. Ikke rediger denne filen.
# Gjenta trekningene med: kvp-audit sample RUNDE KONTOR --verify (algoritmen: docs/format.md).
draws:
  - date: 2026-02-01
    reviewer: EL
    seed: "{SEED}"
    algorithm: kvp-sha256-1
    strata:
      - name: "alle"
        population: 20
        draw: 3
        positions: [{', '.join(map(str, reference(SEED, 'nav-a', 'alle', 20, 3)))}]
"""


def test_sample_records_the_draw_then_shows_it(round_builder):
    b = round_builder
    result = draw(b, "--population", "20", "--draw", "3", "--seed", SEED)
    assert result.exit_code == 0, result.output
    positions = reference(SEED, "nav-a", "alle", 20, 3)
    assert positions == [12, 14, 11]
    assert record(b).read_text(encoding="utf-8") == RECORD_ONE
    assert result.output == (
        "skrev runde/nav-a/utvalg.yaml\n"
        f"Trekning 1 for NAV A (2026-02-01, EL), frø {SEED}:\n"
        "  plass 11, 12 og 14 av 20\n")
    assert load_round(b.root).samples["nav-a"].draws[0].strata[0].positions == positions


def test_sample_by_stratum(round_builder):
    b = round_builder
    result = draw(b, "--population", "pågående=12", "--population", "avsluttet=8",
                  "--draw", "pågående=1", "--draw", "avsluttet=2", "--seed", SEED)
    assert result.exit_code == 0, result.output
    ongoing, ended = reference(SEED, "nav-a", "pågående", 12, 1), reference(SEED, "nav-a", "avsluttet", 8, 2)
    assert (ongoing, ended) == ([2], [2, 1])
    assert result.output.splitlines()[1:] == [
        f"Trekning 1 for NAV A (2026-02-01, EL), frø {SEED}:",
        "  pågående: plass 2 av 12",
        "  avsluttet: plass 1 og 2 av 8"]
    text = record(b).read_text(encoding="utf-8")
    assert ('      - name: "pågående"\n        population: 12\n        draw: 1\n        positions: [2]\n'
            '      - name: "avsluttet"\n        population: 8\n        draw: 2\n        positions: [2, 1]\n') in text


def test_without_a_seed_one_is_drawn_from_the_os_and_recorded(round_builder, monkeypatch):
    import secrets

    b = round_builder
    # the first seed's digits read as a national identity number (15099947613), so it is drawn again
    seeds = iter(["15099947613aaaaa", "0a1b2c3d4e5f6789"])
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(seeds))
    result = draw(b, "--population", "9", "--draw", "2")
    assert result.exit_code == 0, result.output
    assert 'seed: "0a1b2c3d4e5f6789"' in record(b).read_text(encoding="utf-8")
    positions = sorted(reference("0a1b2c3d4e5f6789", "nav-a", "alle", 9, 2))
    assert f"plass {positions[0]} og {positions[1]} av 9" in result.output
    assert result.output.index("skrev") < result.output.index("plass")


def test_a_real_os_seed_is_16_hex_digits(round_builder):
    b = round_builder
    assert draw(b, "--population", "5", "--draw", "1").exit_code == 0
    seed = load_round(b.root).samples["nav-a"].draws[0].seed
    assert re.fullmatch(r"[0-9a-f]{16}", seed)


def test_verify_repeats_every_draw(round_builder):
    b = round_builder
    draw(b, "--population", "20", "--draw", "3", "--seed", SEED)
    result = run("sample", str(b.root), "nav-a", "--verify")
    assert result.exit_code == 0
    assert result.output == (f"Trekning 1 (2026-02-01, EL, frø {SEED}): stemmer\n"
                             "  plass 11, 12 og 14 av 20\n"
                             "Trekning 1 gjelder.\n")


def test_verify_finds_a_record_edited_by_hand(round_builder):
    b = round_builder
    draw(b, "--population", "20", "--draw", "3", "--seed", SEED)
    record(b).write_text(RECORD_ONE.replace("positions: [12, 14, 11]", "positions: [12, 14, 19]"), encoding="utf-8")
    result = run("sample", str(b.root), "nav-a", "--verify")
    assert result.exit_code == 1
    assert result.output == (f"Trekning 1 (2026-02-01, EL, frø {SEED}): stemmer ikke\n"
                             "  utvalg.yaml har 12, 14, 19, algoritmen gir 12, 14, 11\n"
                             "Trekning 1 gjelder.\n")
    problems = [p.format() for p in validate_round(b.root)]
    assert ("runde/nav-a/utvalg.yaml:6:11: advarsel: draws[0]: trekning 1 stemmer ikke med frøet: plassene er "
            "ikke de algoritmen gir\n    Gjør slik: filen er redigert for hånd; se 'kvp-audit sample RUNDE nav-a "
            "--verify'") in problems


def test_verify_without_a_record(round_builder):
    result = run("sample", str(round_builder.root), "nav-a", "--verify")
    assert result.exit_code == 2
    assert result.output == ("kvp-audit: NAV A har ingen trekning (runde/nav-a/utvalg.yaml finnes ikke); trekk med "
                             "'kvp-audit sample runde nav-a --population N --draw K'\n")


def test_a_second_draw_is_refused_unless_redraw_and_every_draw_stays(round_builder):
    b = round_builder
    draw(b, "--population", "20", "--draw", "3", "--seed", SEED)
    again = draw(b, "--population", "20", "--draw", "3")
    assert again.exit_code == 2
    assert again.output == (
        "kvp-audit: NAV A har allerede en trekning (2026-02-01: plass 11, 12 og 14 av 20)\n"
        "    Gjør slik: gjenta den med --verify, eller trekk på nytt med --redraw (begge trekningene blir stående "
        "i runde/nav-a/utvalg.yaml)\n")
    assert record(b).read_text(encoding="utf-8") == RECORD_ONE

    redrawn = run("sample", str(b.root), "nav-a", "--reviewer", "KB", "--date", "2026-02-03",
                  "--population", "21", "--draw", "2", "--seed", "second", "--redraw")
    assert redrawn.exit_code == 0, redrawn.output
    positions = sorted(reference("second", "nav-a", "alle", 21, 2))
    assert redrawn.output.splitlines()[1:] == [
        "Trekning 2 for NAV A (2026-02-03, KB), frø second:",
        f"  plass {positions[0]} og {positions[1]} av 21",
        "Trekning 2 gjelder nå; de tidligere trekningene står fortsatt i utvalg.yaml."]
    text = record(b).read_text(encoding="utf-8")
    assert text.startswith(RECORD_ONE)  # the first draw is kept as it was
    assert text.count("  - date: ") == 2
    draws = load_round(b.root).samples["nav-a"].draws
    assert [d.seed for d in draws] == [SEED, "second"]
    verified = run("sample", str(b.root), "nav-a", "--verify")
    assert verified.exit_code == 0
    assert "Trekning 1 (2026-02-01, EL" in verified.output and "Trekning 2 gjelder." in verified.output


BAD = [
    (["--population", "3", "--draw", "5"],
     "--draw 5 er flere enn populasjonen 3: 5 forskjellige plasser kan ikke trekkes av 3"),
    (["--population", "0", "--draw", "1"],
     "--population 0: populasjonen er tom, så ingenting kan trekkes; oppgi hvor mange saker kontorets liste har"),
    (["--population", "a=4", "--population", "b=0", "--draw", "a=1", "--draw", "b=1"],
     "--population b=0: populasjonen er tom, så ingenting kan trekkes; oppgi hvor mange saker kontorets liste har"),
    (["--population", "a=4", "--draw", "a=1", "--draw", "b=1"],
     "gruppen 'b' i --draw har ingen --population b=N; gruppene med populasjon er: a"),
    (["--population", "a=4", "--population", "b=3", "--draw", "a=1"],
     "gruppen 'b' har --population, men ingen --draw b=K"),
    (["--population", "a=4", "--draw", "a=5"],
     "--draw a=5 er flere enn populasjonen 4: 5 forskjellige plasser kan ikke trekkes av 4"),
    (["--population", "3", "--draw", "0"], "--draw 0: trekk minst én sak"),
    (["--population", "tjue", "--draw", "1"],
     "--population tjue: skriv et helt tall, for eksempel --population 12, eller GRUPPE=TALL for hver gruppe, "
     "for eksempel --population pågående=12"),
    (["--population", "-3", "--draw", "1"],
     "--population -3: skriv et helt tall, for eksempel --population 12, eller GRUPPE=TALL for hver gruppe, "
     "for eksempel --population pågående=12"),
    (["--population", "a:b=3", "--draw", "a:b=1"],
     "--population a:b=3: 'a:b' er ikke et gruppenavn; bruk bokstaver, sifre, bindestrek og mellomrom "
     "(høyst 40 tegn), for eksempel pågående=12"),
    (["--population", "3", "--draw", "a=1"],
     "bruk grupper (GRUPPE=TALL) både i --population og --draw, eller i ingen av dem"),
    (["--population", "3", "--population", "a=2", "--draw", "1"],
     "--population blander et tall uten gruppe med grupper; gi enten ett tall, eller GRUPPE=TALL for hver gruppe"),
    (["--population", "3", "--population", "4", "--draw", "1"],
     "--population er gitt to ganger; bruk GRUPPE=TALL for hver gruppe"),
    (["--population", "a=3", "--population", "a=4", "--draw", "a=1"],
     "--population er gitt to ganger for gruppen 'a'"),
    (["--population", "3"], "oppgi --draw K (hvor mange saker som skal trekkes)"),
    (["--draw", "1"], "oppgi --population N (hvor mange saker kontorets liste har) og --draw K"),
    (["--population", "2000", "--draw", "1001"], "--draw 1001: trekk høyst 1000 saker per gruppe"),
    (["--population", "3", "--draw", "1", "--seed", "to ord"],
     "--seed 'to ord': bruk 1-64 bokstaver (a-z), sifre, punktum, bindestrek eller understrek, "
     "for eksempel --seed 9f86d081884c7d65"),
    (["--population", "3", "--draw", "1", "--seed", "15099947613"],
     "--seed ser ut som et fødselsnummer; velg et annet frø"),
    (["--population", "3", "--draw", "1", "--date", "1. februar"], "'1. februar' er ikke en dato; skriv ÅÅÅÅ-MM-DD"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[m[:40] for _a, m in BAD])
def test_bad_input_is_a_usage_error_and_writes_nothing(round_builder, args, message):
    b = round_builder
    result = draw(b, *args)
    assert result.exit_code == 2
    assert result.output == f"kvp-audit: {message}\n"
    assert not record(b).exists()
    # with a record already there, it stays as it was, also with --redraw
    draw(b, "--population", "20", "--draw", "3", "--seed", SEED)
    assert draw(b, *args, "--redraw").exit_code == 2
    assert record(b).read_text(encoding="utf-8") == RECORD_ONE


@pytest.mark.parametrize(("args", "message"), [
    (["nav-c", "--population", "3", "--draw", "1", "--reviewer", "EL"],
     "kontoret 'nav-c' er ikke med i runden; mente du 'nav-b'?"),
    (["nav-a", "--population", "3", "--draw", "1"], "oppgi --reviewer med initialene til den som trekker"),
    (["nav-a", "--population", "3", "--draw", "1", "--reviewer", "Eli"],
     "'Eli' er ikke initialer: bruk 2-4 store bokstaver, for eksempel 'KB', aldri navn"),
    (["nav-a", "--verify", "--population", "3"],
     "--verify gjentar trekningene som står i utvalg.yaml og tar ingen andre valg"),
])
def test_office_reviewer_and_verify_errors(round_builder, args, message):
    result = run("sample", str(round_builder.root), *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not any((round_builder.root / o / "utvalg.yaml").exists() for o in ("nav-a", "nav-b", "nav-c"))


def test_a_broken_record_is_not_drawn_over(round_builder):
    b = round_builder
    record(b).write_text("draws: []\n", encoding="utf-8")
    result = draw(b, "--population", "3", "--draw", "1", "--redraw")
    assert result.exit_code == 2
    assert result.output.endswith("kvp-audit: runde/nav-a/utvalg.yaml kan ikke brukes; den skrives bare av "
                                  "'kvp-audit sample' og skal ikke redigeres\n")
    assert result.output.startswith("runde/nav-a/utvalg.yaml:1:1: feil: draws: 'draws' kan ikke være tom\n")
    assert record(b).read_text(encoding="utf-8") == "draws: []\n"


def test_the_record_is_reserved_and_never_read_as_a_case(round_builder):
    b = round_builder
    assert "utvalg.yaml" in RESERVED_FILES
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja"})
    draw(b, "--population", "20", "--draw", "3", "--seed", SEED)
    data = load_round(b.root)
    assert [c.case for c in data.cases["nav-a"]] == ["K-AAAAA1"] and not data.problems


# --------------------------------------------------------------------------- new case


def new_case(b, *args: str):
    return run("new", "case", str(b.root), "nav-a", "--reviewer", "KB", "--date", "2026-02-10", *args)


def _written(result) -> Path:
    match = re.search(r"skrev (\S+)", result.output)
    assert match, result.output
    return Path(match.group(1))


def test_new_case_records_selection_and_position(round_builder):
    b = round_builder
    draw(b, "--population", "20", "--draw", "3", "--seed", SEED)
    result = new_case(b, "--selection", "tilfeldig", "--position", "14")
    assert result.exit_code == 0, result.output
    text = _written(result).read_text(encoding="utf-8")
    assert "\nselection: tilfeldig  # kontoret | tilfeldig\nposition: 14  # plassen i trekningen (utvalg.yaml)\nfacts:" in text
    chosen = new_case(b, "--selection", "kontoret")
    assert "\nselection: kontoret  # kontoret | tilfeldig\nfacts:" in _written(chosen).read_text(encoding="utf-8")
    plain = new_case(b)
    assert "\nselection: ''  # kontoret | tilfeldig\nfacts:" in _written(plain).read_text(encoding="utf-8")
    used = new_case(b, "--selection", "tilfeldig", "--position", "14")
    assert used.exit_code == 2
    assert used.output == (f"kvp-audit: plass 14 er allerede brukt av {_written(result)}; hver trukket plass er én sak\n")


def test_new_case_by_stratum(round_builder):
    b = round_builder
    draw(b, "--population", "pågående=12", "--population", "avsluttet=8",
         "--draw", "pågående=1", "--draw", "avsluttet=2", "--seed", SEED)
    result = new_case(b, "--selection", "tilfeldig", "--position", "2", "--stratum", "avsluttet")
    assert result.exit_code == 0, result.output
    assert "\nposition: 2  # plassen i trekningen (utvalg.yaml)\nstratum: \"avsluttet\"\n" in \
        _written(result).read_text(encoding="utf-8")
    # the same position in the other group is another case
    assert new_case(b, "--selection", "tilfeldig", "--position", "2", "--stratum", "pågående").exit_code == 0
    assert [p for p in validate_round(b.root) if p.key in ("position", "stratum", "selection")] == []


@pytest.mark.parametrize(("args", "message"), [
    (["--selection", "tilfeldig", "--position", "5"],
     "plass 5 er ikke trukket for nav-a; trukket er plass 11, 12 og 14 av 20"),
    (["--selection", "tilfeldig"], "oppgi --position: plassen saken har i trekningen som gjelder (plass 11, 12 og 14 av 20)"),
    (["--position", "12"], "--position og --stratum gjelder bare saker trukket tilfeldig; legg til --selection tilfeldig"),
    (["--selection", "kontoret", "--position", "12"],
     "--position og --stratum gjelder bare saker trukket tilfeldig; legg til --selection tilfeldig"),
    (["--selection", "tilfeldig", "--position", "12", "--stratum", "pågående"],
     "gruppen 'pågående' er ikke med i trekningen som gjelder; gruppene er: alle"),
    (["--selection", "tilfeldig", "--position", "0"], "Ugyldig verdi for '--position': 0 er utenfor x>=1"),
])
def test_new_case_refuses_a_position_not_drawn(round_builder, args, message):
    b = round_builder
    draw(b, "--population", "20", "--draw", "3", "--seed", SEED)
    result = new_case(b, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not list((b.root / "nav-a").glob("K-*.yaml"))


def test_new_case_needs_the_stratum_of_a_stratified_draw(round_builder):
    b = round_builder
    draw(b, "--population", "pågående=12", "--population", "avsluttet=8",
         "--draw", "pågående=1", "--draw", "avsluttet=2", "--seed", SEED)
    result = new_case(b, "--selection", "tilfeldig", "--position", "2")
    assert result.exit_code == 2
    assert result.output == "kvp-audit: trekningen som gjelder har grupper; oppgi --stratum, en av: pågående, avsluttet\n"
    result = new_case(b, "--selection", "tilfeldig", "--position", "1", "--stratum", "pågående")
    assert result.output == "kvp-audit: plass 1 er ikke trukket for nav-a (pågående); trukket er plass 2 av 12\n"


def test_new_case_with_a_position_but_no_draw(round_builder):
    b = round_builder
    result = new_case(b, "--selection", "tilfeldig", "--position", "3")
    assert result.exit_code == 2
    assert result.output == ("kvp-audit: kontoret har ingen trekning (runde/nav-a/utvalg.yaml finnes ikke); trekk først "
                             "med 'kvp-audit sample', eller la være å oppgi --position\n")
    # drawn by hand, the old way: tilfeldig without a position is still allowed
    assert "selection: tilfeldig" in _written(new_case(b, "--selection", "tilfeldig")).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- validate


def _warnings(b) -> list[str]:
    return [p.format() for p in validate_round(b.root) if not p.is_error]


def test_validate_warns_of_a_position_not_drawn_and_one_used_twice(round_builder):
    b = round_builder
    draw(b, "--population", "20", "--draw", "3", "--seed", SEED)
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja"}, extra="selection: tilfeldig\nposition: 12\n")
    b.case("nav-a", "K-AAAAA2", {"V-01": "ja"}, extra="selection: tilfeldig\nposition: 12\n")
    b.case("nav-a", "K-AAAAA3", {"V-01": "ja"}, extra="selection: tilfeldig\nposition: 13\n")
    b.case("nav-a", "K-AAAAA4", {"V-01": "ja"}, extra="selection: kontoret\nposition: 14\n")
    b.case("nav-a", "K-AAAAA5", {"V-01": "ja"}, extra="selection: tilfeldig\n")
    assert _warnings(b) == [
        "runde/nav-a/K-AAAAA2.yaml:11:11: advarsel: position: plass 12 er brukt også av runde/nav-a/K-AAAAA1.yaml\n"
        "    Gjør slik: hver trukket plass er én sak; rett position i den ene av dem",
        "runde/nav-a/K-AAAAA3.yaml:11:11: advarsel: position: plass 13 er ikke trukket i trekning 1, som gjelder: "
        "plass 11, 12 og 14 av 20\n    Gjør slik: rett position til plassen saken har i trekningen",
        "runde/nav-a/K-AAAAA4.yaml:11:11: advarsel: position: position gjelder bare saker med selection: tilfeldig\n"
        "    Gjør slik: skriv selection: tilfeldig, eller fjern position",
        "runde/nav-a/K-AAAAA5.yaml:10:12: advarsel: selection: saken er trukket tilfeldig, men har ingen position "
        "(plass i trekningen)\n    Gjør slik: skriv position: og plassen fra utvalg.yaml",
    ]
    result = run("validate", str(b.root), "--strict")
    assert result.exit_code == 1 and "0 feil, 4 advarsler" in result.output
    # the same when the files are checked on several cores (only the case's key and place travel back)
    assert [p.format() for p in validate_round(b.root, workers=2) if not p.is_error] == _warnings(b)


def test_validate_checks_the_stratum_and_a_position_without_a_draw(round_builder):
    b = round_builder
    draw(b, "--population", "pågående=12", "--population", "avsluttet=8",
         "--draw", "pågående=1", "--draw", "avsluttet=2", "--seed", SEED)
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja"}, extra="selection: tilfeldig\nposition: 2\nstratum: ferdig\n")
    b.case("nav-a", "K-AAAAA2", {"V-01": "ja"}, extra="selection: tilfeldig\nposition: 2\n")
    b.case("nav-a", "K-AAAAA3", {"V-01": "ja"}, extra="selection: tilfeldig\nposition: 2\nstratum: pågående\n")
    b.case("nav-b", "K-BBBBB1", {"V-01": "ja"}, extra="selection: tilfeldig\nposition: 2\n")
    assert _warnings(b) == [
        "runde/nav-a/K-AAAAA1.yaml:12:10: advarsel: stratum: gruppen 'ferdig' er ikke med i trekning 1, som gjelder; "
        "gruppene er: pågående, avsluttet\n    Gjør slik: skriv gruppen saken ble trukket fra i stratum",
        "runde/nav-a/K-AAAAA2.yaml:11:11: advarsel: position: trekning 1, som gjelder, har grupper, men saken har "
        "ingen stratum; gruppene er: pågående, avsluttet\n    Gjør slik: skriv gruppen saken ble trukket fra i stratum",
        "runde/nav-b/K-BBBBB1.yaml:11:11: advarsel: position: kontoret har ingen trekning (utvalg.yaml), så plass 2 "
        "kan ikke kontrolleres\n    Gjør slik: trekk med 'kvp-audit sample', eller fjern position",
    ]


def test_the_draw_in_force_is_the_latest(round_builder):
    b = round_builder
    draw(b, "--population", "20", "--draw", "3", "--seed", SEED)
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja"}, extra="selection: tilfeldig\nposition: 12\n")
    assert not _warnings(b)
    draw(b, "--population", "20", "--draw", "3", "--seed", "again", "--redraw")
    latest = reference("again", "nav-a", "alle", 20, 3)
    assert 12 not in latest
    assert [w.split(": advarsel: ")[1].split("\n")[0] for w in _warnings(b)] == [
        f"position: plass 12 er ikke trukket i trekning 2, som gjelder: plass {', '.join(map(str, sorted(latest)[:2]))} "
        f"og {sorted(latest)[2]} av 20"]


# --------------------------------------------------------------------------- the report


def _sampled_round(b, with_letter: bool):
    draw(b, "--population", "20", "--draw", "3", "--seed", SEED)
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja", "V-02": "ja"}, extra="selection: kontoret\n")
    b.case("nav-a", "K-AAAAA2", {"V-01": "ja", "V-02": "nei"}, extra="selection: kontoret\n")
    for key, position in (("K-AAAAA3", 12), ("K-AAAAA4", 14), ("K-AAAAA5", 11)):
        b.case("nav-a", key, {"V-01": "nei", "V-02": "ja"}, extra=f"selection: tilfeldig\nposition: {position}\n")
    b.case("nav-b", "K-BBBBB1", {"V-01": "ja", "V-02": "ja"})
    if with_letter:
        b.write("nav-a/rapport.yaml", "status: endelig\ntext:\n  sample: \"Kontorets liste var sortert etter startdato.\"\n")
    assert not validate_round(b.root)


STATEMENT = (f"2 saker valgt av kontoret, 3 trukket tilfeldig 1. februar 2026 med frøet {SEED}: plass 11, 12 og 14 "
             "av 20. Plassene gjelder kontorets liste over aktuelle saker, og hvem som helst kan gjenta "
             "trekningen fra frøet med algoritmen kvp-sha256-1.")


def _headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html, re.S)]


def _md_headings(md: str) -> list[str]:
    return [line.lstrip("#").strip() for line in md.splitlines() if re.match(r"#{1,3} ", line)]


@pytest.mark.parametrize("with_letter", [True, False], ids=["rapport.yaml", "no rapport.yaml"])
def test_the_office_report_states_how_the_sample_was_made(round_builder, tmp_path, with_letter):
    b = round_builder
    _sampled_round(b, with_letter)
    out = tmp_path / "out"
    build_reports(b.root, out, ["html", "md"], office="nav-a", force=True)
    html = (out / "nav-a.html").read_text(encoding="utf-8")
    md = (out / "nav-a.md").read_text(encoding="utf-8")
    assert f'<h3>Utvalget av saker</h3>\n<p class="sample-record">{STATEMENT}</p>\n' in html
    assert f"### Utvalget av saker\n\n{STATEMENT}\n\n" in md
    assert ("Kontorets liste var sortert etter startdato." in html) is with_letter
    assert _headings(html) == _md_headings(md)
    assert "Om besøket og utvalget" in _headings(html)
    assert not contradictions(html) and not contradictions(md)


def test_no_record_no_statement(round_builder, tmp_path):
    b = round_builder
    _sampled_round(b, with_letter=False)
    out = tmp_path / "out"
    build_reports(b.root, out, ["html", "md"], office="nav-b", force=True)
    html = (out / "nav-b.html").read_text(encoding="utf-8")
    assert "Om besøket og utvalget" not in html and "sample-record" not in html


def test_the_statement_names_a_redraw_and_cases_that_differ(round_builder, tmp_path):
    from kvp_audit.report.letter import letter_view

    b = round_builder
    _sampled_round(b, with_letter=False)
    draw(b, "--population", "pågående=12", "--population", "avsluttet=8", "--draw", "pågående=1",
         "--draw", "avsluttet=3", "--seed", SEED, "--redraw")
    b.case("nav-a", "K-AAAAA6", {"V-01": "ja"})
    view = letter_view(load_round(b.root), "nav-a", "nb", [])["sample_record"]
    ended = sorted(reference(SEED, "nav-a", "avsluttet", 8, 3))
    assert view["text"] == (
        f"2 saker valgt av kontoret, 4 trukket tilfeldig 1. februar 2026 med frøet {SEED}: plass 2 av 12 (pågående); "
        f"plass {ended[0]}, {ended[1]} og {ended[2]} av 8 (avsluttet). Trekningen erstatter 1 tidligere "
        "trekning; begge er registrert. 3 saker er gjennomgått som trukket tilfeldig. For 1 sak er det ikke oppgitt "
        "hvordan den ble valgt. Plassene gjelder kontorets liste over aktuelle saker, og hvem som helst kan gjenta "
        "trekningen fra frøet med algoritmen kvp-sha256-1.")
    assert view["draws"] == 2 and view["strata"][0] == {"name": "pågående", "population": 12, "draw": 1,
                                                         "positions": [2]}


def test_the_statement_in_english(round_builder, tmp_path):
    b = round_builder
    _sampled_round(b, with_letter=True)
    out = tmp_path / "out"
    build_reports(b.root, out, ["md"], office="nav-a", force=True, lang="en")
    md = (out / "nav-a.en.md").read_text(encoding="utf-8")
    assert (f"2 cases chosen by the office, 3 drawn at random on 1 February 2026 with the seed {SEED}: positions 11, "
            "12 and 14 of 20. The positions refer to the office's list of eligible cases, and anyone can repeat the "
            "draw from the seed with the algorithm kvp-sha256-1.") in md


# --------------------------------------------------------------------------- the examples


@pytest.mark.parametrize("office", ["nav-strandvik", "nav-sorholmen"])
def test_the_example_draws_verify(office):
    result = run("sample", str(EXAMPLES / "2026"), office, "--verify")
    assert result.exit_code == 0, result.output
    assert "stemmer ikke" not in result.output


def test_the_example_report_states_the_sample(tmp_path):
    from kvp_audit.report.letter import letter_view

    data = load_round(EXAMPLES / "2026")
    assert not [p for p in data.problems if p.key in ("position", "stratum", "selection")]
    strandvik = letter_view(data, "nav-strandvik", "nb", [])["sample_record"]["text"]
    assert strandvik.startswith(
        "2 saker valgt av kontoret, 3 trukket tilfeldig 4. februar 2026 med frøet 5b1e0c9a4d3f2e71: plass 7, 11 og 16 "
        "av 20.")
    assert letter_view(data, "nav-sorholmen", "nb", [])["sample_record"]["text"].startswith(
        "5 saker valgt av kontoret, 5 trukket tilfeldig 8. april 2026 med frøet c41d7e09a2b35f68: plass 3, 4 og 10 av "
        "14 (pågående); plass 2 og 7 av 9 (avsluttet).")
    assert letter_view(data, "nav-fjellby", "nb", [])["sample_record"] is None
