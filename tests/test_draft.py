"""The draft as sent (utkast-sendt.yaml) and the final report's changes from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit.cli import main
from figurerule import contradictions


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


REPORT = """\
status: utkast
team:
  - {name: Kari Berg, title: seniorrådgiver}
text:
  summary: Kontoret gjør mye riktig.
"""


@pytest.fixture
def draft_round(round_builder):
    """NAV A's draft, sent 2026-03-01, had three findings:

    V-01 avvik   K-AAAAA2 ikke oppfylt
    V-02 merknad K-AAAAA1 ikke oppfylt
    A-02 avvik   K-AAAAA1 delvis
    """
    b = round_builder
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja", "V-02": "nei", "A-02": "delvis"}, har_barn=True)
    b.case("nav-a", "K-AAAAA2", {"V-01": "nei", "V-02": "ja", "A-01": "ja"}, status="avsluttet")
    b.case("nav-a", "K-AAAAA3", {"V-01": "ja", "V-02": "ja"})
    b.write("nav-a/rapport.yaml", REPORT)
    result = run("step", "runde", "nav-a", "utkast-sendt", "--date", "2026-03-01")
    assert result.exit_code == 0, result.output
    return b


DRAFT_FILE = """\
# Skrevet av kvp-audit da utkastet ble sendt. Ikke rediger denne filen.
sent: 2026-03-01
findings:
  - id: "test-2026/nav-a/V-01"
    kind: avvik
    criterion: "V-01"
    question: "Er det fattet vedtak?"
    cases: {K-AAAAA2: ikke oppfylt}
  - id: "test-2026/nav-a/V-02"
    kind: merknad
    criterion: "V-02"
    question: "Er vedtaket begrunnet?"
    cases: {K-AAAAA1: ikke oppfylt}
  - id: "test-2026/nav-a/A-02"
    kind: avvik
    criterion: "A-02"
    question: "Er barnas behov vurdert?"
    cases: {K-AAAAA1: delvis}
"""


def test_utkast_sendt_freezes_the_drafts_findings(draft_round):
    path = draft_round.root / "nav-a" / "utkast-sendt.yaml"
    assert path.read_text(encoding="utf-8") == DRAFT_FILE
    from kvp_audit.load import load_round

    data = load_round(draft_round.root)
    assert not data.errors
    assert [f.criterion for f in data.drafts["nav-a"].findings] == ["V-01", "V-02", "A-02"]
    # the record is reserved: never read as a case
    assert [c.case for c in data.cases["nav-a"]] == ["K-AAAAA1", "K-AAAAA2", "K-AAAAA3"]


def test_freezing_again_needs_again_and_keeps_the_latest(draft_round):
    path = draft_round.root / "nav-a" / "utkast-sendt.yaml"
    result = run("step", "runde", "nav-a", "utkast-sendt", "--date", "2026-03-05")
    assert result.exit_code == 2
    assert "course.draft_sent: utkast sendt er allerede registrert (2026-03-01)" in result.output
    assert path.read_text(encoding="utf-8") == DRAFT_FILE
    draft_round.case("nav-a", "K-AAAAA3", {"V-01": "nei", "V-02": "ja"})
    result = run("step", "runde", "nav-a", "utkast-sendt", "--date", "2026-03-05", "--again")
    assert result.exit_code == 0, result.output
    assert ("runde/nav-a/utkast-sendt.yaml er skrevet på nytt: den har nå det siste utkastet\n") in result.output
    text = path.read_text(encoding="utf-8")
    assert "sent: 2026-03-05\n" in text and "cases: {K-AAAAA2: ikke oppfylt, K-AAAAA3: ikke oppfylt}" in text


def test_a_round_with_errors_is_not_frozen(draft_round):
    draft_round.case("nav-b", "K-BBBBB1", {"V-01": "kanskje"})
    report = draft_round.root / "nav-b" / "rapport.yaml"
    result = run("step", "runde", "nav-b", "utkast-sendt", "--date", "2026-03-01")
    assert result.exit_code == 2
    assert "kvp-audit: runden har 1 feil; rett den (se 'kvp-audit validate') før utkastet låses" in result.output
    assert not report.exists() and not (draft_round.root / "nav-b" / "utkast-sendt.yaml").exists()


def _final(draft_round, reasons: str = "") -> None:
    """After the office's comments: V-02 was met after all (now met in all three cases: god praksis),
    V-01 only partly failed in K-AAAAA2, A-01 is a new avvik (K-AAAAA3 had closed without a decision)."""
    b = draft_round
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja", "V-02": "ja", "A-02": "delvis"}, har_barn=True)
    b.case("nav-a", "K-AAAAA2", {"V-01": "delvis", "V-02": "ja", "A-01": "ja"}, status="avsluttet")
    b.case("nav-a", "K-AAAAA3", {"V-01": "ja", "V-02": "ja", "A-01": "nei"}, status="avsluttet")
    path = b.root / "nav-a" / "rapport.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "draft_review:\n"
                    "  comments: |\n    Kontoret viser til at vedtaket i K-AAAAA1 var begrunnet i et eget notat.\n"
                    + reasons, encoding="utf-8")
    assert run("step", "runde", "nav-a", "merknader-mottatt", "--date", "2026-03-15").exit_code == 0
    assert run("step", "runde", "nav-a", "endelig-sendt", "--date", "2026-03-25").exit_code == 0


REASONS = """\
  changes:
    V-02: Kontoret la fram notatet med begrunnelsen.
    V-01: Vedtaket i K-AAAAA2 var fattet, men uten **klageopplysning**.
