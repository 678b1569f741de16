"""``kvp-audit serve FOLDER``: the rounds under a folder, and each round's pages.

The start page (``/``) lists the rounds found under FOLDER; each round's pages are the
app of :func:`kvp_audit.web.app.create_app`, mounted at ``/runde/<its path under FOLDER>/``
by :class:`Workspace`, which is the WSGI application the server runs. Every round app
shares the workspace's session key and cookie (the language, the CSRF token and the
reviewers' initials follow the user from page to page) and its lock (one request at a
time through all of them).

What a request may touch is decided here: a round is one of the folders found by
:func:`find_rounds` under the root (never a path joined from the URL), and a round's
reports go to ``FOLDER/reports/<round id>/``, so the server reads and writes inside
FOLDER only.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from flask import Flask, abort, flash, g, get_flashed_messages, redirect, render_template, request, session

from .. import i18n
from ..errors import KvpAuditError, display_path
from ..i18n import _, ngettext
from ..load import REPORT_FILE, RESERVED_FILES, ROUND_FILE, load_round_file
from ..models import Office, Round
from .app import create_app
from .core import LANGUAGE_NAMES, LOOPBACK_HOSTS, check_request, csrf_token, error_page, flask_app, security_headers
from .fields import clean_text
from .reviews import Messages, mask_national_ids, refused_fields
from .roundfile import error_summary, form_field

ROUND_PREFIX = "/runde/"
REPORTS_FOLDER = "reports"
SKIP_FOLDERS = frozenset({REPORTS_FOLDER, "node_modules", "__pycache__", "site-packages"})
MAX_DEPTH = 4  # FOLDER/fylke/år/runde at most: deeper folders are not searched
WORKSPACE_KEY = "kvp_audit_workspace"


@dataclass(frozen=True)
class RoundEntry:
    """A round found under the root: where it is, and its runde.yaml if it can be read."""

    path: str            # relative to the root, with "/" (the URL's part after /runde/)
    folder: Path         # absolute
    round: Round | None  # None when runde.yaml cannot be used (see problem)
    problem: str         # why not, in words; "" when it can
    stamp: int           # runde.yaml's mtime_ns when it was read

    @property
    def url(self) -> str:
        return ROUND_PREFIX + self.path + "/"


@dataclass(frozen=True)
class RoundProgress:
    """How far a round has come, as the start page shows it."""

    offices: int
    cases: int           # case files registered in the offices' folders
    final_sent: int      # offices whose final report is sent (course.final_sent, or status endelig)


class ProgressCache:
    """A round's progress without parsing its case files: a folder listing counts the cases
    (cached by the folder's mtime), and each rapport.yaml is read once per (path, mtime_ns, size)."""

    def __init__(self):
        self._folders: dict[str, tuple[int, int]] = {}            # folder -> (mtime_ns, case files)
        self._reports: dict[str, tuple[tuple[int, int], bool]] = {}  # rapport.yaml -> ((mtime_ns, size), sent)

    def progress(self, entry: RoundEntry) -> RoundProgress | None:
        if entry.round is None:
            return None
        cases = sent = 0
        for office in entry.round.offices:
            folder = entry.folder / office.id
            cases += self._cases(folder)
            sent += self._final_sent(folder / REPORT_FILE)
        return RoundProgress(len(entry.round.offices), cases, sent)

    def _cases(self, folder: Path) -> int:
        key = str(folder)
        try:
            stamp = os.stat(folder).st_mtime_ns
        except OSError:
            return 0
        known = self._folders.get(key)
        if known is not None and known[0] == stamp:
            return known[1]
        try:
            count = sum(1 for e in os.scandir(folder)
                        if e.name.endswith((".yaml", ".yml")) and not e.name.startswith(".")
                        and e.name not in RESERVED_FILES and e.is_file(follow_symlinks=False))
        except OSError:
            count = 0
        self._folders[key] = (stamp, count)
        return count

    def _final_sent(self, path: Path) -> bool:
        key = str(path)
        try:
            st = os.stat(path)
        except OSError:
            return False
        stamp = (st.st_mtime_ns, st.st_size)
        known = self._reports.get(key)
        if known is not None and known[0] == stamp:
            return known[1]
        sent = report_is_final(path)
        self._reports[key] = (stamp, sent)
        return sent


def report_is_final(path: Path) -> bool:
    """Whether an office's rapport.yaml says the final report is sent (read leniently: its problems are validate's)."""
    from ..yamlio import YamlFileError, parse_mapping, read_text

    try:
        data = parse_mapping(read_text(path), path)
    except (YamlFileError, OSError):
        return False
    course = data.get("course") if isinstance(data.get("course"), dict) else {}
    return data.get("status") == "endelig" or course.get("final_sent") not in (None, "")


def is_round_folder(path: Path) -> bool:
    """Whether ``path`` is a round (a folder with runde.yaml, or the file itself)."""
    return (path.is_file() and path.name == ROUND_FILE) or (path / ROUND_FILE).is_file()


def find_round_folders(root: Path, max_depth: int = MAX_DEPTH) -> list[Path]:
    """Every folder under ``root`` with a runde.yaml, not looking inside a round or a hidden folder.

    Symbolic links are not followed, so nothing outside ``root`` is found through them.
    """
    found: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith((".", "_")) or entry.name in SKIP_FOLDERS:
                continue
            try:
                if not entry.is_dir(follow_symlinks=False):
                    continue
            except OSError:
                continue
            path = Path(entry.path)
            if (path / ROUND_FILE).is_file():
                found.append(path)
            elif depth < max_depth:
                walk(path, depth + 1)

    walk(root, 1)
    return found


class Workspace:
    """The rounds under one folder, served together: the WSGI app of ``kvp-audit serve FOLDER``."""

    def __init__(self, root: Path, lang: str = "nb", allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS,
                 secret_key: str | None = None,
                 report_formats: tuple[str, ...] = ("html", "pdf", "docx")):
        self.root = Path(root).resolve()
        self.lang = lang if lang in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
        self.allowed_hosts = allowed_hosts
        self.report_formats = report_formats
        self.secret_key = secret_key or secrets.token_hex(32)
        self.cookie_name = f"kvp_audit_{secrets.token_hex(4)}"
        self.lock = threading.Lock()
        self._entries: dict[str, RoundEntry] = {}
        self._apps: dict[str, tuple[int, Flask]] = {}
        self.progress_cache = ProgressCache()
        self._library = None
        self.app = create_workspace_app(self)

    @property
    def library(self):
        """The checklists a new round can choose from (the bundled ones, and KVP_AUDIT_CHECKLISTS')."""
        if self._library is None:
            from ..load import library_for

            self._library = library_for(None)
        return self._library

    @property
    def reports(self) -> Path:
        return self.root / REPORTS_FOLDER

    # ------------------------------------------------------------------ the rounds

    def rounds(self) -> list[RoundEntry]:
        """The rounds under the root, newest period first (then by path); runde.yaml read again if changed."""
        entries: dict[str, RoundEntry] = {}
        for folder in find_round_folders(self.root):
            rel = folder.relative_to(self.root).as_posix()
            entries[rel] = self._entry(rel, folder)
        self._entries = entries
        return sorted(entries.values(), key=_newest_first)

    def _entry(self, rel: str, folder: Path) -> RoundEntry:
        round_file = folder / ROUND_FILE
        try:
            stamp = round_file.stat().st_mtime_ns
        except OSError:
            stamp = -1
        known = self._entries.get(rel)
        if known is not None and known.stamp == stamp:
            return known
        rnd, problems = load_round_file(round_file)
        # Named by its path under the root, as the page shows the round, not by where the server runs.
        shown, named = display_path(round_file), f"{rel}/{ROUND_FILE}"
        problem = "" if rnd is not None else "; ".join(p.format().replace(shown, named, 1) for p in problems) \
            or _("rundefilen kan ikke brukes")
        return RoundEntry(rel, folder, rnd, problem, stamp)

    def entry(self, rel: str) -> RoundEntry | None:
        """The round at ``rel`` (a path found by :meth:`rounds`, never one built from the URL)."""
        if rel not in self._entries:
            self.rounds()
        return self._entries.get(rel)

    def round_app(self, rel: str) -> Flask | None:
        """The app of the round at ``rel``, made when first asked for; None when it cannot be opened."""
        entry = self.entry(rel)
        if entry is None or entry.round is None:
            return None
        known = self._apps.get(rel)
        if known is not None:
            return known[1]
        try:
            app = create_app(entry.folder, lang=self.lang, reports_dir=self.reports,
                             allowed_hosts=self.allowed_hosts, secret_key=self.secret_key,
                             report_formats=self.report_formats, cookie_name=self.cookie_name,
                             lock=self.lock, home_url="/")
        except KvpAuditError:
            return None
        self._apps[rel] = (entry.stamp, app)
        return app

    def forget(self, rel: str) -> None:
        """Drop a round's app (its runde.yaml was rewritten or broke); the next request makes it again."""
        self._apps.pop(rel, None)

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "") or "/"
        if path.startswith(ROUND_PREFIX):
            rest = _wsgi_to_text(path[len(ROUND_PREFIX):])
            rel = self._match(rest)
            if rel is not None:
                app = self.round_app(rel)
                if app is not None:
                    mount = ROUND_PREFIX + rel
                    environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + _text_to_wsgi(mount)
                    environ["PATH_INFO"] = _text_to_wsgi(rest[len(rel):]) or "/"
                    return app(environ, start_response)
        return self.app(environ, start_response)

    def _match(self, rest: str) -> str | None:
        """The longest known round path that ``rest`` starts with (a rescan when none does)."""
        for attempt in range(2):
            candidates = [rel for rel in self._entries if rest == rel or rest.startswith(rel + "/")]
            if candidates:
                return max(candidates, key=len)
            if attempt == 0:
                self.rounds()
        return None


