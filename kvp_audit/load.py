"""Load and validate checklists and audit rounds from disk, collecting every problem.

Nothing here raises on a user's mistake: each loader returns what it could read and
the list of problems, so a command can report them all at once.
"""

from __future__ import annotations

import datetime as dt
import re
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from . import conditions
from .errors import InputError, Problem, display_path
from .i18n import _
from .names import name_warnings, plan_texts, report_texts, responsible_warnings, round_report_texts
from .privacy import problems as privacy_problems
from .models import (
    CASE_KEY_PATTERN,
    AnswerType,
    CaseReview,
    Checklist,
    ChecklistRef,
    DraftRecord,
    FactType,
    FollowupReview,
    OfficeReview,
    PlanFile,
    ReportFile,
    SampleRecord,
    Round,
    Scope,
)
from .validation import check_checklist, pydantic_problems, suggest
from .valuetypes import answer_type, fact_type
from .yamlio import Locator, YamlFileError, load_mapping, read_text, round_file_problem

ROUND_FILE = "runde.yaml"
OFFICE_FILE = "kontor.yaml"
FOLLOWUP_FILE = "oppfolging.yaml"
REPORT_FILE = "rapport.yaml"
PLAN_FILE = "plan.yaml"          # the office's plan for retting
SAMPLE_FILE = "utvalg.yaml"      # the random sample's draws, written by `kvp-audit sample`
DRAFT_FILE = "utkast-sendt.yaml"  # the draft's findings as sent, written by `kvp-audit step`
RECORD_FILES = {PLAN_FILE: PlanFile, SAMPLE_FILE: SampleRecord, DRAFT_FILE: DraftRecord}
RESERVED_FILES = {OFFICE_FILE, FOLLOWUP_FILE, REPORT_FILE, *RECORD_FILES}


def bundled_checklist_dir() -> Path:
    """The folder of the checklists that ship with the tool (installed or in a checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "checklists", here.parent / "checklists"):
        if candidate.is_dir():
            return candidate
    return here / "checklists"


# --------------------------------------------------------------------------- checklists


def _is_yaml(path: Path) -> bool:
    return path.suffix in (".yaml", ".yml") and not path.name.startswith(".")


def read_mapping(path: Path) -> tuple[dict[str, Any], str]:
    """Read one YAML mapping; every reason it cannot be read (also permissions) is a YamlFileError."""
    try:
        return load_mapping(path)
    except OSError as exc:
        raise YamlFileError(Problem(display_path(path), message=_("filen kan ikke leses ({error})").format(
            error=exc.strerror or exc), hint=_("sjekk at filen finnes og at du har lov til å lese den"))) from None


def load_checklist(path: Path) -> tuple[Checklist | None, list[Problem]]:
    """Read and validate one checklist file."""
    try:
        data, text = read_mapping(path)
    except YamlFileError as exc:
        return None, exc.problems
    return check_checklist(data, text, path)


def _version_key(version: str) -> list:
    """Order versions as numbers where they are numbers: 2026.10 after 2026.9."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in version.replace("-", ".").split(".")]


@dataclass
class ChecklistLibrary:
    """The checklists that can be used, by ``id@version``, from a list of folders."""

    folders: list[Path]
    _index: dict[str, Path] | None = None
    _cache: dict[str, Checklist] = field(default_factory=dict)
    _problems: list[Problem] = field(default_factory=list)

    def _build_index(self) -> dict[str, Path]:
        index: dict[str, Path] = {}
        self._problems = []
        for folder in self.folders:
            try:
                files = [folder] if folder.is_file() else sorted(folder.rglob("*.y*ml")) if folder.is_dir() else []
            except OSError as exc:
                self._problems.append(Problem(display_path(folder), message=_("mappen kan ikke leses ({error})").format(
                    error=exc.strerror or exc), hint=_("sjekk at du har lov til å lese mappen")))
                continue
            for path in files:
                if not _is_yaml(path):
                    continue
                try:
                    data, _text = read_mapping(path)
                except YamlFileError as exc:
                    # A broken file here is an error, never a reason to use another checklist of that id.
                    self._problems.extend(exc.problems)
                    continue
                if "themes" in data and "id" in data and "version" in data:
                    ref = f"{data['id']}@{data['version']}"
                    index.setdefault(ref, path)  # earlier folders win
        return index

    def refs(self) -> dict[str, Path]:
        """Every known ``id@version`` and its file."""
        if self._index is None:
            self._index = self._build_index()
        return self._index

    def problems(self) -> list[Problem]:
        """The files in the checklist folders that cannot be read as YAML (each an error)."""
        self.refs()
        return list(self._problems)

    def newest(self, ident: str) -> str | None:
        """The ``id@version`` of the newest version of checklist ``ident``, or None when there is none."""
        versions = [ref.split("@", 1)[1] for ref in self.refs() if ref.split("@", 1)[0] == ident]
        if not versions:
            return None
        return f"{ident}@{max(versions, key=_version_key)}"

    def versions(self, ident: str) -> list[Checklist]:
        """Every version of checklist ``ident`` that can be loaded, oldest first (broken files are left out)."""
        out = []
        for ref in sorted((r for r in self.refs() if r.split("@", 1)[0] == ident),
                          key=lambda r: _version_key(r.split("@", 1)[1])):
            checklist, _problems = self.get(ref)
            if checklist is not None:
                out.append(checklist)
        return out

    def get(self, ref: ChecklistRef | str) -> tuple[Checklist | None, list[Problem]]:
        """Load the checklist ``ref``; problems say if it is missing or invalid."""
        key = str(ref)
        if key in self._cache:
            return self._cache[key], []
        path = self.refs().get(key)
        if path is None:
            known = sorted(self.refs())
            return None, [Problem(
                "-", message=_("fant ikke sjekklisten '{ref}'").format(ref=key),
                hint=_("kjente sjekklister: {known}; legg egne i mappen checklists/ i runden").format(known=", ".join(known) or "-"),
            )]
        checklist, problems = load_checklist(path)
        if checklist is not None:
            self._cache[key] = checklist
        return checklist, problems


