"""The county summary, checked against hand-worked rounds: a survey of text and choice answers,
criterion lines across the county, closure outcomes from the checklist's own options, the
offices' figures and who reported them, and the layout a county reads (issue 13)."""

from __future__ import annotations

import html as htmllib
import re
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from figurerule import contradictions, figures
from kvp_audit.report import build_reports, environment, load_bundle, render
from kvp_audit.report.summary import closure_outcomes, summary_context

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
ROUNDS = ("2022", "2024", "2026")


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def _html_headings(text: str) -> list[str]:
    found = re.findall(r"<h([1-3])[^>]*>(.*?)</h\1>", text, re.S)
    return [f"h{level} " + re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", "", inner))).strip()
            for level, inner in found]


def _md_headings(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        m = re.match(r"(#{1,3}) (.*)", line)
        if m:
            out.append(f"h{len(m.group(1))} " + re.sub(r"\\(.)", r"\1", htmllib.unescape(m.group(2))).strip())
    return out


def _summary(round_dir: Path, lang: str = "nb") -> tuple[dict, str, str]:
    """The summary's context, HTML and Markdown."""
    from kvp_audit.i18n import set_language

    set_language(lang)
    ctx = summary_context(load_bundle(round_dir), lang)
    env = environment(None, lang)
    return ctx, render(env, "summary.html.j2", ctx), render(env, "summary.md.j2", ctx)


def _rows(html: str, table_class: str) -> list[list[str]]:
    """The text of each body row's cells (header cell first) of the first table of a class."""
    start = html.index(f'<table class="{table_class}">')
    body = html[html.index("<tbody>", start):html.index("</tbody>", start)]
    return [[htmllib.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


# --------------------------------------------------------------------------- a survey (seed 003)

SURVEY = """\
# Fiktive data. Spørreundersøkelse til kontorene om KVP, som i en fylkesrapport fra 2020.
id: kvp-sporsmal
title: Spørsmål til kontorene om KVP
version: "1.0"
scope: office
themes:
  - id: sporsmal
    title: Kvalifiseringsprogrammet
    criteria:
      - id: SP-01
        short: Identifisert og informert
        question: Hvordan sikrer NAV-kontoret at personer i målgruppen blir identifisert og får informasjon om program?
        answer: text
      - id: SP-02
        short: Tilbud om program
        question: Hvordan sikrer NAV-kontoret at personer i målgruppen får tilbud om program?
        answer: text
      - id: SP-03
        short: Corona og program
        question: Hvordan har Corona hatt betydning for kvalifiseringsprogrammet?
        answer: text
      - id: SP-04
        short: Spesielle utfordringer
        question: Har dere spesielle utfordringer i iverksettelse og gjennomføring av program?
        answer: text
      - id: SP-05
        short: Antall deltakere
        question: Har antallet deltakere endret seg?
        answer: choice
        options: [økt, uendret, redusert]
      - id: SP-06
        question: Har kontoret et eget KVP-team?
        answer: choice
        options: [ja, nei]
"""

# The county's matrix (seed 003), five of its offices; NAV Åmli sent no answers.
SURVEY_ANSWERS = {
    "nav-risor": ("NAV Risør", ["Gjennomgang av kandidater", "Til personer i målgruppen", "Ingen endring",
                                "praksisplasser"], ["uendret", "nei"]),
    "nav-arendal": ("NAV Arendal", ["Gjennomgang av kandidater", "Til personer i målgruppen",
                                    "Program forlenget", "nei"], ["uendret", "nei"]),
    "nav-tvedestrand": ("NAV Tvedestrand", ["Gjennomgang av kandidater", "Til personer i målgruppen",
                                            "Økning KVP", "Program til de dårligst fungerende"], ["økt", None]),
    "nav-midt-agder": ("NAV Midt-Agder", ["Gjennomgang av kandidater", "Til personer i målgruppen",
                                          "Uendret antall", "Eget Team"], ["uendret", "ja"]),
    "nav-amli": ("NAV Åmli", None, None),
}


@pytest.fixture
def survey(tmp_path) -> Path:
    """A round with an office checklist and no cases: four text and two choice questions."""
    root = tmp_path / "undersokelse"
    shutil_copy = (REPO / "tests" / "fixtures" / "mini-sak.yaml").read_text(encoding="utf-8")
    _write(root, "checklists/mini-sak.yaml", shutil_copy)
    _write(root, "checklists/kvp-sporsmal.yaml", SURVEY)
    offices = "".join(f"  - id: {oid}\n    name: {name}\n" for oid, (name, _t, _c) in SURVEY_ANSWERS.items())
    _write(root, "runde.yaml", "id: agder-2020\nname: Områdeovervåking KVP 2020\ncounty: Agder\n"
                               "period: {start: 2020-09-01, end: 2020-12-31}\n"
                               "checklists:\n  case: mini-sak@1.0\n  office: kvp-sporsmal@1.0\n"
                               "offices:\n" + offices)
    for oid, (_name, texts, choices) in SURVEY_ANSWERS.items():
        (root / oid).mkdir()
        if texts is None:
            continue
        lines = [f"office: {oid}", "reviewers: [KB]", "visit_dates: [2020-10-01]", "answers:"]
        lines += [f'  SP-0{i}: "{t}"' for i, t in enumerate(texts, 1)]
        lines += [f"  SP-0{i}: {c}" for i, c in enumerate(choices, 5) if c is not None]
        _write(root, f"{oid}/kontor.yaml", "\n".join(lines) + "\n")
    return root


def test_survey_matrix_holds_every_answer_verbatim_cell_by_cell(survey):
    ctx, html, md = _summary(survey)
    assert [c["label"] for c in ctx["answers"]["columns"]] == [
        "Identifisert og informert", "Tilbud om program", "Corona og program", "Spesielle utfordringer",
        "Antall deltakere", "SP-06"]
    assert _rows(html, "t-answers") == [
        ["NAV Risør", "Gjennomgang av kandidater", "Til personer i målgruppen", "Ingen endring", "praksisplasser",
         "uendret", "nei"],
        ["NAV Arendal", "Gjennomgang av kandidater", "Til personer i målgruppen", "Program forlenget", "nei",
         "uendret", "nei"],
        ["NAV Tvedestrand", "Gjennomgang av kandidater", "Til personer i målgruppen", "Økning KVP",
         "Program til de dårligst fungerende", "økt", "–"],
        ["NAV Midt-Agder", "Gjennomgang av kandidater", "Til personer i målgruppen", "Uendret antall", "Eget Team",
         "uendret", "ja"],
        ["NAV Åmli", "–", "–", "–", "–", "–", "–"],
    ]
    assert ('<th scope="col"><abbr title="Hvordan har Corona hatt betydning for kvalifiseringsprogrammet?">'
            'Corona og program</abbr></th>') in html
    assert "<li>SP-06: Har kontoret et eget KVP-team?</li>" in html
    assert "Svarene står slik kontorene ga dem. – = ikke besvart. 4 av 5 kontorer har svart." in html
    assert ("| NAV Tvedestrand | Gjennomgang av kandidater | Til personer i målgruppen | Økning KVP | "
            "Program til de dårligst fungerende | økt | – |") in md


def test_survey_counts_each_choice_answer(survey):
    ctx, html, md = _summary(survey)
    antall, team = ctx["answers"]["choices"]
    assert [(r["answer"], r["count"]) for r in antall["rows"]] == [("økt", 1), ("uendret", 3), ("redusert", 0)]
    assert antall["unanswered"] == 1
    assert [(r["answer"], r["count"]) for r in team["rows"]] == [("ja", 1), ("nei", 2)]
    assert team["unanswered"] == 2  # Tvedestrand left it open, Åmli sent nothing
    assert "<caption>Antall deltakere: Har antallet deltakere endret seg?</caption>" in html
    start = html.index("<caption>SP-06: Har kontoret et eget KVP-team?</caption>")
    assert _rows(html[start - 30:], "t-choice") == [["ja", "1"], ["nei", "2"], ["ikke besvart", "2"]]
    assert "**SP-06: Har kontoret et eget KVP-team?**\n\n| Svar | Kontorer |\n| --- | ---: |\n| ja | 1 |\n" \
           "| nei | 2 |\n| ikke besvart | 2 |" in md


def test_survey_summary_is_made_of_what_the_round_has(survey):
    ctx, html, md = _summary(survey)
    headings = _html_headings(html)
    assert headings == [
        "h1 Oppsummering av kvalitetsinnsyn i kvalifiseringsprogrammet: Agder",
        "h2 Kontorvurderingene", "h3 Svarene fra kontorene", "h2 Vedlegg: Metode og beregning"]
    assert headings == _md_headings(md)
    for absent in ("Temaene i fylket", "Kontorene per tema", "Hva deltakerne gikk til", "Saker gjennomgått",
                   "ingen vurdert", "Søknad og vedtak"):
        assert absent not in html, absent
        assert absent not in md, absent
    assert "<dt>Kontorvurderinger</dt><dd>4 av 5</dd>" in html
    assert "<dt>Sjekkliste</dt><dd>Spørsmål til kontorene om KVP, versjon 1.0</dd>" in html
    assert contradictions(html) == [] and contradictions(md) == []


# --------------------------------------------------------------------------- criterion lines


@pytest.fixture
def lines_round(round_builder):
    """Two offices worked by hand (mini checklist).

    V-01 (krav):       NAV A ja, nei, ja; NAV B ja, ja   -> avvik at A (ikke oppfylt); 4 of 5 cases
    V-02 (anbefaling): NAV A delvis, ja, ja; NAV B delvis, ja -> merknad at both, only delvis: 3 of 5
    A-02 (krav):       delvis in A's first case only (har_barn) -> avvik at A, delvis; 0 of 1
    A-01 (krav):       ja in A's closed case, ja in B's       -> met in 2 of 2 cases
    """
    b = round_builder
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja", "V-02": "delvis", "A-02": "delvis"}, har_barn=True)
    b.case("nav-a", "K-AAAAA2", {"V-01": "nei", "V-02": "ja", "A-01": "ja"}, status="avsluttet")
    b.case("nav-a", "K-AAAAA3", {"V-01": "ja", "V-02": "ja"})
    b.case("nav-b", "K-BBBBB1", {"V-01": "ja", "V-02": "delvis"})
    b.case("nav-b", "K-BBBBB2", {"V-01": "ja", "V-02": "ja", "A-01": "ja"}, status="avbrutt")
    return b


def test_criterion_lines_count_cases_and_offices(lines_round):
    ctx, html, md = _summary(lines_round.root)
    lines = {line["id"]: line for line in ctx["criteria"]["lines"]}
    v01, v02, a01, a02 = lines["V-01"], lines["V-02"], lines["A-01"], lines["A-02"]
    assert (v01["met"], v01["partly"], v01["not_met"], v01["counted"]) == (4, 0, 1, 5)
    assert (v01["kind"], v01["not_met_offices"], v01["partly_offices"]) == ("avvik", ["NAV A"], [])
    assert v01["offices_text"] == "ikke oppfylt ved 1 av 2 kontorer"
    assert (v02["met"], v02["partly"], v02["not_met"], v02["counted"]) == (3, 2, 0, 5)
    assert v02["kind"] == "merknad" and v02["partly_offices"] == ["NAV A", "NAV B"]
    # only partly met at both: never "ikke oppfylt ved 2 av 2"
    assert v02["offices_text"] == "delvis oppfylt ved 2 av 2 kontorer"
    assert a02["offices_text"] == "delvis oppfylt ved 1 av 1 kontor"
    assert a01["met_text"] == "oppfylt i 2 av 2 saker"
    # the lists made from the lines: the merknad is among them, the most offices first
    assert [f["id"] for f in ctx["criteria"]["failing"]] == ["V-02", "V-01", "A-02"]
    assert _rows(html, "t-failing") == [
        ["V-02: Er vedtaket begrunnet?", "fvl. § 24; fvl. § 25", "merknad", "delvis oppfylt ved 2 av 2 kontorer"],
        ["V-01: Er det fattet vedtak?", "sotjl. § 41", "avvik", "ikke oppfylt ved 1 av 2 kontorer"],
        ["A-02: Er barnas behov vurdert?", "forskrift om kvalifiseringsprogram § 1", "avvik",
         "delvis oppfylt ved 1 av 1 kontor"],
    ]
    assert "<h3>Oppfylt i alle saker</h3>" in html
    assert "<li><span>A-01: Finnes avslutningsvedtak?</span> – oppfylt i 2 av 2 saker</li>" in html
    assert "- A-01: Finnes avslutningsvedtak? – oppfylt i 2 av 2 saker" in md
    # the appendix: one line per criterion, counts in their own columns
    assert _rows(html, "t-criteria") == [
        ["V-01: Er det fattet vedtak?", "4", "0", "1", "5", "80\xa0%", "avvik", "1 av 2", "NAV A", "–"],
        ["V-02: Er vedtaket begrunnet?", "3", "2", "0", "5", "60\xa0%", "merknad", "2 av 2", "–", "NAV A, NAV B"],
    ]
    assert ("| V-02: Er vedtaket begrunnet? | 3 | 2 | 0 | 5 | 60\xa0% | merknad | 2 av 2 | – | NAV A, NAV B |"
            in md)
    assert _html_headings(html) == _md_headings(md)


def test_office_review_criteria_are_in_the_lists(lines_round):
    """A routine criterion not met at the offices is listed with the case criteria, counted in offices."""
    b = lines_round
    path = b.root / "runde.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  case: mini-sak@1.0",
                                                             "  case: mini-sak@1.0\n  office: mini-kontor@1.0"),
                    encoding="utf-8")
    b.write("checklists/mini-kontor.yaml", """\
        id: mini-kontor
        title: Mini kontor
        version: "1.0"
        scope: office
        themes:
          - id: rutiner
            title: Rutiner
            criteria:
              - id: KR-01
                short: Rutiner oppdatert
                question: Er rutinene oppdatert?
                severity: krav
              - id: KR-02
                question: Kjenner veilederne rutinene?
                severity: anbefaling
        """)
    b.write("nav-a/kontor.yaml", "office: nav-a\nreviewers: [KB]\nvisit_dates: [2026-02-01]\n"
                                 "answers:\n  KR-01: nei\n  KR-02: ja\n")
    b.write("nav-b/kontor.yaml", "office: nav-b\nreviewers: [KB]\nvisit_dates: [2026-02-02]\n"
                                 "answers:\n  KR-01: nei\n  KR-02: ja\n")
    ctx, html, md = _summary(b.root)
    failing = [(f["id"], f["offices_text"]) for f in ctx["criteria"]["failing"]]
    assert failing[:2] == [("KR-01", "ikke oppfylt ved 2 av 2 kontorer"), ("V-02", "delvis oppfylt ved 2 av 2 kontorer")]
    assert "<h3>Oppfylt i alle saker og ved alle kontorer</h3>" in html
    assert "<li><span>KR-02: Kjenner veilederne rutinene?</span> – oppfylt ved 2 av 2 kontorer</li>" in html
    assert "<caption>Kontorvurderingen: Rutiner</caption>" in html
    assert ('<th scope="col"><abbr title="Er rutinene oppdatert?">KR-01</abbr> Rutiner oppdatert</th>') in html
    assert "| Kontor | KR-01 Rutiner oppdatert | KR-02 |" in md


# --------------------------------------------------------------------------- closure outcomes


def _closure_data(facts: list[dict], options=("arbeid", "utdanning", "annet")):
    checklist = SimpleNamespace(facts={"utfall": SimpleNamespace(options=list(options))})
    cases = [SimpleNamespace(facts=f) for f in facts]
    return SimpleNamespace(case_checklist=checklist, round=SimpleNamespace(offices=[SimpleNamespace(id="a")]),
                           cases={"a": cases})


def test_closure_outcomes_come_from_the_checklists_options():
    data = _closure_data([{"status": "avsluttet", "utfall": "arbeid"}, {"status": "avbrutt", "utfall": "lønnstilskudd"},
                          {"status": "avsluttet"}, {"status": "pågående", "utfall": "arbeid"}])
    closure = closure_outcomes(data)
    # an answer outside the options is itself, not "ikke registrert"; only the case with none is
    assert [(r["outcome"], r["count"]) for r in closure["rows"]] == [
        ("arbeid", 1), ("utdanning", 0), ("annet", 0), ("lønnstilskudd", 1), ("ikke registrert", 1)]
    assert closure["total"] == 3 and closure["unknown"] == 1
    assert all(r["percent"] is None for r in closure["rows"])  # 3 closed: no shares


def test_closure_outcome_shares_are_of_all_closed_programmes():
    data = _closure_data([{"status": "avsluttet", "utfall": "arbeid"}] * 3 + [{"status": "avsluttet"}] * 2)
    rows = closure_outcomes(data)["rows"]
    assert [(r["outcome"], r["count"], r["percent"]) for r in rows] == [
        ("arbeid", 3, "60\xa0%"), ("utdanning", 0, "0\xa0%"), ("annet", 0, "0\xa0%"), ("ikke registrert", 2, "40\xa0%")]


def test_example_closure_outcomes_are_the_checklists_own(tmp_path):
    ctx, html, _md = _summary(EXAMPLES / "2026")
    data = load_bundle(EXAMPLES / "2026").data
    assert [r["outcome"] for r in ctx["closure"]["rows"]] == data.case_checklist.facts["utfall"].options
    assert "Utfallet er ikke registrert" not in html


# --------------------------------------------------------------------------- office figures


def _figures_round(round_builder, answers: dict[str, str]):
    b = round_builder
    path = b.root / "runde.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  case: mini-sak@1.0",
                                                             "  case: mini-sak@1.0\n  office: mini-tall@1.0"),
                    encoding="utf-8")
    b.write("checklists/mini-tall.yaml", """\
        id: mini-tall
        title: Mini tall
        version: "1.0"
        scope: office
        themes:
          - id: tall
            title: Tall
            criteria:
              - id: T-1
                short: Måltall
                question: Måltall for antall deltakere
                answer: number
              - id: T-2
                question: Antall søknader
                answer: number
        """)
    for office, text in answers.items():
        b.write(f"{office}/kontor.yaml", f"office: {office}\nreviewers: [KB]\nvisit_dates: [2026-02-01]\n{text}")
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja"})
    return b


