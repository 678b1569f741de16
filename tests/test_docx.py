"""Word output: the DOCX an audit team edits and sends, opened with python-docx."""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from figurerule import contradictions, figures
from kvp_audit.cli import main
from kvp_audit.report import build_reports

docx = pytest.importorskip("docx")

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_2026 = REPO / "examples" / "fiktivfylke" / "2026"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEADING_STYLES = {"h1": "Title", "h2": "Heading 1", "h3": "Heading 2", "h4": "Heading 3"}


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


class _Headings(HTMLParser):
    """The HTML's h1-h4 (tag, text), in order, as the reader of the HTML sees them."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self.open: str | None = None
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("svg", "title", "style"):
            self.skip += 1
        if tag in HEADING_STYLES:
            self.open, self.text = tag, []

    def handle_endtag(self, tag):
        if tag in ("svg", "title", "style"):
            self.skip -= 1
        if tag == self.open:
            self.found.append((tag, " ".join("".join(self.text).split())))
            self.open = None

    def handle_data(self, data):
        if self.open and not self.skip:
            self.text.append(data)


def html_headings(path: Path) -> list[tuple[str, str]]:
    parser = _Headings()
    parser.feed(path.read_text(encoding="utf-8"))
    return [(HEADING_STYLES[tag], text) for tag, text in parser.found]


def docx_headings(document) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs
            if p.style.name == "Title" or p.style.name.startswith("Heading")]


def all_text(document) -> str:
    """Every paragraph's text, the tables' included, in the order of the document."""
    body = document.element.body
    return "\n".join("".join(t.text or "" for t in p.iter(W + "t")) for p in body.iter(W + "p"))


def commented_case(builder, office: str, key: str, answers: dict, comments: dict[str, str]) -> None:
    """A case whose answers in ``comments`` have a Markdown comment (a YAML block, newlines kept)."""
    lines = [f"case: {key}", f"office: {office}", "reviewers: [KB]", "date: 2026-02-01",
             "facts:", "  status: pågående", "  har_barn: true", "answers:"]
    for cid, value in answers.items():
        if cid in comments:
            lines += [f"  {cid}:", f"    answer: {value}", "    comment: |"]
            lines += [f"      {line}" for line in comments[cid].splitlines()]
        else:
            lines.append(f"  {cid}: {value}")
    builder.write(f"{office}/{key}.yaml", "\n".join(lines) + "\n")


@pytest.fixture
def hand_round(round_builder):
    """NAV A: three cases, an avvik (V-01), a merknad with Markdown comments (V-02)."""
    b = round_builder
    commented_case(b, "nav-a", "K-AAAAA1", {"V-01": "ja", "A-02": "delvis", "V-02": "nei"},
                   {"V-02": "Planen mangler **dato**. Se [rundskrivet](https://lovdata.no/x):\n\n1. mål\n2. tiltak"})
    b.case("nav-a", "K-AAAAA2", {"V-01": "nei", "V-02": "ja", "A-01": "ja"}, status="avsluttet")
    commented_case(b, "nav-a", "K-AAAAA3", {"V-01": "ja", "V-02": "nei"}, {"V-02": "- én\n- to"})
    b.case("nav-b", "K-BBBBB1", {"V-01": "ja", "V-02": "ja"})
    return b


@pytest.fixture
def hand_docx(hand_round):
    result = run("report", "runde", "--out", "ut", "--format", "html,docx")
    assert result.exit_code == 0, result.output
    return Path("ut")


def test_report_command_writes_a_docx_per_report(hand_docx):
    assert sorted(p.name for p in hand_docx.glob("*.docx")) == ["nav-a.docx", "nav-b.docx", "oppsummering.docx"]


def test_docx_headings_are_word_headings_in_the_html_order(hand_docx):
    for name in ("nav-a", "oppsummering"):
        document = docx.Document(hand_docx / f"{name}.docx")
        headings = docx_headings(document)
        assert headings == html_headings(hand_docx / f"{name}.html")
    office = docx_headings(docx.Document(hand_docx / "nav-a.docx"))
    assert office[0] == ("Title", "Rapport fra kvalitetsinnsyn i kvalifiseringsprogrammet: NAV A")
    assert ("Heading 1", "Funn") in office
    assert any(style == "Heading 2" and text.startswith("Avvik (2)") for style, text in office)
    assert any(style == "Heading 3" and text.startswith("V-01: ") for style, text in office)


def test_docx_tables_repeat_their_header_row(hand_docx):
    document = docx.Document(hand_docx / "nav-a.docx")
    matrix = next(t for t in document.tables if t.rows[0].cells[0].text == "Kriterium"
                  and "K-AAAAA1" in [c.text for c in t.rows[0].cells])
    assert [c.text for c in matrix.rows[0].cells] == ["Kriterium", "K-AAAAA1", "K-AAAAA2", "K-AAAAA3",
                                                      "Oppfylt, saker"]
    assert matrix.style.name == "Table Grid"
    caption = matrix._tbl.tblPr.find(W + "tblCaption").get(W + "val")  # the table's alternative text
    html = (hand_docx / "nav-a.html").read_text(encoding="utf-8")
    assert re.search(r"<caption[^>]*>" + re.escape(caption) + "</caption>", html)
    for table in document.tables:
        if table.style.name != "Table Grid":
            continue  # the cover's facts: a layout table without a header
        first, rest = table.rows[0]._tr, table.rows[1:]
        assert first.trPr is not None and first.trPr.find(W + "tblHeader") is not None
        assert all(r._tr.trPr.find(W + "tblHeader") is None for r in rest)


def test_docx_title_language_page_and_footer(hand_docx):
    document = docx.Document(hand_docx / "nav-a.docx")
    props = document.core_properties
    html = (hand_docx / "nav-a.html").read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert props.title == title == "Rapport fra kvalitetsinnsyn – NAV A – Testrunde 2026"
    assert props.language == "nb-NO"
    default_lang = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert default_lang.get(W + "val") == "nb-NO"
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    footer = "".join(t.text for t in section.footer._element.iter(W + "instrText"))
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert section.header.paragraphs[0].text == "NAV A – Testrunde 2026"


def test_english_docx_marks_the_checklists_norwegian_text(hand_round):
    assert run("report", "runde", "--out", "ut", "--format", "html,docx", "--lang", "en").exit_code == 0
    document = docx.Document("ut/nav-a.en.docx")
    assert document.core_properties.language == "en-GB"
    assert docx_headings(document) == html_headings(Path("ut/nav-a.en.html"))
    assert ("Heading 1", "Findings") in docx_headings(document)
    # the mini checklist is in bokmål: its questions are marked so, the fixed text is not
    marked = {r.text for p in document.paragraphs for r in p.runs
              if r._r.rPr is not None and r._r.rPr.find(W + "lang") is not None
              and r._r.rPr.find(W + "lang").get(W + "val") == "nb-NO"}
    assert any(text.startswith("V-01: ") for text in marked)
    assert not any(text.startswith("Findings") for text in marked)


def test_docx_converts_the_comments_markdown_to_runs_links_and_lists(hand_docx):
    document = docx.Document(hand_docx / "nav-a.docx")
    paragraphs = document.paragraphs
    comment = next(p for p in paragraphs if "Planen mangler" in p.text)
    assert [r.text for r in comment.runs if r.bold] == ["dato"]
    links = comment._p.findall(W + "hyperlink")
    assert len(links) == 1 and "".join(t.text for t in links[0].iter(W + "t")) == "rundskrivet"
    rid = links[0].get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
    assert document.part.rels[rid].target_ref == "https://lovdata.no/x"
    # the comments are a list of the failing cases; a list in a comment is a list inside it
    at = paragraphs.index(comment)
    assert [(p.style.name, p.text) for p in paragraphs[at:at + 6]] == [
        ("List Bullet", "K-AAAAA1: Planen mangler dato. Se rundskrivet:"),
        ("List Number 2", "mål"), ("List Number 2", "tiltak"),
        ("List Bullet", "K-AAAAA3:"), ("List Bullet 2", "én"), ("List Bullet 2", "to")]


def test_each_numbered_list_starts_at_one(round_builder):
    for key in ("K-AAAAA1", "K-AAAAA2"):
        commented_case(round_builder, "nav-a", key, {"V-01": "ja", "V-02": "nei"}, {"V-02": "1. a\n2. b"})
    assert run("report", "runde", "--out", "ut", "--format", "docx").exit_code == 0
    document = docx.Document("ut/nav-a.docx")
    num_ids = [p._p.pPr.numPr.numId.val for p in document.paragraphs if p.style.name.startswith("List Number")]
    assert len(num_ids) == 4 and num_ids[0] == num_ids[1] != num_ids[2] == num_ids[3]
    numbering = document.part.numbering_part.element
    for num_id in (num_ids[0], num_ids[2]):
        num = next(n for n in numbering.findall(W + "num") if n.get(W + "numId") == str(num_id))
        assert num.find(f"{W}lvlOverride/{W}startOverride").get(W + "val") == "1"


def test_docx_chart_is_a_picture_with_every_figure_in_its_alternative_text(hand_docx):
    document = docx.Document(hand_docx / "nav-a.docx")
    pictures = list(document.element.body.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"))
    assert len(pictures) == 1
    alt = pictures[0].get("descr")
    html = (hand_docx / "nav-a.html").read_text(encoding="utf-8")
    assert pictures[0].get("title") == re.search(r'<title id="chart-title">(.*?)</title>', html).group(1)
    assert "Søknad og vedtak; Kontoret: " in alt and "Fylket: " in alt
    # and the same figures are in the table beside it
    themes = next(t for t in document.tables if t.rows[0].cells[0].text == "Tema")
    assert themes.rows[1].cells[0].text == "Søknad og vedtak"


def test_docx_of_a_draft_says_utkast_in_the_header_and_title_and_a_final_does_not():
    from kvp_audit.report.docx import docx_bytes

    html = ("<html lang='nb'><head><title>Rapport – NAV A</title></head><body>"
            "<p class='header-run'>NAV A – Runde</p><h1>Rapport</h1><p>Tekst.</p></body></html>")
    import io

    draft = docx.Document(io.BytesIO(docx_bytes(html, {"lang": "nb", "draft": True})))
    final = docx.Document(io.BytesIO(docx_bytes(html, {"lang": "nb", "draft": False})))
    assert draft.sections[0].header.paragraphs[0].text == "UTKAST   NAV A – Runde"
    assert draft.core_properties.title == "UTKAST – Rapport – NAV A"
    assert final.sections[0].header.paragraphs[0].text == "NAV A – Runde"
    assert final.core_properties.title == "Rapport – NAV A"
    assert "UTKAST" not in all_text(final)


def test_docx_is_the_same_bytes_for_the_same_input(hand_round):
    assert run("report", "runde", "--out", "a", "--format", "docx").exit_code == 0
    assert run("report", "runde", "--out", "b", "--format", "docx").exit_code == 0
    for path in Path("a").glob("*.docx"):
        assert path.read_bytes() == (Path("b") / path.name).read_bytes(), path.name
    with zipfile.ZipFile("a/nav-a.docx") as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_docx_is_rebuilt_when_its_input_changes_and_skipped_when_not(hand_round):
    first = build_reports(Path("runde"), Path("ut"), ["html", "docx"])
    assert len(first.written) == 6
    again = build_reports(Path("runde"), Path("ut"), ["html", "docx"])
    assert again.written == [] and len(again.skipped) == 6
    before = Path("ut/nav-b.docx").read_bytes()
    commented_case(hand_round, "nav-b", "K-BBBBB1", {"V-01": "ja", "V-02": "ja"}, {"V-02": "Ok"})
    third = build_reports(Path("runde"), Path("ut"), ["html", "docx"])
    assert sorted(p.name for p in third.written) == ["nav-b.docx", "nav-b.html"]
    assert Path("ut/nav-b.docx").read_bytes() != before
    Path("ut/nav-a.docx").write_bytes(b"edited by hand")
    fourth = build_reports(Path("runde"), Path("ut"), ["html", "docx"])
    assert [p.name for p in fourth.written] == ["nav-a.docx"]


def test_unknown_format_names_the_formats(hand_round):
    result = CliRunner().invoke(main, ["report", "runde", "--format", "odt"])
    assert result.exit_code == 2
    assert "ukjent format 'odt'; bruk html, pdf, md eller docx" in result.output


# --------------------------------------------------------------------------- the example county


@pytest.fixture(scope="module")
def example_docx(tmp_path_factory):
    out = tmp_path_factory.mktemp("eksempel-docx")
    build_reports(EXAMPLE_2026, out, ["html", "docx"])
    return out


def test_example_docx_has_the_html_headings_in_order(example_docx):
    reports = sorted(example_docx.glob("*.docx"))
    offices = [p for p in EXAMPLE_2026.iterdir() if p.is_dir() and p.name.startswith("nav-")]
    workshops = [p for p in offices if (p / "oppfolging.yaml").is_file()]
    assert len(reports) == len(offices) + len(workshops) + 1  # follow-up reports, and the county summary
    for path in reports:
        document = docx.Document(path)
        assert docx_headings(document) == html_headings(path.with_suffix(".html")), path.name
        assert document.core_properties.language == "nb-NO"


def test_example_docx_percentages_are_the_share_of_the_count_beside_them(example_docx):
    checked = 0
    for path in sorted(example_docx.glob("*.docx")):
        text = all_text(docx.Document(path))
        assert contradictions(text) == [], path.name
        checked += len(figures(text))
    assert checked > 100  # the rule was tried on many figures, not on none


def test_docx_shows_markup_in_names_and_comments_as_text(round_builder):
    hostile = "<img src=https://evil.example/p.png> [r](javascript:alert(3)) *a* & b < 5"
    rnd = (round_builder.root / "runde.yaml").read_text(encoding="utf-8")
    round_builder.write("runde.yaml", rnd.replace("name: NAV A", f"name: 'NAV {hostile}'"))
    commented_case(round_builder, "nav-a", "K-AAAAA1", {"V-01": "nei", "V-02": "nei"},
                   {"V-01": "antall < 5 & mer <script>x</script>", "V-02": "[klikk](javascript:alert(1)) ok"})
    result = run("report", "runde", "--out", "ut", "--format", "docx")
    assert result.exit_code == 0, result.output
    document = docx.Document("ut/nav-a.docx")
    assert document.core_properties.title == f"Rapport fra kvalitetsinnsyn – NAV {hostile} – Testrunde 2026"
    assert document.sections[0].header.paragraphs[0].text == f"NAV {hostile} – Testrunde 2026"
    text = all_text(document)
    assert "K-AAAAA1: antall < 5 & mer" in text and "<script>" not in text
    assert "K-AAAAA1: klikk ok" in text
    assert not document.element.body.findall(f".//{W}hyperlink")  # javascript: links are dropped
    assert len(document.inline_shapes) == 1  # the chart; no image from the text


def test_docx_follows_the_users_own_template(hand_round, tmp_path):
    mine = tmp_path / "maler"
    mine.mkdir()
    template = mine / "office.html.j2"
    template.write_text('{% extends "default/office.html.j2" %}\n'
                        "{% block matrix %}<h2>Egen tabell for {{ office.name }}</h2>{% endblock %}\n",
                        encoding="utf-8")
    assert run("report", "runde", "--out", "ut", "--format", "docx", "--templates", str(mine)).exit_code == 0
    headings = [text for _style, text in docx_headings(docx.Document("ut/nav-a.docx"))]
    assert "Egen tabell for NAV A" in headings
    template.write_text(template.read_text(encoding="utf-8").replace("Egen tabell", "Vår tabell"), encoding="utf-8")
    again = run("report", "runde", "--out", "ut", "--format", "docx", "--templates", str(mine))
    assert "skrev ut/nav-a.docx" in again.output  # a changed template makes the DOCX again
    assert "Vår tabell for NAV A" in [text for _s, text in docx_headings(docx.Document("ut/nav-a.docx"))]


# Any nesting of the elements the templates and the Markdown use: the DOCX opens, and every word
# of the HTML is in it (a table cell always holds a paragraph, a list inside a cell stays a list).
_words = st.sampled_from(["ja", "nei", "Kvalifiseringsprogram", "80 %", "a<b", "&", "æøå", "K-7QX2M4"])
_inline = st.recursive(_words, lambda inner: st.tuples(st.sampled_from(["strong", "em", "span", "a", "code"]),
                                                       st.lists(inner, min_size=1, max_size=3)), max_leaves=4)
_block = st.recursive(
    st.tuples(st.sampled_from(["p", "h2", "h3", "h4", "li", "td", "th", "dd", "dt", "figcaption"]),
              st.lists(_inline, min_size=1, max_size=3)),
    lambda inner: st.tuples(st.sampled_from(["div", "section", "ul", "ol", "table", "tr", "tbody", "thead", "td",
                                             "dl", "li", "figure", "section class='wide'"]),
                            st.lists(inner, min_size=1, max_size=3)),
    max_leaves=8)


def _html(node) -> str:
    from markupsafe import escape

    if isinstance(node, str):
        return str(escape(node))
    tag, children = node
    name = tag.split()[0]
    attrs = ' href="https://nav.no/x"' if name == "a" else tag[len(name):]
    return f"<{name}{attrs}>" + " ".join(_html(c) for c in children) + f"</{name}>"


def _words_of(node) -> list[str]:
    return [node] if isinstance(node, str) else [w for c in node[1] for w in _words_of(c)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_block, min_size=1, max_size=4))
def test_any_nesting_of_report_html_gives_a_document_with_all_its_words(blocks):
    import io

    from kvp_audit.report.docx import docx_bytes

    html = "<html><head><title>T</title></head><body>" + "".join(_html(b) for b in blocks) + "</body></html>"
    document = docx.Document(io.BytesIO(docx_bytes(html, {"lang": "nb"})))
    text = all_text(document)
    for word in (w for b in blocks for w in _words_of(b)):
        assert word in text, (word, html)
    for tc in document.element.body.iter(W + "tc"):
        assert tc[-1].tag == W + "p", html  # Word refuses a cell that does not end with a paragraph


# --------------------------------------------------------------------------- the letter (rapport.yaml)

RAPPORT_YAML = """\
status: {status}
date: 2026-03-20
team:
  - name: "Kari Revisor"
    title: "seniorrådgiver"
