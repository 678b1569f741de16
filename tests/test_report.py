"""Reports: what an office and the county read, checked against hand-worked rounds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit.cli import main
from kvp_audit.report import MANIFEST, build_reports

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_2026 = REPO / "examples" / "fiktivfylke" / "2026"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def hand_round(round_builder):
    """NAV A: three cases worked by hand; NAV B: one case with everything met.

    V-01 (krav, weight 2): ja, nei, ja          -> avvik, found in K-AAAAA2, 2 av 3 saker
    V-02 (anbefaling):     nei, ja, ja          -> merknad, found in K-AAAAA1, 2 av 3 saker
    A-01 (krav, closed):   i.a., ja, i.a.       -> met in its one case: not god praksis (needs two)
    A-02 (krav, children): delvis, i.a., i.a.   -> avvik (delvis fails a krav), 0 av 1 sak
    Theme "Søknad og vedtak" for NAV A: 4 of 6 assessments met; the county adds NAV B's 2.
    """
    b = round_builder
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja", "V-02": "nei", "A-02": "delvis"}, har_barn=True)
    b.case("nav-a", "K-AAAAA2", {"V-01": "nei", "V-02": "ja", "A-01": "ja"}, status="avsluttet")
    b.case("nav-a", "K-AAAAA3", {"V-01": "ja", "V-02": "ja"})
    b.case("nav-b", "K-BBBBB1", {"V-01": "ja", "V-02": "ja"})
    return b


def _section(html: str, anchor: str) -> str:
    """The text of one finding's <section>, found by its heading id."""
    start = html.index(f'aria-labelledby="{anchor}"')
    return html[start:html.index("</section>", start)]


# --------------------------------------------------------------------------- content


def test_office_report_findings_hand_worked(hand_round):
    result = run("report", "runde", "--out", "ut")
    assert result.exit_code == 0, result.output
    html = Path("ut/nav-a.html").read_text(encoding="utf-8")
    assert "<h3>Avvik (2): 1 ikke oppfylt, 1 delvis oppfylt</h3>" in html
    v01 = _section(html, "V-01-a")
    assert "<strong>Rettslig grunnlag:</strong> sotjl. § 41" in v01
    assert "<strong>Saker:</strong> K-AAAAA2: ikke oppfylt. Oppfylt i 2 av 3 saker." in v01
    assert "Fatt skriftlig vedtak." in v01
    assert "Funn-id: test-2026/nav-a/V-01" in v01
    a02 = _section(html, "A-02-a")
    assert "forskrift om kvalifiseringsprogram § 1" in a02
    assert "<strong>Saker:</strong> K-AAAAA1: delvis oppfylt. Oppfylt i 0 av 1 sak." in a02
    assert "<h3>Merknader (1): 1 ikke oppfylt, 0 delvis oppfylt</h3>" in html
    assert "Begrunn vedtaket." in _section(html, "V-02-m")
    # A-01 was met in the one case where it applied: too few for god praksis
    assert "<h3>God praksis (0)</h3>" in html
    assert "<p>Ingen kriterier oppfyller regelen for god praksis.</p>" in html
    # the theme summary: office next to the county, counts of assessments
    assert ('<tr><th scope="row">Søknad og vedtak</th><td>4 av 6 vurderinger</td>'
            '<td>6 av 8 vurderinger</td></tr>') in html
    # the criterion x case table shows not-applicable as such
    assert ('<tr><th scope="row">A-01: Finnes avslutningsvedtak?</th><td class="ikke_aktuelt">i.a.</td>'
            '<td class="oppfylt">ja</td><td class="ikke_aktuelt">i.a.</td><td class="num">1 av 1</td></tr>') in html
    # the office with everything met has no avvik
    html_b = Path("ut/nav-b.html").read_text(encoding="utf-8")
    assert "<h3>Avvik (0)</h3>" in html_b


def test_markdown_report_has_the_same_findings(hand_round):
    assert run("report", "runde", "--out", "ut", "--format", "md").exit_code == 0
    md = Path("ut/nav-a.md").read_text(encoding="utf-8")
    assert ("### Avvik (2): 1 ikke oppfylt, 1 delvis oppfylt\n\n" in md
            and "#### V-01: Er det fattet vedtak?\n\n- **Rettslig grunnlag:** sotjl. § 41\n" in md)
    assert "- **Saker:** K-AAAAA2: ikke oppfylt. Oppfylt i 2 av 3 saker.\n" in md
    assert "| Søknad og vedtak | 4 av 6 vurderinger | 6 av 8 vurderinger |" in md
    assert not Path("ut/nav-a.html").exists()


