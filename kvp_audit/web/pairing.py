"""A tablet on the office Wi-Fi joins the form: ``kvp-audit serve ROUND --lan``.

- The server speaks HTTPS with a certificate made at start (:func:`make_certificate`):
  self-signed, for the one address it listens on, valid for a working day. Its key lives
  in memory and, for the moment :mod:`ssl` needs to read it, in a private temporary folder
  that is removed at once.
- A device must pair before it sees any page: it opens the printed URL (or the QR code)
  with a one-time code. The code is compared in constant time, is used once, expires, and
  is blocked after a few wrong tries. Pairing sets a session cookie (Secure, HttpOnly,
  SameSite=Strict) that the server knows; every other request gets 403 and a page that
  says how to pair.
- The Host check and CSRF stay as they are (see :mod:`kvp_audit.web.app`).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import shutil
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Callable

from ..errors import UsageError
from ..i18n import _, ngettext

PAIR_PATH = "/koble"
CODE_PARAM = "kode"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read off a screen and typed on a tablet
CODE_LENGTH = 8
CODE_LIFETIME = 10 * 60.0      # seconds a pairing code can be used
MAX_WRONG_CODES = 5            # wrong codes before pairing is blocked until the server restarts
CERT_LIFETIME = timedelta(hours=12)
COOKIE_PREFIX = "kvp_paired_"
LAN_ADDRESS_ENV = "KVP_AUDIT_LAN_ADDRESS"  # the address --lan uses instead of the one it finds (tests: 127.0.0.2)


# --------------------------------------------------------------------------- the certificate


@dataclass(frozen=True)
class ServerCertificate:
    """A certificate made at start: the TLS context to serve with and what to show the user."""

    context: ssl.SSLContext
    fingerprint: str        # SHA-256 of the certificate, "AB:CD:…" as browsers show it
    not_after: datetime


def make_certificate(address: str, lifetime: timedelta = CERT_LIFETIME) -> ServerCertificate:
    """A self-signed certificate for ``address`` (an IP address or a host name) and a server context for it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    try:
        san: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(address))
    except ValueError:
        san = x509.DNSName(address)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"kvp-audit {address}"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kvp-audit")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))   # a tablet whose clock is a little behind
        .not_valid_after(now + lifetime)
        .add_extension(x509.SubjectAlternativeName([san]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=False, content_commitment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    _load_chain(context, cert_pem, key_pem)
    return ServerCertificate(context=context, fingerprint=fingerprint(cert.public_bytes(serialization.Encoding.DER)),
                             not_after=cert.not_valid_after_utc)


def _load_chain(context: ssl.SSLContext, cert_pem: bytes, key_pem: bytes) -> None:
    """Load the pair into ``context``: :mod:`ssl` reads only files, so they exist for a moment in a private folder."""
    folder = Path(tempfile.mkdtemp(prefix="kvp-audit-tls-"))  # mode 0700: only this user can look inside
    try:
        cert_file, key_file = folder / "cert.pem", folder / "key.pem"
        cert_file.write_bytes(cert_pem)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key_pem)
        context.load_cert_chain(cert_file, key_file)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fingerprint(der: bytes) -> str:
    """The SHA-256 fingerprint of a DER certificate as colon-separated upper-case hex."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


# --------------------------------------------------------------------------- the address


def find_lan_address() -> str:
    """The address this machine has on its network (``KVP_AUDIT_LAN_ADDRESS`` overrides it).

    A UDP socket is "connected" to a documentation address (RFC 5737): the kernel picks the
    route and the source address, and nothing is sent.
    """
    chosen = os.environ.get(LAN_ADDRESS_ENV, "").strip()
    if chosen:
        return chosen
    address = ""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
    except OSError:
        pass
    if not address or address.startswith("127.") or address == "0.0.0.0":
        raise UsageError(_("fant ingen nettverksadresse på denne maskinen; koble til kontorets trådløse nett, "
                           "eller oppgi adressen med --host"))
    return address


# --------------------------------------------------------------------------- pairing


class PairOutcome(str, Enum):
    """What came of one try with a pairing code."""

    PAIRED = "paired"
    WRONG = "wrong"
    USED = "used"
    EXPIRED = "expired"
    BLOCKED = "blocked"

    def __str__(self) -> str:
        return self.value


def normalise_code(text: str) -> str:
    """A code as typed ('abcd-efgh', 'ABCD EFGH') in the form it was made."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def show_code(code: str) -> str:
    """The code in two groups of four, as printed and typed."""
    return code[:4] + "-" + code[4:]


@dataclass
class Pairing:
    """The pairing state of one server: the current one-time code and the sessions it made.

    After a device pairs, a fresh code is made for the next one (``on_new_code`` prints it).
    Wrong codes are counted for the server as a whole, not per device: after
    ``max_wrong`` of them no code pairs any more until the server is restarted.
    """

    secure: bool = True                          # the cookie is Secure (HTTPS); False only with --insecure-http
    lifetime: float = CODE_LIFETIME
    max_wrong: int = MAX_WRONG_CODES
    clock: Callable[[], float] = time.monotonic
    on_new_code: Callable[[str], None] | None = None
    cookie_name: str = field(default_factory=lambda: COOKIE_PREFIX + secrets.token_hex(4))
    code: str = ""
    wrong: int = 0
    _issued: float = 0.0
    _used: list[str] = field(default_factory=list)
    _sessions: set[str] = field(default_factory=set)   # SHA-256 of the session tokens handed out
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        if not self.code:
            self._new_code()

    def _new_code(self) -> None:
        self.code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        self._issued = self.clock()

    @property
    def blocked(self) -> bool:
        return self.wrong >= self.max_wrong

    @property
    def tries_left(self) -> int:
        return max(self.max_wrong - self.wrong, 0)

    def expired(self) -> bool:
        return self.clock() - self._issued > self.lifetime

    def pair(self, typed: str) -> tuple[PairOutcome, str | None]:
        """Try a code: the outcome and, when paired, the new session token for the cookie."""
        given = normalise_code(typed).encode()
        new_code = None
        with self._lock:
            if self.blocked:
                return PairOutcome.BLOCKED, None
            if hmac.compare_digest(given, self.code.encode()):
                if self.expired():
                    return PairOutcome.EXPIRED, None
                token = secrets.token_urlsafe(32)
                self._sessions.add(_digest(token))
                self._used.append(self.code)
                self._new_code()
                new_code = self.code
                outcome: tuple[PairOutcome, str | None] = (PairOutcome.PAIRED, token)
            elif any(hmac.compare_digest(given, used.encode()) for used in self._used):
                return PairOutcome.USED, None
            else:
                self.wrong += 1
                return (PairOutcome.BLOCKED if self.blocked else PairOutcome.WRONG), None
        if self.on_new_code is not None:
            self.on_new_code(new_code)
        return outcome

    def admits(self, token: str | None) -> bool:
        """Whether a session cookie's value is one this server handed out."""
        if not token:
            return False
        digest = _digest(token)
        with self._lock:
            return any(hmac.compare_digest(digest, known) for known in self._sessions)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pair_url(base_url: str, code: str) -> str:
    """The URL a device opens to pair (printed and shown as a QR code)."""
    return f"{base_url.rstrip('/')}{PAIR_PATH}?{CODE_PARAM}={show_code(code)}"


QR_BORDER = 2  # modules of quiet zone; the white background around the code adds to it


def qr_text(url: str) -> str:
    """``url`` as a QR code in half-block characters, two rows of modules per line.

    The blocks are the dark modules, drawn black on white with ANSI colours, so the code
    scans whatever the terminal's own colours are; where the colours are stripped (a pipe,
    a log) the blocks are still the dark modules, as on paper.
    """
    import segno

    rows = [list(row) for row in segno.make(url, error="m", micro=False).matrix_iter(border=QR_BORDER)]
    if len(rows) % 2:
        rows.append([0] * len(rows[0]))
    blocks = {(1, 1): "\u2588", (1, 0): "\u2580", (0, 1): "\u2584", (0, 0): " "}
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2]):
        drawn = "".join(blocks[(bool(a) * 1, bool(b) * 1)] for a, b in zip(top, bottom))
        lines.append("\x1b[30;107m" + drawn + "\x1b[0m")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the Flask side


