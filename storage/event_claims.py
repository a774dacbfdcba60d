"""Event ids claimed in the database: one row per id, insert-or-nothing, expiring.

Every worker and node shares the database, so the first INSERT of an id wins and every later
one (a Slack redelivery reaching another worker or node) finds the row. An expired row is taken
over by the next claim of its id; expired rows are purged now and then, in the background, by whoever claims.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, event

from storage.engine import UPSERT_DIALECTS, make_engine, once_more_if_dead, upsert_insert
from storage.models import EventClaimRow, UTCDateTime

TTL_S = 3600
PURGE_EVERY = timedelta(minutes=10)


def utc_now() -> datetime:
    """The current instant (UTC)."""
    return datetime.now(UTC)


class DatabaseClaims:
    """Claims of event ids shared by every process that uses the same database."""

    def __init__(
        self,
        engine: Engine,
        ttl: int = TTL_S,
        clock: Callable[[], datetime] = utc_now,
        purge_every: timedelta = PURGE_EVERY,
    ):
        if engine.dialect.name not in UPSERT_DIALECTS:
            raise ValueError(f"event claims need PostgreSQL or SQLite, not {engine.dialect.name}")
        self.engine, self.ttl, self.clock, self.purge_every = engine, ttl, clock, purge_every
        if engine.dialect.name == "sqlite":  # its own connections, committing without an fsync
            self.engine = _unsynced(engine)
        self._next_purge: datetime | None = None
        self._claim = _claim_statement(engine.dialect.name)
        self._purger = ThreadPoolExecutor(max_workers=1, thread_name_prefix="claims-purge")
        self.last_purge: Future[int] | None = None  # the purge under way (tests wait for it)

    def claim(self, event_id: str) -> bool:
        """Claim the id; True for the first claim only (or the first after it expired).

        One statement (on PostgreSQL in autocommit: no BEGIN/COMMIT round trips), as it runs
        before every event's answer. The purge of expired rows runs in the background.
        """
        now = self.clock()
        expires = now + timedelta(seconds=self.ttl)
        params = {"event_id": event_id, "expires_at": expires, "now": now}
        first = once_more_if_dead(lambda: self._upsert(params))
        if self._next_purge is None or now >= self._next_purge:
            self._next_purge = now + self.purge_every
            self.last_purge = self._purger.submit(self.purge, now)
        return first

    def _upsert(self, params: dict[str, Any]) -> bool:
        """The claim statement; True when it inserted or took over the row."""
        if self.engine.dialect.name == "postgresql":
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with connection:
                return bool(connection.execute(self._claim, params).rowcount == 1)
        with self.engine.begin() as connection:  # SQLite: its own mode (BEGIN IMMEDIATE)
            return bool(connection.execute(self._claim, params).rowcount == 1)

    def purge(self, now: datetime) -> int:
        """Delete the claims expired by `now` (an index range scan); how many went."""
        row = EventClaimRow
        with self.engine.begin() as connection:
            return connection.execute(delete(row).where(row.expires_at <= now)).rowcount


def _unsynced(engine: Engine) -> Engine:
    """The same SQLite database with `synchronous=NORMAL` (WAL) for claims alone: a claim lost
    to a power cut only lets a redelivery of that event through once more, and the fsync per
    claim leaves Slack's ack path. Bookings keep the default (FULL) on the app's connections."""
    claims = make_engine(engine.url.render_as_string(hide_password=False))

    @event.listens_for(claims, "connect")
    def _normal(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return claims


def _claim_statement(dialect: str) -> Any:
    """INSERT the id, or take over its expired row, in one statement (rowcount 1 when claimed)."""
    row = EventClaimRow
    statement = upsert_insert(dialect)(row).values(
        event_id=bindparam("event_id"), expires_at=bindparam("expires_at")
    )
    return statement.on_conflict_do_update(
        index_elements=["event_id"],
        set_={"expires_at": statement.excluded.expires_at},
        where=row.expires_at <= bindparam("now", type_=UTCDateTime),
    )