def library_for(round_dir: Path | None = None, extra: Iterable[Path] = ()) -> ChecklistLibrary:
    """The checklist folders for a round: its own ``checklists/``, extra folders, then the bundled ones."""
    folders: list[Path] = []
    if round_dir is not None:
        folders.append(round_dir / "checklists")
    folders.extend(extra)
    env = os.environ.get("KVP_AUDIT_CHECKLISTS")
    if env:
        folders.extend(Path(p) for p in env.split(os.pathsep) if p)
    folders.append(bundled_checklist_dir())
    return ChecklistLibrary(folders)


# --------------------------------------------------------------------------- rounds


@dataclass
class RoundData:
    """A loaded round: the round file, its checklists and every review that could be read."""

    path: Path
    round: Round
    case_checklist: Checklist
    office_checklist: Checklist | None
    followup_checklist: Checklist | None
    cases: dict[str, list[CaseReview]]
    office_reviews: dict[str, OfficeReview]
    followups: dict[str, FollowupReview]
    case_files: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    reports: dict[str, ReportFile] = field(default_factory=dict)  # rapport.yaml by office id
    plans: dict[str, PlanFile] = field(default_factory=dict)      # plan.yaml by office id
    samples: dict[str, SampleRecord] = field(default_factory=dict)  # utvalg.yaml by office id
    drafts: dict[str, DraftRecord] = field(default_factory=dict)  # utkast-sendt.yaml by office id
    # What is not filled in yet (kvp_audit.completeness): warnings that validate and report print, kept apart
    completeness: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def find_round_file(path: Path) -> Path:
    """Return the round file of a round folder, or raise an InputError saying what to do."""
    if path.is_file() and path.name == ROUND_FILE:
        return path
    if not path.exists():
        raise InputError(_("fant ikke mappen '{path}'").format(path=display_path(path)))
    candidate = path / ROUND_FILE
    if not candidate.is_file():
        raise InputError(
            _("'{path}' er ikke en runde: fant ikke {file}").format(path=display_path(path), file=ROUND_FILE)
            + "\n    " + _("Gjør slik") + ": " + _("lag en runde med 'kvp-audit new round {path}'").format(path=display_path(path))
        )
    return candidate


def load_round_file(path: Path) -> tuple[Round | None, list[Problem]]:
    """Read and validate ``runde.yaml``."""
    try:
        data, text = read_mapping(path)
    except YamlFileError as exc:
        return None, exc.problems
    try:
        return Round.model_validate(data), []
    except ValidationError as exc:
        return None, pydantic_problems(exc, Round, display_path(path), Locator(text))


SCOPES = ("case", "office", "followup")


@dataclass
class OpenedRound:
    """A round opened for use: its file, the round, the checklists by scope and the problems so far.

    A checklist that is missing, invalid or of another scope than its slot is None here,
    and the reason is among ``problems``; nothing else in the tool loads a round's checklists.
    """

    round_file: Path
    round: Round
    library: ChecklistLibrary
    checklists: dict[str, Checklist | None]
    problems: list[Problem] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.round_file.parent

    @property
    def case_checklist(self) -> Checklist | None:
        return self.checklists.get("case")

    @property
    def office_checklist(self) -> Checklist | None:
        return self.checklists.get("office")

    @property
    def followup_checklist(self) -> Checklist | None:
        return self.checklists.get("followup")

    def require_case_checklist(self) -> Checklist:
        """The case checklist, or an InputError with the problems that make it unusable."""
        if self.case_checklist is None:
            raise InputError(_("sjekklisten '{ref}' kan ikke brukes").format(ref=self.round.checklists.case),
                             [p for p in self.problems if p.is_error])
        return self.case_checklist


def open_round(path: Path, library: ChecklistLibrary | None = None) -> OpenedRound:
    """Open a round folder (or its runde.yaml): the round and its checklists, each checked for its scope.

    Raises InputError only when runde.yaml itself cannot be used; every other problem
    (a missing or broken checklist, a checklist of the wrong scope) is in ``problems``.
    """
    round_file = find_round_file(path)
    rnd, problems = load_round_file(round_file)
    if rnd is None:
        raise InputError(_("rundefilen kan ikke brukes"), problems)
    library = library or library_for(round_file.parent)
    problems = [*problems, *library.problems(), *_previous_problems(rnd, round_file)]
    checklists, found = round_checklists(rnd, library, round_file)
    return OpenedRound(round_file, rnd, library, checklists, problems + found)


