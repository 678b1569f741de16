"""A verifiable random sample of an office's cases: the draw, its record and its checks.

The office keeps its list of eligible cases; the tool sees only its length (the
population) and draws positions 1..N from it with the algorithm ``kvp-sha256-1``, which
depends on nothing but SHA-256 (docs/format.md works an example by hand with
``sha256sum``). Every draw is kept in ``utvalg.yaml`` in the office's folder, the latest
in force, so that anyone can repeat it from its seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Problem, UsageError, display_path
from .i18n import _, ngettext
from .models import SampleDraw, SampleRecord, Stratum

ALGORITHM = "kvp-sha256-1"
ALL = "alle"  # the one stratum of a draw without groups
MAX_DRAW = 1000  # per stratum: a visit reviews a handful of cases; this only keeps the record sane
SEED_PATTERN = re.compile(r"[0-9A-Za-z._-]{1,64}")
STRATUM_PATTERN = re.compile(r"\w[\w -]{0,39}")  # no ':' (the separator in the hashed text) and no '='
_COUNT = re.compile(r"\d+")


# --------------------------------------------------------------------------- the algorithm


def hashed_text(seed: str, office: str, stratum: str, counter: int) -> str:
    """The text whose SHA-256 gives the counter-th candidate (UTF-8 when hashed)."""
    return f"{seed}:{office}:{stratum}:{counter}"


def draw_positions(seed: str, office: str, stratum: str, population: int, k: int) -> list[int]:
    """``k`` distinct positions from 1..``population`` in the order drawn, by ``kvp-sha256-1``.

    Candidate i is the first 8 bytes (big-endian) of SHA-256 of ``seed:office:stratum:i``;
    a candidate at or above the largest multiple of ``population`` below 2**64 is rejected
    (so that every position is equally likely), else it gives position ``v % population + 1``,
    skipped when drawn already.
    """
    if population < 1 or not 1 <= k <= population:
        raise ValueError(f"cannot draw {k} of {population}")
    limit = 2**64 - (2**64 % population)
    drawn: list[int] = []
    seen: set[int] = set()
    counter = 0
    while len(drawn) < k:
        digest = hashlib.sha256(hashed_text(seed, office, stratum, counter).encode("utf-8")).digest()
        counter += 1
        value = int.from_bytes(digest[:8], "big")
        if value >= limit:
            continue
        position = value % population + 1
        if position not in seen:
            seen.add(position)
            drawn.append(position)
    return drawn


def new_seed() -> str:
    """A seed from the operating system's random source: 16 hex digits (64 bits).

    A seed whose digits could be read as a national identity number is drawn again, since
    every file of a round is refused when it holds one.
    """
    from .privacy import find_national_id

    while True:
        seed = secrets.token_hex(8)
        if find_national_id(seed) is None:
            return seed


# --------------------------------------------------------------------------- the command's input


@dataclass(frozen=True)
class Request:
    """What to draw: per stratum (in the order given) its population and how many."""

    strata: tuple[tuple[str, int, int], ...]


def _counts(values: tuple[str, ...], option: str) -> dict[str | None, int]:
    """``--population 12`` as {None: 12}; ``--population pågående=12`` as {"pågående": 12}."""
    out: dict[str | None, int] = {}
    for value in values:
        name, sep, number = value.rpartition("=")
        key: str | None = None
        if sep:
            key = name.strip()
            if not STRATUM_PATTERN.fullmatch(key):
                raise UsageError(_("{option} {value}: '{name}' er ikke et gruppenavn; bruk bokstaver, sifre, "
                                   "bindestrek og mellomrom (høyst 40 tegn), for eksempel pågående=12").format(
                    option=option, value=value, name=key))
        if not _COUNT.fullmatch(number.strip()):
            raise UsageError(_("{option} {value}: skriv et helt tall, for eksempel {option} 12, eller GRUPPE=TALL "
                               "for hver gruppe, for eksempel {option} pågående=12").format(option=option, value=value))
        if key in out:
            raise UsageError((_("{option} er gitt to ganger for gruppen '{name}'").format(option=option, name=key)
                              if key is not None else
                              _("{option} er gitt to ganger; bruk GRUPPE=TALL for hver gruppe").format(option=option)))
        out[key] = int(number.strip())
    if None in out and len(out) > 1:
        raise UsageError(_("{option} blander et tall uten gruppe med grupper; gi enten ett tall, eller GRUPPE=TALL "
                           "for hver gruppe").format(option=option))
    return out


def parse_request(populations: tuple[str, ...], draws: tuple[str, ...]) -> Request:
    """Check ``--population`` and ``--draw`` against each other; a UsageError says what is wrong."""
    if not populations:
        raise UsageError(_("oppgi --population N (hvor mange saker kontorets liste har) og --draw K"))
    if not draws:
        raise UsageError(_("oppgi --draw K (hvor mange saker som skal trekkes)"))
    population, draw = _counts(populations, "--population"), _counts(draws, "--draw")
    if (None in population) != (None in draw):
        raise UsageError(_("bruk grupper (GRUPPE=TALL) både i --population og --draw, eller i ingen av dem"))
    for name in draw:
        if name not in population:
            raise UsageError(_("gruppen '{name}' i --draw har ingen --population {name}=N; "
                               "gruppene med populasjon er: {names}").format(
                name=name, names=", ".join(n for n in population if n is not None)))
    strata = []
    for name, n in population.items():
        shown = "" if name is None else f"{name}="
        if name not in draw:
            raise UsageError(_("gruppen '{name}' har --population, men ingen --draw {name}=K").format(name=name))
        k = draw[name]
        if n == 0:
            raise UsageError(_("--population {shown}0: populasjonen er tom, så ingenting kan trekkes; "
                               "oppgi hvor mange saker kontorets liste har").format(shown=shown))
        if k == 0:
            raise UsageError(_("--draw {shown}0: trekk minst én sak").format(shown=shown))
        if k > n:
            raise UsageError(_("--draw {shown}{k} er flere enn populasjonen {n}: {k} forskjellige plasser kan ikke "
                               "trekkes av {n}").format(shown=shown, k=k, n=n))
        if k > MAX_DRAW:
            raise UsageError(_("--draw {shown}{k}: trekk høyst {max} saker per gruppe").format(
                shown=shown, k=k, max=MAX_DRAW))
        strata.append((ALL if name is None else name, n, k))
    return Request(tuple(strata))


def check_seed(seed: str) -> str:
    """A seed given with ``--seed``: 1-64 letters, digits, '.', '_' or '-' (no space, no ':')."""
    from .privacy import find_national_id

    if not SEED_PATTERN.fullmatch(seed):
        raise UsageError(_("--seed '{seed}': bruk 1-64 bokstaver (a-z), sifre, punktum, bindestrek eller "
                           "understrek, for eksempel --seed 9f86d081884c7d65").format(seed=seed))
    if find_national_id(seed) is not None:
        raise UsageError(_("--seed ser ut som et fødselsnummer; velg et annet frø"))
    return seed


# --------------------------------------------------------------------------- the record


def record_path(root: Path, office_id: str) -> Path:
    from .load import SAMPLE_FILE

    return root / office_id / SAMPLE_FILE


def read_record(path: Path, root: Path) -> SampleRecord | None:
    """The office's utvalg.yaml, or None when there is none; a record that cannot be used is an InputError."""
    import os

    from .load import load_record
    from .yamlio import round_file_problem

    if not os.path.lexists(path):
        return None
    refused = round_file_problem(path, root)
    record, problems = (None, [refused]) if refused else load_record(path)
    if record is None:
        raise InputError(_("{path} kan ikke brukes; den skrives bare av 'kvp-audit sample' og skal ikke redigeres").format(
            path=display_path(path)), problems)
    return record