def test_fewer_than_five_cases_show_counts_not_percentages(hand_round):
    assert run("report", "runde", "--out", "ut").exit_code == 0
    for name in ("nav-a.html", "nav-a.md", "oppsummering.html"):
        text = Path("ut", name).read_text(encoding="utf-8")
        text = re.sub(r"<[^>]+>", " ", text.split("<main>", 1)[-1])  # the text, not the markup
        assert not re.search(r"\d\s?%", text), name


def test_five_cases_show_a_percentage_next_to_the_count(round_builder):
    for i in range(5):
        round_builder.case("nav-a", f"K-CCCCC{i}", {"V-01": "ja", "V-02": "nei" if i == 0 else "ja"})
    assert run("report", "runde", "--out", "ut", "--office", "nav-a").exit_code == 0
    html = Path("ut/nav-a.html").read_text(encoding="utf-8")
    # V-02 met in 4 of 5 cases: from five cases the share is shown, with the count beside it
    assert "80\xa0% (4 av 5 saker)" in html or "80 % (4 av 5 saker)" in html


def test_comments_are_sanitised(round_builder):
    round_builder.case("nav-a", "K-AAAAA1", {"V-01": "ja", "V-02": {
        "answer": "nei",
        "comment": "Bra **fet** <script>alert(1)</script> ![bilde](https://evil.example/x.png) "
                   "<img src=https://evil.example/y.png> [lenke](javascript:alert(2)) &lt;script&gt;x"}})
    assert run("report", "runde", "--out", "ut").exit_code == 0
    html = Path("ut/nav-a.html").read_text(encoding="utf-8")
    md = Path("ut/nav-a.md").read_text(encoding="utf-8")
    assert "<strong>fet</strong>" in html
    for text in (html, md):
        assert "<script" not in text and "alert(1)" not in text
        assert "evil.example" not in text
        assert "javascript:" not in text


def test_html_is_self_contained(hand_round):
    assert run("report", "runde", "--out", "ut").exit_code == 0
    for path in Path("ut").glob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html
        assert "<link" not in html
        assert not re.search(r'\bsrc="', html)
        assert '<html lang="nb">' in html


def test_headings_do_not_skip_levels(hand_round):
    assert run("report", "runde", "--out", "ut").exit_code == 0
    for path in Path("ut").glob("*.html"):
        levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", path.read_text(encoding="utf-8"))]
        assert levels[0] == 1
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{path.name}: h{before} followed by h{after}"


def test_office_with_no_cases_and_no_office_review(round_builder):
    round_builder.case("nav-a", "K-AAAAA1", {"V-01": "ja"})
    result = run("report", "runde", "--out", "ut")
    assert result.exit_code == 0, result.output
    html = Path("ut/nav-b.html").read_text(encoding="utf-8")
    assert "<dt>Saker gjennomgått</dt><dd>0</dd>" in html
    assert "<p>Kontorvurderingen ble ikke gjort i denne runden.</p>" in html
    summary = Path("ut/oppsummering.html").read_text(encoding="utf-8")
    assert "NAV B" in summary


def test_round_with_one_office(round_builder):
    round_builder.write("runde.yaml", """\
        id: en-2026
        name: Ett kontor
        county: Fiktivfylke
        period: {start: 2026-01-01, end: 2026-06-30}
        checklists: {case: mini-sak@1.0}
        offices: [{id: nav-a, name: NAV A}]
        """)
    shutil.rmtree(round_builder.root / "nav-b")
    round_builder.case("nav-a", "K-AAAAA1", {"V-01": "nei", "V-02": "ja"})
    assert run("report", "runde", "--out", "ut").exit_code == 0
    assert sorted(p.name for p in Path("ut").iterdir()) == [
        MANIFEST, "nav-a.html", "nav-a.md", "oppsummering.html", "oppsummering.md"]