"""


def test_the_final_report_lists_the_changes_from_the_draft(draft_round):
    _final(draft_round, REASONS)
    assert run("report", "runde", "--out", "ut", "--office", "nav-a", "--format", "html,md").exit_code == 0
    html = Path("ut/nav-a.html").read_text(encoding="utf-8")
    start = html.index('<section class="draft-changes"')
    section = html[start:html.index("</section>", start) + len("</section>")]
    assert section == (
        '<section class="draft-changes" aria-labelledby="endringer">\n'
        '<h2 id="endringer">Endringer fra utkastet</h2>\n'
        '<p>Utkastet til rapport ble sendt kontoret 1. mars 2026. Kontorets merknader kom 15. mars 2026.</p>\n'
        '<h3>Kontorets merknader til utkastet</h3>\n'
        '<p>Kontoret viser til at vedtaket i K-AAAAA1 var begrunnet i et eget notat.</p>\n'
        '<h3>Endrede funn</h3>\n'
        '<p>3 funn er endret fra utkastet.</p>\n'
        '<table class="t-changes">\n'
        '  <caption>Funn som er endret fra utkastet (3)</caption>\n'
        '  <thead><tr><th scope="col">Funn</th><th scope="col">Endring</th><th scope="col">Teamets begrunnelse</th>'
        '</tr></thead>\n'
        '  <tbody>\n'
        '    <tr><th scope="row"><span>V-01: Er det fattet vedtak?</span></th><td>endret: saker: K-AAAAA2 (ikke '
        'oppfylt) → K-AAAAA2 (delvis oppfylt)</td><td>Vedtaket i K-AAAAA2 var fattet, men uten '
        '<strong>klageopplysning</strong>.</td></tr>\n'
        '    <tr><th scope="row"><span>V-02: Er vedtaket begrunnet?</span></th><td>endret: merknad → god praksis</td>'
        '<td>Kontoret la fram notatet med begrunnelsen.</td></tr>\n'
        '    <tr><th scope="row"><span>A-01: Finnes avslutningsvedtak?</span></th><td>nytt funn: avvik; saker: '
        'K-AAAAA3 (ikke oppfylt)</td><td>–</td></tr>\n'
        '  </tbody>\n'
        '</table>\n'
        '</section>')
    # after the findings, before the closing of the letter
    assert html.index('id="funn"') < start < html.index('id="brev-konklusjon"')
    md = Path("ut/nav-a.md").read_text(encoding="utf-8")
    start = md.index("## Endringer fra utkastet")
    assert md[start:md.index("\n## ", start) + 1] == (
        "## Endringer fra utkastet\n\n"
        "Utkastet til rapport ble sendt kontoret 1. mars 2026. Kontorets merknader kom 15. mars 2026.\n\n"
        "### Kontorets merknader til utkastet\n\n"
        "Kontoret viser til at vedtaket i K-AAAAA1 var begrunnet i et eget notat.\n\n"
        "### Endrede funn\n\n"
        "3 funn er endret fra utkastet.\n\n"
        "**V-01: Er det fattet vedtak?** – endret: saker: K-AAAAA2 (ikke oppfylt) → K-AAAAA2 (delvis oppfylt)\n\n"
        "Teamets begrunnelse: Vedtaket i K-AAAAA2 var fattet, men uten **klageopplysning**.\n\n"
        "**V-02: Er vedtaket begrunnet?** – endret: merknad → god praksis\n\n"
        "Teamets begrunnelse: Kontoret la fram notatet med begrunnelsen.\n\n"
        "**A-01: Finnes avslutningsvedtak?** – nytt funn: avvik; saker: K-AAAAA3 (ikke oppfylt)\n\n")
    # the same headings in the same order in HTML and Markdown
    html_heads = re.findall(r"<h([1-4])[^>]*>(.*?)</h\1>", html)
    md_heads = re.findall(r"^(#{1,4}) (.*)$", md, flags=re.M)
    assert [(int(level), re.sub(r"<[^>]+>", "", text)) for level, text in html_heads] == \
        [(len(level), text.replace("\\", "")) for level, text in md_heads]
    assert contradictions(re.sub(r"<[^>]+>", " ", section)) == []


def test_a_change_without_a_reason_is_a_validate_warning(draft_round):
    _final(draft_round, REASONS + "    A-02: Uendret, men nevnt.\n")
    result = run("validate", "runde")
    assert result.exit_code == 0, result.output
    assert ("runde/nav-a/rapport.yaml:13:3: advarsel: draft_review.changes.A-01: funnet A-01 er lagt til siden "
            "utkastet, uten begrunnelse\n    Gjør slik: skriv teamets begrunnelse under draft_review.changes.A-01 "
            "i rapport.yaml; den står i den endelige rapporten") in result.output
    assert ("runde/nav-a/rapport.yaml:16:5: advarsel: draft_review.changes.A-02: funnet A-02 er ikke endret siden "
            "utkastet") in result.output
    assert run("validate", "runde", "--strict").exit_code == 1


def test_no_changes_says_so(draft_round):
    for step, date in (("merknader-mottatt", "2026-03-10"), ("endelig-sendt", "2026-03-20")):
        assert run("step", "runde", "nav-a", step, "--date", date).exit_code == 0
    assert run("report", "runde", "--out", "ut", "--office", "nav-a", "--format", "md").exit_code == 0
    md = Path("ut/nav-a.md").read_text(encoding="utf-8")
    assert ("## Endringer fra utkastet\n\nUtkastet til rapport ble sendt kontoret 1. mars 2026. Kontorets merknader "
            "kom 10. mars 2026. Funnene er de samme som i utkastet.\n\n") in md
    assert "Endrede funn" not in md  # no heading over one sentence
    output = run("validate", "runde").output  # (the fixture's half-answered cases get completeness warnings)
    assert "draft_review" not in output and "utkast" not in output


def test_a_draft_shows_no_change_list_and_reports_as_before(draft_round, tmp_path):
    """A course and a frozen draft change nothing in a report that is still a draft."""
    assert run("report", "runde", "--out", "med", "--office", "nav-a", "--format", "html,md").exit_code == 0
    (draft_round.root / "nav-a" / "utkast-sendt.yaml").unlink()
    draft_round.write("nav-a/rapport.yaml", REPORT)
    assert run("report", "runde", "--out", "uten", "--office", "nav-a", "--format", "html,md").exit_code == 0
    for name in ("nav-a.html", "nav-a.md"):
        assert Path("med", name).read_bytes() == Path("uten", name).read_bytes()
    assert "Endringer fra utkastet" not in Path("med/nav-a.html").read_text(encoding="utf-8")


def test_a_final_report_without_a_frozen_draft_has_no_change_list(round_builder):
    round_builder.case("nav-a", "K-AAAAA1", {"V-01": "nei"})
    round_builder.write("nav-a/rapport.yaml", "status: endelig\n")
    assert run("report", "runde", "--out", "ut", "--office", "nav-a", "--format", "html").exit_code == 0
    assert "Endringer fra utkastet" not in Path("ut/nav-a.html").read_text(encoding="utf-8")


def test_a_course_without_a_frozen_draft_changes_no_byte_of_a_final_report(round_builder):
    round_builder.case("nav-a", "K-AAAAA1", {"V-01": "nei", "V-02": "ja"})
    round_builder.write("nav-a/rapport.yaml", "status: endelig\ndate: 2026-03-01\n")
    assert run("report", "runde", "--out", "uten", "--office", "nav-a", "--format", "html,md").exit_code == 0
    round_builder.write("nav-a/rapport.yaml", "status: endelig\ndate: 2026-03-01\n"
                        "course: {notice_sent: 2026-01-10, final_sent: 2026-03-01}\n"
                        "draft_review: {comments: Ingen merknader.}\n")
    assert run("report", "runde", "--out", "med", "--office", "nav-a", "--format", "html,md").exit_code == 0
    for name in ("nav-a.html", "nav-a.md"):
        assert Path("med", name).read_bytes() == Path("uten", name).read_bytes()
