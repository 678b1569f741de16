"""Making a new round: the round file and a folder per office, from options or from an earlier round.

:func:`create_round` holds every rule of ``kvp-audit new round``: the default checklists
(the newest version of each), the offices and findings carried from the previous round
(``from_round``), and building the :class:`~kvp_audit.models.Round`. The folder is built
aside, in a hidden sibling, and moved into place whole, so an interrupted run leaves no
half-made round behind.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .errors import InputError, Problem, UsageError, display_path
from .i18n import _, ngettext
from .load import ROUND_FILE, library_for
from .models import CarriedFinding, Checklist, Office, Round

DEFAULT_CHECKLISTS = {"case": "kvp-sak", "office": "kvp-kontor", "followup": "kvp-oppfolging"}
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")  # a folder named 2027 or 2027-var is the round of 2027


@dataclass
class CreatedRound:
    """What :func:`create_round` made: the round, the files written and what was carried over."""

    round: Round
    directory: Path
    written: list[Path]
    carried: dict[str, list[CarriedFinding]] = field(default_factory=dict)
    previous_name: str | None = None
    warnings: list[Problem] = field(default_factory=list)  # the previous round's

    @property
    def carried_count(self) -> int:
        return sum(len(v) for v in self.carried.values())

    @property
    def unmapped(self) -> list[str]:
        """Carried findings whose criterion is gone from the new checklist, with nothing replacing it."""
        return [f.id for fs in self.carried.values() for f in fs if not f.now]


def slug(text: str) -> str:
    """A round id part from a folder or county name (æ, ø and å as ae, o and a)."""
    import unicodedata

    folded = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "runde"


def default_round_id(directory: Path, county: str) -> str:
    """The county and the folder's name (``fiktivfylke-2027``), so finding ids stay unique across counties."""
    # 'Fiktivfylke (fiktivt)' is fiktivfylke: a note in brackets is no part of the name
    folder, place = slug(Path(directory).resolve().name), slug(re.sub(r"\([^)]*\)", " ", county))
    return folder if folder == place or folder.startswith(place + "-") else f"{place}-{folder}"


