"""Security headers, request ids, /metrics and log redaction (bot/observability.py, bot/metrics.py).

The app is built in-process on a migrated SQLite file with a fixed clock; requests go through
the Flask test client, with `X-Forwarded-*` headers as the TLS-terminating nginx sends them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from bot.container import build
from bot.observability import (
    TOKEN_PATTERNS,
    RedactingFormatter,
    Redactor,
    secrets_of,
)
from bot.settings import Settings
from bot.web import create_app
from storage.engine import make_engine
from tests.conftest import NOW, ROOT, reset, sqlite_url
from tests.e2e.conftest import signed

SIGNING_SECRET = "observability-signing-secret-0123"
API_TOKEN = "observability-api-token"
GUIDE_BODY = {"room-id": "1", "date": "2025-09-29", "start-time": "14:00", "end-time": "15:00"}
HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"}
HTTP_ONLY = {"X-Forwarded-Proto": "http", "X-Forwarded-For": "198.51.100.4"}
GENERATED_ID = re.compile(r"[0-9a-f]{16}")


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    """A migrated SQLite database with the example rooms."""
    url = sqlite_url(tmp_path)
    engine: Engine = make_engine(url)
    reset(engine)
    engine.dispose()
    return url


def make_app(db_url: str, **settings: Any) -> Flask:
    """The app on `db_url` with the clock fixed at NOW."""
    values: dict[str, Any] = {
        "database_url": db_url,
        "flask_env": "development",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_bot_token": "xoxb-observability-token",
        "slack_api_url": "http://127.0.0.1:9/api/",  # nothing listens: no call may leave
        "api_token": API_TOKEN,
        "secret_key": "observability-secret-key",
        "scheduler_in_web": False,
    } | settings
    return create_app(container=build(Settings(**values), clock=lambda: NOW))


@pytest.fixture
def app(sqlite_db: str) -> Flask:
    """The app with a signing secret and an API token."""
    return make_app(sqlite_db)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of `app`."""
    return app.test_client()


def bearer(token: str = API_TOKEN) -> dict[str, str]:
    """An Authorization header."""
    return {"Authorization": f"Bearer {token}"}


def slack_post(client: FlaskClient, body: bytes, headers: dict[str, str]) -> TestResponse:
    """POST /slack/events with a valid signature (at NOW, the app's clock) and extra headers."""
    sign = signed(body, timestamp=int(NOW.timestamp()), secret=SIGNING_SECRET)
    return client.post(
        "/slack/events",
        data=body,
        headers={"Content-Type": "application/json", **sign, **headers},
    )


# security headers


def assert_base_headers(response: TestResponse) -> None:
    """nosniff, frame denial and a CSP are on every response."""
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


REQUESTS = [
    ("GET", "/health"),
    ("GET", "/health/live"),
    ("GET", "/api/rooms"),
    ("GET", "/no-such-page"),
    ("POST", "/slack/events"),
    ("POST", "/api/reservations"),
]


@pytest.mark.parametrize(("method", "path"), REQUESTS)
def test_security_headers_without_tls_have_no_hsts(
    client: FlaskClient, method: str, path: str
) -> None:
    """Plain HTTP (no X-Forwarded-Proto): the headers, but no HSTS, and no redirect."""
    response = client.open(path, method=method)
    assert_base_headers(response)
    assert "Strict-Transport-Security" not in response.headers
    assert not 300 <= response.status_code < 400


@pytest.mark.parametrize(("method", "path"), REQUESTS)
def test_security_headers_behind_tls_proxy_add_hsts(
    client: FlaskClient, method: str, path: str
) -> None:
    """Behind nginx with X-Forwarded-Proto: https: the same headers plus HSTS."""
    response = client.open(path, method=method, headers=HTTPS)
    assert_base_headers(response)
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))  # type: ignore[union-attr]
    assert max_age >= 31_536_000
    assert not 300 <= response.status_code < 400


