"""A booking in one statement on PostgreSQL, queued behind its room's transaction lock.

The statement inserts the reservation only when the rooms are still at the version the caller
cached (when it names one) and writes its calendar outbox entry in the same statement; the
exclusion constraint refuses an overlap. The happy path is this statement and the commit — or,
when it is the unit of work's only write, this statement alone as its own transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from booking.errors import SlotTaken
from booking.model import Reservation
from storage import raw_sql

OVERLAP_SQLSTATE = "23P01"  # PostgreSQL exclusion_violation
# Two writers of overlapping rows can each wait for the other's uncommitted row while checking
# the exclusion constraint; PostgreSQL aborts one (deadlock_detected) and the other goes on.
# For the one aborted the slot is taken, exactly as for a plain exclusion violation.
# Bookings of one room therefore queue on a transaction lock per room first: each then finds
# the one before it committed (a plain violation) instead of many waiting on each other until
# deadlock detection or the statement timeout ends them all.
ROOM_LOCK_CLASS = 72_711  # the two-key advisory lock space; the leader lock uses one key
CONTENDED_SQLSTATES = frozenset({OVERLAP_SQLSTATE, "40P01"})

ALWAYS = (
    "room_id", "owner_id", "title", "start_at", "end_at", "active", "source", "created_at",
    "sequence", "status",
)  # fmt: skip
# Left out of the statement when None: the column's default is NULL (less to send and plan).
# No casts are needed: no NULL is sent, and psycopg2 writes instants as typed literals.
OPTIONAL = ("checked_in_at", "party_size", "updated_at", "series_id", "occurrence")
# The row a booking made alone wrote, found by what it was written with (created_at is the
# caller's own microsecond clock reading).
OWN_ROW = (
    "SELECT id FROM reservations WHERE room_id = %(room_id)s AND start_at = %(start_at)s"
    " AND end_at = %(end_at)s AND owner_id = %(owner_id)s AND created_at = %(created_at)s"
)


@cache
def statement(optional: tuple[str, ...], versioned: bool, outbox: bool) -> str:
    """The booking statement for a set of optional columns, with or without the rooms'
    version check and the outbox entry (a few shapes, each built once)."""
    columns = ALWAYS + optional
    values = ", ".join(f"%({name})s" for name in columns)
    source = "rooms_version, l WHERE version = %(rooms_version)s" if versioned else "l"
    entry = (
        ", o AS (INSERT INTO calendar_outbox (room_id, reservation_id, reason, created_at,"
        " attempts) SELECT %(outbox_room)s, r.id, '', %(outbox_at)s, 0 FROM r)"
    )
    return (
        "WITH l AS (SELECT pg_advisory_xact_lock(%(lock_class)s, hashtext(%(room_id)s))),"
        f" r AS (INSERT INTO reservations ({', '.join(columns)}) SELECT {values} FROM {source}"
        f" RETURNING id){entry if outbox else ''} SELECT id FROM r"
    )


def booking_values(
    reservation: Reservation, rooms_version: int | None, outbox: tuple[str, datetime] | None
) -> tuple[str, dict[str, Any]]:
    """The statement and its parameters for a reservation (and an outbox entry: its room and
    time, when given)."""
    r = reservation
    values: dict[str, Any] = {
        "room_id": r.room_id, "owner_id": r.owner_id, "title": r.title, "start_at": r.slot.start,
        "end_at": r.slot.end, "active": r.active, "source": r.source,
        "created_at": r.created_at or datetime.now(UTC), "sequence": r.sequence,
        "status": r.status, "lock_class": ROOM_LOCK_CLASS,
    }  # fmt: skip
    optional = []
    for name in OPTIONAL:
        value = getattr(r, name)
        if value is not None:
            values[name] = value
            optional.append(name)
    if rooms_version is not None:
        values["rooms_version"] = rooms_version
    if outbox is not None:
        values["outbox_room"], values["outbox_at"] = outbox
    sql = statement(tuple(optional), rooms_version is not None, outbox is not None)
    return sql, values


def insert_booking(
    session: Session, sql: str, values: dict[str, Any], alone: bool = False
) -> int | None:
    """The new reservation's id; None when the rooms' version moved; SlotTaken on an overlap.

    `alone`: the unit of work writes nothing else and commits right after, so when it has no
    transaction open the statement runs as its own (one round trip, no BEGIN or COMMIT).
    """
    if alone and not session.in_transaction():
        try:
            return _id(raw_sql.alone(session.get_bind().engine, sql, values))
        except DBAPIError as error:
            if not error.connection_invalidated:
                _raise_as_taken(error, values)
                raise
        return _once_more(session, sql, values)  # the pooled connection was found dead
    try:
        return _id(raw_sql.fetch(session, sql, values))
    except DBAPIError as error:
        _raise_as_taken(error, values)
        raise


def _once_more(session: Session, sql: str, values: dict[str, Any]) -> int | None:
    """Book again, in the session's transaction, after the connection of a booking made alone
    died: if that one committed before its answer was lost, its row is now in the way, and
    is the booking."""
    try:
        return _id(raw_sql.fetch(session, sql, values))
    except DBAPIError as error:
        if getattr(error.orig, "pgcode", None) not in CONTENDED_SQLSTATES:
            raise
    session.rollback()
    mine = raw_sql.fetch(session, OWN_ROW, values)
    if mine:
        return int(mine[0][0])
    raise SlotTaken(values["room_id"]) from None


def _raise_as_taken(error: DBAPIError, values: dict[str, Any]) -> None:
    """SlotTaken for the database's overlap refusal (or a deadlock's loser)."""
    if getattr(error.orig, "pgcode", None) in CONTENDED_SQLSTATES:
        raise SlotTaken(values["room_id"]) from None


def _id(rows: list[tuple[Any, ...]]) -> int | None:
    """The id the statement returned; None when it inserted nothing (stale rooms)."""
    return int(rows[0][0]) if rows else None
