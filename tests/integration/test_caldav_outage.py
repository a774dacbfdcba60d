"""The CalDAV server goes down and comes back: nothing is lost, nothing is written twice.

A Radicale of this module's own (scripts/radicale_service.py, the one `make test` uses) is
stopped and started on the same port and data, so the bot meets a refused connection.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest

from booking import services
from booking.calendar import reservation_uid
from booking.outbox import backoff
from storage.engine import make_engine
from tests.conftest import ROOT, reset
from tests.integration.calendar_support import NOW, Sync, caldav_settings, jst, make_sync


def _tools() -> ModuleType:
    """scripts/radicale_service.py (not a package), loaded by path."""
    spec = importlib.util.spec_from_file_location(
        "roombot_radicale_service", ROOT / "scripts" / "radicale_service.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    """A private Radicale the tests may stop and start."""
    caldav_settings()  # the suite runs under `make test`, which provides the package and server
    radicale = _tools().RadicaleServer()
    radicale.start()
    yield radicale
    radicale.remove()


@pytest.fixture
def sync(pg_url: str, server: Any) -> Iterator[Sync]:
    """The sync against the private server, on PostgreSQL."""
    engine = make_engine(pg_url)
    reset(engine)
    engine.dispose()
    built = make_sync(pg_url, (server.url, _tools().USERNAME, server.password))
    yield built
    built.container.engine.dispose()
    if server.proc is None or server.proc.poll() is not None:
        server.start()


def pending(sync: Sync) -> list[tuple[int, int]]:
    """(attempts, id) of every undelivered outbox entry."""
    with sync.container.uow() as uow:
        entry, found = uow.outbox.next_due(NOW + timedelta(days=30)), []
        while entry is not None and entry.id is not None:
            found.append((entry.attempts, entry.id))
            uow.outbox.lease([entry.id], NOW + timedelta(days=60))
            entry = uow.outbox.next_due(NOW + timedelta(days=30))
        return found  # rolled back on exit: nothing was changed


def test_changes_made_while_the_server_is_down_arrive_once_in_their_last_state(
    sync: Sync, server: Any
) -> None:
    sync.calendars.ensure(sync.room("1"))
    server.stop()
    made = sync.container.desk.book(
        "slack:U1", "1", jst("10:00"), jst("11:00"), "障害中の予約", "slack"
    )
    assert made.id is not None
    assert sync.pusher.drain(NOW) == 0
    assert [a for a, _ in pending(sync)] == [1]
    assert sync.pusher.drain(NOW + timedelta(seconds=10)) == 0  # backing off: not even tried
    for start, end in (("13:00", "14:00"), ("15:00", "16:00")):  # changed twice while down
        services.change_reservation(sync.container.uow(), sync.container.policy,
                                    reservation_id=made.id, actor_id="slack:U1", now=NOW,
                                    start=jst(start), end=jst(end))  # fmt: skip
    later = NOW + backoff(1)
    assert sync.pusher.drain(later) == 0  # still down: one attempt, the drain stops
    assert sync.puller.pull(later)["failed"] == 1  # the pull says so and goes on next time
    server.start()
    assert sync.pusher.drain(later + backoff(2)) == 1
    assert pending(sync) == []
    [(uid, event)] = sync.events("1").items()
    assert uid == reservation_uid(made.id)
    assert event["DTSTART"].dt == jst("15:00") and int(event["SEQUENCE"]) == 2
    assert str(event["SUMMARY"]) == "障害中の予約"


def test_a_server_that_stays_down_backs_off_longer_each_time(sync: Sync, server: Any) -> None:
    server.stop()
    sync.container.desk.book("slack:U1", "2", jst("09:00"), jst("10:00"), "", "slack")
    now = NOW
    for attempt in range(1, 5):
        assert sync.pusher.drain(now) == 0
        assert [a for a, _ in pending(sync)] == [attempt]
        assert sync.pusher.drain(now + backoff(attempt) - timedelta(seconds=1)) == 0
        assert [a for a, _ in pending(sync)] == [attempt]  # not retried before its time
        now += backoff(attempt)
    assert backoff(4) == timedelta(minutes=4) and backoff(30) == timedelta(hours=1)