def test_forwarded_http_gets_no_hsts(client: FlaskClient) -> None:
    """X-Forwarded-Proto: http is not TLS: no HSTS (and no upgrade redirect)."""
    response = client.get("/health", headers=HTTP_ONLY)
    assert response.status_code == 200 and "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("proxy", [{}, HTTP_ONLY, HTTPS], ids=["direct", "http", "https"])
def test_slack_events_are_never_redirected(client: FlaskClient, proxy: dict[str, str]) -> None:
    """POST /slack/events answers itself over any scheme: Slack does not follow redirects."""
    challenge = json.dumps({"type": "url_verification", "challenge": "c-42", "token": "t"})
    verified = slack_post(client, challenge.encode(), proxy)
    assert verified.status_code == 200 and "c-42" in verified.get_data(as_text=True)
    forged = client.post(
        "/slack/events", data=b"{}", headers={"X-Slack-Signature": "v0=00"} | proxy
    )
    assert forged.status_code == 401
    assert forged.headers.get("Location") is None and verified.headers.get("Location") is None


@pytest.mark.parametrize("proxy", [{}, HTTP_ONLY], ids=["direct", "http"])
def test_no_route_redirects(app: Flask, proxy: dict[str, str]) -> None:
    """No route answers 3xx, with or without a trailing slash, for GET or POST."""
    client = app.test_client()
    paths = {r.rule for r in app.url_map.iter_rules() if "<" not in r.rule}
    assert {"/health", "/api/reservations", "/slack/events"} <= paths, sorted(paths)
    for path in sorted(paths | {p.rstrip("/") + "/" for p in paths}):
        for method in ("GET", "POST"):
            status = client.open(path, method=method, headers=proxy).status_code
            assert not 300 <= status < 400, f"{method} {path} -> {status}"


def test_session_cookie_flags(app: Flask) -> None:
    """Session cookies, if any are ever set, are Secure, HttpOnly and SameSite=Lax."""
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


# request ids


def test_sane_request_id_is_echoed(client: FlaskClient) -> None:
    """A caller's (or nginx's $request_id) sane id comes back unchanged."""
    for given in ("abc-123_X.y", "f" * 64, "0e9a2c1f7b3d4e5a9c8b7a6f5e4d3c2b"):
        response = client.get("/health/live", headers={"X-Request-Id": given})
        assert response.headers["X-Request-Id"] == given


def test_missing_request_id_is_generated(client: FlaskClient) -> None:
    """Without an id, each response gets a fresh one."""
    first = client.get("/health/live").headers["X-Request-Id"]
    second = client.get("/health/live").headers["X-Request-Id"]
    assert GENERATED_ID.fullmatch(first) and GENERATED_ID.fullmatch(second) and first != second


@pytest.mark.parametrize(
    "hostile",
    [
        "abc\r\nSet-Cookie: session=evil",
        "abc\nINFO forged log line",
        "x" * 65,
        "id with spaces",
        "会議室",
        "<script>alert(1)</script>",
        "",
    ],
    ids=["crlf", "newline", "too-long", "spaces", "non-ascii", "markup", "empty"],
)
def test_hostile_request_id_is_replaced(client: FlaskClient, hostile: str) -> None:
    """An id that could forge log lines or headers is replaced by a generated one."""
    environ = {"HTTP_X_REQUEST_ID": hostile}  # raw, as a client could send it
    response = client.get("/health/live", environ_base=environ)
    assert GENERATED_ID.fullmatch(response.headers["X-Request-Id"])
    assert "Set-Cookie" not in response.headers