def _newest_first(entry: RoundEntry):
    start = entry.round.period.start.toordinal() if entry.round is not None else 0
    return (-start, entry.path)


def _wsgi_to_text(value: str) -> str:
    """PATH_INFO carries the URL's bytes as latin-1 (PEP 3333); the folder names are UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _text_to_wsgi(value: str) -> str:
    return value.encode("utf-8").decode("latin-1")


# --------------------------------------------------------------------------- the start page


def workspace(app: Flask | None = None) -> Workspace:
    from flask import current_app

    return (app or current_app).extensions[WORKSPACE_KEY]


def create_workspace_app(ws: Workspace) -> Flask:
    """The start page's app (the pages that belong to no round)."""
    app = flask_app(ws.secret_key, ws.cookie_name)
    app.extensions[WORKSPACE_KEY] = ws
    app.before_request(_guard)
    app.after_request(security_headers)
    app.context_processor(_context)
    for rule, view, methods in ROUTES:
        app.add_url_rule(rule, view_func=view, methods=methods)
    for code in (400, 404, 405, 413, 500):
        app.register_error_handler(code, _error)
    return app


def _guard():
    ws = workspace()
    return check_request(ws.allowed_hosts, ws.lang)


def _context():
    ws = workspace()
    return {
        "lang": g.get("lang", ws.lang),
        "languages": LANGUAGE_NAMES,
        "csrf_token": csrf_token,
        "round": None,
        "home_url": "/",
        "flashes": get_flashed_messages(),
    }