def record_text(record: SampleRecord) -> str:
    """The text of utvalg.yaml: every draw, the one in force last."""
    q = lambda value: json.dumps(value, ensure_ascii=False)  # noqa: E731 (a JSON string is a YAML string)
    lines = ["# " + _("Skrevet av kvp-audit sample. Ikke rediger denne filen."),
             "# " + _("Gjenta trekningene med: kvp-audit sample RUNDE KONTOR --verify (algoritmen: docs/format.md)."),
             "draws:"]
    for draw in record.draws:
        lines += [f"  - date: {draw.date.isoformat()}", f"    reviewer: {draw.reviewer}", f"    seed: {q(draw.seed)}",
                  f"    algorithm: {draw.algorithm}", "    strata:"]
        for s in draw.strata:
            lines += [f"      - name: {q(s.name)}", f"        population: {s.population}", f"        draw: {s.draw}",
                      f"        positions: [{', '.join(map(str, s.positions))}]"]
    return "\n".join(lines) + "\n"


@dataclass
class Drawn:
    """A draw just made and recorded."""

    draw: SampleDraw
    number: int  # 1 for the first draw of the office
    path: Path
    office_name: str


def make_draw(round_dir: Path, office_id: str, request: Request, reviewer: str, date: dt.date,
              seed: str | None = None, redraw: bool = False) -> Drawn:
    """Draw the office's sample and add it to its utvalg.yaml (written atomically) before anyone sees it.

    A second draw is refused unless ``redraw``; the earlier draws stay in the record.
    """
    from .load import open_round
    from .validation import check_initials, check_office
    from .yamlio import atomic_write

    opened = open_round(round_dir)
    check_office(opened.round, office_id)
    check_initials([reviewer])
    path = record_path(opened.root, office_id)
    record = read_record(path, opened.root)
    if record is not None and not redraw:
        current = record.draws[-1]
        raise UsageError(
            _("{office} har allerede en trekning ({date}: {positions})").format(
                office=opened.round.office(office_id).name, date=current.date.isoformat(),
                positions=strata_text(current.strata, lang=None))
            + "\n    " + _("Gjør slik") + ": "
            + _("gjenta den med --verify, eller trekk på nytt med --redraw (begge trekningene blir stående i {path})").format(
                path=display_path(path)))
    seed = new_seed() if seed is None else seed
    strata = [Stratum(name=name, population=n, draw=k, positions=draw_positions(seed, office_id, name, n, k))
              for name, n, k in request.strata]
    draw = SampleDraw(date=date, reviewer=reviewer, seed=seed, algorithm=ALGORITHM, strata=strata)
    draws = [*(record.draws if record else []), draw]
    atomic_write(path, record_text(SampleRecord(draws=draws)))
    return Drawn(draw, len(draws), path, opened.round.office(office_id).name)