def test_criterion_without_recommendation_still_reports(round_builder):
    text = (round_builder.root / "checklists" / "mini-sak.yaml").read_text(encoding="utf-8")
    text = text.replace("        recommendation: Fatt skriftlig vedtak.\n", "")
    (round_builder.root / "checklists" / "mini-sak.yaml").write_text(text, encoding="utf-8")
    round_builder.case("nav-a", "K-AAAAA1", {"V-01": "nei"})
    result = run("report", "runde", "--out", "ut")
    assert result.exit_code == 0, result.output
    v01 = _section(Path("ut/nav-a.html").read_text(encoding="utf-8"), "V-01-a")
    assert "sotjl. § 41" in v01
    assert "Anbefaling:" not in v01


def test_unknown_office_suggests_the_near_name(hand_round):
    result = run("report", "runde", "--office", "nav-aa")
    assert result.exit_code == 2
    assert "kvp-audit: kontoret 'nav-aa' er ikke med i runden; mente du 'nav-a'?" in result.output


def test_round_with_errors_writes_no_report(hand_round):
    hand_round.case("nav-a", "K-AAAAA4", {"V-01": "kanskje"})
    result = run("report", "runde", "--out", "ut")
    assert result.exit_code == 2
    assert "runden har 1 feil; rett den (se 'kvp-audit validate') før rapportene lages" in result.output
    assert not Path("ut").exists()


# --------------------------------------------------------------------------- languages


def test_nynorsk_and_english_differ_in_fixed_text(hand_round):
    for lang in ("nb", "nn", "en"):
        assert run("report", "runde", "--out", "ut", "--lang", lang, "--office", "nav-a").exit_code == 0
    nb = Path("ut/nav-a.html").read_text(encoding="utf-8")
    nn = Path("ut/nav-a.nn.html").read_text(encoding="utf-8")
    en = Path("ut/nav-a.en.html").read_text(encoding="utf-8")
    assert '<html lang="nn">' in nn and '<html lang="en">' in en
    assert "Rapport fra kvalitetsinnsyn" in nb
    assert "Rapport frå kvalitetsinnsyn" in nn
    assert "<h3>Avvik (2): 1 ikkje oppfylt, 1 delvis oppfylt</h3>" in nn
    assert "Findings" in en and "<h3>Breaches (2): 1 not met, 1 partly met</h3>" in en
    # dates in the report's language, checklist text as written
    assert "1. februar 2026" in nb and "1 February 2026" in en
    assert "Er det fattet vedtak?" in en
    # ... and marked as Norwegian inside the English report (WCAG 3.1.2, language of parts)
    assert '<h4 id="V-01-a" lang="nb">V-01: Er det fattet vedtak?</h4>' in en
    assert '<h4 id="V-01-a">V-01: Er det fattet vedtak?</h4>' in nb
    assert "2 of 3 cases" in en


# --------------------------------------------------------------------------- templates


def test_user_template_extends_the_default_and_replaces_one_block(hand_round, tmp_path):
    mine = tmp_path / "maler"
    mine.mkdir()
    (mine / "office.html.j2").write_text(
        '{% extends "default/office.html.j2" %}\n'
        "{% block matrix %}<h2>Egen tabell for {{ office.name }}</h2>{% endblock %}\n", encoding="utf-8")
    assert run("report", "runde", "--out", "ut", "--templates", str(mine)).exit_code == 0
    html = Path("ut/nav-a.html").read_text(encoding="utf-8")
    assert "<h2>Egen tabell for NAV A</h2>" in html
    assert "Kriterier og saker" not in html          # the replaced block is gone
    assert "<h3>Avvik (2): 1 ikke oppfylt, 1 delvis oppfylt</h3>" in html  # the rest is the default report


def test_missing_value_in_a_template_stops_with_its_name_and_line(hand_round, tmp_path):
    mine = tmp_path / "maler"
    mine.mkdir()
    (mine / "office.md.j2").write_text("# {{ office.name }}\n\nKontakt: {{ office.kontaktperson }}\n",
                                       encoding="utf-8")
    result = run("report", "runde", "--out", "ut", "--format", "md", "--templates", str(mine))
    assert result.exit_code != 0
    assert ("kvp-audit: malen office.md.j2 bruker en verdi som ikke finnes, linje 3: "
            "'dict object' has no attribute 'kontaktperson'") in result.output
    assert not Path("ut/nav-a.md").exists()


