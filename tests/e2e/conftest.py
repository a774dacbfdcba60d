"""The bot under gunicorn against real PostgreSQL and Redis and a fake Slack Web API.

`slack_server` starts `python -m bot serve --workers 2` once per session, pointed at a
`FakeSlack` running in this process; the function-scoped `slack` fixture resets the database,
the Redis keys and the fake before each test and sends requests signed the way Slack signs them.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import Engine, select

from booking.clock import JST
from booking.identity import parse as parse_identity
from storage.engine import make_engine, make_session_factory
from storage.models import ReservationRow
from tests.conftest import ROOT, reset
from tests.fakes.slack_api import TEAM_ID, Call, FakeSlack

SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"
ACK_BUDGET_S = 3.0  # Slack gives up on an acknowledgement after 3 seconds
WAIT_S = 10.0  # how long to wait for the work behind an ack (generous for a loaded machine)
START_TIMEOUT_S = 60  # a guard against a server that never starts, not a requirement (see below)
_ts_counter = itertools.count(1)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature: HMAC-SHA256 of 'v0:{timestamp}:{body}'."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed(
    body: bytes, *, timestamp: int | None = None, secret: str = SIGNING_SECRET
) -> dict[str, str]:
    """The X-Slack-Request-Timestamp and X-Slack-Signature headers for a body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature(secret, ts, body)}


def new_ts() -> str:
    """A unique Slack message ts."""
    return f"{int(time.time())}.{next(_ts_counter):06d}"


def new_event_id() -> str:
    """A unique Events API event_id."""
    return "Ev" + uuid.uuid4().hex[:12].upper()


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Reply:
    """What the bot's HTTP endpoint answered, and how long it took."""

    status: int
    body: bytes
    elapsed: float

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def http_post(url: str, body: bytes, headers: dict[str, str]) -> Reply:
    """POST over real HTTP; any status is returned, not raised."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, response.read(), time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read(), time.monotonic() - started)


# database helpers


def tomorrow() -> date:
    """Tomorrow's date in Japan."""
    return datetime.now(JST).date() + timedelta(days=1)


def jst(day: date, hhmm: str) -> datetime:
    """An aware instant at a wall-clock time in Japan."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


def add_reservation(
    engine: Engine, room: str, owner: str, start: datetime, end: datetime, title: str = ""
) -> int:
    """Insert a reservation directly (bypassing the rules, e.g. for one already under way)."""
    with make_session_factory(engine)() as session, session.begin():
        row = ReservationRow(
            room_id=room, owner_id=parse_identity(owner, "api"), title=title, start_at=start, end_at=end,
            active=True, source="test", created_at=datetime.now(JST),
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def reservations(engine: Engine) -> list[ReservationRow]:
    """Every reservation row, by id."""
    with make_session_factory(engine)() as session:
        rows = list(session.scalars(select(ReservationRow).order_by(ReservationRow.id)))
        session.expunge_all()
        return rows


def active_reservations(engine: Engine) -> list[ReservationRow]:
    """The active reservation rows, by id."""
    return [r for r in reservations(engine) if r.active]


# Slack-side helpers


def response_posts(fake: FakeSlack, name: str) -> list[Call]:
    """The posts the app made to one response_url."""
    return [c for c in fake.calls_to("response_url") if c.path.endswith(f"/response/{name}")]


def wait_for_response(fake: FakeSlack, name: str, timeout: float = WAIT_S) -> Call:
    """Wait for the first post to one response_url and return it."""
    fake.wait_for(lambda: bool(response_posts(fake, name)), timeout)
    return response_posts(fake, name)[0]


def api_calls(fake: FakeSlack) -> list[Call]:
    """Every Web API call except Bolt's own auth.test."""
    return [c for c in fake.calls if c.method != "auth.test"]


def buttons(blocks: list[dict[str, Any]], action_id: str) -> list[dict[str, Any]]:
    """Every button with this action_id, in accessories and actions blocks."""
    found = [b["accessory"] for b in blocks if "accessory" in b]
    found += [e for b in blocks if b.get("type") == "actions" for e in b["elements"]]
    return [e for e in found if e.get("type") == "button" and e.get("action_id") == action_id]


def block_text(blocks: list[dict[str, Any]]) -> str:
    """All the text of some blocks, joined by newlines."""
    texts = [b["text"]["text"] for b in blocks if isinstance(b.get("text"), dict)]
    texts += [e["text"] for b in blocks for e in b.get("elements", []) if "text" in e]
    return "\n".join(t if isinstance(t, str) else t.get("text", "") for t in texts)


