"""Per-route Content-Security-Policy, the report's admin check and cache-busting asset URLs."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import Response, current_app, url_for

CSP_HEADER = "Content-Security-Policy"
_COMMON = "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
# The board: its own script and stylesheet only; the script polls this host.
BOARD_CSP = f"{_COMMON}; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'"
# The report: no script at all; the charts' SVG carries style attributes, never <style> elements.
REPORT_CSP = f"{_COMMON}; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self'"
# A chart opened on its own: its inline styles, nothing else.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def with_csp(response: Response, policy: str) -> Response:
    """Give the response this policy (the app-wide default applies to every other route)."""
    response.headers[CSP_HEADER] = policy
    return response


@dataclass(frozen=True)
class AdminCheck:
    """The admin token (API_TOKEN) as a bearer token, or as the password of HTTP Basic auth
    (so a browser asks for it); without a token configured, open only in development."""

    expected: str | None
    development: bool

    def allows(self, authorization: str) -> bool:
        """True when the Authorization header carries the token (or none is needed)."""
        if not self.expected:
            return self.development
        scheme, _, value = authorization.partition(" ")
        given = value.strip()
        if scheme.lower() == "basic":
            given = _basic_password(given)
        elif scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(given.encode(), self.expected.encode())


def _basic_password(encoded: str) -> str:
    """The password of an HTTP Basic credential ('' when malformed)."""
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


@cache
def _digest(path: str, mtime: float) -> str:
    """A short content hash of a static file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    """The URL of a static file with its content hash, so nginx may cache it for a year."""
    folder = Path(current_app.static_folder or "static")
    path = folder / name
    version = _digest(str(path), path.stat().st_mtime) if path.is_file() else "0"
    return url_for("static", filename=name, v=version)