def test_broken_template_names_file_and_line(hand_round, tmp_path):
    mine = tmp_path / "maler"
    mine.mkdir()
    (mine / "office.md.j2").write_text("# {{ office.name }}\n{% if %}\n", encoding="utf-8")
    result = run("report", "runde", "--out", "ut", "--format", "md", "--templates", str(mine))
    assert result.exit_code != 0
    assert re.search(r"kvp-audit: feil i malen \S*office\.md\.j2, linje 2: ", result.output), result.output
    assert "Traceback" not in result.output
    assert not Path("ut/nav-a.md").exists()


def test_missing_template_folder_is_a_usage_error(hand_round):
    result = run("report", "runde", "--templates", "finnes-ikke")
    assert result.exit_code == 2
    assert "finnes-ikke" in result.output


# --------------------------------------------------------------------------- building


def test_same_input_gives_byte_identical_html_and_markdown(hand_round):
    assert run("report", "runde", "--out", "a").exit_code == 0
    assert run("report", "runde", "--out", "b").exit_code == 0
    for path in Path("a").glob("*.*"):
        if path.name != MANIFEST:
            assert path.read_bytes() == (Path("b") / path.name).read_bytes(), path.name


def test_rerun_skips_unchanged_reports_and_rewrites_only_what_changed(hand_round):
    first = build_reports(Path("runde"), Path("ut"))
    assert len(first.written) == 6 and not first.skipped
    mtimes = {p.name: p.stat().st_mtime_ns for p in Path("ut").iterdir()}
    again = build_reports(Path("runde"), Path("ut"))
    assert again.written == [] and len(again.skipped) == 6
    assert {p.name: p.stat().st_mtime_ns for p in Path("ut").iterdir()} == mtimes
    # nav-b's case changes: nav-b's reports and the summary change; nav-a's do not,
    # except that its county column moves, so it is rewritten too only if its content changed
    hand_round.case("nav-b", "K-BBBBB1", {"V-01": "ja", "V-02": "ja", "A-02": "ja"}, har_barn=True)
    third = build_reports(Path("runde"), Path("ut"))
    rewritten = sorted(p.name for p in third.written)
    assert "nav-b.html" in rewritten and "oppsummering.html" in rewritten
    # A-02 moves the county's "Avslutning" figures, which nav-a's report shows: so nav-a changes too
    assert "nav-a.html" in rewritten
    # a change that does not touch nav-a's report: a comment on nav-b's case
    hand_round.case("nav-b", "K-BBBBB1", {"V-01": "ja", "V-02": "ja", "A-02": {"answer": "ja", "comment": "Ok"}},
                    har_barn=True)
    fourth = build_reports(Path("runde"), Path("ut"))
    assert sorted(p.name for p in fourth.written) == ["nav-b.html", "nav-b.md"]
    forced = build_reports(Path("runde"), Path("ut"), force=True)
    assert len(forced.written) == 6


def test_report_command_prints_what_it_wrote_and_skipped(hand_round):
    first = run("report", "runde", "--out", "ut")
    assert "skrev ut/nav-a.html" in first.output
    second = run("report", "runde", "--out", "ut")
    assert second.exit_code == 0
    assert "skrev ut/" not in second.output
    assert "6 rapporter er uendret og ble ikke skrevet på nytt" in second.output


def test_default_output_folder_is_reports_round_id(hand_round):
    assert run("report", "runde").exit_code == 0
    assert Path("reports/test-2026/nav-a.html").is_file()


# --------------------------------------------------------------------------- the example county


@pytest.fixture(scope="module")
def example_reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("eksempel")
    build_reports(EXAMPLE_2026, out, ["html", "md"])
    return out


def test_every_example_office_has_its_avvik_with_legal_basis(example_reports):
    from kvp_audit.load import load_round
    from kvp_audit.scoring import score_round

    data = load_round(EXAMPLE_2026)
    scores = score_round(data)
    criteria = {**data.case_checklist.criterion_map(), **data.office_checklist.criterion_map()}
    n_avvik = 0
    for office in data.round.offices:
        html = (example_reports / f"{office.id}.html").read_text(encoding="utf-8")
        md = (example_reports / f"{office.id}.md").read_text(encoding="utf-8")
        avvik = scores.offices[office.id].findings_of("avvik")
        results = {**scores.offices[office.id].cases, "kontor": scores.offices[office.id].office_review or {}}
        not_met = sum(1 for f in avvik if any(results[k][f.criterion].outcome.value == "ikke oppfylt" for k in f.cases))
        heading = f"Avvik ({len(avvik)}): {not_met} ikke oppfylt, {len(avvik) - not_met} delvis oppfylt" if avvik else "Avvik (0)"
        assert f"<h3>{heading}</h3>" in html
        for finding in avvik:
            n_avvik += 1
            section = _section(html, f"{finding.criterion}-a")
            crit = criteria[finding.criterion]
            assert crit.legal_basis, finding.criterion
            for basis in crit.legal_basis:
                assert basis in section, (office.id, finding.criterion, basis)
            for case in finding.cases:
                if case != "kontoret":
                    assert case in section
            assert f"Funn-id: {finding.id}" in section
            assert f"`{finding.id}`" in md
    assert n_avvik >= 10  # the example county is meant to have findings to report


