"""Reservation reads on PostgreSQL as plain tuples, made into reservations without the ORM."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from booking.model import Reservation, TimeSlot
from storage import raw_sql
from storage.raw_sql import utc

COLUMNS = (
    "id, room_id, owner_id, title, start_at, end_at, active, source, created_at, cancelled_at,"
    " cancelled_by, reminded_at, checked_in_at, party_size, sequence, updated_at, status,"
    " series_id, occurrence"
)
# Holding reservations overlapping a period, as the GiST index on holding periods answers it.
BETWEEN = (
    f"SELECT {COLUMNS} FROM reservations"
    " WHERE (active OR status IN ('pending', 'held'))"
    " AND tstzrange(start_at, end_at, '[)') && tstzrange(%(start)s, %(end)s, '[)')"
)
ORDER = " ORDER BY start_at, id"
ACTIVE_BETWEEN = BETWEEN + ORDER
ACTIVE_BETWEEN_IN_ROOM = BETWEEN + " AND room_id = %(room)s" + ORDER


def reservation(row: tuple[Any, ...]) -> Reservation:
    """A reservation from a row of COLUMNS."""
    (id_, room, owner, title, start, end, active, source, created, cancelled, cancelled_by,
     reminded, checked_in, party, sequence, updated, status, series, occurrence) = row  # fmt: skip
    return Reservation(
        room, owner, TimeSlot.read_back(utc(start) or start, utc(end) or end), title, id_, active,
        utc(created), utc(cancelled), cancelled_by, source, utc(reminded), utc(checked_in),
        party, sequence or 0, utc(updated), status, series, occurrence,
    )  # fmt: skip


def active_between(
    session: Session, start: datetime, end: datetime, room_id: str | None
) -> list[Reservation]:
    """Holding reservations overlapping [start, end), of one room or all, by start."""
    if room_id is None:
        rows = raw_sql.fetch(session, ACTIVE_BETWEEN, {"start": start, "end": end})
    else:
        rows = raw_sql.fetch(
            session, ACTIVE_BETWEEN_IN_ROOM, {"start": start, "end": end, "room": room_id}
        )
    return [reservation(row) for row in rows]