def _error(exc):
    if "lang" not in g:
        g.lang = workspace().lang
    return error_page(exc)


def start_page():
    ws = workspace()
    rounds = [{"entry": e, "progress": ws.progress_cache.progress(e)} for e in ws.rounds()]
    return render_template("start.html.j2", title=_("Rundene"), rounds=rounds, folder=ws.root.name or str(ws.root))


def broken_round(rel: str):
    """A round whose runde.yaml cannot be used (the dispatcher found no app for it), or no round at all."""
    ws = workspace()
    found = ws._match(rel)
    entry = ws.entry(found) if found is not None else None
    if entry is None:
        abort(404, _("fant ingen runde i {path}").format(path=rel))
    abort(500, _("runden i {path} kan ikke åpnes: {problem}").format(path=entry.path, problem=entry.problem))


# --------------------------------------------------------------------------- a new round

NEW_HEADER = ("name", "county", "folder", "period-start", "period-end", "from")
CHECKLIST_SCOPES = ("case", "office", "followup")
MAX_NEW_OFFICES = 400
_NEW_OFFICE = re.compile(r"^office-(\d{1,3})-(id|name)$")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
_WINDOWS_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass
class NewRoundValues:
    """The new-round form's fields as text, as posted (or empty, for a new form)."""

    header: dict[str, str] = field(default_factory=lambda: dict.fromkeys(NEW_HEADER, ""))
    offices: list[dict[str, str]] = field(default_factory=lambda: [{"id": "", "name": ""}])
    checklists: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CHECKLIST_SCOPES, ""))

    @classmethod
    def from_form(cls, form) -> NewRoundValues:
        out = cls()
        out.header = {name: re.sub(r"\s*\n\s*", " ", clean_text(form.get(name, ""))) for name in NEW_HEADER}
        cells: dict[int, dict[str, str]] = {}
        for name in form.keys():
            match = _NEW_OFFICE.match(name)
            if match and int(match.group(1)) < MAX_NEW_OFFICES:
                cells.setdefault(int(match.group(1)), {"id": "", "name": ""})[match.group(2)] = \
                    re.sub(r"\s*\n\s*", " ", clean_text(form.get(name, "")))
        out.offices = [cells[i] for i in sorted(cells)] or [{"id": "", "name": ""}]
        out.checklists = {scope: clean_text(form.get(f"checklist-{scope}", "")) for scope in CHECKLIST_SCOPES}
        return out

    def texts(self) -> list[tuple[str, str]]:
        """Every text typed in the form, by field name (what the identity-number guard scans)."""
        out = [(name, value) for name, value in self.header.items() if value]
        for i, row in enumerate(self.offices):
            out += [(f"office-{i}-{part}", row[part]) for part in ("id", "name") if row.get(part)]
        return out

    def masked(self, fields: dict[str, str]) -> NewRoundValues:
        out = NewRoundValues(dict(self.header), [dict(r) for r in self.offices], dict(self.checklists))
        for name in fields:
            match = _NEW_OFFICE.match(name)
            if match:
                row = out.offices[int(match.group(1))]
                row[match.group(2)] = mask_national_ids(row[match.group(2)])
            elif name in out.header:
                out.header[name] = mask_national_ids(out.header[name])
        return out


