"""The ``kvp-audit`` command line: a thin shell over the library.

Exit codes: 0 ok, 1 problems or findings reported, 2 usage or input error.
Heavy libraries are imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, KvpAuditError, display_path
from .i18n import _, install_click_translations, ngettext, pgettext, set_language

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _help(text: str | None) -> str | None:
    """A command's or option's help in the current language (the bokmål text is the msgid)."""
    import inspect

    return _(inspect.cleandoc(text)) if text else text


install_click_translations()
set_language(None)  # KVP_AUDIT_LANG, so that even `kvp-audit --help` speaks it


class _Translated:
    """Swap in translated help texts while click formats the help, then put them back."""

    def __init__(self, *objects):
        self.objects = objects
        self.saved: list[tuple[object, str, object]] = []

    def __enter__(self):
        for obj in self.objects:
            for attr in ("help", "short_help"):
                value = getattr(obj, attr, None)
                if isinstance(value, str):
                    self.saved.append((obj, attr, value))
                    setattr(obj, attr, _help(value))
        return self

    def __exit__(self, *exc):
        for obj, attr, value in reversed(self.saved):
            setattr(obj, attr, value)


class _I18nHelp:
    """Help shown in the language chosen with --lang or KVP_AUDIT_LANG (mixed into click's classes)."""

    def get_help(self, ctx: click.Context) -> str:
        with _Translated(self, *self.params):
            return super().get_help(ctx)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _Translated(self):
            return super().get_short_help_str(limit)


class I18nCommand(_I18nHelp, click.Command):
    """A command with translated help."""


class I18nGroup(_I18nHelp, click.Group):
    """A group of commands with translated help; its subcommands and subgroups are translated too."""

    command_class = I18nCommand
    group_class = type  # subgroups are I18nGroups as well

    def invoke(self, ctx: click.Context):
        # Ctrl-C in any command: a message and exit code 130, never a traceback or click's "Aborted!".
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _interrupted()
        except OSError as exc:
            # A disk that is full, a folder that may not be written: a message, never a traceback.
            error = exc.strerror or str(exc)
            message = (_("{path} kan ikke leses eller skrives ({error})").format(path=display_path(exc.filename), error=error)
                       if exc.filename else _("en fil kan ikke leses eller skrives ({error})").format(error=error))
            click.echo("kvp-audit: " + message, err=True)
            sys.exit(EXIT_USAGE)


def _fail(message: str, problems=()) -> None:
    for p in problems:
        click.echo(p.format(), err=True)
    click.echo(f"kvp-audit: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _interrupted() -> None:
    click.echo("kvp-audit: " + pgettext("kommando", "avbrutt"), err=True)
    sys.exit(EXIT_INTERRUPTED)


def handle_errors(func):
    """Turn the tool's own errors into a message and an exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KvpAuditError as exc:
            for p in exc.problems:
                click.echo(p.format(), err=True)
            click.echo(f"kvp-audit: {exc.message}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            _interrupted()

    return wrapper


def _print_problems(problems, fmt: str, strict: bool) -> int:
    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    if fmt == "json":
        click.echo(json.dumps({"errors": len(errors), "warnings": len(warnings),
                               "problems": [p.as_dict() for p in problems]}, ensure_ascii=False, indent=2))
    else:
        for p in sorted(problems, key=lambda p: (p.path, p.line or 0, p.column or 0)):
            click.echo(p.format())
    failed = bool(errors) or (strict and bool(warnings))
    if fmt != "json":
        summary = ngettext("{errors} feil", "{errors} feil", len(errors)).format(errors=len(errors)) + ", " + ngettext(
            "{n} advarsel", "{n} advarsler", len(warnings)).format(n=len(warnings))
        if not problems:
            summary = _("Ingen problemer funnet.")
        click.echo(summary)
    return EXIT_FINDINGS if failed else EXIT_OK


@click.group(cls=I18nGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="kvp-audit", message="%(prog)s %(version)s",
                      help="Vis versjonen og avslutt.")
@click.option("--lang", type=click.Choice(["nb", "nn", "en"]), default=None, is_eager=True,
              callback=lambda ctx, param, value: set_language(value),
              help="Språk for meldinger og rapporter (standard: nb, eller KVP_AUDIT_LANG).")
def main(lang: str | None) -> None:
    """Kvalitetsinnsyn i kvalifiseringsprogrammet (KVP): sjekklister, vurderinger og rapporter.

    \b
    Eksempel:
      kvp-audit new round runder/2026-var --name "KVP 2026" --county Fiktivfylke --office nav-fjellby="NAV Fjellby"
      kvp-audit new case runder/2026-var nav-fjellby --reviewer KB
      kvp-audit validate runder/2026-var
      kvp-audit score runder/2026-var
    """
    set_language(lang)


# --------------------------------------------------------------------------- checklist


@main.group(context_settings=CONTEXT)
def checklist() -> None:
    """Sjekklister: valider, list og skriv ut JSON Schema.

    \b
    Eksempel:
      kvp-audit checklist validate checklists/*.yaml
      kvp-audit checklist schema > kvp-checklist.schema.json
    """


@checklist.command("validate", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Regn advarsler som feil.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Utskriftsformat.")
@handle_errors
def checklist_validate(paths: tuple[Path, ...], strict: bool, fmt: str) -> None:
    """Valider sjekklister og vis alle problemer på en gang, med fil:linje:kolonne.

    Avslutter med 0 når alt er i orden, 1 når det er funnet problemer, og 2 ved feil bruk.

    \b
    Eksempel:
      kvp-audit checklist validate checklists/kvp-sak.yaml
      kvp-audit checklist validate --strict checklists/
    """
    from .load import _is_yaml, load_checklist

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            # FIFOs and devices with a YAML name are listed too: reading them says why they are skipped
            files.extend(p for p in sorted(path.rglob("*")) if _is_yaml(p) and not p.is_dir())
        elif path.exists():
            files.append(path)
        else:
            _fail(_("fant ikke '{path}'").format(path=display_path(path)))
    if not files:
        _fail(_("fant ingen YAML-filer i {paths}").format(paths=", ".join(map(str, paths))))
    problems = []
    for file in files:
        problems.extend(load_checklist(file)[1])
    sys.exit(_print_problems(problems, fmt, strict))


@checklist.command("schema", context_settings=CONTEXT)
@click.option("--kind", type=click.Choice(["checklist", "round", "case", "office", "followup", "report", "plan", "sample", "draft"]),
              default="checklist", show_default=True, help="Hvilken filtype skjemaet gjelder.")
def checklist_schema(kind: str) -> None:
    """Skriv ut JSON Schema for sjekklister (eller rundefiler og vurderinger).

    Editorer bruker skjemaet til autofullføring, for eksempel med denne linjen øverst i filen:
    # yaml-language-server: $schema=kvp-checklist.schema.json

    \b
    Eksempel:
      kvp-audit checklist schema > kvp-checklist.schema.json
      kvp-audit checklist schema --kind case > kvp-sak.schema.json
    """
    from .models import json_schema

    click.echo(json.dumps(json_schema(kind), ensure_ascii=False, indent=2))


@checklist.command("list", context_settings=CONTEXT)
@click.option("--dir", "dirs", multiple=True, type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Ekstra mappe med sjekklister (kan gjentas).")
def checklist_list(dirs: tuple[Path, ...]) -> None:
    """List sjekklistene som kan brukes (de som følger med, og dine egne).

    \b
    Eksempel:
      kvp-audit checklist list
      kvp-audit checklist list --dir mine-sjekklister
    """
    from .load import library_for

    library = library_for(None, dirs)
    for ref, path in sorted(library.refs().items()):
        click.echo(f"{ref:28} {display_path(path)}")


@checklist.command("diff", context_settings=CONTEXT)
@click.argument("old")
@click.argument("new")
@click.option("--dir", "dirs", multiple=True, type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Ekstra mappe med sjekklister (kan gjentas).")
@handle_errors
def checklist_diff(old: str, new: str, dirs: tuple[Path, ...]) -> None:
    """Vis hvordan kriteriene i to versjoner av en sjekkliste henger sammen.

    Viser hvert kriterium i den nye versjonen som samme, nytt navn, delt eller slått
    sammen (etter id og 'replaces'), og kriteriene som er nye eller utgått. Slik blir
    runder på de to versjonene sammenlignet av 'kvp-audit compare'. OLD og NEW er
    id@versjon eller en sti til en sjekklistefil.

    \b
    Eksempel:
      kvp-audit checklist diff kvp-sak@2024.1 kvp-sak@2026.1
      kvp-audit checklist diff gammel/kvp-sak.yaml checklists/kvp-sak.yaml
    """
    from .checklistdiff import checklist_diff as line_up, diff_lines, diff_warning
    from .errors import InputError
    from .load import library_for, load_checklist

    library = library_for(None, dirs)

    def get(ref: str):
        path = Path(ref)
        checklist, problems = load_checklist(path) if path.is_file() else library.get(ref)
        if checklist is None:
            raise InputError(_("sjekklisten '{ref}' kan ikke brukes").format(ref=ref), problems)
        return checklist

    diff = line_up(get(old), get(new))
    lines = diff_lines(diff)
    click.echo(lines[0])
    warning = diff_warning(diff)
    if warning:
        click.echo(warning, err=True)
    for line in lines[1:]:
        click.echo(line)


# --------------------------------------------------------------------------- new


@main.group(context_settings=CONTEXT)
def new() -> None:
    """Lag nye runder og saksvurderinger med alle kriteriene klare til utfylling.

    \b
    Eksempel:
      kvp-audit new round runder/2026-var --name "KVP 2026" --county Fiktivfylke --office nav-fjellby="NAV Fjellby"
      kvp-audit new case runder/2026-var nav-fjellby --reviewer KB
    """


def _today(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(_("'{value}' er ikke en dato; skriv ÅÅÅÅ-MM-DD").format(value=value))
        raise


@new.command("round", context_settings=CONTEXT)
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--name", default=None, help="Rundens navn, for eksempel \"Kvalitetsinnsyn KVP 2026\".")
@click.option("--county", default=None, help="Fylket (Statsforvalterens område; standard med --from: som forrige runde).")
@click.option("--office", "offices", multiple=True,
              help="Et kontor som id=Navn, for eksempel nav-fjellby=\"NAV Fjellby\" (kan gjentas).")
@click.option("--from", "from_round", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Forrige runde: samme kontorer og sjekklister (nyeste versjon), og åpne funn føres videre.")
@click.option("--id", "round_id", default=None, help="Rundens id (standard: mappens navn).")
@click.option("--start", default=None, help="Første dag, ÅÅÅÅ-MM-DD (standard: 1. januar i året mappen heter, ellers i år).")
@click.option("--end", default=None, help="Siste dag, ÅÅÅÅ-MM-DD (standard: 31. desember samme år).")
@click.option("--case-checklist", default=None,
              help="Sjekkliste for saker, id@versjon eller en fil (standard: nyeste kvp-sak).")
@click.option("--office-checklist", default=None,
              help="Sjekkliste for kontoret, id@versjon eller en fil (standard: nyeste kvp-kontor).")
@click.option("--followup-checklist", default=None,
              help="Sjekkliste for oppfølging, id@versjon eller en fil (standard: nyeste kvp-oppfolging).")
@click.option("--checklists", "checklist_dirs", multiple=True, type=click.Path(path_type=Path),
              help="En mappe (eller fil) med egne sjekklister; de runden bruker, kopieres til checklists/ i runden (kan gjentas).")
@click.option("--reviewer", "reviewers", multiple=True, default=("XX",), show_default=True,
              help="Revisorens initialer (kan gjentas).")
@handle_errors
def new_round(directory: Path, name: str | None, county: str | None, offices: tuple[str, ...],
              from_round: Path | None, round_id: str | None, start: str | None, end: str | None,
              case_checklist: str | None, office_checklist: str | None, followup_checklist: str | None,
              reviewers: tuple[str, ...], checklist_dirs: tuple[Path, ...]) -> None:
    """Lag en ny runde: rundefilen og en mappe per kontor med kontorvurdering.

    Rundens id er fylket og mappens navn (for eksempel fiktivfylke-2027), så funn-id-ene
    er ulike fra fylke til fylke. Perioden er året mappen heter (2027: 1. januar til
    31. desember) med mindre --start og --end er gitt. Egne sjekklister (--checklists, eller
    en fil som --case-checklist) kopieres inn i runden.

    Med --from lages runden fra forrige runde: de samme kontorene, de samme sjekklistene i
    nyeste versjon, og funnene som ikke er lukket føres videre (koblet til den nye versjonen
    av sjekklisten), så neste besøk sjekker dem.

    \b
    Eksempel:
      kvp-audit new round runder/2026-var --name "Kvalitetsinnsyn KVP 2026" \\
          --county Fiktivfylke --office nav-fjellby="NAV Fjellby" --office nav-strand="NAV Strand"
      kvp-audit new round runder/2028 --from runder/2026-var --name "Kvalitetsinnsyn KVP 2028"
      kvp-audit new round runder/2027 --name "KVP 2027" --county Fiktivfylke --office nav-fjellby="NAV Fjellby" \\
          --case-checklist mine/min-sak.yaml --reviewer KB
    """
    from .rounds import create_round

    from .validation import check_initials

    check_initials(reviewers)
    created = create_round(
        directory, name=name, county=county, offices=offices, from_round=from_round, round_id=round_id,
        start=_today(start) if start else None, end=_today(end) if end else None, case_checklist=case_checklist,
        office_checklist=office_checklist, followup_checklist=followup_checklist, reviewers=reviewers,
        checklists=checklist_dirs)
    for p in created.warnings:
        click.echo(p.format(), err=True)
    for path in created.written:
        click.echo(_("skrev {path}").format(path=display_path(path)))
    if from_round is not None:
        click.echo(ngettext("{n} funn fra {round} er ikke lukket og er ført videre (se carried i runde.yaml)",
                            "{n} funn fra {round} er ikke lukket og er ført videre (se carried i runde.yaml)",
                            created.carried_count).format(
            n=created.carried_count, round=created.previous_name))
        for fid in created.unmapped:
            click.echo(_("advarsel") + ": " + _("{id}: kriteriet finnes ikke i den nye sjekklisten og ingen "
                                               "kriterier erstatter det; sjekk funnet for hånd").format(id=fid), err=True)
    click.echo(_("Neste steg: {command}").format(command=next_step(directory, created.round.offices[0].id, reviewers)))


def next_step(directory: Path, office: str, reviewers) -> str:
    """The ``new case`` command for the round just made, ready to run as printed."""
    import shlex

    given = [r for r in reviewers if r != "XX"] or ["XX"]
    command = "kvp-audit new case {dir} {office}".format(dir=shlex.quote(display_path(directory)), office=office)
    command += "".join(f" --reviewer {r}" for r in given)
    if given == ["XX"]:
        command += "  # " + _("bytt XX med initialene dine")
    return command


@new.command("case", context_settings=CONTEXT)
@click.argument("round_dir", type=click.Path(path_type=Path, file_okay=False))
@click.argument("office")
@click.option("--reviewer", "reviewers", multiple=True, required=True, help="Revisorens initialer (kan gjentas).")
@click.option("--date", "date", default=None, help="Dato for vurderingen, ÅÅÅÅ-MM-DD (standard: i dag).")
@click.option("--selection", type=click.Choice(["kontoret", "tilfeldig"]), default=None,
              help="Hvordan saken ble valgt: kontoret (valgt av kontoret) eller tilfeldig (trukket).")
@click.option("--position", type=click.IntRange(min=1), default=None,
              help="Plassen saken ble trukket på (se 'kvp-audit sample'); med --selection tilfeldig.")
@click.option("--stratum", default=None, help="Gruppen saken ble trukket fra, når trekningen har grupper.")
@handle_errors
def new_case(round_dir: Path, office: str, reviewers: tuple[str, ...], date: str | None, selection: str | None,
             position: int | None, stratum: str | None) -> None:
    """Lag en ny saksvurdering med en tilfeldig saksnøkkel og alle kriteriene.

    \b
    Eksempel:
      kvp-audit new case runder/2026-var nav-fjellby --reviewer KB --reviewer ÅS
      kvp-audit new case runder/2026-var nav-fjellby --reviewer KB --selection kontoret
      kvp-audit new case runder/2026-var nav-fjellby --reviewer KB --selection tilfeldig --position 7
    """
    from .load import existing_case_keys, open_round
    from .sample import check_pick
    from .skeleton import create_case
    from .validation import check_initials, check_office

    opened = open_round(round_dir)
    check_office(opened.round, office)
    check_initials(reviewers)
    checklist = opened.require_case_checklist()
    pick = check_pick(opened.root, office, selection, position, stratum)
    key, path = create_case(opened.root, office, checklist, list(reviewers), _today(date), existing_case_keys(opened),
                            *pick)
    click.echo(_("skrev {path} (saksnøkkel {key})").format(path=display_path(path), key=key))


# --------------------------------------------------------------------------- sample


@main.command("sample", context_settings=CONTEXT)
@click.argument("round_dir", type=click.Path(path_type=Path, file_okay=False))
@click.argument("office")
@click.option("--population", "populations", multiple=True, metavar="N|GRUPPE=N",
              help="Hvor mange saker kontorets liste har, eller GRUPPE=N for hver gruppe (kan gjentas).")
@click.option("--draw", "draws", multiple=True, metavar="K|GRUPPE=K",
              help="Hvor mange saker som skal trekkes, eller GRUPPE=K for hver gruppe (kan gjentas).")
@click.option("--seed", default=None, help="Frøet (standard: et nytt fra operativsystemet, som skrives i utvalg.yaml).")
@click.option("--reviewer", default=None, help="Initialene til den som trekker.")
@click.option("--date", "date", default=None, help="Dato for trekningen, ÅÅÅÅ-MM-DD (standard: i dag).")
@click.option("--redraw", is_flag=True, help="Trekk på nytt; de tidligere trekningene blir stående i utvalg.yaml.")
@click.option("--verify", is_flag=True, help="Gjenta hver trekning i utvalg.yaml fra frøet og si om den stemmer.")
@handle_errors
def sample(round_dir: Path, office: str, populations: tuple[str, ...], draws: tuple[str, ...], seed: str | None,
           reviewer: str | None, date: str | None, redraw: bool, verify: bool) -> None:
    """Trekk saker tilfeldig fra kontorets liste, slik at hvem som helst kan gjenta trekningen.

    Kontoret har listen over aktuelle saker; verktøyet får bare vite hvor lang den er
    (--population) og trekker plasser fra 1 til N med algoritmen kvp-sha256-1 (SHA-256 av
    frøet, kontoret, gruppen og en teller; se docs/format.md). Trekningen skrives i
    utvalg.yaml i kontorets mappe før den vises. En ny trekning for samme kontor krever
    --redraw, og alle trekningene blir stående. --verify gjentar dem. Avslutter med 1 når
    en trekning ikke stemmer, og 2 ved feil bruk.

    \b
    Eksempel:
      kvp-audit sample runder/2026 nav-fjellby --population 20 --draw 3 --reviewer EL
      kvp-audit sample runder/2026 nav-fjellby --population pågående=12 --population avsluttet=8 \\
          --draw pågående=1 --draw avsluttet=1 --reviewer EL
      kvp-audit sample runder/2026 nav-fjellby --verify
    """
    from . import sample as sampling
    from .validation import check_initials

    if verify:
        if populations or draws or seed or reviewer or date or redraw:
            raise click.UsageError(_("--verify gjentar trekningene som står i utvalg.yaml og tar ingen andre valg"))
        _path, checks = sampling.verify_office(round_dir, office)
        for line in sampling.check_lines(checks):
            click.echo(line)
        sys.exit(EXIT_OK if all(c.matches for c in checks) else EXIT_FINDINGS)
    request = sampling.parse_request(populations, draws)
    if reviewer is None:
        raise click.UsageError(_("oppgi --reviewer med initialene til den som trekker"))
    check_initials([reviewer])
    if seed is not None:
        seed = sampling.check_seed(seed)
    drawn = sampling.make_draw(round_dir, office, request, reviewer, _today(date), seed=seed, redraw=redraw)
    click.echo(_("skrev {path}").format(path=display_path(drawn.path)))
    for line in sampling.draw_lines(drawn):
        click.echo(line)


# --------------------------------------------------------------------------- validate / score


def _load(round_dir: Path, keep_reviews: bool = True):
    from .load import load_round

    return load_round(round_dir, keep_reviews=keep_reviews)


@main.command("validate", context_settings=CONTEXT)
@click.argument("round_dir", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Regn advarsler som feil.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Utskriftsformat.")
@handle_errors
def validate(round_dir: Path, strict: bool, fmt: str) -> None:
    """Valider alle filene i en runde mot sjekklistene, og vis alle problemer på en gang.

    Avslutter med 0 når alt er i orden, 1 når det er funnet problemer, og 2 ved feil bruk.

    \b
    Eksempel:
      kvp-audit validate examples/fiktivfylke/2026
      kvp-audit validate --strict --format json examples/fiktivfylke/2026
    """
    from .load import validate_round

    sys.exit(_print_problems(validate_round(round_dir), fmt, strict))


@main.command("score", context_settings=CONTEXT)
@click.argument("round_dir", type=click.Path(path_type=Path))
@click.option("--office", default=None, help="Vis bare dette kontoret, med tema, kriterier og funn.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Utskriftsformat.")
@handle_errors
def score(round_dir: Path, office: str | None, fmt: str) -> None:
    """Regn ut oppfyllelse per kriterium, tema, sak, kontor og runde, med avvik og merknader.

    Ikke aktuelt og ubesvart telles aldri. Under 5 saker vises antall, ikke prosent.

    \b
    Eksempel:
      kvp-audit score examples/fiktivfylke/2026
      kvp-audit score examples/fiktivfylke/2026 --office nav-fjellby
      kvp-audit score examples/fiktivfylke/2026 --format json > poeng.json
    """
    from .errors import InputError
    from .scoring import score_round
    from .textout import score_json, score_table
    from .validation import check_office

    data = _load(round_dir)
    if data.errors:
        raise InputError(ngettext("runden har {n} feil; rett den (se 'kvp-audit validate') før poengberegning",
                                  "runden har {n} feil; rett dem (se 'kvp-audit validate') før poengberegning",
                                  len(data.errors)).format(
            n=len(data.errors)), data.errors)
    check_office(data.round, office)
    for p in data.warnings:
        click.echo(p.format(), err=True)
    scores = score_round(data)
    if fmt == "json":
        click.echo(json.dumps(score_json(data, scores, office), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(score_table(data, scores, office), nl=False)


@main.command("export", context_settings=CONTEXT)
@click.argument("round_dir", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json", "sqlite"]), default=None,
              help="Format: csv, xlsx, json eller sqlite (standard: etter filendelsen i --out).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Filen som skal skrives (standard: <rundens id>.<format> i mappen du står i).")
@handle_errors
def export(round_dir: Path, fmt: str | None, out: Path | None) -> None:
    """Eksporter runden som tabeller for analyse: svar, tema per kontor, funn og kontortall.

    CSV gir én fil per tabell (den lange tabellen i --out, de andre ved siden av).
    Ingenting skrives hvis runden har feil.

    \b
    Eksempel:
      kvp-audit export examples/fiktivfylke/2026 --format xlsx --out fiktivfylke-2026.xlsx
      kvp-audit export examples/fiktivfylke/2026 --out analyse/runde.sqlite
      kvp-audit export examples/fiktivfylke/2026 --format csv --out svar.csv
    """
    from .export import DEFAULT_SUFFIX, check_target, export_round, format_for, suffix_warning

    fmt = format_for(fmt, out)
    if out is not None:
        check_target(out)
        warning = suffix_warning(fmt, out)
        if warning:
            click.echo(warning, err=True)
    data = _load(round_dir)
    if out is None:
        out = Path(data.round.id + DEFAULT_SUFFIX[fmt])
    for p in data.warnings:
        click.echo(p.format(), err=True)
    for path in export_round(data, fmt, out, progress=True):
        click.echo(_("skrev {path}").format(path=display_path(path)))


# --------------------------------------------------------------------------- reports


def _scored(round_dir: Path):
    """Load, validate and score a round; a round with errors stops with its problems."""
    from .errors import InputError
    from .scoring import score_round

    data = _load(round_dir)
    if data.errors:
        raise InputError(ngettext("runden {path} har {n} feil; rett den (se 'kvp-audit validate') først",
                                  "runden {path} har {n} feil; rett dem (se 'kvp-audit validate') først",
                                  len(data.errors)).format(
            path=display_path(round_dir), n=len(data.errors)), data.errors)
    for p in data.warnings:
        click.echo(p.format(), err=True)
    return data, score_round(data)


def _check_office(data, office: str | None) -> None:
    from .validation import check_office as check

    check(data.round, office)


def _checklist_history(*rounds) -> list:
    """Every known version of the rounds' checklists (their own folders, the library, the archive)."""
    from .load import library_for

    found: dict[str, object] = {}
    for data in rounds:
        library = library_for(data.path)
        idents = {c.id for c in (data.case_checklist, data.office_checklist) if c is not None}
        for other in rounds:
            idents |= {c.id for c in (other.case_checklist, other.office_checklist) if c is not None}
        for ident in sorted(idents):
            for checklist in library.versions(ident):
                found.setdefault(checklist.ref, checklist)
    return list(found.values())


@main.command("compare", context_settings=CONTEXT)
@click.argument("round_a", type=click.Path(path_type=Path))
@click.argument("round_b", type=click.Path(path_type=Path), required=False)
@click.option("--office", default=None, help="Sammenlign bare dette kontoret.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "html"]), default="table", show_default=True,
              help="Utskriftsformat; html skrives til en fil (se --out).")
@click.option("--all", "all_criteria", is_flag=True,
              help="Vis alle linjene i tabellen, også de uendrede, de med for få saker og kontortallene.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="HTML-filen som skrives (standard: reports/sammenligning-<runde>.html).")
@handle_errors
def compare(round_a: Path, round_b: Path | None, office: str | None, fmt: str, all_criteria: bool,
            out: Path | None) -> None:
    """Sammenlign to runder kontor for kontor og kriterium for kriterium, eller kontorene i én runde.

    Med to runder (den eldste først): for fylket og per kontor, tema for tema og kriterium
    for kriterium, bedre, dårligere eller uendret med antall i begge rundene; det sies bare
    når minst fem saker er vurdert i begge (for fylket fem vurderinger), ellers står
    antallene med «for få saker til å si noe om endring». Et kriterium som ikke ble vurdert
    i én av rundene, er «ikke vurdert i <runde>». Kontorvurderingen vises som svarene
    («nei → ja»), kontortallene side om side med forskjellen. Runder med ulike versjoner av
    sjekklisten sammenlignes gjennom kriterienes 'replaces' (nytt navn, delt, slått sammen);
    kriterier uten kobling vises som ikke sammenlignbare. Med én runde: kontorene side om
    side, hvert tema mot fylket.

    \b
    Eksempel:
      kvp-audit compare examples/fiktivfylke/2024 examples/fiktivfylke/2026
      kvp-audit compare examples/fiktivfylke/2024 examples/fiktivfylke/2026 --office nav-fjellby --all
      kvp-audit compare examples/fiktivfylke/2026 --format html --out sammenligning.html
    """
    from .compare import compare_offices, compare_rounds, comparison_table, offices_table, render_html
    from .i18n import current_language
    from .yamlio import atomic_write

    data_a, scores_a = _scored(round_a)
    if round_b is None:
        _check_office(data_a, office)
        payload = compare_offices(data_a, scores_a)
        if office is not None:
            payload["offices"] = [r for r in payload["offices"] if r["office"] == office]
        kind, text, checklist, name = "offices", offices_table(payload), data_a.case_checklist, data_a.round.id
    else:
        data_b, scores_b = _scored(round_b)
        _check_office(data_b, office)
        if office is not None and data_a.round.office(office) is None:
            raise click.UsageError(_("kontoret '{office}' er ikke med i {round}").format(
                office=office, round=display_path(round_a)))
        result = compare_rounds(data_a, scores_a, data_b, scores_b, office, history=_checklist_history(data_a, data_b))
        for w in result.warnings:
            click.echo(_("advarsel") + ": " + w, err=True)
        payload = result.as_dict()
        kind, checklist, name = "rounds", data_b.case_checklist, f"{data_a.round.id}-{data_b.round.id}"
        text = comparison_table(result, all_criteria or office is not None) if fmt == "table" else ""
    if fmt == "json":
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif fmt == "table":
        click.echo(text, nl=False)
    else:
        target = out or Path("reports") / f"sammenligning-{name}.html"
        atomic_write(target, render_html(kind, payload, checklist, current_language()))
        click.echo(_("skrev {path}").format(path=display_path(target)))


@main.command("followup", context_settings=CONTEXT)
@click.argument("round_dir", type=click.Path(path_type=Path))
@click.option("--office", default=None, help="Vis bare dette kontoret.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Utskriftsformat.")
@handle_errors
def followup(round_dir: Path, office: str | None, fmt: str) -> None:
    """Vis funnene per kontor som skal følges opp, og hva som er lukket, delvis lukket eller åpent.

    Funnene er rundens avvik og merknader, og funn fra forrige runde som er ført videre.
    Status kommer fra kontorets oppfolging.yaml (findings: funn-id: status lukket, delvis
    eller åpen, med action, evidence og date). Et funn uten oppføring er «ikke fulgt opp».
    Kontorets plan for retting (plan.yaml) vises per kontor, og et funn som var lukket i
    forrige runde og er funnet igjen nå, er merket «gjentatt».

    \b
    Eksempel:
      kvp-audit followup examples/fiktivfylke/2024
      kvp-audit followup examples/fiktivfylke/2026 --office nav-fjellby --format json
    """
    from .followup import followup_problems, followup_table, followup_view

    data, scores = _scored(round_dir)
    _check_office(data, office)
    for p in followup_problems(data, scores):
        click.echo(p.format(), err=True)
    view = followup_view(data, scores, office)
    if fmt == "json":
        click.echo(json.dumps(view, ensure_ascii=False, indent=2))
    else:
        click.echo(followup_table(view), nl=False)


# --------------------------------------------------------------------------- step / status


def _date_option(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.UsageError(_("{option}: '{value}' er ikke en dato; skriv ÅÅÅÅ-MM-DD").format(
            option=option, value=value)) from None


@main.command("step", context_settings=CONTEXT)
@click.argument("round_dir", type=click.Path(path_type=Path))
@click.argument("office")
@click.argument("step")
@click.option("--date", "date", default=None, help="Datoen for steget, ÅÅÅÅ-MM-DD (standard: i dag).")
@click.option("--deadline", default=None,
              help="Fristen som følger av steget, ÅÅÅÅ-MM-DD (utkast-sendt: merknader; endelig-sendt: plan for retting).")
@click.option("--again", is_flag=True, help="Registrer et steg som allerede er registrert, på nytt.")
@handle_errors
def step(round_dir: Path, office: str, step: str, date: str | None, deadline: str | None, again: bool) -> None:
    """Registrer et steg i forløpet ved et kontor, med dato, i kontorets rapport.yaml.

    Stegene, i rekkefølge: varsel-sendt, besok, utkast-sendt, merknader-mottatt,
    endelig-sendt, plan-mottatt, oppfolging, lukket. utkast-sendt låser utkastets funn i
    utkast-sendt.yaml, og endelig-sendt setter rapportens status til endelig. Fristene følger
    av steget (report.course i runde.yaml) eller settes med --deadline; med bare --deadline
    flyttes fristen for et steg som er registrert. Kommentarene i rapport.yaml blir stående.

    \b
    Eksempel:
      kvp-audit step runder/2026 nav-fjellby varsel-sendt --date 2026-01-10
      kvp-audit step runder/2026 nav-fjellby utkast-sendt --date 2026-03-10
      kvp-audit step runder/2026 nav-fjellby utkast-sendt --deadline 2026-04-07
      kvp-audit step runder/2026 nav-fjellby endelig-sendt --date 2026-04-20 --deadline 2026-06-01
    """
    from .course import record_step

    result = record_step(round_dir, office, step, _date_option(date, "--date"), _date_option(deadline, "--deadline"),
                         again)
    for note in result.notes:
        click.echo(note)
    for path in result.written:
        click.echo(_("skrev {path}").format(path=display_path(path)))


@main.command("status", context_settings=CONTEXT)
@click.argument("round_dir", type=click.Path(path_type=Path))
@click.option("--office", default=None, help="Vis bare dette kontoret.")
@click.option("--date", "date", default=None, help="Vis forløpet slik det står denne datoen, ÅÅÅÅ-MM-DD (standard: i dag).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "ics"]), default="table", show_default=True,
              help="Utskriftsformat; ics er en kalenderfil med alle fristene.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Skriv til denne filen i stedet for til skjermen.")
@click.option("--strict", is_flag=True, help="Avslutt med 1 når noe er forfalt.")
@handle_errors
def status(round_dir: Path, office: str | None, date: str | None, fmt: str, out: Path | None, strict: bool) -> None:
    """Vis hvor hvert kontor står i forløpet, neste frist og alt som er forfalt.

    Forfalt er en frist som er passert uten at svaret har kommet: kontorets merknader til
    utkastet, planen for retting og tiltak i plan.yaml som ikke er lukket. --format ics
    skriver alle fristene som en kalender (hver frist med fast UID, så en ny import
    oppdaterer hendelsene).

    \b
    Eksempel:
      kvp-audit status examples/fiktivfylke/2026
      kvp-audit status examples/fiktivfylke/2026 --date 2026-05-01 --strict
      kvp-audit status examples/fiktivfylke/2026 --office nav-strandvik --format json
      kvp-audit status examples/fiktivfylke/2026 --format ics --out frister.ics
    """
    from .course import calendar, read_course, round_status, status_json, status_table
    from .errors import InputError
    from .validation import check_office
    from .yamlio import atomic_write

    as_of = _date_option(date, "--date") or dt.date.today()
    opened, sources, problems = read_course(round_dir)
    check_office(opened.round, office)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise InputError(_("forløpet kan ikke leses; rett filene (se 'kvp-audit validate') først"), errors)
    statuses = round_status(opened.round, sources, as_of, office)
    if fmt == "ics":
        from .export import source_date

        stamp = source_date() or dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
        data: str | bytes = calendar(opened.round, statuses, stamp)
    elif fmt == "json":
        data = json.dumps(status_json(opened.round, statuses, as_of), ensure_ascii=False, indent=2) + "\n"
    else:
        data = status_table(opened.round, statuses, as_of)
    if out is not None:
        atomic_write(out, data)
        click.echo(_("skrev {path}").format(path=display_path(out)))
    elif isinstance(data, bytes):
        click.echo(data.decode("utf-8"), nl=False)
    else:
        click.echo(data, nl=False)
    if strict and any(s.overdue for s in statuses):
        sys.exit(EXIT_FINDINGS)


def _formats(value: str) -> list[str]:
    from .report.files import FORMATS

    formats = [f.strip() for f in value.split(",") if f.strip()]
    for fmt in formats:
        if fmt not in FORMATS:
            raise click.BadParameter(_("ukjent format '{fmt}'; bruk html, pdf, md eller docx").format(fmt=fmt))
    return formats


@main.command("report", context_settings=CONTEXT)
@click.argument("round_dirs", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="ROUND_DIR...")
@click.option("--office", default=None, help="Lag bare rapporten til dette kontoret.")
@click.option("--format", "fmt", default="html,md", show_default=True,
              help="Formater, kommaseparert: html, pdf, md, docx.")
@click.option("--lang", "report_lang", type=click.Choice(["nb", "nn", "en"]), default=None,
              help="Språk for rapportenes faste tekst (standard: språket for kommandoen, ellers nb).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Mappe for rapportene (standard: reports/<rundens id>, eller reports/nasjonal-<år>).")
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Mappe med egne maler som erstatter eller utvider standardmalene.")
@click.option("--force", is_flag=True, help="Skriv alle rapportene på nytt, også de som ikke er endret.")
@handle_errors
def report(round_dirs: tuple[Path, ...], office: str | None, fmt: str, report_lang: str | None, out: Path | None,
           templates: Path | None, force: bool) -> None:
    """Lag rapport til hvert kontor og oppsummering for fylket, i HTML, PDF, Markdown og Word.

    Rapporter som ikke er endret siden forrige gang, hoppes over.

    Med flere runder fra samme periode, én per fylke, eller en mappe uten runde.yaml som har
    rundene under seg, lages den nasjonale oppsummeringen (nasjonal.html og de andre formatene,
    standard i reports/nasjonal-<år>): fylkene side om side, fylke og tema, og kriteriene som
    oftest ikke er oppfylt. Runder med feil, to runder fra samme fylke og perioder som ikke
    overlapper, stoppes med en melding.

    \b
    Eksempel:
      kvp-audit report examples/fiktivfylke/2026
      kvp-audit report examples/fiktivfylke/2026 --office nav-fjellby --format html,pdf
      kvp-audit report examples/fiktivfylke/2026 --lang nn --out rapporter/nynorsk
      kvp-audit report examples/fiktivfylke/2026 --format docx
      kvp-audit report examples/fiktivfylke/2026 examples/diktfylke/2026 --format html,pdf
      kvp-audit report runder-2026 --out rapporter/nasjonal
    """
    from .i18n import current_language
    from .report import build_reports
    from .report.national import build_national, is_national

    lang = report_lang or current_language()
    paths = list(round_dirs)
    if is_national(paths):
        if office is not None:
            raise click.UsageError(_("--office gjelder rapportene i én runde, ikke den nasjonale oppsummeringen"))
        result = build_national(paths, out=out, formats=_formats(fmt), lang=lang, user_templates=templates,
                                progress=True, force=force)
    else:
        result = build_reports(paths[0], out=out, formats=_formats(fmt), lang=lang, office=office,
                               user_templates=templates, progress=True, force=force)
    for problem in result.warnings:  # e.g. a name in a comment: the report may become public
        click.echo(problem.format(), err=True)
    for path in result.written:
        click.echo(_("skrev {path}").format(path=display_path(path)))
    if result.skipped:
        click.echo(ngettext("{n} rapport er uendret og ble ikke skrevet på nytt",
                            "{n} rapporter er uendret og ble ikke skrevet på nytt",
                            len(result.skipped)).format(n=len(result.skipped)))


@main.command("demo", context_settings=CONTEXT)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("reports"), show_default=True,
              help="Mappe for rapportene.")
@click.option("--format", "fmt", default="html,pdf,md,docx", show_default=True, help="Formater, kommaseparert: html, pdf, md, docx.")
@handle_errors
def demo(out: Path, fmt: str) -> None:
    """Lag alle rapportene for de fiktive eksempelrundene som følger med.

    Rundene fra samme år i ulike fylker får også en nasjonal oppsummering (nasjonal-<år>).

    \b
    Eksempel:
      kvp-audit demo
      kvp-audit demo --out /tmp/demo --format html
    """
    from .errors import InputError
    from .i18n import current_language
    from .report import build_reports, example_rounds
    from .report.national import build_national, national_sets

    from .load import find_round_file, load_round_file
    from .progress import Progress

    rounds = example_rounds()
    if not rounds:
        raise InputError(_("fant ikke eksempelrundene (examples/*/*/runde.yaml); kjør kommandoen fra mappen med koden"))
    done = []
    loaded = []
    with Progress() as display:  # one display for every round; nothing drawn in a pipe or CI
        for round_dir in rounds:
            rnd, _problems = load_round_file(find_round_file(round_dir))
            loaded.append((round_dir, rnd))
            target = out / (rnd.id if rnd else round_dir.name)
            done.append((target, build_reports(round_dir, out=target, formats=_formats(fmt),
                                               lang=current_language(), progress=display)))
        # the counties' rounds of one year side by side: the national summary
        for year, paths in national_sets(loaded):
            target = out / f"nasjonal-{year}"
            done.append((target, build_national(paths, out=target, formats=_formats(fmt), lang=current_language(),
                                                progress=display)))
    for target, result in done:
        click.echo(display_path(target) + ": " + ngettext("{n} fil skrevet", "{n} filer skrevet", len(result.written)).format(
            n=len(result.written)) + ", " + ngettext("{n} uendret", "{n} uendret", len(result.skipped)).format(
            n=len(result.skipped)))


# --------------------------------------------------------------------------- serve


@main.command("serve", context_settings=CONTEXT)
@click.argument("round_dir", type=click.Path(path_type=Path), default=".", required=False, metavar="[MAPPE]")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Porten skjemaet lytter på (0: en ledig port).")
@click.option("--host", default=None,
              help="Adressen skjemaet lytter på (standard: 127.0.0.1, med --lan maskinens adresse på nettverket); "
                   "uten --lan gir alt annet enn 127.0.0.1 andre maskiner tilgang uten innlogging.")
@click.option("--lan", is_flag=True,
              help="La et nettbrett på kontorets nett bruke skjemaet: HTTPS med et sertifikat laget nå, "
                   "og bare enheter som kobler til med engangskoden (URL og QR-kode i terminalen).")
@click.option("--insecure-http", is_flag=True,
              help="Med --lan: vanlig HTTP i stedet for HTTPS (ukryptert; gir en advarsel).")
@click.option("--no-browser", is_flag=True, help="Ikke åpne nettleseren (med --lan åpnes den aldri).")
@click.option("--lang", "serve_lang", type=click.Choice(["nb", "nn", "en"]), default=None,
              help="Språk i skjemaet (standard: språket for kommandoen, ellers nb).")
@handle_errors
def serve(round_dir: Path, port: int, host: str | None, lan: bool, insecure_http: bool, no_browser: bool,
          serve_lang: str | None) -> None:
    """Kjør runden i nettleseren, uten nett: saker, kontorvurdering, rapporter.

    Med en mappe som ikke er en runde (standard: mappen du står i) viser startsiden
    rundene i mappen, og en ny runde kan lages der. Med en rundes mappe åpnes runden
    direkte. Sidene lages fra rundens sjekklister og skriver de samme YAML-filene som
    kommandolinjen leser. Det kjører bare på denne maskinen (127.0.0.1). Stopp med Ctrl-C.

    Med --lan lytter skjemaet på maskinens adresse på nettverket, over HTTPS, og
    skriver ut en adresse med engangskode, sertifikatets fingeravtrykk og en QR-kode
    som nettbrettet åpner.

    \b
    Eksempel:
      kvp-audit serve
      kvp-audit serve examples
      kvp-audit serve examples/fiktivfylke/2026
      kvp-audit serve runder/2026 --port 8080 --no-browser --lang nn
      kvp-audit serve runder/2026 --lan
      kvp-audit serve runder/2026 --lan --host 192.168.1.20 --port 8443
    """
    from .i18n import current_language
    from .web.server import serve as run

    if serve_lang:
        set_language(serve_lang)
    run(round_dir, host=host, port=port, open_browser=not no_browser, lang=current_language(),
        echo=click.echo, warn=lambda text: click.echo(text, err=True), lan=lan, insecure_http=insecure_http)


if __name__ == "__main__":  # pragma: no cover
    main()
