"""The course of an audit at each office: its steps, their dates, the deadlines that follow, what is overdue.

The dates live in the office's ``rapport.yaml`` under ``course:`` (``kvp-audit step`` writes
them). A date left empty is taken from the file that already knows it: the visit from
``kontor.yaml``, the follow-up from ``oppfolging.yaml``, the plan's arrival from ``plan.yaml``.
A deadline follows from its step unless it is set: comments ``report.course.comments_weeks``
after the draft was sent; the plan ``plan_deadline``, else ``reply_deadline``, else
``report.course.plan_weeks`` after the final report. Everything here but :func:`read_course`
and :func:`record_step` is a pure function of those dates and an as-of date.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, Problem, UsageError, display_path
from .i18n import _, ngettext
from .models import Course, CourseDefaults, Office, PlanFile, ReportFile

# The steps in the order of the course, by the name the command line uses, and the Course field of each.
STEPS: dict[str, str] = {
    "varsel-sendt": "notice_sent",
    "besok": "visit",
    "utkast-sendt": "draft_sent",
    "merknader-mottatt": "comments_received",
    "endelig-sendt": "final_sent",
    "plan-mottatt": "plan_received",
    "oppfolging": "followup",
    "lukket": "closed",
}
# The deadline that follows a step, as its Course field.
DEADLINE_OF = {"utkast-sendt": "comments_deadline", "endelig-sendt": "plan_deadline"}
COMMENTS, PLAN, MEASURE = "merknader", "plan", "tiltak"
_DEADLINE_KEY = {"comments_deadline": COMMENTS, "plan_deadline": PLAN}

REPORT_FILE, OFFICE_FILE, FOLLOWUP_FILE, PLAN_FILE = "rapport.yaml", "kontor.yaml", "oppfolging.yaml", "plan.yaml"


def step_label(step: str) -> str:
    """The step as users read it, in the current language: «utkast sendt»."""
    return {
        "varsel-sendt": _("varsel sendt"),
        "besok": _("besøk"),
        "utkast-sendt": _("utkast sendt"),
        "merknader-mottatt": _("merknader mottatt"),
        "endelig-sendt": _("endelig rapport sendt"),
        "plan-mottatt": _("plan for retting mottatt"),
        "oppfolging": _("oppfølging"),
        "lukket": _("lukket"),
    }[step]


def deadline_label(key: str, finding: str = "") -> str:
    """A deadline as users read it: «frist for merknader», «frist for tiltak IP-01»."""
    if key == COMMENTS:
        return _("frist for merknader")
    if key == PLAN:
        return _("frist for plan for retting")
    return _("frist for tiltak {criterion}").format(criterion=finding.rsplit("/", 1)[-1])


def field_step(name: str) -> str | None:
    """The step whose date a Course field holds (None for the deadlines)."""
    return next((s for s, f in STEPS.items() if f == name), None)


# --------------------------------------------------------------------------- the sources


@dataclass
class CourseSources:
    """What the course of one office is read from."""

    office: Office
    report: ReportFile | None = None
    visits: list[dt.date] = field(default_factory=list)   # kontor.yaml visit_dates
    followup_date: dt.date | None = None                   # oppfolging.yaml date
    plan: PlanFile | None = None                           # plan.yaml

    @property
    def course(self) -> Course:
        return self.report.course if self.report is not None else Course()


def sources_from_data(data) -> list[CourseSources]:
    """The course sources of every office of a loaded round (:class:`~kvp_audit.load.RoundData`)."""
    return [office_sources_from_data(data, office) for office in data.round.offices]


def office_sources_from_data(data, office: Office) -> CourseSources:
    """The course sources of one office of a loaded round."""
    review = data.office_reviews.get(office.id)
    followup = data.followups.get(office.id)
    return CourseSources(office, data.reports.get(office.id), sorted(review.visit_dates) if review else [],
                         followup.date if followup else None, data.plans.get(office.id))


def visit_date(sources: CourseSources) -> dt.date | None:
    """The visit's date: ``course.visit`` in rapport.yaml, else the last visit date in kontor.yaml."""
    return sources.course.visit or (sources.visits[-1] if sources.visits else None)


def follows_up_visit(workshop: dt.date, visit: dt.date | None) -> bool:
    """Whether a follow-up workshop on ``workshop`` follows up the findings of the visit on ``visit``.

    Only a workshop after the visit day does: one held before the visit or on its day follows up
    the previous round's findings. Without a known visit date it is taken to follow the visit."""
    return visit is None or workshop > visit


