"""The office report's figures and findings as an audit lead reads them: every percentage is
the share of the count beside it, avvik are split into ikke oppfylt and delvis, god praksis
follows its rule, and the Markdown report has the HTML report's sections."""

from __future__ import annotations

import html as htmllib
import re
import shutil
from pathlib import Path

import pytest

from figurerule import contradictions, figures
from kvp_audit.load import load_round
from kvp_audit.report import build_reports
from kvp_audit.scoring import score_round

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
ROUNDS = ("2022", "2024", "2026")


# --------------------------------------------------------------------------- the checker itself


def test_checker_finds_a_percentage_that_is_not_the_share_of_its_count():
    text = "<td>90\xa0% (4 av 5 saker)</td><td>80&nbsp;% (4 av 5 saker)</td> 99 % (29 av 30 vurderingar)"
    assert contradictions(text) == ["90 % (4 av 5 saker)", "99 % (29 av 30 vurderingar)"]
    assert [f[1:] for f in figures(text)] == [(90, 4, 5), (80, 4, 5), (99, 29, 30)]
    assert contradictions("97% (29 of 30 assessments); 90% (28 of 30 assessments)") == [
        "90% (28 of 30 assessments)"]
    # a percentage with no count beside it, or a count with no percentage, is not checked
    assert contradictions("Resultat 88 %. Oppfylt i 4 av 5 saker.") == []


# --------------------------------------------------------------------------- the example rounds


@pytest.fixture(scope="module")
def example_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("eksempler")
    for year in ROUNDS:
        build_reports(EXAMPLES / year, out / year, ["html", "md"])
    return out


def _reports(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".html", ".md"))


@pytest.mark.parametrize("year", ROUNDS)
def test_every_percentage_in_the_example_reports_is_the_share_of_its_count(example_out, year):
    checked = 0
    for path in _reports(example_out / year):
        text = path.read_text(encoding="utf-8")
        assert contradictions(text) == [], path.name
        checked += len(figures(text))
    assert checked > 200  # the rule was tried, not passed for want of figures


def _html_headings(text: str) -> list[str]:
    found = re.findall(r"<h([1-3])[^>]*>(.*?)</h\1>", text, re.S)
    return [f"h{level} " + re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", "", inner))).strip()
            for level, inner in found]