def default_period(directory: Path, start: dt.date | None, end: dt.date | None,
                   today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The round's period: ``start``/``end`` as given, else the year of the folder's name
    (2027 → 2027-01-01 to 2027-12-31), else this year; an end alone ends the year it is in."""
    year_match = _YEAR.search(Path(directory).resolve().name)
    year = (start.year if start else end.year if end else int(year_match.group(1)) if year_match
            else (today or dt.date.today()).year)
    start = start or dt.date(year, 1, 1)
    end = end or dt.date(start.year, 12, 31)
    if end < start:
        raise UsageError(_("perioden slutter ({end}) før den begynner ({start}); rett --start eller --end").format(
            start=start.isoformat(), end=end.isoformat()))
    return start, end


def checklist_sources(paths: Iterable[Path]) -> list[Path]:
    """Check the folders and files given with ``--checklists`` (or as a checklist option) exist."""
    out = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise UsageError(_("fant ikke '{path}'; oppgi en sjekklistefil eller en mappe med sjekklister").format(
                path=display_path(path)))
        out.append(path)
    return out


def _is_path(value: str | None) -> bool:
    """Whether a checklist option names a file rather than ``id@version``."""
    return value is not None and ("@" not in value or value.endswith((".yaml", ".yml")))


def _as_ref(value: str | None, library) -> str | None:
    """A checklist option as ``id@version``: a file's own id and version when the option is a path."""
    if not _is_path(value):
        return value
    from .load import load_checklist

    path = Path(value)
    if not path.is_file():
        raise UsageError(_("'{value}' er verken id@versjon eller en sjekklistefil som finnes").format(value=value))
    checklist, problems = load_checklist(path)
    if checklist is None:
        raise UsageError(_("sjekklisten {path} kan ikke brukes").format(path=display_path(path)), problems)
    found = library.refs().get(checklist.ref)
    if found is not None and found.resolve() != path.resolve():
        raise UsageError(_("{path} er {ref}, men en annen fil har samme id og versjon: {other}").format(
            path=display_path(path), ref=checklist.ref, other=display_path(found)))
    return checklist.ref


def create_round(
    directory: Path,
    *,
    name: str | None = None,
    county: str | None = None,
    offices: Iterable[Office | str] = (),
    from_round: Path | None = None,
    round_id: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    case_checklist: str | None = None,
    office_checklist: str | None = None,
    followup_checklist: str | None = None,
    reviewers: Iterable[str] = ("XX",),
    checklists: Iterable[Path] = (),
) -> CreatedRound:
    """Create a round folder; raise UsageError or InputError (with its problems) when it cannot be made.

    ``offices`` are Office objects or ``id=Name`` texts. With ``from_round`` the offices,
    county and checklists (newest version) default to the previous round's, and its
    findings that are not closed are carried into the new round file.
    """
    from .skeleton import parse_office_option

    directory = Path(directory)
    files = [Path(v) for v in (case_checklist, office_checklist, followup_checklist) if _is_path(v) and Path(v).is_file()]
    library = library_for(directory, checklist_sources([*files, *checklists]))
    start, end = default_period(directory, start, end)
    previous = _previous(from_round) if from_round is not None else None
    if previous is not None:
        county = county or previous[0].round.county
        name = name or "{name} ({label} {year})".format(name=previous[0].round.name, label=_("ny runde"), year=start.year)
    office_list = [o if isinstance(o, Office) else parse_office_option(o) for o in offices]
    missing = [opt for opt, value in (("--name", name), ("--county", county)) if not value]
    if not office_list and previous is None:
        missing.append("--office")
    if missing:
        raise UsageError(_("mangler {options}; oppgi dem, eller lag runden fra en tidligere runde med --from")
                         .format(options=", ".join(missing)))
    given = {"case": _as_ref(case_checklist, library), "office": _as_ref(office_checklist, library),
             "followup": _as_ref(followup_checklist, library)}
    refs = {scope: given[scope] or _default_ref(library, previous, scope) for scope in DEFAULT_CHECKLISTS}
    loaded = _checklists(library, refs)
    carried: dict[str, list[CarriedFinding]] = {}
    previous_path = None
    if previous is not None:
        from .followup import carried_findings

        ids = {o.id for o in office_list}
        office_list = [o for o in previous[0].round.offices if o.id not in ids] + office_list
        carried = carried_findings(previous[0], previous[1], loaded["case"], loaded.get("office"),
                                   {o.id for o in office_list})
        previous_path = os.path.relpath(Path(from_round).resolve(), directory.resolve())
    report = _carried_report(previous[0].round) if previous is not None else None
    rnd = _build(round_id or default_round_id(directory, county), name, county, start, end, refs, office_list,
                 previous_path, carried, report)
    themes = [t.id for t in loaded["case"].themes]  # rapport.yaml's text.themes: the results' themes
    copies = _copies(library, refs, directory)
    written = build_aside(directory, rnd, loaded.get("office"), list(reviewers), start, themes, copies)
    return CreatedRound(rnd, directory, written, carried, previous[0].round.name if previous else None,
                        previous[0].warnings if previous else [])


def _previous(from_round: Path):
    """The previous round, loaded and scored; a round with errors stops with its problems."""
    from .load import load_round
    from .scoring import score_round

    data = load_round(Path(from_round))
    if data.errors:
        raise InputError(ngettext("runden {path} har {n} feil; rett den (se 'kvp-audit validate') først",
                                  "runden {path} har {n} feil; rett dem (se 'kvp-audit validate') først",
                                  len(data.errors)).format(
            path=display_path(from_round), n=len(data.errors)), data.errors)
    return data, score_round(data)


def _default_ref(library, previous, scope: str) -> str | None:
    """The newest version of the previous round's checklist for ``scope``, or of the bundled default."""
    if previous is None:
        return library.newest(DEFAULT_CHECKLISTS[scope])
    ref = getattr(previous[0].round.checklists, scope)
    return (library.newest(ref.id) or str(ref)) if ref else None


def _checklists(library, refs: dict[str, str | None]) -> dict[str, Checklist]:
    loaded: dict[str, Checklist] = {}
    for scope, ref in refs.items():
        if ref is None:
            continue
        checklist, problems = library.get(ref)
        if checklist is None and ref not in library.refs():
            raise UsageError(_("fant ikke sjekklisten '{ref}'; oppgi filen ({option} sti/til/sjekkliste.yaml) "
                               "eller mappen den ligger i (--checklists MAPPE)").format(
                ref=ref, option=f"--{scope}-checklist"))
        if checklist is None:
            raise UsageError(_("sjekklisten '{ref}' kan ikke brukes").format(ref=ref), problems)
        loaded[scope] = checklist
    if "case" not in loaded:
        raise UsageError(_("fant ingen sjekkliste for saker; oppgi --case-checklist"))
    return loaded


def _copies(library, refs: dict[str, str | None], directory: Path) -> list[Path]:
    """The checklist files the round uses that are neither bundled nor in its own checklists/ (copied in)."""
    from .load import bundled_checklist_dir

    keep = [(directory / "checklists").resolve(), bundled_checklist_dir().resolve()]
    out = []
    for ref in refs.values():
        path = library.refs().get(ref) if ref else None
        if path is not None and not any(path.resolve().is_relative_to(folder) for folder in keep):
            out.append(path)
    return out


def _carried_report(previous: Round):
    """The previous round's report defaults a new round keeps: sender, reply weeks, signature, standard texts.

    The reference (a new case number) and the county summary belong to each round.
    """
    if previous.report is None:
        return None
    return previous.report.model_copy(update={"reference": "", "summary": None})


def _build(round_id, name, county, start, end, refs, offices, previous, carried, report=None) -> Round:
    from pydantic import ValidationError

    try:
        return Round(id=round_id, name=name, county=county, period={"start": start, "end": end},
                     checklists={k: v for k, v in refs.items() if v}, offices=offices, previous=previous,
                     carried=carried, report=report)
    except ValidationError as exc:
        raise UsageError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None


def build_aside(directory: Path, rnd: Round, office_checklist: Checklist | None, reviewers: list[str],
                today: dt.date, themes: list[str] = (), copies: Iterable[Path] = ()) -> list[Path]:
    """Write the round in a hidden sibling folder, then move it into ``directory`` whole.

    When ``directory`` does not exist the folder is renamed into place in one step. When
    it exists (with the user's own ``checklists/``, say) the office folders are moved in
    first and ``runde.yaml`` last, so the folder is a round only once it is complete. The
    sibling is removed whatever happens, Ctrl-C included.
    """
    from .privacy import find_national_id
    from .skeleton import write_round

    target = directory / ROUND_FILE
    if target.exists():
        raise InputError(_("{path} finnes allerede; nye runder lages i en tom mappe").format(path=display_path(target)))
    for text in (rnd.name, rnd.county, *(o.name for o in rnd.offices)):
        masked = find_national_id(text)
        if masked:
            raise InputError(_("teksten ser ut som et fødselsnummer eller D-nummer ({masked})").format(masked=masked))
    directory.parent.mkdir(parents=True, exist_ok=True)
    aside = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=directory.parent))
    try:
        written = write_round(aside, rnd, office_checklist, reviewers, today, existing=directory, themes=themes)
        for source in copies:  # the round's own checklists/, so the round works wherever it is moved
            target_file = aside / "checklists" / source.name
            target_file.parent.mkdir(exist_ok=True)
            shutil.copyfile(source, target_file)
            written.append(target_file)
        if not directory.exists():
            os.rename(aside, directory)
        else:
            _merge_into(aside, directory)
    finally:
        shutil.rmtree(aside, ignore_errors=True)
    return [directory / path.relative_to(aside) for path in written]


def _merge_into(source: Path, target: Path) -> None:
    """Move every entry of ``source`` into ``target`` (folders merged), the round file last."""
    entries = sorted(source.iterdir(), key=lambda p: p.name == ROUND_FILE)
    for entry in entries:
        dest = target / entry.name
        if entry.is_dir() and dest.is_dir():
            _merge_into(entry, dest)
        elif not dest.exists():
            os.rename(entry, dest)
