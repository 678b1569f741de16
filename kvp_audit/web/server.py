"""Run the web form on this machine: ``kvp-audit serve``.

Werkzeug's server, with a thread per connection (browsers keep idle connections open)
but one request at a time through the app, so two saves never interleave. A request's
body is read whole, within a size limit and a read timeout, *before* it waits for its
turn: a client that announces more than it sends holds up no one but itself.

``serve --lan`` binds the network address instead, with HTTPS and pairing (pairing.py).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Callable

from ..errors import UsageError
from ..i18n import _, ngettext, set_language
from .app import create_app
from .core import LOOPBACK_HOSTS, MAX_BODY_BYTES, web_state
from .pairing import Pairing, ServerCertificate, find_lan_address, install, make_certificate, pair_url, qr_text, show_code
from .workspace import Workspace, is_round_folder

READ_TIMEOUT = 10.0  # seconds a client may leave the server waiting for the rest of a request


class _OneAtATime:
    """WSGI middleware: requests pass through the app one at a time, each with its body already read."""

    def __init__(self, app, max_body: int = MAX_BODY_BYTES, lock: threading.Lock | None = None):
        self.app = app
        self.max_body = max_body
        self.lock = lock if lock is not None else web_state(app).lock

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
                reports_dir: Path | None = None, read_timeout: float = READ_TIMEOUT,
                tls: ServerCertificate | None = None, pairing: Pairing | None = None):
    """Create (bind) the server for a round; ``port=0`` picks a free port.

    ``read_timeout`` bounds every read from a client's socket (request line, headers, body,
    and with ``tls`` the TLS handshake). With ``pairing`` (``serve --lan``) the Host header
    must name ``host`` and every page needs a paired device.
    """
    from werkzeug.serving import WSGIRequestHandler
    from werkzeug.serving import make_server as werkzeug_server

    class QuietHandler(WSGIRequestHandler):
        timeout = read_timeout  # socketserver sets it on the connection before the request is read

        def log_request(self, *args, **kwargs):  # the terminal is for the reviewer, not a log
            pass

        def log_error(self, format, *args):
            # A browser that has not yet accepted the certificate hangs up mid-handshake: not news.
            if not (tls is not None and format.startswith("SSL error")):
                super().log_error(format, *args)

    if pairing is not None:
        allowed: tuple[str, ...] | None = (host,)
    else:
        allowed = tuple(dict.fromkeys((*LOOPBACK_HOSTS, host))) if is_loopback(host) else None
    if is_round_folder(Path(round_dir)):
        app = create_app(round_dir, lang=lang, reports_dir=reports_dir, allowed_hosts=allowed)
        if pairing is not None:
            install(app, pairing)
        wsgi = _OneAtATime(app)
        ws = None
    else:
        if pairing is not None:
            raise UsageError(_("--lan gjelder én runde: oppgi rundens mappe, for eksempel "
                               "'kvp-audit serve runder/2026 --lan'"))
        folder = Path(round_dir)
        if not folder.is_dir():
            raise UsageError(_("fant ikke mappen '{path}'").format(path=folder))
        ws = Workspace(folder, lang=lang, allowed_hosts=allowed)
        app = ws.app
        wsgi = _OneAtATime(ws, lock=ws.lock)
    try:
        server = werkzeug_server(host, port, wsgi, threaded=True, request_handler=QuietHandler)
    except (OSError, SystemExit) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(_("kan ikke starte serveren på {host}:{port} ({error}); velg en annen port med --port").format(
            host=host, port=port, error=detail)) from None
    if tls is not None:
        # Not werkzeug's ssl_context: it shakes hands in accept(), in the one thread that
        # accepts, so a client that connects and stays silent would stop the server. Here the
        # handshake happens on the first read, in the connection's own thread, within its timeout.
        server.socket = tls.context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        server.ssl_context = tls.context  # werkzeug: wsgi.url_scheme is https
    server.kvp_app = app
    server.kvp_workspace = ws
    return server


def url_of(server, host: str, scheme: str = "http") -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"{scheme}://{shown}:{server.server_port}/"


def serve(round_dir: Path, host: str | None = "127.0.0.1", port: int = 8000, open_browser: bool = True,
          lang: str = "nb", echo: Callable[[str], None] = print, warn: Callable[[str], None] = print,
          lan: bool = False, insecure_http: bool = False) -> None:
    """Serve the form until Ctrl-C; open the browser unless told not to.

    With ``lan`` the form is served for a tablet on the network (see :func:`lan_server`);
    ``host`` None means 127.0.0.1, or with ``lan`` this machine's network address.
    """
    if insecure_http and not lan:
        raise UsageError(_("--insecure-http gjelder bare sammen med --lan"))
    if lan:
        server, url = lan_server(round_dir, host, port, lang, echo, warn, insecure_http)
    else:
        host = host or "127.0.0.1"
        if not is_loopback(host):
            warn(_("Advarsel: med --host {host} kan andre maskiner på nettverket åpne skjemaet og endre filene. "
                   "Skjemaet har ingen innlogging; bruk standardverdien 127.0.0.1 med mindre du vet hva du gjør.").format(
                host=host))
        server = make_server(round_dir, host, port, lang)
        url = url_of(server, host)
        if getattr(server, "kvp_workspace", None) is not None:
            found = len(server.kvp_workspace.rounds())
            echo(ngettext("kvp-audit er klart på {url} ({n} runde i {folder})",
                          "kvp-audit er klart på {url} ({n} runder i {folder})", found).format(
                url=url, n=found, folder=server.kvp_workspace.root))
        else:
            echo(_("Skjemaet for {round} er klart på {url}").format(round=web_state(server.kvp_app).site.round.name,
                                                                    url=url))
    echo(_("Trykk Ctrl-C for å stoppe."))
    if open_browser and not lan:  # with --lan the pairing code is for the tablet
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


def lan_server(round_dir: Path, host: str | None, port: int, lang: str, echo: Callable[[str], None],
               warn: Callable[[str], None], insecure_http: bool = False):
    """Bind the form to the network address with HTTPS and pairing; print how a tablet joins.

    Returns the server and its URL. The certificate is made now, for ``host`` (default: the
    address this machine has on its network); a fresh pairing code is printed after each
    device pairs.
    """
    address = host or find_lan_address()
    if address in ("0.0.0.0", "::", ""):
        raise UsageError(_("--lan trenger én adresse som nettbrettet kan nå, ikke {host}; "
                           "la --host være, eller oppgi maskinens adresse på nettverket").format(host=address))
    tls = None if insecure_http else make_certificate(address)
    if insecure_http:
        warn(_("Advarsel: med --insecure-http går skjemaet, svarene og tilkoblingskoden ukryptert over nettverket, "
               "og alle på samme nett kan lese og endre dem. Bruk det bare på et nett du stoler på, "
               "og helst ikke: uten flagget brukes HTTPS."))
    base = {"url": ""}

    def new_code(code: str) -> None:
        echo(_("En enhet er koblet til. Engangskode for neste enhet: {url}").format(url=pair_url(base["url"], code)))

    pairing = Pairing(secure=tls is not None, on_new_code=new_code)
    server = make_server(round_dir, address, port, lang, tls=tls, pairing=pairing)
    url = url_of(server, address, "https" if tls is not None else "http")
    base["url"] = url
    link = pair_url(url, pairing.code)
    minutes = int(pairing.lifetime // 60)
    echo(_("Skjemaet for {round} er klart på {url}").format(round=web_state(server.kvp_app).site.round.name, url=url))
    echo(ngettext("Åpne denne adressen på nettbrettet (engangskode, gyldig i {n} minutt):",
                  "Åpne denne adressen på nettbrettet (engangskode, gyldig i {n} minutter):", minutes).format(n=minutes))
    echo("  " + link)
    echo(_("Engangskode: {code}").format(code=show_code(pairing.code)))
    if tls is not None:
        echo(_("Sertifikatets SHA-256-fingeravtrykk (sammenlign med det nettbrettet viser):"))
        echo("  " + tls.fingerprint)
    echo(qr_text(link))
    return server, url
