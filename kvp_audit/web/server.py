"""Run the web form on this machine: ``kvp-audit serve``.

Werkzeug's server, with a thread per connection (browsers keep idle connections open)
but one request at a time through the app, so two saves never interleave.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from ..errors import UsageError
from ..i18n import _, set_language
from .app import LOOPBACK_HOSTS, create_app, web_state


class _OneAtATime:
    """WSGI middleware: requests pass through the app one at a time."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            # The body is read inside the lock, so a file is never half sent while saved.
            return list(self.app(environ, start_response))


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def make_server(round_dir: Path, host: str = "127.0.0.1", port: int = 8000, lang: str = "nb",
                reports_dir: Path | None = None):
    """Create (bind) the server for a round; ``port=0`` picks a free port."""
    from werkzeug.serving import WSGIRequestHandler
    from werkzeug.serving import make_server as werkzeug_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # the terminal is for the reviewer, not a log
            pass

    allowed = tuple(dict.fromkeys((*LOOPBACK_HOSTS, host))) if is_loopback(host) else None
    app = create_app(round_dir, lang=lang, reports_dir=reports_dir, allowed_hosts=allowed)
    try:
        server = werkzeug_server(host, port, _OneAtATime(app), threaded=True, request_handler=QuietHandler)
    except (OSError, SystemExit) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(_("kan ikke starte serveren på {host}:{port} ({error}); velg en annen port med --port").format(
            host=host, port=port, error=detail)) from None
    server.kvp_app = app
    return server


def url_of(server, host: str) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{server.server_port}/"


def serve(round_dir: Path, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True,
          lang: str = "nb", echo: Callable[[str], None] = print, warn: Callable[[str], None] = print) -> None:
    """Serve the form until Ctrl-C; open the browser unless told not to."""
    if not is_loopback(host):
        warn(_("Advarsel: med --host {host} kan andre maskiner på nettverket åpne skjemaet og endre filene. "
               "Skjemaet har ingen innlogging; bruk standardverdien 127.0.0.1 med mindre du vet hva du gjør.").format(host=host))
    server = make_server(round_dir, host, port, lang)
    url = url_of(server, host)
    echo(_("Skjemaet for {round} er klart på {url}").format(round=web_state(server.kvp_app).site.round.name, url=url))
    echo(_("Trykk Ctrl-C for å stoppe."))
    if open_browser:
        import webbrowser

        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        set_language(lang)  # requests switch the language; the terminal keeps the command's
    echo(_("Serveren er stoppet."))
