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
from .names import name_warnings
from .privacy import problems as privacy_problems
from .models import (
    AnswerType,
    CaseReview,
    Checklist,
    ChecklistRef,
    FactType,
    FollowupReview,
    OfficeReview,
    Round,
    Scope,
)
from .validation import pydantic_problems, suggest
from .yamlio import Locator, YamlFileError, load_mapping, read_text, round_file_problem

ROUND_FILE = "runde.yaml"
OFFICE_FILE = "kontor.yaml"
FOLLOWUP_FILE = "oppfolging.yaml"
RESERVED_FILES = {OFFICE_FILE, FOLLOWUP_FILE}


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


def check_checklist(data: dict[str, Any], text: str, path: Path) -> tuple[Checklist | None, list[Problem]]:
    """Validate a parsed checklist: schema, unique ids, conditions, and advice."""
    shown = display_path(path)
    locator = Locator(text)
    problems: list[Problem] = []
    try:
        checklist = Checklist.model_validate(data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, Checklist, shown, locator))
        checklist = None
    themes = data.get("themes") if isinstance(data.get("themes"), list) else []
    facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    fact_names = set(facts)
    seen_criteria: dict[str, str] = {}
    seen_themes: set[str] = set()
    for ti, theme in enumerate(themes):
        if not isinstance(theme, dict):
            continue
        tid = theme.get("id")
        if isinstance(tid, str):
            if tid in seen_themes:
                line, col = locator.locate(("themes", ti, "id"))
                problems.append(Problem(shown, line, col, key=f"themes[{ti}].id",
                                        message=_("tema-id '{id}' er brukt før").format(id=tid),
                                        hint=_("gi hvert tema en egen id")))
            seen_themes.add(tid)
        criteria = theme.get("criteria") if isinstance(theme.get("criteria"), list) else []
        for ci, crit in enumerate(criteria):
            if not isinstance(crit, dict):
                continue
            base = ("themes", ti, "criteria", ci)
            key = f"themes[{ti}].criteria[{ci}]"
            cid = crit.get("id")
            if isinstance(cid, str):
                if cid in seen_criteria:
                    line, col = locator.locate(base + ("id",))
                    problems.append(Problem(shown, line, col, key=f"{key}.id",
                                            message=_("kriterie-id '{id}' er brukt før (i {where})").format(id=cid, where=seen_criteria[cid]),
                                            hint=_("gi kriteriet en ny id; en id brukes aldri om igjen")))
                else:
                    seen_criteria[cid] = key
            condition = crit.get("applies_when")
            if isinstance(condition, str) and condition.strip():
                try:
                    parsed = conditions.parse(condition)
                except conditions.ConditionError as exc:
                    line, col = locator.locate(base + ("applies_when",))
                    problems.append(Problem(shown, line, col, key=f"{key}.applies_when",
                                            message=str(exc),
                                            hint=_("skriv for eksempel: status == 'avsluttet' and har_barn")))
                else:
                    for name in sorted(parsed.names - fact_names):
                        line, col = locator.locate(base + ("applies_when",))
                        near = suggest(name, fact_names)
                        hint = (_("mente du '{near}'?").format(near=near) if near
                                else _("definer '{name}' under facts, eller bruk et av: {facts}").format(
                                    name=name, facts=", ".join(sorted(fact_names)) or "-"))
                        problems.append(Problem(shown, line, col, key=f"{key}.applies_when",
                                                message=_("betingelsen bruker ukjent fakta '{name}'").format(name=name),
                                                hint=hint))
                    problems.extend(_condition_values(parsed, facts, shown, locator, base, key))
            answer = crit.get("answer", "scale")
            if answer == "scale" and not str(crit.get("recommendation") or "").strip():
                line, col = locator.locate(base, at_key=False)
                problems.append(Problem(shown, line, col, key=f"{key}.recommendation",
                                        message=_("kriteriet '{id}' har ingen anbefalingstekst").format(id=cid),
                                        hint=_("skriv recommendation: rapporten bruker den når kriteriet ikke er oppfylt"),
                                        severity="warning"))
            if answer == "scale" and crit.get("severity") == "krav" and not crit.get("legal_basis"):
                line, col = locator.locate(base, at_key=False)
                problems.append(Problem(shown, line, col, key=f"{key}.legal_basis",
                                        message=_("kravet '{id}' har ikke noe rettslig grunnlag").format(id=cid),
                                        hint=_("skriv legal_basis, for eksempel 'sotjl. § 30'"),
                                        severity="warning"))
    if checklist is not None:
        own = set(checklist.criterion_map())
        for ti, theme in enumerate(checklist.themes):
            for ci, crit in enumerate(theme.criteria):
                for old in crit.replaces:
                    if old == crit.id:
                        line, col = locator.locate(("themes", ti, "criteria", ci, "replaces"))
                        problems.append(Problem(shown, line, col, key=f"themes[{ti}].criteria[{ci}].replaces",
                                                message=_("kriteriet '{id}' kan ikke erstatte seg selv").format(id=crit.id),
                                                hint=_("list bare id-er fra eldre versjoner")))
                    elif old in own:
                        line, col = locator.locate(("themes", ti, "criteria", ci, "replaces"))
                        problems.append(Problem(shown, line, col, key=f"themes[{ti}].criteria[{ci}].replaces",
                                                message=_("'{old}' finnes fortsatt i denne versjonen, og kan ikke være erstattet").format(old=old),
                                                hint=_("en id brukes aldri om igjen: gi det nye kriteriet en ny id")))
    if any(p.is_error for p in problems):
        checklist = None
    return checklist, problems