PAIRING_KEY = "kvp_audit_pairing"


def install(app, pairing: Pairing) -> None:
    """Require pairing on ``app``: the app's guard calls :func:`refusal`, and the pairing page is added."""
    app.extensions[PAIRING_KEY] = pairing
    app.add_url_rule(PAIR_PATH, "pair_page", pair_page, methods=["GET"])
    if pairing.secure:
        app.config["SESSION_COOKIE_SECURE"] = True


def refusal():
    """None when the request may go on (no pairing installed, or a paired device); else the 403 page."""
    from flask import current_app, request

    pairing = current_app.extensions.get(PAIRING_KEY)
    if pairing is None or request.path == PAIR_PATH or request.path.startswith("/static/"):
        return None
    if pairing.admits(request.cookies.get(pairing.cookie_name)):
        return None
    return _page(pairing, "")


def pair_page():
    """GET /koble?kode=…: pair this device with the one-time code, or say why not."""
    from flask import current_app, redirect, request

    pairing = current_app.extensions[PAIRING_KEY]
    if pairing.admits(request.cookies.get(pairing.cookie_name)):
        return redirect("/", code=303)
    typed = request.args.get(CODE_PARAM, "")
    if not typed.strip():
        return _page(pairing, "")
    outcome, token = pairing.pair(typed[:64])
    if outcome is PairOutcome.PAIRED:
        response = redirect("/", code=303)
        response.set_cookie(pairing.cookie_name, token, secure=pairing.secure, httponly=True, samesite="Strict",
                            path="/")
        return response
    return _page(pairing, outcome_message(outcome, pairing.tries_left))


def outcome_message(outcome: PairOutcome, tries_left: int) -> str:
    """What the pairing page says after a refused code."""
    if outcome is PairOutcome.WRONG:
        return ngettext("Koden stemmer ikke. Du har {n} forsøk igjen.",
                        "Koden stemmer ikke. Du har {n} forsøk igjen.", tries_left).format(n=tries_left)
    if outcome is PairOutcome.USED:
        return _("Denne koden er allerede brukt: hver kode kobler til én enhet. "
                 "Bruk den nye koden som står i terminalen på maskinen som kjører skjemaet.")
    if outcome is PairOutcome.EXPIRED:
        return _("Koden er utløpt. Stopp serveren med Ctrl-C og start den på nytt for å få en ny kode.")
    return _("For mange feil koder: tilkobling er sperret. "
             "Stopp serveren med Ctrl-C og start den på nytt for å få en ny kode.")


def _page(pairing: Pairing, message: str):
    """The 403 page: how to pair (in the language the app's guard chose), with ``message`` on top."""
    from flask import render_template

    html = render_template("pair.html.j2", message=message, code_param=CODE_PARAM, pair_path=PAIR_PATH,
                           blocked=pairing.blocked, title=_("Koble til skjemaet"))
    return html, 403
