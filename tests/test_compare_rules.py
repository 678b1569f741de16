"""`compare` says only what the numbers carry (issue 13), on rounds worked by hand.

Two versions of a small case checklist and one office checklist:

    hw@1: Vedtak [H-01, H-02 (only for closed cases)], Plan [H-90]
    hw@2: Vedtak [H-01, H-02], Plan [H-03 replaces H-90]
    hwk@1: KR-01 (office review, krav), TALL-SOKNADER and TALL-DELTAKERE (figures)

Round A (hw@1): nav-a 1 case, nav-b 5 cases, all ongoing, so H-02 never applies.
Round B (hw@2): nav-a 5 cases, one of them closed (H-02 ja), nav-b 5 cases.

    nav-a  H-01  0 of 1  -> 4 of 5   too few cases: no label
           H-02  none    -> 1 of 1   ikke vurdert i Runde A
           H-03  1 of 1  -> 5 of 5   (nytt navn: H-90) too few
    nav-b  H-01  5 of 5  -> 3 of 5   dårligere
           H-02  none    -> none     ikke vurdert i noen av rundene
           H-03  0 of 5  -> 5 of 5   bedre
    county H-01  5 of 6  -> 7 of 10  dårligere;  H-03  1 of 6 -> 10 of 10  bedre
           total (criteria assessed at the office in both rounds): 6 of 12 -> 17 of 20  bedre
    office review KR-01: nav-a nei -> ja, nav-b ja -> ja; county 1 of 2 -> 2 of 2 offices: too few
    figures: nav-a søknader 10 -> 12 (+2), deltakere 4 -> 3; nav-b søknader 7 -> 5, deltakere – -> 2
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from figurerule import contradictions
from kvp_audit.cli import main

NBSP = "\u00a0"


def case_checklist(version: str, replaces: str = "H-90") -> str:
    plan = "H-90" if version == "1" else "H-03"
    extra = f"\n        replaces: [{replaces}]" if version != "1" else ""
    return textwrap.dedent(f"""\
        id: hw
        title: Håndregnet
        version: "{version}"
        scope: case
        facts:
          status: {{type: choice, options: [pågående, avsluttet], required: true}}
        themes:
          - id: vedtak
            title: Vedtak
            criteria:
              - id: H-01
                question: Er vedtaket begrunnet?
                severity: krav
              - id: H-02
                question: Er det fattet vedtak om avslutning?
                severity: krav
                applies_when: "status == 'avsluttet'"
          - id: plan
            title: Plan
            criteria:
              - id: {plan}
                question: Er individuell plan tilbudt?
                severity: krav""") + extra + "\n"


OFFICE_CHECKLIST = textwrap.dedent("""\
    id: hwk
    title: Kontor
    version: "1"
    scope: office
    themes:
      - id: rutiner
        title: Rutiner
        criteria:
          - id: KR-01
            question: Har kontoret skriftlige rutiner?
            severity: krav
      - id: tall
        title: Tall
        criteria:
          - id: TALL-SOKNADER
            question: Antall søknader
            answer: number
            unit: søknader
          - id: TALL-DELTAKERE
            question: Antall deltakere
            answer: number
            unit: deltakere
    """)


def write_round(root: Path, rid: str, version: str, start: str, cases: dict[str, list[tuple[str, dict]]],
                office_reviews: dict[str, dict], archive: dict[str, str] | None = None,
                offices: list[str] | None = None) -> Path:
    """A round folder: runde.yaml, its checklists (and an archive), cases and office reviews."""
    folder = root / "checklists"
    folder.mkdir(parents=True)
    (folder / f"hw-{version}.yaml").write_text(case_checklist(version), encoding="utf-8")
    (folder / "hwk-1.yaml").write_text(OFFICE_CHECKLIST, encoding="utf-8")
    for name, text in (archive or {}).items():
        (folder / "arkiv").mkdir(exist_ok=True)
        (folder / "arkiv" / name).write_text(text, encoding="utf-8")
    offices = offices or sorted(set(cases) | set(office_reviews))
    lines = [f"id: {rid}", f"name: Runde {rid[-1].upper()}", "county: Prøvefylke",
             f"period: {{start: {start}, end: {start[:4]}-12-31}}", "checklists:", f"  case: hw@{version}",
             "  office: hwk@1", "offices:"]
    lines += [f"  - {{id: {o}, name: NAV {o[4:].upper()}}}" for o in offices]
    (root / "runde.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for office in offices:
        (root / office).mkdir()
        for key, (status, answers) in zip(_keys(rid, office), cases.get(office, [])):
            body = "\n".join(f"  {k}: {v}" for k, v in answers.items())
            (root / office / f"{key}.yaml").write_text(
                f"case: {key}\noffice: {office}\nreviewers: [KB]\ndate: {start}\n"
                f"facts: {{status: {status}}}\nanswers:\n{body}\n", encoding="utf-8")
        if office in office_reviews:
            body = "\n".join(f"  {k}: {v}" for k, v in office_reviews[office].items())
            (root / office / "kontor.yaml").write_text(
                f"office: {office}\nreviewers: [KB]\nvisit_dates: [{start}]\nanswers:\n{body}\n", encoding="utf-8")
    return root


def _keys(rid: str, office: str) -> list[str]:
    """Case keys distinct per round and office: K-AB0001 is round A, office nav-b, case 1."""
    return [f"K-{rid[-1].upper()}{office[-1].upper()}{n:04d}" for n in range(1, 8)]


def ongoing(**answers) -> tuple[str, dict]:
    return ("pågående", answers)


@pytest.fixture
def rounds(tmp_path):
    a = write_round(tmp_path / "a", "ra", "1", "2024-02-01", {
        "nav-a": [ongoing(**{"H-01": "nei", "H-90": "ja"})],
        "nav-b": [ongoing(**{"H-01": "ja", "H-90": "nei"}) for _ in range(5)],
    }, {"nav-a": {"KR-01": "nei", "TALL-SOKNADER": 10, "TALL-DELTAKERE": 4},
        "nav-b": {"KR-01": "ja", "TALL-SOKNADER": 7}})
    b = write_round(tmp_path / "b", "rb", "2", "2026-02-01", {
        "nav-a": [ongoing(**{"H-01": "ja", "H-03": "ja"}) for _ in range(3)]
        + [("avsluttet", {"H-01": "ja", "H-02": "ja", "H-03": "ja"}), ongoing(**{"H-01": "nei", "H-03": "ja"})],
        "nav-b": [ongoing(**{"H-01": "ja", "H-03": "ja"}) for _ in range(3)]
        + [ongoing(**{"H-01": "nei", "H-03": "ja"}) for _ in range(2)],
    }, {"nav-a": {"KR-01": "ja", "TALL-SOKNADER": 12, "TALL-DELTAKERE": 3},
        "nav-b": {"KR-01": "ja", "TALL-SOKNADER": 5, "TALL-DELTAKERE": 2}})
    return a, b


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def compare_json(a: Path, b: Path) -> dict:
    result = run("compare", str(a), str(b), "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def lines_of(section: dict, key: str = "criteria") -> dict[str, tuple]:
    ident = "theme" if key == "themes" else "criterion"
    return {c[ident]: (c["before_text"], c["after_text"], c["change"], c["change_text"]) for c in section[key]}


# --------------------------------------------------------------------------- the rules, in JSON


def test_one_case_against_five_gets_no_label_but_five_against_five_does(rounds):
    data = compare_json(*rounds)
    nav_a, nav_b = data["offices"]
    assert lines_of(nav_a)["H-01"] == ("0 av 1 sak", f"80{NBSP}% (4 av 5 saker)", "for få",
                                       "for få saker til å si noe om endring")
    assert lines_of(nav_a)["H-03"] == ("1 av 1 sak", f"100{NBSP}% (5 av 5 saker)", "for få",
                                       "for få saker til å si noe om endring")
    assert lines_of(nav_b)["H-01"] == (f"100{NBSP}% (5 av 5 saker)", f"60{NBSP}% (3 av 5 saker)", "dårligere",
                                       f"dårligere (resultat 100{NBSP}% → 60{NBSP}%)")
    assert lines_of(nav_b)["H-03"] == (f"0{NBSP}% (0 av 5 saker)", f"100{NBSP}% (5 av 5 saker)", "bedre",
                                       f"bedre (resultat 0{NBSP}% → 100{NBSP}%)")
    # the counts count what is labelled, and say what was too few or not comparable
    assert nav_a["counts"] == {"bedre": 0, "dårligere": 0, "uendret": 0, "for få": 2, "ikke vurdert": 1}
    assert nav_b["counts"] == {"bedre": 1, "dårligere": 1, "uendret": 0, "for få": 0, "ikke vurdert": 1}
    # themes and the office as a whole: the same rule (5 cases at the office on both sides)
    assert lines_of(nav_a, "themes")["vedtak"] == ("0 av 1 vurdering", f"80{NBSP}% (4 av 5 vurderinger)", "for få",
                                                   "for få saker til å si noe om endring")
    assert lines_of(nav_b, "themes")["vedtak"] == (f"100{NBSP}% (5 av 5 vurderinger)",
                                                   f"60{NBSP}% (3 av 5 vurderinger)", "dårligere",
                                                   f"dårligere (resultat 100{NBSP}% → 60{NBSP}%)")
    assert (nav_a["total"]["change"], nav_b["total"]["change"]) == ("for få", "bedre")
    assert nav_b["total"]["before_text"] == f"50{NBSP}% (5 av 10 vurderinger)"


def test_the_county_keeps_its_labels(rounds):
    county = compare_json(*rounds)["county"]
    assert county["name"] == "Prøvefylke" and county["cases"] == {"before": 6, "after": 10}
    assert lines_of(county)["H-01"] == (f"83{NBSP}% (5 av 6 saker)", f"70{NBSP}% (7 av 10 saker)", "dårligere",
                                        f"dårligere (resultat 83{NBSP}% → 70{NBSP}%)")
    assert lines_of(county)["H-03"] == (f"17{NBSP}% (1 av 6 saker)", f"100{NBSP}% (10 av 10 saker)", "bedre",
                                        f"bedre (resultat 17{NBSP}% → 100{NBSP}%)")
    assert county["counts"] == {"bedre": 1, "dårligere": 1, "uendret": 0, "for få": 0, "ikke vurdert": 1}
    # the total holds only what was assessed at each office in both rounds (nav-a's H-02 is left out)
    assert (county["total"]["before_text"], county["total"]["after_text"], county["total"]["change"]) == (
        f"50{NBSP}% (6 av 12 vurderinger)", f"85{NBSP}% (17 av 20 vurderinger)", "bedre")


def test_a_criterion_that_applied_in_one_round_only_is_not_new(rounds):
    data = compare_json(*rounds)
    nav_a, nav_b = data["offices"]
    assert lines_of(nav_a)["H-02"] == ("ingen vurdert", "1 av 1 sak", "ikke vurdert", "ikke vurdert i Runde A")
    assert lines_of(nav_b)["H-02"] == ("ingen vurdert", "ingen vurdert", "ikke vurdert",
                                       "ikke vurdert i noen av rundene")
    assert lines_of(data["county"])["H-02"][2:] == ("ikke vurdert", "ikke vurdert i Runde A")
    # ny and utgått stay for criteria in one checklist version only: here there are none
    assert data["not_comparable"] == {"new": [], "dropped": []}


def test_office_review_at_one_office_is_a_change_in_words(rounds):
    data = compare_json(*rounds)
    nav_a, nav_b = data["offices"]
    assert lines_of(nav_a, "office_criteria")["KR-01"] == ("nei", "ja", "endret", "nei → ja")
    assert lines_of(nav_b, "office_criteria")["KR-01"] == ("ja", "ja", "uendret", "uendret")
    assert nav_a["office_counts"] == {"endret": 1, "uendret": 0, "ikke vurdert": 0}
    # across the county: 2 offices are too few for a label
    assert lines_of(data["county"], "office_criteria")["KR-01"] == (
        "1 av 2 kontorer", "2 av 2 kontorer", "for få", "for få kontorer til å si noe om endring")


def test_office_figures_side_by_side_with_their_difference(rounds):
    data = compare_json(*rounds)

    def figs(section):
        return {f["criterion"]: (f["before_text"], f["after_text"], f["difference_text"]) for f in section["figures"]}

    nav_a, nav_b = data["offices"]
    assert figs(nav_a) == {"TALL-SOKNADER": ("10", "12", "+2"), "TALL-DELTAKERE": ("4", "3", "−1")}
    assert figs(nav_b) == {"TALL-SOKNADER": ("7", "5", "−2"), "TALL-DELTAKERE": ("ikke oppgitt", "2", "–")}
    assert figs(data["county"]) == {
        "TALL-SOKNADER": ("17", "17", "0 (2 av 2 kontorer oppga tallet i begge rundene)"),
        "TALL-DELTAKERE": ("4", "3", "−1 (1 av 2 kontorer oppga tallet i begge rundene)")}
    assert "change" not in data["county"]["figures"][0]  # no better or worse for a figure


def test_office_review_across_five_offices_gets_a_label(tmp_path):
    offices = ["nav-a", "nav-b", "nav-c", "nav-d", "nav-e"]
    one_case = {o: [ongoing(**{"H-01": "ja"})] for o in offices}
    a = write_round(tmp_path / "a", "ra", "1", "2024-02-01", one_case, {o: {"KR-01": "nei"} for o in offices})
    b = write_round(tmp_path / "b", "rb", "2", "2026-02-01", one_case, {o: {"KR-01": "ja"} for o in offices})
    data = compare_json(a, b)
    assert lines_of(data["county"], "office_criteria")["KR-01"] == (
        f"0{NBSP}% (0 av 5 kontorer)", f"100{NBSP}% (5 av 5 kontorer)", "bedre",
        f"bedre (resultat 0{NBSP}% → 100{NBSP}%)")
    assert all(lines_of(o, "office_criteria")["KR-01"][3] == "nei → ja" for o in data["offices"])


# --------------------------------------------------------------------------- replaces and history


def test_same_version_has_no_replaces_warning_but_a_typo_has(tmp_path):
    archive = {"hw-1.yaml": case_checklist("1")}
    cases = {"nav-a": [ongoing(**{"H-01": "ja", "H-03": "ja"})]}
    a = write_round(tmp_path / "a", "ra", "2", "2026-02-01", cases, {}, archive, offices=["nav-a"])
    b = write_round(tmp_path / "b", "rb", "2", "2026-09-01", cases, {}, archive, offices=["nav-a"])
    result = run("compare", str(a), str(b))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    html_out = tmp_path / "same.html"
    assert run("compare", str(a), str(b), "--format", "html", "--out", str(html_out)).exit_code == 0
    assert "som ikke finnes" not in html_out.read_text(encoding="utf-8")
    # a replaced id that no version has is still named, with the likely id
    for root in (a, b):
        path = root / "checklists" / "hw-2.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("replaces: [H-90]", "replaces: [H-09]"),
                        encoding="utf-8")
    result = run("compare", str(a), str(b))
    assert result.exit_code == 0
    assert result.stderr == ("advarsel: H-03 i hw@2 erstatter H-09, som ikke finnes i noen kjent versjon "
                             "(hw@1, hw@2); mente du H-90?\n")


def test_replaces_is_followed_through_the_versions_in_between():
    import yaml

    from kvp_audit.compare import map_criteria, replaces_problems
    from kvp_audit.validation import check_checklist

    def load(text):
        checklist, problems = check_checklist(yaml.safe_load(text), text, Path("hw.yaml"))
        assert [p for p in problems if p.is_error] == []
        return checklist

    v1, v2 = load(case_checklist("1")), load(case_checklist("2"))
    v3 = load(case_checklist("2").replace('version: "2"', 'version: "3"').replace("id: H-03", "id: H-04")
              .replace("replaces: [H-90]", "replaces: [H-03]"))
    without = map_criteria(v1, v3)
    assert without.new == ["H-04"] and without.dropped == ["H-90"]
    assert replaces_problems(v1, v3) == ["H-04 i hw@3 erstatter H-03, som ikke finnes i noen kjent versjon (hw@1)"]
    linked = map_criteria(v1, v3, history=[v1, v2, v3])
    assert [(link.criterion, link.sources, link.relation) for link in linked.links][-1] == (
        "H-04", ["H-90"], "nytt navn")
    assert linked.new == [] and linked.dropped == []
    assert replaces_problems(v1, v3, history=[v1, v2, v3]) == []


def test_the_example_rounds_on_one_version_print_no_replaces_warning():
    examples = Path(__file__).resolve().parent.parent / "examples" / "fiktivfylke"
    result = run("compare", str(examples / "2026"), str(examples / "2026"), "--office", "nav-fjellby")
    assert result.exit_code == 0
    assert "erstatter" not in result.stderr


# --------------------------------------------------------------------------- repeated findings


def test_repeated_findings_are_shown(rounds, monkeypatch):
    from kvp_audit import followup

    calls = []

    def repeated(data, scores):
        calls.append(data.round.id)
        return {"nav-b": {"H-01"}}

    monkeypatch.setattr(followup, "repeated_findings", repeated)
    data = compare_json(*rounds)
    assert calls == ["rb"]  # the newer round's findings
    nav_a, nav_b = data["offices"]
    assert nav_a["repeated"] == [] and nav_b["repeated"] == ["H-01"]
    assert [c["criterion"] for c in nav_b["criteria"] if c["repeated"]] == ["H-01"]
    table = run("compare", str(rounds[0]), str(rounds[1])).stdout
    assert ("H-01                    100 % (5 av 5 saker)  60 % (3 av 5 saker)   dårligere (resultat 100 % → 60 %); gjentatt funn\n"
            in table.replace(NBSP, " "))
    header = next(line for line in table.splitlines() if line.startswith("Kontor"))
    assert header.endswith("kontorsvar endret  gjentatte funn")


# --------------------------------------------------------------------------- text and HTML


def test_table_text(rounds):
    result = run("compare", str(rounds[0]), str(rounds[1]))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout.replace(NBSP, " ")
    assert out.startswith(
        "Runde A → Runde B (sjekkliste hw@1 → hw@2)\n\n"
        "Kontor  Saker   Samlet        bedre  dårligere  uendret  for få saker  ikke sammenlignbare  kontorsvar endret"
        "  gjentatte funn\n"
        "------  ------  ------------  -----  ---------  -------  ------------  -------------------  -----------------"
        "  --------------\n"
        "NAV A   1 → 5   for få saker      0          0        0             2                    1                  1"
        "               0\n"
        "NAV B   5 → 5   bedre             1          1        0             0                    1                  0"
        "               0\n"
        "Fylket  6 → 10  bedre             1          1        0             0                    1                  –"
        "               –\n")
    assert "Koblet gjennom 'replaces':\n  H-03 (nytt navn: H-90)\n" in out
    assert "Fylket: 2 kontorer som er med i begge rundene\n" in out
    # the default view: what is labelled bedre or dårligere, and office answers that changed
    assert "H-01                    83 % (5 av 6 saker)  70 % (7 av 10 saker)    dårligere (resultat 83 % → 70 %)\n" in out
    assert "KR-01              nei      ja       nei → ja\n" in out
    assert "TALL-SOKNADER (søknader)         17       17  0 (2 av 2 kontorer oppga tallet i begge rundene)\n" in out
    assert "for få saker til å si noe om endring" not in out  # listed with --all
    everything = run("compare", str(rounds[0]), str(rounds[1]), "--all").stdout.replace(NBSP, " ")
    assert "H-01                    0 av 1 sak     80 % (4 av 5 saker)   for få saker til å si noe om endring\n" in everything
    assert "H-02                    ingen vurdert  1 av 1 sak            ikke vurdert i Runde A\n" in everything
    assert "TALL-DELTAKERE (deltakere)  ikke oppgitt        2  –\n" in everything
    assert not re.search(r"\b(ny|utgått)\b", everything)
    assert contradictions(everything) == []


def test_html(rounds, tmp_path):
    out = tmp_path / "sammenligning.html"
    result = run("compare", str(rounds[0]), str(rounds[1]), "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert contradictions(html) == []
    for row in (
        '<tr><th scope="row">H-01: Er vedtaket begrunnet?</th><td>0 av 1 sak</td>'
        f'<td>80{NBSP}% (4 av 5 saker)</td><td class="change">for få saker til å si noe om endring</td></tr>',
        '<tr><th scope="row">H-02: Er det fattet vedtak om avslutning?</th><td>ingen vurdert</td>'
        '<td>1 av 1 sak</td><td class="change">ikke vurdert i Runde A</td></tr>',
        '<tr><th scope="row">KR-01: Har kontoret skriftlige rutiner?</th><td>nei</td><td>ja</td>'
        '<td class="change">nei → ja</td></tr>',
        '<tr><th scope="row">Antall søknader <span class="meta">(søknader)</span></th><td class="num">10</td>'
        '<td class="num">12</td><td>+2</td></tr>',
        '<tr><th scope="row">H-03: Er individuell plan tilbudt? <span class="meta">(nytt navn: H-90)</span></th>'
        f'<td>17{NBSP}% (1 av 6 saker)</td><td>100{NBSP}% (10 av 10 saker)</td><td class="change">bedre (resultat 17{NBSP}% → 100{NBSP}%)</td></tr>',
    ):
        assert row in html
    assert '<h2 id="fylket">Fylket</h2>' in html
    assert "<td>for få saker</td>" in html  # nav-a as a whole, in the counts table
    assert "som ikke finnes" not in html and ">ny<" not in html


def test_html_has_no_axe_violations(rounds, tmp_path):
    """The comparison page checked by axe-core in Chromium, as the report pages are."""
    import os

    playwright = pytest.importorskip("playwright.sync_api")
    from test_report_a11y import AXE_JS, CHROMIUM, CHROMIUM_ARGS, axe_violations

    if not Path(CHROMIUM).is_file() or not AXE_JS.is_file():
        pytest.skip("chromium or axe-core not found (see tests/test_report_a11y.py)")
    out = tmp_path / "sammenligning.html"
    assert run("compare", str(rounds[0]), str(rounds[1]), "--format", "html", "--out", str(out)).exit_code == 0
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(out.as_uri())
        assert axe_violations(page) == []
        browser.close()
    assert os.path.getsize(out) > 0



def test_a_label_follows_the_result_as_it_is_shown_in_whole_percentage_points():
    """99.4 % against 99.0 %: both shown as «resultat 99 %», so the line is uendret, never
    «dårligere (resultat 99 % → 99 %)»; 99.4 % against 90 % is dårligere, and says so."""
    from kvp_audit.compare import Change, change_of
    from kvp_audit.scoring import Tally

    def tally(met, n):
        return Tally(met=met, not_met=n - met, weighted=float(met), weight=float(n), cases=set(range(n)))

    before, after, worse = tally(994, 1000), tally(990, 1000), tally(900, 1000)
    assert change_of(before, after) == "uendret"
    assert Change("H-01", "", before, after, "uendret").words("A", "B") == f"uendret (resultat 99{NBSP}% → 99{NBSP}%)"
    assert change_of(before, worse) == "dårligere"
    assert Change("H-01", "", before, worse, "dårligere").words("A", "B") == \
        f"dårligere (resultat 99{NBSP}% → 90{NBSP}%)"