def _condition_values(parsed, facts, shown, locator, base, key) -> list[Problem]:
    """Warn when a condition compares a choice fact with a value it can never have."""
    import ast

    out: list[Problem] = []
    for node in ast.walk(parsed.tree):
        if not isinstance(node, ast.Compare) or not isinstance(node.left, ast.Name):
            continue
        fact = facts.get(node.left.id)
        if not isinstance(fact, dict) or fact.get("type") != "choice":
            continue
        options = fact.get("options") or []
        for comp in node.comparators:
            values = [e.value for e in comp.elts] if isinstance(comp, (ast.List, ast.Tuple)) else (
                [comp.value] if isinstance(comp, ast.Constant) else [])
            for v in values:
                if v not in options:
                    line, col = locator.locate(base + ("applies_when",))
                    out.append(Problem(shown, line, col, key=f"{key}.applies_when",
                                       message=_("'{value}' er ikke et mulig valg for '{fact}'").format(value=v, fact=node.left.id),
                                       hint=_("bruk en av: {options}").format(options=", ".join(options))))
    return out


def load_checklist(path: Path) -> tuple[Checklist | None, list[Problem]]:
    """Read and validate one checklist file."""
    try:
        data, text = load_mapping(path)
    except YamlFileError as exc:
        return None, exc.problems
    return check_checklist(data, text, path)


@dataclass
class ChecklistLibrary:
    """The checklists that can be used, by ``id@version``, from a list of folders."""

    folders: list[Path]
    _index: dict[str, Path] | None = None
    _cache: dict[str, Checklist] = field(default_factory=dict)

    def _build_index(self) -> dict[str, Path]:
        from .yamlio import loads as yaml_loads

        index: dict[str, Path] = {}
        for folder in self.folders:
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*.y*ml")):
                if not _is_yaml(path):
                    continue
                try:
                    data = yaml_loads(read_text(path))
                except Exception:
                    continue
                if isinstance(data, dict) and "themes" in data and "id" in data and "version" in data:
                    ref = f"{data['id']}@{data['version']}"
                    index.setdefault(ref, path)  # earlier folders win
        return index

    def refs(self) -> dict[str, Path]:
        """Every known ``id@version`` and its file."""
        if self._index is None:
            self._index = self._build_index()
        return self._index

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
        data, text = load_mapping(path)
    except YamlFileError as exc:
        return None, exc.problems
    try:
        return Round.model_validate(data), []
    except ValidationError as exc:
        return None, pydantic_problems(exc, Round, display_path(path), Locator(text))


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
    ok = True
    expected = ""
    if spec.type == FactType.bool:
        ok, expected = isinstance(value, bool), _("true eller false")
    elif spec.type == FactType.date:
        ok, expected = isinstance(value, dt.date), _("en dato (ÅÅÅÅ-MM-DD)")
    elif spec.type == FactType.number:
        ok, expected = isinstance(value, (int, float)) and not isinstance(value, bool), _("et tall")
    elif spec.type == FactType.choice:
        ok, expected = value in spec.options, _("en av: {options}").format(options=", ".join(spec.options))
    elif spec.type == FactType.text:
        ok, expected = isinstance(value, str), _("tekst")
    if ok:
        return None
    line, col = locator.locate(base + (name,))
    return Problem(shown, line, col, key=".".join(map(str, base + (name,))),
                   message=_("'{value}' passer ikke for '{name}'").format(value=value, name=name),
                   hint=_("forventet {expected}").format(expected=expected))


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
    problems: list[Problem] = []
    problems.extend(privacy_problems(text, review_data, path))
    if problems:
        return None, problems
    try:
        review = model.model_validate(review_data)
    except ValidationError as exc:
        return None, pydantic_problems(exc, model, shown, locator)
    if review.office != office_id:
        line, col = locator.locate(("office",))
        problems.append(Problem(shown, line, col, key="office",
                                message=_("filen ligger i mappen '{folder}', men sier office: {office}").format(folder=office_id, office=review.office),
                                hint=_("rett office til '{folder}', eller flytt filen").format(folder=office_id)))
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
                                    message=_("ukjent fakta '{name}'").format(name=name),
                                    hint=_("mente du '{near}'?").format(near=near) if near
                                    else _("sjekklisten kjenner: {facts}").format(facts=", ".join(facts) or "-")))
        elif value is not None:
            p = _check_fact(name, value, spec, shown, locator, ("facts",))
            if p:
                problems.append(p)
    for name, spec in facts.items():
        if spec.required and review.facts.get(name) is None:
            line, col = locator.locate(("facts",), at_key=True)
            problems.append(Problem(shown, line, col, key=f"facts.{name}",
                                    message=_("mangler fakta '{name}'; kriterier som avhenger av det, regnes som aktuelle").format(name=name),
                                    hint=_("fyll inn {name}: {label}").format(name=name, label=spec.label or name),
                                    severity="warning"))
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
            applies = conditions.parse(crit.applies_when).evaluate(review.facts)
            if applies is False:
                line, col = locator.locate(("answers", cid), at_key=True)
                problems.append(Problem(shown, line, col, key=f"answers.{cid}",
                                        message=_("kriteriet gjelder ikke denne saken ({condition}), men er besvart; svaret telles ikke").format(condition=crit.applies_when),
                                        hint=_("sjekk faktaene, eller sett svaret til 'ikke aktuelt'"),
                                        severity="warning"))
    problems.extend(name_warnings(review_data, text, path))
    return (review if not any(p.is_error for p in problems) else None), problems