# --------------------------------------------------------------------------- verifying


@dataclass
class Check:
    """One recorded draw computed again."""

    number: int
    draw: SampleDraw
    expected: dict[str, list[int]]  # what the algorithm gives, by stratum, for the strata that differ

    @property
    def matches(self) -> bool:
        return not self.expected


def verify(record: SampleRecord, office_id: str) -> list[Check]:
    """Every draw of the record computed again from its seed."""
    checks = []
    for number, draw in enumerate(record.draws, start=1):
        expected = {}
        for s in draw.strata:
            again = (draw_positions(draw.seed, office_id, s.name, s.population, s.draw)
                     if 1 <= s.draw <= s.population else [])
            if again != s.positions:
                expected[s.name] = again
        checks.append(Check(number, draw, expected))
    return checks


def verify_office(round_dir: Path, office_id: str) -> tuple[Path, list[Check]]:
    """The office's record and every draw in it computed again; a usage error when there is none."""
    from .load import open_round
    from .validation import check_office

    opened = open_round(round_dir)
    check_office(opened.round, office_id)
    path = record_path(opened.root, office_id)
    record = read_record(path, opened.root)
    if record is None:
        raise UsageError(_("{office} har ingen trekning ({path} finnes ikke); trekk med "
                           "'kvp-audit sample {round} {id} --population N --draw K'").format(
            office=opened.round.office(office_id).name, path=display_path(path), round=display_path(round_dir),
            id=office_id))
    return path, verify(record, office_id)


# --------------------------------------------------------------------------- words


def _list(items: list[str], lang: str | None) -> str:
    """'3, 7 og 11' in the language."""
    from babel.lists import format_list

    from .i18n import current_language
    from .present import LOCALES

    return format_list(items, locale=LOCALES[lang or current_language()])