def _dates_in(path: Path, key: str) -> list[dt.date]:
    """The dates under ``key`` of a review file, read leniently (its own problems are validate's)."""
    from .load import as_date, read_mapping
    from .yamlio import YamlFileError

    try:
        data, _text = read_mapping(path) if path.is_file() else ({}, "")
    except YamlFileError:
        return []
    value = data.get(key)
    values = [as_date(v) for v in (value if isinstance(value, list) else [value])]
    return sorted(v for v in values if isinstance(v, dt.date))


def office_sources(opened, office: Office, problems: list[Problem] | None = None) -> CourseSources:
    """Read one office's course files: rapport.yaml and plan.yaml checked (their problems added to
    ``problems``), and the visit and follow-up dates from kontor.yaml and oppfolging.yaml."""
    from .load import load_record, load_report
    from .yamlio import round_file_problem

    problems = problems if problems is not None else []
    folder = opened.root / office.id
    visits = _dates_in(folder / OFFICE_FILE, "visit_dates")
    followup = _dates_in(folder / FOLLOWUP_FILE, "date")
    sources = CourseSources(office, None, visits, followup[-1] if followup else None)
    themes = [t.id for t in opened.case_checklist.themes] if opened.case_checklist is not None else []
    for name in (REPORT_FILE, PLAN_FILE):
        path = folder / name
        if not os.path.lexists(path):
            continue
        refused = round_file_problem(path, opened.root)
        if refused:
            problems.append(refused)
            continue
        if name == REPORT_FILE:
            sources.report, found = load_report(path, themes, visits[-1] if visits else None)
        else:
            sources.plan, found = load_record(path)
        problems += found
    return sources


def read_course(path: Path) -> tuple[Any, list[CourseSources], list[Problem]]:
    """Open a round and read the course files of every office, without reading its cases.

    Returns the opened round, the sources per office and the problems of the files read.
    """
    from .load import open_round

    opened = open_round(path)
    problems: list[Problem] = []
    sources = [office_sources(opened, office, problems) for office in opened.round.offices]
    return opened, sources, problems


# --------------------------------------------------------------------------- dates and deadlines


@dataclass(frozen=True)
class StepDate:
    """The date of one step and the file it comes from."""

    step: str
    date: dt.date
    source: str  # rapport.yaml, kontor.yaml, oppfolging.yaml or plan.yaml

    def as_dict(self) -> dict:
        return {"step": self.step, "label": step_label(self.step), "date": self.date.isoformat(), "source": self.source}


def step_dates(sources: CourseSources) -> dict[str, StepDate]:
    """The date of every step that has one, in the order of the course.

    A date written under ``course:`` wins; the visit comes from kontor.yaml otherwise. The
    follow-up (oppfolging.yaml) and the plan's arrival (plan.yaml) are taken only when they
    come after the steps before them (the follow-up after the visit day): a workshop held at
    the visit follows up the previous round.
    """
    course = sources.course
    found: dict[str, StepDate] = {}
    for step, name in STEPS.items():
        value = getattr(course, name)
        if value is None:
            if step == "besok" and sources.visits:
                value, source = sources.visits[-1], OFFICE_FILE
            elif step == "oppfolging" and sources.followup_date is not None:
                value, source = sources.followup_date, FOLLOWUP_FILE
            elif step == "plan-mottatt" and sources.plan is not None and sources.plan.received is not None:
                value, source = sources.plan.received, PLAN_FILE
            else:
                continue
            if source != OFFICE_FILE and any(d.date > value for d in found.values()):
                continue
            if step == "oppfolging" and "besok" in found and not follows_up_visit(value, found["besok"].date):
                continue  # a workshop on the day of the visit follows up the previous round
        else:
            source = REPORT_FILE
        found[step] = StepDate(step, value, source)
    return found


