"""The in-web scheduler under `gunicorn -w 4`: one leader, a takeover when it dies, the buttons.

`python -m bot serve --workers 4` runs with the scheduler in each worker, on a PostgreSQL
database of its own (another served bot in the session, whose leader would take the same
advisory lock and send these reminders, cannot interfere), Redis and a fake Slack Web API.
Each worker's /health tells its scheduler role and pid; the tests poll it with deadlines.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import Engine, text

from booking.clock import JST
from booking.identity import parse as parse_identity
from storage.engine import make_engine, make_session_factory
from storage.locks import advisory_lock_holders
from storage.migrate import upgrade
from storage.models import ReservationRow
from tests import workers
from tests.conftest import ROOT, reset
from tests.e2e.conftest import (
    BOT_TOKEN,
    SIGNING_SECRET,
    Reply,
    Slack,
    free_port,
    jst,
    reservations,
    tomorrow,
    wait_for_response,
    wait_until_up,
)
from tests.fakes.slack_api import TEAM_ID, Call, FakeSlack

log = logging.getLogger(__name__)

WORKERS = 4
POLL_SECONDS = 2
TAKEOVER_MARGIN_S = 8
ROLES = ("leader", "standby")


@dataclass
class Served:
    """The running server and what the tests look at."""

    base: str
    process: subprocess.Popen[bytes]
    engine: Engine
    fake: FakeSlack
    slack: Slack
    log_path: Path
    due_id: int  # a reservation whose reminder was due when the server started

    def log_tail(self) -> str:
        """The end of the server's log, for failure messages."""
        return self.log_path.read_text(errors="replace")[-4000:]


# fixtures


@pytest.fixture(scope="module")
def scheduler_db(pg_url: str) -> Iterator[str]:
    """A migrated database of this module's own on the test PostgreSQL server."""
    name = workers.database_name(pg_url, "scheduler_e2e")
    url = workers.create_database(pg_url, name)
    engine = make_engine(url)
    upgrade(engine)
    reset(engine)
    engine.dispose()
    yield url
    workers.drop_database(pg_url, name)


@pytest.fixture(scope="module")
def served(
    scheduler_db: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """Four gunicorn workers with the in-web scheduler; one reminder is due as they start."""
    engine = make_engine(scheduler_db)
    due_id = add_due(engine, "1", "UDUE1")
    env = {k: v for k, v in os.environ.items() if k not in ("DEFAULT_LANGUAGE", "ADMIN_USERS")}
    log_path = tmp_path_factory.mktemp("scheduler") / "server.log"
    port = free_port()
    with FakeSlack(tokens=[BOT_TOKEN]) as fake, redis.Redis.from_url(redis_url) as client:
        env |= {
            "DATABASE_URL": scheduler_db,
            "REDIS_URL": redis_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "FLASK_ENV": "development",
            "OPENAI_API_KEY": "",
            "SCHEDULER_IN_WEB": "true",
            "SCHEDULER_POLL_SECONDS": str(POLL_SECONDS),
            "REMINDER_LEAD_MINUTES": "10",
        }
        with open(log_path, "wb") as server_log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--port", str(port),
                 "--workers", str(WORKERS)],
                cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{base}/health/live", process, log_path)
            slack = Slack(base, fake, engine, client)
            yield Served(base, process, engine, fake, slack, log_path, due_id)
        finally:
            process.terminate()
            process.wait(timeout=30)
            engine.dispose()


# helpers


