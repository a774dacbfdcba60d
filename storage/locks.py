"""A leader lock: at most one holder across processes and hosts; released when the holder dies.

On PostgreSQL a session-level advisory lock on a dedicated connection (the server frees it when
the connection drops, so a killed worker's lock passes to the next one that asks); on SQLite an
exclusive lock on a file next to the database (the kernel frees it when the process dies).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
SCHEDULER_LOCK_ID = 7_315_002


class LeaderLock:
    """Try to become (or stay) the leader; cheap to call on every poll."""

    def __init__(self, engine: Engine, lock_id: int = SCHEDULER_LOCK_ID):
        self.engine, self.lock_id = engine, lock_id
        self._connection: Any = None
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        """True while this process holds the lock."""
        return self._connection is not None or self._file is not None

    def acquire(self) -> bool:
        """Take the lock if free (non-blocking); True when held afterwards."""
        if self.held:
            return self._still_held()
        try:
            if self.engine.dialect.name == "postgresql":
                return self._acquire_advisory()
            return self._acquire_file()
        except Exception as error:  # a database outage means "not leader", not a crash
            log.warning("leader lock unavailable: %s", type(error).__name__)
            self.release()
            return False

    def _acquire_advisory(self) -> bool:
        connection = self.engine.raw_connection()
        connection.detach()  # its own session: closing it really closes it (and frees the lock)
        cursor = connection.cursor()
        try:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", (self.lock_id,))
        except Exception:  # the pooled connection was dead (no pre-ping): the pool's idle ones
            connection.close()  # are as old, so drop them and ask once more on a new one
            self.engine.pool.dispose()
            connection = self.engine.raw_connection()
            connection.detach()
            cursor = connection.cursor()
            cursor.execute("SELECT pg_try_advisory_lock(%s)", (self.lock_id,))
        row: Any = cursor.fetchone()
        got = bool(row[0])
        connection.commit()
        cursor.close()
        if got:
            self._connection = connection
        else:
            connection.close()
        return got

    def _acquire_file(self) -> bool:
        database = make_url(self.engine.url).database or "roombot"
        path = Path(
            f"{database}.scheduler.lock" if database != ":memory:" else "var/scheduler.lock"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True

    def _still_held(self) -> bool:
        """Check the dedicated connection is alive; a dropped one means the lock is gone."""
        if self._connection is None:
            return True
        try:
            cursor = self._connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            self._connection.commit()
            return True
        except Exception:
            log.warning("lost the leader lock's connection")
            self.release()
            return False

    def release(self) -> None:
        """Give the lock up (closing the connection or file frees it)."""
        if self._connection is not None:
            with contextlib.suppress(Exception):  # a broken connection has lost the lock anyway
                cursor = self._connection.cursor()
                cursor.execute("SELECT pg_advisory_unlock(%s)", (self.lock_id,))
                self._connection.commit()
        for holder in (self._connection, self._file):
            if holder is not None:
                with contextlib.suppress(Exception):  # already broken: closing is best effort
                    holder.close()
        self._connection = self._file = None


def advisory_lock_holders(engine: Engine, lock_id: int = SCHEDULER_LOCK_ID) -> int:
    """How many sessions hold the advisory lock (for tests and diagnostics)."""
    with engine.connect() as connection:
        query = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :id AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return int(connection.execute(query, {"id": lock_id}).scalar_one())
