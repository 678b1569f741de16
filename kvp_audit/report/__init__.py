"""Reports: the per-office report and the county summary, in HTML, PDF, Markdown and DOCX.

The flow is: a render context (plain data, built by pure functions from a loaded round
and its scores: :mod:`.context`, :mod:`.summary`, with charts from :mod:`.charts`) ->
Jinja templates (:mod:`.templating`) -> files written atomically (:mod:`.build`, PDFs by
:mod:`.pdf`, Word documents from the same HTML by :mod:`.docx`), named by :mod:`.files`. The rebuild cache (:mod:`.cache`) skips a report only
when its file on disk is what the inputs give now, so a re-run rewrites only what changed.
Words and numbers come from :mod:`kvp_audit.present`, reviewers' Markdown is made safe by
:mod:`kvp_audit.markup`.
"""

from __future__ import annotations

from ..markup import markdown_html, markdown_text
from ..present import OUTCOME_SYMBOL, format_date, format_number, tally_view
from .build import BuildResult, Job, build_reports, check_formats, plan_jobs
from .cache import MANIFEST, Manifest, _unchanged, context_digest, input_digest, template_files
from .charts import TREND_COLORS, theme_chart, trend_chart
from .context import RoundBundle, load_bundle, office_context
from .docx import docx_bytes, write_docx
from .files import FORMATS, SUMMARY, example_rounds, report_dir, report_path
from .pdf import _local_only_fetcher, write_pdf, write_pdfs
from .summary import (closure_outcomes, history, office_figures, office_review_matrix,
                      summary_context, trend_view)
from .templating import environment, render, source_lang_attr, template_dir

__all__ = [
    "BuildResult", "FORMATS", "Job", "MANIFEST", "Manifest", "OUTCOME_SYMBOL", "RoundBundle",
    "SUMMARY", "TREND_COLORS", "_local_only_fetcher", "_unchanged", "build_reports",
    "check_formats", "closure_outcomes", "context_digest", "docx_bytes", "environment", "example_rounds", "format_date",
    "format_number", "history", "input_digest", "load_bundle", "markdown_html", "markdown_text",
    "office_context", "office_figures", "office_review_matrix", "plan_jobs", "render", "report_dir",
    "report_path", "source_lang_attr", "summary_context", "tally_view", "template_dir", "template_files",
    "theme_chart", "trend_chart", "trend_view", "write_docx", "write_pdf", "write_pdfs",
]