def check_new_folder(ws: Workspace, text: str) -> tuple[Path | None, str]:
    """The folder a new round goes in, from the text typed (relative to the workspace), or why not.

    Nothing outside the workspace: no absolute path, no ``..``; names Windows can hold; a
    folder the start page will find (not hidden, not in reports/, not inside another round).
    """
    text = text.strip()
    if not text:
        return None, _("Skriv mappen runden skal lages i, for eksempel fiktivfylke/2027.")
    if text.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", text):
        return None, _("Skriv en mappe inne i {root}, ikke en absolutt sti.").format(root=ws.root.name or ws.root)
    parts = text.rstrip("/").split("/")
    for part in parts:
        if part in ("..", ".", ""):
            return None, _("«..», «.» og tomme mappenavn er ikke lov: runden lages inne i {root}.").format(
                root=ws.root.name or ws.root)
        if _WINDOWS_BAD.search(part):
            return None, _("«{part}» har tegn som ikke kan stå i et mappenavn på Windows: < > : \" / \\ | ? *").format(
                part=part)
        if part != part.rstrip(". "):
            return None, _("«{part}» slutter med punktum eller mellomrom; det kan ikke et mappenavn på Windows.").format(
                part=part)
        if _WINDOWS_RESERVED.match(part):
            return None, _("«{part}» er et reservert navn på Windows (CON, PRN, AUX, NUL, COM1–9, LPT1–9); "
                           "velg et annet.").format(part=part)
        if part.startswith((".", "_")) or part in SKIP_FOLDERS:
            return None, _("«{part}»: mapper som begynner med . eller _, og mappen {reports}, leses ikke som runder; "
                           "velg et annet navn.").format(part=part, reports=REPORTS_FOLDER)
    if len(parts) > MAX_DEPTH:
        return None, ngettext("Mappen kan ligge høyst {n} nivå under {root}.", "Mappen kan ligge høyst {n} nivåer under {root}.",
                              MAX_DEPTH).format(n=MAX_DEPTH, root=ws.root.name or ws.root)
    target = ws.root.joinpath(*parts)
    for depth in range(1, len(parts)):
        above = ws.root.joinpath(*parts[:depth])
        if above.is_symlink() or not (above.resolve().is_relative_to(ws.root)):
            return None, _("Mappen {folder} peker ut av {root}; velg en annen.").format(
                folder="/".join(parts[:depth]), root=ws.root.name or ws.root)
        if (above / ROUND_FILE).is_file():
            return None, _("Mappen ligger inne i runden {round}; lag den nye runden ved siden av, ikke inni.").format(
                round="/".join(parts[:depth]))
    if os.path.lexists(target):
        return None, _("Mappen {folder} finnes allerede; nye runder lages i en ny mappe.").format(folder="/".join(parts))
    return target, ""