def round_checklists(rnd: Round, library: ChecklistLibrary, round_file: Path,
                     text: str | None = None) -> tuple[dict[str, Checklist | None], list[Problem]]:
    """The round's checklists by scope, each checked for its scope (None with a problem when unusable).

    ``text`` is runde.yaml's text (read from ``round_file`` when a problem needs a line);
    the web form's round file passes the text it is about to write.
    """
    problems: list[Problem] = []
    shown = display_path(round_file)
    locator: Locator | None = None
    checklists: dict[str, Checklist | None] = {}
    for scope in SCOPES:
        ref = getattr(rnd.checklists, scope)
        checklists[scope] = None
        if ref is None:
            continue
        checklist, cl_problems = library.get(ref)
        if checklist is not None and checklist.scope.value == scope:
            checklists[scope] = checklist  # its warnings belong to 'checklist validate'
            continue
        locator = locator or Locator(text if text is not None else read_text(round_file))
        line, col = locator.locate(("checklists", scope))
        for p in cl_problems:
            problems.append(p if p.path != "-" else
                            Problem(shown, line, col, key=f"checklists.{scope}", message=p.message, hint=p.hint))
        if checklist is not None:
            problems.append(Problem(shown, line, col, key=f"checklists.{scope}",
                                    message=_("sjekklisten {ref} har scope '{actual}', men er oppgitt som '{scope}'").format(
                                        ref=ref, actual=checklist.scope.value, scope=scope),
                                    hint=_("bruk en sjekkliste med scope: {scope}").format(scope=scope)))
    return checklists, problems


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _previous_problems(rnd: Round, round_file: Path) -> list[Problem]:
    """An error when ``previous`` cannot be a path at all (a NUL or another control character)."""
    if rnd.previous is None or not _CONTROL.search(rnd.previous):
        return []
    locator = Locator(read_text(round_file))
    line, col = locator.locate(("previous",))
    return [Problem(display_path(round_file), line, col, key="previous",
                    message=_("'{value}' er ikke en sti: den har et kontrolltegn").format(value=rnd.previous.encode("unicode_escape").decode("ascii")),
                    hint=_("skriv stien til forrige runde fra denne mappen, for eksempel ../2024"))]


def previous_chain(path: Path, limit: int = 6) -> list[Path]:
    """The round folder and the folders of its previous rounds (``previous``), newest first.

    The walk stops at the first previous round that is missing or cannot be read, at a
    ``previous`` that is no path, at a loop, and after ``limit`` folders; it never raises.
    """
    chain: list[Path] = []
    current: Path | None = Path(path)
    while current is not None and len(chain) < limit:
        try:
            if not (current / ROUND_FILE).is_file():
                break
            current = current.resolve()
        except (OSError, ValueError):  # ValueError: a NUL in the path
            break
        if current in chain:
            break
        chain.append(current)
        rnd, _problems = load_round_file(current / ROUND_FILE)
        if rnd is None or not rnd.previous or _CONTROL.search(rnd.previous):
            break
        current = current / rnd.previous
    return chain