class Lines(logging.Handler):
    """Collects lines formatted by the app's RedactingFormatter."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(RedactingFormatter(Redactor([API_TOKEN])))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def request_log() -> Iterator[Lines]:
    """The formatted lines of the `bot.requests` logger during one test."""
    handler, logger = Lines(), logging.getLogger("bot.requests")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_request_line_carries_duration_and_request_id(
    client: FlaskClient, request_log: Lines
) -> None:
    """One line per request: method, path (no query), status, duration, the request id."""
    client.get(f"/api/rooms?token={API_TOKEN}", headers={"X-Request-Id": "req-77"})
    line = request_log.lines[-1]
    assert re.search(r" INFO \[req-77\] bot\.requests: GET /api/rooms 401 took \d+\.\d{3} seconds$",
                     line), line  # fmt: skip
    assert API_TOKEN not in line


def test_request_id_that_is_a_secret_is_redacted_in_logs(
    client: FlaskClient, request_log: Lines
) -> None:
    """A configured secret sent as X-Request-Id is still masked in the log line."""
    client.get("/health/live", headers={"X-Request-Id": API_TOKEN})
    assert API_TOKEN not in request_log.lines[-1] and "[REDACTED]" in request_log.lines[-1]


# /metrics


FORWARDED = {"X-Forwarded-For": "203.0.113.9"}


@pytest.mark.parametrize(
    ("headers", "environ"),
    [
        (FORWARDED, {}),
        ({"X-Forwarded-For": "127.0.0.1"}, {}),  # a proxy said so: not this host's own scraper
        ({}, {"REMOTE_ADDR": "10.1.2.3"}),
        (FORWARDED | bearer("wrong-token"), {}),
        (FORWARDED | {"Authorization": f"Basic {API_TOKEN}"}, {}),
    ],
    ids=["forwarded", "forwarded-localhost", "remote", "wrong-token", "other-scheme"],
)
def test_metrics_refuse_remote_clients_without_the_token(
    client: FlaskClient, headers: dict[str, str], environ: dict[str, str]
) -> None:
    """Through the proxy or from another host, /metrics needs Authorization: Bearer API_TOKEN."""
    response = client.get("/metrics", headers=headers, environ_base=environ)
    assert response.status_code == 401
    assert "roombot_" not in response.get_data(as_text=True)


def test_metrics_with_the_token_or_from_localhost(client: FlaskClient) -> None:
    """The bearer token works through the proxy; a local scraper needs none."""
    with_token = client.get("/metrics", headers=FORWARDED | HTTPS | bearer())
    assert with_token.status_code == 200
    assert with_token.headers["Content-Type"].startswith("text/plain; version=")
    assert "roombot_http_requests_total" in with_token.get_data(as_text=True)
    local = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert local.status_code == 200


def test_metrics_accept_the_scheme_in_any_case(client: FlaskClient) -> None:
    """`Authorization: bearer <token>` works on /metrics as it does on /api (RFC 9110 11.1)."""
    lower = {"Authorization": f"bearer {API_TOKEN}"}
    assert client.get("/api/rooms", headers=FORWARDED | lower).status_code == 200
    assert client.get("/metrics", headers=FORWARDED | lower).status_code == 200


def test_metrics_without_api_token_only_from_localhost(sqlite_db: str) -> None:
    """With API_TOKEN unset there is no remote way in (an empty bearer is not a token)."""
    client = make_app(sqlite_db, api_token=None).test_client()
    assert client.get("/metrics", headers=FORWARDED).status_code == 401
    assert (
        client.get("/metrics", headers=FORWARDED | {"Authorization": "Bearer "}).status_code == 401
    )
    assert client.get("/metrics").status_code == 200


def sample(name: str, **labels: str) -> float:
    """A metric's current value in this process (0 when not yet observed)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_bookings_conflicts_and_requests_are_counted(client: FlaskClient) -> None:
    """An API booking and a conflicting one move the booking, conflict and request counters."""
    labels = {"method": "POST", "endpoint": "/api/reservations"}
    before = {
        "booked": sample("roombot_bookings_total", source="api"),
        "conflicts": sample("roombot_booking_conflicts_total", source="api"),
        "201": sample("roombot_http_requests_total", status="201", **labels),
        "409": sample("roombot_http_requests_total", status="409", **labels),
    }
    assert client.post("/api/reservations", json=GUIDE_BODY, headers=bearer()).status_code == 201
    assert client.post("/api/reservations", json=GUIDE_BODY, headers=bearer()).status_code == 409
    page = client.get("/metrics", headers=bearer()).get_data(as_text=True)
    assert f'roombot_bookings_total{{source="api"}} {before["booked"] + 1}' in page
    assert f'roombot_booking_conflicts_total{{source="api"}} {before["conflicts"] + 1}' in page
    for status in ("201", "409"):
        line = (f'roombot_http_requests_total{{endpoint="/api/reservations",method="POST",'
                f'status="{status}"}} {before[status] + 1}')  # fmt: skip
        assert line in page
    assert 'roombot_http_request_seconds_bucket{endpoint="/api/reservations"' in page


