"""Comparing rounds across checklist versions, following up findings, and carrying them over.

Two small checklist versions, worked by hand:

    cmp@1: K-01 K-02 K-03 K-04 K-05 K-06
    cmp@2: K-01 (same), K-20 (replaces K-02: renamed), K-31 and K-32 (replace K-03: split),
           K-40 (replaces K-04 and K-05: merged), N-01 (new: no link). K-06 is dropped.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit.cli import main

CRIT = """\
      - id: {id}
        question: Spørsmål {id}?
        legal_basis: sotjl. § 41
        severity: {sev}
        recommendation: Rett opp {id}.
{extra}"""


def checklist(version: str, items: list[tuple[str, str, str]]) -> str:
    body = "".join(CRIT.format(id=i, sev=sev, extra=extra) for i, sev, extra in items)
    return textwrap.dedent(f"""\
        id: cmp
        title: Sammenligning
        version: "{version}"
        scope: case
        facts:
          status: {{type: choice, options: [pågående, avsluttet, avbrutt], required: true}}
        themes:
          - id: t
            title: Tema
            criteria:
        """) + body


V1 = checklist("1", [("K-01", "krav", ""), ("K-02", "krav", ""), ("K-03", "anbefaling", ""),
                     ("K-04", "krav", ""), ("K-05", "krav", ""), ("K-06", "krav", "")])
V2 = checklist("2", [("K-01", "krav", ""), ("K-20", "krav", "        replaces: [K-02]\n"),
                     ("K-31", "krav", "        replaces: [K-03]\n"), ("K-32", "krav", "        replaces: [K-03]\n"),
                     ("K-40", "krav", "        replaces: [K-04, K-05]\n"), ("N-01", "krav", "")])


def write_round(root: Path, rid: str, county: str, version: str, offices: list[str], cases: dict,
                previous: str | None = None, followup: bool = False) -> Path:
    (root / "checklists").mkdir(parents=True)
    (root / "checklists" / f"cmp-{version}.yaml").write_text(V1 if version == "1" else V2, encoding="utf-8")
    lines = [f"id: {rid}", f"name: Runde {rid}", f"county: {county}",
             "period: {start: 2026-01-01, end: 2026-06-30}", "checklists:", f"  case: cmp@{version}"]
    if followup:
        lines.append("  followup: kvp-oppfolging@2026.1")
    if previous:
        lines.append(f"previous: {previous}")
    lines.append("offices:")
    lines += [f"  - {{id: {o}, name: NAV {o[4:].upper()}}}" for o in offices]
    (root / "runde.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for office in offices:
        (root / office).mkdir()
    for (office, key), answers in cases.items():
        body = "\n".join(f"  {k}: {v}" for k, v in answers.items())
        (root / office / f"{key}.yaml").write_text(
            f"case: {key}\noffice: {office}\nreviewers: [KB]\ndate: 2026-02-01\n"
            f"facts: {{status: pågående}}\nanswers:\n{body}\n", encoding="utf-8")
    return root


@pytest.fixture
def rounds(tmp_path):
    a = write_round(tmp_path / "a", "a-2024", "Fiktivfylke", "1", ["nav-a", "nav-b"], {
        ("nav-a", "K-AAAAA1"): {"K-01": "ja", "K-02": "nei", "K-03": "ja", "K-04": "ja", "K-05": "nei", "K-06": "ja"},
        ("nav-a", "K-AAAAA2"): {"K-01": "nei", "K-02": "nei", "K-03": "delvis", "K-04": "ja", "K-05": "ja",
                                "K-06": "ja"},
        ("nav-b", "K-BBBBB1"): {"K-01": "ja"},
    }, followup=True)
    b = write_round(tmp_path / "b", "b-2026", "Fiktivfylke", "2", ["nav-a", "nav-c"], {
        ("nav-a", "K-CCCCC1"): {"K-01": "ja", "K-20": "ja", "K-31": "ja", "K-32": "nei", "K-40": "ja", "N-01": "ja"},
        ("nav-a", "K-CCCCC2"): {"K-01": "ja", "K-20": "nei", "K-31": "ja", "K-32": "nei", "K-40": "ja", "N-01": "nei"},
        ("nav-c", "K-DDDDD1"): {"K-01": "ja"},
    })
    return a, b


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --------------------------------------------------------------------------- compare two rounds


def test_mapping_by_id_and_replaces(rounds):
    from kvp_audit.compare import map_criteria
    from kvp_audit.load import load_round

    a, b = (load_round(p) for p in rounds)
    m = map_criteria(a.case_checklist, b.case_checklist)
    assert [(link.criterion, link.sources, link.relation) for link in m.links] == [
        ("K-01", ["K-01"], "samme"), ("K-20", ["K-02"], "nytt navn"), ("K-31", ["K-03"], "delt"),
        ("K-32", ["K-03"], "delt"), ("K-40", ["K-04", "K-05"], "slått sammen")]
    assert m.new == ["N-01"]
    assert m.dropped == ["K-06"]


def test_compare_json_hand_worked(rounds):
    result = run("compare", str(rounds[0]), str(rounds[1]), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [o["office"] for o in data["offices"]] == ["nav-a"]
    office = data["offices"][0]
    # two cases on each side: the counts, but no bedre or dårligere (issue 13: fewer than 5 cases)
    assert office["counts"] == {"bedre": 0, "dårligere": 0, "uendret": 0, "for få": 5, "ikke vurdert": 0}
    by_id = {c["criterion"]: c for c in office["criteria"]}
    assert (by_id["K-01"]["before_text"], by_id["K-01"]["after_text"], by_id["K-01"]["change_text"]) == (
        "1 av 2 saker", "2 av 2 saker", "for få saker til å si noe om endring")
    assert by_id["K-20"]["compared_with"] == ["K-02"] and by_id["K-20"]["change"] == "for få"
    # K-03 was ja + delvis (0.75); split into K-31 (met in both) and K-32 (met in none)
    assert by_id["K-31"]["before_text"] == "1 av 2 saker, 1 delvis"
    assert by_id["K-31"]["before"] == by_id["K-32"]["before"]
    assert by_id["K-32"]["after_text"] == "0 av 2 saker"
    # K-04 (2 of 2) and K-05 (1 of 2) merged: 3 of 4 before, 2 of 2 after
    assert by_id["K-40"]["before"]["oppfylt"] == 3 and by_id["K-40"]["before"]["telles"] == 4
    assert by_id["K-40"]["relation"] == "slått sammen" and by_id["K-40"]["change"] == "for få"
    assert data["county"] is None  # one office in both rounds: the county would only repeat it
    assert "N-01" not in by_id
    assert data["not_comparable"] == {"new": [{"criterion": "N-01", "question": "Spørsmål N-01?"}],
                                      "dropped": [{"criterion": "K-06", "question": "Spørsmål K-06?"}]}
    assert data["only_in_before"] == ["nav-b"] and data["only_in_after"] == ["nav-c"]


def test_compare_table_lists_changes_and_what_cannot_be_compared(rounds):
    result = run("compare", str(rounds[0]), str(rounds[1]))
    assert result.exit_code == 0
    out = result.stdout
    assert "Runde a-2024 → Runde b-2026 (sjekkliste cmp@1 → cmp@2)" in out
    assert "K-20 (nytt navn: K-02)" in out
    assert "K-40 (slått sammen: K-04, K-05)" in out
    assert "Ikke sammenlignbare kriterier (ingen kobling i 'replaces'):" in out
    assert "  bare i Runde b-2026: N-01 – Spørsmål N-01?" in out
    assert "  bare i Runde a-2024: K-06 – Spørsmål K-06?" in out
    assert "Kontoret nav-b er bare med i Runde a-2024." in out
    assert "Kontoret nav-c er bare med i Runde b-2026." in out


def test_compare_rounds_of_different_counties_warns_and_goes_on(tmp_path, rounds):
    text = (rounds[1] / "runde.yaml").read_text(encoding="utf-8").replace("Fiktivfylke", "Annetfylke")
    (rounds[1] / "runde.yaml").write_text(text, encoding="utf-8")
    result = run("compare", str(rounds[0]), str(rounds[1]))
    assert result.exit_code == 0
    assert ("advarsel: rundene gjelder ulike fylker (Fiktivfylke og Annetfylke); kontorene sammenlignes "
            "likevel der de har samme id") in result.stderr
    assert "NAV A" in result.stdout


def test_compare_missing_replaces_target_is_named(rounds):
    path = rounds[1] / "checklists" / "cmp-2.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("replaces: [K-02]", "replaces: [K-02, K-77]"),
                    encoding="utf-8")
    result = run("compare", str(rounds[0]), str(rounds[1]))
    assert result.exit_code == 0
    assert ("advarsel: K-20 i cmp@2 erstatter K-77, som ikke finnes i noen kjent versjon (cmp@1)"
            in result.stderr)
    assert "K-02" not in result.stderr  # K-02 is cmp@1's: history, not a problem


def test_compare_unknown_office_and_broken_round(rounds):
    result = run("compare", str(rounds[0]), str(rounds[1]), "--office", "nav-x")
    assert result.exit_code == 2
    assert "kontoret 'nav-x' er ikke med i runden" in result.stderr
    (rounds[1] / "nav-a" / "K-CCCCC1.yaml").write_text("case: K-CCCCC1\n", encoding="utf-8")
    result = run("compare", str(rounds[0]), str(rounds[1]))
    assert result.exit_code == 2
    assert "kvp-audit: runden b har 3 feil; rett dem (se 'kvp-audit validate') først" in result.stderr


def test_compare_html_is_written_atomically_and_self_contained(rounds, tmp_path):
    out = tmp_path / "sammenligning.html"
    result = run("compare", str(rounds[0]), str(rounds[1]), "--format", "html", "--out", str(out))
    assert result.exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert '<html lang="nb">' in html and "<script" not in html
    assert "<h2 id=\"nav-a\">NAV A</h2>" in html
    assert "(slått sammen: K-04, K-05)" in html
    assert not list(tmp_path.glob("*.tmp"))


def test_offices_within_a_round_against_the_county(rounds):
    result = run("compare", str(rounds[0]), "--format", "json")
    data = json.loads(result.stdout)
    nav_a, nav_b = data["offices"]
    # nav-a: 7 of 12 met (weighted 7.5/12); county adds nav-b's 1 of 1: 8 of 13 (8.5/13)
    assert nav_a["total"]["text"] == "7 av 12 vurderinger"
    assert data["total"]["text"] == "8 av 13 vurderinger"
    assert nav_a["total"]["vs_county"] == "under" and nav_b["total"]["vs_county"] == "over"
    table = run("compare", str(rounds[0])).stdout
    row = next(line for line in table.splitlines() if line.startswith("NAV A"))
    assert row.split() == ["NAV", "A", "2", "7/12", "▼", "7/12", "▼"]


# --------------------------------------------------------------------------- follow-up


FOLLOWUP = """\
office: nav-a
reviewers: [KB]
date: 2026-09-01
answers: {}
findings:
  "a-2024/nav-a/K-01":
    status: lukket
    action: Vedtak fattes nå alltid skriftlig.
  "a-2024/nav-a/K-02":
    status: delvis
  "a-2024/nav-a/K-99":
    status: åpen
