"""Reviewers' Markdown made safe for the reports and the web form, and plain text escaped.

Comments, recommendations and the team's notes are written in Markdown. For HTML they are
converted and cleaned (no script, no images, no remote content); for the Markdown report
the cleaned result is written back as one line of Markdown.
"""

from __future__ import annotations

import functools
import re

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
        tags={"p", "em", "strong", "ul", "ol", "li", "code", "br", "blockquote", "a"},
        attributes={"a": {"href"}},
        url_schemes={"https", "mailto"},
        link_rel="noopener noreferrer",
    )


_MD_INLINE = (
    (re.compile(r"<(strong|b)>(.*?)</\1>", re.S), r"**\2**"),
    (re.compile(r"<(em|i)>(.*?)</\1>", re.S), r"*\2*"),
    (re.compile(r"<code>(.*?)</code>", re.S), r"`\1`"),
    (re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.S), r"[\2](\1)"),
    (re.compile(r"<li>"), "– "),
    (re.compile(r"<[^>]+>"), " "),
)


@functools.lru_cache(maxsize=8192)
def markdown_text(text: str) -> str:
    """A reviewer's Markdown comment for the Markdown report: one line, sanitised the same way
    as the HTML report (no raw HTML, no images, only https and mailto links)."""
    import html as _html

    out = markdown_html(text)
    for pattern, repl in _MD_INLINE:
        out = pattern.sub(repl, out)
    out = _html.unescape(out).replace("<", "&lt;").replace(">", "&gt;")  # never raw HTML
    return " ".join(out.split())



def md_table_cell(value: object) -> str:
    """Plain text for one cell of a Markdown table: on one line, with no bare '|'."""
    return str(value).replace("|", "\\|").replace("\n", " ")