def new_round_checks(ws: Workspace, values: NewRoundValues) -> tuple[dict, Messages]:
    """The form's values checked: what :func:`~kvp_audit.rounds.create_round` is called with, or the messages."""
    errors: dict[str, list[str]] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    h = values.header
    previous = None
    if h["from"]:
        previous = next((e for e in ws.rounds() if e.path == h["from"] and e.round is not None), None)
        if previous is None:
            error("from", _("Velg en av rundene i listen."))
    for name, message in (("name", _("Skriv rundens navn, for eksempel Kvalitetsinnsyn KVP 2027.")),
                          ("county", _("Skriv fylket runden gjelder."))):
        if not h[name] and not h["from"]:
            error(name, message)
    directory, problem = check_new_folder(ws, h["folder"])
    if problem:
        error("folder", problem)
    dates: dict[str, dt.date | None] = {}
    for name in ("period-start", "period-end"):
        try:
            dates[name] = dt.date.fromisoformat(h[name]) if h[name] else None
        except ValueError:
            dates[name] = None
            error(name, _("«{value}» er ikke en dato; skriv ÅÅÅÅ-MM-DD, for eksempel 2027-01-01.").format(value=h[name]))
    offices: list[Office] = []
    seen: set[str] = set()
    for i, row in enumerate(values.offices):
        if not row["id"] and not row["name"]:
            continue
        ident = row["id"] or rounds_slug(row["name"])
        if not row["name"]:
            error(f"office-{i}-name", _("Skriv kontorets navn, for eksempel NAV Fjellby."))
        if not _SLUG.match(ident):
            error(f"office-{i}-id", _("Id-en er kontorets mappenavn: små bokstaver (a–z), tall og bindestrek, "
                                      "for eksempel nav-fjellby."))
        elif ident in seen:
            error(f"office-{i}-id", _("Id-en {id} er brukt av et annet kontor her.").format(id=ident))
        elif row["name"]:
            offices.append(Office(id=ident, name=row["name"]))
        seen.add(ident)
    if not offices and not h["from"] and not any(k.startswith("office-") for k in errors):
        error("office-0-name", _("Legg til minst ett kontor, eller lag runden fra en tidligere runde."))
    choices = {scope: {ref for ref, _label in checklist_choices(ws.library, scope)} for scope in CHECKLIST_SCOPES}
    for scope in CHECKLIST_SCOPES:
        ref = values.checklists[scope]
        if ref and ref not in choices[scope]:
            error(f"checklist-{scope}", _("Velg en av sjekklistene i listen."))
    if not errors and directory is not None:
        from ..rounds import default_period

        try:
            start, end = default_period(directory, dates["period-start"], dates["period-end"])
        except KvpAuditError as exc:
            error("period-end", exc.message)
        else:
            dates = {"period-start": start, "period-end": end}
    call = {"directory": directory, "name": h["name"] or None, "county": h["county"] or None, "offices": offices,
            "from_round": previous.folder if previous is not None else None,
            "start": dates.get("period-start"), "end": dates.get("period-end"),
            "case_checklist": values.checklists["case"] or None,
            "office_checklist": values.checklists["office"] or None,
            "followup_checklist": values.checklists["followup"] or None}
    return call, Messages(errors=errors)