"""


def test_followup_shows_status_and_warns_about_unknown_findings(rounds):
    (rounds[0] / "nav-a" / "oppfolging.yaml").write_text(FOLLOWUP, encoding="utf-8")
    result = run("followup", str(rounds[0]), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert ("a/nav-a/oppfolging.yaml:11:3: advarsel: findings.a-2024/nav-a/K-99: funnet 'a-2024/nav-a/K-99' "
            "finnes ikke i runden eller blant funnene som er ført videre") in result.stderr
    office = json.loads(result.stdout)["offices"][0]
    status = {f["id"]: f["status"] for f in office["findings"]}
    # avvik K-01, K-02, K-05 and the merknad K-03; K-04 and K-06 were met in every case
    assert status == {"a-2024/nav-a/K-01": "lukket", "a-2024/nav-a/K-02": "delvis",
                      "a-2024/nav-a/K-03": "ikke fulgt opp", "a-2024/nav-a/K-05": "ikke fulgt opp"}
    assert office["counts"] == {"lukket": 1, "delvis": 1, "åpen": 0, "ikke fulgt opp": 2}
    table = run("followup", str(rounds[0])).stdout
    row = next(line for line in table.splitlines() if line.startswith("NAV A"))
    assert row.split() == ["NAV", "A", "1", "1", "0", "2"]
    assert "a-2024/nav-a/K-01" not in table  # closed findings are not listed as open


def test_new_round_from_previous_carries_open_findings(rounds, tmp_path, monkeypatch):
    (rounds[0] / "nav-a" / "oppfolging.yaml").write_text(FOLLOWUP.replace('  "a-2024/nav-a/K-99":\n    status: åpen\n', ""),
                                                         encoding="utf-8")
    monkeypatch.setenv("KVP_AUDIT_CHECKLISTS", str(rounds[1] / "checklists"))
    new = tmp_path / "c"
    result = run("new", "round", str(new), "--from", str(rounds[0]), "--name", "Runde c-2028",
                 "--start", "2028-02-01", "--case-checklist", "cmp@2")
    assert result.exit_code == 0, result.stderr
    assert "3 funn fra Runde a-2024 er ikke lukket og er ført videre (se carried i runde.yaml)" in result.stdout
    from kvp_audit.load import load_round_file

    rnd, problems = load_round_file(new / "runde.yaml")
    assert problems == []
    assert rnd.previous == "../a" and rnd.county == "Fiktivfylke"
    assert [o.id for o in rnd.offices] == ["nav-a", "nav-b"]
    assert str(rnd.checklists.case) == "cmp@2"
    carried = {c.id: (c.kind, c.status, c.now) for c in rnd.carried["nav-a"]}
    assert carried == {
        "a-2024/nav-a/K-02": ("avvik", "delvis", ["K-20"]),
        "a-2024/nav-a/K-03": ("merknad", "ikke fulgt opp", ["K-31", "K-32"]),
        "a-2024/nav-a/K-05": ("avvik", "ikke fulgt opp", ["K-40"]),
    }
    # the new round's follow-up shows them, and whether they were found again
    (new / "nav-a" / "K-EEEEE1.yaml").write_text(
        "case: K-EEEEE1\noffice: nav-a\nreviewers: [KB]\ndate: 2028-02-10\nfacts: {status: pågående}\n"
        "answers: {K-20: nei, K-31: ja, K-32: ja, K-40: ja}\n", encoding="utf-8")
    view = json.loads(run("followup", str(new), "--format", "json").stdout)
    items = {f["id"]: f for f in view["offices"][0]["findings"]}
    assert items["a-2024/nav-a/K-02"]["found_again"] is True
    assert items["a-2024/nav-a/K-03"]["found_again"] is False
    assert items["a-2024/nav-a/K-05"]["carried"] is True


def test_new_round_needs_name_county_and_offices_without_from(tmp_path):
    result = run("new", "round", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert ("kvp-audit: mangler --name, --county, --office; oppgi dem, eller lag runden fra en tidligere "
            "runde med --from") in result.stderr


# --------------------------------------------------------------------------- the example county


EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "fiktivfylke"


def test_example_rounds_compare_through_the_split_and_the_rename():
    result = run("compare", str(EXAMPLES / "2024"), str(EXAMPLES / "2026"), "--format", "json")
    data = json.loads(result.stdout)
    fjellby = next(o for o in data["offices"] if o["office"] == "nav-fjellby")
    by_id = {c["criterion"]: c for c in fjellby["criteria"]}
    assert by_id["IP-01"]["compared_with"] == ["IP-90"] and by_id["IP-01"]["relation"] == "delt"
    assert by_id["IP-02"]["compared_with"] == ["IP-90"]
    assert by_id["OP-02"]["compared_with"] == ["OP-90"] and by_id["OP-02"]["relation"] == "nytt navn"
    assert data["only_in_before"] == ["nav-vidda"] and data["only_in_after"] == ["nav-midtdal", "nav-sorholmen"]


def test_example_2026_carries_the_open_findings_of_2024():
    from kvp_audit.load import load_round

    data = load_round(EXAMPLES / "2026")
    carried = [c for cs in data.round.carried.values() for c in cs]
    assert carried and all(c.status in ("åpen", "delvis", "ikke fulgt opp") for c in carried)
    assert any(c.criterion == "IP-90" and c.now == ["IP-01", "IP-02"] for c in carried)
    assert "nav-vidda" not in data.round.carried  # not in the 2026 round


def test_different_checklists_are_linked_only_by_replaces(rounds):
    from kvp_audit.compare import map_criteria
    from kvp_audit.load import load_round

    a, b = (load_round(p) for p in rounds)
    other = b.case_checklist.model_copy(update={"id": "annen"})
    m = map_criteria(a.case_checklist, other)
    assert "K-01" in m.new  # same id, but another checklist: not matched
    assert [(link.criterion, link.sources) for link in m.links] == [
        ("K-20", ["K-02"]), ("K-31", ["K-03"]), ("K-32", ["K-03"]), ("K-40", ["K-04", "K-05"])]


def test_validate_warns_about_follow_up_of_a_finding_that_does_not_exist(rounds):
    (rounds[0] / "nav-a" / "oppfolging.yaml").write_text(FOLLOWUP, encoding="utf-8")
    result = run("validate", str(rounds[0]))
    assert result.exit_code == 0  # a warning; --strict makes it fail
    assert "a/nav-a/oppfolging.yaml:11:3: advarsel: findings.a-2024/nav-a/K-99" in result.output
    assert run("validate", "--strict", str(rounds[0])).exit_code == 1


def test_compare_warns_when_the_newer_round_is_given_first(rounds):
    text = (rounds[1] / "runde.yaml").read_text(encoding="utf-8").replace("start: 2026-01-01", "start: 2025-01-01")
    (rounds[1] / "runde.yaml").write_text(text, encoding="utf-8")
    result = run("compare", str(rounds[0]), str(rounds[1]))
    assert result.exit_code == 0
    assert ("advarsel: Runde a-2024 begynte etter Runde b-2026; oppgi den eldste runden først, ellers blir "
            "bedre og dårligere byttet om") in result.stderr


def test_checklist_diff_shows_the_links_between_versions(rounds):
    result = run("checklist", "diff", str(rounds[0] / "checklists" / "cmp-1.yaml"),
                 str(rounds[1] / "checklists" / "cmp-2.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "cmp@1 → cmp@2\n"
        "1 kriterium er det samme\n"
        "  K-20       nytt navn: K-02\n"
        "  K-31       delt: K-03\n"
        "  K-32       delt: K-03\n"
        "  K-40       slått sammen: K-04, K-05\n"
        "  N-01       ny, ikke sammenlignbar: Spørsmål N-01?\n"
        "  K-06       utgått, ikke sammenlignbar: Spørsmål K-06?\n")
    missing = run("checklist", "diff", "cmp@1", "cmp@2")
    assert missing.exit_code == 2
    assert "kvp-audit: sjekklisten 'cmp@1' kan ikke brukes" in missing.output
