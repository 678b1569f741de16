"""`kvp-audit serve --lan`: HTTPS with a certificate made at start, pairing with a one-time
code, 403 before pairing, and the loopback-only default.

Only loopback addresses are used: 127.0.0.2 plays "the laptop's network address"
(``--host 127.0.0.2`` or ``KVP_AUDIT_LAN_ADDRESS``). No test sends anything to the
machine's real or private addresses.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytest.importorskip("flask")
pytest.importorskip("cryptography")
pytest.importorskip("segno")

from click.testing import CliRunner  # noqa: E402

from kvp_audit.cli import main  # noqa: E402
from kvp_audit.errors import UsageError  # noqa: E402
from kvp_audit.web import pairing as pairing_module  # noqa: E402
from kvp_audit.web.app import create_app  # noqa: E402
from kvp_audit.web.pairing import Pairing, fingerprint, install, make_certificate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
OFFICE = "nav-bergtun"
CASE = "K-3RRV79"
CASE_URL = f"/kontor/{OFFICE}/sak/{CASE}"
ADDRESS = "127.0.0.2"
BASE = f"https://{ADDRESS}/"

NOT_PAIRED = "Denne enheten er ikke koblet til skjemaet ennå."
USED = ("Denne koden er allerede brukt: hver kode kobler til én enhet. "
        "Bruk den nye koden som står i terminalen på maskinen som kjører skjemaet.")
EXPIRED = "Koden er utløpt. Stopp serveren med Ctrl-C og start den på nytt for å få en ny kode."
BLOCKED = ("For mange feil koder: tilkobling er sperret. "
           "Stopp serveren med Ctrl-C og start den på nytt for å få en ny kode.")
INSECURE_WARNING = ("Advarsel: med --insecure-http går skjemaet, svarene og tilkoblingskoden ukryptert over "
                    "nettverket, og alle på samme nett kan lese og endre dem. Bruk det bare på et nett du stoler "
                    "på, og helst ikke: uten flagget brukes HTTPS.")


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def lan(round_dir, tmp_path):
    """An app that needs pairing, as `serve --lan` makes it; yields (app, pairing, clock, codes printed)."""
    clock = Clock()
    printed: list[str] = []
    pairing = Pairing(secure=True, clock=clock, on_new_code=printed.append)
    app = create_app(round_dir, reports_dir=tmp_path / "reports", allowed_hosts=(ADDRESS,), report_formats=("html",))
    install(app, pairing)
    app.config["TESTING"] = True
    return app, pairing, clock, printed


def client(app):
    return app.test_client()


def pair(c, code: str):
    return c.get(f"/koble?kode={code}", base_url=BASE)


# --------------------------------------------------------------------------- refusal before pairing


def test_a_device_that_has_not_paired_gets_403_on_every_page(lan, round_dir):
    app, _, _, _ = lan
    c = client(app)
    case_file = round_dir / "saker" / OFFICE / f"{CASE}.yaml"
    before = case_file.read_bytes() if case_file.exists() else None
    for path in ("/", f"/kontor/{OFFICE}", CASE_URL, f"/kontor/{OFFICE}/oppfolging", "/finnes-ikke"):
        response = c.get(path, base_url=BASE)
        assert response.status_code == 403, path
        page = response.get_data(as_text=True)
        assert NOT_PAIRED in page and "Koble til skjemaet" in page
        assert "NAV Bergtun" not in page and "Fiktivfylke" not in page  # nothing of the round
    posted = c.post(CASE_URL, data={"answer.SV-01": "ja"}, base_url=BASE)
    assert posted.status_code == 403
    assert (case_file.read_bytes() if case_file.exists() else None) == before
    # The page's stylesheet is the package's own, served without pairing.
    assert c.get("/static/kvp.css", base_url=BASE).status_code == 200


def test_the_refusal_page_says_how_to_pair_in_the_chosen_language(lan):
    app, _, _, _ = lan
    page = client(app).get("/?lang=nn", base_url=BASE).get_data(as_text=True)
    assert '<html lang="nn">' in page
    assert "Denne eininga er ikkje kopla til skjemaet enno." in page
    page = client(app).get("/", base_url=BASE).get_data(as_text=True)
    assert "Skann QR-koden med nettbrettets kamera, eller skriv inn koden nedenfor." in page
    assert 'action="/koble"' in page and 'name="kode"' in page


def test_a_forged_cookie_is_refused(lan):
    app, pairing, _, _ = lan
    c = client(app)
    c.set_cookie(pairing.cookie_name, "gjettet-verdi", domain=ADDRESS)
    assert c.get("/", base_url=BASE).status_code == 403


# --------------------------------------------------------------------------- pairing


def test_pairing_sets_a_secure_httponly_strict_session_cookie(lan):
    app, pairing, _, printed = lan
    c = client(app)
    code = pairing.code
    response = pair(c, code[:4] + "-" + code[4:])
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(pairing.cookie_name + "="))
    flags = [part.strip() for part in cookie.split(";")]
    assert "Secure" in flags and "HttpOnly" in flags and "SameSite=Strict" in flags and "Path=/" in flags
    assert not any(f.lower().startswith(("expires", "max-age")) for f in flags)  # gone when the browser closes
    page = c.get("/", base_url=BASE)
    assert page.status_code == 200 and "NAV Bergtun" in page.get_data(as_text=True)
    case_page = c.get(CASE_URL, base_url=BASE)
    assert case_page.status_code == 200
    # Flask's own session cookie (CSRF, language) is Secure too.
    session_cookie = next(h for h in case_page.headers.getlist("Set-Cookie") if h.startswith("kvp_audit_"))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Strict" in session_cookie
    # A fresh code for the next device is printed; the paired device going back to /koble just goes on.
    assert len(printed) == 1 and printed[0] == pairing.code != code
    assert pair(c, "").headers["Location"] == "/"


def test_a_code_typed_in_small_letters_with_a_space_pairs(lan):
    app, pairing, _, _ = lan
    c = client(app)
    assert pair(c, pairing.code[:4].lower() + "%20" + pairing.code[4:].lower()).status_code == 303
    assert c.get("/", base_url=BASE).status_code == 200


def test_a_used_code_pairs_no_second_device(lan):
    app, pairing, _, printed = lan
    first, second = client(app), client(app)
    code = pairing.code
    assert pair(first, code).status_code == 303
    refused = pair(second, code)
    assert refused.status_code == 403 and USED in refused.get_data(as_text=True)
    assert second.get("/", base_url=BASE).status_code == 403
    assert pairing.wrong == 0  # reusing a code is not guessing
    # The code printed for the next device works, once.
    assert pair(second, printed[0]).status_code == 303
    assert second.get("/", base_url=BASE).status_code == 200


def test_an_expired_code_is_refused(lan):
    app, pairing, clock, _ = lan
    c = client(app)
    clock.now += 10 * 60 + 1
    refused = pair(c, pairing.code)
    assert refused.status_code == 403 and EXPIRED in refused.get_data(as_text=True)
    assert c.get("/", base_url=BASE).status_code == 403


def test_a_code_still_pairs_just_before_it_expires(lan):
    app, pairing, clock, _ = lan
    clock.now += 10 * 60 - 1
    assert pair(client(app), pairing.code).status_code == 303


def test_five_wrong_codes_block_pairing_until_restart(lan):
    app, pairing, _, _ = lan
    c = client(app)
    for left in (4, 3, 2, 1):
        page = pair(c, "AAAA-AAAA").get_data(as_text=True)
        assert f"Koden stemmer ikke. Du har {left} forsøk igjen." in page
    last = pair(c, "AAAA-AAAA")
    assert last.status_code == 403 and BLOCKED in last.get_data(as_text=True)
    assert 'name="kode"' not in last.get_data(as_text=True)  # no form to type into
    # Now even the right code is refused, from any device.
    right = pair(client(app), pairing.code)
    assert right.status_code == 403 and BLOCKED in right.get_data(as_text=True)


def test_the_code_is_compared_in_constant_time(monkeypatch):
    calls = []
    real = pairing_module.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(pairing_module.hmac, "compare_digest", spy)
    p = Pairing()
    code = p.code
    p.pair("ZZZZZZZZ")
    assert (b"ZZZZZZZZ", code.encode()) in calls


def test_codes_are_random_and_readable():
    codes = {Pairing().code for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", code)


# --------------------------------------------------------------------------- checks that stay


def test_the_host_check_still_applies(lan):
    app, pairing, _, _ = lan
    c = client(app)
    assert c.get("/", base_url="https://evil.example/").status_code == 400  # before pairing, too
    assert pair(c, pairing.code).status_code == 303
    assert c.get("/", base_url=BASE).status_code == 200
    assert c.get("/", base_url=BASE, headers={"Host": "evil.example"}).status_code == 400
    assert c.get("/", base_url=BASE, headers={"Host": "127.0.0.1"}).status_code == 400


def test_csrf_still_applies_to_a_paired_device(lan, round_dir):
    app, pairing, _, _ = lan
    c = client(app)
    pair(c, pairing.code)
    c.get(CASE_URL, base_url=BASE)
    refused = c.post(CASE_URL, data={"answer.SV-01": "nei"}, base_url=BASE)
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)


# --------------------------------------------------------------------------- the certificate


def test_the_certificate_is_for_the_address_short_lived_and_its_key_not_left_on_disk(monkeypatch):
    from cryptography import x509

    folders = []
    real_mkdtemp = pairing_module.tempfile.mkdtemp

    def spy(*args, **kwargs):
        folder = real_mkdtemp(*args, **kwargs)
        folders.append((Path(folder), os.stat(folder).st_mode & 0o777))
        return folder

    monkeypatch.setattr(pairing_module.tempfile, "mkdtemp", spy)
    made = make_certificate(ADDRESS)
    assert len(folders) == 1 and folders[0][1] == 0o700 and not folders[0][0].exists()
    now = datetime.now(timezone.utc)
    assert now + timedelta(hours=11) < made.not_after <= now + timedelta(hours=12, minutes=1)
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", made.fingerprint)
    # The SAN holds the address, so a client that checks the name accepts it.
    with _served(made.context) as port:
        der = _peer_der(port)
    cert = x509.load_der_x509_certificate(der)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == [ADDRESS]
    assert fingerprint(der) == made.fingerprint
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


class _served:
    """A one-connection TLS server on 127.0.0.2 in a thread."""

    def __init__(self, context):
        self.context = context

    def __enter__(self):
        import threading

        self.sock = socket.socket()
        self.sock.bind((ADDRESS, 0))
        self.sock.listen(1)

        def accept():
            conn, _ = self.sock.accept()
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                pass

        self.thread = threading.Thread(target=accept, daemon=True)
        self.thread.start()
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.thread.join(5)
        self.sock.close()


def _peer_der(port: int) -> bytes:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((ADDRESS, port), timeout=10) as raw:
        with context.wrap_socket(raw) as tls:
            return tls.getpeercert(binary_form=True)


# --------------------------------------------------------------------------- the real server


def _start(round_dir: Path, *args: str, env: dict | None = None):
    """Start `serve`; read its output up to "Trykk Ctrl-C"; return (process, lines printed)."""
    environment = {**os.environ, **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "kvp_audit.cli", "serve", str(round_dir), "--port", "0",
                             "--no-browser", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environment)
    lines = []
    while True:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("".join(lines) + proc.stderr.read())
        lines.append(line.rstrip("\n"))
        if line.startswith("Trykk Ctrl-C"):
            return proc, lines


def _stop(proc, lines: list[str] | None = None) -> tuple[str, str]:
    """Ctrl-C, once the server answers (before that, Ctrl-C ends the command as "avbrutt")."""
    if lines:
        match = re.search(r"https?://([\d.]+):(\d+)/", lines[0])
        host = "127.0.0.1" if match.group(1) == "0.0.0.0" else match.group(1)
        with socket.create_connection((host, int(match.group(2))), timeout=10) as probe:
            probe.sendall(b"GET /static/kvp.css HTTP/1.0\r\n\r\n")
            probe.recv(1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    return out, err


def _modules(lines: list[str]) -> list[list[int]]:
    """The QR code's modules (1 dark) read back from half-block lines."""
    halves = {" ": (0, 0), "█": (1, 1), "▀": (1, 0), "▄": (0, 1)}
    rows = []
    for line in lines:
        pairs = [halves[ch] for ch in line]
        rows += [[top for top, _ in pairs], [bottom for _, bottom in pairs]]
    return rows