@dataclass
class Deadline:
    """A deadline of the course: for the office's comments, its plan, or one measure of the plan."""

    key: str                      # merknader, plan, or tiltak:<finding id>
    date: dt.date
    follows: str | None           # the step it follows (None for a measure of the plan)
    set_in: str                   # where it comes from: course, reply_deadline, weeks or plan.yaml
    met: dt.date | None = None    # when it was met (the reply came, the measure was closed)
    met_by: str = ""              # the step that met it, or "lukket" for a measure
    finding: str = ""             # a measure's finding id

    @property
    def label(self) -> str:
        return deadline_label(self.key, self.finding)

    def met_as_of(self, as_of: dt.date) -> bool:
        return self.met_by != "" and (self.met is None or self.met <= as_of)

    def overdue(self, as_of: dt.date) -> bool:
        """Whether the deadline has passed as of ``as_of`` without being met."""
        return self.date < as_of and not self.met_as_of(as_of)

    def as_dict(self, as_of: dt.date) -> dict:
        overdue = self.overdue(as_of)
        return {"key": self.key, "label": self.label, "date": self.date.isoformat(), "follows": self.follows,
                "set_in": self.set_in, "finding": self.finding or None,
                "met": self.met.isoformat() if self.met else None, "met_by": self.met_by or None,
                "overdue": overdue, "days_overdue": (as_of - self.date).days if overdue else 0}


def deadlines(sources: CourseSources, defaults: CourseDefaults, steps: dict[str, StepDate] | None = None) -> list[Deadline]:
    """Every deadline of an office's course that is known, with when it was met."""
    steps = steps if steps is not None else step_dates(sources)
    course = sources.course
    out: list[Deadline] = []
    draft, final = steps.get("utkast-sendt"), steps.get("endelig-sendt")
    comments = course.comments_deadline, "course"
    if comments[0] is None and draft is not None:
        comments = draft.date + dt.timedelta(weeks=defaults.comments_weeks), "weeks"
    if comments[0] is not None:
        reply = steps.get("merknader-mottatt") or final  # a final report sent ends the time for comments
        out.append(Deadline(COMMENTS, comments[0], "utkast-sendt", comments[1],
                            reply.date if reply else None, reply.step if reply else ""))
    plan = course.plan_deadline, "course"
    if plan[0] is None and sources.report is not None and sources.report.reply_deadline is not None:
        plan = sources.report.reply_deadline, "reply_deadline"
    if plan[0] is None and final is not None:
        plan = final.date + dt.timedelta(weeks=defaults.plan_weeks), "weeks"
    if plan[0] is not None:
        received = steps.get("plan-mottatt")
        out.append(Deadline(PLAN, plan[0], "endelig-sendt", plan[1],
                            received.date if received else None, received.step if received else ""))
    if sources.plan is not None:
        for finding_id, item in sources.plan.items.items():
            if item.due is None:
                continue
            closed = item.status == "lukket"
            out.append(Deadline(f"{MEASURE}:{finding_id}", item.due, None, PLAN_FILE,
                                item.checked if closed else None, "lukket" if closed else "", finding_id))
    return out


# --------------------------------------------------------------------------- where an office stands


@dataclass
class OfficeStatus:
    """Where one office stands in the course as of a date."""

    office: Office
    as_of: dt.date
    steps: dict[str, StepDate]
    deadlines: list[Deadline]

    @property
    def done(self) -> list[StepDate]:
        """The steps taken by the as-of date, in the order of the course."""
        return [s for s in self.steps.values() if s.date <= self.as_of]

    @property
    def planned(self) -> list[StepDate]:
        """Steps recorded with a date after the as-of date."""
        return [s for s in self.steps.values() if s.date > self.as_of]

    @property
    def stage(self) -> StepDate | None:
        """The furthest step taken."""
        done = self.done
        return done[-1] if done else None

    @property
    def closed(self) -> bool:
        return any(s.step == "lukket" for s in self.done)

    @property
    def next_step(self) -> str | None:
        stage = self.stage
        names = list(STEPS)
        start = names.index(stage.step) + 1 if stage else 0
        return names[start] if start < len(names) else None

    @property
    def open_deadlines(self) -> list[Deadline]:
        return [] if self.closed else sorted((d for d in self.deadlines if not d.met_as_of(self.as_of)),
                                             key=lambda d: (d.date, d.key))

    @property
    def next_deadline(self) -> Deadline | None:
        """The first deadline not yet met that has not passed."""
        return next((d for d in self.open_deadlines if d.date >= self.as_of), None)

    @property
    def overdue(self) -> list[Deadline]:
        """The deadlines passed without being met, oldest first."""
        return [d for d in self.open_deadlines if d.date < self.as_of]

    def as_dict(self) -> dict:
        stage, nxt, next_deadline = self.stage, self.next_step, self.next_deadline
        return {
            "office": self.office.id,
            "name": self.office.name,
            "stage": stage.as_dict() if stage else None,
            "next_step": {"step": nxt, "label": step_label(nxt)} if nxt else None,
            "steps": [s.as_dict() for s in self.done],
            "planned": [s.as_dict() for s in self.planned],
            "deadlines": [d.as_dict(self.as_of) for d in sorted(self.deadlines, key=lambda d: (d.date, d.key))],
            "next_deadline": next_deadline.as_dict(self.as_of) if next_deadline else None,
            "overdue": [d.as_dict(self.as_of) for d in self.overdue],
        }