def test_example_office_report_compares_with_previous_round(example_reports):
    html = (example_reports / "nav-fjellby.html").read_text(encoding="utf-8")
    assert '<th scope="col">Forrige runde (Kvalitetsinnsyn KVP 2024)</th>' in html
    new_office = (example_reports / "nav-midtdal.html").read_text(encoding="utf-8")
    assert "Forrige runde" not in new_office  # no previous round for an office new in 2026


def test_example_summary_has_matrix_and_closure_outcomes(example_reports):
    html = (example_reports / "oppsummering.html").read_text(encoding="utf-8")
    for outcome in ("arbeid", "utdanning", "statlige tiltak", "AAP", "uføretrygd", "sosialhjelp", "annet"):
        assert f'<th scope="row">{outcome}</th>' in html
    assert html.count('<tr><th scope="row"><a href="#') + html.count('<tr><th scope="row">NAV ') >= 10


# --------------------------------------------------------------------------- PDF


def test_pdf_is_tagged_with_title_language_and_text(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    out = tmp_path / "pdf"
    result = build_reports(EXAMPLE_2026, out, ["pdf"], office="nav-fjellby")
    # NAV Fjellby held its follow-up workshop: --office builds its follow-up report too
    assert [p.name for p in result.written] == ["nav-fjellby.pdf", "nav-fjellby-oppfolging.pdf"]
    reader = pypdf.PdfReader(out / "nav-fjellby.pdf")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "nb"
    assert "NAV Fjellby" in reader.metadata.title
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "NAV Fjellby" in text
    assert "Avvik" in text and "Rettslig grunnlag" in text
    assert re.search(r"1 / \d+", text)  # page numbers
    from kvp_audit.load import load_round
    from kvp_audit.scoring import score_round

    scores = score_round(load_round(EXAMPLE_2026))
    for finding in scores.offices["nav-fjellby"].findings_of("avvik"):
        assert finding.criterion in text
    # fonts are embedded
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object().get("/FontDescriptor")
            if descriptor is None:  # a Type0 font keeps it in its descendant
                descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_pdf_fetcher_refuses_remote_urls():
    pytest.importorskip("weasyprint")
    from kvp_audit.report import _local_only_fetcher

    fetcher = _local_only_fetcher()
    with pytest.raises(ValueError, match="henter ikke eksterne ressurser: https://example.org/x.png"):
        fetcher.fetch("https://example.org/x.png")


def test_example_office_report_shows_previous_findings_with_status(example_reports):
    from kvp_audit.load import load_round

    html = (example_reports / "nav-fjellby.html").read_text(encoding="utf-8")
    assert '<h2 id="forrige-runde">Funn fra forrige runde</h2>' in html
    for carried in load_round(EXAMPLE_2026).round.carried["nav-fjellby"]:
        assert carried.id in html
    md = (example_reports / "nav-fjellby.md").read_text(encoding="utf-8")
    assert "| IN-06: Går det fram av programmet når evalueringene skal gjøres? " \
           "(`fiktivfylke-2024/nav-fjellby/IN-06`) | avvik | åpen |" in md


def test_report_shows_the_follow_up_of_each_finding(tmp_path):
    out = tmp_path / "ut"
    build_reports(REPO / "examples" / "fiktivfylke" / "2024", out, ["md"], office="nav-fjellby")
    md = (out / "nav-fjellby.md").read_text(encoding="utf-8")
    section = md[md.index("### SV-03:"):md.index("fiktivfylke-2024/nav-fjellby/SV-03")]
    assert "- **Oppfølging:** lukket: Rutinen er oppdatert og gjennomgått på fagmøte." in section


def test_summary_shows_the_trend_from_three_rounds(example_reports, tmp_path):
    html = (example_reports / "oppsummering.html").read_text(encoding="utf-8")
    assert '<h2 id="utvikling">Utvikling over rundene</h2>' in html
    assert ('<th scope="col">Kvalitetsinnsyn KVP 2022</th><th scope="col">Kvalitetsinnsyn KVP 2024</th>'
            '<th scope="col">Kvalitetsinnsyn KVP 2026</th>') in html
    assert 'aria-labelledby="trend-title trend-desc"' in html
    # two rounds are not a trend
    build_reports(REPO / "examples" / "fiktivfylke" / "2024", tmp_path / "ut", ["html"])
    assert "Utvikling over rundene" not in (tmp_path / "ut" / "oppsummering.html").read_text(encoding="utf-8")


def test_summary_shows_office_reviews_and_figures_side_by_side(example_reports):
    from kvp_audit.load import load_round

    data = load_round(EXAMPLE_2026)
    md = (example_reports / "oppsummering.md").read_text(encoding="utf-8")
    target = sum(r.answers["TALL-MAALTALL"].answer for r in data.office_reviews.values())
    county = next(line for line in md.splitlines() if line.startswith("| Fylket |") and line.count("|") == 8)
    assert county.split("|")[2].strip() == str(int(target))
    html = (example_reports / "oppsummering.html").read_text(encoding="utf-8")
    assert '<h2 id="kontorvurderinger">Kontorvurderingene</h2>' in html
    assert '<caption>Skriftlige rutiner og internkontroll</caption>' in html
    assert '<abbr title="Har kontoret skriftlige rutiner for kvalifiseringsprogrammet?">KR-01</abbr>' in html


def test_rerun_with_no_input_changed_does_not_load_the_round(hand_round, monkeypatch):
    import kvp_audit.report.context as report

    assert len(build_reports(Path("runde"), Path("ut")).written) == 6
    real = report.load_bundle
    calls = []

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "load_bundle", counting)
    again = build_reports(Path("runde"), Path("ut"))
    assert again.written == [] and len(again.skipped) == 6
    assert calls == []
    # any input changing (here: a comment in a case file) goes the full way
    path = hand_round.root / "nav-a" / "K-AAAAA1.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# en kommentar\n", encoding="utf-8")
    third = build_reports(Path("runde"), Path("ut"))
    assert len(calls) == 1 and third.written == [] and len(third.skipped) == 6


