"""Hot statements sent straight through the session's psycopg2 cursor (no ORM, no compiling).

Errors come out as SQLAlchemy's own (IntegrityError, OperationalError, ...), like any other
statement's; as a transaction's first statement on a connection found dead, the statement runs
once more on a fresh one (the pool is not pinged at checkout).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg2
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def fetch(session: Session, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of one statement run in the session's transaction."""
    first = not session.in_transaction()
    while True:
        connection = session.connection()
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description is not None else []
        except psycopg2.Error as error:
            dead = isinstance(error, psycopg2.OperationalError | psycopg2.InterfaceError)
            dead = dead and connection.dialect.is_disconnect(error, cursor.connection, cursor)
            if dead:
                connection.invalidate(error)
            if not (dead and first):
                raise DBAPIError.instance(sql, params, error, psycopg2.Error) from error
            first = False
            session.rollback()
        finally:
            cursor.close()


def utc(moment: datetime | None) -> datetime | None:
    """An instant read from PostgreSQL (session time zone UTC) as an aware UTC datetime."""
    if moment is None or moment.tzinfo is UTC:
        return moment
    return moment.astimezone(UTC)
