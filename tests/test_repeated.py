"""Repeated findings (gjentatt): closed in the previous round, found again in this one.

Two rounds worked by hand, with two versions of a small checklist:

    cmp@1: K-01 K-02 K-03 K-04 K-05 K-06
    cmp@2: K-01 (same), K-20 (replaces K-02), K-31 and K-32 (replace K-03), K-40 (replaces K-04
           and K-05), N-01 (new)

Round a-2024 at NAV A: avvik K-01, K-02, K-05 and the merknad K-03, and K-04 carried in from
z-2022. Its follow-up closes K-01, K-02 and the carried K-04; the office's plan closes K-03;
K-05 stays open: carried into b-2026 (as 'new round --from' writes it), not repeated.

Round b-2026 at NAV A: K-01, K-20, K-32, K-40 and N-01 are not met. Repeated:

    K-01 <- a-2024/nav-a/K-01   (same id)
    K-20 <- a-2024/nav-a/K-02   (renamed: replaces)
    K-32 <- a-2024/nav-a/K-03   (split; closed in plan.yaml, not in oppfolging.yaml)
    K-40 <- z-2022/nav-a/K-04   (merged; a finding carried into a-2024 and closed there)
    N-01: new, nothing to repeat.
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


def checklist(version: str, items) -> str:
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


V1 = checklist("1", [(f"K-0{i}", "anbefaling" if i == 3 else "krav", "") for i in range(1, 7)])
V2 = checklist("2", [("K-01", "krav", ""), ("K-20", "krav", "        replaces: [K-02]\n"),
                     ("K-31", "krav", "        replaces: [K-03]\n"), ("K-32", "krav", "        replaces: [K-03]\n"),
                     ("K-40", "krav", "        replaces: [K-04, K-05]\n"), ("N-01", "krav", "")])

CARRIED = """\
carried:
  nav-a:
    - id: z-2022/nav-a/K-04
      kind: avvik
      criterion: K-04
      question: Spørsmål K-04?
      status: åpen
      now: [K-04]
"""

CARRIED_B = """\
carried:
  nav-a:
    - id: a-2024/nav-a/K-05
      kind: avvik
      criterion: K-05
      question: Spørsmål K-05?
      status: åpen
      now: [K-40]
"""

FOLLOWUP_A = """\
office: nav-a
reviewers: [KB]
date: 2024-10-01
answers: {}
findings:
  a-2024/nav-a/K-01: {status: lukket, evidence: Tre nye vedtak.}
  a-2024/nav-a/K-02: {status: lukket, evidence: Ny rutine.}
  a-2024/nav-a/K-03: {status: delvis}
  a-2024/nav-a/K-05: {status: åpen}
  z-2022/nav-a/K-04: {status: lukket, evidence: Referat fra fagmøtet.}
"""

PLAN_A = """\
items:
  a-2024/nav-a/K-03:
    measure: Ny mal.
    status: lukket
    evidence: Malen er i bruk.