text:
  summary: |
    Kontoret har **gode rutiner** for vedtak, men planene mangler:

    - mål
    - tiltak
  conclusion: "Kontoret må rette avvikene."
"""


def test_docx_has_the_teams_text_and_a_draft_says_utkast_on_every_page(hand_round):
    hand_round.write("nav-a/rapport.yaml", RAPPORT_YAML.format(status="utkast"))
    hand_round.write("nav-b/rapport.yaml", RAPPORT_YAML.format(status="endelig"))
    result = run("report", "runde", "--out", "ut", "--format", "html,docx")
    assert result.exit_code == 0, result.output
    draft, final = docx.Document("ut/nav-a.docx"), docx.Document("ut/nav-b.docx")
    assert docx_headings(draft) == html_headings(Path("ut/nav-a.html"))
    texts = [(p.style.name, p.text) for p in draft.paragraphs]
    start = texts.index(("Heading 1", "Sammendrag"))
    assert texts[start + 1:start + 4] == [("Normal", "Kontoret har gode rutiner for vedtak, men planene mangler:"),
                                          ("List Bullet", "mål"), ("List Bullet", "tiltak")]
    assert "Kontoret må rette avvikene." in all_text(draft)
    assert "Kari Revisor (seniorrådgiver)" in all_text(draft)
    for section in draft.sections:
        assert section.header.paragraphs[0].text.startswith("UTKAST   NAV A – ")
    assert draft.core_properties.title.startswith("UTKAST")
    for section in final.sections:
        assert "UTKAST" not in section.header.paragraphs[0].text
    assert "UTKAST" not in final.core_properties.title and "UTKAST" not in all_text(final)
    assert "Kontoret må rette avvikene." in all_text(final)


def test_example_drafts_say_utkast_and_finals_do_not(example_docx):
    import yaml

    statuses = {p.parent.name: yaml.safe_load(p.read_text(encoding="utf-8"))["status"]
                for p in EXAMPLE_2026.glob("*/rapport.yaml")}
    assert set(statuses.values()) == {"utkast", "endelig"}
    for office, status in statuses.items():
        document = docx.Document(example_docx / f"{office}.docx")
        header = document.sections[0].header.paragraphs[0].text
        assert header.startswith("UTKAST ") == (status == "utkast"), office
        assert document.core_properties.title.startswith("UTKAST") == (status == "utkast"), office


def test_docx_without_cairo_keeps_the_chart_as_table_and_caption(hand_round, monkeypatch):
    from kvp_audit.report import docx as docx_module

    monkeypatch.setattr(docx_module, "chart_png", lambda svg: None)  # as when Cairo cannot be loaded
    result = build_reports(Path("runde"), Path("ut"), ["html", "docx"], office="nav-a", workers=1)
    assert [p.name for p in result.written] == ["nav-a.html", "nav-a.docx"]
    document = docx.Document("ut/nav-a.docx")
    assert len(document.inline_shapes) == 0
    html = Path("ut/nav-a.html").read_text(encoding="utf-8")
    caption = re.search(r'<figcaption class="chart-alt">(.*?)</figcaption>', html).group(1)
    assert ("Caption", caption) in [(p.style.name, p.text) for p in document.paragraphs]
    assert any(t.rows[0].cells[0].text == "Tema" for t in document.tables)
