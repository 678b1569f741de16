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
DEFAULT_DAYS = 182  # a round runs about six months unless an end is given


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
    """A round id from a folder name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "runde"


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
) -> CreatedRound:
    """Create a round folder; raise UsageError or InputError (with its problems) when it cannot be made.

    ``offices`` are Office objects or ``id=Name`` texts. With ``from_round`` the offices,
    county and checklists (newest version) default to the previous round's, and its
    findings that are not closed are carried into the new round file.
    """
    from .skeleton import parse_office_option

    directory = Path(directory)
    library = library_for(directory)
    start = start or dt.date.today()
    end = end or start + dt.timedelta(days=DEFAULT_DAYS)
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
    given = {"case": case_checklist, "office": office_checklist, "followup": followup_checklist}
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
    rnd = _build(round_id or slug(directory.resolve().name), name, county, start, end, refs, office_list,
                 previous_path, carried, report)
    themes = [t.id for t in loaded["case"].themes]  # rapport.yaml's text.themes: the results' themes
    written = build_aside(directory, rnd, loaded.get("office"), list(reviewers), start, themes)
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
        if checklist is None:
            raise UsageError(_("sjekklisten '{ref}' kan ikke brukes").format(ref=ref), problems)
        loaded[scope] = checklist
    if "case" not in loaded:
        raise UsageError(_("fant ingen sjekkliste for saker; oppgi --case-checklist"))
    return loaded


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
                today: dt.date, themes: list[str] = ()) -> list[Path]:
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