def _modules_of(url: str) -> list[list[int]]:
    import segno

    rows = [[1 if m else 0 for m in row] for row in segno.make(url, error="m", micro=False).matrix_iter(border=2)]
    return rows + [[0] * len(rows[0])] * (len(rows) % 2)


def test_the_qr_code_is_black_on_white_whatever_the_terminal_colours():
    from kvp_audit.web.pairing import qr_text

    url = "https://127.0.0.2:8443/koble?kode=ABCD-EFGH"
    lines = qr_text(url).split("\n")
    assert all(line.startswith("\x1b[30;107m") and line.endswith("\x1b[0m") for line in lines)
    assert _modules([line[len("\x1b[30;107m"):-len("\x1b[0m")] for line in lines]) == _modules_of(url)


def _verifying_context(der: bytes) -> ssl.SSLContext:
    """A client context that trusts exactly this certificate and checks the address in it."""
    context = ssl.create_default_context(cadata=ssl.DER_cert_to_PEM_cert(der))
    context.check_hostname = True
    return context


def test_lan_serves_https_whose_fingerprint_is_the_one_printed(round_dir):
    proc, lines = _start(round_dir, "--lan", env={"KVP_AUDIT_LAN_ADDRESS": ADDRESS})
    try:
        match = re.fullmatch(r"Skjemaet for .+ er klart på https://127\.0\.0\.2:(\d+)/", lines[0])
        assert match, lines
        port = int(match.group(1))
        assert lines[1] == "Åpne denne adressen på nettbrettet (engangskode, gyldig i 10 minutter):"
        link = re.fullmatch(rf"  https://127\.0\.0\.2:{port}/koble\?kode=([A-Z2-9]{{4}}-[A-Z2-9]{{4}})", lines[2])
        assert link, lines
        code = link.group(1)
        assert lines[3] == f"Engangskode: {code}"
        assert lines[4] == "Sertifikatets SHA-256-fingeravtrykk (sammenlign med det nettbrettet viser):"
        printed = lines[5].strip()
        qr = lines[6:-1]
        assert _modules(qr) == _modules_of(link.group(0).strip())  # the QR code holds the pairing URL
        assert lines[-1] == "Trykk Ctrl-C for å stoppe."

        # A browser that does not (yet) trust the certificate hangs up; the server goes on, quietly.
        with pytest.raises(ssl.SSLCertVerificationError):
            with socket.create_connection((ADDRESS, port), timeout=10) as raw:
                ssl.create_default_context().wrap_socket(raw, server_hostname=ADDRESS)
        der = _peer_der(port)
        assert fingerprint(der) == printed
        conn = http.client.HTTPSConnection(ADDRESS, port, timeout=10, context=_verifying_context(der))
        conn.request("GET", "/")
        refused = conn.getresponse()
        assert refused.status == 403 and NOT_PAIRED in refused.read().decode()
        conn.request("GET", f"/koble?kode={code}")
        paired = conn.getresponse()
        paired.read()
        assert paired.status == 303
        cookie = paired.getheader("Set-Cookie").split(";")[0]
        conn.request("GET", "/", headers={"Cookie": cookie})
        page = conn.getresponse()
        assert page.status == 200 and "NAV Fjellby" in page.read().decode()
        conn.close()
        # Plain HTTP on the same port gets no form.
        with socket.create_connection((ADDRESS, port), timeout=10) as raw:
            raw.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.2\r\n\r\n")
            assert b"NAV Fjellby" not in raw.recv(4096)
        # The server listens on the address only, not on 127.0.0.1.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=10).close()
    finally:
        out, err = _stop(proc)
    assert re.search(r"^En enhet er koblet til\. Engangskode for neste enhet: "
                     rf"https://127\.0\.0\.2:{port}/koble\?kode=[A-Z2-9]{{4}}-[A-Z2-9]{{4}}$", out, re.M), out
    assert code not in out.split("neste enhet:")[1]
    assert "Serveren er stoppet." in out
    assert "SSL error" not in err


