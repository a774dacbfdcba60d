"""Shared fixtures: real PostgreSQL and Redis from `make test`, fresh SQLite files, a fixed clock.

A test that needs PostgreSQL or Redis fails (never skips) when the server is unreachable:
`make test` starts throwaway servers and passes TEST_DATABASE_URL / TEST_REDIS_URL. Under
pytest-xdist (`-n 2`) each worker has a database and a Redis index of its own (tests/workers.py).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from booking.clock import JST
from storage.engine import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.rooms_file import load_rooms, sync_rooms
from tests import workers
from tests.workers import pytest_xdist_make_scheduler  # noqa: F401  (a hook: xdist finds it here)

ROOT = Path(__file__).resolve().parent.parent
ROOMS_FILE = ROOT / "rooms.yml"
NOW = datetime(2025, 9, 28, 10, 0, tzinfo=JST)
RULE_TABLES = ("notices", "approval_decisions", "waitlist")  # PostgreSQL: TRUNCATE … CASCADE


def _service_url(name: str) -> str:
    """The URL of a required test service, or a failure that says how to provide it."""
    url = os.environ.get(name)
    if not url:
        pytest.fail(f"{name} is not set: run the suite with `make test`, which starts the servers")
    return url


class MigrationFailed(Exception):
    """The test database was reached but could not be migrated (the chained error says why)."""


def _connect_or_fail(engine: Engine) -> None:
    """Fail the test, giving the driver's reason, when PostgreSQL cannot be connected to."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        failure = f"cannot connect to PostgreSQL at TEST_DATABASE_URL: {reason}"
    else:
        return
    pytest.fail(failure, pytrace=False)


def lock_waiters(engine: Engine) -> int:
    """Sessions of this database blocked on a row or transaction lock right now."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def wait_for_a_lock_waiter(engine: Engine, timeout: float, failure: str) -> None:
    """Poll until a session of this database waits on a lock; AssertionError(failure) if none
    does within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not lock_waiters(engine):
        if time.monotonic() >= deadline:
            raise AssertionError(failure)
        time.sleep(0.05)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A reachable, migrated PostgreSQL database (fails the test when it is neither).

    Without `-n` it is TEST_DATABASE_URL's database; on an xdist worker, a database of the
    worker's own on that server (created here, dropped at the end).
    """
    server_url = _service_url("TEST_DATABASE_URL")
    engine = make_engine(server_url)
    try:
        _connect_or_fail(engine)
    finally:
        engine.dispose()
    name = workers.worker()
    url = server_url
    if name is not None:
        url = workers.create_database(server_url, workers.database_name(server_url, name))
    engine = make_engine(url)
    try:
        upgrade(engine)
    except Exception as error:
        message = f"migrating PostgreSQL at TEST_DATABASE_URL failed: {type(error).__name__}"
        raise MigrationFailed(message) from error
    finally:
        engine.dispose()
    yield url
    if name is not None:
        workers.drop_database(server_url, workers.database_name(server_url, name))


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A reachable Redis server (fails the test when unreachable); an index per xdist worker."""
    url = workers.redis_url_for_worker(_service_url("TEST_REDIS_URL"))
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at TEST_REDIS_URL is unreachable: {type(error).__name__}")
    return url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On an xdist worker, the slowest directories first (see tests/workers.py)."""
    workers.reorder(items)


CALENDAR_TABLES = ("calendar_outbox", "calendar_links", "calendar_cursors", "feed_tokens")
DEADLOCK_ATTEMPTS = 3


def reset(engine: Engine) -> None:
    """Empty the tables (reservations, rooms, answer feedback, board tokens); load the rooms.

    An app server under test may still be finishing the previous test's work (an answer thread,
    a scheduler tick) and hold its rooms-then-reservations locks while TRUNCATE takes them in
    its own order; PostgreSQL then picks the TRUNCATE as the deadlock victim. A deadlock victim
    is retried, as PostgreSQL documents for 40P01; the other transaction has finished by then.
    """
    for attempt in range(DEADLOCK_ATTEMPTS):
        try:
            _empty(engine)
            break
        except OperationalError as error:
            deadlock = getattr(error.orig, "pgcode", None) == "40P01"
            if not deadlock or attempt == DEADLOCK_ATTEMPTS - 1:
                raise
    sync_rooms(make_session_factory(engine), load_rooms(ROOMS_FILE))


def _empty(engine: Engine) -> None:
    """Empty the tables in one transaction."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text(
                    "TRUNCATE reservations, rooms, answer_feedback, feed_tokens"
                    " RESTART IDENTITY CASCADE"
                )
            )
        else:  # children first: SQLite enforces the foreign keys
            connection.execute(text("DELETE FROM answer_feedback"))
            connection.execute(text("DELETE FROM board_tokens"))
            for table in (*CALENDAR_TABLES, *RULE_TABLES, "reservations", "series", "rooms"):
                connection.execute(text(f"DELETE FROM {table}"))


def sqlite_url(tmp_path: Path) -> str:
    """A fresh, migrated SQLite file under tmp_path."""
    url = f"sqlite:///{tmp_path / 'roombot.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on SQLite and on real PostgreSQL, each starting with the example rooms."""
    url = sqlite_url(tmp_path) if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    reset(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the parametrised database."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def cli_logging() -> Iterator[None]:
    """Remove and stop the log writer `bot.cli.main` installed on the root logger in this test."""
    from bot.observability import BackgroundWriter  # it writes to this test's captured stderr

    root = logging.getLogger()
    level = root.level
    yield
    for handler in list(root.handlers):
        if isinstance(handler, BackgroundWriter):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