def test_figures_say_how_many_offices_reported(round_builder):
    b = _figures_round(round_builder, {"nav-a": "answers:\n  T-1: 12\n", "nav-b": "answers: {}\n"})
    ctx, html, md = _summary(b.root)
    assert "1 av 2 kontorer rapporterte tall." in html
    assert _rows(html, "t-county-figures") == [
        ["NAV A", "12", "–"], ["NAV B", "–", "–"], ["Fylket", "12", "–"], ["Kontorer som rapporterte", "1 av 2", "0 av 2"]]
    assert "| Fylket | 12 | – |" in md and "| Kontorer som rapporterte | 1 av 2 | 0 av 2 |" in md
    assert '<abbr title="Måltall for antall deltakere">Måltall</abbr>' in html


def test_no_figures_reported_gives_no_zeros(round_builder):
    b = _figures_round(round_builder, {"nav-a": "answers: {}\n", "nav-b": "answers: {}\n"})
    ctx, html, md = _summary(b.root)
    assert ctx["figures"]["total"] == ["–", "–"]
    assert "0 av 2 kontorer rapporterte tall." in html and "0 av 2 kontorer rapporterte tall." in md
    assert '<table class="t-county-figures">' not in html  # no table of dashes
    assert not re.search(r"^\| Fylket \|", md, re.M)