def rounds_slug(name: str) -> str:
    """An office id from its name, as ``--office "NAV Fjellby"`` makes it (nav-fjellby)."""
    from ..rounds import slug

    return slug(name)


def checklist_choices(library, scope: str) -> list[tuple[str, str]]:
    """The checklists of one scope in ``library``, as (ref, label), newest version first for each id."""
    out = []
    for ref in sorted(library.refs(), reverse=True):
        checklist, _problems = library.get(ref)
        if checklist is not None and checklist.scope.value == scope:
            out.append((ref, "{title} ({ref})".format(title=checklist.title, ref=ref)))
    return out


def render_new_round(values: NewRoundValues, messages: Messages, status: int = 200, notice: str = "",
                     general: list[str] = (), refused: bool = False):
    from ..rounds import DEFAULT_CHECKLISTS

    ws = workspace()
    h = values.header
    header = [
        form_field("name", _("Rundens navn"), h["name"], messages, required=not h["from"]),
        form_field("county", _("Fylke"), h["county"], messages, required=not h["from"]),
        form_field("folder", _("Mappe"), h["folder"], messages, required=True,
                   help=_("Mappen runden lages i, inne i {root}, for eksempel fiktivfylke/2027. Den må være ny.")
                   .format(root=ws.root.name or ws.root)),
    ]
    period = [
        form_field("period-start", _("Perioden begynner"), h["period-start"], messages, "date",
                   help=_("Tom: 1. januar i året mappenavnet har (2027 gir 2027-01-01), ellers i år.")),
        form_field("period-end", _("Perioden slutter"), h["period-end"], messages, "date",
                   help=_("Tom: 31. desember samme år.")),
    ]
    previous = [(e.path, "{name} ({county}, {start} – {end})".format(
        name=e.round.name, county=e.round.county, start=e.round.period.start.isoformat(),
        end=e.round.period.end.isoformat())) for e in ws.rounds() if e.round is not None]
    start_from = form_field("from", _("Fra forrige runde"), h["from"], messages, "select",
                            options=[("", _("Ingen: en helt ny runde"))] + previous,
                            help=_("Med en tidligere runde får den nye runden de samme kontorene, fylket og "
                                   "sjekklistene (nyeste versjon), og funnene som ikke er lukket føres videre, "
                                   "som «kvp-audit new round --from». Navn og fylke kan da stå tomme."))
    scope_labels = {"case": _("Sjekkliste for saker"), "office": _("Sjekkliste for kontorvurderingen"),
                    "followup": _("Sjekkliste for oppfølging")}
    checklists = []
    for scope in CHECKLIST_SCOPES:
        default = ws.library.newest(DEFAULT_CHECKLISTS[scope])
        standard = _("Standard: nyeste versjon ({ref})").format(ref=default) if default else _("Standard")
        checklists.append(form_field(f"checklist-{scope}", scope_labels[scope], values.checklists[scope], messages,
                                     "select", options=[("", standard)] + checklist_choices(ws.library, scope)))
    offices = [{"index": i,
                "id": form_field(f"office-{i}-id", _("Kontor {n}, id").format(n=i + 1), row["id"], messages),
                "name": form_field(f"office-{i}-name", _("Kontor {n}, navn").format(n=i + 1), row["name"], messages)}
               for i, row in enumerate(values.offices)]
    fields = header + period + [start_from] + [f for o in offices for f in (o["name"], o["id"])] + checklists
    return render_template("newround.html.j2", title=_("Ny runde"), header=header, period=period,
                           start_from=start_from, offices=offices, checklists=checklists,
                           summary=error_summary(fields), general_errors=list(general), notice=notice,
                           refused=refused, folder=ws.root.name or str(ws.root)), status