def office_status(sources: CourseSources, defaults: CourseDefaults, as_of: dt.date) -> OfficeStatus:
    """Where an office stands as of ``as_of``: steps taken, deadlines and what is overdue."""
    steps = step_dates(sources)
    return OfficeStatus(sources.office, as_of, steps, deadlines(sources, defaults, steps))


def round_status(rnd, sources: list[CourseSources], as_of: dt.date, office: str | None = None) -> list[OfficeStatus]:
    """Every office's (or one office's) status as of ``as_of``, in the round's order."""
    defaults = rnd.report.course if rnd.report is not None else CourseDefaults()
    return [office_status(s, defaults, as_of) for s in sources if office is None or s.office.id == office]


def status_json(rnd, statuses: list[OfficeStatus], as_of: dt.date) -> dict:
    """The status as one JSON document (``kvp-audit status --format json``)."""
    return {
        "round": rnd.id,
        "name": rnd.name,
        "date": as_of.isoformat(),
        "offices": [s.as_dict() for s in statuses],
        "overdue": sum(len(s.overdue) for s in statuses),
    }


# --------------------------------------------------------------------------- text and calendar


def _stage_text(status: OfficeStatus) -> str:
    stage = status.stage
    return "{label} {date}".format(label=step_label(stage.step), date=stage.date.isoformat()) if stage else _("ikke startet")


def overdue_text(status: OfficeStatus, deadline: Deadline) -> str:
    """One overdue item as a line: what, since when, and by how much."""
    days = (status.as_of - deadline.date).days
    return _("{office}: {deadline} {date}, {days}").format(
        office=status.office.name, deadline=deadline.label, date=deadline.date.isoformat(),
        days=ngettext("{n} dag over fristen", "{n} dager over fristen", days).format(n=days))


def status_table(rnd, statuses: list[OfficeStatus], as_of: dt.date) -> str:
    """The status as text: one row per office, then every overdue item."""
    from .textout import table

    rows = []
    for s in statuses:
        nd = s.next_deadline
        rows.append([s.office.name, _stage_text(s), step_label(s.next_step) if s.next_step and not s.closed else "–",
                     "{label} {date}".format(label=nd.label, date=nd.date.isoformat()) if nd else "–",
                     str(len(s.overdue))])
    out = [_("Forløpet i {round} per {date}").format(round=rnd.name, date=as_of.isoformat()), "",
           table([_("Kontor"), _("Står ved"), _("Neste steg"), _("Neste frist"), _("Forfalt")], rows, right={4}), ""]
    overdue = [(s, d) for s in statuses for d in s.overdue]
    if overdue:
        out.append(_("Forfalt per {date}:").format(date=as_of.isoformat()))
        out += ["  " + overdue_text(s, d) for s, d in overdue]
    else:
        out.append(_("Ingenting er forfalt per {date}.").format(date=as_of.isoformat()))
    return "\n".join(out) + "\n"


def _describe(deadline: Deadline, status: OfficeStatus, defaults: CourseDefaults) -> str:
    step = status.steps.get(deadline.follows) if deadline.follows else None
    if deadline.set_in == "weeks" and step is not None:
        weeks = defaults.comments_weeks if deadline.key == COMMENTS else defaults.plan_weeks
        why = _("{weeks} uker etter {step} {date}.").format(weeks=weeks, step=step_label(step.step),
                                                          date=step.date.isoformat())
    elif deadline.set_in == PLAN_FILE:
        why = _("Fra kontorets plan for retting (plan.yaml), funn {id}.").format(id=deadline.finding)
    elif deadline.set_in == "reply_deadline":
        why = _("Svarfristen i rapport.yaml.")
    else:
        why = _("Satt i rapport.yaml.")
    return why