def positions_text(stratum: Stratum, lang: str | None) -> str:
    """'plass 3, 7 og 11 av 20' (the positions sorted)."""
    positions = _list([str(p) for p in sorted(stratum.positions)], lang)
    return ngettext("plass {positions} av {population}", "plass {positions} av {population}",
                    len(stratum.positions)).format(positions=positions, population=stratum.population)


def strata_text(strata: list[Stratum], lang: str | None) -> str:
    """'plass 3, 7 og 11 av 20', or per group: 'plass 7 av 12 (pågående); plass 2 av 8 (avsluttet)'."""
    if len(strata) == 1 and strata[0].name == ALL:
        return positions_text(strata[0], lang)
    return "; ".join(f"{positions_text(s, lang)} ({s.name})" for s in strata)


def draw_lines(drawn: Drawn) -> list[str]:
    """What ``kvp-audit sample`` shows once the draw is recorded."""
    draw = drawn.draw
    lines = [_("Trekning {n} for {office} ({date}, {reviewer}), frø {seed}:").format(
        n=drawn.number, office=drawn.office_name, date=draw.date.isoformat(), reviewer=draw.reviewer, seed=draw.seed)]
    for s in draw.strata:
        lines.append("  " + (positions_text(s, None) if s.name == ALL and len(draw.strata) == 1
                             else f"{s.name}: {positions_text(s, None)}"))
    if drawn.number > 1:
        lines.append(_("Trekning {n} gjelder nå; de tidligere trekningene står fortsatt i utvalg.yaml.").format(n=drawn.number))
    return lines


def check_lines(checks: list[Check]) -> list[str]:
    """What ``kvp-audit sample --verify`` shows: each draw and whether it is what its seed gives."""
    lines = []
    for c in checks:
        head = _("Trekning {n} ({date}, {reviewer}, frø {seed})").format(
            n=c.number, date=c.draw.date.isoformat(), reviewer=c.draw.reviewer, seed=c.draw.seed)
        lines.append(head + ": " + (_("stemmer") if c.matches else _("stemmer ikke")))
        for s in c.draw.strata:
            label = "" if s.name == ALL and len(c.draw.strata) == 1 else f"{s.name}: "
            if s.name in c.expected:
                lines.append("  " + label + _("utvalg.yaml har {recorded}, algoritmen gir {computed}").format(
                    recorded=", ".join(map(str, s.positions)) or "–",
                    computed=", ".join(map(str, c.expected[s.name])) or "–"))
            else:
                lines.append("  " + label + positions_text(s, None))
    if checks:
        lines.append(_("Trekning {n} gjelder.").format(n=checks[-1].number))
    return lines


# --------------------------------------------------------------------------- a case's place in the draw


def _stratum_of(draw: SampleDraw, name: str) -> Stratum | None:
    """The draw's stratum of that name; a case without one belongs to an unstratified draw's 'alle'."""
    name = name or ALL
    return next((s for s in draw.strata if s.name == name), None)


def _names(draw: SampleDraw) -> str:
    return ", ".join(s.name for s in draw.strata)


def used_positions(folder: Path) -> dict[tuple[str, int], Path]:
    """The (stratum, position) of every case file in the office folder drawn at random."""
    from .load import RESERVED_FILES, _is_yaml, read_mapping
    from .yamlio import YamlFileError

    used: dict[tuple[str, int], Path] = {}
    try:
        files = sorted(f for f in folder.iterdir() if _is_yaml(f) and f.name not in RESERVED_FILES)
    except OSError:
        return used
    for file in files:
        try:
            data, _text = read_mapping(file)
        except YamlFileError:
            continue
        position = data.get("position")
        if data.get("selection") == "tilfeldig" and isinstance(position, int) and not isinstance(position, bool):
            used.setdefault((str(data.get("stratum") or "") or ALL, position), file)
    return used


