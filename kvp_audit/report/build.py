"""Building a round's reports: plan one job per report, skip what the rebuild cache keeps,
render the rest and write each file atomically, then the cache record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError, display_path
from ..i18n import _, current_language, set_language
from ..progress import Progress, shown
from ..yamlio import atomic_write
from . import context as _context
from .cache import Manifest, _unchanged, content_digest, context_digest, input_digest, template_files
from .context import RoundBundle, office_context
from .docx import DOCX_SOURCE, document_facts, write_docxs
from .files import FOLLOWUP, FORMATS, followup_report_path, report_dir, report_path
from .followupreport import followup_context
from .pdf import write_pdfs
from .summary import summary_context
from .templating import environment, render


@dataclass
class Job:
    """One report to build: its kind, office, formats and target files."""

    name: str
    template: str
    context: dict
    targets: dict[str, Path]
    digest: str = ""

    @property
    def is_office(self) -> bool:
        return self.template == "office"

    @property
    def title(self) -> str:
        """The PDF's title: the office's name (its office or follow-up report), or the round's for the summary."""
        return self.context["office"]["name"] if "office" in self.context else self.context["round"]["name"]


@dataclass
class BuildResult:
    """What a report run wrote and skipped."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    warnings: list = field(default_factory=list)  # the round's warnings (names in free text, ...)


def plan_jobs(bundle: RoundBundle, out: Path, formats: list[str], lang: str, office: str | None,
              kinds: tuple[str, ...] | None = None) -> list[Job]:
    """The reports of a round: one per office (or just ``office``), a follow-up report for each
    office with a follow-up record, and the county summary; ``kinds`` ("office", "followup",
    "summary") keeps only those."""
    rnd = bundle.data.round
    jobs = []
    kinds = kinds or ("office", "followup", "summary")
    offices = [rnd.office(office)] if office else list(rnd.offices)
    for o in offices:
        if "office" in kinds:
            ctx = office_context(bundle, o.id, lang)
            jobs.append(Job(o.id, "office", ctx, {f: report_path(out, o.id, f, lang) for f in formats}))
        if "followup" in kinds and o.id in bundle.data.followups:
            _check_followup_name(rnd, o.id)
            ctx = followup_context(bundle, o.id, lang)
            jobs.append(Job(f"{o.id}-{FOLLOWUP}", "followup", ctx,
                            {f: followup_report_path(out, o.id, f, lang) for f in formats}))
    if office is None and "summary" in kinds:
        ctx = summary_context(bundle, lang)
        jobs.append(Job("oppsummering", "summary", ctx, {f: report_path(out, None, f, lang) for f in formats}))
    return jobs


def _check_followup_name(rnd, office_id: str) -> None:
    """Refuse a round where an office's follow-up report would have another office's file name."""
    name = f"{office_id}-{FOLLOWUP}"
    if rnd.office(name) is not None:
        raise UsageError(_("oppfølgingsrapporten til '{office}' ville fått samme filnavn som rapporten til "
                           "kontoret '{other}'; gi et av kontorene en annen id i runde.yaml").format(
            office=office_id, other=name))


def check_formats(formats: list[str]) -> None:
    """Refuse a format the reports are not made in."""
    for fmt in formats:
        if fmt not in FORMATS:
            raise UsageError(_("ukjent format '{fmt}'; bruk html, pdf, md eller docx").format(fmt=fmt))


def build_reports(
    round_dir: Path,
    out: Path | None = None,
    formats: list[str] | None = None,
    lang: str = "nb",
    office: str | None = None,
    user_templates: Path | None = None,
    progress: bool | Progress = False,
    workers: int | None = None,
    force: bool = False,
    kinds: tuple[str, ...] | None = None,
) -> BuildResult:
    """Build the reports of a round; unchanged reports are skipped. Returns what was written.

    ``progress``: True for a bar on a terminal (never in a pipe or CI), or a display of the
    caller's to add this round's bar to (``demo`` shows all its rounds in one; the web app's
    report jobs give one that records the progress). ``kinds``: only these reports (see
    :func:`plan_jobs`)."""
    formats = formats or ["html", "md"]
    check_formats(formats)
    previous_lang = current_language()
    set_language(lang)
    try:
        inputs = input_digest(round_dir, user_templates)
        kept = None if force or kinds else _unchanged(round_dir, out, formats, lang, office, inputs)
        if kept is not None:
            return BuildResult(skipped=kept)
        with shown(progress) as display:
            return _build(round_dir, out, formats, lang, office, user_templates, display, workers, force,
                          inputs, kinds)
    finally:
        set_language(previous_lang)


def _build(round_dir: Path, out: Path | None, formats: list[str], lang: str, office: str | None,
           user_templates: Path | None, display: Progress, workers: int | None, force: bool,
           inputs: str, kinds: tuple[str, ...] | None = None) -> BuildResult:
    """Load the round, and write every report the cache does not keep."""
    from ..validation import check_office

    bar = display.task(_("Rapporter {round}").format(round=display_path(round_dir)), what=_("leser runden"))
    bundle = _context.load_bundle(round_dir)
    check_office(bundle.data.round, office)
    out = report_dir(bundle.data.round.id, out)
    result = BuildResult(warnings=bundle.data.warnings + bundle.data.completeness)
    jobs = plan_jobs(bundle, out, formats, lang, office, kinds)
    return write_jobs(jobs, out, user_templates, lang, workers, bar, inputs, force, result)


def write_jobs(jobs: list[Job], out: Path, user_templates: Path | None, lang: str, workers: int | None, bar,
               inputs: str, force: bool, result: BuildResult) -> BuildResult:
    """Write every target of ``jobs`` the rebuild cache in ``out`` does not keep (all with
    ``force``), and record them; ``result`` gets what was written and skipped."""
    env = environment(user_templates, lang)
    templates = template_files(user_templates)
    manifest = Manifest.load(out)
    todo = []
    for job in jobs:
        for fmt, target in job.targets.items():
            # a DOCX is also made by the converter's code, which a new version of it changes
            digest = context_digest(job.context, templates + [DOCX_SOURCE] if fmt == "docx" else templates, fmt)
            if not force and manifest.keeps(target, digest, inputs):
                result.skipped.append(target)
            else:
                todo.append((job, fmt, target, digest))
    bar.start(len(todo))
    try:
        _write(todo, env, lang, workers, bar, manifest, inputs, result)
    finally:
        # Only reports already written are in the record, so it is right even after an error.
        manifest.save()
    return result


def _write(todo: list, env, lang: str, workers: int | None, bar, manifest: Manifest, inputs: str,
           result: BuildResult) -> None:
    """Render and write the reports to make; DOCX and PDF files last, on every core. ``result.written``
    lists what was written, in the order of ``todo``, also when writing stops midway."""
    pdf_work = []
    docx_work = []
    digests = {}
    written: set[Path] = set()
    html_of: dict[int, str] = {}  # a job's HTML, rendered once for its HTML and DOCX files

    def html(job: Job) -> str:
        if id(job) not in html_of:
            html_of[id(job)] = render(env, f"{job.template}.html.j2", job.context)
        return html_of[id(job)]

    def done(target: Path, data_digest: str) -> None:
        manifest.record(target, digests[target], inputs, data_digest)
        written.add(target)
        bar.advance(target.name)

    try:
        for job, fmt, target, digest in todo:
            digests[target] = digest
            if fmt == "pdf":
                pdf_html = render(env, f"{job.template}.html.j2", {**job.context, "for_pdf": True})
                pdf_work.append((pdf_html, target, job.title, lang))
                continue
            if fmt == "docx":
                docx_work.append((html(job), target, document_facts(job.context), lang))
                continue
            data = (html(job) if fmt == "html" else render(env, f"{job.template}.{fmt}.j2", job.context)).encode("utf-8")
            atomic_write(target, data)
            done(target, content_digest(data))
        if docx_work:
            write_docxs(docx_work, workers, done)
        if pdf_work:
            bar.doing(_("lager PDF-ene"))
            write_pdfs(pdf_work, workers, done)
    finally:
        result.written.extend(target for _job, _fmt, target, _digest in todo if target in written)