def _md_headings(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        m = re.match(r"(#{1,3}) (.*)", line)
        if m:
            heading = re.sub(r"\\(.)", r"\1", htmllib.unescape(m.group(2))).strip()
            out.append(f"h{len(m.group(1))} {heading}")
    return out


@pytest.mark.parametrize("year", ROUNDS)
def test_markdown_reports_have_the_html_reports_headings(example_out, year):
    pages = [p for p in _reports(example_out / year) if p.suffix == ".html"]
    assert len(pages) >= 9  # every office and the summary
    for page in pages:
        html_headings = _html_headings(page.read_text(encoding="utf-8"))
        md_headings = _md_headings(page.with_suffix(".md").read_text(encoding="utf-8"))
        assert html_headings == md_headings, page.name
        assert len(html_headings) >= 5, page.name


def test_office_report_sections_come_in_the_letter_order(example_out):
    page = (example_out / "2026" / "nav-strandvik.html").read_text(encoding="utf-8")
    sections = [h for h in _html_headings(page) if h.startswith(("h1", "h2"))]
    # DESIGN12 section 3: cover, the team's summary, the visit and the sample, results, findings,
    # (a final report: the changes from the draft), the previous round's findings, the office
    # review, conclusion, appendix A, appendix B
    assert sections == [
        "h1 Rapport fra kvalitetsinnsyn i kvalifiseringsprogrammet: NAV Strandvik",
        "h2 Sammendrag", "h2 Om besøket og utvalget",
        "h2 Resultat per tema", "h2 Funn",
        "h2 Endringer fra utkastet",  # issue 14: the final report's changes from the draft as sent
        "h2 Funn fra forrige runde", "h2 Kontorvurderingen",
        "h2 Konklusjon", "h2 Vedlegg A: Kriterier og saker", "h2 Vedlegg B: Metode og beregning"]
    # a round without rapport.yaml (and here with no findings carried) has the same order without them
    old = (example_out / "2024" / "nav-strandvik.html").read_text(encoding="utf-8")
    assert [h for h in _html_headings(old) if h.startswith("h2")] == [
        "h2 Resultat per tema", "h2 Funn", "h2 Kontorvurderingen",
        "h2 Vedlegg A: Kriterier og saker", "h2 Vedlegg B: Metode og beregning"]
    md = (example_out / "2026" / "nav-strandvik.md").read_text(encoding="utf-8")
    # the Markdown has the report date, the office review and the criterion x case table
    assert "- **Rapportdato:** 20. mars 2026\n" in md  # the date in rapport.yaml
    assert "| KR-01: Har kontoret skriftlige rutiner for kvalifiseringsprogrammet? | nei |" in md
    assert "| Kriterium | K-0Q4QKD | K-KEQ5XT | K-QEHNCQ | K-TYYN02 | K-Y19M81 | Oppfylt, saker |\n" in md


def test_the_weighted_score_is_shown_only_as_resultat_and_the_appendix_says_how(example_out):
    page = (example_out / "2026" / "nav-strandvik.html").read_text(encoding="utf-8")
    # Søknad og vedtak: 29 of 30 met (97 %); weighted with delvis as half: 99 %
    assert ('<tr><th scope="row">Søknad og vedtak</th><td>97\xa0% (29 av 30 vurderinger)</td>'
            '<td class="num">99\xa0%</td>') in page
    assert '<th scope="col">Resultat</th>' in page
    assert "Resultatet er et vektet gjennomsnitt der ja teller 1, delvis 0,5 og nei 0" in page
    # an office with fewer than five cases has no result column (no percentages at all)
    small = (example_out / "2022" / "nav-elvestad.html").read_text(encoding="utf-8")
    assert '<th scope="col">Resultat</th>' not in small
    # the county summary shows no result: its appendix says how counts and avvik are made, not results
    summary = (example_out / "2026" / "oppsummering.html").read_text(encoding="utf-8")
    assert '<h2 id="metode">Vedlegg: Metode og beregning</h2>' in summary
    assert "Prosenten ved siden av et antall er andelen av det antallet" in summary
    assert "resultat" not in summary.split('id="metode"')[0].lower()


def test_god_praksis_is_a_compact_list_with_its_rule_and_never_an_office_criterion(example_out):
    data = load_round(EXAMPLES / "2026")
    scores = score_round(data)
    office_ids = set(data.office_checklist.criterion_map())
    for office in data.round.offices:
        s = scores.offices[office.id]
        good = s.findings_of("god praksis")
        assert not [f.criterion for f in good if f.criterion in office_ids], office.id
        for f in good:
            assert f.tally.met == f.tally.counted and f.tally.n_cases >= 2, (office.id, f.criterion)
        # every criterion met wherever it applied in two cases or more is god praksis
        expected = {cid for cid, t in s.by_criterion.items() if t.counted and t.met == t.counted and t.n_cases >= 2}
        assert {f.criterion for f in good} == expected, office.id
    page = (example_out / "2026" / "nav-strandvik.html").read_text(encoding="utf-8")
    assert ("God praksis er et kriterium som var oppfylt i alle sakene der det gjaldt, og som ble vurdert i "
            "minst 2 saker. Kriteriene i kontorvurderingen vurderes én gang per kontor og blir derfor aldri "
            "god praksis.") in page
    assert "<li>SV-01: Er søknaden registrert med dato, slik at saksbehandlingstiden kan følges?</li>" in page


def test_an_office_level_avvik_says_whether_the_office_met_it_partly(example_out):
    page = (example_out / "2022" / "nav-elvestad.html").read_text(encoding="utf-8")
    start = page.index('aria-labelledby="KR-01-a"')
    section = page[start:page.index("</section>", start)]
    assert "<p>Gjelder kontoret: delvis oppfylt.</p>" in section
    assert "<p><strong>Kommentar:</strong> <span>Rutinene er fra 2019 og viser ikke til gjeldende rundskriv.</span></p>" in section


# --------------------------------------------------------------------------- a hand-made round


@pytest.fixture
def five_cases(round_builder):
    """NAV A, five cases. V-01 (krav, weight 2): ja, ja, delvis, delvis, nei -> 2 of 5 met (40 %),
    weighted (1 + 1 + 0.5 + 0.5 + 0) / 5 = 60 %. Theme Søknad og vedtak with V-02: 7 of 10 met (70 %),
    weighted (6 + 5) / 15 = 73 %.
    V-02 (anbefaling): ja everywhere -> god praksis. A-02 (krav): delvis in the one case with children.
    K-AAAAA1's V-01 comment is on a case that met it: not under the finding, in appendix A."""
    b = round_builder
    b.case("nav-a", "K-AAAAA1", {"V-01": '{answer: ja, comment: "Vedtaket er fint."}', "V-02": "ja"})
    b.case("nav-a", "K-AAAAA2", {"V-01": "ja", "V-02": "ja"})
    b.case("nav-a", "K-AAAAA3", {"V-01": "delvis", "V-02": "ja"})
    b.case("nav-a", "K-AAAAA4", {"V-01": '{answer: delvis, comment: "Vedtaket mangler dato."}', "V-02": "ja",
                                 "A-02": "delvis"}, har_barn=True)
    b.case("nav-a", "K-AAAAA5", {"V-01": '{answer: nei, comment: "Ingen vedtak i mappen."}', "V-02": "ja"})
    b.case("nav-b", "K-BBBBB1", {"V-01": "ja", "V-02": "ja"})
    return b


def _section(page: str, anchor: str) -> str:
    start = page.index(f'aria-labelledby="{anchor}"')
    return page[start:page.index("</section>", start)]


def test_hand_made_round_obeys_the_figure_rule_in_every_language(five_cases):
    for lang in ("nb", "nn", "en"):
        build_reports(Path("runde"), Path("ut"), ["html", "md"], lang=lang)
    pages = sorted(Path("ut").glob("*.*"))
    assert len([p for p in pages if p.suffix in (".html", ".md")]) == 18
    for path in pages:
        if path.suffix in (".html", ".md"):
            assert contradictions(path.read_text(encoding="utf-8")) == [], path.name
    nb = Path("ut/nav-a.html").read_text(encoding="utf-8")
    assert "Oppfylt i 40\xa0% (2 av 5 saker)." in _section(nb, "V-01-a")
    assert "40\xa0% (2 av 5 saker)" in Path("ut/nav-a.nn.md").read_text(encoding="utf-8")
    assert "Met in 40% (2 of 5 cases)." in Path("ut/nav-a.en.html").read_text(encoding="utf-8")
    # the weighted score is the theme's "Resultat" only, never beside a count
    assert ('<tr><th scope="row">Søknad og vedtak</th><td>70\xa0% (7 av 10 vurderinger)</td>'
            '<td class="num">73\xa0%</td>') in nb
    assert "60\xa0%" not in nb  # V-01's weighted score is not printed


def test_avvik_show_each_failing_case_as_ikke_oppfylt_or_delvis_with_only_its_comments(five_cases):
    build_reports(Path("runde"), Path("ut"), ["html", "md"])
    page = Path("ut/nav-a.html").read_text(encoding="utf-8")
    # V-01 has a nei: ikke oppfylt; A-02 only delvis
    assert "<h3>Avvik (2): 1 ikke oppfylt, 1 delvis oppfylt</h3>" in page
    v01 = _section(page, "V-01-a")
    assert "<strong>Saker:</strong> K-AAAAA3: delvis oppfylt; K-AAAAA4: delvis oppfylt; K-AAAAA5: ikke oppfylt." in v01
    assert "<li>K-AAAAA4: <span>Vedtaket mangler dato.</span></li>" in v01
    assert "<li>K-AAAAA5: <span>Ingen vedtak i mappen.</span></li>" in v01
    assert "Vedtaket er fint." not in v01
    # the comment of the case that met it is kept, in appendix A
    appendix = page[page.index('id="saker"'):page.index('id="metode"')]
    assert "<li>V-01, K-AAAAA1: <span>Vedtaket er fint.</span></li>" in appendix
    assert "<strong>Saker:</strong> K-AAAAA4: delvis oppfylt. Oppfylt i 0 av 1 sak." in _section(page, "A-02-a")
    md = Path("ut/nav-a.md").read_text(encoding="utf-8")
    assert ("- **Saker:** K-AAAAA3: delvis oppfylt; K-AAAAA4: delvis oppfylt; K-AAAAA5: ikke oppfylt. "
            "Oppfylt i 40\xa0% (2 av 5 saker).\n"
            "- **Anbefaling:** Fatt skriftlig vedtak.\n"
            "- **Kommentarer fra sakene som ikke oppfylte kriteriet:**\n"
            "  - K-AAAAA4: Vedtaket mangler dato.\n"
            "  - K-AAAAA5: Ingen vedtak i mappen.\n") in md
    assert "- V-01, K-AAAAA1: Vedtaket er fint.\n" in md
    # V-02 met in all five cases is god praksis, listed by id and question only
    assert "<h3>God praksis (1)</h3>" in page
    assert "<li>V-02: Er vedtaket begrunnet?</li>" in page
    # NAV B: everything met, but in one case only: no avvik and no god praksis
    page_b = Path("ut/nav-b.html").read_text(encoding="utf-8")
    assert "<h3>Avvik (0)</h3>" in page_b and "<h3>God praksis (0)</h3>" in page_b


# --------------------------------------------------------------------------- the office review


@pytest.fixture
def round_2026(tmp_path):
    target = tmp_path / "fylke"
    shutil.copytree(EXAMPLES, target)
    return target / "2026"


def test_office_review_not_done_is_said_in_one_sentence(round_2026):
    (round_2026 / "nav-strandvik" / "kontor.yaml").unlink()
    blank = round_2026 / "nav-lia" / "kontor.yaml"
    text = blank.read_text(encoding="utf-8")
    head = text[:text.index("answers:")]
    blank.write_text(head.replace('note: "Fiktive eksempeldata: ingen virkelige personer, saker eller kontorer."',
                                  'note: "Kontoret ba om å utsette samtalen."') + "answers: {}\n", encoding="utf-8")
    build_reports(round_2026, Path("ut"), ["html", "md"], office="nav-strandvik")
    build_reports(round_2026, Path("ut"), ["html", "md"], office="nav-lia")
    for name in ("nav-strandvik", "nav-lia"):
        page = Path(f"ut/{name}.html").read_text(encoding="utf-8")
        review = page[page.index('id="kontoret"'):page.index('id="saker"')]
        assert "<p>Kontorvurderingen ble ikke gjort i denne runden.</p>" in review, name
        assert "<table" not in review and "–" not in review, name
        md = Path(f"ut/{name}.md").read_text(encoding="utf-8")
        assert "## Kontorvurderingen\n\nKontorvurderingen ble ikke gjort i denne runden.\n" in md
    # the team's note is shown, also when the review was not done
    lia = Path("ut/nav-lia.html").read_text(encoding="utf-8")
    assert "<p>Kontoret ba om å utsette samtalen.</p>" in lia
    assert "Kontoret ba om å utsette samtalen." in Path("ut/nav-lia.md").read_text(encoding="utf-8")


def test_office_review_shows_the_teams_note(example_out):
    page = (example_out / "2026" / "nav-strandvik.html").read_text(encoding="utf-8")
    review = page[page.index('id="kontoret"'):page.index('id="saker"')]
    assert "<p>Vi møtte: leder, KVP-veileder, veileder.</p>" in review
    assert ('<div class="note-text"><p>Fiktive eksempeldata: ingen virkelige personer, saker eller kontorer.</p>'
            '</div>') in review


def test_a_theme_without_assessments_says_so_in_the_chart_where_its_bar_would_be():
    from kvp_audit.present import tally_view
    from kvp_audit.report.charts import theme_chart
    from kvp_audit.scoring import Tally

    met = Tally(met=4, not_met=1)
    themes = [{"id": "a", "title": "Søknad og vedtak", "office": tally_view(Tally(), "vurderinger"),
               "county": tally_view(met, "vurderinger"), "previous": tally_view(None, "vurderinger")}]
    svg = str(theme_chart(themes, "nb")["svg"])
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert texts[-3:] == ["ingen vurdert", "4 av 5 vurderinger", "ikke med"]
    assert "Kontoret: ingen vurdert; Fylket: 4 av 5 vurderinger; Forrige runde: ikke med" in svg