def calendar(rnd, statuses: list[OfficeStatus], stamp: dt.datetime) -> bytes:
    """Every deadline of the course as an RFC 5545 calendar (all-day events).

    Each event's UID is fixed by round, office and deadline, so importing the file again
    updates the events instead of adding new ones; ``stamp`` is the DTSTAMP of every event.
    """
    import icalendar

    from . import __version__

    defaults = rnd.report.course if rnd.report is not None else CourseDefaults()
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//kvp-audit//kvp-audit {__version__}//NB")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Frister i {round}").format(round=rnd.name))
    for status in statuses:
        for deadline in sorted(status.deadlines, key=lambda d: (d.date, d.key)):
            event = icalendar.Event()
            key = deadline.key.replace(":", "/")
            event.add("uid", f"kvp-audit/{rnd.id}/{status.office.id}/{key}")
            event.add("dtstamp", stamp)
            event.add("dtstart", deadline.date)
            event.add("dtend", deadline.date + dt.timedelta(days=1))
            event.add("summary", _("{deadline}: {office}").format(
                deadline=deadline.label[:1].upper() + deadline.label[1:], office=status.office.name))
            description = [rnd.name + ".", _describe(deadline, status, defaults)]
            if deadline.met_by:
                description.append(_("Oppfylt: {step} {date}.").format(
                    step=step_label(deadline.met_by) if deadline.met_by in STEPS else _("lukket"),
                    date=deadline.met.isoformat() if deadline.met else "").replace(" .", "."))
            event.add("description", " ".join(description))
            event.add("transp", "TRANSPARENT")
            cal.add_component(event)
    return cal.to_ical()


# --------------------------------------------------------------------------- checking the dates


def _where(locator, shown: str, name: str) -> tuple[str, int | None, int | None]:
    line, col = locator.locate(("course", name)) if locator is not None else (None, None)
    return shown, line, col


def course_problems(report: ReportFile, locator, shown: str, last_visit: dt.date | None) -> list[Problem]:
    """Dates under ``course:`` out of the course's order, and deadlines before their step (errors).

    ``last_visit`` stands for the visit when ``course.visit`` is empty.
    """
    course = report.course
    problems: list[Problem] = []
    earlier: list[tuple[str, dt.date, bool]] = []  # step, date, whether it is the visit of the office review
    order = _("datoene følger forløpet: {steps}").format(steps=", ".join(step_label(s) for s in STEPS))
    for step, name in STEPS.items():
        value = getattr(course, name)
        if value is None and step == "besok" and last_visit is not None:
            earlier.append((step, last_visit, True))
            continue
        if value is None:
            continue
        late = max(earlier, key=lambda e: e[1], default=None)
        if late is not None and late[1] > value:
            path, line, col = _where(locator, shown, name)
            if late[2]:
                # Two files disagree (a visit date in kontor.yaml written later, say): a warning here,
                # while `kvp-audit step` refuses to record such a date.
                problems.append(Problem(path, line, col, key=f"course.{name}", severity="warning",
                                        message=_("{step} ({date}) er før besøket ({other_date}, siste besøksdato "
                                                  "i kontor.yaml)").format(step=step_label(step), date=value.isoformat(),
                                                                          other_date=late[1].isoformat()),
                                        hint=_("sjekk visit_dates i kontor.yaml, eller skriv besøket i course.visit")))
            else:
                problems.append(Problem(path, line, col, key=f"course.{name}",
                                        message=_("{step} ({date}) er før {other} ({other_date})").format(
                                            step=step_label(step), date=value.isoformat(), other=step_label(late[0]),
                                            other_date=late[1].isoformat()),
                                        hint=order + "; " + _("rett en av datoene")))
        earlier.append((step, value, False))
    for step, name in DEADLINE_OF.items():
        deadline, base = getattr(course, name), getattr(course, STEPS[step])
        if deadline is not None and base is not None and deadline < base:
            path, line, col = _where(locator, shown, name)
            problems.append(Problem(path, line, col, key=f"course.{name}",
                                    message=_("fristen ({deadline}) er før {step} ({date})").format(
                                        deadline=deadline.isoformat(), step=step_label(step), date=base.isoformat()),
                                    hint=_("en frist kommer etter steget sitt; sett en senere frist, eller tøm feltet "
                                           "så fristen følger av steget")))
    return problems


