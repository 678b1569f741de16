"""The PDF reports are compact letters: page limits, type sizes, no heading alone at the foot
of a page, no text outside its cell, and headers broken only between words.

The example round 2026 has offices with three to five cases and one with ten (NAV Sørholmen).
Page counts are read from the PDFs (pypdf); page ends, sizes, cells and line breaks from
WeasyPrint's layout of the same HTML, which is what the PDF is drawn from.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from figurerule import contradictions, figures

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fiktivfylke" / "2026"
PT = 0.75  # CSS px -> pt
# The limits: an office report of 5 cases in at most 8 A4 pages, of 10 in at most 12.
LIMITS = ((5, 8), (10, 12))
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "caption")


@pytest.fixture(scope="module")
def example_pdfs(tmp_path_factory):
    """The 2026 example round's PDFs: every office and the county summary."""
    from kvp_audit.report import build_reports

    out = tmp_path_factory.mktemp("pdf")
    build_reports(EXAMPLE, out, ["pdf"])
    return out


@pytest.fixture(scope="module")
def cases_per_office():
    from kvp_audit.load import load_round

    data = load_round(EXAMPLE)
    return {o.id: len(data.cases[o.id]) for o in data.round.offices}


def limit_for(n_cases: int) -> int:
    return next(pages for most, pages in LIMITS if n_cases <= most)


# --------------------------------------------------------------------------- pages


def test_the_example_round_tries_both_limits(cases_per_office):
    assert max(cases_per_office.values()) == 10
    assert 5 in cases_per_office.values()


def test_office_pdfs_within_the_page_limits(example_pdfs, cases_per_office):
    pages = {office: len(pypdf.PdfReader(example_pdfs / f"{office}.pdf").pages) for office in cases_per_office}
    over = {office: (n, cases_per_office[office]) for office, n in pages.items()
            if n > limit_for(cases_per_office[office])}
    assert not over, f"pages (cases) over the limit: {over}"
    assert len(pypdf.PdfReader(example_pdfs / "oppsummering.pdf").pages) >= 2


def test_every_percentage_in_the_pdf_text_is_the_share_of_its_count(example_pdfs):
    """The figure rule on what a reader of the PDFs sees: pypdf's text of every page of every
    example PDF (a figure broken over two lines is joined by the checker's whitespace rule)."""
    found, wrong = 0, {}
    for pdf in sorted(example_pdfs.glob("*.pdf")):
        text = " ".join(page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages)
        found += len(figures(text))
        if bad := contradictions(text):
            wrong[pdf.name] = bad[:3]
    assert found > 100  # the check has figures to check: the themes, the findings, the summary
    assert not wrong, wrong


# --------------------------------------------------------------------------- the layout


def _layout(template: str, office: str | None):
    """WeasyPrint's layout of a report's PDF HTML: (box, ancestors) for every box on every page."""
    import weasyprint

    from kvp_audit.report import environment, load_bundle, office_context, render
    from kvp_audit.report.summary import summary_context
    from kvp_audit.report.templating import template_dir

    bundle = load_bundle(EXAMPLE)
    ctx = office_context(bundle, office, "nb") if office else summary_context(bundle, "nb")
    html = render(environment(None, "nb"), f"{template}.html.j2", {**ctx, "for_pdf": True})
    document = weasyprint.HTML(string=html, base_url=str(template_dir())).render()

    def walk(box, ancestors):
        yield box, ancestors
        for child in getattr(box, "children", None) or []:
            yield from walk(child, ancestors + (box,))

    return [list(walk(page._page_box, ())) for page in document.pages]


@pytest.fixture(scope="module", params=[("office", "nav-strandvik"), ("office", "nav-skogli"), ("office", "nav-sorholmen"),
                                        ("summary", None)],
                ids=["5 saker", "5 saker, mange funn", "10 saker", "oppsummering"])
def pages(request):
    """Per page, (box, ancestors) for every box WeasyPrint laid out on it."""
    return _layout(*request.param)


@pytest.fixture(scope="module")
def layout(pages):
    return [item for page in pages for item in page]


def _last_on(page):
    """The last piece of content laid out on a page (text or picture), with its ancestors;
    the running header and the page number are not content."""
    from weasyprint.formatting_structure import boxes

    last = None
    for box, ancestors in page:
        if any(isinstance(a, boxes.MarginBox) for a in ancestors) or isinstance(box, boxes.MarginBox):
            continue
        if (isinstance(box, boxes.TextBox) and box.text.strip()) or isinstance(box, boxes.ReplacedBox):
            last = (box, ancestors)
    return last


