"""Reminders, no-show release, the digest and the leader lock on real PostgreSQL.

Time is passed in: every job takes `now`, containers get a fixed clock. Slack is the fake Web
API on a local port, reached through the app's own client (with its retries). The fixed
instants are in 2025, long past, so a real-clock scheduler another test may leave running
never touches these rows; the leader-lock tests use their own lock ids for the same reason.
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, cast

import pytest
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine, text
from sqlalchemy import select as sql_select

from booking import services
from booking.clock import JST
from booking.identity import parse as parse_identity
from bot.container import Container, build
from bot.settings import Settings
from storage.engine import make_engine, make_session_factory
from storage.locks import SCHEDULER_LOCK_ID, LeaderLock, advisory_lock_holders
from storage.models import ReservationRow
from tests import workers
from tests.conftest import ROOT, lock_waiters, reset
from tests.fakes.slack_api import Call, FakeSlack

log = logging.getLogger(__name__)

BOT_TOKEN = "xoxb-test-token"
DIGEST_CHANNEL = "CDIGEST"
MON, SAT, SUN = date(2025, 9, 29), date(2025, 10, 4), date(2025, 10, 5)
DAY_BEFORE = datetime(2025, 9, 28, 10, 0, tzinfo=JST)  # when the early bookings are made
LEAD = timedelta(minutes=10)  # REMINDER_LEAD_MINUTES' default
WORKER_TIMEOUT_S = 60
# Lock ids of their own: a served bot elsewhere in the session may hold SCHEDULER_LOCK_ID.
LOCK_BASE = SCHEDULER_LOCK_ID + 1000


def jst(day: date, hhmm: str) -> datetime:
    """An aware instant at a wall-clock time in Japan."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


# fixtures


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    """One fake Slack Web API for the module."""
    with FakeSlack(tokens=[BOT_TOKEN]) as fake:
        yield fake


@pytest.fixture
def slack(fake: FakeSlack) -> FakeSlack:
    """The fake with no calls, failures or messages left from another test."""
    fake.reset()
    return fake