def existing_case_keys(opened: OpenedRound) -> set[str]:
    """Every case key in use anywhere in the round (file names and the keys written in files).

    A new key must differ from all of them; files that cannot be read still give their name.
    """
    keys: set[str] = set()
    try:
        folders = [d for d in sorted(opened.root.iterdir()) if d.is_dir() and not d.name.startswith(".")]
    except OSError:
        return keys
    for folder in folders:
        try:
            files = [f for f in sorted(folder.iterdir()) if _is_yaml(f) and f.name not in RESERVED_FILES]
        except OSError:
            continue
        for file in files:
            if re.match(CASE_KEY_PATTERN, file.stem):
                keys.add(file.stem)
            try:
                data, _text = read_mapping(file)
            except YamlFileError:
                continue
            if isinstance(data.get("case"), str):
                keys.add(data["case"])
    return keys


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def as_date(value: Any) -> Any:
    """A YAML date (text ÅÅÅÅ-MM-DD, since the parser leaves dates as text) as a date; else as it is."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _check_fact(name: str, value: Any, spec, shown: str, locator: Locator, base: tuple) -> Problem | None:
    kind = fact_type(spec)
    bad = kind.problem(value, spec.options)
    if bad is None:
        return None
    if not kind.of_kind(value):
        bad = (_("'{value}' passer ikke for '{name}'").format(value=value, name=name),
               _("forventet {expected}").format(expected=kind.expected(spec.options)))
    line, col = locator.locate(base + (name,))
    return Problem(shown, line, col, key=".".join(map(str, base + (name,))), message=bad[0], hint=bad[1])


def _as_model(model: type, data: dict[str, Any], text: str, path: Path,
              locator: Locator) -> tuple[Any, list[Problem]]:
    """A parsed file as ``model`` once the identity-number guard has passed it: (the model, [])
    or (None, the problems), the first step of every review and report check."""
    problems = privacy_problems(text, data, path)
    if problems:
        return None, problems
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, pydantic_problems(exc, model, display_path(path), locator)


def check_review(
    review_data: dict[str, Any],
    text: str,
    path: Path,
    model: type,
    checklist: Checklist,
    office_id: str,
) -> tuple[Any, list[Problem]]:
    """Validate a review (case, office or follow-up) against its model and its checklist."""
    shown = display_path(path)
    locator = Locator(text)
    refused = privacy_problems(text, review_data, path)
    if refused:
        from .privacy import without_national_ids

        review_data = without_national_ids(review_data)  # the rest of the file is still checked
    try:
        review, problems = model.model_validate(review_data), []
    except ValidationError as exc:
        problems = pydantic_problems(exc, model, shown, locator)
        review = _partial_review(model, review_data, exc)
        if review is None:
            return None, _merged(refused, problems)
    earlier = _merged(refused, problems)
    problems = list(earlier)
    if review.office != office_id:
        line, col = locator.locate(("office",))
        problems.append(Problem(shown, line, col, key="office",
                                message=_("filen ligger i mappen '{folder}', men sier office: {office}").format(folder=office_id, office=review.office),
                                hint=_("rett office til '{folder}', eller flytt filen").format(folder=office_id)))
    problems += _fact_problems(review, checklist, shown, locator)
    computed, why = _computed_fact_problems(review, checklist, shown, locator)
    problems += computed
    problems += _answer_problems(review, review_data, checklist, shown, locator)
    wrong = {p.key[len("facts."):] for p in problems if p.is_error and p.key.startswith("facts.")}
    wrong |= {n for n, spec in checklist.facts.items() if spec.compute and conditions.parse(spec.compute).names & wrong}
    problems += _undecided_problems(review, checklist, why, wrong, shown, locator)
    problems += name_warnings(review_data, text, path)
    problems = _merged(earlier, problems[len(earlier):])
    return (review if not any(p.is_error for p in problems) else None), problems


def _merged(first: list[Problem], rest: list[Problem]) -> list[Problem]:
    """``first``, then the problems of ``rest`` that are not where one of ``first`` is.

    An identity number's problem covers its whole line; any other covers its line and column.
    """
    identity = {p.line for p in first if p.line is not None and p.message.startswith(_id_message_start())}
    places = {(p.line, p.column) for p in first if p.line is not None}
    return [*first, *(p for p in rest if p.line is None or (p.line not in identity and (p.line, p.column) not in places))]


def _id_message_start() -> str:
    """The start of the identity-number message (kvp_audit.privacy), in the current language."""
    return _("teksten ser ut som et fødselsnummer eller D-nummer ({masked})").split("{", 1)[0]


def _partial_review(model: type, data: dict[str, Any], exc: ValidationError):
    """The review without the parts pydantic refused (unknown fields, bad values), or None.

    Checking the rest against the checklist means an unknown field such as ``svar:`` does
    not hide a criterion id's typo or a bad answer in the same file. A required field that
    is missing or refused leaves nothing to check against, and gives None.
    """
    import copy

    from .validation import clean_loc

    pruned = copy.deepcopy(data)
    if isinstance(pruned.get("answers"), dict):
        from .models import _short_answers

        pruned["answers"] = _short_answers(pruned["answers"])
    for err in exc.errors(include_url=False):
        loc = clean_loc(tuple(err["loc"]))
        if err["type"] == "missing" or not loc:
            return None
        parent = pruned
        for part in loc[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        if isinstance(parent, dict):
            parent.pop(loc[-1], None)
        elif isinstance(parent, list) and isinstance(loc[-1], int) and loc[-1] < len(parent):
            parent[loc[-1]] = None
    try:
        return model.model_validate(pruned)
    except ValidationError:
        return None


def _fact_problems(review, checklist: Checklist, shown: str, locator: Locator) -> list[Problem]:
    """Unknown facts, facts of the wrong type, and required facts left out (a warning)."""
    problems: list[Problem] = []
    facts = checklist.facts
    for name, spec in facts.items():
        if spec.type == FactType.date and isinstance(review.facts.get(name), str):
            review.facts[name] = as_date(review.facts[name])
    for name, value in review.facts.items():
        spec = facts.get(name)
        if spec is None:
            line, col = locator.locate(("facts", name), at_key=True)
            near = suggest(name, list(facts))
            problems.append(Problem(shown, line, col, key=f"facts.{name}",
                                    message=_("et ukjent faktum: '{name}'").format(name=name),
                                    hint=_("mente du '{near}'?").format(near=near) if near
                                    else _("sjekklisten kjenner: {facts}").format(facts=", ".join(facts) or "-")))
        elif value is not None and not spec.compute:  # a computed fact's value is replaced, not checked
            p = _check_fact(name, value, spec, shown, locator, ("facts",))
            if p:
                problems.append(p)
    for name, spec in facts.items():
        if spec.required and review.facts.get(name) is None:
            line, col = locator.locate(("facts",), at_key=True)
            problems.append(Problem(shown, line, col, key=f"facts.{name}",
                                    message=_("mangler faktumet '{name}'; kriterier som avhenger av det, regnes som aktuelle").format(name=name),
                                    hint=_("fyll inn {name}: {label}").format(name=name, label=spec.label or name),
                                    severity="warning"))
    return problems


def review_date(review) -> Any:
    """The date a review's conditions see as review_date: a case's date, an office's first visit."""
    date = getattr(review, "date", None)
    if date is None:
        dates = getattr(review, "visit_dates", None) or []
        date = dates[0] if dates else None
    return date


def _computed_fact_problems(review, checklist: Checklist, shown: str, locator: Locator) -> tuple[list[Problem], dict]:
    """Warn about computed facts written in the file (ignored), and fill in their values.

    Returns the warnings, and why each computed fact could not be computed, by name, for
    the warnings on the criteria that depend on it.
    """
    specs = checklist.facts
    computed = [name for name, spec in specs.items() if spec.compute]
    if not computed:
        return [], {}
    problems: list[Problem] = []
    for name in computed:
        if review.facts.get(name) is not None:
            line, col = locator.locate(("facts", name), at_key=True)
            problems.append(Problem(
                shown, line, col, key=f"facts.{name}",
                message=_("faktumet '{name}' beregnes av verktøyet ({compute}); verdien i filen brukes ikke").format(
                    name=name, compute=specs[name].compute),
                hint=_("fjern linjen {name}: fra filen").format(name=name), severity="warning"))
    return problems, conditions.compute_facts(specs, review.facts, review_date(review))