def _is_heading(box) -> bool:
    """A heading element or caption, or a paragraph that is nothing but bold text (the title of
    the team's assessment of a theme)."""
    if _tag(box) in HEADING_TAGS:
        return True
    element = getattr(box, "element", None)
    return (_tag(box) == "p" and len(element) == 1 and element[0].tag == "strong"
            and not (element.text or "").strip() and not (element[0].tail or "").strip())


def test_no_page_ends_with_a_heading(pages):
    alone = []
    for number, page in enumerate(pages[:-1], 1):
        box, ancestors = _last_on(page)
        heading = next((a for a in ancestors if _is_heading(a)), None)
        if heading is not None:
            alone.append(f"side {number}: <{_tag(heading)}> {' '.join(heading.element.itertext())[:60]}")
    assert not alone, alone


def _tag(box) -> str:
    return box.element_tag if getattr(box, "element", None) is not None else ""


def _texts(layout):
    from weasyprint.formatting_structure import boxes

    return [(box, ancestors) for box, ancestors in layout if isinstance(box, boxes.TextBox) and box.text.strip()]


def test_a_chart_and_its_caption_share_a_page(pages):
    seen: dict[int, set[int]] = {}
    for number, page in enumerate(pages, 1):
        for box, _ancestors in page:
            if _tag(box) == "figure":
                seen.setdefault(id(box.element), set()).add(number)
    assert seen and all(len(on) == 1 for on in seen.values()), seen


def test_body_text_at_least_9_pt_and_table_text_at_least_8_pt(layout):
    from weasyprint.formatting_structure import boxes

    small = set()
    for box, ancestors in _texts(layout):
        size = box.style["font_size"] * PT
        in_margin = any(isinstance(a, boxes.MarginBox) for a in ancestors)
        in_table = any(_tag(a) in ("td", "th", "caption") for a in ancestors)
        least = 8 if in_margin or in_table else 9
        if size < least - 0.01:
            small.add(f"{size:.1f} pt < {least}: {box.text[:40]!r}")
    assert not small, sorted(small)[:10]


def _cells(layout):
    from weasyprint.formatting_structure import boxes

    return [(box, ancestors) for box, ancestors in layout if isinstance(box, boxes.TableCellBox)]


def _lines_of(cell) -> list[str]:
    """The text of each line in a table cell, top to bottom (without the break opportunity
    of ``<wbr>``)."""
    from weasyprint.formatting_structure import boxes

    lines = []

    def walk(box):
        if isinstance(box, boxes.LineBox):
            words = []

            def text(b):
                if isinstance(b, boxes.TextBox):
                    words.append(b.text)
                for c in getattr(b, "children", None) or []:
                    text(c)

            text(box)
            lines.append("".join(words).replace("\u200b", ""))
            return
        for c in getattr(box, "children", None) or []:
            walk(c)

    walk(cell)
    return lines


def test_no_text_outside_its_cell(layout):
    from weasyprint.formatting_structure import boxes

    outside = []
    for cell, _ancestors in _cells(layout):
        right = cell.content_box_x() + cell.width + 0.5

        def walk(box):
            if isinstance(box, boxes.TextBox) and box.text.strip() and box.position_x + box.width > right:
                outside.append(f"{box.text!r} runs {box.position_x + box.width - right:.1f} px out of its cell")
            for c in getattr(box, "children", None) or []:
                walk(c)

        walk(cell)
    assert not outside, outside[:10]


def _classes(box) -> str:
    return (box.element.get("class") or "") if getattr(box, "element", None) is not None else ""


def test_headers_break_only_between_words(layout):
    """A case key breaks only after its dash (K- / 7SGJPP), an office's name or a criterion in
    a row header only at a space or after a dash of its own (KVP-/arbeidet), a column header
    also at a hyphenation point; never inside a word as an overflowing one would (Strandvi/k)."""
    broken = []
    for cell, ancestors in _cells(layout):
        if _tag(cell) != "th":
            continue
        lines = [line for line in _lines_of(cell) if line.strip()]
        full = " ".join(cell.element.itertext()).split()
        for above, below in zip(lines, lines[1:]):
            last = above.rstrip().split()[-1]
            if "key" in _classes(cell):
                ok = above == "K-" and re.fullmatch(r"[0-9A-Z]{6}", below.strip())
            elif cell.element.get("scope") == "row":
                ok = last in full or last.endswith("-")
            else:
                ok = last in full or last.endswith(("-", "\u2010"))
            if not ok:
                broken.append(f"{above!r} / {below!r}")
    assert not broken, broken[:10]


def test_case_key_headers_are_whole(layout):
    keys = ["".join(_lines_of(cell)) for cell, _a in _cells(layout) if "key" in _classes(cell)]
    for key in keys:
        assert re.fullmatch(r"K-[0-9A-Z]{6}", key.strip()), key
