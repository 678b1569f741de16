"""Word (DOCX): the office report and the county summary as editable Word documents.

A DOCX is made from the HTML that the report's own template renders from the render context,
so it holds exactly what the HTML and the PDF show, in the same order, and follows a user's
own templates too; no figure is computed here. The HTML is mapped to real Word structure:
``h1`` to the Title style, ``h2``-``h4`` to Heading 1-3, tables to the Table Grid style with
their header rows repeated on every page, lists to List Bullet / List Number (each numbered
list starting at 1), captions to Caption, small print (``meta``, ``legend``, ``note``) to a
paragraph style of its own. A chart becomes a picture with its text alternative (rasterised
by CairoSVG; every figure in it is in the table beside it). The page is A4 with the page
number in the footer, the running header of the PDF in the header, and UTKAST there on every
page of a draft; the title and language are set in the document's properties and on every
run, including the checklist's own text when it is in another language than the report.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from ..yamlio import atomic_write

DOCX_SOURCE = Path(__file__)  # part of what a DOCX is made from, for the rebuild record
LANGUAGE_TAGS = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}
NOTE_STYLE = "KVP Note"
DRAFT_STYLE = "KVP Draft"
TABLE_STYLES = {False: "KVP Table Text", True: "KVP Table Text Small"}  # by landscape
FONT = "Arial"
ACCENT = "1F3B5C"
HEADER_FILL = "E8EEF5"
HEADINGS = {"h2": "Heading 1", "h3": "Heading 2", "h4": "Heading 3", "h5": "Heading 4", "h6": "Heading 4"}
SMALL_CLASSES = ("meta", "legend", "note", "chart-alt")
INLINE = frozenset({"a", "abbr", "b", "br", "code", "em", "i", "span", "strong", "sub", "sup", "small", "wbr",
                    "time", "mark", "q", "cite", "u", "s", "del", "ins", "kbd", "samp", "var", "label"})
SKIP = frozenset({"head", "title", "style", "script", "template", "noscript", "meta", "link"})
VOID = frozenset({"br", "wbr", "img", "hr", "meta", "link", "input", "col", "area", "base", "source"})
# Outcome classes of the HTML tables, shaded as in the HTML and PDF (the symbol says it too).
CELL_FILLS = {"oppfylt": "E3F1E6", "delvis": "FFF3C4", "ikke_oppfylt": "FBE3E4", "ikke_aktuelt": "F1F1F1",
              "ubesvart": "F1F1F1"}
PORTRAIT_TEXT_CM = 17.8
LANDSCAPE_TEXT_CM = 26.5


# --------------------------------------------------------------------------- HTML tree

@dataclass
class Node:
    """An HTML element (``tag``) or a piece of text (``tag`` is None)."""

    tag: str | None
    attrs: dict = field(default_factory=dict)
    children: list = field(default_factory=list)
    text: str = ""

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def find(self, tag: str):
        """The first element ``tag`` below this one, depth first, or None."""
        for child in self.children:
            if child.tag == tag:
                return child
            if child.tag is not None:
                found = child.find(tag)
                if found is not None:
                    return found
        return None

    def all_text(self) -> str:
        if self.tag is None:
            return self.text
        return "".join(c.all_text() for c in self.children)


class _TreeBuilder(HTMLParser):
    """A small, forgiving HTML tree builder for the reports' own HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]
        self.raw_svg: list[str] | None = None
        self.svg_depth = 0

    def handle_starttag(self, tag, attrs):
        if self.raw_svg is not None:  # an SVG is kept as its source, for the picture
            self.raw_svg.append(self.get_starttag_text())
            self.svg_depth += tag == "svg"
            return
        node = Node(tag, {k: (v or "") for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag == "svg":
            self.raw_svg, self.svg_depth = [self.get_starttag_text()], 1
            self.stack.append(node)
        elif tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        if self.raw_svg is not None:
            self.raw_svg.append(self.get_starttag_text())
            return
        self.stack[-1].children.append(Node(tag, {k: (v or "") for k, v in attrs}))

    def handle_endtag(self, tag):
        if self.raw_svg is not None:
            self.raw_svg.append(f"</{tag}>")
            self.svg_depth -= tag == "svg"
            if self.svg_depth == 0:
                node = self.stack.pop()
                node.text = "".join(self.raw_svg)
                self.raw_svg = None
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if self.raw_svg is not None:
            from markupsafe import escape

            self.raw_svg.append(str(escape(data)))
            return
        self.stack[-1].children.append(Node(None, text=data))


def parse_html(html: str) -> Node:
    """The HTML as a tree of :class:`Node`; an ``svg`` element keeps its source in ``text``."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def _svg_text(svg_source: str, tag: str) -> str:
    """The text of an SVG's ``title`` or ``desc``."""
    node = parse_html(svg_source.replace("<svg", "<div", 1)).find(tag)
    return " ".join(node.all_text().split()) if node is not None else ""


# --------------------------------------------------------------------------- Word helpers

def _qn(name: str) -> str:
    from docx.oxml.ns import qn

    return qn(name)


def _element(name: str, **attrs):
    from docx.oxml import OxmlElement

    el = OxmlElement(name)
    for key, value in attrs.items():
        el.set(_qn(key.replace("_", ":", 1)), str(value))
    return el


def _set_language(rpr, tag: str) -> None:
    lang = rpr.find(_qn("w:lang"))
    if lang is None:
        lang = _element("w:lang")
        rpr.append(lang)
    lang.set(_qn("w:val"), tag)
    lang.set(_qn("w:eastAsia"), tag)
    lang.set(_qn("w:bidi"), tag)


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    tcpr.append(_element("w:shd", w_val="clear", w_color="auto", w_fill=fill))


def _field(paragraph, code: str) -> None:
    """A field (PAGE, NUMPAGES) that Word and LibreOffice fill in when they lay out the page."""
    run = paragraph.add_run()
    run._r.append(_element("w:fldChar", w_fldCharType="begin"))
    instr = _element("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = f" {code} "
    run._r.append(instr)
    run._r.append(_element("w:fldChar", w_fldCharType="separate"))
    run._r.append(_element("w:t"))
    run._r[-1].text = "1"
    run._r.append(_element("w:fldChar", w_fldCharType="end"))


def _source_date() -> dt.datetime | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        return None


def _reproducible(data: bytes, when: dt.datetime) -> bytes:
    """The DOCX with every zip entry dated ``when`` (SOURCE_DATE_EPOCH, else 1980-01-01), so
    equal input gives equal bytes."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def chart_png(svg: str) -> bytes | None:
    """The chart as a PNG at twice its size, or None when CairoSVG (or Cairo) cannot be loaded;
    the chart's figures are then in the table and the caption beside it only."""
    try:
        import cairosvg
    except (ImportError, OSError):
        return None
    match = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    width = float(match.group(1)) if match else 700.0
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=int(width * 2))


# --------------------------------------------------------------------------- the writer

@dataclass
class _Fmt:
    bold: bool = False
    italic: bool = False
    code: bool = False
    sup: bool = False
    sub: bool = False
    lang: str | None = None
    href: str | None = None


class _Writer:
    """Walks the HTML tree and writes the Word document."""

    def __init__(self, doc, lang: str):
        self.doc = doc
        self.lang = LANGUAGE_TAGS.get(lang, lang)
        self.lead_in: list | None = None  # inline runs waiting for the next paragraph ("Anbefaling: ...")
        self.landscape = False
        self._style_ids: dict[str, str] = {}

    def style_id(self, name: str) -> str:
        """A style's id, looked up once (python-docx looks it up on every use, slowly)."""
        if name not in self._style_ids:
            self._style_ids[name] = self.doc.styles[name].style_id
        return self._style_ids[name]

    def add_paragraph(self, container, style: str | None):
        paragraph = container.add_paragraph()
        if style:
            paragraph._p.style = self.style_id(style)
        return paragraph

    # ---- blocks

    def blocks(self, node: Node, container, style: str | None = None, lang: str | None = None) -> None:
        """Write ``node``'s children as paragraphs, tables and lists into ``container``."""
        inline: list = []

        def flush():
            if any(n.tag is not None or n.text.strip() for n in inline):
                self.paragraph(container, list(inline), style, lang)
            inline.clear()

        for child in node.children:
            if child.tag is None or child.tag in INLINE:
                inline.append(child)
                continue
            if child.tag in SKIP:
                continue
            if self._is_lead_in(inline, child):
                self.lead_in = (list(inline), lang)
                inline.clear()
            flush()
            self.block(child, container, style, lang)
        flush()
        if self.lead_in is not None and node.tag in ("div", "section", "li", "td", "th"):
            runs, run_lang = self.lead_in
            self.lead_in = None
            self.paragraph(container, runs, style, run_lang)

    @staticmethod
    def _is_lead_in(inline: list, child: Node) -> bool:
        """Whether inline text ending in ':' leads into the paragraph that follows (a label)."""
        text = "".join(n.all_text() for n in inline).strip()
        return bool(text) and text.endswith(":") and child.tag in ("div", "p")

    def block(self, node: Node, container, style: str | None, lang: str | None) -> None:
        tag = node.tag
        lang = node.attrs.get("lang") or lang
        classes = node.classes()
        if "header-run" in classes or "visually-hidden" in classes or "sr-only" in classes:
            return
        if any(c in classes for c in SMALL_CLASSES):
            style = NOTE_STYLE
        elif "draft-banner" in classes:
            style = DRAFT_STYLE
        if tag == "h1":
            self._flush_lead_in(container, style)
            self.paragraph(container, node.children, "Title", lang)
        elif tag in HEADINGS:
            self._flush_lead_in(container, style)
            self.paragraph(container, node.children, HEADINGS[tag], lang)
        elif tag == "p":
            self.paragraph(container, node.children, style, lang)
        elif tag in ("ul", "ol"):
            self._flush_lead_in(container, style)
            self.list(node, container, lang, level=1)
        elif tag == "table":
            self._flush_lead_in(container, style)
            self.table(node, container, lang)
        elif tag == "dl":
            self._flush_lead_in(container, style)
            self.definition_table(node, container, lang)
        elif tag == "figure":
            self.figure(node, container, lang)
        elif tag == "svg":
            self.picture(node, container)
        elif tag == "hr":
            pass
        elif tag == "section" and "wide" in classes and container is self.doc:
            self._orientation(landscape=True)
            self.blocks(node, container, style, lang)
            self._orientation(landscape=False)
        else:  # div, section, main, body, blockquote, address, ...: a container
            self.blocks(node, container, style, lang)

    def _flush_lead_in(self, container, style):
        if self.lead_in is not None:
            runs, lang = self.lead_in
            self.lead_in = None
            self.paragraph(container, runs, style, lang)

    def paragraph(self, container, nodes: list, style: str | None, lang: str | None, paragraph=None):
        """One paragraph from inline nodes (whitespace collapsed as in HTML); a waiting lead-in
        label goes first."""
        segments: list[tuple[str, _Fmt] | None] = []
        if self.lead_in is not None and style not in ("Title", *HEADINGS.values()):
            runs, lead_lang = self.lead_in
            self.lead_in = None
            for n in runs:
                self.inline(n, _Fmt(lang=lead_lang), segments)
            segments.append((" ", _Fmt()))
        for n in nodes:
            self.inline(n, _Fmt(lang=lang), segments)
        segments = _collapse(segments)
        if paragraph is None:
            paragraph = self.add_paragraph(container, style)
        elif style:
            paragraph._p.style = self.style_id(style)
        for seg in segments:
            if seg is None:
                paragraph.add_run().add_break()
                continue
            text, fmt = seg
            if fmt.href:
                self._hyperlink(paragraph, text, fmt)
                continue
            run = paragraph.add_run(text)
            self._format(run, fmt)
        return paragraph

    def _format(self, run, fmt: _Fmt) -> None:
        if fmt.bold:
            run.bold = True
        if fmt.italic:
            run.italic = True
        if fmt.code:
            run.font.name = "Courier New"
        if fmt.sup:
            run.font.superscript = True
        if fmt.sub:
            run.font.subscript = True
        if fmt.lang:
            tag = LANGUAGE_TAGS.get(fmt.lang, fmt.lang)
            if tag != self.lang:
                _set_language(run._r.get_or_add_rPr(), tag)

    def _hyperlink(self, paragraph, text: str, fmt: _Fmt) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.shared import RGBColor

        rid = paragraph.part.relate_to(fmt.href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = _element("w:hyperlink")
        link.set(_qn("r:id"), rid)
        run = paragraph.add_run(text)
        self._format(run, fmt)
        run.font.underline = True
        run.font.color.rgb = RGBColor(0x0B, 0x4F, 0x8A)
        link.append(run._r)
        paragraph._p.append(link)

    def inline(self, node: Node, fmt: _Fmt, out: list) -> None:
        if node.tag is None:
            out.append((node.text, fmt))
            return
        tag = node.tag
        if tag in SKIP or tag == "img":
            return
        if tag == "br":
            out.append(None)
            return
        lang = node.attrs.get("lang") or fmt.lang
        inner = _Fmt(fmt.bold or tag in ("strong", "b"), fmt.italic or tag in ("em", "i", "cite"),
                     fmt.code or tag in ("code", "kbd", "samp"), fmt.sup or tag == "sup", fmt.sub or tag == "sub",
                     lang, node.attrs.get("href") if tag == "a" and node.attrs.get("href") else fmt.href)
        for child in node.children:
            self.inline(child, inner, out)

    # ---- lists

    def list(self, node: Node, container, lang: str | None, level: int) -> None:
        ordered = node.tag == "ol"
        style = ("List Number" if ordered else "List Bullet") + ("" if level == 1 else f" {min(level, 3)}")
        num_id = self._restart_numbering(style) if ordered else None
        for item in node.children:
            if item.tag != "li":
                continue
            item_lang = item.attrs.get("lang") or lang
            inline = [c for c in item.children if c.tag is None or c.tag in INLINE]
            nested = [c for c in item.children if c.tag in ("ul", "ol")]
            others = [c for c in item.children if c.tag not in INLINE and c.tag not in ("ul", "ol", None)]
            if others and not any(n.tag is not None or n.text.strip() for n in inline):
                # <li><p>..</p></li> (a loose Markdown list): its first paragraph is the item
                first, rest = others[0], others[1:]
                paragraph = self.paragraph(container, first.children, style, item_lang)
                for extra in rest:
                    self.block(extra, container, "List Continue" if level == 1 else f"List Continue {min(level, 3)}",
                               item_lang)
            else:
                paragraph = self.paragraph(container, inline, style, item_lang)
                for extra in others:
                    self.block(extra, container, "List Continue", item_lang)
            if num_id is not None:
                self._number(paragraph, num_id, level)
            for sub in nested:
                self.list(sub, container, item_lang, level + 1)

    def _restart_numbering(self, style_name: str) -> int | None:
        """A new numbering instance of the style's list, starting at 1 (Word would otherwise
        go on counting from the previous numbered list)."""
        style = self.doc.styles[style_name]
        num_pr = style.element.pPr.find(_qn("w:numPr")) if style.element.pPr is not None else None
        num_el = num_pr.find(_qn("w:numId")) if num_pr is not None else None
        if num_el is None:
            return None
        numbering = self.doc.part.numbering_part.element
        base = int(num_el.get(_qn("w:val")))
        abstract = next((n.find(_qn("w:abstractNumId")).get(_qn("w:val")) for n in numbering.findall(_qn("w:num"))
                         if int(n.get(_qn("w:numId"))) == base), None)
        if abstract is None:
            return None
        new_id = max(int(n.get(_qn("w:numId"))) for n in numbering.findall(_qn("w:num"))) + 1
        num = _element("w:num", w_numId=new_id)
        num.append(_element("w:abstractNumId", w_val=abstract))
        override = _element("w:lvlOverride", w_ilvl=0)
        override.append(_element("w:startOverride", w_val=1))
        num.append(override)
        numbering.append(num)
        return new_id

    @staticmethod
    def _number(paragraph, num_id: int, level: int) -> None:
        ppr = paragraph._p.get_or_add_pPr()
        num_pr = _element("w:numPr")
        num_pr.append(_element("w:ilvl", w_val=0))
        num_pr.append(_element("w:numId", w_val=num_id))
        ppr.insert(0, num_pr) if ppr.find(_qn("w:pStyle")) is None else ppr.find(_qn("w:pStyle")).addnext(num_pr)

    # ---- tables

    def table(self, node: Node, container, lang: str | None) -> None:
        caption = None
        rows: list[tuple[Node, bool]] = []  # (tr, in thead)
        for child in node.children:
            if child.tag == "caption":
                caption = child
            elif child.tag in ("thead", "tbody", "tfoot"):
                rows += [(tr, child.tag == "thead") for tr in child.children if tr.tag == "tr"]
            elif child.tag == "tr":
                rows.append((child, False))
        if not rows:
            return
        if caption is not None:
            p = self.paragraph(container, caption.children, "Caption", caption.attrs.get("lang") or lang)
            p.paragraph_format.keep_with_next = True
        grid = [[c for c in tr.children if c.tag in ("th", "td")] for tr, _head in rows]
        n_cols = max(sum(int(c.attrs.get("colspan") or 1) for c in cells) for cells in grid)
        if not any(head for _tr, head in rows) and all(c.tag == "th" for c in grid[0]) and len(rows) > 1:
            rows[0] = (rows[0][0], True)
        from docx.shared import Emu
        from docx.table import _Cell

        table = container.add_table(rows=len(rows), cols=n_cols)
        table._tbl.tblPr.style = self.style_id("Table Grid")
        widths = self._widths(grid, n_cols)
        # The cells are reached through the XML: python-docx's cell access walks the whole
        # table every time, which makes a large table slow.
        for (tr, head), cells, tr_el in zip(rows, grid, table._tbl.tr_lst):
            trpr = tr_el.get_or_add_trPr()
            trpr.append(_element("w:cantSplit"))
            if head:
                trpr.append(_element("w:tblHeader"))
            tcs = list(tr_el.tc_lst)
            col = 0
            for cell_node in cells:
                if col >= n_cols:
                    break
                span = min(int(cell_node.attrs.get("colspan") or 1), n_cols - col)
                tc = tcs[col]
                for extra in tcs[col + 1:col + span]:
                    tr_el.remove(extra)
                if span > 1:
                    tc.get_or_add_tcPr().append(_element("w:gridSpan", w_val=span))
                tc.width = Emu(sum(widths[col:col + span]))
                self.cell(cell_node, _Cell(tc, table), head, lang)
                col += span
            for tc, width in zip(tcs[col:], widths[col:]):
                tc.width = width
        _grid_widths(table, widths)
        # a little room after a table, as the HTML has
        self.add_paragraph(container, NOTE_STYLE).paragraph_format.space_after = 0

    def _widths(self, grid: list[list[Node]], n_cols: int) -> list:
        """Column widths from the cells' text: long text gets room, a column of symbols little."""
        from docx.shared import Cm

        weights = [3.0] * n_cols
        for cells in grid:
            col = 0
            for cell in cells:
                span = int(cell.attrs.get("colspan") or 1)
                if span == 1 and col < n_cols:
                    longest = max((len(w) for w in cell.all_text().split()), default=0)
                    text = len(" ".join(cell.all_text().split()))
                    weights[col] = max(weights[col], min(max(text, 1), 60) ** 0.85, longest * 1.1)
                col += span
        total = LANDSCAPE_TEXT_CM if self.landscape else PORTRAIT_TEXT_CM
        s = sum(weights)
        return [Cm(total * w / s) for w in weights]

    def cell(self, node: Node, cell, head: bool, lang: str | None) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        lang = node.attrs.get("lang") or lang
        style = TABLE_STYLES[self.landscape]
        first = cell.paragraphs[0]
        if any(c.tag is not None and c.tag not in INLINE for c in node.children):
            before = len(cell._tc.p_lst)
            self.blocks(node, cell, style, lang)
            if len(cell._tc.p_lst) > before and not first.runs:
                cell._tc.remove(first._p)
        else:
            self.paragraph(cell, node.children, style, lang, paragraph=first)
        numeric = "num" in node.classes()
        for p in cell._tc.p_lst:
            if p.style is None:
                p.style = self.style_id(style)
            if numeric:
                p.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.RIGHT  # figures right, as in the HTML
            if head:
                for r in p.r_lst:
                    r.get_or_add_rPr().get_or_add_b()
        if head:
            _shade(cell, HEADER_FILL)
        else:
            fill = next((CELL_FILLS[c] for c in node.classes() if c in CELL_FILLS), None)
            if fill:
                _shade(cell, fill)

    def definition_table(self, node: Node, container, lang: str | None) -> None:
        """A ``dl`` (the cover's facts) as a two-column table without borders."""
        from docx.shared import Cm, Pt

        pairs: list[list] = []
        for child in node.children:
            if child.tag == "dt":
                pairs.append([child, []])
            elif child.tag == "dd" and pairs:
                pairs[-1][1].append(child)
        if not pairs:
            return
        table = container.add_table(rows=len(pairs), cols=2)
        for r, (term, values) in enumerate(pairs):
            left, right = table.cell(r, 0), table.cell(r, 1)
            self.paragraph(left, term.children, None, term.attrs.get("lang") or lang, paragraph=left.paragraphs[0])
            for run in left.paragraphs[0].runs:
                run.bold = True
            for i, value in enumerate(values):
                if i == 0 and not any(c.tag is not None and c.tag not in INLINE for c in value.children):
                    self.paragraph(right, value.children, None, value.attrs.get("lang") or lang,
                                   paragraph=right.paragraphs[0])
                else:
                    self.blocks(value, right, None, value.attrs.get("lang") or lang)
            for cell in (left, right):
                for p in cell.paragraphs:
                    p.paragraph_format.space_after = Pt(0)
            left.width, right.width = Cm(4.5), Cm(PORTRAIT_TEXT_CM - 4.5)
        _grid_widths(table, [Cm(4.5), Cm(PORTRAIT_TEXT_CM - 4.5)])
        self.add_paragraph(container, NOTE_STYLE)

    # ---- charts

    def figure(self, node: Node, container, lang: str | None) -> None:
        for child in node.children:
            if child.tag == "svg":
                self.picture(child, container)
            elif child.tag == "figcaption":
                self.paragraph(container, child.children, "Caption", child.attrs.get("lang") or lang)
            elif child.tag is not None:
                self.block(child, container, None, lang)

    def picture(self, node: Node, container) -> None:
        from docx.shared import Cm

        png = chart_png(node.text)
        if png is None or container is not self.doc:
            return
        width = Cm(15)
        self.doc.add_picture(io.BytesIO(png), width=width)
        picture = self.doc.paragraphs[-1]
        picture.paragraph_format.keep_with_next = True
        doc_pr = picture._p.find(".//" + _qn("wp:docPr"))
        if doc_pr is not None:
            title, desc = _svg_text(node.text, "title"), _svg_text(node.text, "desc")
            doc_pr.set("descr", ". ".join(t for t in (title, desc) if t))
            doc_pr.set("title", title)

    # ---- page

    def _orientation(self, landscape: bool) -> None:
        from docx.enum.section import WD_ORIENT, WD_SECTION

        if self.landscape == landscape:
            return
        body = self.doc.element.body
        last = body[-2] if len(body) > 1 else None  # body[-1] is the document's own sectPr
        if last is not None and last.tag == _qn("w:p") and not len(last.findall(_qn("w:r"))) \
                and last.find(f"{_qn('w:pPr')}/{_qn('w:sectPr')}") is None:
            body.remove(last)  # the space after a table: the section break's own paragraph takes its place
        previous = self.doc.sections[-1]
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        width, height = previous.page_width, previous.page_height
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        if (width > height) != landscape:
            section.page_width, section.page_height = height, width
        self.landscape = landscape


def _grid_widths(table, widths: list) -> None:
    """The table's column widths in its grid, which LibreOffice lays the table out by (Word
    by the cells' widths)."""
    for gc, width in zip(table._tbl.tblGrid.findall(_qn("w:gridCol")), widths):
        gc.set(_qn("w:w"), str(int(width.twips)))


def _collapse(segments: list) -> list:
    """HTML whitespace: runs of spaces and newlines are one space; none at the start or end, or
    beside a line break."""
    out: list = []
    pending_space = False
    started = False
    for seg in segments:
        if seg is None:
            out.append(None)
            pending_space, started = False, False
            continue
        text, fmt = seg
        if not text:
            continue
        lead = text[0].isspace()
        words = text.split()
        trail = text[-1].isspace()
        if not words:
            pending_space = pending_space or started
            continue
        body = " ".join(words)
        if (lead or pending_space) and started:
            # the space goes at the end of the text before it, so a bold word has no bold space
            prev_text, prev_fmt = out[-1]
            out[-1] = (prev_text + " ", prev_fmt)
        out.append((body, fmt))
        started = True
        pending_space = trail
    # merge neighbours with the same format, so a paragraph is a few runs, not dozens
    merged: list = []
    for seg in out:
        if seg is not None and merged and merged[-1] is not None and merged[-1][1] == seg[1]:
            merged[-1] = (merged[-1][0] + seg[0], seg[1])
        else:
            merged.append(seg)
    return merged


def _setup(doc, lang: str, title: str, header: str, draft: bool, draft_word: str, author: str, subject: str,
           when: dt.datetime | None, generator: str) -> None:
    """Styles, language, page size, header and footer, and the document's properties."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Cm, Pt, RGBColor

    tag = LANGUAGE_TAGS.get(lang, lang)
    styles = doc.styles
    rpr_default = styles.element.find(_qn("w:docDefaults") + "/" + _qn("w:rPrDefault") + "/" + _qn("w:rPr"))
    if rpr_default is not None:
        _set_language(rpr_default, tag)
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.element.rPr.rFonts.set(_qn("w:eastAsia"), FONT)
    _set_language(normal.element.get_or_add_rPr(), tag)
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Title", 20), ("Heading 1", 15), ("Heading 2", 12.5), ("Heading 3", 11)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor.from_string(ACCENT)
        rfonts = style.element.rPr.rFonts
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(_qn(attr), None)
    title_style = styles["Title"]
    title_style.paragraph_format.space_after = Pt(10)
    caption = styles["Caption"]
    caption.font.size = Pt(9.5)
    caption.font.bold = True
    caption.font.italic = False
    caption.font.color.rgb = RGBColor(0x1A, 0x1A, 0x1A)
    caption.paragraph_format.space_before = Pt(6)
    note = styles.add_style(NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = normal
    note.font.size = Pt(9)
    note.font.color.rgb = RGBColor(0x4A, 0x4A, 0x4A)
    note.paragraph_format.space_after = Pt(3)
    banner = styles.add_style(DRAFT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    banner.base_style = normal
    banner.font.color.rgb = RGBColor(0xA4, 0x26, 0x2C)
    banner.paragraph_format.space_after = Pt(8)
    for landscape, name in TABLE_STYLES.items():
        cell_style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        cell_style.base_style = normal
        cell_style.font.size = Pt(8 if landscape else 9)
        cell_style.paragraph_format.space_after = Pt(0)
        cell_style.paragraph_format.space_before = Pt(0)

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(1.8)
    section.left_margin = section.right_margin = Cm(1.6)
    section.header_distance = section.footer_distance = Cm(0.9)

    for name in ("Header", "Footer"):  # one right tab at the margin, not the Letter page's tabs
        tabs = styles[name].paragraph_format.tab_stops
        tabs.clear_all()
        tabs.add_tab_stop(Cm(PORTRAIT_TEXT_CM), WD_TAB_ALIGNMENT.RIGHT)
    head = section.header.paragraphs[0]
    head.style = styles["Header"]
    run = head.add_run(header)
    run.font.size = Pt(8)
    run.font.color.rgb = RGBColor(0x4A, 0x4A, 0x4A)
    if draft:
        head.add_run("\t")
        mark = head.add_run(draft_word)
        mark.bold = True
        mark.font.size = Pt(12)
        mark.font.color.rgb = RGBColor(0xA4, 0x26, 0x2C)
    foot = section.footer.paragraphs[0]
    foot.style = styles["Footer"]
    foot.alignment = 2  # right, as the PDF
    _field(foot, "PAGE")
    foot.add_run(" / ")
    _field(foot, "NUMPAGES")
    for r in foot.runs:
        r.font.size = Pt(8)

    props = doc.core_properties
    props.title = title
    props.subject = subject
    props.language = tag
    props.author = author
    props.last_modified_by = author
    props.comments = generator
    props.keywords = "KVP, kvalitetsinnsyn"
    props.revision = 1
    if when is not None:
        props.created = props.modified = when
    else:  # no date rather than the clock's, so equal input gives equal bytes
        for name in ("dcterms:created", "dcterms:modified"):
            element = props._element.find(_qn(name))
            if element is not None:
                props._element.remove(element)


def docx_bytes(html: str, ctx: dict) -> bytes:
    """The report as a DOCX, from the HTML its template rendered from ``ctx``."""
    import docx

    from ..i18n import _

    tree = parse_html(html)
    title_node = tree.find("title")
    title = " ".join(title_node.all_text().split()) if title_node is not None else ""
    draft = bool(ctx.get("draft"))
    draft_word = _("UTKAST")
    if draft and draft_word not in title:
        title = f"{draft_word} – {title}"
    header_node = next((n for n in _walk(tree) if "header-run" in n.classes()), None)
    header = " ".join(header_node.all_text().split()) if header_node is not None else ""
    letter = ctx.get("letter") or ctx.get("county_letter") or {}
    author = letter.get("sender") or ""
    when = _source_date()
    doc = docx.Document()
    _setup(doc, ctx.get("lang", "nb"), title, header, draft, draft_word, author, ctx.get("round", {}).get("name", ""),
           when, "kvp-audit " + str(ctx.get("tool_version", "")))
    body = tree.find("body") or tree
    _Writer(doc, ctx.get("lang", "nb")).blocks(body, doc)
    out = io.BytesIO()
    doc.save(out)
    return _reproducible(out.getvalue(), when or dt.datetime(1980, 1, 1))


def _walk(node: Node):
    for child in node.children:
        if child.tag is not None:
            yield child
            yield from _walk(child)


def write_docx(html: str, target: Path, ctx: dict) -> str:
    """Write the report as a DOCX atomically; returns the digest of the file's content, for the
    rebuild record."""
    from .cache import content_digest

    data = docx_bytes(html, ctx)
    atomic_write(target, data)
    return content_digest(data)