# --------------------------------------------------------------------------- the office x theme table


def test_office_theme_table_has_one_unit_per_column_and_a_colour_legend():
    ctx, html, md = _summary(EXAMPLES / "2026")
    rows = _rows(html, "t-offices")
    for row in rows:
        for cell in row[2:-2]:  # the themes and all themes: counts only, never a share
            assert re.fullmatch(r"\d+ av \d+|–", cell), cell
    assert rows[0][:3] == ["NAV Fjellby", "3", "18 av 18"]
    assert rows[1][:3] == ["NAV Strandvik", "5", "29 av 30"]
    # colour never alone: the count is in the cell, and the legend names each band
    assert '<td class="band-90">29 av 30</td>' in html
    assert '<td class="band-few">18 av 18</td>' in html  # NAV Fjellby: 3 cases, no share, no colour
    legend = html[html.index('<ul class="scale-legend">'):html.index("</ul>", html.index('<ul class="scale-legend">'))]
    assert [htmllib.unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li>(.*?)</li>", legend, re.S)] == [
        "90\xa0% eller mer", "75\xa0% til 89\xa0%", "50\xa0% til 74\xa0%", "under 50\xa0%",
        "færre enn 5 saker: ingen farge"]


# --------------------------------------------------------------------------- every example round


@pytest.mark.parametrize("year", ROUNDS)
def test_example_summaries_keep_the_figure_rule_and_the_html_sections(year):
    ctx, html, md = _summary(EXAMPLES / year)
    assert contradictions(html) == [] and contradictions(md) == []
    assert len(figures(html)) > 5 and len(figures(md)) > 5
    assert _html_headings(html) == _md_headings(md)
    assert "h2 Kriteriene i fylket" in _md_headings(md) and "h2 Kontorvurderingene" in _md_headings(md)


