"""Reviewers' Markdown made safe for the reports and the web form, and plain text escaped.

Comments, recommendations and the team's notes are written in Markdown. For HTML they are
converted and cleaned (no script, no images, only http, https and mailto links). For the
Markdown report the cleaned HTML is written back as one line of Markdown, its text escaped,
so what a converter makes of the ``.md`` is what the HTML report shows. Every other value in
a Markdown report (names, titles, questions, legal bases) is plain text, escaped by
:func:`md_escape` so that no Markdown or HTML in it comes alive.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from urllib.parse import quote

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
ALLOWED_TAGS = frozenset({"p", "em", "strong", "ul", "ol", "li", "code", "br", "blockquote", "a"})


class Md(str):
    """Text that is Markdown already (sanitised): written into a Markdown report as it is."""

    __slots__ = ()


# Backslash escapes that Python-Markdown and CommonMark both understand ('|' with tables),
# and entities for what a backslash does not escape in Python-Markdown: '<' starts HTML or an
# autolink, '&' an entity.
_MD_ESCAPES = str.maketrans({
    "\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "|": "\\|",
    "&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": " ", "\r": " ",
})


_MD_SPECIAL = re.compile(r"[\\`*_\[\]|&<>\n\r]")


def md_escape(value: object) -> str:
    """Plain text for a Markdown report: shown literally by any converter, on one line.

    No link, image, emphasis, code or HTML in the text is live; '|' cannot end a table cell.
    Text that is Markdown already (:class:`Md`) is returned as it is, so escaping twice is
    harmless."""
    if isinstance(value, Md):
        return value
    text = str(value)
    if _MD_SPECIAL.search(text) is None:  # most values: nothing to escape
        return text
    return Md(text.translate(_MD_ESCAPES))


_markdown = None


@functools.lru_cache(maxsize=8192)
def markdown_html(text: str) -> str:
    """Render a reviewer's Markdown comment to safe HTML: no script, no images, no remote content.

    One Markdown converter is reused (building one costs more than converting a comment), and
    results are cached: a criterion's recommendation recurs in many offices' reports.
    """
    global _markdown
    import nh3

    if not text or not text.strip():
        return ""
    if _markdown is None:
        import markdown

        _markdown = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    html = _markdown.reset().convert(text)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={"a": {"href"}},
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener noreferrer",
    )


def _safe_href(href: str) -> str | None:
    """A link target for Markdown: only the allowed schemes, and nothing in it that could end
    the link or start a title (percent-encoded)."""
    scheme = href.split(":", 1)[0].lower() if ":" in href else ""
    if scheme not in LINK_SCHEMES:
        return None
    return quote(href, safe="/:?#[]@!$&'*+,;=%~-._")


def _code_span(text: str) -> str:
    """A Markdown code span holding ``text`` literally: fenced by more backticks than it holds."""
    text = " ".join(text.split())
    run = longest = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


class _ToMarkdown(HTMLParser):
    """Cleaned HTML (from :func:`markdown_html`) back to one line of Markdown."""

    _MARKS = {"strong": "**", "em": "*"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.code: list[str] | None = None
        self.links: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._MARKS:
            self.out.append(self._MARKS[tag])
        elif tag == "code":
            self.code = []
        elif tag == "a":
            href = _safe_href(dict(attrs).get("href") or "")
            self.links.append(href)
            if href is not None:
                self.out.append("[")
        elif tag == "li":
            self.out.append(" – ")
        else:
            self.out.append(" ")

    def handle_endtag(self, tag):
        if tag in self._MARKS:
            self.out.append(self._MARKS[tag])
        elif tag == "code" and self.code is not None:
            self.out.append(_code_span("".join(self.code)))
            self.code = None
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href is not None:
                self.out.append(f"]({href})")
        else:
            self.out.append(" ")

    def handle_data(self, data):
        if self.code is not None:
            self.code.append(data)
        else:
            self.out.append(md_escape(data))


@functools.lru_cache(maxsize=8192)
def markdown_text(text: str) -> Md:
    """A reviewer's Markdown comment for the Markdown report: one line, sanitised the same way
    as the HTML report (no raw HTML, no images, only http, https and mailto links), its text
    escaped so that only the emphasis, code and links the HTML report shows are live."""
    parser = _ToMarkdown()
    parser.feed(markdown_html(text))
    parser.close()
    return Md(" ".join("".join(parser.out).split()))
