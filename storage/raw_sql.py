"""Hot statements sent as written through the session's connection (no ORM, no compiling).

Errors come out as SQLAlchemy's own (IntegrityError, OperationalError, ...), like any other
statement's; as a transaction's first statement on a connection found dead, the statement runs
once more on a fresh one (the pool is not pinged at checkout).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from storage.engine import READING, no_transactions


def fetch(session: Session, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of one statement run in the session's transaction.

    Sent as written (no compiling), but through SQLAlchemy's connection so that a connection
    found dead invalidates the whole pool, as for any other statement: the one retry of a
    transaction's first statement then gets a fresh connection, not another dead one.
    In a reading session (no transaction yet) the statement runs `alone`, as a read can.
    """
    first = not session.in_transaction()
    if first and session.info.get(READING):  # a read needs no transaction, nor the session's
        try:
            return alone(session.get_bind().engine, sql, params)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise  # else once more below: a read can run twice
    try:
        return _run(session, sql, params)
    except DBAPIError as error:
        if not (first and error.connection_invalidated):
            raise
        session.rollback()  # back to no transaction: the next try checks out a new connection
        return _run(session, sql, params)


def _run(session: Session, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """One statement's rows (none for a statement that returns none)."""
    result = session.connection().exec_driver_sql(sql, params)
    return cast(list[tuple[Any, ...]], result.fetchall()) if result.returns_rows else []


def alone(engine: Engine, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of one statement run as its own transaction (PostgreSQL, autocommit: one round
    trip, no BEGIN or COMMIT) on a pooled connection, past SQLAlchemy's execution machinery.

    Errors come out as SQLAlchemy's, as from `fetch`. A connection found dead is dropped from
    the pool and the error says `connection_invalidated`: the statement may or may not have
    run (the connection can die after the commit, before the answer), so the caller decides.
    """
    errors = engine.dialect.loaded_dbapi.Error
    try:
        pooled = engine.raw_connection()
    except errors as error:  # no connection to be had (the server is down): as SQLAlchemy says it
        dead = engine.dialect.is_disconnect(error, None, None)
        raise DBAPIError.instance(
            None, None, error, errors, connection_invalidated=dead, dialect=engine.dialect
        ) from error
    dbapi: Any = pooled.dbapi_connection
    cursor = None
    try:
        no_transactions(pooled)  # fresh from the pool: none is open
        cursor = dbapi.cursor()
        cursor.execute(sql, params)
        return cast(list[tuple[Any, ...]], cursor.fetchall())
    except errors as error:
        dead = engine.dialect.is_disconnect(error, dbapi, cursor)
        if dead:
            pooled.invalidate(error)
        raise DBAPIError.instance(
            sql, params, error, errors, connection_invalidated=dead, dialect=engine.dialect
        ) from error
    finally:
        if cursor is not None and not cursor.closed:
            cursor.close()
        pooled.close()


def utc(moment: datetime | None) -> datetime | None:
    """An instant read from PostgreSQL (session time zone UTC) as an aware UTC datetime."""
    if moment is None or moment.tzinfo is UTC:
        return moment
    return moment.astimezone(UTC)