@pytest.fixture(scope="module")
def example_pdfs(tmp_path_factory):
    pytest.importorskip("weasyprint")
    out = tmp_path_factory.mktemp("oppsummering")
    from kvp_audit.i18n import set_language
    from kvp_audit.report.pdf import write_pdfs

    work = []
    for year in ROUNDS:
        set_language("nb")
        ctx = summary_context(load_bundle(EXAMPLES / year), "nb")
        html = render(environment(None, "nb"), "summary.html.j2", {**ctx, "for_pdf": True})
        work.append((html, out / f"{year}.pdf", ctx["round"]["name"], "nb"))
    write_pdfs(work, 1, lambda target, digest: None)
    return out


def test_example_summary_pdfs_keep_the_figure_rule(example_pdfs):
    pypdf = pytest.importorskip("pypdf")
    for year in ROUNDS:
        text = " ".join(page.extract_text() or "" for page in pypdf.PdfReader(example_pdfs / f"{year}.pdf").pages)
        assert len(figures(text)) > 5, year
        assert contradictions(text) == [], year


def test_the_summarys_first_page_is_not_mostly_blank(example_pdfs):
    pypdf = pytest.importorskip("pypdf")
    for year in ROUNDS:
        first = pypdf.PdfReader(example_pdfs / f"{year}.pdf").pages[0].extract_text()
        # the cover and the county's themes share the first page (before: the cover alone)
        assert "Temaene i fylket" in first, year
        assert len(first) > 1500, (year, len(first))