def test_a_change_in_the_previous_round_is_an_input_change(tmp_path):
    import shutil as sh

    base = tmp_path / "fylke"
    sh.copytree(REPO / "examples" / "fiktivfylke", base)
    out = tmp_path / "ut"
    first = build_reports(base / "2026", out, ["md"], office="nav-fjellby")
    assert len(first.written) == 2  # the office report and the follow-up report
    assert build_reports(base / "2026", out, ["md"], office="nav-fjellby").written == []
    followup = base / "2024" / "nav-fjellby" / "oppfolging.yaml"
    followup.write_text(followup.read_text(encoding="utf-8").replace("status: lukket", "status: åpen", 1),
                        encoding="utf-8")
    # the 2024 change reaches the 2026 report only through 'carried', which runde.yaml holds;
    # the report is checked again (not skipped unseen) and stays as it is
    third = build_reports(base / "2026", out, ["md"], office="nav-fjellby")
    assert third.written == [] and len(third.skipped) == 2


# --------------------------------------------------------------------------- the rebuild cache keeps nothing stale


def _comment(hand_round, text: str) -> None:
    hand_round.case("nav-a", "K-AAAAA1", {"V-01": "ja", "V-02": {"answer": "nei", "comment": text},
                                          "A-02": "delvis"}, har_barn=True)


def _fresh(tmp_path: Path, name: str) -> dict[str, bytes]:
    """The reports as a first build into an empty folder makes them now."""
    out = tmp_path / name
    build_reports(Path("runde"), out, force=True)
    return {p.name: p.read_bytes() for p in out.iterdir() if p.name != MANIFEST}


def _reports(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.name != MANIFEST}