SCALE = AnswerType.scale


def _answer_problem(crit, value: Any, scale) -> tuple[str, str] | None:
    if isinstance(value, (list, dict)):
        kind = _("en liste") if isinstance(value, list) else _("en mapping")
        return (_("forventet ett svar (for eksempel ja, et tall eller en dato), fikk {got}").format(got=kind),
                _("skriv svaret rett etter 'answer:', uten klammer"))
    if crit.answer == AnswerType.scale:
        if isinstance(value, bool) or str(value) not in scale:
            return (_("'{value}' er ikke et gyldig svar").format(value=value),
                    _("svar med en av: {values}").format(values=", ".join(scale)))
    elif crit.answer == AnswerType.number:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _("'{value}' er ikke et tall").format(value=value), _("skriv et tall, for eksempel 12")
        if value < 0:
            return _("'{value}' kan ikke være negativt").format(value=value), _("skriv 0 eller mer")
    elif crit.answer == AnswerType.date:
        if not isinstance(value, dt.date):
            return _("'{value}' er ikke en dato").format(value=value), _("skriv datoen som ÅÅÅÅ-MM-DD")
    elif crit.answer == AnswerType.choice:
        if value not in crit.options:
            return (_("'{value}' er ikke et gyldig valg").format(value=value),
                    _("velg en av: {options}").format(options=", ".join(crit.options)))
    elif crit.answer == AnswerType.text:
        if not isinstance(value, str):
            return _("forventet tekst, fikk '{value}'").format(value=value), _("sett teksten i anførselstegn")
    return None


def _load_review(path: Path, model, checklist: Checklist, office_id: str):
    try:
        data, text = load_mapping(path)
    except YamlFileError as exc:
        return None, exc.problems
    return check_review(data, text, path, model, checklist, office_id)


