"""A booking in one statement on PostgreSQL, queued behind its room's transaction lock.

The statement inserts the reservation only when the rooms are still at the version the caller
cached (when it names one) and writes its calendar outbox entry in the same statement; the
exclusion constraint refuses an overlap. The happy path is this statement and the commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from booking.errors import SlotTaken
from storage.raw_sql import fetch

OVERLAP_SQLSTATE = "23P01"  # PostgreSQL exclusion_violation
# Two writers of overlapping rows can each wait for the other's uncommitted row while checking
# the exclusion constraint; PostgreSQL aborts one (deadlock_detected) and the other goes on.
# For the one aborted the slot is taken, exactly as for a plain exclusion violation.
# Bookings of one room therefore queue on a transaction lock per room first: each then finds
# the one before it committed (a plain violation) instead of many waiting on each other until
# deadlock detection or the statement timeout ends them all.
ROOM_LOCK_CLASS = 72_711  # the two-key advisory lock space; the leader lock uses one key
CONTENDED_SQLSTATES = frozenset({OVERLAP_SQLSTATE, "40P01"})

INSERTED = (
    ("room_id", "room_id"), ("owner_id", "owner_id"), ("title", "title"),
    ("start_at", "start"), ("end_at", "end"), ("active", "active"), ("source", "source"),
    ("checked_in_at", "checked_in_at"), ("party_size", "party_size"), ("sequence", "sequence"),
    ("updated_at", "updated_at"), ("status", "status"), ("series_id", "series_id"),
    ("occurrence", "occurrence"),
)  # fmt: skip
BOOKING = """
WITH l AS (SELECT pg_advisory_xact_lock(%(lock_class)s, hashtext(%(room_id)s::text))),
r AS (
    INSERT INTO reservations (room_id, owner_id, title, start_at, end_at, active, source,
        created_at, checked_in_at, party_size, sequence, updated_at, status, series_id,
        occurrence)
    SELECT %(room_id)s::varchar, %(owner_id)s::varchar, %(title)s::varchar,
        %(start_at)s::timestamptz, %(end_at)s::timestamptz, %(active)s::boolean,
        %(source)s::varchar, %(created_at)s::timestamptz, %(checked_in_at)s::timestamptz,
        %(party_size)s::integer, %(sequence)s::integer, %(updated_at)s::timestamptz,
        %(status)s::varchar, %(series_id)s::integer, %(occurrence)s::integer
    FROM rooms_version, l
    WHERE %(rooms_version)s::bigint IS NULL OR version = %(rooms_version)s::bigint
    RETURNING id
), o AS (
    INSERT INTO calendar_outbox (room_id, reservation_id, reason, created_at, attempts)
    SELECT %(outbox_room)s::varchar, r.id, '', %(outbox_at)s::timestamptz, 0 FROM r
    WHERE %(outbox_room)s::varchar IS NOT NULL
)
SELECT id FROM r"""


def booking_values(
    reservation: Any, rooms_version: int | None, outbox_room: str | None, outbox_at: datetime | None
) -> dict[str, Any]:
    """The statement's parameters for a reservation (and its outbox entry, if any)."""
    values = {name: getattr(reservation, attr) for name, attr in INSERTED}
    values.update(
        created_at=reservation.created_at or datetime.now(UTC),
        rooms_version=rooms_version,
        lock_class=ROOM_LOCK_CLASS,
        outbox_room=outbox_room,
        outbox_at=outbox_at,
    )
    return values


def insert_booking(session: Session, values: dict[str, Any]) -> int | None:
    """The new reservation's id; None when the rooms' version moved; SlotTaken on an overlap."""
    try:
        rows = fetch(session, BOOKING, values)
    except DBAPIError as error:
        if getattr(error.orig, "pgcode", None) in CONTENDED_SQLSTATES:
            raise SlotTaken(values["room_id"]) from None
        raise
    return int(rows[0][0]) if rows else None