def _undecided_problems(review, checklist: Checklist, why: dict, wrong: set[str], shown: str,
                        locator: Locator) -> list[Problem]:
    """Warn for each criterion counted as applicable only because its condition cannot be decided.

    The usual reason is a fact left out (``har_barn`` missing makes IN-07 applicable); a
    computed fact that cannot be computed names the recorded fact it needs. A fact of the
    wrong type (in ``wrong``) is an error already, and adds no warning.
    """
    problems: list[Problem] = []
    facts = None
    for crit in checklist.criteria():
        if not crit.applies_when or not crit.scored:
            continue
        if facts is None:
            facts = conditions.with_review_date(review.facts, review_date(review))
        parsed = conditions.parse(crit.applies_when)
        result, reason = parsed.explain(facts)
        if result is not None or parsed.names & wrong:
            continue
        if isinstance(reason, conditions.Unknown) and isinstance(why.get(reason.name), conditions.Undecided):
            reason = why[reason.name]
        if isinstance(reason, conditions.Unknown):
            spec = checklist.facts.get(reason.name)
            line, col = locator.locate(("facts", reason.name) if reason.name in review.facts else ("facts",), at_key=True)
            problems.append(Problem(
                shown, line, col, key=f"facts.{reason.name}",
                message=_("kriteriet {id} regnes som aktuelt bare fordi faktumet '{name}' mangler ({condition})").format(
                    id=crit.id, name=reason.name, condition=crit.applies_when),
                hint=_("fyll inn {name}: {label}").format(name=reason.name, label=(spec.label if spec else "") or reason.name),
                severity="warning"))
        else:
            line, col = locator.locate(("facts",), at_key=True)
            problems.append(Problem(
                shown, line, col, key="facts",
                message=_("kriteriet {id} regnes som aktuelt fordi betingelsen ikke kan avgjøres for saken: {reason} ({condition})").format(
                    id=crit.id, reason=str(reason), condition=crit.applies_when),
                hint=_("sjekk faktaene betingelsen bruker"), severity="warning"))
    return problems


def _answer_problems(review, review_data: dict, checklist: Checklist, shown: str, locator: Locator) -> list[Problem]:
    """Answers to unknown criteria, answers of the wrong type, and answers to criteria that do not apply."""
    problems: list[Problem] = []
    criteria = checklist.criterion_map()
    scale = checklist.scale_map()
    for cid, answer in review.answers.items():
        crit = criteria.get(cid)
        if crit is None:
            line, col = locator.locate(("answers", cid), at_key=True)
            near = suggest(cid, list(criteria))
            problems.append(Problem(shown, line, col, key=f"answers.{cid}",
                                    message=_("kriteriet '{id}' finnes ikke i sjekklisten {ref}").format(id=cid, ref=checklist.ref),
                                    hint=_("mente du '{near}'?").format(near=near) if near
                                    else _("fjern svaret, eller sjekk hvilken sjekkliste runden bruker")))
            continue
        value = answer.answer
        if value is None:
            continue
        if value.__class__ is str and crit.answer is SCALE and value in scale and not crit.applies_when:
            continue  # the common case: a scale answer to a criterion that always applies
        if crit.answer == AnswerType.date and isinstance(value, str):
            value = answer.answer = as_date(value)
        bad = _answer_problem(crit, value, scale)
        if bad:
            line, col = locator.locate(("answers", cid, "answer")) if isinstance(review_data.get("answers", {}).get(cid), dict) \
                else locator.locate(("answers", cid))
            problems.append(Problem(shown, line, col, key=f"answers.{cid}", message=bad[0], hint=bad[1]))
            continue
        if crit.applies_when and crit.scored and scale.get(str(value)) and scale[str(value)].outcome.counts:
            try:
                applies = conditions.parse(crit.applies_when).evaluate(
                    conditions.with_review_date(review.facts, review_date(review)))
            except conditions.ConditionError:
                applies = None  # a fact of the wrong type: reported above
            if applies is False:
                line, col = locator.locate(("answers", cid), at_key=True)
                problems.append(Problem(shown, line, col, key=f"answers.{cid}",
                                        message=_("kriteriet gjelder ikke denne saken ({condition}), men er besvart; svaret telles ikke").format(condition=crit.applies_when),
                                        hint=_("sjekk faktaene, eller sett svaret til 'ikke aktuelt'"),
                                        severity="warning"))
    return problems


SCALE = AnswerType.scale


def _answer_problem(crit, value: Any, scale) -> tuple[str, str] | None:
    if isinstance(value, (list, dict)):
        kind = _("en liste") if isinstance(value, list) else _("en mapping")
        return (_("forventet ett svar (for eksempel ja, et tall eller en dato), fikk {got}").format(got=kind),
                _("skriv svaret rett etter 'answer:', uten klammer"))
    options = list(scale) if crit.answer == AnswerType.scale else crit.options
    return answer_type(crit).problem(value, options)


def _load_review(path: Path, model, checklist: Checklist, office_id: str):
    """Read and check one review file; a case or office review also gets the completeness warnings.

    A file refused for an identity number is still parsed and checked, with the number's
    value treated as unusable, so that every problem in it is reported in one run.
    """
    try:
        data, text = read_mapping(path)
    except YamlFileError as exc:
        parsed = _parse_refused(path, exc)
        if parsed is None:
            return None, exc.problems
        data, text = parsed
    review, problems = check_review(data, text, path, model, checklist, office_id)
    if review is not None and model is not FollowupReview:
        from .completeness import review_problems

        problems += review_problems(review, checklist, path, Locator(text))
    return review, problems


def _parse_refused(path: Path, exc: YamlFileError) -> tuple[dict[str, Any], str] | None:
    """The data and text of a file refused only for identity numbers (None for any other reason)."""
    from .privacy import problems as privacy_problems
    from .yamlio import parse_mapping

    try:
        text = read_text(path)
        data = parse_mapping(text, path)
    except (OSError, YamlFileError):
        return None
    refused = privacy_problems(text, data, path)
    if not refused or len(refused) != len(exc.problems):
        return None
    return data, text


def load_round(path: Path, library: ChecklistLibrary | None = None, workers: int | None = None,
               keep_reviews: bool = True, memo: dict | None = None) -> RoundData:
    """Load a round folder with all its reviews; raise InputError only if the round file is unusable.

    With ``keep_reviews=False`` (validation only) the files are checked on every core and
    only the problems come back; loading the reviews themselves runs in this process,
    since handing thousands of pydantic models between processes costs more than it saves.
    ``memo`` (a dict the caller keeps between loads, as the web app does) holds each review
    file's result by its stamp, so a file unchanged since the last load is not read again.
    """
    with paused_gc():
        return _load_round(path, library, workers, keep_reviews, memo)