# --------------------------------------------------------------------------- recording a step


@dataclass
class StepResult:
    """What ``kvp-audit step`` did: the files written and what to tell the user."""

    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_step(step: str) -> None:
    """A usage error for a step the course does not have, with the nearest name."""
    from .validation import suggest

    if step in STEPS:
        return
    near = suggest(step, list(STEPS))
    raise UsageError(_("ukjent steg '{step}'").format(step=step) + "; " + (
        _("mente du '{near}'?").format(near=near) if near else
        _("stegene er: {steps}").format(steps=", ".join(STEPS))))


def _located(sources: CourseSources, opened, step: StepDate, report_text: str | None) -> tuple[str, int | None, int | None]:
    """The file and line a step's date is written at."""
    from .yamlio import Locator, read_text

    folder = opened.root / sources.office.id
    path = folder / step.source
    if step.source == REPORT_FILE:
        key: tuple = ("course", STEPS[step.step])
        text = report_text
    else:
        key = {OFFICE_FILE: ("visit_dates",), FOLLOWUP_FILE: ("date",), PLAN_FILE: ("received",)}[step.source]
        try:
            text = read_text(path)
        except Exception:  # noqa: BLE001 - only the line number is lost
            text = None
    line, col = Locator(text).locate(key) if text else (None, None)
    return display_path(path), line, col


def _order_problems(step: str, date: dt.date, sources: CourseSources, opened, report_text: str | None) -> list[Problem]:
    """The new date of ``step`` against every other step's date: one problem per step it contradicts."""
    names = list(STEPS)
    position = names.index(step)
    problems = []
    for other in step_dates(sources).values():
        if other.step == step:
            continue
        before = names.index(other.step) < position
        if (before and other.date > date) or (not before and other.date < date):
            path, line, col = _located(sources, opened, other, report_text)
            message = (_("{step} ({date}) kan ikke være før {other} ({other_date})") if before else
                       _("{step} ({date}) kan ikke være etter {other} ({other_date})")).format(
                step=step_label(step), date=date.isoformat(), other=step_label(other.step),
                other_date=other.date.isoformat())
            problems.append(Problem(path, line, col, key=f"course.{STEPS[other.step]}" if other.source == REPORT_FILE
                                    else "", message=message,
                                    hint=_("sjekk datoen du ga med --date, eller rett datoen her")))
    return problems


