"""The follow-up report (an office's report after its follow-up workshop) and the county's
follow-up in the county summary, checked against a hand-worked round.

NAV A, three cases worked by hand (as in test_report.py), a carried finding from 2024, a
follow-up record, a plan for retting and a rapport.yaml with a follow-up report part:

    V-01 (krav):        ja, nei, ja     -> avvik;   workshop: lukket (Ny vedtaksmal., Tre nye vedtak.)
    V-02 (anbefaling):  nei, ja, ja     -> merknad; workshop: not taken up -> ikke fulgt opp
    A-02 (krav, barn):  delvis          -> avvik;   workshop: delvis; plan: NAV-leder, due 1 Aug (past on 20 Sep)
    carried test-2024/nav-a/V-02 (merknad, åpen in runde.yaml): workshop delvis; V-02 is a finding again
    checklist answers: OF-01 ja, OF-02 nei (comment), SO-01 delvis -> recommendations OF-02 and SO-01
    plan deadline: rapport.yaml's reply_deadline, 1 April 2026 (past on the report's date)

NAV B has one case with everything met and no workshop.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from figurerule import contradictions, figures

from kvp_audit.cli import main
from kvp_audit.report import build_reports

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_2026 = REPO / "examples" / "fiktivfylke" / "2026"

ROUND = """\
id: test-2026
name: Testrunde 2026
county: Fiktivfylke
period: {start: 2026-01-01, end: 2026-06-30}
checklists:
  case: mini-sak@1.0
  followup: mini-oppfolging@1.0
offices:
  - id: nav-a
    name: NAV A
  - id: nav-b
    name: NAV B
report:
  sender: Statsforvalteren i Fiktivfylke
  reference: "2026/1"
  signature:
    - name: Anne Fjeld
      title: avdelingsdirektør
carried:
  nav-a:
    - id: test-2024/nav-a/V-02
      kind: merknad
      criterion: V-02
      question: Er vedtaket begrunnet?
      status: åpen
      now: [V-02]
"""

FOLLOWUP_CHECKLIST = """\
# Liten sjekkliste for oppfølgingsverkstedet i testene. Fiktive data.
id: mini-oppfolging
title: Mini oppfølging
version: "1.0"
scope: followup
themes:
  - id: of
    title: Oppfølging av rapporten
    criteria:
      - id: OF-01
        question: Er rapporten gjennomgått?
        severity: anbefaling
        recommendation: Gå gjennom rapporten med de ansatte.
      - id: OF-02
        question: Finnes en plan for retting?
        severity: krav
        recommendation: Lag en plan med ansvar og frister.
  - id: so
    title: Samarbeid
    criteria:
      - id: SO-01
        question: Er samarbeidet avklart?
        severity: anbefaling
        recommendation: Avklar samarbeidet.
"""

WORKSHOP = """\
office: nav-a
reviewers: [KB, TH]
date: 2026-09-10
note: Kontoret var godt forberedt.
answers:
  OF-01: ja
  OF-02: {answer: nei, comment: Planen mangler frister.}
  SO-01: delvis
findings:
  test-2026/nav-a/V-01: {status: lukket, action: Ny vedtaksmal., evidence: Tre nye vedtak., date: 2026-09-10}
  test-2026/nav-a/A-02: {status: delvis, action: Rutine for barn er skrevet., date: 2026-09-10}
  test-2024/nav-a/V-02: {status: delvis, action: Begrunnelse i de fleste vedtak., date: 2026-09-10}
"""

PLAN = """\
received: 2026-04-20
items:
  test-2026/nav-a/A-02:
    measure: Rutine for barns behov.
    responsible: NAV-leder
    due: 2026-08-01
    status: delvis
"""

REPORT = """\
status: endelig
date: 2026-03-01
reply_deadline: 2026-04-01
team:
  - name: Kari Berg
    title: seniorrådgiver
followup_report:
  status: utkast
  date: 2026-09-20
  text:
    summary: Kontoret har rettet **det meste**.
    conclusion: Vi ber om dokumentasjon innen fristen.