def check_pick(round_root: Path, office_id: str, selection: str | None, position: int | None,
               stratum: str | None) -> tuple[str, int | None, str]:
    """The selection, position and stratum ``new case`` writes, checked against the office's draw in force.

    A position must be drawn for the office (and stratum) and not used by another case.
    """
    if selection != "tilfeldig" and (position is not None or stratum):
        raise UsageError(_("--position og --stratum gjelder bare saker trukket tilfeldig; legg til --selection tilfeldig"))
    if selection != "tilfeldig":
        return selection or "", None, ""
    path = record_path(round_root, office_id)
    record = read_record(path, round_root)
    if record is None:
        if position is not None:
            raise UsageError(_("kontoret har ingen trekning ({path} finnes ikke); trekk først med "
                               "'kvp-audit sample', eller la være å oppgi --position").format(path=display_path(path)))
        return "tilfeldig", None, stratum or ""
    draw = record.draws[-1]
    if position is None:
        raise UsageError(_("oppgi --position: plassen saken har i trekningen som gjelder ({positions})").format(
            positions=strata_text(draw.strata, None)))
    found = _stratum_of(draw, stratum or "")
    if found is None:
        raise UsageError((_("trekningen som gjelder har grupper; oppgi --stratum, en av: {names}") if not stratum else
                          _("gruppen '{name}' er ikke med i trekningen som gjelder; gruppene er: {names}")).format(
            name=stratum, names=_names(draw)))
    if position not in found.positions:
        raise UsageError(_("plass {position} er ikke trukket for {office}{group}; trukket er {positions}").format(
            position=position, office=office_id, group=f" ({found.name})" if stratum else "",
            positions=positions_text(found, None)))
    other = used_positions(round_root / office_id).get((found.name, position))
    if other is not None:
        raise UsageError(_("plass {position} er allerede brukt av {path}; hver trukket plass er én sak").format(
            position=position, path=display_path(other)))
    return "tilfeldig", position, (found.name if stratum else "")


@dataclass(frozen=True)
class Pick:
    """How one case file says it was chosen (for validation against the office's draw)."""

    office: str
    path: Path
    selection: str
    position: int | None
    stratum: str


def pick_problems(samples: dict[str, SampleRecord], picks: list[Pick], root: Path) -> list[Problem]:
    """Warnings for cases whose position is not in the office's draw in force, or is used twice,
    and for records whose draws are not what their seeds give."""
    from .load import SAMPLE_FILE
    from .yamlio import Locator, YamlFileError, read_text

    problems: list[Problem] = []
    locators: dict[Path, Locator] = {}

    def at(path: Path, key: tuple, field: str, message: str, hint: str) -> None:
        if path not in locators:
            try:
                locators[path] = Locator(read_text(path))
            except (OSError, YamlFileError):  # read a moment ago; a file gone since gives no line
                locators[path] = Locator("")
        line, col = locators[path].locate(key)
        problems.append(Problem(display_path(path), line, col, key=field, message=message, hint=hint,
                                severity="warning"))

    for office_id, record in samples.items():
        path = root / office_id / SAMPLE_FILE
        for check in verify(record, office_id):
            if not check.matches:
                at(path, ("draws", check.number - 1, "seed"), f"draws[{check.number - 1}]",
                   _("trekning {n} stemmer ikke med frøet: plassene er ikke de algoritmen gir").format(n=check.number),
                   _("filen er redigert for hånd; se 'kvp-audit sample RUNDE {office} --verify'").format(office=office_id))
    used: dict[tuple[str, str, int], Pick] = {}
    for pick in sorted(picks, key=lambda p: str(p.path)):
        if pick.position is None:
            if pick.selection == "tilfeldig" and pick.office in samples:
                at(pick.path, ("selection",), "selection",
                   _("saken er trukket tilfeldig, men har ingen position (plass i trekningen)"),
                   _("skriv position: og plassen fra utvalg.yaml"))
            continue
        if pick.selection != "tilfeldig":
            at(pick.path, ("position",), "position",
               _("position gjelder bare saker med selection: tilfeldig"),
               _("skriv selection: tilfeldig, eller fjern position"))
            continue
        record = samples.get(pick.office)
        if record is None and (root / pick.office / SAMPLE_FILE).exists():
            continue  # a record that cannot be read has its own problem
        if record is None:
            at(pick.path, ("position",), "position",
               _("kontoret har ingen trekning (utvalg.yaml), så plass {position} kan ikke kontrolleres").format(
                   position=pick.position),
               _("trekk med 'kvp-audit sample', eller fjern position"))
            continue
        draw, number = record.draws[-1], len(record.draws)
        found = _stratum_of(draw, pick.stratum)
        if found is None:
            field = "stratum" if pick.stratum else "position"
            at(pick.path, (field,), field,
               (_("gruppen '{name}' er ikke med i trekning {n}, som gjelder; gruppene er: {names}") if pick.stratum else
                _("trekning {n}, som gjelder, har grupper, men saken har ingen stratum; gruppene er: {names}")).format(
                   name=pick.stratum, n=number, names=_names(draw)),
               _("skriv gruppen saken ble trukket fra i stratum"))
            continue
        if pick.position not in found.positions:
            at(pick.path, ("position",), "position",
               _("plass {position} er ikke trukket i trekning {n}, som gjelder: {positions}").format(
                   position=pick.position, n=number,
                   positions=(f"{found.name}: " if pick.stratum else "") + positions_text(found, None)),
               _("rett position til plassen saken har i trekningen"))
            continue
        slot = (pick.office, found.name, pick.position)
        if slot in used:
            at(pick.path, ("position",), "position",
               _("plass {position} er brukt også av {other}").format(
                   position=pick.position, other=display_path(used[slot].path)),
               _("hver trukket plass er én sak; rett position i den ene av dem"))
            continue
        used[slot] = pick
    return problems