def validate_round(path: Path, workers: int | None = None, memo: dict | None = None) -> list[Problem]:
    """Every problem in a round, as ``kvp-audit validate`` reports them (an unusable round's too).

    Raises InputError only when there is no round to speak of (no runde.yaml). Finding ids
    in the follow-up files are checked once the round is free of errors, since they are
    known only when it is scored; so are the completeness warnings (kvp_audit.completeness).
    """
    try:
        data = load_round(path, workers=workers, keep_reviews=False, memo=memo)
    except InputError as exc:
        if not exc.problems:
            raise
        return exc.problems  # the round could not be loaded at all: its problems are the findings
    # What is not filled in yet is said once the round is free of errors, as the follow-ups' finding ids are.
    problems = data.problems + ([] if data.errors else data.completeness)
    # follow-up records and plans are checked against the scored findings
    followups = any((data.path / o.id / name).is_file() for o in data.round.offices
                    for name in (FOLLOWUP_FILE, PLAN_FILE))
    # a final report's changes from its frozen draft need the team's reasons
    drafts = any(o in data.drafts and data.reports[o].status.value == "endelig" for o in data.reports)
    if not data.errors and (followups or drafts):
        from .draft import draft_problems
        from .followup import followup_problems
        from .scoring import score_round

        full = load_round(path, workers=workers, memo=memo)
        scores = score_round(full)
        problems = problems + (followup_problems(full, scores) if followups else []) + draft_problems(full, scores)
    return problems


class paused_gc:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Loading a national round allocates hundreds of thousands of small objects; the
    collector would otherwise walk them again and again (measured: score took twice as
    long). Afterwards the survivors are frozen out of later collections.
    """

    def __enter__(self):
        import gc

        self._was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc):
        import gc

        if self._was_enabled:
            gc.freeze()
            gc.enable()
        return False


def _load_round(path: Path, library: ChecklistLibrary | None, workers: int | None,
                keep_reviews: bool, memo: dict | None = None) -> RoundData:
    opened = open_round(path, library)
    problems = list(opened.problems)
    if opened.case_checklist is None:
        raise InputError(_("runden kan ikke lastes fordi sjekklisten mangler eller har feil"), problems)
    rnd, root = opened.round, opened.root
    problems += _stray_folders(opened)
    jobs, job_problems = _review_jobs(opened)
    problems += job_problems
    data = RoundData(path=root, round=rnd, case_checklist=opened.case_checklist,
                     office_checklist=opened.office_checklist, followup_checklist=opened.followup_checklist,
                     cases={o.id: [] for o in rnd.offices}, office_reviews={}, followups={}, problems=problems)
    results = _run_jobs(jobs, opened.checklists, workers, keep_reviews, memo)
    seen_keys: dict[str, Path] = {}
    picks = []  # how each case says it was chosen, checked against utvalg.yaml below
    visits: dict[str, dt.date] = {}  # the last visit date, which is the report date unless rapport.yaml gives one
    case_dates: dict[str, dt.date] = {}
    from .completeness import empty_office_problems, period_problems

    for (kind, office_id, file), (review, review_problems) in zip(jobs, results):
        problems.extend(review_problems)
        if review is None:
            continue
        if kind == "office":
            problems += period_problems(rnd.period, file, "visit_dates", review.visit_dates)
        elif kind == "case":
            problems += period_problems(rnd.period, file, "date", [review.date])
        if kind == "office" and review.visit_dates:
            visits[office_id] = max(review.visit_dates)
        elif kind == "case" and review.date is not None:
            case_dates[office_id] = max(case_dates.get(office_id, review.date), review.date)
        if kind == "case":
            if review.case in seen_keys:
                problems.append(Problem(display_path(file), key="case",
                                        message=_("saksnøkkelen {key} er brukt også i {other}").format(key=review.case, other=display_path(seen_keys[review.case])),
                                        hint=_("hver sak har sin egen nøkkel: lag en ny med 'kvp-audit new case'")))
                continue
            seen_keys[review.case] = file
            picks.append((office_id, file, review))
            if keep_reviews:
                data.cases[office_id].append(review)
                data.case_files[review.case] = file
        elif not keep_reviews:
            continue
        elif kind == "office":
            data.office_reviews[office_id] = review
        else:
            data.followups[office_id] = review
    problems += empty_office_problems(opened.round_file, rnd.offices, {o for kind, o, _f in jobs if kind == "case"}, root)
    data.reports, report_problems = _load_reports(opened, {**case_dates, **visits})
    problems += report_problems
    data.plans, data.samples, data.drafts = (_load_records(opened, name, problems) for name in RECORD_FILES)
    problems += _pick_problems(data, picks)
    data.completeness = [p for p in problems if p.group == "completeness"]
    data.problems = problems = [p for p in problems if p.group != "completeness"]
    return data


def _pick_problems(data: RoundData, picks: list) -> list[Problem]:
    """Warnings for random picks that do not fit the office's draw in utvalg.yaml (kvp_audit.sample)."""
    if not data.samples and not any(getattr(r, "position", None) is not None for _o, _f, r in picks):
        return []
    from .sample import Pick, pick_problems

    return pick_problems(data.samples, [Pick(o, f, getattr(r, "selection", ""), getattr(r, "position", None),
                                             getattr(r, "stratum", "")) for o, f, r in picks], data.path)