@dataclass
class Slack:
    """Sends signed Slack requests to the served bot; holds the fake and the database."""

    base: str
    fake: FakeSlack
    engine: Engine
    redis: redis.Redis

    @property
    def url(self) -> str:
        """The bot's one Request URL."""
        return f"{self.base}/slack/events"

    def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Wait until the fake Slack has seen what makes `predicate()` true."""
        self.fake.wait_for(predicate, WAIT_S)

    def wait_for_call(self, method: str, count: int = 1) -> list[Call]:
        """Wait until the bot called a Web API method `count` times; return those calls."""
        return self.fake.wait_for_call(method, count, WAIT_S)

    def send(
        self, body: bytes, content_type: str, extra: dict[str, str] | None = None, **sign: Any
    ) -> Reply:
        """POST a body with a valid signature (unless `extra` overrides the headers)."""
        headers = {"Content-Type": content_type, **signed(body, **sign), **(extra or {})}
        return http_post(self.url, body, headers)

    def command(
        self, command: str, text: str = "", *, user: str = "U1", response: str = "r1"
    ) -> Reply:
        """A slash command, form-encoded as Slack sends it."""
        return self.send(command_body(self.fake, command, text, user, response), FORM)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None
    ) -> Reply:
        """An Events API callback (a redelivery when `retry` is given)."""
        extra = {} if retry is None else {"X-Slack-Retry-Num": str(retry)}
        extra |= {"X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return self.send(event_body(event, event_id or new_event_id()), JSON, extra)

    def interaction(self, payload: dict[str, Any]) -> Reply:
        """An interactivity request: form-encoded `payload=<json>`."""
        body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
        return self.send(body.encode(), FORM)


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def command_body(fake: FakeSlack, command: str, text: str, user: str, response: str) -> bytes:
    """The form body of a slash command."""
    fields = {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "fake",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "AFAKE",
        "response_url": fake.response_url(response),
        "trigger_id": f"trigger.{uuid.uuid4().hex}",
    }
    return urllib.parse.urlencode(fields).encode()


def event_body(event: dict[str, Any], event_id: str) -> bytes:
    """The JSON body of an event_callback."""
    body = {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "AFAKE",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
    }
    return json.dumps(body, ensure_ascii=False).encode()


def mention(
    text: str, *, user: str = "U1", channel: str = "C1", ts: str | None = None
) -> dict[str, Any]:
    """An app_mention event (a top-level message unless `ts` says otherwise)."""
    ts = ts or new_ts()
    return {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel,
            "event_ts": ts, "team": TEAM_ID}  # fmt: skip


def message(
    text: str, *, user: str = "U1", channel: str = "C1", channel_type: str = "channel", **more: Any
) -> dict[str, Any]:
    """A message event (pass thread_ts, bot_id, ... as keywords)."""
    ts = more.pop("ts", None) or new_ts()
    return {"type": "message", "user": user, "text": text, "ts": ts, "channel": channel,
            "channel_type": channel_type, "event_ts": ts, "team": TEAM_ID, **more}  # fmt: skip


# fixtures


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    """The fake Slack Web API the served bot calls."""
    with FakeSlack(tokens=[BOT_TOKEN]) as fake:
        yield fake


@pytest.fixture(scope="session")
def slack_server(
    pg_url: str, redis_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`python -m bot serve --workers 2` on PostgreSQL, Redis and the fake Slack; its base URL."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEFAULT_LANGUAGE", "ADMIN_USERS")}
    env |= {
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.url,
        "FLASK_ENV": "development",
        "OPENAI_API_KEY": "",  # the offline assistant answers: deterministic replies
        "SCHEDULER_IN_WEB": "0",  # no reminder DMs mixed into the calls the tests count
    }
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    port = free_port()
    env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"  # calendar links point at this server
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/health/live", process, log_path)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Poll until the server answers; fail with its log if it exits or never comes up.

    Each gunicorn worker imports the app (about 2 s of CPU); the fault suite starts three
    nodes at once, and with the other xdist worker and other work on the same two cores that
    has taken over 30 s: the guard is 60 s.
    """
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited:\n{log_path.read_text(errors='replace')}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"server did not come up in {START_TIMEOUT_S} s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def e2e_engine(pg_url: str) -> Iterator[Engine]:
    """An engine on the served bot's database."""
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def slack(
    slack_server: str, fake_slack: FakeSlack, e2e_engine: Engine, redis_url: str
) -> Iterator[Slack]:
    """A clean start: rooms loaded, no reservations, no remembered events or chats, no calls."""
    reset(e2e_engine)
    client = redis.Redis.from_url(redis_url)
    for pattern in ("slack_event:*", "chat_history:*"):
        keys = list(client.scan_iter(match=pattern, count=500))
        if keys:
            client.delete(*keys)
    fake_slack.reset()
    yield Slack(slack_server, fake_slack, e2e_engine, client)
    client.close()