def add_due(engine: Engine, room: str, owner: str) -> int:
    """A booking starting in 5 minutes, made an hour ago: its reminder is due now."""
    now = datetime.now(JST)
    with make_session_factory(engine)() as session, session.begin():
        row = ReservationRow(
            room_id=room, owner_id=parse_identity(owner, "api"), title="", start_at=now + timedelta(minutes=5),
            end_at=now + timedelta(minutes=35), active=True, source="test",
            created_at=now - timedelta(hours=1),
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def add_tomorrow(engine: Engine, room: str, owner: str) -> int:
    """A booking for tomorrow morning (no reminder due for hours)."""
    start = jst(tomorrow(), "10:00")
    with make_session_factory(engine)() as session, session.begin():
        row = ReservationRow(
            room_id=room, owner_id=parse_identity(owner, "api"), title="", start_at=start,
            end_at=start + timedelta(hours=1), active=True, source="test",
            created_at=datetime.now(JST),
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def row(engine: Engine, reservation_id: int) -> ReservationRow:
    """One reservation as stored now."""
    return next(r for r in reservations(engine) if r.id == reservation_id)


def get_health(base: str, path: str = "/health") -> tuple[int, dict[str, Any]]:
    """GET a health endpoint: its status and JSON body (any status is returned)."""
    try:
        with urllib.request.urlopen(f"{base}{path}", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def observe(base: str, *, want: int = WORKERS, timeout: float = 15.0) -> dict[int, dict[str, Any]]:
    """Each worker's scheduler state by pid, from concurrent /health requests.

    Stops once `want` workers answered and each has settled on a role (or at the deadline).
    Every answer must be 200: the scheduler never fails health.
    """
    seen: dict[int, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(8) as pool:
        while True:
            for status, body in pool.map(lambda _: get_health(base), range(16)):
                assert status == 200, body
                seen[body["scheduler"]["pid"]] = body["scheduler"]
            settled = all(state["role"] in ROLES for state in seen.values())
            if (len(seen) >= want and settled) or time.monotonic() > deadline:
                return seen


def leaders(states: dict[int, dict[str, Any]]) -> set[int]:
    """The pids reporting themselves leader."""
    return {pid for pid, state in states.items() if state["role"] == "leader"}


def holders_here(engine: Engine) -> int:
    """Holders of the scheduler's advisory lock in this database only."""
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND objid = 7315002"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def dms(fake: FakeSlack, user: str) -> list[Call]:
    """The DMs the bot posted to one user."""
    calls = fake.calls_to("chat.postMessage")
    return [call for call in calls if call.ok and call.args.get("channel") == user]


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll an observable state until it holds, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def click(action_id: str, reservation_id: int, user: str, response_url: str) -> dict[str, Any]:
    """A block_actions payload: `user` clicked a reminder DM's button."""
    return {
        "type": "block_actions", "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "AFAKE", "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000100",
                      "channel_id": f"D{user}", "is_ephemeral": False},
        "trigger_id": "trigger.reminder", "channel": {"id": f"D{user}", "name": "directmessage"},
        "response_url": response_url, "actions": [{
            "type": "button", "action_id": action_id, "block_id": "b1",
            "text": {"type": "plain_text", "text": action_id}, "value": f"{reservation_id}:ja",
            "action_ts": "1700000001.000200"}],
    }  # fmt: skip


def assert_acked(reply: Reply) -> None:
    """Slack's acknowledgement: 200 and an empty body."""
    assert reply.status == 200, reply.body
    assert reply.body == b""


# the scheduler


def test_a_reminder_due_at_start_is_sent_once_by_the_four_workers(served: Served) -> None:
    wait_for(lambda: bool(dms(served.fake, "UDUE1")), POLL_SECONDS + 8, "the reminder DM")
    wait_for(lambda: row(served.engine, served.due_id).reminded_at is not None, 5, "reminded_at")
    states = observe(served.base)  # every worker has polled at least once since
    assert len(leaders(states)) == 1, states
    [dm] = dms(served.fake, "UDUE1")
    assert "まもなく開始します" in dm.args["text"]
    values = {e["action_id"]: e["value"] for b in dm.args["blocks"] if b["type"] == "actions"
              for e in b["elements"]}  # fmt: skip
    assert values == {"check_in": f"{served.due_id}:ja", "release_room": f"{served.due_id}:ja"}
    assert len(served.fake.calls_to("chat.postMessage")) == 1


def test_exactly_one_worker_is_the_leader(served: Served) -> None:
    states = observe(served.base)
    log.info("scheduler states by pid: %s", states)
    assert len(states) >= 2, f"only one worker answered: {states}"
    assert all(state["role"] in ROLES for state in states.values()), states
    assert len(leaders(states)) == 1, states
    assert holders_here(served.engine) == 1
    assert advisory_lock_holders(served.engine) == 1


def test_workers_poll_at_the_configured_interval(served: Served) -> None:
    states = observe(served.base)
    assert {state["poll_seconds"] for state in states.values()} == {POLL_SECONDS}


def test_leader_killed_another_worker_takes_over_within_a_poll(served: Served) -> None:
    before = observe(served.base)
    [old] = leaders(before)
    # Within one polling interval as the workers report it (SCHEDULER_POLL_SECONDS=2), plus a margin.
    poll = max(POLL_SECONDS, *(state["poll_seconds"] for state in before.values()))
    second_id = add_due(served.engine, "2", "UDUE2")  # due now: whoever leads next sends it
    os.kill(old, signal.SIGKILL)
    killed_at = time.monotonic()
    deadline = killed_at + poll + TAKEOVER_MARGIN_S
    new: int | None = None
    while new is None:
        status, body = get_health(served.base, "/health/ready")
        assert status == 200 and body["ready"] is True, body  # readiness holds throughout
        state = body["scheduler"]
        if state["role"] == "leader" and state["pid"] != old:
            new = state["pid"]
        elif time.monotonic() > deadline:
            pytest.fail(f"no new leader {deadline - killed_at:.0f} s after the kill\n"
                        f"{served.log_tail()}")  # fmt: skip
    took = time.monotonic() - killed_at
    states = observe(served.base)
    successor = "a standby" if new in before else "the replacement worker"
    log.info("leader %s killed; %s (%s) leads after %.1f s", old, new, successor, took)
    assert old not in states
    assert leaders(states) == {new}, states
    assert holders_here(served.engine) == 1
    assert advisory_lock_holders(served.engine) == 1

    wait_for(lambda: bool(dms(served.fake, "UDUE2")), poll + 8, "the new leader's DM")
    wait_for(lambda: row(served.engine, second_id).reminded_at is not None, 5, "reminded_at")
    assert len(dms(served.fake, "UDUE2")) == 1
    assert len(dms(served.fake, "UDUE1")) == 1  # the new leader did not send the old one again


# the reminder's buttons, signed as Slack signs them


def test_check_in_button_by_the_booker_checks_in(served: Served) -> None:
    rid = add_tomorrow(served.engine, "3", "U1")
    assert_acked(
        served.slack.interaction(click("check_in", rid, "U1", served.fake.response_url("ci1")))
    )
    answer = wait_for_response(served.fake, "ci1")
    assert (
        answer.args["text"].startswith("チェックインしました") and f"#{rid}" in answer.args["text"]
    )
    stored = row(served.engine, rid)
    assert stored.checked_in_at is not None and stored.active


def test_check_in_button_by_someone_else_is_refused(served: Served) -> None:
    rid = add_tomorrow(served.engine, "4", "U1")
    assert_acked(
        served.slack.interaction(click("check_in", rid, "U2", served.fake.response_url("ci2")))
    )
    answer = wait_for_response(served.fake, "ci2")
    assert "本人だけ" in answer.args["text"]
    stored = row(served.engine, rid)
    assert stored.checked_in_at is None and stored.active


def test_release_button_by_the_booker_releases_the_room(served: Served) -> None:
    rid = add_tomorrow(served.engine, "5", "U1")
    assert_acked(
        served.slack.interaction(click("release_room", rid, "U1", served.fake.response_url("rl1")))
    )
    answer = wait_for_response(served.fake, "rl1")
    assert answer.args["text"].startswith("キャンセルしました") and f"#{rid}" in answer.args["text"]
    stored = row(served.engine, rid)
    assert not stored.active and stored.cancelled_by == "slack:U1"


def test_release_button_by_someone_else_is_refused(served: Served) -> None:
    rid = add_tomorrow(served.engine, "6", "U1")
    published = len(served.fake.calls_to("views.publish"))
    assert_acked(
        served.slack.interaction(click("release_room", rid, "U2", served.fake.response_url("rl2")))
    )
    answer = wait_for_response(served.fake, "rl2")
    assert "本人だけ" in answer.args["text"]
    served.fake.wait_for_call("views.publish", published + 1)  # the listener has finished
    stored = row(served.engine, rid)
    assert stored.active and stored.cancelled_at is None and stored.owner_id == "slack:U1"