def test_a_client_that_connects_and_stays_silent_holds_up_no_one(round_dir):
    from kvp_audit.web.server import make_server

    tls = make_certificate(ADDRESS)
    srv = make_server(round_dir, ADDRESS, 0, tls=tls, pairing=Pairing(), read_timeout=30)
    import threading

    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        silent = socket.create_connection((ADDRESS, srv.server_port), timeout=10)
        time.sleep(0.2)
        conn = http.client.HTTPSConnection(ADDRESS, srv.server_port, timeout=5,
                                           context=_verifying_context(_peer_der(srv.server_port)))
        conn.request("GET", "/")
        assert conn.getresponse().status == 403
        conn.close()
        silent.close()
    finally:
        srv.shutdown()
        srv.server_close()


def test_plain_http_on_the_network_needs_the_flag_and_warns(round_dir):
    proc, lines = _start(round_dir, "--lan", "--insecure-http", "--host", ADDRESS)
    try:
        match = re.fullmatch(r"Skjemaet for .+ er klart på (http://127\.0\.0\.2:\d+/)", lines[0])
        assert match, lines
        assert not any("fingeravtrykk" in line for line in lines)
        conn = http.client.HTTPConnection(ADDRESS, int(match.group(1).rsplit(":", 1)[1].strip("/")), timeout=10)
        conn.request("GET", "/")
        response = conn.getresponse()
        assert response.status == 403  # pairing still applies
        code = re.search(r"kode=([A-Z2-9-]{9})", lines[2]).group(1)
        conn.request("GET", f"/koble?kode={code}")
        paired = conn.getresponse()
        paired.read()
        cookie = paired.getheader("Set-Cookie")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
        conn.close()
    finally:
        out, err = _stop(proc)
    assert INSECURE_WARNING in " ".join(err.split())