def record_step(round_dir: Path, office_id: str, step: str, date: dt.date | None = None,
                deadline: dt.date | None = None, again: bool = False, today: dt.date | None = None) -> StepResult:
    """Record a step's date (and its deadline) in the office's rapport.yaml, keeping the file's comments.

    ``date`` None: today, or with only ``deadline`` for a step already recorded, the deadline
    alone is moved. ``utkast-sendt`` also freezes the draft's findings in utkast-sendt.yaml and
    ``endelig-sendt`` sets the report's status to endelig. Nothing is written when anything is wrong.
    """
    from .load import DRAFT_FILE, check_report, open_round
    from .skeleton import report_skeleton
    from .validation import check_office
    from .yamlio import YamlFileError, atomic_write, parse_mapping, read_text, round_file_problem
    from .yamlrt import child_map, dump_document, load_document, put

    check_step(step)
    opened = open_round(round_dir)
    check_office(opened.round, office_id)
    office = opened.round.office(office_id)
    deadline_field = DEADLINE_OF.get(step)
    if deadline is not None and deadline_field is None:
        raise UsageError(_("steget '{step}' har ingen frist; --deadline gjelder {steps}").format(
            step=step, steps=", ".join("{} ({})".format(s, deadline_label(_DEADLINE_KEY[f]))
                                       for s, f in DEADLINE_OF.items())))
    problems: list[Problem] = []
    sources = office_sources(opened, office, problems)
    path = opened.root / office.id / REPORT_FILE
    exists = os.path.lexists(path)
    if exists:
        refused = round_file_problem(path, opened.root)
        if refused:
            raise InputError(_("{file} kan ikke brukes").format(file=display_path(path)), [refused])
    try:
        text = read_text(path) if exists else None
    except YamlFileError as exc:
        raise InputError(_("{file} kan ikke leses; ingenting er skrevet").format(file=display_path(path)),
                         exc.problems) from None
    errors = [p for p in problems if p.is_error]
    if errors:
        raise InputError(_("rett feilene i filene først; ingenting er skrevet"), errors)
    themes = [t.id for t in opened.case_checklist.themes] if opened.case_checklist is not None else []
    shared = opened.round.report
    if text is None:
        text = report_skeleton(office, themes, reply_weeks=shared.reply_weeks if shared else None)
    name = STEPS[step]
    course = sources.course
    recorded = getattr(course, name)
    only_deadline = date is None and deadline is not None and recorded is not None
    when = recorded if only_deadline else (date or today or dt.date.today())
    if recorded is not None and not only_deadline and not again:
        path_shown, line, col = _located(sources, opened, StepDate(step, recorded, REPORT_FILE), text)
        raise InputError(_("steget er ikke registrert; ingenting er skrevet"), [Problem(
            path_shown, line, col, key=f"course.{name}",
            message=_("{step} er allerede registrert ({date})").format(step=step_label(step), date=recorded.isoformat()),
            hint=_("bruk --again for å registrere steget på nytt med den nye datoen"))])
    draft_path = opened.root / office.id / DRAFT_FILE
    if step == "utkast-sendt" and not only_deadline and draft_path.exists() and not again:
        raise InputError(_("steget er ikke registrert; ingenting er skrevet"), [Problem(
            display_path(draft_path), message=_("utkastet er allerede låst i denne filen"),
            hint=_("bruk --again for å låse utkastet på nytt (filen får det siste utkastet)"))])
    problems = [] if only_deadline else _order_problems(step, when, sources, opened, text)
    if problems:
        raise InputError(_("steget er ikke registrert; ingenting er skrevet"), problems)
    current_deadline = getattr(course, deadline_field) if deadline_field else None
    effective_deadline = deadline or current_deadline
    if effective_deadline is not None and effective_deadline < when:
        raise UsageError(_("fristen ({deadline}) er før {step} ({date}); en frist kommer etter steget sitt").format(
            deadline=effective_deadline.isoformat(), step=step_label(step), date=when.isoformat())
            + ("" if deadline is not None else "; " + _("gi en ny frist med --deadline")))

    doc = load_document(text, path)
    part = child_map(doc, "course", after=())
    fields = list(Course.model_fields)
    before = tuple(reversed(fields[:fields.index(name)]))
    if not only_deadline:
        put(part, name, when, after=before)
    if deadline is not None:
        put(part, deadline_field, deadline, after=(name, *before))
    if step == "endelig-sendt":
        put(doc, "status", "endelig")
    new_text = dump_document(doc)
    report, found = check_report(parse_mapping(new_text, path), new_text, path, themes,
                                 sources.visits[-1] if sources.visits else None)
    errors = [p for p in found if p.is_error]
    if errors or report is None:
        raise InputError(_("steget er ikke registrert; ingenting er skrevet"), errors)

    result = StepResult()
    if step == "utkast-sendt" and not only_deadline:
        from .draft import freeze_round_draft

        record_text, count = freeze_round_draft(opened.root, office.id, when)
        replaced = draft_path.exists()
        atomic_write(draft_path, record_text)
        result.written.append(draft_path)
        result.notes.append(ngettext("utkastets {n} funn er låst i {file}", "utkastets {n} funn er låst i {file}",
                                     count).format(n=count, file=display_path(draft_path)))
        if replaced:
            result.notes.append(_("{file} er skrevet på nytt: den har nå det siste utkastet").format(
                file=display_path(draft_path)))
    atomic_write(path, new_text)
    result.written.insert(0, path)
    if only_deadline:
        result.notes.insert(0, _("{deadline} er nå {date}").format(
            deadline=deadline_label(_DEADLINE_KEY[deadline_field]),
            date=deadline.isoformat()))
    else:
        result.notes.insert(0, _("{step}: {date}").format(step=step_label(step), date=when.isoformat()))
    if step == "endelig-sendt":
        result.notes.append(_("rapportens status er endelig"))
    status = office_status(CourseSources(office, report, sources.visits, sources.followup_date, sources.plan),
                           shared.course if shared else CourseDefaults(), when)
    follow = [d for d in status.deadlines if d.follows == step]
    for d in follow:
        result.notes.append(_("{deadline}: {date}").format(deadline=d.label[:1].upper() + d.label[1:],
                                                           date=d.date.isoformat()))
    return result