def run_fresh(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a Python script in a fresh process with this tree importable and no metrics dir."""
    env = {k: v for k, v in os.environ.items() if "MULTIPROC" not in k.upper()}
    env |= {"PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_metrics_dir_from_dotenv_still_counts(tmp_path: Path, sqlite_db: str) -> None:
    """PROMETHEUS_MULTIPROC_DIR written in .env (read like every other variable) still counts."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (tmp_path / ".env").write_text(
        f"PROMETHEUS_MULTIPROC_DIR={directory}\nDATABASE_URL={sqlite_db}\n"
        f"FLASK_ENV=development\nLOG_DIR={tmp_path / 'logs'}\nSCHEDULER_IN_WEB=false\n"
    )
    script = (
        "from bot.web import create_app\n"
        "client = create_app().test_client()\n"
        "for _ in range(3): client.get('/health/live')\n"
        "print(client.get('/metrics').get_data(as_text=True))\n"
    )
    done = run_fresh(script, tmp_path)
    assert done.returncode == 0, done.stderr
    live = 'roombot_http_requests_total{endpoint="/health/live",method="GET",status="200"} 3.0'
    assert live in done.stdout


def test_a_workers_first_requests_at_once_are_counted_not_refused(tmp_path: Path) -> None:
    """Two threads serving a fresh process's first requests at the same moment both count them:
    the metric objects are made once (made twice, the second registration raised: a 500)."""
    script = (
        "import threading, time\n"
        "import prometheus_client\n"
        "from bot import metrics\n"
        "made = prometheus_client.Counter.__init__\n"
        "def slow(self, *args, **kwargs):\n"  # widen the window between the two first uses
        "    time.sleep(0.2)\n"
        "    made(self, *args, **kwargs)\n"
        "prometheus_client.Counter.__init__ = slow\n"
        "errors = []\n"
        "def first():\n"
        "    try:\n"
        "        metrics.count_request('GET', '/health/live', 200, 0.01)\n"
        "    except Exception as error:\n"
        "        errors.append(repr(error))\n"
        "threads = [threading.Thread(target=first) for _ in range(2)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print(errors)\n"
        "print(prometheus_client.generate_latest().decode())\n"
    )
    done = run_fresh(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "[]"
    live = 'roombot_http_requests_total{endpoint="/health/live",method="GET",status="200"} 2.0'
    assert live in done.stdout


# redaction


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bot token xoxb-1234567890-0987654321-AbCdEfGhIjKl in use",
         "bot token [REDACTED] in use"),
        ("user xoxp-11-22-33-abcdef0123 done", "user [REDACTED] done"),
        ("socket xapp-1-A0123ABCD-456789-0a1b2c3d4e5f ok", "socket [REDACTED] ok"),
        ("key=sk-proj-AbC123_xyz-9876543210 then", "key=[REDACTED] then"),
        ("openai sk-abcdefghijklmnop1234 failed", "openai [REDACTED] failed"),
        ("Authorization: Bearer abc.DEF-123_456~789 sent", "Authorization: Bearer [REDACTED] sent"),
        ("retry with password=hunter2hunter2 now", "retry with password=[REDACTED] now"),
        ('{"password": "hunter2", "user": "bob"}', '{"password": "[REDACTED]", "user": "bob"}'),
        ("SLACK_SIGNING_SECRET=0123abcd4567 loaded", "SLACK_SIGNING_SECRET=[REDACTED] loaded"),
        ("connect postgresql://roombot:pa55word@db.internal:5432/roombot failed",
         "connect postgresql://roombot:[REDACTED]@db.internal:5432/roombot failed"),
        ("dsn postgresql+psycopg2://app:x9y8z7@10.0.0.5/rooms?sslmode=require",
         "dsn postgresql+psycopg2://app:[REDACTED]@10.0.0.5/rooms?sslmode=require"),
        ("redis://user:s3cret@cache:6379/0 down", "redis://user:[REDACTED]@cache:6379/0 down"),
    ],
    ids=["xoxb", "xoxp", "xapp", "sk-proj", "sk", "bearer", "password=", "json-password",
         "secret=", "postgresql", "postgresql+driver", "redis-user"],
)  # fmt: skip
def test_redactor_masks_token_shapes_and_keeps_the_text(raw: str, expected: str) -> None:
    """Each known shape of token or password is masked; the words around it stay."""
    assert Redactor([])(raw) == expected