def load_round(path: Path, library: ChecklistLibrary | None = None, workers: int | None = None,
               keep_reviews: bool = True) -> RoundData:
    """Load a round folder with all its reviews; raise InputError only if the round file is unusable.

    With ``keep_reviews=False`` (validation only) the files are checked on every core and
    only the problems come back; loading the reviews themselves runs in this process,
    since handing thousands of pydantic models between processes costs more than it saves.
    """
    with paused_gc():
        return _load_round(path, library, workers, keep_reviews)


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
                keep_reviews: bool) -> RoundData:
    round_file = find_round_file(path)
    root = round_file.parent
    rnd, problems = load_round_file(round_file)
    if rnd is None:
        raise InputError(_("rundefilen kan ikke brukes"), problems)
    library = library or library_for(root)
    refs = rnd.checklists
    loaded: dict[str, Checklist | None] = {}
    for scope, ref in (("case", refs.case), ("office", refs.office), ("followup", refs.followup)):
        if ref is None:
            loaded[scope] = None
            continue
        checklist, cl_problems = library.get(ref)
        if checklist is None:
            locator = Locator(round_file.read_text(encoding="utf-8"))
            line, col = locator.locate(("checklists", scope))
            for p in cl_problems:
                if p.path == "-":
                    problems.append(Problem(display_path(round_file), line, col, key=f"checklists.{scope}", message=p.message, hint=p.hint))
                else:
                    problems.append(p)
        elif checklist.scope.value != scope:
            locator = Locator(round_file.read_text(encoding="utf-8"))
            line, col = locator.locate(("checklists", scope))
            problems.append(Problem(display_path(round_file), line, col, key=f"checklists.{scope}",
                                    message=_("sjekklisten {ref} har scope '{actual}', men er oppgitt som '{scope}'").format(
                                        ref=ref, actual=checklist.scope.value, scope=scope),
                                    hint=_("bruk en sjekkliste med scope: {scope}").format(scope=scope)))
            checklist = None
        loaded[scope] = checklist
    if loaded["case"] is None:
        raise InputError(_("runden kan ikke lastes fordi sjekklisten mangler eller har feil"), problems)

    cases: dict[str, list[CaseReview]] = {o.id: [] for o in rnd.offices}
    office_reviews: dict[str, OfficeReview] = {}
    followups: dict[str, FollowupReview] = {}
    case_files: dict[str, Path] = {}
    office_ids = {o.id for o in rnd.offices}

    # Folders in the round that are not offices.
    for child in sorted(root.iterdir()):
        if child.is_dir() and child.name not in office_ids and child.name != "checklists" and not child.name.startswith("."):
            near = suggest(child.name, office_ids)
            problems.append(Problem(display_path(child), message=_("mappen er ikke et kontor i {file}").format(file=ROUND_FILE),
                                    hint=(_("mente du '{near}'?").format(near=near) if near
                                          else _("legg kontoret til under offices i {file}, eller flytt mappen").format(file=ROUND_FILE)),
                                    severity="warning"))

    jobs: list[tuple[str, str, Path]] = []
    for office in rnd.offices:
        folder = root / office.id
        if not folder.is_dir():
            continue
        if folder.is_symlink() and round_file_problem(folder, root):
            problems.append(round_file_problem(folder, root))
            continue
        for file in sorted(folder.iterdir()):
            if not _is_yaml(file):
                continue
            refused = round_file_problem(file, root)
            if refused:
                problems.append(refused)
                continue
            if file.name == OFFICE_FILE:
                jobs.append(("office", office.id, file))
            elif file.name == FOLLOWUP_FILE:
                jobs.append(("followup", office.id, file))
            else:
                jobs.append(("case", office.id, file))

    results = _run_jobs(jobs, loaded, workers, keep_reviews)
    seen_keys: dict[str, Path] = {}
    for (kind, office_id, file), (review, review_problems) in zip(jobs, results):
        problems.extend(review_problems)
        if review is None:
            continue
        if kind == "case":
            if review.case in seen_keys:
                problems.append(Problem(display_path(file), key="case",
                                        message=_("saksnøkkelen {key} er brukt også i {other}").format(key=review.case, other=display_path(seen_keys[review.case])),
                                        hint=_("hver sak har sin egen nøkkel: lag en ny med 'kvp-audit new case'")))
                continue
            seen_keys[review.case] = file
            if keep_reviews:
                cases[office_id].append(review)
                case_files[review.case] = file
        elif not keep_reviews:
            continue
        elif kind == "office":
            office_reviews[office_id] = review
        else:
            followups[office_id] = review
    return RoundData(
        path=root,
        round=rnd,
        case_checklist=loaded["case"],
        office_checklist=loaded["office"],
        followup_checklist=loaded["followup"],
        cases=cases,
        office_reviews=office_reviews,
        followups=followups,
        case_files=case_files,
        problems=problems,
    )


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
            load_mapping(file)  # unchecked, but still read: the input limits and identity-number guard hold
        except YamlFileError as exc:
            return None, [*exc.problems, warning]
        return None, [warning]
    return _load_review(file, _MODELS[kind], checklist, office_id)


_WORKER_STATE: dict[str, Any] = {}


@dataclass(frozen=True)
class _KeyOnly:
    """What a validation-only worker returns for a valid review: its case key."""

    case: str


def _worker_chunk(chunk):
    loaded = _WORKER_STATE["loaded"]
    keep = _WORKER_STATE["keep"]
    out = []
    for job in chunk:
        review, problems = _one_job(job, loaded)
        if not keep and review is not None:
            # Only the key travels back, for the duplicate-key check.
            review = _KeyOnly(getattr(review, "case", ""))
        out.append((review, problems))
    return out


def _run_jobs(jobs, loaded, workers: int | None, keep_reviews: bool = True):
    """Read the review files; when only problems are wanted, on several cores."""
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
    with ctx.Pool(workers) as pool:
        parts = pool.map(_worker_chunk, chunks)
    return [r for part in parts for r in part]


def scope_of(checklist: Checklist) -> Scope:
    """The checklist's scope (kept as a function for symmetry with the models)."""
    return checklist.scope