@pytest.fixture(scope="module")
def summary_layout():
    weasyprint = pytest.importorskip("weasyprint")
    from kvp_audit.i18n import set_language
    from kvp_audit.report.templating import template_dir

    set_language("nb")
    ctx = summary_context(load_bundle(EXAMPLES / "2026"), "nb")
    html = render(environment(None, "nb"), "summary.html.j2", {**ctx, "for_pdf": True})
    return weasyprint.HTML(string=html, base_url=str(template_dir())).render()


def _walk(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _walk(child)


def _lines(cell) -> list[str]:
    from weasyprint.formatting_structure import boxes

    return ["".join(b.text for b in _walk(line) if isinstance(b, boxes.TextBox))
            for line in _walk(cell) if isinstance(line, boxes.LineBox)]


def test_summary_column_headers_break_between_words_only(summary_layout):
    """No "Strandvi k", no "Avv ik", and no hyphenation either: every line of a column header
    ends with a whole word of it."""
    from weasyprint.formatting_structure import boxes

    broken, seen = [], 0
    for page in summary_layout.pages:
        for box in _walk(page._page_box):
            element = getattr(box, "element", None)
            if not isinstance(box, boxes.TableCellBox) or element is None or element.tag != "th" \
                    or element.get("scope") != "col":
                continue
            seen += 1
            words = " ".join(element.itertext()).split()
            lines = [line.strip() for line in _lines(box) if line.strip()]
            for line in lines:
                if line.split()[-1] not in words or line.split()[0] not in words:
                    broken.append(f"{line!r} in {' '.join(words)!r}")
    assert seen > 50
    assert not broken, broken[:10]


def test_a_recorded_outcome_the_checklist_has_no_option_for_is_shown_as_itself(round_builder):
    """A checklist whose utfall is free text: every answer is its own row; only a closed case with
    no outcome is "ikke registrert"."""
    b = round_builder
    path = b.root / "checklists" / "mini-sak.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  har_barn:\n", "  utfall:\n    type: text\n    label: Hva gikk deltakeren til?\n  har_barn:\n"), encoding="utf-8")
    b.case("nav-a", "K-AAAAA1", {"V-01": "ja"}, status="avsluttet", extra="")
    b.case("nav-a", "K-AAAAA2", {"V-01": "ja"}, status="avbrutt")
    b.case("nav-b", "K-BBBBB1", {"V-01": "ja"}, status="avsluttet")
    for key, office in (("K-AAAAA1", "nav-a"), ("K-BBBBB1", "nav-b")):
        case = b.root / office / f"{key}.yaml"
        case.write_text(case.read_text(encoding="utf-8").replace("  status: ", "  utfall: lønnstilskudd\n  status: "),
                        encoding="utf-8")
    ctx, html, md = _summary(b.root)
    assert [(r["outcome"], r["count"]) for r in ctx["closure"]["rows"]] == [("lønnstilskudd", 2), ("ikke registrert", 1)]
    assert _rows(html, "t-closure") == [["lønnstilskudd", "2"], ["ikke registrert", "1"]]
    assert "Avsluttede og avbrutte program i de gjennomgåtte sakene: 3." in html
    assert "| lønnstilskudd | 2 |" in md and "| ikke registrert | 1 |" in md


def test_a_short_label_over_40_characters_is_refused_with_where_and_what_to_do(tmp_path):
    from click.testing import CliRunner

    from kvp_audit.cli import main

    text = (REPO / "tests" / "fixtures" / "mini-sak.yaml").read_text(encoding="utf-8").replace(
        "        question: Er det fattet vedtak?\n", "        question: Er det fattet vedtak?\n        short: " + "x" * 41 + "\n")
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["checklist", "validate", str(path)])
    assert result.exit_code != 0
    assert ("mini.yaml:21:16: feil: themes[0].criteria[0].short: 'short' er for lang: 41 tegn, høyst 40\n"
            "    Gjør slik: skriv en kortere tekst") in result.output
