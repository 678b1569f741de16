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

import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, abort, g, get_flashed_messages, render_template

from .. import i18n
from ..errors import KvpAuditError
from ..i18n import _
from ..load import ROUND_FILE, load_round_file
from ..models import Round
from .app import create_app
from .core import LANGUAGE_NAMES, LOOPBACK_HOSTS, check_request, csrf_token, error_page, flask_app, security_headers

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
        self.app = create_workspace_app(self)

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
        problem = "" if rnd is not None else "; ".join(p.format() for p in problems) or _("rundefilen kan ikke brukes")
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
    return render_template("start.html.j2", title=_("Rundene"), rounds=ws.rounds(), folder=ws.root.name or str(ws.root))


def broken_round(rel: str):
    """A round whose runde.yaml cannot be used (the dispatcher found no app for it), or no round at all."""
    ws = workspace()
    found = ws._match(rel)
    entry = ws.entry(found) if found is not None else None
    if entry is None:
        abort(404, _("fant ingen runde i {path}").format(path=rel))
    abort(500, _("runden i {path} kan ikke åpnes: {problem}").format(path=entry.path, problem=entry.problem))


ROUTES = (
    ("/", start_page, ["GET"]),
    ("/runde/<path:rel>", broken_round, ["GET", "POST"]),
)
