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
from collections.abc import Callable
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
              "ubesvart": "F1F1F1",
              # the national summary's county x theme cells, by the share met (the share is in the text)
              "band-hi": "E3F1E6", "band-mid": "FFF3C4", "band-lo": "FBE3E4"}
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
    """The chart as a PNG at 1.5 times its size (about 180 dpi at 15 cm wide), or None when
    CairoSVG (or Cairo) cannot be loaded or cannot draw it; the chart's figures are then in the
    table and the caption beside it only, as they are anyway."""
    try:
        import cairosvg
    except (ImportError, OSError):
        return None
    match = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    width = float(match.group(1)) if match else 700.0
    try:
        return cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=int(width * 1.5))
    except Exception:  # an SVG of a user's own template that CairoSVG cannot read: no picture
        return None


# --------------------------------------------------------------------------- the writer

@dataclass(frozen=True)
class _Fmt:
    bold: bool = False
    italic: bool = False
    code: bool = False
    sup: bool = False
    sub: bool = False
    lang: str | None = None
    href: str | None = None


_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str) -> str:
    """Text for WordprocessingML: escaped, without the characters XML cannot hold."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return _INVALID_XML.sub("", text)


def _twips(cm: float) -> int:
    return round(cm * 566.93)


SPACER = "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/><w:spacing w:after=\"0\"/></w:pPr></w:p>"


class _Writer:
    """Walks the HTML tree and writes the document's body as WordprocessingML.

    The XML is written as text and parsed once: building it element by element through
    python-docx takes ten times as long for a report's tables."""

    def __init__(self, doc, lang: str):
        self.doc = doc
        self.lang = LANGUAGE_TAGS.get(lang, lang)
        self.body: list[str] = []
        self.lead_in: tuple | None = None  # inline runs waiting for the next paragraph ("Anbefaling: ...")
        self.landscape = False
        self.list_level = 0  # how deep in lists the writer is
        self.item: tuple | None = None  # the style and number of a list item's first paragraph, until written
        self.picture_id = 100
        self._style_ids: dict[str, str] = {}
        self._links: dict[str, str] = {}
        self.spacer = SPACER.format(style=self.style_id(NOTE_STYLE))

    def style_id(self, name: str) -> str:
        """A style's id, looked up once."""
        if name not in self._style_ids:
            self._style_ids[name] = self.doc.styles[name].style_id
        return self._style_ids[name]

    # ---- blocks

    def blocks(self, node: Node, out: list, style: str | None = None, lang: str | None = None) -> None:
        """Write ``node``'s children as paragraphs, tables and lists into ``out``."""
        inline: list = []

        def flush():
            if any(n.tag is not None or n.text.strip() for n in inline):
                self.paragraph(out, list(inline), style, lang)
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
            self.block(child, out, style, lang)
        flush()
        if self.lead_in is not None and node.tag in ("div", "section", "li", "td", "th"):
            self._flush_lead_in(out, style)

    @staticmethod
    def _is_lead_in(inline: list, child: Node) -> bool:
        """Whether inline text ending in ':' leads into the paragraph that follows (a label)."""
        text = "".join(n.all_text() for n in inline).strip()
        return bool(text) and text.endswith(":") and child.tag in ("div", "p")

    def block(self, node: Node, out: list, style: str | None, lang: str | None) -> None:
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
            self._flush_lead_in(out, style)
            self.paragraph(out, node.children, "Title", lang)
        elif tag in HEADINGS:
            self._flush_lead_in(out, style)
            self.paragraph(out, node.children, HEADINGS[tag], lang)
        elif tag == "p":
            self.paragraph(out, node.children, style, lang)
        elif tag in ("ul", "ol"):
            self._flush_lead_in(out, style)
            self.list(node, out, lang, level=self.list_level + 1)
        elif tag == "table":
            self._flush_lead_in(out, style)
            self.table(node, out, lang)
        elif tag == "dl":
            self._flush_lead_in(out, style)
            self.definition_table(node, out, lang)
        elif tag == "figure":
            self.figure(node, out, lang)
        elif tag == "svg":
            self.picture(node, out)
        elif tag == "hr":
            pass
        elif tag == "section" and "wide" in classes and out is self.body:
            self._orientation(landscape=True)
            self.blocks(node, out, style, lang)
            self._orientation(landscape=False)
        else:  # div, section, main, body, blockquote, address, ...: a container
            self.blocks(node, out, style, lang)

    def _flush_lead_in(self, out: list, style: str | None) -> None:
        if self.lead_in is not None:
            runs, lang = self.lead_in
            self.lead_in = None
            self.paragraph(out, runs, style, lang)

    def paragraph(self, out: list, nodes: list, style: str | None, lang: str | None, *, keep_next: bool = False,
                  num: tuple[int, int] | None = None, right: bool = False, bold: bool = False,
                  tight: bool = False) -> None:
        """One paragraph from inline nodes (whitespace collapsed as in HTML); a waiting lead-in
        label goes first."""
        if self.item is not None and style not in ("Title", *HEADINGS.values()):
            style, num = self.item  # the first paragraph of a list item
            self.item = None
        segments: list = []
        base = _Fmt(bold=bold, lang=lang)
        if self.lead_in is not None and style not in ("Title", *HEADINGS.values()):
            runs, lead_lang = self.lead_in
            self.lead_in = None
            for n in runs:
                self.inline(n, _Fmt(bold=bold, lang=lead_lang), segments)
            segments.append((" ", base))
        for n in nodes:
            self.inline(n, base, segments)
        ppr = []
        if style:
            ppr.append(f'<w:pStyle w:val="{self.style_id(style)}"/>')
        if keep_next:
            ppr.append("<w:keepNext/>")
        if num is not None:
            ppr.append(f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>')
        if tight:
            ppr.append('<w:spacing w:after="0"/>')
        if right:
            ppr.append('<w:jc w:val="right"/>')
        parts = ["<w:p>"]
        if ppr:
            parts.append("<w:pPr>" + "".join(ppr) + "</w:pPr>")
        for seg in _collapse(segments):
            parts.append("<w:r><w:br/></w:r>" if seg is None else self.run(*seg))
        parts.append("</w:p>")
        out.append("".join(parts))

    def run(self, text: str, fmt: _Fmt) -> str:
        rpr = []
        if fmt.code:
            rpr.append('<w:rFonts w:ascii="Courier New" w:hAnsi="Courier New" w:cs="Courier New"/>')
        if fmt.bold:
            rpr.append("<w:b/>")
        if fmt.italic:
            rpr.append("<w:i/>")
        if fmt.href:
            rpr.append('<w:color w:val="0B4F8A"/>')
            rpr.append('<w:u w:val="single"/>')
        if fmt.sup or fmt.sub:
            rpr.append(f'<w:vertAlign w:val="{"superscript" if fmt.sup else "subscript"}"/>')
        if fmt.lang:
            tag = _x(LANGUAGE_TAGS.get(fmt.lang, fmt.lang))  # a lang attribute of a user's template
            if tag != self.lang:
                rpr.append(f'<w:lang w:val="{tag}" w:eastAsia="{tag}" w:bidi="{tag}"/>')
        xml = ("<w:r>" + ("<w:rPr>" + "".join(rpr) + "</w:rPr>" if rpr else "")
               + f'<w:t xml:space="preserve">{_x(text)}</w:t></w:r>')
        if fmt.href:
            return f'<w:hyperlink r:id="{self._link(fmt.href)}">{xml}</w:hyperlink>'
        return xml

    def _link(self, href: str) -> str:
        from docx.opc.constants import RELATIONSHIP_TYPE

        if href not in self._links:
            self._links[href] = self.doc.part.relate_to(href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        return self._links[href]

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
        inner = _Fmt(fmt.bold or tag in ("strong", "b"), fmt.italic or tag in ("em", "i", "cite"),
                     fmt.code or tag in ("code", "kbd", "samp"), fmt.sup or tag == "sup", fmt.sub or tag == "sub",
                     node.attrs.get("lang") or fmt.lang,
                     node.attrs.get("href") if tag == "a" and node.attrs.get("href") else fmt.href)
        for child in node.children:
            self.inline(child, inner, out)

    # ---- lists

    def list(self, node: Node, out: list, lang: str | None, level: int) -> None:
        """A list: each item's first paragraph takes the bullet or number, the rest of the item
        follows in List Continue; a list inside an item is one level deeper."""
        ordered = node.tag == "ol"
        depth = "" if level == 1 else f" {min(level, 3)}"
        style = ("List Number" if ordered else "List Bullet") + depth
        num_id = self._restart_numbering(style) if ordered else None
        num = (num_id, 0) if num_id is not None else None
        outer_level, outer_item = self.list_level, self.item
        self.list_level = level
        try:
            for item in node.children:
                if item.tag is None and not item.text.strip():
                    continue
                if item.tag != "li":  # text or another element right in the list: an item of its own
                    item = Node("li", children=[item])
                self.item = (style, num)
                self.blocks(item, out, "List Continue" + depth, item.attrs.get("lang") or lang)
                if self.item is not None:  # an item with nothing in it still has its bullet
                    self.item = None
                    self.paragraph(out, [], style, lang, num=num)
        finally:
            self.list_level, self.item = outer_level, outer_item

    def _restart_numbering(self, style_name: str) -> int | None:
        """A new numbering instance of the style's list, starting at 1 (Word would otherwise
        go on counting from the previous numbered list)."""
        style = self.doc.styles[style_name]
        num_pr = style.element.pPr.find(_qn("w:numPr")) if style.element.pPr is not None else None
        num_el = num_pr.find(_qn("w:numId")) if num_pr is not None else None
        if num_el is None:
            return None
        numbering = self.doc.part.numbering_part.element
        base = num_el.get(_qn("w:val"))
        nums = numbering.findall(_qn("w:num"))
        abstract = next((n.find(_qn("w:abstractNumId")).get(_qn("w:val")) for n in nums
                         if n.get(_qn("w:numId")) == base), None)
        if abstract is None:
            return None
        new_id = max(int(n.get(_qn("w:numId"))) for n in nums) + 1
        num = _element("w:num", w_numId=new_id)
        num.append(_element("w:abstractNumId", w_val=abstract))
        override = _element("w:lvlOverride", w_ilvl=0)
        override.append(_element("w:startOverride", w_val=1))
        num.append(override)
        numbering.append(num)
        return new_id

    # ---- tables

    def table(self, node: Node, out: list, lang: str | None) -> None:
        caption = None
        rows: list[tuple[Node, bool]] = []  # (tr, in thead)
        fostered: list[Node] = []  # what is in the table but in no cell goes before it, as in a browser

        def collect(container: Node, head: bool) -> None:
            nonlocal caption
            loose: list[Node] = []  # cells without a row: one row of their own
            for child in container.children:
                if child.tag in ("td", "th"):
                    loose.append(child)
                    continue
                if loose:
                    rows.append((Node("tr", children=loose), head))
                    loose = []
                if child.tag == "tr":
                    rows.append((child, head))
                    fostered.extend(c for c in child.children if c.tag not in ("td", "th") and _visible(c))
                elif child.tag in ("thead", "tbody", "tfoot") and container is node:
                    collect(child, child.tag == "thead")
                elif child.tag == "caption" and container is node and caption is None:
                    caption = child
                elif child.tag not in ("col", "colgroup") and _visible(child):
                    fostered.append(child)
            if loose:
                rows.append((Node("tr", children=loose), head))

        collect(node, False)
        if fostered:
            self.blocks(Node("div", children=fostered), out, None, lang)
        if caption is not None:
            self.paragraph(out, caption.children, "Caption", caption.attrs.get("lang") or lang, keep_next=True)
        grid = [[c for c in tr.children if c.tag in ("th", "td")] for tr, _head in rows]
        rows = [row for row, cells in zip(rows, grid) if cells]
        grid = [cells for cells in grid if cells]
        if not rows:
            return
        n_cols = max(sum(int(c.attrs.get("colspan") or 1) for c in cells) for cells in grid)
        if not any(head for _tr, head in rows) and all(c.tag == "th" for c in grid[0]) and len(rows) > 1:
            rows[0] = (rows[0][0], True)
        widths = self._widths(grid, n_cols)
        # the caption is also the table's own title (Word's alternative text of a table)
        title = f'<w:tblCaption w:val="{_x(" ".join(caption.all_text().split()))}"/>' if caption is not None else ""
        parts = [f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.style_id("Table Grid")}"/><w:tblW w:w="0" w:type="auto"/>'
                 # a little room above and below each cell's text, so it never touches the rules
                 '<w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
                 '<w:bottom w:w="28" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
                 '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
                 f'w:noHBand="0" w:noVBand="1"/>{title}</w:tblPr><w:tblGrid>',
                 *(f'<w:gridCol w:w="{w}"/>' for w in widths), "</w:tblGrid>"]
        for (_tr, head), cells in zip(rows, grid):
            parts.append("<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if head else "") + "</w:trPr>")
            col = 0
            for cell_node in cells:
                if col >= n_cols:
                    break
                span = min(int(cell_node.attrs.get("colspan") or 1), n_cols - col)
                parts.append(self.cell(cell_node, sum(widths[col:col + span]), span, head, lang))
                col += span
            for width in widths[col:]:  # a short row: empty cells to the end
                parts.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p/></w:tc>')
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        out.append("".join(parts))
        out.append(self.spacer)  # a little room after a table, as the HTML has

    def _widths(self, grid: list[list[Node]], n_cols: int) -> list[int]:
        """Column widths (twips) from the cells' text: long text gets room, a column of symbols
        little, and every column at least its longest word (a word may break after a dash)."""
        weights = [3.0] * n_cols
        longest = [1] * n_cols
        for cells in grid:
            col = 0
            for cell in cells:
                span = int(cell.attrs.get("colspan") or 1)
                if span == 1 and col < n_cols:
                    words = cell.all_text().split()
                    text = len(" ".join(words))
                    weights[col] = max(weights[col], min(max(text, 1), 60) ** 0.85)
                    pieces = (len(p) + 1 for w in words for p in w.split("-"))
                    longest[col] = max(longest[col], max(pieces, default=1))
                col += span
        total = _twips(LANDSCAPE_TEXT_CM if self.landscape else PORTRAIT_TEXT_CM)
        per_char = _twips(0.18 if self.landscape else 0.2)  # Arial at 8 / 9 pt: capitals, digits, bold
        minimum = [min(n * per_char + _twips(0.4), total // 3) for n in longest]  # with the cell margins
        widths = [total * w / sum(weights) for w in weights]
        for _round in range(3):  # widen what is too narrow, take it from the others in proportion
            short = sum(max(m - w, 0) for w, m in zip(widths, minimum))
            spare = sum(w - m for w, m in zip(widths, minimum) if w > m)
            if short <= 0 or spare <= 0:
                break
            take = min(1.0, short / spare)
            widths = [m if w <= m else w - (w - m) * take for w, m in zip(widths, minimum)]
        return [round(w) for w in widths]

    def cell(self, node: Node, width: int, span: int, head: bool, lang: str | None) -> str:
        lang = node.attrs.get("lang") or lang
        style = TABLE_STYLES[self.landscape]
        classes = node.classes()
        inner: list[str] = []
        if any(c.tag is not None and c.tag not in INLINE for c in node.children):
            self.blocks(node, inner, style, lang)
        else:
            self.paragraph(inner, node.children, style, lang, right="num" in classes, bold=head)
        if not inner:
            inner.append(f'<w:p><w:pPr><w:pStyle w:val="{self.style_id(style)}"/></w:pPr></w:p>')
        tcpr = [f'<w:tcW w:w="{width}" w:type="dxa"/>']
        if span > 1:
            tcpr.append(f'<w:gridSpan w:val="{span}"/>')
        fill = HEADER_FILL if head else next((CELL_FILLS[c] for c in classes if c in CELL_FILLS), None)
        if fill:
            tcpr.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>')
        return "<w:tc><w:tcPr>" + "".join(tcpr) + "</w:tcPr>" + "".join(inner) + "</w:tc>"

    def definition_table(self, node: Node, out: list, lang: str | None) -> None:
        """A ``dl`` (the cover's facts) as a two-column table without borders."""
        pairs: list[list] = []
        fostered: list[Node] = []
        for child in node.children:
            if child.tag == "dt":
                pairs.append([child, []])
            elif child.tag == "dd":
                if not pairs:
                    pairs.append([Node("dt"), []])
                pairs[-1][1].append(child)
            elif _visible(child):
                fostered.append(child)
        if fostered:
            self.blocks(Node("div", children=fostered), out, None, lang)
        if not pairs:
            return
        left, right = _twips(4.5), _twips(PORTRAIT_TEXT_CM - 4.5)
        parts = ['<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblLook w:val="0000"/></w:tblPr>'
                 f'<w:tblGrid><w:gridCol w:w="{left}"/><w:gridCol w:w="{right}"/></w:tblGrid>']
        for term, values in pairs:
            term_xml: list[str] = []
            self.paragraph(term_xml, term.children, None, term.attrs.get("lang") or lang, bold=True, tight=True)
            value_xml: list[str] = []
            for value in values:
                value_lang = value.attrs.get("lang") or lang
                if any(c.tag is not None and c.tag not in INLINE for c in value.children):
                    self.blocks(value, value_xml, None, value_lang)
                else:  # the cover's lines close together, as in the HTML
                    self.paragraph(value_xml, value.children, None, value_lang, tight=True)
            cells = [(term_xml, left), (value_xml or ["<w:p/>"], right)]
            parts.append("<w:tr>" + "".join(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>{"".join(xml)}</w:tc>'
                                            for xml, w in cells) + "</w:tr>")
        parts.append("</w:tbl>")
        out.append("".join(parts))
        out.append(self.spacer)

    # ---- charts

    def figure(self, node: Node, out: list, lang: str | None) -> None:
        rest: list[Node] = []
        for child in [*node.children, None]:
            if child is not None and child.tag not in ("svg", "figcaption"):
                rest.append(child)
                continue
            if rest:
                self.blocks(Node("div", children=rest), out, None, lang)
                rest = []
            if child is None:
                break
            if child.tag == "svg":
                self.picture(child, out)
            else:
                self.paragraph(out, child.children, "Caption", child.attrs.get("lang") or lang)

    def picture(self, node: Node, out: list) -> None:
        from docx.shared import Cm
        from lxml import etree

        png = chart_png(node.text)
        if png is None or out is not self.body:
            return
        self.picture_id += 1
        inline = self.doc.part.new_pic_inline(io.BytesIO(png), Cm(15), None)
        doc_pr = inline.find(_qn("wp:docPr"))
        title, desc = _svg_text(node.text, "title"), _svg_text(node.text, "desc")
        doc_pr.set("id", str(self.picture_id))
        doc_pr.set("descr", ". ".join(t for t in (title, desc) if t))
        doc_pr.set("title", title)
        xml = etree.tostring(inline, encoding="unicode")
        out.append(f"<w:p><w:pPr><w:keepNext/></w:pPr><w:r><w:drawing>{xml}</w:drawing></w:r></w:p>")

    # ---- page

    def _orientation(self, landscape: bool) -> None:
        """End the section here and start one in the other orientation."""
        if self.landscape == landscape:
            return
        if self.body and self.body[-1] == self.spacer:
            self.body.pop()  # the space after a table: the section break's own paragraph takes its place
        self.body.append(f"<w:p><w:pPr>{_section_xml(self.doc, self.landscape)}</w:pPr></w:p>")
        self.landscape = landscape

    def finish(self) -> None:
        """Put the body into the document, and give its last section its orientation."""
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls

        body = self.doc.element.body
        sect_pr = body.find(_qn("w:sectPr"))
        fragment = parse_xml(f"<w:body {nsdecls('w', 'r', 'wp', 'a', 'pic')}>{''.join(self.body)}</w:body>")
        for child in list(fragment):
            sect_pr.addprevious(child)
        _orient(sect_pr, self.landscape)


def _visible(node: Node) -> bool:
    """Whether a node shows anything: an element, or text that is not only whitespace."""
    return node.tag is not None or bool(node.text.strip())


def _orient(sect_pr, landscape: bool) -> None:
    pg = sect_pr.find(_qn("w:pgSz"))
    w, h = int(pg.get(_qn("w:w"))), int(pg.get(_qn("w:h")))
    if (w > h) != landscape:
        pg.set(_qn("w:w"), str(h))
        pg.set(_qn("w:h"), str(w))
    if landscape:
        pg.set(_qn("w:orient"), "landscape")
    else:
        pg.attrib.pop(_qn("w:orient"), None)


def _section_xml(doc, landscape: bool) -> str:
    """The properties of a section ending here: the document's own (header, footer, margins),
    in the given orientation."""
    import copy

    from lxml import etree

    sect_pr = copy.deepcopy(doc.element.body.find(_qn("w:sectPr")))
    _orient(sect_pr, landscape)
    return etree.tostring(sect_pr, encoding="unicode")


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
    tag = LANGUAGE_TAGS.get(lang, lang)
    _styles(doc, tag)
    _page(doc.sections[0], doc.styles, header, draft, draft_word)
    _properties(doc.core_properties, title, subject, tag, author, when, generator)


def _styles(doc, tag: str) -> None:
    """The fonts, sizes and colours of the styles the report uses, in the document's language."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

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


def _page(section, styles, header: str, draft: bool, draft_word: str) -> None:
    """A4 with the margins of the PDF, the running header (UTKAST first in a draft) and page numbers."""
    from docx.shared import Cm, Pt, RGBColor

    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(1.8)
    section.left_margin = section.right_margin = Cm(1.6)
    section.header_distance = section.footer_distance = Cm(0.9)

    for name in ("Header", "Footer"):  # no tabs of the Letter page the default template is made for
        styles[name].paragraph_format.tab_stops.clear_all()
    head = section.header.paragraphs[0]
    head.style = styles["Header"]
    if draft:
        # first on the line, so it stands where it is seen on portrait and landscape pages alike
        mark = head.add_run(draft_word)
        mark.bold = True
        mark.font.size = Pt(11)
        mark.font.color.rgb = RGBColor(0xA4, 0x26, 0x2C)
        head.add_run("   ")
    run = head.add_run(header)
    run.font.size = Pt(8)
    run.font.color.rgb = RGBColor(0x4A, 0x4A, 0x4A)
    foot = section.footer.paragraphs[0]
    foot.style = styles["Footer"]
    foot.alignment = 2  # right, as the PDF
    _field(foot, "PAGE")
    foot.add_run(" / ")
    _field(foot, "NUMPAGES")
    for r in foot.runs:
        r.font.size = Pt(8)


def _properties(props, title: str, subject: str, tag: str, author: str, when: dt.datetime | None,
                generator: str) -> None:
    """The core properties: title, subject, language, author, and the dates only when given."""
    props.title = title
    props.subject = subject
    props.language = tag
    props.author = author
    props.last_modified_by = author
    props.comments = generator
    props.keywords = "KVP"
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

    from ..export import source_date
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
    when = source_date()
    doc = docx.Document()
    _setup(doc, ctx.get("lang", "nb"), title, header, draft, draft_word, author, ctx.get("round", {}).get("name", ""),
           when, "kvp-audit " + str(ctx.get("tool_version", "")))
    body = tree.find("body") or tree
    writer = _Writer(doc, ctx.get("lang", "nb"))
    writer.blocks(body, writer.body)
    writer.finish()
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


def document_facts(ctx: dict) -> dict:
    """What a DOCX takes from the render context besides its HTML: language, draft, sender,
    round, version (small, so it is cheap to hand to another process)."""
    letter = ctx.get("letter") or ctx.get("county_letter") or {}
    return {"lang": ctx.get("lang", "nb"), "draft": bool(ctx.get("draft")), "letter": {"sender": letter.get("sender", "")},
            "round": {"name": ctx.get("round", {}).get("name", "")}, "tool_version": ctx.get("tool_version", "")}


def _docx_one(args) -> tuple[Path, str]:
    html, target, facts, lang = args
    from ..i18n import set_language

    set_language(lang)
    return target, write_docx(html, target, facts)


def _warm_up() -> None:
    """Load python-docx and the chart converter in this process, before forking, so no worker
    pays for them."""
    import docx  # noqa: F401

    chart_png('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text>x</text></svg>')


def write_docxs(work: list[tuple[str, Path, dict, str]], workers: int | None,
                done: Callable[[Path, str], None]) -> None:
    """Write DOCX files (html, target, facts, lang), on every core when there are several;
    ``done`` is called with each target and the digest of its content once it is written."""
    from . import workers as pool

    workers = workers or min(len(work), os.cpu_count() or 1)
    if not pool.forced() and (workers <= 1 or len(work) == 1):
        for item in work:
            done(*_docx_one(item))
        return
    work = sorted(work, key=lambda item: -len(item[0]))  # longest first: the cores finish together
    for target, digest in pool.run(_docx_one, work, workers, ("docx", "cairosvg"), _warm_up):
        done(target, digest)