"""


def write_round(root: Path, rid: str, version: str, cases: dict, previous: str | None = None,
                extra: str = "") -> Path:
    (root / "checklists").mkdir(parents=True)
    (root / "checklists" / f"cmp-{version}.yaml").write_text(V1 if version == "1" else V2, encoding="utf-8")
    lines = [f"id: {rid}", f"name: Runde {rid}", "county: Fiktivfylke",
             "period: {start: 2026-01-01, end: 2026-06-30}", "checklists:", f"  case: cmp@{version}",
             "  followup: kvp-oppfolging@2026.1"]
    if previous:
        lines.append(f"previous: {previous}")
    lines += ["offices:", "  - {id: nav-a, name: NAV A}", "  - {id: nav-b, name: NAV B}"]
    (root / "runde.yaml").write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    for office in ("nav-a", "nav-b"):
        (root / office).mkdir()
    for (office, key), answers in cases.items():
        body = "\n".join(f"  {k}: {v}" for k, v in answers.items())
        (root / office / f"{key}.yaml").write_text(
            f"case: {key}\noffice: {office}\nreviewers: [KB]\ndate: 2026-02-01\n"
            f"facts: {{status: pågående}}\nanswers:\n{body}\n", encoding="utf-8")
    return root


@pytest.fixture
def rounds(tmp_path):
    a = write_round(tmp_path / "a", "a-2024", "1", {
        ("nav-a", "K-AAAAA1"): {"K-01": "nei", "K-02": "nei", "K-03": "delvis", "K-04": "ja", "K-05": "nei",
                                "K-06": "ja"},
        ("nav-b", "K-BBBBB1"): {"K-01": "ja"},
    }, extra=CARRIED)
    (a / "nav-a" / "oppfolging.yaml").write_text(FOLLOWUP_A, encoding="utf-8")
    (a / "nav-a" / "plan.yaml").write_text(PLAN_A, encoding="utf-8")
    b = write_round(tmp_path / "b", "b-2026", "2", {
        ("nav-a", "K-CCCCC1"): {"K-01": "nei", "K-20": "nei", "K-31": "ja", "K-32": "nei", "K-40": "nei",
                                "N-01": "nei"},
        ("nav-b", "K-DDDDD1"): {"K-01": "nei"},
    }, previous="../a", extra=CARRIED_B)
    return a, b


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _loaded(path: Path):
    from kvp_audit.load import load_round
    from kvp_audit.scoring import score_round

    data = load_round(path)
    assert data.errors == []
    return data, score_round(data)


def test_the_previous_round_validates(rounds):
    result = run("validate", str(rounds[0]))  # the fixture's one-criterion cases get completeness warnings
    assert result.exit_code == 0 and ": feil:" not in result.output
    assert "plan.yaml" not in result.output and "oppfolging.yaml" not in result.output


def test_repeated_findings_through_the_same_id_replaces_and_a_carried_finding(rounds):
    from kvp_audit.followup import repeated_findings, repeated_sources

    data, scores = _loaded(rounds[1])
    assert repeated_findings(data, scores) == {"nav-a": {"K-01", "K-20", "K-32", "K-40"}}
    assert repeated_sources(data, scores) == {"nav-a": {
        "K-01": ["a-2024/nav-a/K-01"], "K-20": ["a-2024/nav-a/K-02"], "K-32": ["a-2024/nav-a/K-03"],
        "K-40": ["z-2022/nav-a/K-04"]}}
    # the previous round given, as the office report does, gives the same
    assert repeated_findings(data, scores, _loaded(rounds[0])) == repeated_findings(data, scores)


def test_nav_b_was_never_followed_up_so_nothing_is_repeated(rounds):
    from kvp_audit.followup import repeated_findings

    data, scores = _loaded(rounds[1])
    assert "nav-b" not in repeated_findings(data, scores)  # K-01 found in both rounds, never closed


def test_a_finding_closed_only_in_the_plan_counts_as_closed(rounds):
    from kvp_audit.followup import repeated_findings

    (rounds[0] / "nav-a" / "plan.yaml").write_text(PLAN_A.replace("status: lukket", "status: delvis"),
                                                   encoding="utf-8")
    data, scores = _loaded(rounds[1])
    assert repeated_findings(data, scores) == {"nav-a": {"K-01", "K-20", "K-40"}}


def test_no_previous_round_or_a_broken_one_gives_no_repeated_findings(rounds):
    from kvp_audit.followup import repeated_findings

    a, b = rounds
    assert repeated_findings(*_loaded(a)) == {}  # a-2024 has no previous round
    (a / "nav-a" / "K-AAAAA1.yaml").write_text("case: K-AAAAA1\noffice: nav-a\n", encoding="utf-8")
    assert repeated_findings(*_loaded(b)) == {}


def test_followup_command_marks_repeated_findings(rounds):
    result = run("followup", str(rounds[1]), "--office", "nav-a", "--format", "json")
    assert result.exit_code == 0, result.stderr
    items = {f["id"]: f for f in json.loads(result.stdout)["offices"][0]["findings"]}
    assert {fid: f["repeated_from"] for fid, f in items.items() if f["repeated"]} == {
        "b-2026/nav-a/K-01": ["a-2024/nav-a/K-01"], "b-2026/nav-a/K-20": ["a-2024/nav-a/K-02"],
        "b-2026/nav-a/K-32": ["a-2024/nav-a/K-03"], "b-2026/nav-a/K-40": ["z-2022/nav-a/K-04"]}
    assert items["b-2026/nav-a/N-01"]["repeated"] is False
    # K-05 was left open: carried, found again (in K-40), not repeated
    assert (items["a-2024/nav-a/K-05"]["carried"], items["a-2024/nav-a/K-05"]["found_again"],
            items["a-2024/nav-a/K-05"]["repeated"]) == (True, True, False)
    table = run("followup", str(rounds[1]), "--office", "nav-a").stdout
    rows = {line.split()[0]: line for line in table.splitlines() if line.startswith(("b-2026", "a-2024"))}
    assert rows["b-2026/nav-a/K-01"].split("  ")[0] == "b-2026/nav-a/K-01"
    assert rows["b-2026/nav-a/K-01"].endswith("ikke fulgt opp  gjentatt: lukket i forrige runde")
    assert rows["b-2026/nav-a/N-01"].split() == ["b-2026/nav-a/N-01", "avvik", "ikke", "fulgt", "opp"]
    assert rows["a-2024/nav-a/K-05"].endswith("fra forrige runde, funnet igjen")


def test_office_report_marks_repeated_findings(rounds):
    result = run("report", str(rounds[1]), "--out", "ut", "--office", "nav-a")
    assert result.exit_code == 0, result.output
    html = Path("ut/nav-a.html").read_text(encoding="utf-8")
    md = Path("ut/nav-a.md").read_text(encoding="utf-8")

    def section(anchor):
        start = html.index(f'aria-labelledby="{anchor}"')
        return html[start:html.index("</section>", start)]

    assert ('<p class="repeated"><strong>Gjentatt:</strong> lukket i forrige runde, funnet igjen nå '
            "(a-2024/nav-a/K-02).</p>") in section("K-20-a")
    assert "z-2022/nav-a/K-04" in section("K-40-a")
    assert "Gjentatt" not in section("N-01-a")
    assert html.count('<p class="repeated">') == 4
    assert "- **Gjentatt:** lukket i forrige runde, funnet igjen nå (a-2024/nav-a/K-01).\n" in md
    assert md.count("**Gjentatt:**") == 4


def test_repeated_is_translated(rounds):
    result = run("report", str(rounds[1]), "--out", "ut", "--office", "nav-a", "--lang", "en", "--format", "md")
    assert result.exit_code == 0, result.output
    md = next(Path("ut").glob("*.md")).read_text(encoding="utf-8")
    assert "- **Repeated:** closed in the previous round, found again now (a-2024/nav-a/K-01).\n" in md


def test_example_2026_has_repeated_findings_through_the_split():
    from kvp_audit.followup import repeated_sources

    examples = Path(__file__).resolve().parent.parent / "examples" / "fiktivfylke"
    found = repeated_sources(*_loaded(examples / "2026"))
    assert found["nav-strandvik"]["OP-01"] == ["fiktivfylke-2024/nav-strandvik/OP-01"]
    # IP-90 of 2024 was split into IP-01 and IP-02 (replaces); closed at NAV Fjellby in 2024
    assert found["nav-fjellby"]["IP-01"] == found["nav-fjellby"]["IP-02"] == ["fiktivfylke-2024/nav-fjellby/IP-90"]
    assert "nav-midtdal" not in found and "nav-sorholmen" not in found  # not in the 2024 round


def test_compare_shows_the_repeated_findings(rounds):
    result = run("compare", str(rounds[0]), str(rounds[1]), "--format", "json")
    assert result.exit_code == 0, result.stderr
    nav_a = next(o for o in json.loads(result.stdout)["offices"] if o["office"] == "nav-a")
    assert sorted(nav_a["repeated"]) == ["K-01", "K-20", "K-32", "K-40"]
    assert sorted(c["criterion"] for c in nav_a["criteria"] if c["repeated"]) == ["K-01", "K-20", "K-32", "K-40"]
