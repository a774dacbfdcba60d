"""Event ids claimed in the database: one row per id, insert-or-nothing, expiring.

Every worker and node shares the database, so the first INSERT of an id wins and every later
one (a Slack redelivery reaching another worker or node) finds the row. An expired row is taken
over by the next claim of its id; expired rows are purged now and then by whoever claims.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import EventClaimRow

TTL_S = 3600
PURGE_EVERY = timedelta(minutes=10)
INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


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
        if engine.dialect.name not in INSERTS:
            raise ValueError(f"event claims need PostgreSQL or SQLite, not {engine.dialect.name}")
        self.engine, self.ttl, self.clock, self.purge_every = engine, ttl, clock, purge_every
        self._next_purge: datetime | None = None

    def claim(self, event_id: str) -> bool:
        """Claim the id; True for the first claim only (or the first after it expired)."""
        now = self.clock()
        expires = now + timedelta(seconds=self.ttl)
        with self.engine.begin() as connection:
            first = self._insert(connection, event_id, expires) or self._take_over(
                connection, event_id, now, expires
            )
        if self._next_purge is None or now >= self._next_purge:
            self._next_purge = now + self.purge_every
            self.purge(now)
        return first

    def purge(self, now: datetime) -> int:
        """Delete the claims expired by `now` (an index range scan); how many went."""
        row = EventClaimRow
        with self.engine.begin() as connection:
            return connection.execute(delete(row).where(row.expires_at <= now)).rowcount

    def _insert(self, connection: Connection, event_id: str, expires: datetime) -> bool:
        """INSERT … ON CONFLICT DO NOTHING; True when this call inserted the row."""
        insert = INSERTS[connection.dialect.name]
        statement = (
            insert(EventClaimRow)
            .values(event_id=event_id, expires_at=expires)
            .on_conflict_do_nothing(index_elements=["event_id"])
        )
        return connection.execute(statement).rowcount == 1

    def _take_over(
        self, connection: Connection, event_id: str, now: datetime, expires: datetime
    ) -> bool:
        """Renew an expired claim of the id; True when this call renewed it."""
        row = EventClaimRow
        statement = (
            update(row)
            .where(row.event_id == event_id, row.expires_at <= now)
            .values(expires_at=expires)
        )
        return connection.execute(statement).rowcount == 1
