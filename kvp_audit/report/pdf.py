"""PDF: HTML reports laid out by WeasyPrint as tagged A4 PDFs, on every core when there are
several. Nothing outside the local files and data URLs is fetched."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ..yamlio import atomic_write
from .templating import template_dir


def _local_only_fetcher():
    """A WeasyPrint URL fetcher that refuses anything that is not a local file or data URL."""
    from weasyprint import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not (url.startswith("file:") or url.startswith("data:")):
                raise ValueError(f"kvp-audit henter ikke eksterne ressurser: {url}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=("file", "data"))


def write_pdf(html: str, target: Path, title: str, lang: str) -> str:
    """Render HTML to a tagged A4 PDF (PDF/UA) and write it atomically; returns the digest of
    the file's content, for the rebuild record."""
    from weasyprint import HTML

    from .cache import content_digest

    document = HTML(string=html, base_url=str(template_dir()), url_fetcher=_local_only_fetcher())
    pdf = document.write_pdf(pdf_tags=True, pdf_variant="pdf/ua-1", custom_metadata=True)
    atomic_write(target, pdf)
    return content_digest(pdf)


def _pdf_one(args) -> tuple[Path, str]:
    html, target, title, lang = args
    return target, write_pdf(html, target, title, lang)


def _warm_up(html: str) -> None:
    """Load WeasyPrint, its fonts and the hyphenation dictionary in this process, before forking,
    so no worker pays for them: lay out the start of a report (its style sheet, headings, bold
    text, a table, and a word that must be hyphenated: loading the dictionary alone takes about
    0.4 s)."""
    from weasyprint import HTML

    head = html.split("</h2>", 1)[0]
    HTML(string=head + "</h2><p><strong>Kvalifiseringsprogrammet</strong> <em>x</em></p>"
                '<p style="width: 3em; hyphens: auto">kvalifiseringsprogrammet</p>'
                "<table><tr><th>a</th><td>b</td></tr></table></main></body></html>",
         base_url=str(template_dir()), url_fetcher=_local_only_fetcher()).write_pdf(pdf_tags=True)


def write_pdfs(work: list[tuple[str, Path, str, str]], workers: int | None,
               done: Callable[[Path, str], None]) -> None:
    """Write PDFs (html, target, title, lang), on every core when there are several; ``done``
    is called with each target and the digest of its content once the file is written."""
    from . import workers as pool

    workers = workers or min(len(work), os.cpu_count() or 1)
    if not pool.forced() and (workers <= 1 or len(work) == 1):
        for item in work:
            done(*_pdf_one(item))
        return
    work = sorted(work, key=lambda item: -len(item[0]))  # longest first: the cores finish together
    shortest = work[-1][0]
    for target, digest in pool.run(_pdf_one, work, workers, ("weasyprint",),
                                   lambda: _warm_up(shortest)):
        done(target, digest)