def test_an_edit_undone_after_an_office_run_rebuilds_that_office(hand_round, tmp_path):
    _comment(hand_round, "Mangler begrunnelse.")
    build_reports(Path("runde"), Path("ut"))
    _comment(hand_round, "Midlertidig tekst.")
    assert [p.name for p in build_reports(Path("runde"), Path("ut"), office="nav-a").written] == [
        "nav-a.html", "nav-a.md"]
    assert "Midlertidig tekst." in Path("ut/nav-a.html").read_text(encoding="utf-8")
    _comment(hand_round, "Mangler begrunnelse.")  # the edit undone
    result = build_reports(Path("runde"), Path("ut"))
    assert sorted(p.name for p in result.written) == ["nav-a.html", "nav-a.md"]
    assert "Midlertidig tekst." not in Path("ut/nav-a.html").read_text(encoding="utf-8")
    assert _reports(Path("ut")) == _fresh(tmp_path, "fersk")
    # and now every report is what the inputs give: the next run skips all without loading
    assert build_reports(Path("runde"), Path("ut")).written == []


KILLED_BUILD = """
import os, signal, sys
from pathlib import Path
import kvp_audit.report.build as build

real = build.atomic_write

def write_then_die(path, data):
    real(path, data)
    if path.name == sys.argv[1]:
        os.kill(os.getpid(), signal.SIGKILL)  # after the report, before the record

build.atomic_write = write_then_die
build.build_reports(Path("runde"), Path("ut"), office=sys.argv[2] or None)
"""


