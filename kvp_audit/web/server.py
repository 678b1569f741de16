"""Run the web form on this machine: ``kvp-audit serve``.

Werkzeug's server, with a thread per connection (browsers keep idle connections open)
but one request at a time through the app, so two saves never interleave. A request's
body is read whole, within a size limit and a read timeout, *before* it waits for its
turn: a client that announces more than it sends holds up no one but itself.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Callable

from ..errors import UsageError
from ..i18n import _, set_language
from .app import LOOPBACK_HOSTS, MAX_BODY_BYTES, create_app, web_state

READ_TIMEOUT = 10.0  # seconds a client may leave the server waiting for the rest of a request


class _OneAtATime:
    """WSGI middleware: requests pass through the app one at a time, each with its body already read."""

    def __init__(self, app, max_body: int = MAX_BODY_BYTES):
        self.app = app
        self.max_body = max_body
        self.lock = web_state(app).lock

    def __call__(self, environ, start_response):
        try:
            complete = _read_body(environ, self.max_body)
        except TimeoutError:
            return _plain(start_response, "408 Request Timeout", _("forespørselen kom ikke fram i tide; prøv igjen"))
        if not complete:
            return _plain(start_response, "400 Bad Request", _("forespørselen ble brutt før hele skjemaet kom fram"))
        with self.lock:
            return list(self.app(environ, start_response))


def _read_body(environ, max_body: int) -> bool:
    """Replace the request's input stream by its body, read now (False: the client sent less than it said).

    A body announced as larger than ``max_body`` is not read: the app answers 413 from
    the header alone. A chunked body is read up to one byte past the limit, so the app
    sees that it is too large.
    """
    stream = environ.get("wsgi.input")
    if stream is None:
        return True
    if environ.get("wsgi.input_terminated"):
        environ["wsgi.input"] = io.BytesIO(stream.read(max_body + 1))
        return True
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0 or length > max_body:
        environ["wsgi.input"] = io.BytesIO(b"")
        return True
    body = bytearray()
    while len(body) < length:
        chunk = stream.read(length - len(body))
        if not chunk:
            return False
        body += chunk
    environ["wsgi.input"] = io.BytesIO(bytes(body))
    return True


def _plain(start_response, status: str, message: str) -> list[bytes]:
    body = (message + "\n").encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                            ("Connection", "close")])
    return [body]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def make_server(round_dir: Path, host: str = "127.0.0.1", port: int = 8000, lang: str = "nb",
                reports_dir: Path | None = None, read_timeout: float = READ_TIMEOUT):
    """Create (bind) the server for a round; ``port=0`` picks a free port.

    ``read_timeout`` bounds every read from a client's socket (request line, headers, body).
    """
    from werkzeug.serving import WSGIRequestHandler
    from werkzeug.serving import make_server as werkzeug_server

    class QuietHandler(WSGIRequestHandler):
        timeout = read_timeout  # socketserver sets it on the connection before the request is read

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