def new_round_form():
    """GET: the form for a new round. POST: «Legg til kontor» shows it again with a row more;
    «Lag runden» makes the round as ``kvp-audit new round`` does and goes to its page."""
    from ..rounds import create_round

    if request.method == "GET":
        return render_new_round(NewRoundValues(), Messages())
    values = NewRoundValues.from_form(request.form)
    action = request.form.get("action", "create")
    if action not in ("create", "add-office"):
        abort(400, _("skjemaet er ufullstendig; last siden på nytt"))
    refused = refused_fields(values)
    if refused:
        return render_new_round(values.masked(refused), Messages(errors={k: [v] for k, v in refused.items()}),
                                status=422, refused=True)
    if action == "add-office":
        values.offices.append({"id": "", "name": ""})
        return render_new_round(values, Messages(), notice=_("En tom rad for et nytt kontor er lagt til. "
                                                             "Ingenting er laget ennå."))
    call, messages = new_round_checks(workspace(), values)
    if messages.has_errors:
        return render_new_round(values, messages, status=422)
    reviewers = [r for r in re.split(r"[,;\s]+", session.get("reviewers", "")) if r] or ["XX"]
    try:
        created = create_round(**call, reviewers=reviewers)
    except KvpAuditError as exc:
        return render_new_round(values, messages, status=422,
                                general=[exc.message, *(p.format() for p in exc.problems)])
    finally:
        i18n.set_language(g.lang)
    ws = workspace()
    rel = call["directory"].relative_to(ws.root).as_posix()
    ws.rounds()
    flash(ngettext("Runden «{name}» er laget i {folder}, med {n} kontor.",
                   "Runden «{name}» er laget i {folder}, med {n} kontorer.",
                   len(created.round.offices)).format(name=created.round.name, folder=rel,
                                                       n=len(created.round.offices)))
    if created.previous_name is not None:
        flash(ngettext("{n} funn fra {round} er ikke lukket og er ført videre.",
                       "{n} funn fra {round} er ikke lukket og er ført videre.",
                       created.carried_count).format(n=created.carried_count, round=created.previous_name))
        for fid in created.unmapped:
            flash(_("{id}: kriteriet finnes ikke i den nye sjekklisten og ingen kriterier erstatter det; "
                    "sjekk funnet for hånd").format(id=fid))
    return redirect(ROUND_PREFIX + quote(rel) + "/", code=303)


ROUTES = (
    ("/", start_page, ["GET"]),
    ("/ny-runde", new_round_form, ["GET", "POST"]),
    ("/runde/<path:rel>", broken_round, ["GET", "POST"]),
)