# --------------------------------------------------------------------------- the report


def sample_view(data, office_id: str, lang: str) -> dict | None:
    """How the office's sample was made, from its record, for the report's "Om besøket og utvalget";
    None when the office has no utvalg.yaml."""
    from .present import format_date

    record = data.samples.get(office_id)
    if record is None:
        return None
    draw = record.draws[-1]
    cases = data.cases.get(office_id, [])
    chosen = sum(1 for c in cases if c.selection == "kontoret")
    random_cases = sum(1 for c in cases if c.selection == "tilfeldig")
    unknown = len(cases) - chosen - random_cases
    drawn = sum(s.draw for s in draw.strata)
    parts = []
    if chosen:
        parts.append(ngettext("{n} sak valgt av kontoret", "{n} saker valgt av kontoret", chosen).format(n=chosen))
        parts.append(ngettext("{n} trukket tilfeldig", "{n} trukket tilfeldig", drawn).format(n=drawn))
    else:
        parts.append(ngettext("{n} sak trukket tilfeldig", "{n} saker trukket tilfeldig", drawn).format(n=drawn))
    sentences = [_("{selection} {date} med frøet {seed}: {positions}.").format(
        selection=", ".join(parts), positions=strata_text(draw.strata, lang), date=format_date(draw.date, lang),
        seed=draw.seed)]
    earlier = len(record.draws) - 1
    if earlier:
        sentences.append(ngettext("Trekningen erstatter {n} tidligere trekning; begge er registrert.",
                                  "Trekningen erstatter {n} tidligere trekninger; alle er registrert.",
                                  earlier).format(n=earlier))
    if random_cases != drawn:
        sentences.append(ngettext("{n} sak er gjennomgått som trukket tilfeldig.",
                                  "{n} saker er gjennomgått som trukket tilfeldig.", random_cases).format(n=random_cases))
    if unknown:
        sentences.append(ngettext("For {n} sak er det ikke oppgitt hvordan den ble valgt.",
                                  "For {n} saker er det ikke oppgitt hvordan de ble valgt.", unknown).format(n=unknown))
    sentences.append(_("Plassene gjelder kontorets liste over aktuelle saker, og hvem som helst kan gjenta "
                       "trekningen fra frøet med algoritmen {algorithm}.").format(algorithm=draw.algorithm))
    return {
        "text": " ".join(sentences),
        "date": format_date(draw.date, lang),
        "seed": draw.seed,
        "algorithm": draw.algorithm,
        "draws": len(record.draws),
        "chosen_by_office": chosen,
        "drawn": drawn,
        "strata": [{"name": s.name, "population": s.population, "draw": s.draw, "positions": sorted(s.positions)}
                   for s in draw.strata],
    }