@pytest.fixture
def pg(pg_url: str) -> Iterator[Engine]:
    """The PostgreSQL test database, emptied: the example rooms, no bookings, no job runs."""
    engine = make_engine(pg_url)
    reset(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM job_runs"))
    yield engine
    engine.dispose()


@pytest.fixture
def make(pg: Engine, pg_url: str, slack: FakeSlack) -> Iterator[Callable[..., Container]]:
    """Build containers (one per simulated process) on the database and the fake Slack."""
    made: list[Container] = []

    def factory(now: datetime = DAY_BEFORE, **overrides: Any) -> Container:
        settings = Settings(
            database_url=pg_url, slack_bot_token=BOT_TOKEN, slack_api_url=slack.url, **overrides
        )
        c = build(settings, clock=lambda: now)
        made.append(c)
        return c

    yield factory
    for c in made:
        c.engine.dispose()


# helpers


def book(
    c: Container, room: str, owner: str, start: datetime, *, now: datetime = DAY_BEFORE,
    minutes: int = 30, title: str = "",
) -> int:  # fmt: skip
    """Book through the use case, as a person would at `now`; the reservation's id."""
    made = services.create_reservation(
        c.uow(), c.policy, room=room, start=start, end=start + timedelta(minutes=minutes),
        owner_id=parse_identity(owner, "api"), now=now, title=title,
    )  # fmt: skip
    assert made.id is not None
    return made.id


def insert(
    engine: Engine, room: str, owner: str, start: datetime, *, seconds: int, created: datetime
) -> int:
    """Insert a reservation directly (any length, any creation time)."""
    with make_session_factory(engine)() as session, session.begin():
        row = ReservationRow(
            room_id=room, owner_id=parse_identity(owner, "api"), title="", start_at=start,
            end_at=start + timedelta(seconds=seconds), active=True, source="test",
            created_at=created,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def get(engine: Engine, reservation_id: int) -> ReservationRow:
    """One reservation row as stored now."""
    with make_session_factory(engine)() as session:
        row = session.get_one(ReservationRow, reservation_id)
        session.expunge(row)
        return row


def all_rows(engine: Engine) -> list[ReservationRow]:
    """Every reservation row, by id."""
    with make_session_factory(engine)() as session:
        rows = list(session.scalars(sql_select(ReservationRow).order_by(ReservationRow.id)))
        session.expunge_all()
        return rows


def posts(fake: FakeSlack, channel: str | None = None) -> list[Call]:
    """The successful chat.postMessage calls (to one channel argument, if given)."""
    calls = [call for call in fake.calls_to("chat.postMessage") if call.ok]
    return [call for call in calls if channel is None or call.args.get("channel") == channel]


def reminders(c: Container, now: datetime) -> int:
    """One reminder poll at `now`, through the app's Slack client."""
    return c.jobs(c.slack_client).send_due_reminders(now)


def action_values(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """The buttons of a message: action_id -> value."""
    return {
        element["action_id"]: element["value"]
        for block in blocks
        if block.get("type") == "actions"
        for element in block["elements"]
    }


class GatedClient:
    """A Slack client whose first chat.postMessage waits until the test lets it through.

    It lets a test hold one "process" in the middle of a job while another one runs.
    """

    def __init__(self, inner: WebClient):
        self.inner = inner
        self.entered, self.proceed = threading.Event(), threading.Event()
        self._first = True

    def chat_postMessage(self, **kwargs: Any) -> SlackResponse:  # noqa: N802 - WebClient's name
        if self._first:
            self._first = False
            self.entered.set()
            if not self.proceed.wait(15):
                raise TimeoutError("the test never released the gate")
        return self.inner.chat_postMessage(**kwargs)

    def as_client(self) -> WebClient:
        """This gate, typed as the client the jobs take."""
        return cast(WebClient, self)


def in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run `target` in a started thread; its result (or exception) lands in the list."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(target())
        except Exception as error:  # handed to the test, which asserts on it
            out.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll an observable state until it holds, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


# the scheduler processes


def run_workers(
    count: int, pg_url: str, fake: FakeSlack, now: datetime, *extra: str
) -> list[dict[str, Any]]:
    """Start `count` scheduler processes, release them together, return what each did."""
    env = {**os.environ, "DATABASE_URL": pg_url, "SLACK_API_URL": fake.url}
    env["SLACK_BOT_TOKEN"] = BOT_TOKEN
    command = [sys.executable, "-m", "tests.integration.reminder_worker", now.isoformat(), *extra]
    processes = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(count)
    ]
    try:
        deadline = time.monotonic() + WORKER_TIMEOUT_S
        for process in processes:
            _expect_ready(process, deadline)
        for process in processes:  # the start signal, as close together as possible
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, err = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
            assert process.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def _expect_ready(process: subprocess.Popen[str], deadline: float) -> None:
    """Wait for a worker's `ready` line; fail with its stderr if it dies or stalls."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
    line = process.stdout.readline() if ready else ""
    if line.strip() != "ready":
        process.kill()
        _, err = process.communicate()
        pytest.fail(f"scheduler process did not get ready (said {line!r}):\n{err}")


# 1. exactly once with parallel schedulers


def test_hundred_due_reminders_four_processes_each_sent_exactly_once(
    pg: Engine, pg_url: str, slack: FakeSlack
) -> None:
    now = jst(MON, "09:00")
    owners = [f"U{n:03d}" for n in range(1, 101)]
    for n, owner in enumerate(owners):
        room, k = divmod(n, 17)  # 6 rooms, up to 17 back-to-back 30-second meetings each
        start = now + timedelta(seconds=30 * (k + 1))  # all within the 10-minute lead
        insert(pg, str(room + 1), owner, start, seconds=30, created=now - timedelta(days=1))

    outcomes = run_workers(4, pg_url, slack, now)

    calls = slack.calls_to("chat.postMessage")
    assert len(calls) == 100 and all(call.ok for call in calls)
    assert sorted(call.args["channel"] for call in calls) == owners
    assert all(len(slack.messages(f"D{owner}")) == 1 for owner in owners)
    rows = all_rows(pg)
    assert len(rows) == 100 and all(row.reminded_at == now for row in rows)
    sent = {o["pid"]: o["results"]["reminders"] for o in outcomes}
    log.info("reminders sent per scheduler process: %s", sent)
    assert sum(sent.values()) == 100 and len(sent) == 4
    assert sum(1 for n in sent.values() if n > 0) >= 2, f"no parallelism: {sent}"


# 2. the reminder itself, and when none is due


def test_reminder_dm_to_the_booker_once_with_check_in_and_release_buttons(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    start = jst(MON, "14:00")
    made = book(c, "1", "U1", start, title="定例")
    due = start - LEAD
    assert reminders(c, due - timedelta(minutes=1)) == 0
    assert slack.calls_to("chat.postMessage") == []

    assert reminders(c, due) == 1
    [call] = posts(slack)
    assert call.args["channel"] == "U1"
    assert "まもなく開始します" in call.args["text"]
    assert "会議室A" in call.args["text"] and "14:00" in call.args["text"]
    assert action_values(call.args["blocks"]) == {
        "check_in": f"{made}:ja",
        "release_room": f"{made}:ja",
    }
    assert get(pg, made).reminded_at == due

    assert reminders(c, due) == 0  # polling again sends nothing more
    assert reminders(c, due + timedelta(minutes=5)) == 0
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_cancelled_before_the_reminder_gets_none(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    start = jst(MON, "14:00")
    made = book(c, "1", "U1", start)
    services.cancel_reservation(
        c.uow(), reservation_id=made, actor_id="slack:U1", now=start - timedelta(minutes=30)
    )
    assert reminders(c, start - LEAD) == 0
    assert reminders(c, start - timedelta(minutes=1)) == 0
    assert slack.calls_to("chat.postMessage") == []


def test_moved_reservation_the_reminder_follows_it(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    old, new = jst(MON, "14:00"), jst(MON, "15:00")
    made = book(c, "1", "U1", old)
    services.change_reservation(
        c.uow(), c.policy, reservation_id=made, actor_id="slack:U1", now=jst(MON, "13:00"),
        start=new, end=new + timedelta(minutes=30),
    )  # fmt: skip
    assert reminders(c, old - LEAD) == 0  # the old due time: nothing stale
    assert reminders(c, old - timedelta(minutes=1)) == 0
    assert slack.calls_to("chat.postMessage") == []

    assert reminders(c, new - LEAD) == 1
    [call] = posts(slack, "U1")
    assert "15:00" in call.args["text"]
    assert get(pg, made).reminded_at == new - LEAD


def test_moved_after_its_reminder_gets_a_new_one_for_the_new_time(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    old, new = jst(MON, "14:00"), jst(MON, "16:00")
    made = book(c, "1", "U1", old)
    assert reminders(c, old - LEAD) == 1
    services.change_reservation(
        c.uow(), c.policy, reservation_id=made, actor_id="slack:U1", now=old - timedelta(minutes=8),
        start=new, end=new + timedelta(minutes=30),
    )  # fmt: skip
    assert get(pg, made).reminded_at is None
    assert reminders(c, old) == 0
    assert reminders(c, new - LEAD) == 1
    assert ["14:00" in p.args["text"] for p in posts(slack, "U1")] == [True, False]
    assert "16:00" in posts(slack, "U1")[1].args["text"]


def test_booked_within_the_lead_time_gets_no_reminder_and_is_marked_handled(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    start = jst(MON, "14:00")
    late = start - timedelta(minutes=5)
    made = book(c, "1", "U1", start, now=late)
    assert reminders(c, late) == 0
    assert get(pg, made).reminded_at == late  # handled: never claimed again
    assert reminders(c, late + timedelta(minutes=1)) == 0
    assert slack.calls_to("chat.postMessage") == []


def test_after_downtime_a_meeting_already_started_gets_no_reminder(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    started = book(c, "1", "U1", jst(MON, "13:55"))
    upcoming = book(c, "2", "U2", jst(MON, "14:00"))
    back = jst(MON, "13:57")  # the scheduler was down from 13:40 until now
    assert reminders(c, back) == 1  # late, but before its start: still useful
    assert [p.args["channel"] for p in posts(slack)] == ["U2"]
    assert get(pg, upcoming).reminded_at == back
    assert reminders(c, jst(MON, "14:00")) == 0
    assert reminders(c, jst(MON, "14:03")) == 0
    assert [p.args["channel"] for p in slack.calls_to("chat.postMessage")] == ["U2"]
    assert get(pg, started).active


def test_owners_that_are_not_slack_users_get_no_dm(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    start = jst(MON, "14:00")
    by_api = book(c, "1", "api", start)
    by_name = book(c, "3", "alice", start)
    by_slack = book(c, "2", "U2", start)
    assert reminders(c, start - LEAD) == 1
    assert [call.args["channel"] for call in slack.calls_to("chat.postMessage")] == ["U2"]
    for made in (by_api, by_name, by_slack):
        assert get(pg, made).reminded_at == start - LEAD


def test_slack_outage_leaves_the_reminder_for_the_next_poll_which_sends_it_once(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    start = jst(MON, "14:00")
    made = book(c, "1", "U1", start)
    slack.fail_next("chat.postMessage", status=500, times=5)  # more than the client's retries
    assert reminders(c, start - LEAD) == 0
    failed = slack.calls_to("chat.postMessage")
    assert failed and not any(call.ok for call in failed)
    assert get(pg, made).reminded_at is None

    later = start - LEAD + timedelta(minutes=1)
    assert reminders(c, later) == 1  # the last scripted failures are retried by the client
    assert len(posts(slack, "U1")) == 1
    assert get(pg, made).reminded_at == later
    assert reminders(c, later + timedelta(minutes=1)) == 0
    assert len(posts(slack, "U1")) == 1


def test_one_permanently_refused_dm_does_not_hold_up_the_other_reminders(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    book(c, "1", "UGONE", jst(MON, "14:00"))  # a deactivated account: Slack refuses its DMs
    book(c, "2", "U2", jst(MON, "14:05"))
    slack.fail_next("chat.postMessage", status=200, error="account_inactive", retry_after=None)
    reminders(c, jst(MON, "13:55"))
    assert [call.args["channel"] for call in posts(slack)] == ["U2"]


# 3. no-show release


def test_no_show_released_and_booker_told_a_checked_in_one_kept(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make(no_show_release_minutes=10)
    start = jst(MON, "14:00")
    absent = book(c, "1", "U1", start)
    present = book(c, "2", "U2", start)
    services.check_in(c.uow(), reservation_id=present, actor_id="slack:U2", now=jst(MON, "14:02"))

    assert c.jobs(c.slack_client).release_no_shows(jst(MON, "14:09")) == 0
    assert c.jobs(c.slack_client).release_no_shows(jst(MON, "14:10")) == 1
    released = get(pg, absent)
    assert not released.active and released.cancelled_by == "no-show"
    assert released.cancelled_at == jst(MON, "14:10")
    kept = get(pg, present)
    assert kept.active and kept.checked_in_at == jst(MON, "14:02")
    [dm] = slack.calls_to("chat.postMessage")
    assert dm.ok and dm.args["channel"] == "U1"
    assert "10分" in dm.args["text"] and "会議室A" in dm.args["text"]

    assert c.jobs(c.slack_client).release_no_shows(jst(MON, "14:11")) == 0
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_no_show_release_is_off_when_the_setting_is_zero(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()  # NO_SHOW_RELEASE_MINUTES defaults to 0
    made = book(c, "1", "U1", jst(MON, "14:00"))
    assert c.jobs(c.slack_client).release_no_shows(jst(MON, "14:25")) == 0
    assert c.scheduler(c.slack_client).run_jobs(jst(MON, "14:25"))["no_shows"] == 0
    assert get(pg, made).active
    assert slack.calls_to("chat.postMessage") == []


def test_no_show_release_in_two_schedulers_at_once_tells_each_booker_once(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    first, second = make(no_show_release_minutes=10), make(no_show_release_minutes=10)
    for room, owner in (("1", "U1"), ("2", "U2")):
        book(first, room, owner, jst(MON, "14:00"))
    now = jst(MON, "14:10")
    gate = GatedClient(first.slack_client)
    thread, out = in_thread(lambda: first.jobs(gate.as_client()).release_no_shows(now))
    assert gate.entered.wait(10), "the first scheduler never told a booker"
    # The first scheduler has released one booking and is telling its booker; the other polls.
    by_second = second.jobs(second.slack_client).release_no_shows(now)
    gate.proceed.set()
    thread.join(15)
    assert out and not isinstance(out[0], Exception), out
    assert sorted(call.args["channel"] for call in posts(slack)) == ["U1", "U2"]
    assert out[0] + by_second == 2


# 4. the daily digest


def test_digest_posted_once_at_0830_on_a_weekday(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make(digest_channel=DIGEST_CHANNEL)
    book(c, "1", "U1", jst(MON, "14:00"), title="定例")
    client = c.slack_client
    assert c.jobs(client).post_digest(jst(MON, "08:29")) is False
    assert c.jobs(client).post_digest(jst(MON, "08:30")) is True
    assert c.jobs(client).post_digest(jst(MON, "08:30")) is False
    assert c.jobs(client).post_digest(jst(MON, "08:45")) is False
    other = make(digest_channel=DIGEST_CHANNEL)  # another process on the same database
    assert other.jobs(other.slack_client).post_digest(jst(MON, "08:31")) is False

    [post] = slack.calls_to("chat.postMessage")
    assert post.ok and post.args["channel"] == DIGEST_CHANNEL
    assert "今日の会議室の予約" in post.args["text"]
    shown = json.dumps(post.args["blocks"], ensure_ascii=False)
    assert "会議室A" in shown and "14:00" in shown and "定例" in shown


@pytest.mark.parametrize(
    ("now", "channel"),
    [
        (jst(MON, "09:01"), DIGEST_CHANNEL),  # 08:30 + 30 minutes' grace + 1: too late
        (jst(SAT, "08:30"), DIGEST_CHANNEL),
        (jst(SUN, "08:30"), DIGEST_CHANNEL),
        (jst(MON, "08:30"), None),  # no DIGEST_CHANNEL: off
    ],
    ids=["after-grace", "saturday", "sunday", "no-channel"],
)
def test_digest_not_posted(
    pg: Engine,
    make: Callable[..., Container],
    slack: FakeSlack,
    now: datetime,
    channel: str | None,
) -> None:
    c = make(digest_channel=channel)
    assert c.jobs(c.slack_client).post_digest(now) is False
    assert slack.calls_to("chat.postMessage") == []


def test_digest_still_posted_at_the_end_of_the_grace(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make(digest_channel=DIGEST_CHANNEL)
    assert c.jobs(c.slack_client).post_digest(jst(MON, "09:00")) is True
    assert len(posts(slack, DIGEST_CHANNEL)) == 1


def test_digest_that_slack_failed_is_posted_at_a_later_poll_within_the_grace(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make(digest_channel=DIGEST_CHANNEL)
    slack.fail_next("chat.postMessage", status=500, times=3)  # every attempt of one poll
    assert c.scheduler(c.slack_client).run_jobs(jst(MON, "08:30"))["digest"] == "failed"
    assert posts(slack) == []
    assert c.jobs(c.slack_client).post_digest(jst(MON, "08:35")) is True
    assert len(posts(slack, DIGEST_CHANNEL)) == 1


def test_digest_from_two_containers_at_the_same_moment_is_posted_once(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    first, second = make(digest_channel=DIGEST_CHANNEL), make(digest_channel=DIGEST_CHANNEL)
    now = jst(MON, "08:30")
    gate = GatedClient(first.slack_client)
    thread, out = in_thread(lambda: first.jobs(gate.as_client()).post_digest(now))
    assert gate.entered.wait(10), "the first container never posted"
    # The first has claimed the day and is posting; the second runs now and must wait for it.
    other, other_out = in_thread(lambda: second.jobs(second.slack_client).post_digest(now))
    wait_until(lambda: lock_waiters(pg) >= 1, 5, "the second digest to wait on the first")
    gate.proceed.set()
    thread.join(15)
    other.join(15)
    assert (out, other_out) == ([True], [False])
    assert len(slack.calls_to("chat.postMessage")) == 1


# 5. the leader lock


def holder_pid(engine: Engine, lock_id: int) -> int:
    """The server pid of the session holding an advisory lock."""
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = :id AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with engine.connect() as connection:
        return int(connection.execute(query, {"id": lock_id}).scalar_one())


def drop_connection(engine: Engine, lock_id: int) -> None:
    """End the holder's database session, as when its host or process dies."""
    pid = holder_pid(engine, lock_id)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    wait_until(lambda: advisory_lock_holders(engine, lock_id) == 0, 5, "the lock to be freed")


@pytest.fixture
def engines(pg_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines, as two processes would have."""
    first, second = make_engine(pg_url), make_engine(pg_url)
    yield first, second
    first.dispose()
    second.dispose()


def test_leader_lock_one_holder_and_the_other_takes_over_when_its_connection_drops(
    engines: tuple[Engine, Engine],
) -> None:
    lock_id = LOCK_BASE + 1
    a, b = LeaderLock(engines[0], lock_id), LeaderLock(engines[1], lock_id)
    try:
        assert a.acquire() is True
        assert b.acquire() is False
        assert a.acquire() is True  # staying leader: cheap, and still true
        assert (a.held, b.held) == (True, False)
        assert advisory_lock_holders(engines[1], lock_id) == 1

        drop_connection(engines[1], lock_id)
        assert b.acquire() is True  # the next try
        assert a.acquire() is False  # the old holder notices it lost the lock
        assert advisory_lock_holders(engines[0], lock_id) == 1
    finally:
        a.release()
        b.release()


def test_leader_lock_released_by_its_holder_passes_to_the_other(
    engines: tuple[Engine, Engine],
) -> None:
    lock_id = LOCK_BASE + 2
    a, b = LeaderLock(engines[0], lock_id), LeaderLock(engines[1], lock_id)
    try:
        assert a.acquire() is True and b.acquire() is False
        a.release()
        assert not a.held
        assert b.acquire() is True
        assert advisory_lock_holders(engines[0], lock_id) == 1
    finally:
        a.release()
        b.release()
        engines[0].dispose()  # the leaked lock goes with the pooled connection


def test_leader_lock_passes_on_when_the_holders_engine_is_disposed_after_release(
    engines: tuple[Engine, Engine],
) -> None:
    lock_id = LOCK_BASE + 3
    a, b = LeaderLock(engines[0], lock_id), LeaderLock(engines[1], lock_id)
    try:
        assert a.acquire() is True and b.acquire() is False
        a.release()
        engines[0].dispose()  # the process shuts its pool down (as a worker exiting does)
        freed = lambda: advisory_lock_holders(engines[1], lock_id) == 0  # noqa: E731
        wait_until(freed, 5, "the server to end the closed session")
        assert b.acquire() is True
        assert advisory_lock_holders(engines[1], lock_id) == 1
    finally:
        b.release()


@pytest.fixture
def other_database(pg_url: str) -> Iterator[str]:
    """A second, empty database on the same PostgreSQL server (named after the test's own)."""
    name = workers.database_name(pg_url, "lock_scope")
    yield workers.create_database(pg_url, name)
    workers.drop_database(pg_url, name)


def test_advisory_lock_holders_counts_only_this_database(pg: Engine, other_database: str) -> None:
    lock_id = LOCK_BASE + 4
    elsewhere = make_engine(other_database)
    theirs, ours = LeaderLock(elsewhere, lock_id), LeaderLock(pg, lock_id)
    try:
        assert theirs.acquire() is True
        assert ours.acquire() is True  # advisory locks are per database: both lead their own
        assert advisory_lock_holders(pg, lock_id) == 1
    finally:
        theirs.release()
        ours.release()
        elsewhere.dispose()


def test_only_the_lock_holder_runs_the_jobs_and_a_standby_takes_over(
    pg: Engine, make: Callable[..., Container], slack: FakeSlack
) -> None:
    lock_id = LOCK_BASE + 5
    start = jst(MON, "14:00")
    c1, c2 = make(now=start - LEAD), make(now=start - LEAD)
    book(c1, "1", "U1", start)
    one = c1.scheduler(c1.slack_client, LeaderLock(c1.engine, lock_id))
    two = c2.scheduler(c2.slack_client, LeaderLock(c2.engine, lock_id))
    try:
        one.tick()
        two.tick()
        assert (one.state()["role"], two.state()["role"]) == ("leader", "standby")
        assert one.state()["last_run"] == (start - LEAD).isoformat()
        assert two.state()["last_run"] is None
        assert [call.args["channel"] for call in posts(slack)] == ["U1"]

        drop_connection(c2.engine, lock_id)  # the leader's process or host is gone
        two.tick()
        one.tick()
        assert (one.state()["role"], two.state()["role"]) == ("standby", "leader")
        assert two.state()["last_run"] is not None
        assert advisory_lock_holders(c1.engine, lock_id) == 1
        assert len(slack.calls_to("chat.postMessage")) == 1  # nothing sent twice
    finally:
        one.stop()
        two.stop()


# configuration


def test_reminder_settings_are_read_from_the_environment() -> None:
    env = {
        "REMINDER_LEAD_MINUTES": "15",
        "NO_SHOW_RELEASE_MINUTES": "10",
        "DIGEST_CHANNEL": DIGEST_CHANNEL,
        "DIGEST_TIME": "09:00",
        "DIGEST_GRACE_MINUTES": "20",
        "SCHEDULER_IN_WEB": "false",
        "SCHEDULER_POLL_SECONDS": "2",
    }
    s = Settings.from_env(env, dotenv_path=None)
    assert (s.reminder_lead_minutes, s.no_show_release_minutes) == (15, 10)
    assert (s.digest_channel, s.digest_time, s.digest_grace_minutes) == (
        DIGEST_CHANNEL,
        "09:00",
        20,
    )
    assert (s.scheduler_in_web, s.scheduler_poll_seconds) == (False, 2)