def test_insecure_http_without_lan_is_refused(round_dir):
    result = CliRunner().invoke(main, ["serve", str(round_dir), "--insecure-http", "--no-browser"])
    assert result.exit_code == 2
    assert "--insecure-http gjelder bare sammen med --lan" in result.output


def test_lan_on_all_interfaces_is_refused(round_dir):
    result = CliRunner().invoke(main, ["serve", str(round_dir), "--lan", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert ("--lan trenger én adresse som nettbrettet kan nå, ikke 0.0.0.0; la --host være, "
            "eller oppgi maskinens adresse på nettverket") in " ".join(result.output.split())


def test_host_without_lan_keeps_its_warning_and_needs_no_pairing(round_dir):
    proc, lines = _start(round_dir, "--host", ADDRESS.replace(".2", ".3"))
    try:
        url = re.search(r"(http://\S+)", lines[0]).group(1)
        conn = http.client.HTTPConnection("127.0.0.3", int(url.rsplit(":", 1)[1].strip("/")), timeout=10)
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        _stop(proc, lines)
    proc, lines = _start(round_dir, "--host", "0.0.0.0")
    _, err = _stop(proc, lines)
    assert "Advarsel: med --host 0.0.0.0 kan andre maskiner på nettverket åpne skjemaet og endre filene." in err


def test_the_default_stays_on_loopback_only(round_dir):
    from kvp_audit.web.server import make_server

    srv = make_server(round_dir)
    try:
        assert srv.socket.getsockname()[0] == "127.0.0.1"
        assert pairing_module.PAIRING_KEY not in srv.kvp_app.extensions
    finally:
        srv.server_close()
    proc, lines = _start(round_dir)
    try:
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", lines[0]).group(1))
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((ADDRESS, port), timeout=10).close()
        assert "koble" not in "\n".join(lines) and len(lines) == 2
    finally:
        _stop(proc, lines)


def test_without_a_network_address_lan_says_what_to_do(monkeypatch):
    class NoRoute:
        def __init__(self, *args):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def connect(self, address):
            raise OSError("Network is unreachable")

    monkeypatch.delenv("KVP_AUDIT_LAN_ADDRESS", raising=False)
    monkeypatch.setattr(pairing_module.socket, "socket", NoRoute)
    with pytest.raises(UsageError) as caught:
        pairing_module.find_lan_address()
    assert caught.value.message == ("fant ingen nettverksadresse på denne maskinen; koble til kontorets trådløse nett, "
                                    "eller oppgi adressen med --host")


def test_serve_help_shows_lan_with_examples():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "kvp-audit serve runder/2026 --lan" in text
    assert "kvp-audit serve runder/2026 --lan --host 192.168.1.20 --port 8443" in text
    for option in ("--lan", "--insecure-http", "--host"):
        assert option in text


def test_readme_explains_the_certificate_warning_and_the_fingerprint():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("#### Nettbrett på kontoret", 1)[1].split("\n#", 1)[0]
    for words in ("fingeravtrykk", "SHA-256", "--insecure-http", "engangskode", "Safari", "Chrome"):
        assert words in section


# --------------------------------------------------------------------------- in a real browser


@pytest.fixture
def lan_server(round_dir, tmp_path):
    """The real `--lan` server (HTTPS, pairing) on 127.0.0.2 in a thread; yields (url, pairing)."""
    import threading

    from kvp_audit.web.server import make_server, url_of

    pairing = Pairing()
    srv = make_server(round_dir, ADDRESS, 0, reports_dir=tmp_path / "reports", tls=make_certificate(ADDRESS),
                      pairing=pairing)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield url_of(srv, ADDRESS, "https").rstrip("/"), pairing
    srv.shutdown()
    srv.server_close()


def test_a_browser_pairs_by_typing_the_code_and_the_pairing_page_passes_axe(lan_server):
    from test_web_browser import ARGS, CHROMIUM, axe_violations

    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    url, pairing = lan_server
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(locale="nb-NO", ignore_https_errors=True, bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(20_000)
            response = page.goto(f"{url}/kontor/{OFFICE}")
            assert response.status == 403
            assert axe_violations(page) == []
            page.goto(f"{url}/koble?kode=AAAA-AAAA")
            assert page.locator("[role=alert]").inner_text() == "Koden stemmer ikke. Du har 4 forsøk igjen."
            assert axe_violations(page) == []
            page.fill("#f-code", pairing.code.lower())
            page.click("button[type=submit]")
            page.wait_for_selector("text=NAV Bergtun")
            assert page.url == f"{url}/"
            cookie = next(c for c in context.cookies() if c["name"] == pairing.cookie_name)
            assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            assert cookie["expires"] == -1  # a session cookie
            assert page.goto(f"{url}/kontor/{OFFICE}").status == 200
            # Another browser (no cookie) is still refused.
            other = browser.new_context(ignore_https_errors=True).new_page()
            assert other.goto(f"{url}/").status == 403
        finally:
            browser.close()