"""


@pytest.fixture
def fu_round(round_builder):
    b = round_builder
    b.write("runde.yaml", ROUND)
    b.write("checklists/mini-oppfolging.yaml", FOLLOWUP_CHECKLIST)
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja", "V-02": "nei", "A-02": "delvis"}, har_barn=True)
    b.case("nav-a", "K-AAAAA2", {"V-01": "nei", "V-02": "ja"})
    b.case("nav-a", "K-AAAAA3", {"V-01": "ja", "V-02": "ja"})
    b.case("nav-b", "K-BBBBB1", {"V-01": "ja", "V-02": "ja"})
    b.write("nav-a/oppfolging.yaml", WORKSHOP)
    b.write("nav-a/plan.yaml", PLAN)
    b.write("nav-a/rapport.yaml", REPORT)
    return b


@pytest.fixture
def built(fu_round, tmp_path) -> Path:
    out = tmp_path / "ut"
    build_reports(fu_round.root, out, ["html", "md"])
    return out


def _html(out: Path, name: str = "nav-a-oppfolging") -> str:
    return (out / f"{name}.html").read_text(encoding="utf-8")


def _md(out: Path, name: str = "nav-a-oppfolging") -> str:
    return (out / f"{name}.md").read_text(encoding="utf-8")


def _between(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i:text.index(end, i + len(start))]


def _section(html: str, anchor: str) -> str:
    start = html.index(f'aria-labelledby="{anchor}"')
    return html[start:html.index("</section>", start)]


# --------------------------------------------------------------------------- which files


def test_the_follow_up_report_is_written_next_to_the_office_report(fu_round, tmp_path):
    result = build_reports(fu_round.root, tmp_path / "ut", ["html", "md"])
    assert sorted(p.name for p in result.written) == [
        "nav-a-oppfolging.html", "nav-a-oppfolging.md", "nav-a.html", "nav-a.md", "nav-b.html", "nav-b.md",
        "oppsummering.html", "oppsummering.md"]  # NAV B held no workshop: no follow-up report


def test_office_option_builds_both_of_an_offices_reports(fu_round, tmp_path):
    result = CliRunner().invoke(main, ["report", str(fu_round.root), "--office", "nav-a", "--out", "ut"])
    assert result.exit_code == 0, result.output
    written = "".join(line + "\n" for line in result.output.splitlines() if line.startswith("skrev "))
    assert written == "skrev ut/nav-a.html\nskrev ut/nav-a.md\nskrev ut/nav-a-oppfolging.html\n" \
                      "skrev ut/nav-a-oppfolging.md\n"  # after the warnings of what is not filled in (A-03)
    b = build_reports(fu_round.root, tmp_path / "b", ["html"], office="nav-b")
    assert [p.name for p in b.written] == ["nav-b.html"]


def test_other_languages_get_their_code_before_the_format(fu_round, tmp_path):
    for lang, heading in (("nn", "Status for funna"), ("en", "Status of the findings")):
        result = build_reports(fu_round.root, tmp_path / "ut", ["html", "md"], lang=lang, office="nav-a")
        assert f"nav-a-oppfolging.{lang}.html" in [p.name for p in result.written]
        assert f"## {heading}\n" in (tmp_path / "ut" / f"nav-a-oppfolging.{lang}.md").read_text(encoding="utf-8")


def test_the_rebuild_cache_knows_the_follow_up_report(fu_round, tmp_path):
    out = tmp_path / "ut"
    build_reports(fu_round.root, out, ["html", "md"])
    again = build_reports(fu_round.root, out, ["html", "md"])
    assert again.written == [] and "nav-a-oppfolging.html" in [p.name for p in again.skipped]
    (out / "nav-a-oppfolging.html").unlink()  # a deleted follow-up report is made again, and only it
    assert [p.name for p in build_reports(fu_round.root, out, ["html", "md"]).written] == ["nav-a-oppfolging.html"]
    workshop = fu_round.root / "nav-a" / "oppfolging.yaml"
    workshop.write_text(workshop.read_text(encoding="utf-8").replace("SO-01: delvis", "SO-01: ja"), encoding="utf-8")
    rewritten = [p.name for p in build_reports(fu_round.root, out, ["html", "md"]).written]
    assert "nav-a-oppfolging.md" in rewritten and "nav-a.md" not in rewritten


def test_a_follow_up_report_that_would_take_another_offices_file_name_is_refused(fu_round):
    fu_round.write("runde.yaml", ROUND.replace("  - id: nav-b\n    name: NAV B\n",
                                              "  - id: nav-b\n    name: NAV B\n  - id: nav-a-oppfolging\n"
                                              "    name: NAV A oppfølging\n"))
    (fu_round.root / "nav-a-oppfolging").mkdir()
    result = CliRunner().invoke(main, ["report", str(fu_round.root), "--out", "ut"])
    assert result.exit_code == 2
    assert ("oppfølgingsrapporten til 'nav-a' ville fått samme filnavn som rapporten til kontoret "
            "'nav-a-oppfolging'; gi et av kontorene en annen id i runde.yaml") in result.output


# --------------------------------------------------------------------------- every section, pinned


def test_cover_and_letter(built):
    md = _md(built)
    assert md.startswith(
        "> **UTKAST** – Rapporten er et utkast og ikke endelig.\n\n"
        "# Rapport fra oppfølgingsverksted i kvalifiseringsprogrammet: NAV A\n\n"
        "- **Runde:** Testrunde 2026 (Fiktivfylke)\n"
        "- **Oppfølgingsverksted:** 10. september 2026\n"
        "- **Sjekkliste:** Mini oppfølging, versjon 1.0\n"
        "- **Rapportdato:** 20. september 2026\n\n"
        "- **Avsender:** Statsforvalteren i Fiktivfylke\n"
        "- **Saksnummer:** 2026/1\n"
        "- **Revisjonsteam:** Kari Berg (seniorrådgiver)\n"
        "- **Status:** Utkast\n\n"
        "## Sammendrag\n\nKontoret har rettet **det meste**.\n\n")
    html = _html(built)
    assert "<title>UTKAST – Rapport fra oppfølgingsverksted – NAV A – Testrunde 2026</title>" in html
    assert '<p class="draft-banner" role="note"><strong>UTKAST</strong> – Rapporten er et utkast og ikke endelig.</p>' in html
    assert ("<h1>Rapport fra oppfølgingsverksted i kvalifiseringsprogrammet: NAV A</h1>\n"
            '<dl class="cover">\n  <dt>Runde</dt><dd>Testrunde 2026 (Fiktivfylke)</dd>\n'
            "  <dt>Oppfølgingsverksted</dt><dd>10. september 2026</dd>\n"
            "  <dt>Sjekkliste</dt><dd>Mini oppfølging, versjon 1.0</dd>\n"
            "  <dt>Rapportdato</dt><dd>20. september 2026</dd>\n</dl>") in html
    assert "<dt>Revisorer</dt>" not in html  # the team by name instead of the initials
    assert "<dt>Revisjonsteam</dt><dd>Kari Berg (seniorrådgiver)</dd>" in html
    assert '<h2 id="brev-sammendrag">Sammendrag</h2>\n<p>Kontoret har rettet <strong>det meste</strong>.</p>' in html
    assert md.endswith(
        "## Konklusjon\n\nVi ber om dokumentasjon innen fristen.\n\n"
        "Statsforvalteren i Fiktivfylke, 20. september 2026\n\n- Anne Fjeld, avdelingsdirektør\n\n"
        "_Laget med kvp-audit {}._\n".format(_version()))
    assert ('<h2 id="brev-konklusjon">Konklusjon</h2>\n<p>Vi ber om dokumentasjon innen fristen.</p>\n'
            '<div class="signature">\n<p>Statsforvalteren i Fiktivfylke, 20. september 2026</p>\n'
            '<p class="signatory">Anne Fjeld<br><span class="meta">avdelingsdirektør</span></p>') in html
    assert "Vi ber om kontorets svar og plan for retting" not in html  # that is the office report's


def _version() -> str:
    from kvp_audit import __version__

    return __version__


def test_status_of_the_findings(built):
    md = _md(built)
    assert _between(md, "## Status for funnene", "### Funn fra besøksrapporten") == (
        "## Status for funnene\n\n"
        "lukket = endret praksis er dokumentert; delvis = delvis lukket; åpen = ikke rettet ennå; "
        "ikke fulgt opp = ingen status er registrert.\n\n"
        "**Funn etter status**\n\n"
        "| Status | Fra besøksrapporten | Fra forrige runde | Til sammen |\n"
        "| --- | ---: | ---: | ---: |\n"
        "| lukket | 1 | 0 | 1 |\n"
        "| delvis | 1 | 1 | 2 |\n"
        "| åpen | 0 | 0 | 0 |\n"
        "| ikke fulgt opp | 1 | 0 | 1 |\n"
        "| **Til sammen** | 3 | 1 | 4 |\n\n")
    html = _html(built)
    assert ('<tr><th scope="row">delvis</th><td class="num">1</td><td class="num">1</td><td class="num">2</td></tr>'
            in html)
    assert ('<tr><th scope="row"><strong>Til sammen</strong></th><td class="num">3</td><td class="num">1</td>'
            '<td class="num">4</td></tr>') in html


def test_each_finding_with_the_offices_measures_evidence_and_dates(built):
    md = _md(built)
    assert _between(md, "### Funn fra besøksrapporten", "## Temaene") == (
        "### Funn fra besøksrapporten (3)\n\n"
        "#### V-01: Er det fattet vedtak?\n\n"
        "- **Status:** lukket (avvik)\n"
        "- **Kontorets tiltak:** Ny vedtaksmal.\n"
        "- **Dokumentasjon:** Tre nye vedtak.\n"
        "- **Sjekket:** 10. september 2026\n"
        "- Funn-id: `test-2026/nav-a/V-01`\n\n\n"
        "#### V-02: Er vedtaket begrunnet?\n\n"
        "- **Status:** ikke fulgt opp (merknad)\n"
        "- Ikke tatt opp på verkstedet.\n"
        "- Funn-id: `test-2026/nav-a/V-02`\n\n\n"
        "#### A-02: Er barnas behov vurdert?\n\n"
        "- **Status:** delvis (avvik)\n"
        "- **Kontorets tiltak:** Rutine for barn er skrevet.\n"
        "- **Sjekket:** 10. september 2026\n"
        "- **Plan for retting:** Rutine for barns behov. · ansvarlig: NAV-leder · frist: 1. august 2026 "
        "(fristen er passert)\n"
        "- Funn-id: `test-2026/nav-a/A-02`\n\n\n"
        "### Funn fra forrige runde (1)\n\n"
        "#### V-02: Er vedtaket begrunnet?\n\n"
        "- **Status:** delvis (merknad) · **Nå:** funnet igjen\n"
        "- **Kontorets tiltak:** Begrunnelse i de fleste vedtak.\n"
        "- **Sjekket:** 10. september 2026\n"
        "- Funn-id: `test-2024/nav-a/V-02`\n\n\n")
    html = _html(built)
    closed = _section(html, "V-01-b")
    assert closed.startswith('aria-labelledby="V-01-b">\n  <h4 id="V-01-b">V-01: Er det fattet vedtak?</h4>\n'
                             "  <p><strong>Status:</strong> lukket (avvik)</p>\n"
                             "  <p><strong>Kontorets tiltak:</strong> Ny vedtaksmal.</p>\n"
                             "  <p><strong>Dokumentasjon:</strong> Tre nye vedtak.</p>\n"
                             "  <p><strong>Sjekket:</strong> 10. september 2026</p>\n")
    assert '<section class="finding fu fu-lukket" aria-labelledby="V-01-b">' in html
    assert "<p>Ikke tatt opp på verkstedet.</p>" in _section(html, "V-02-b")
    assert ("<p><strong>Plan for retting:</strong> Rutine for barns behov. · ansvarlig: NAV-leder · "
            "frist: 1. august 2026 (fristen er passert)</p>") in _section(html, "V-02-b".replace("V-02", "A-02"))
    assert "<strong>Nå:</strong> funnet igjen" in _section(html, "V-02-f")


def test_the_follow_up_themes_with_answers_comments_and_recommendations(built):
    md = _md(built)
    assert _between(md, "## Temaene på oppfølgingsverkstedet", "## Det som gjenstår") == (
        "## Temaene på oppfølgingsverkstedet\n\n"
        "ja = oppfylt, delvis = delvis oppfylt, nei = ikke oppfylt, i.a. = ikke aktuelt, – = ubesvart.\n\n"
        "**Oppfølging av rapporten**\n\n"
        "| Kriterium | Svar | Kommentar |\n| --- | --- | --- |\n"
        "| OF-01: Er rapporten gjennomgått? | ja |  |\n"
        "| OF-02: Finnes en plan for retting? | nei | Planen mangler frister. |\n\n"
        "**Anbefalinger:**\n\n- OF-02: Lag en plan med ansvar og frister.\n\n"
        "**Samarbeid**\n\n"
        "| Kriterium | Svar | Kommentar |\n| --- | --- | --- |\n"
        "| SO-01: Er samarbeidet avklart? | delvis |  |\n\n"
        "**Anbefalinger:**\n\n- SO-01: Avklar samarbeidet.\n\n"
        "**Merknad fra verkstedet:** Kontoret var godt forberedt.\n\n")
    html = _html(built)
    assert ('<tr><th scope="row">OF-02: Finnes en plan for retting?</th><td class="ikke_oppfylt">nei</td>'
            "<td>Planen mangler frister.</td></tr>") in html
    assert '<caption>Oppfølging av rapporten</caption>' in html
    assert "Gå gjennom rapporten med de ansatte." not in html  # OF-01 was met: no recommendation


def test_what_remains_with_deadlines(built):
    md = _md(built)
    assert _between(md, "## Det som gjenstår", "## Konklusjon") == (
        "## Det som gjenstår\n\n"
        "Kontorets plan for retting kom 20. april 2026.\n\n"
        "Fristen for plan for retting er 1. april 2026.\n\n"
        "**Funn som ikke er lukket (3)**\n\n"
        "| Funn | Status | Tiltak i planen | Ansvarlig | Frist |\n| --- | --- | --- | --- | --- |\n"
        "| V-02: Er vedtaket begrunnet? (`test-2026/nav-a/V-02`) | ikke fulgt opp | – | – | "
        "1. april 2026 (fristen er passert) |\n"
        "| A-02: Er barnas behov vurdert? (`test-2026/nav-a/A-02`) | delvis | Rutine for barns behov. | NAV-leder | "
        "1. august 2026 (fristen er passert) |\n"
        "| V-02: Er vedtaket begrunnet? (`test-2024/nav-a/V-02`) | delvis | – | – | "
        "1. april 2026 (fristen er passert) |\n\n\n")
    html = _html(built)
    assert ('<tr><th scope="row"><span>A-02: Er barnas behov vurdert?</span><br><span class="meta">'
            "test-2026/nav-a/A-02</span></th><td>delvis</td><td>Rutine for barns behov.</td><td>NAV-leder</td>"
            "<td>1. august 2026 (fristen er passert)</td></tr>") in html


def test_nothing_remains_and_no_plan_columns(fu_round, tmp_path):
    workshop = WORKSHOP.replace("{status: delvis, action: Rutine", "{status: lukket, action: Rutine").replace(
        "test-2024/nav-a/V-02: {status: delvis", "test-2024/nav-a/V-02: {status: lukket")
    fu_round.write("nav-a/oppfolging.yaml", workshop + "  test-2026/nav-a/V-02: {status: lukket, evidence: Nye vedtak.}\n")
    (fu_round.root / "nav-a" / "plan.yaml").unlink()
    build_reports(fu_round.root, tmp_path / "ut", ["md"], office="nav-a")
    md = _md(tmp_path / "ut")
    assert _between(md, "## Det som gjenstår", "## Konklusjon") == (
        "## Det som gjenstår\n\nFristen for plan for retting er 1. april 2026.\n\nAlle funnene er lukket.\n\n\n")
    assert "- Ikke tatt opp" not in md


def test_a_repeated_finding_is_marked_gjentatt(fu_round, tmp_path, monkeypatch):
    import kvp_audit.followup as followup_module

    monkeypatch.setattr(followup_module, "repeated_findings", lambda data, scores: {"nav-a": {"V-01"}})
    build_reports(fu_round.root, tmp_path / "ut", ["html", "md"], office="nav-a")
    assert "- **Status:** lukket (avvik) · **gjentatt**\n" in _md(tmp_path / "ut")
    assert "<p><strong>Status:</strong> lukket (avvik) · <strong>gjentatt</strong></p>" in _html(tmp_path / "ut")


def test_without_a_follow_up_report_part_no_status_and_the_workshop_date(fu_round, tmp_path):
    fu_round.write("nav-a/rapport.yaml", REPORT[:REPORT.index("followup_report:")])
    build_reports(fu_round.root, tmp_path / "ut", ["html", "md"], office="nav-a")
    md = _md(tmp_path / "ut")
    assert md.startswith("# Rapport fra oppfølgingsverksted i kvalifiseringsprogrammet: NAV A\n\n"
                         "- **Runde:** Testrunde 2026 (Fiktivfylke)\n"
                         "- **Oppfølgingsverksted:** 10. september 2026\n"
                         "- **Revisorer:** KB, TH\n"
                         "- **Sjekkliste:** Mini oppfølging, versjon 1.0\n"
                         "- **Rapportdato:** 10. september 2026\n\n")
    html = _html(tmp_path / "ut")
    for absent in ("UTKAST", "Status:** Utkast", "<dt>Status</dt>", "Avsender", "Sammendrag", "signature"):
        assert absent not in html and absent not in md
    assert "<title>Rapport fra oppfølgingsverksted – NAV A – Testrunde 2026</title>" in html
    # the office report is still the letter it was
    assert "**Status:** Endelig" in (tmp_path / "ut" / "nav-a.md").read_text(encoding="utf-8")


def test_an_office_without_rapport_yaml_gets_a_follow_up_report_without_letter(fu_round, tmp_path):
    (fu_round.root / "nav-a" / "rapport.yaml").unlink()
    build_reports(fu_round.root, tmp_path / "ut", ["md"], office="nav-a")
    md = _md(tmp_path / "ut")
    assert "- **Rapportdato:** 10. september 2026\n" in md and "UTKAST" not in md
    assert "Fristen for plan for retting" not in md
    assert "| V-02: Er vedtaket begrunnet? (`test-2026/nav-a/V-02`) | ikke fulgt opp | – | – | ingen frist satt |" in md


# --------------------------------------------------------------------------- every report the same sections


def _html_headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html)]


def _md_headings(md: str) -> list[str]:
    return [m.group(2).replace("\\", "") for m in re.finditer(r"^(#{1,4}) (.+)$", md, re.M)]


@pytest.mark.parametrize("name", ["nav-a-oppfolging", "oppsummering"])
def test_html_and_markdown_have_the_same_headings(built, name):
    assert _html_headings(_html(built, name)) == _md_headings(_md(built, name))


def test_headings_in_order(built):
    assert _md_headings(_md(built)) == [
        "Rapport fra oppfølgingsverksted i kvalifiseringsprogrammet: NAV A", "Sammendrag", "Status for funnene",
        "Funn fra besøksrapporten (3)", "V-01: Er det fattet vedtak?", "V-02: Er vedtaket begrunnet?",
        "A-02: Er barnas behov vurdert?", "Funn fra forrige runde (1)", "V-02: Er vedtaket begrunnet?",
        "Temaene på oppfølgingsverkstedet", "Det som gjenstår", "Konklusjon"]


def test_the_figure_rule_holds_in_the_follow_up_report_and_county_section(built):
    for name in ("nav-a-oppfolging", "oppsummering"):
        for text in (_html(built, name), _md(built, name)):
            assert contradictions(text) == []
    # the follow-up report prints counts only, never a percentage
    assert figures(_html(built)) == [] and "%" not in _md(built)


# --------------------------------------------------------------------------- the county summary


def test_county_follow_up_section(built):
    md = _md(built, "oppsummering")
    assert _between(md, "## Oppfølgingen i fylket", "## Vedlegg") == (
        "## Oppfølgingen i fylket\n\n"
        "Funnene i rapportene fra besøket og funnene fra forrige runde, etter status fra oppfølgingsverkstedene: "
        "lukket = endret praksis er dokumentert; delvis = delvis lukket; åpen = ikke rettet ennå; "
        "ikke fulgt opp = ingen status er registrert.\n\n"
        "**Funn per kontor etter status**\n\n"
        "| Kontor | Oppfølgingsverksted | Lukket | Delvis | Åpen | Ikke fulgt opp | Funn |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |\n"
        "| NAV A | 10. september 2026 | 1 | 2 | 0 | 1 | 4 |\n"
        "| NAV B | ikke holdt | 0 | 0 | 0 | 0 | 0 |\n"
        "| Fylket | | 1 | 2 | 0 | 1 | 4 |\n\n"
        "Kontorer som ikke har hatt oppfølgingsverksted: NAV B.\n\n"
        "### Temaene på oppfølgingsverkstedene\n\n"
        "ja = oppfylt, delvis = delvis oppfylt, nei = ikke oppfylt, i.a. = ikke aktuelt, – = ubesvart.\n\n"
        "| Kriterium | NAV A | Ja, kontorer |\n| --- | --- | ---: |\n"
        "| **Oppfølging av rapporten** | | |\n"
        "| OF-01: Er rapporten gjennomgått? | ja | 1 av 1 |\n"
        "| OF-02: Finnes en plan for retting? | nei | 0 av 1 |\n"
        "| **Samarbeid** | | |\n"
        "| SO-01: Er samarbeidet avklart? | delvis | 0 av 1 |\n\n")
    html = _html(built, "oppsummering")
    section = html[html.index('<h2 id="oppfolging">'):html.index('<h2 id="metode">')]
    assert ('<tr><th scope="row">NAV B</th><td>ikke holdt</td><td class="num">0</td><td class="num">0</td>'
            '<td class="num">0</td><td class="num">0</td><td class="num">0</td></tr>') in section
    assert '<tr><th scope="rowgroup" colspan="3" class="fu-theme">Samarbeid</th></tr>' in section
    # the answer is in the cell's text, its colour only repeats it
    assert ('<tr><th scope="row">OF-02: Finnes en plan for retting?</th><td class="ikke_oppfylt">nei</td>'
            '<td class="num">0 av 1</td></tr>') in section
    # the section comes before the closing and the appendix
    assert html.index('<h2 id="oppfolging">') < html.index('<h2 id="metode">')


def test_no_county_follow_up_section_without_follow_up_records(fu_round, tmp_path):
    (fu_round.root / "nav-a" / "oppfolging.yaml").unlink()
    result = build_reports(fu_round.root, tmp_path / "ut", ["html", "md"])
    assert "nav-a-oppfolging.html" not in [p.name for p in result.written]
    assert "Oppfølgingen i fylket" not in _md(tmp_path / "ut", "oppsummering")
    assert 'id="oppfolging"' not in _html(tmp_path / "ut", "oppsummering")


def test_every_office_held_its_workshop(fu_round, tmp_path):
    fu_round.write("nav-b/oppfolging.yaml", "office: nav-b\nreviewers: [KB]\ndate: 2026-09-12\nanswers: {OF-01: ja}\n")
    build_reports(fu_round.root, tmp_path / "ut", ["md"])
    md = _md(tmp_path / "ut", "oppsummering")
    assert "Alle kontorene har hatt oppfølgingsverksted.\n" in md
    assert "| OF-01: Er rapporten gjennomgått? | ja | ja | 2 av 2 |\n" in md
    assert "| SO-01: Er samarbeidet avklart? | delvis | – | 0 av 1 |\n" in md  # unanswered is not counted
    assert "| NAV B | 12. september 2026 | 0 | 0 | 0 | 0 | 0 |\n" in md


# --------------------------------------------------------------------------- DOCX and PDF


def test_docx_has_the_sections_of_the_html(fu_round, tmp_path):
    docx = pytest.importorskip("docx")
    from test_docx import all_text, docx_headings, html_headings

    out = tmp_path / "ut"
    build_reports(fu_round.root, out, ["html", "docx"], office="nav-a")
    document = docx.Document(out / "nav-a-oppfolging.docx")
    headings = docx_headings(document)
    assert headings == html_headings(out / "nav-a-oppfolging.html")
    assert ("Heading 1", "Det som gjenstår") in headings and ("Heading 1", "Temaene på oppfølgingsverkstedet") in headings
    text = all_text(document)
    assert "Rutine for barns behov." in text and "1. august 2026 (fristen er passert)" in text
    assert "UTKAST" in document.sections[0].header.paragraphs[0].text  # a draft on every page
    assert document.core_properties.title.startswith("UTKAST – Rapport fra oppfølgingsverksted – NAV A")


def test_pdf_is_tagged_and_a_draft_on_every_page(fu_round, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("weasyprint")
    out = tmp_path / "ut"
    result = build_reports(fu_round.root, out, ["pdf"], office="nav-a")
    assert [p.name for p in result.written] == ["nav-a.pdf", "nav-a-oppfolging.pdf"]
    reader = pypdf.PdfReader(out / "nav-a-oppfolging.pdf")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "nb"
    assert reader.metadata.title == "UTKAST – Rapport fra oppfølgingsverksted – NAV A – Testrunde 2026"
    pages = [page.extract_text() for page in reader.pages]
    assert all("UTKAST" in text for text in pages)
    text = "\n".join(pages)
    for heading in ("Status for funnene", "Temaene på oppfølgingsverkstedet", "Det som gjenstår", "Konklusjon"):
        assert heading in text
    assert contradictions(text) == []


@pytest.fixture(scope="module", params=["nav-bergtun", "nav-fjellby"])
def followup_pages(request):
    """WeasyPrint's layout of an example follow-up report's PDF HTML, per page: (box, ancestors)."""
    pytest.importorskip("weasyprint")
    import weasyprint

    from kvp_audit.report import environment, load_bundle, render
    from kvp_audit.report.followupreport import followup_context
    from kvp_audit.report.templating import template_dir

    ctx = followup_context(load_bundle(EXAMPLE_2026), request.param, "nb")
    html = render(environment(None, "nb"), "followup.html.j2", {**ctx, "for_pdf": True})
    document = weasyprint.HTML(string=html, base_url=str(template_dir())).render()

    def walk(box, ancestors):
        yield box, ancestors
        for child in getattr(box, "children", None) or []:
            yield from walk(child, ancestors + (box,))

    return [list(walk(page._page_box, ())) for page in document.pages]


def test_follow_up_pdf_pages_end_with_no_heading_and_keep_text_in_its_cells(followup_pages):
    """The office report's layout rules (test_pdf_pages.py) on the follow-up report's PDF."""
    import test_pdf_pages as rules

    assert len(followup_pages) >= 3  # the examples run over several pages, so the rules are tried
    rules.test_no_page_ends_with_a_heading(followup_pages)
    layout = [item for page in followup_pages for item in page]
    rules.test_no_text_outside_its_cell(layout)
    # headers break only between words or after a dash of their own (KVP-/deltakere?), never inside a word
    broken = []
    for cell, _ancestors in rules._cells(layout):
        if rules._tag(cell) != "th":
            continue
        lines = [line for line in rules._lines_of(cell) if line.strip()]
        words = " ".join(cell.element.itertext()).split()
        for above, below in zip(lines, lines[1:]):
            last = above.rstrip().split()[-1]
            if not (last in words or last.endswith(("-", "\u2010")) or any(w.endswith("-" + last) for w in words)):
                broken.append(f"{above!r} / {below!r}")
    assert not broken, broken[:10]
    rules.test_body_text_at_least_9_pt_and_table_text_at_least_8_pt(layout)


# --------------------------------------------------------------------------- the web office page


def test_web_office_page_offers_the_follow_up_report(fu_round, tmp_path):
    pytest.importorskip("flask")
    from kvp_audit.web.app import create_app

    client = create_app(fu_round.root, reports_dir=tmp_path / "reports", report_formats=("html",)).test_client()
    page = client.get("/kontor/nav-a/").get_data(as_text=True)
    assert "oppfolgingsrapport.html" not in page  # not built yet
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/kontor/nav-a/rapport", data={"csrf_token": token})
    assert response.status_code == 303
    from kvp_audit.web.builds import RUNNER

    RUNNER.wait(response.headers["Location"].rsplit("/", 1)[1], 300)  # a job since issue 16
    page = client.get("/kontor/nav-a/").get_data(as_text=True)
    assert 'href="/kontor/nav-a/rapport.html">Rapporten som nettside (HTML)</a>' in page
    assert 'href="/kontor/nav-a/oppfolgingsrapport.html">Oppfølgingsrapporten som nettside (HTML)</a>' in page
    served = client.get("/kontor/nav-a/oppfolgingsrapport.html")
    assert served.status_code == 200
    assert "Rapport fra oppfølgingsverksted i kvalifiseringsprogrammet: NAV A" in served.get_data(as_text=True)
    assert client.get("/kontor/nav-b/oppfolgingsrapport.html").status_code == 404  # no workshop, no report
    assert client.get("/kontor/nav-a/oppfolgingsrapport.exe").status_code == 404


# --------------------------------------------------------------------------- accessibility


def test_follow_up_report_and_county_section_have_no_axe_violations(built):
    from test_report_a11y import AXE_JS, CHROMIUM, CHROMIUM_ARGS, axe_violations

    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file() or not AXE_JS.is_file():
        pytest.skip("chromium or axe-core not found (see test_report_a11y.py)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            found = {}
            for name in ("nav-a-oppfolging", "oppsummering"):
                page.goto((built / f"{name}.html").as_uri())
                found[name] = axe_violations(page)
        finally:
            browser.close()
    assert found == {"nav-a-oppfolging": [], "oppsummering": []}


# --------------------------------------------------------------------------- the example rounds


@pytest.fixture(scope="module")
def example_followups(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("eksempel")
    build_reports(EXAMPLE_2026, out, ["html", "md"])
    return out


def test_example_offices_with_a_workshop_get_a_follow_up_report(example_followups):
    from kvp_audit.load import load_round

    data = load_round(EXAMPLE_2026)
    made = sorted(p.name for p in example_followups.glob("*-oppfolging.md"))
    assert made == sorted(f"{o}-oppfolging.md" for o in data.followups) == [
        "nav-bergtun-oppfolging.md", "nav-fjellby-oppfolging.md", "nav-midtdal-oppfolging.md",
        "nav-nordvik-oppfolging.md"]
    fjellby = _md(example_followups, "nav-fjellby-oppfolging")
    for theme in ("Oppfølging av anbefalinger fra kvalitetsinnsynet", "Samordning og samarbeid med overlappende "
                  "tjenester", "Målgruppeforståelse", "Rettighetsperspektivet", "Statlige og kommunale tiltak",
                  "Markedsarbeid", "Kompetanseområder"):
        assert f"**{theme}**\n" in fjellby
    assert "- **Status:** Endelig\n" in fjellby and "UTKAST" not in fjellby
    assert "- **Rapportdato:** 18. februar 2026\n" in fjellby
    assert _md(example_followups, "nav-bergtun-oppfolging").startswith("> **UTKAST**")
    midtdal = _md(example_followups, "nav-midtdal-oppfolging")  # no rapport.yaml: no status, the workshop's date
    assert "- **Rapportdato:** 8. april 2026\n" in midtdal and "**Status:**" not in midtdal.split("## ")[1]
    for path in example_followups.glob("*-oppfolging.*"):
        assert contradictions(path.read_text(encoding="utf-8")) == [], path.name
    summary = _md(example_followups, "oppsummering")
    assert "## Oppfølgingen i fylket\n" in summary
    assert ("Kontorer som ikke har hatt oppfølgingsverksted: NAV Strandvik, NAV Dalheim, NAV Skogli, "
            "NAV Elvestad, NAV Sjøhavn, NAV Lia, NAV Sørholmen.\n") in summary


# --------------------------------------------------------------------------- a workshop before the visit


def test_a_workshop_on_the_visit_day_does_not_list_that_visits_findings(example_followups):
    """Fjellby's 2026 workshop (4 February, the visit's day) followed up 2024's findings: its report,
    the county summary and `followup` leave the 2026 visit's 18 findings out, as `status` does."""
    import json

    from kvp_audit.course import step_dates, visit_date
    from kvp_audit.course import office_sources_from_data
    from kvp_audit.followup import followup_items, workshop_before_visit
    from kvp_audit.load import load_round
    from kvp_audit.scoring import score_round

    data = load_round(EXAMPLE_2026)
    sources = office_sources_from_data(data, data.round.office("nav-fjellby"))
    assert (str(visit_date(sources)), str(data.followups["nav-fjellby"].date)) == ("2026-02-04", "2026-02-04")
    assert step_dates(sources)["oppfolging"].source == "rapport.yaml"  # status never takes the workshop's date
    assert workshop_before_visit(data, "nav-fjellby")
    items = followup_items(data, score_round(data), "nav-fjellby")
    later = [i for i in items if i.after_workshop]
    assert len(later) == 18 and not any(i.carried for i in later)
    assert {i.status.value for i in later} == {"ikke fulgt opp"}  # still open, so a next round carries them

    fjellby = _md(example_followups, "nav-fjellby-oppfolging")
    assert "ikke fulgt opp |" not in fjellby.split("### ")[0].replace("| ikke fulgt opp | 0 |", "")
    assert ("| Status | Fra forrige runde |\n| --- | ---: |\n| lukket | 0 |\n| delvis | 9 |\n| åpen | 1 |\n"
            "| ikke fulgt opp | 0 |\n| **Til sammen** | 10 |\n") in fjellby
    assert ("### Funn fra besøksrapporten (0)\n\nVerkstedet ble holdt før besøket eller samme dag, og fulgte opp "
            "funnene fra forrige runde. De 18 funnene fra besøksrapporten følges opp senere og er ikke med her.\n"
            ) in fjellby
    assert "fiktivfylke-2026/nav-fjellby/" not in fjellby
    html = (example_followups / "nav-fjellby-oppfolging.html").read_text(encoding="utf-8")
    assert "Fra besøksrapporten</th>" not in html and 'class="finding fu fu-ikke_fulgt_opp"' not in html

    summary = _md(example_followups, "oppsummering")
    assert "| NAV Fjellby | 4. februar 2026 | 0 | 9 | 1 | 0 | 10 |\n" in summary
    assert ("Verkstedene ved NAV Fjellby, NAV Nordvik, NAV Bergtun, NAV Midtdal ble holdt før besøket eller "
            "samme dag og fulgte opp funnene fra forrige runde; funnene fra besøket er ikke talt med.\n") in summary

    result = CliRunner().invoke(main, ["followup", str(EXAMPLE_2026), "--office", "nav-fjellby", "--format", "json"])
    office = json.loads(result.stdout)["offices"][0]
    assert office["counts"] == {"lukket": 0, "delvis": 9, "åpen": 1, "ikke fulgt opp": 0}
    assert (len(office["findings"]), len(office["after_workshop"]), office["workshop"]) == (10, 18, "2026-02-04")
    table = CliRunner().invoke(main, ["followup", str(EXAMPLE_2026), "--office", "nav-fjellby"]).stdout
    assert ("\nNAV Fjellby: 18 funn fra besøket er ikke med: oppfølgingsverkstedet 2026-02-04 var før eller "
            "samme dag som besøket, og fulgte opp forrige runde.\n") in table
    assert "fiktivfylke-2026/nav-fjellby/IN-05  Programmet planlegges" in table  # the plan still shows them


def test_a_workshop_after_the_visit_follows_up_its_findings(fu_round):
    """The rule's other side: the test round's workshop (10 September) came after the cases were read."""
    from kvp_audit.followup import followup_items, workshop_before_visit
    from kvp_audit.load import load_round
    from kvp_audit.scoring import score_round

    data = load_round(fu_round.root)
    assert not workshop_before_visit(data, "nav-a") and not workshop_before_visit(data, "nav-b")
    assert not any(i.after_workshop for i in followup_items(data, score_round(data), "nav-a"))