def test_redactor_masks_redis_url_without_user() -> None:
    """`redis://:password@host` (the usual Redis form, REDIS_PASSWORD without a user) is masked."""
    raw = "cannot reach redis://:s3cretRedisPw@cache:6379/0 now"
    assert Redactor([])(raw) == "cannot reach redis://:[REDACTED]@cache:6379/0 now"


def test_redactor_leaves_ordinary_words_alone() -> None:
    """Words that merely contain 'sk-' (task-, desk-, risk-) are not mistaken for OpenAI keys."""
    raw = "room desk-reservations for the task-assignment meeting"
    assert Redactor([])(raw) == raw


def test_redactor_masks_configured_secrets_of_any_shape() -> None:
    """A configured secret without a recognisable shape is masked wherever it appears."""
    redact = Redactor(["plain0signing0secret", "abc", ""])  # too-short values are ignored
    assert redact("sig plain0signing0secret!") == "sig [REDACTED]!"
    assert redact("abc stays") == "abc stays"


def test_redactor_keeps_clean_text_unchanged() -> None:
    """Ordinary log lines pass through untouched."""
    line = "POST /api/reservations 201 took 0.012 seconds 会議室A 2025-09-29 14:00-15:00"
    assert Redactor(["some-configured-secret"])(line) == line
    assert len(TOKEN_PATTERNS) >= 5


def test_secrets_of_settings_include_both_passwords() -> None:
    """Every configured secret, and the passwords inside DATABASE_URL and REDIS_URL."""
    settings = Settings(
        database_url="postgresql://roombot:db-pw-42@db:5432/roombot",
        redis_url="redis://:redis-pw-42@cache:6379/0",
        slack_bot_token="xoxb-1-2-three",
        slack_signing_secret="signing-42",
        slack_app_token="xapp-1-four",
        openai_api_key="sk-five-5555",
        secret_key="flask-42",
        api_token="api-42",
    )
    assert set(secrets_of(settings)) == {"db-pw-42", "redis-pw-42", "xoxb-1-2-three",
                                         "signing-42", "xapp-1-four", "sk-five-5555",
                                         "flask-42", "api-42"}  # fmt: skip


def test_formatter_redacts_arguments_and_tracebacks() -> None:
    """The whole formatted line is redacted: message arguments and the traceback text."""
    formatter = RedactingFormatter(Redactor(["configured-signing-secret"]))
    try:
        raise RuntimeError("bad secret configured-signing-secret with xoxb-99-88-leak")
    except RuntimeError:
        record = logging.LogRecord(
            "bot.test", logging.ERROR, __file__, 1, "calling %s with %s",
            ("postgresql://u:pw123456@h/db", "Bearer abcdefgh12345"), sys.exc_info(),
        )  # fmt: skip
    line = formatter.format(record)
    for secret in ("configured-signing-secret", "xoxb-99-88-leak", "pw123456", "abcdefgh12345"):
        assert secret not in line
    assert "RuntimeError: bad secret [REDACTED] with [REDACTED]" in line
    assert "calling postgresql://u:[REDACTED]@h/db with Bearer [REDACTED]" in line
    assert time.strftime("%Y") in line