def _load_records(opened: OpenedRound, name: str, problems: list[Problem]) -> dict[str, Any]:
    """Every office's record file ``name`` (plan.yaml, utvalg.yaml, utkast-sendt.yaml) that
    could be read, as its model by office id; the problems are added to ``problems``."""
    records: dict[str, Any] = {}
    for office in opened.round.offices:
        path = opened.root / office.id / name
        if not os.path.lexists(path):
            continue
        refused = round_file_problem(path, opened.root)
        if refused:
            problems.append(refused)
            continue
        record, record_problems = load_record(path)
        problems += record_problems
        if record is not None:
            records[office.id] = record
    return records


def load_record(path: Path) -> tuple[Any, list[Problem]]:
    """Read one record file (plan.yaml, utvalg.yaml or utkast-sendt.yaml, by its name) as its model."""
    try:
        data, text = read_mapping(path)
    except YamlFileError as exc:
        return None, exc.problems
    return check_record(data, text, path)


def check_record(data: dict[str, Any], text: str, path: Path) -> tuple[Any, list[Problem]]:
    """Validate a parsed record file by its name (the web form checks the plan it saves with this too)."""
    record, problems = _as_model(RECORD_FILES[path.name], data, text, path, Locator(text))
    if record is not None and path.name == PLAN_FILE:
        problems = name_warnings(data, text, path, plan_texts) + responsible_warnings(data, text, path)
    return record, problems


def _load_reports(opened: OpenedRound, last_visit: dict[str, dt.date]) -> tuple[dict[str, ReportFile], list[Problem]]:
    """Every office's rapport.yaml that could be read, and the problems of all of them (and of runde.yaml's report block)."""
    reports: dict[str, ReportFile] = {}
    problems: list[Problem] = []
    if opened.round.report is not None:
        try:
            data, text = read_mapping(opened.round_file)
        except YamlFileError as exc:  # changed since it was read
            return reports, exc.problems
        problems += name_warnings(data, text, opened.round_file, round_report_texts)
    # the team writes its assessment per theme of the results, the case checklist's themes
    themes = [t.id for t in opened.case_checklist.themes] if opened.case_checklist is not None else []
    for office in opened.round.offices:
        path = opened.root / office.id / REPORT_FILE
        if not os.path.lexists(path):
            continue
        refused = round_file_problem(path, opened.root)  # a link out of the round, a FIFO or a folder
        if refused:
            problems.append(refused)
            continue
        report, report_problems = load_report(path, themes, last_visit.get(office.id))
        problems += report_problems
        if report is not None:
            reports[office.id] = report
    return reports, problems


def load_report(path: Path, themes: Iterable[str], last_visit: dt.date | None = None) -> tuple[ReportFile | None, list[Problem]]:
    """Read and check an office's rapport.yaml: the model, theme ids known to the checklists, the deadline.

    ``last_visit`` is the report date when the file gives none, for the deadline check.
    """
    try:
        data, text = read_mapping(path)
    except YamlFileError as exc:
        return None, exc.problems
    return check_report(data, text, path, themes, last_visit)


def check_report(data: dict[str, Any], text: str, path: Path, themes: Iterable[str],
                 last_visit: dt.date | None = None) -> tuple[ReportFile | None, list[Problem]]:
    """Validate a parsed rapport.yaml (the web form checks what it saves with this too)."""
    shown = display_path(path)
    locator = Locator(text)
    report, problems = _as_model(ReportFile, data, text, path, locator)
    if report is None:
        return None, problems
    known = list(themes)
    for tid in report.text.themes:
        if tid not in known:
            line, col = locator.locate(("text", "themes", tid), at_key=True)
            near = suggest(tid, known)
            problems.append(Problem(shown, line, col, key=f"text.themes.{tid}",
                                    message=_("temaet '{id}' finnes ikke i sjekklisten").format(id=tid),
                                    hint=_("mente du '{near}'?").format(near=near) if near
                                    else _("bruk en tema-id fra sjekklisten: {themes}").format(themes=", ".join(known) or "-")))
    date = report.date or last_visit
    if date is not None and report.reply_deadline is not None and report.reply_deadline < date:
        line, col = locator.locate(("reply_deadline",))
        problems.append(Problem(shown, line, col, key="reply_deadline",
                                message=_("svarfristen ({deadline}) er før rapportdatoen ({date})").format(
                                    deadline=report.reply_deadline.isoformat(), date=date.isoformat()),
                                hint=_("sett en frist etter rapportdatoen") if report.date is not None
                                else _("sett en frist etter rapportdatoen; uten date er den siste besøksdato")))
    from .course import course_problems

    problems += course_problems(report, locator, shown, last_visit)
    problems += name_warnings(data, text, path, report_texts)
    return (report if not any(p.is_error for p in problems) else None), problems


def _unreadable_folder(folder: Path, exc: OSError) -> Problem:
    return Problem(display_path(folder), message=_("mappen kan ikke leses ({error})").format(error=exc.strerror or exc),
                   hint=_("sjekk at du har lov til å lese mappen"))


def _stray_folders(opened: OpenedRound) -> list[Problem]:
    """Warnings for folders in the round that are not offices."""
    office_ids = {o.id for o in opened.round.offices}
    try:
        children = sorted(opened.root.iterdir())
    except OSError as exc:
        return [_unreadable_folder(opened.root, exc)]
    out = []
    for child in children:
        if child.is_dir() and child.name not in office_ids and child.name != "checklists" and not child.name.startswith("."):
            near = suggest(child.name, office_ids)
            out.append(Problem(display_path(child), message=_("mappen er ikke et kontor i {file}").format(file=ROUND_FILE),
                               hint=(_("mente du '{near}'?").format(near=near) if near
                                     else _("legg kontoret til under offices i {file}, eller flytt mappen").format(file=ROUND_FILE)),
                               severity="warning"))
    return out


