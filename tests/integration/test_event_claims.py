"""Event ids claimed in the database (PostgreSQL and SQLite) and the de-duplicator built on them.

Each "worker" here is its own engine (its own connection pool), as each gunicorn worker or node
has; Redis is real (make test's server), or a closed port for an outage.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import Engine, insert, select

from storage.dedupe import EventDeduper
from storage.engine import make_engine
from storage.event_claims import DatabaseClaims
from storage.models import EventClaimRow

T0 = datetime(2001, 1, 1, 3, 0, tzinfo=UTC)  # before any real claim: purges spare those
WORKERS = 4


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def new_id() -> str:
    """A fresh Slack-like event id."""
    return f"Ev{uuid.uuid4().hex[:12].upper()}"


def closed_port() -> int:
    """A local port nobody listens on (Redis is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_down() -> redis.Redis:
    """A client of a Redis that is not there (built as the composition root builds it)."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


@pytest.fixture
def engines(db_url: str) -> Iterator[list[Engine]]:
    """One engine per simulated worker, all on the same database."""
    built = [make_engine(db_url) for _ in range(WORKERS)]
    yield built
    for engine in built:
        engine.dispose()


def claimed(engine: Engine, *ids: str) -> list[str]:
    """Which of the ids have a claim row."""
    row = EventClaimRow
    with engine.connect() as connection:
        found = connection.execute(select(row.event_id).where(row.event_id.in_(ids))).scalars()
        return sorted(found)


def test_each_id_is_first_exactly_once_across_workers(engines: list[Engine]) -> None:
    """Every worker claims the same 10 ids at once: each id has exactly one winner."""
    workers = [DatabaseClaims(engine) for engine in engines]
    ids = [new_id() for _ in range(10)]

    def claim_all(worker: DatabaseClaims) -> list[bool]:
        return [worker.claim(event_id) for event_id in ids]

    with ThreadPoolExecutor(len(workers)) as pool:
        results = list(pool.map(claim_all, workers))

    winners = [sum(result[i] for result in results) for i in range(len(ids))]
    assert winners == [1] * len(ids)
    assert [workers[0].claim(event_id) for event_id in ids] == [False] * len(ids)


def test_an_expired_claim_is_taken_over_once_and_purged(engines: list[Engine]) -> None:
    """After the TTL the id may be claimed again (once); purging removes only expired rows."""
    clock = Clock()
    first, second = (DatabaseClaims(e, ttl=60, clock=clock) for e in engines[:2])
    old, young = new_id(), new_id()
    assert first.claim(old) is True
    clock.now = T0 + timedelta(seconds=59)
    assert second.claim(old) is False
    assert first.claim(young) is True

    clock.now = T0 + timedelta(seconds=60)
    assert [second.claim(old), first.claim(old)] == [True, False]

    first.purge(T0 + timedelta(seconds=60 + 59))  # `young` has expired, `old` was renewed
    assert claimed(engines[0], old, young) == [old]
    assert second.claim(young) is True


def test_claims_purge_expired_rows_as_they_go(engines: list[Engine]) -> None:
    """A claim made after the purge interval deletes the rows that have expired meanwhile (in
    the background: the claim, on Slack's ack path, does not wait for it)."""
    clock = Clock()
    claims = DatabaseClaims(engines[0], ttl=60, clock=clock, purge_every=timedelta(minutes=10))
    stale = [new_id() for _ in range(3)]
    for event_id in stale:
        claims.claim(event_id)
    clock.now = T0 + timedelta(minutes=10)
    claims.claim(new_id())
    assert claims.last_purge is not None
    claims.last_purge.result(timeout=10)

    assert claimed(engines[0], *stale) == []


def test_with_redis_down_a_retry_on_another_worker_is_dropped(
    engines: list[Engine], caplog: pytest.LogCaptureFixture
) -> None:
    """No Redis: the database decides, for every worker."""
    a, b = (EventDeduper(redis_down(), DatabaseClaims(e)) for e in engines[:2])
    event_id = new_id()

    with caplog.at_level(logging.WARNING, logger="storage.dedupe"):
        assert a.first_time(event_id) is True
    assert b.first_time(event_id) is False
    assert a.first_time(event_id) is False
    assert "event de-duplication falls back to the database" in caplog.text


def test_a_retry_is_dropped_across_the_start_and_the_end_of_a_redis_outage(
    engines: list[Engine], redis_url: str
) -> None:
    """Claimed with Redis up, retried while it is down; claimed while down, retried once back."""
    up = redis.Redis.from_url(redis_url)
    before_outage, during_outage = new_id(), new_id()
    healthy = EventDeduper(up, DatabaseClaims(engines[0]))
    broken = EventDeduper(redis_down(), DatabaseClaims(engines[1]))

    assert healthy.first_time(before_outage) is True
    assert broken.first_time(before_outage) is False

    assert broken.first_time(during_outage) is True
    assert healthy.first_time(during_outage) is False
    up.delete(f"slack_event:{before_outage}", f"slack_event:{during_outage}")
    up.close()


def test_a_blocked_database_never_holds_up_the_answer(
    engines: list[Engine], redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The claim waits on a lock another session holds: Redis's answer is given meanwhile."""
    event_id = new_id()
    up = redis.Redis.from_url(redis_url)
    deduper = EventDeduper(up, DatabaseClaims(engines[0]), database_deadline=0.5)
    with engines[1].connect() as blocker:
        blocker.begin()  # SQLite: BEGIN IMMEDIATE holds the write lock; PostgreSQL: the row lock
        expires = datetime.now(UTC) + timedelta(hours=1)
        key = f"slack_event:{event_id}"  # the key the deduper claims in every store
        blocker.execute(insert(EventClaimRow).values(event_id=key, expires_at=expires))
        with caplog.at_level(logging.WARNING, logger="storage.dedupe"):
            first = deduper.first_time(event_id)  # without the deadline: a lock wait
        blocker.rollback()
    assert first is True
    assert "event de-duplication cannot use the database: no answer within 0.5 s" in caplog.text
    assert deduper.first_time(event_id) is False  # Redis still remembers it
    up.delete(f"slack_event:{event_id}")
    up.close()


def test_with_both_down_each_process_still_drops_its_own_retries() -> None:
    """Neither Redis nor a database: the per-process memory is the last resort."""
    deduper = EventDeduper(redis_down(), None)
    event_id = new_id()
    assert [deduper.first_time(event_id), deduper.first_time(event_id)] == [True, False]