@pytest.mark.parametrize("office", ["", "nav-a"])
def test_a_build_killed_after_writing_a_report_leaves_nothing_stale(hand_round, tmp_path, office):
    import signal
    import subprocess
    import sys

    _comment(hand_round, "Mangler begrunnelse.")
    build_reports(Path("runde"), Path("ut"))
    before = _reports(Path("ut"))
    _comment(hand_round, "Midlertidig tekst.")
    killed = subprocess.run([sys.executable, "-c", KILLED_BUILD, "nav-a.html", office], capture_output=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "Midlertidig tekst." in Path("ut/nav-a.html").read_text(encoding="utf-8")
    _comment(hand_round, "Mangler begrunnelse.")  # the edit undone: the inputs are those of the record
    result = build_reports(Path("runde"), Path("ut"))
    assert [p.name for p in result.written] == ["nav-a.html"]
    assert _reports(Path("ut")) == before == _fresh(tmp_path, "fersk")


def test_a_report_changed_on_disk_is_made_again(hand_round):
    build_reports(Path("runde"), Path("ut"))
    Path("ut/nav-b.md").write_text("redigert for hånd\n", encoding="utf-8")
    Path("ut/oppsummering.html").unlink()
    result = build_reports(Path("runde"), Path("ut"))
    assert sorted(p.name for p in result.written) == ["nav-b.md", "oppsummering.html"]
    assert "redigert for hånd" not in Path("ut/nav-b.md").read_text(encoding="utf-8")


def test_a_record_from_an_older_version_or_broken_is_not_trusted(hand_round):
    build_reports(Path("runde"), Path("ut"))
    names = sorted(p.name for p in Path("ut").iterdir() if p.name != MANIFEST)
    for old in ('{"nav-a.html": "abc", "__inndata__": {}}', "{ikke json"):
        Path("ut", MANIFEST).write_text(old, encoding="utf-8")
        assert sorted(p.name for p in build_reports(Path("runde"), Path("ut")).written) == names


# --------------------------------------------------------------------------- Markdown and HTML stay inert

HOSTILE = "![x](https://evil.example/o.png) <img src=https://evil.example/p.png> [r](javascript:alert(3)) *a* & b < 5"


@pytest.fixture
def hostile_round(round_builder):
    """A round whose every text field holds Markdown and HTML that must stay text."""
    b = round_builder
    rnd = (b.root / "runde.yaml").read_text(encoding="utf-8")
    rnd = rnd.replace("name: Testrunde 2026", f"name: 'Runde {HOSTILE}'").replace(
        "county: Fiktivfylke", f"county: 'Fylke {HOSTILE}'").replace("name: NAV A", f"name: 'NAV {HOSTILE}'")
    b.write("runde.yaml", rnd)
    checklist = b.root / "checklists" / "mini-sak.yaml"
    text = checklist.read_text(encoding="utf-8")
    text = text.replace("title: Søknad og vedtak", f"title: 'Tema {HOSTILE}'")
    text = text.replace("question: Er det fattet vedtak?", f"question: 'Spørsmål {HOSTILE}'")
    text = text.replace("legal_basis: sotjl. § 41", f"legal_basis: 'Lov {HOSTILE}'")
    checklist.write_text(text, encoding="utf-8")
    comment = r"\[klikk\](javascript:alert(1)) \!\[y\](https://evil.example/x.png) antall < 5 & mer"
    b.write("nav-a/K-AAAAA1.yaml", f"""\
        case: K-AAAAA1
        office: nav-a
        reviewers: [KB]
        date: 2026-02-01
        facts: {{status: pågående, har_barn: false}}
        answers:
          V-01:
            answer: nei
            comment: '{comment}'
          V-02:
            answer: nei
            comment: 'Se [rutinen](https://nav.example/rutine_(ny)) og **dette**.'
        """)
    return b


def _converted(md: str) -> str:
    """The Markdown report as the Markdown package the project uses makes it into HTML."""
    import markdown

    return markdown.markdown(md, extensions=["tables"])


def _shown(html: str) -> str:
    """The text a reader sees in HTML: tags removed, entities resolved, spaces joined."""
    import html as _html

    return " ".join(_html.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _assert_inert(html: str, where: str) -> None:
    assert not re.search(r"<img|<script|<[^>]*\ssrc=", html, re.I), where
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith(("https:", "http:", "mailto:", "#")) for h in hrefs), (where, hrefs)
    assert "&amp;lt;" not in html and "&amp;amp;" not in html, where  # escaped once, not twice


def test_markdown_report_converted_shows_every_text_literally(hostile_round):
    assert run("report", "runde", "--out", "ut", "--format", "md,html").exit_code == 0
    for name in ("nav-a.md", "oppsummering.md"):
        html = _converted(Path("ut", name).read_text(encoding="utf-8"))
        _assert_inert(html, name)
        shown = _shown(html)
        for label in ("Runde", "Fylke", "NAV", "Tema"):
            assert f"{label} {HOSTILE}" in shown, (name, label)
    html = _converted(Path("ut/nav-a.md").read_text(encoding="utf-8"))
    shown = _shown(html)
    for label in ("Spørsmål", "Lov"):
        assert f"{label} {HOSTILE}" in shown, label
    # the reviewer's escaped Markdown stays text; their real link and emphasis stay live
    assert "[klikk](javascript:alert(1)) ![y](https://evil.example/x.png) antall < 5 & mer" in shown
    assert '<a href="https://nav.example/rutine_%28ny%29">rutinen</a>' in html
    assert "<strong>dette</strong>" in html


def test_html_report_shows_every_text_literally(hostile_round):
    assert run("report", "runde", "--out", "ut", "--format", "html").exit_code == 0
    for name in ("nav-a.html", "oppsummering.html"):
        html = Path("ut", name).read_text(encoding="utf-8")
        _assert_inert(html, name)
        shown = _shown(html)
        for label in ("Runde", "Fylke", "NAV", "Tema"):
            assert f"{label} {HOSTILE}" in shown, (name, label)
    shown = _shown(Path("ut/nav-a.html").read_text(encoding="utf-8"))
    assert "[klikk](javascript:alert(1)) ![y](https://evil.example/x.png) antall < 5 & mer" in shown


def test_markdown_escape_is_literal_after_conversion():
    from kvp_audit.markup import md_escape, markdown_text

    for text in ("a|b", r"back\slash", "`kode`", "*fet* _kursiv_", "[x](y)", "<b>&amp;</b>", "1 < 2 & 3 > 2"):
        html = _converted(f"| {md_escape(text)} |\n| --- |\n| x |\n")
        assert _shown(html).startswith(text + " "), text
    assert md_escape(md_escape("*x*")) == md_escape("*x*")  # escaping is done once
    assert markdown_text("[e](mailto:a@b.example) [h](http://a.example)") == \
        "[e](mailto:a@b.example) [h](http://a.example)"
    code = _converted(markdown_text("Skriv `<b>` og ``a`b``."))
    assert "<code>&lt;b&gt;</code>" in code and "<code>a`b</code>" in code


def test_a_forced_office_run_keeps_the_record_of_the_other_reports(hand_round):
    build_reports(Path("runde"), Path("ut"))
    assert len(build_reports(Path("runde"), Path("ut"), office="nav-a", force=True).written) == 2
    assert build_reports(Path("runde"), Path("ut")).written == []