def _review_jobs(opened: OpenedRound) -> tuple[list[tuple[str, str, Path]], list[Problem]]:
    """The review files of every office folder, by kind; an unreadable folder is an error.

    Files of a kind whose checklist is named but cannot be used are left out: the round's
    own problem says why, and checking them against no checklist would say nothing.
    """
    jobs: list[tuple[str, str, Path]] = []
    problems: list[Problem] = []
    unusable = {scope for scope in SCOPES
                if getattr(opened.round.checklists, scope) is not None and opened.checklists[scope] is None}
    for office in opened.round.offices:
        folder = opened.root / office.id
        try:
            if not folder.is_dir():
                continue
            if folder.is_symlink() and round_file_problem(folder, opened.root):
                problems.append(round_file_problem(folder, opened.root))
                continue
            files = sorted(folder.iterdir())
        except OSError as exc:
            problems.append(_unreadable_folder(folder, exc))
            continue
        for file in files:
            if not _is_yaml(file):
                continue
            if file.name == REPORT_FILE or file.name in RECORD_FILES:
                continue  # read on their own, by _load_reports and _load_records
            refused = round_file_problem(file, opened.root)
            if refused:
                problems.append(refused)  # a link out of the round (error), a FIFO or device (warning)
                continue
            kind = {OFFICE_FILE: "office", FOLLOWUP_FILE: "followup"}.get(file.name, "case")
            if kind not in unusable:
                jobs.append((kind, office.id, file))
    return jobs, problems


_MODELS = {"case": CaseReview, "office": OfficeReview, "followup": FollowupReview}


def _one_job(job, loaded):
    kind, office_id, file = job
    checklist = loaded.get(kind)
    if checklist is None:
        if kind == "case":
            return None, []
        warning = Problem(display_path(file), message=_("runden har ingen sjekkliste for '{scope}'").format(scope=kind),
                          hint=_("oppgi checklists.{scope} i {file}").format(scope=kind, file=ROUND_FILE),
                          severity="warning")
        try:
            read_mapping(file)  # unchecked, but still read: the input limits and identity-number guard hold
        except YamlFileError as exc:
            return None, [*exc.problems, warning]
        return None, [warning]
    return _load_review(file, _MODELS[kind], checklist, office_id)


def _remembered_job(job, loaded, memo: dict):
    """:func:`_one_job`, or its result from ``memo`` when the file, its checklist (by reference: a
    caller that lets a checklist change under the same version empties the memo), the language
    and the working directory (the problems' file names) are what they were then."""
    from .i18n import current_language

    kind, office_id, file = job
    try:
        st = os.stat(file)
    except OSError:
        return _one_job(job, loaded)
    checklist = loaded.get(kind)
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino, getattr(checklist, "ref", None), current_language(), os.getcwd())
    key = (kind, office_id, os.fspath(file))
    known = memo.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    result = _one_job(job, loaded)
    memo[key] = (stamp, result)
    return result


_WORKER_STATE: dict[str, Any] = {}


@dataclass(frozen=True)
class _KeyOnly:
    """What a validation-only worker returns for a valid review: its case key, and its dates (for rapport.yaml's check)."""

    case: str
    visit_dates: tuple = ()
    date: dt.date | None = None
    selection: str = ""  # with position and stratum: the case's place in the office's draw (utvalg.yaml)
    position: int | None = None
    stratum: str = ""


def _worker_chunk(chunk):
    loaded = _WORKER_STATE["loaded"]
    keep = _WORKER_STATE["keep"]
    out = []
    for job in chunk:
        review, problems = _one_job(job, loaded)
        if not keep and review is not None:
            # Only the key travels back, for the duplicate-key check.
            review = _KeyOnly(getattr(review, "case", ""), tuple(getattr(review, "visit_dates", ())),
                              getattr(review, "date", None), getattr(review, "selection", ""),
                              getattr(review, "position", None), getattr(review, "stratum", ""))
        out.append((review, problems))
    return out


def _pool(ctx, workers: int):
    """A pool whose workers leave Ctrl-C to the parent, which stops them (no traceback per worker).

    The workers are forked while Ctrl-C only takes a note, and keep that handler; a
    Ctrl-C noted while they start is raised in the parent once they have.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return ctx.Pool(workers)
    noted: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    try:
        pool = ctx.Pool(workers)
    finally:
        signal.signal(signal.SIGINT, previous)
    if noted:
        pool.terminate()
        raise KeyboardInterrupt
    return pool


def _run_jobs(jobs, loaded, workers: int | None, keep_reviews: bool = True, memo: dict | None = None):
    """Read the review files; when only problems are wanted, on several cores (with a ``memo``:
    in this process, reading only the files that changed since the memo's last load)."""
    if memo is not None:
        return [_remembered_job(job, loaded, memo) for job in jobs]
    if workers is None:
        workers = 1 if keep_reviews or len(jobs) < 200 else (os.cpu_count() or 1)
    if workers <= 1 or len(jobs) < 2:
        return [_one_job(job, loaded) for job in jobs]
    import multiprocessing

    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:
        return [_one_job(job, loaded) for job in jobs]
    _WORKER_STATE["loaded"] = loaded
    _WORKER_STATE["keep"] = keep_reviews
    size = max(1, -(-len(jobs) // workers))
    chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    with _pool(ctx, workers) as pool:
        parts = pool.map(_worker_chunk, chunks)
    return [r for part in parts for r in part]


def scope_of(checklist: Checklist) -> Scope:
    """The checklist's scope (kept as a function for symmetry with the models)."""
    return checklist.scope
