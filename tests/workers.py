"""Running the suite on several pytest-xdist workers (`make test` runs `pytest -n 2`).

Each worker has a PostgreSQL database of its own on the session's server (the server URL's
database name plus `_gw0`, `_gw1`, …, created and migrated by `pg_url`) and a Redis database
index of its own (the URL's index plus 1 + the worker's number), so one worker's resets, kills
and counts never reach another's tests. Radicale needs nothing: every calendar test already
works in calendars of its own (`calendar_support.unique_calendars`).

The scheduling keeps a test file on one worker (its module-scoped servers start once) and the
whole fault suite (tests/reliability: private servers it stops and restarts, deadline checks)
on one worker, and hands out the slowest directories first so that the two workers finish
together. Without `-n` none of this applies: one process, the server URL's own database.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import PurePosixPath
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.engine import make_engine

ONE_WORKER = ("tests/reliability",)  # a directory whose tests all run on one worker
# Directories by what their tests cost (slowest first): the longest work starts first.
FIRST = ("tests/reliability", "tests/e2e", "tests/browser", "tests/property", "tests/integration")


def worker() -> str | None:
    """This process's xdist worker id (`gw0`, …), None when pytest runs without `-n`."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def worker_number() -> int | None:
    """The worker's number (0 for `gw0`), None without `-n`."""
    name = worker()
    return int(name.removeprefix("gw")) if name else None


def database_name(server_url: str, suffix: str) -> str:
    """A database name of this worker's own: the session database's name plus `suffix`."""
    return f"{make_url(server_url).database}_{suffix}"


def url_of_database(server_url: str, name: str) -> str:
    """The URL of another database on the same server."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _as_admin(server_url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE and DROP DATABASE) on the server."""
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        admin.dispose()


def create_database(server_url: str, name: str) -> str:
    """(Re)create an empty database `name` on the server of server_url; its URL."""
    _as_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
              f'CREATE DATABASE "{name}"')  # fmt: skip
    return url_of_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop a database (its remaining sessions are ended first)."""
    _as_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_url_for_worker(url: str) -> str:
    """The worker's own Redis database index (the URL's own without `-n`)."""
    number = worker_number()
    if number is None:
        return url
    parts = urllib.parse.urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{base + 1 + number}"))


def _directory(nodeid: str) -> str:
    """The directory of a test's file, as in its node id (`tests/e2e`)."""
    return str(PurePosixPath(nodeid.split("::", 1)[0]).parent)


def _within(nodeid: str, root: str) -> bool:
    """Whether a test's file lies in directory `root` or below it."""
    directory = _directory(nodeid)
    return directory == root or directory.startswith(root + "/")


def _rank(nodeid: str) -> int:
    """Where a test's directory comes in FIRST (the others after them)."""
    return next((rank for rank, first in enumerate(FIRST) if _within(nodeid, first)), len(FIRST))


def unit_of(nodeid: str) -> str:
    """The unit of scheduling a test belongs to: its file, or its ONE_WORKER directory."""
    whole = next((root for root in ONE_WORKER if _within(nodeid, root)), None)
    return whole or nodeid.split("::", 1)[0]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`-n N` (xdist's default `--dist load`) hands out the suite's units (unit_of) whole, in
    collection order (see reorder); another `--dist` mode works as xdist documents it."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling  # only where xdist runs the suite

    class SuiteScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """xdist's scope scheduling with the suite's units."""

        def _split_scope(self, nodeid: str) -> str:
            """The unit a test belongs to."""
            return unit_of(nodeid)

    config.option.loadscopereorder = False
    return SuiteScheduling(config, log)


def reorder(items: list[pytest.Item]) -> None:
    """On a worker, put the slowest directories first (each worker collects the same order)."""
    if worker() is not None:
        items.sort(key=lambda item: _rank(item.nodeid))
