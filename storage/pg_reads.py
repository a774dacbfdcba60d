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
# Holding reservations overlapping a period, as the GiST index on holding periods answers it;
# WITH_VERSION also returns the rooms' version number (one InitPlan) in the same snapshot.
WHERE = (
    " FROM reservations WHERE (active OR status IN ('pending', 'held'))"
    " AND tstzrange(start_at, end_at, '[)') && tstzrange(%(start)s, %(end)s, '[)')"
)
WITH_VERSION = ", (SELECT version FROM rooms_version)"
IN_ROOM = " AND room_id = %(room)s"
ORDER = " ORDER BY start_at, id"
STATEMENTS = {
    (versioned, in_room): f"SELECT {COLUMNS}{WITH_VERSION if versioned else ''}{WHERE}"
    f"{IN_ROOM if in_room else ''}{ORDER}"
    for versioned in (False, True)
    for in_room in (False, True)
}
ACTIVE_BETWEEN = STATEMENTS[False, False]
ACTIVE_BETWEEN_IN_ROOM = STATEMENTS[False, True]


def reservation(row: tuple[Any, ...]) -> Reservation:
    """A reservation from a row of COLUMNS (and perhaps the version after them)."""
    (id_, room, owner, title, start, end, active, source, created, cancelled, cancelled_by,
     reminded, checked_in, party, sequence, updated, status, series, occurrence, *_) = row  # fmt: skip
    return Reservation.read_back({
        "room_id": room, "owner_id": owner, "slot": TimeSlot.read_back(utc(start) or start,
        utc(end) or end), "title": title, "id": id_, "active": active,
        "created_at": utc(created), "cancelled_at": utc(cancelled), "cancelled_by": cancelled_by,
        "source": source, "reminded_at": utc(reminded), "checked_in_at": utc(checked_in),
        "party_size": party, "sequence": sequence or 0, "updated_at": utc(updated),
        "status": status, "series_id": series, "occurrence": occurrence,
    })  # fmt: skip


def active_between(
    session: Session, start: datetime, end: datetime, room_id: str | None, versioned: bool = False
) -> tuple[list[Reservation], int | None]:
    """Holding reservations overlapping [start, end), of one room or all, by start; with
    `versioned`, also the rooms' version as of the same snapshot (None when nothing was found:
    an empty answer carries no version)."""
    params = {"start": start, "end": end}
    if room_id is not None:
        params["room"] = room_id  # type: ignore[assignment]
    rows = raw_sql.fetch(session, STATEMENTS[versioned, room_id is not None], params)
    version = int(rows[0][-1]) if versioned and rows else None
    return [reservation(row) for row in rows], version
