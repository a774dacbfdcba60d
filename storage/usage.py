"""The report's queries: spans rooms were held, and per-room outcomes counted by the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from booking.model import NO_SHOW
from booking.usage import Held, Outcomes
from storage.models import ReservationRow, UTCDateTime

R = ReservationRow


def held_the_room() -> ColumnElement[bool]:
    """Active, or cancelled only after it began (a no-show release, a room released early)."""
    return or_(R.active, and_(R.cancelled_at.is_not(None), R.cancelled_at > R.start_at))


def held_until() -> ColumnElement[datetime]:
    """The end of the span a reservation held its room."""
    until = case(
        (R.active, R.end_at),
        (R.cancelled_at < R.end_at, R.cancelled_at),
        else_=R.end_at,
    )
    return type_coerce(until, UTCDateTime)


def held_between(session: Session, start: datetime, end: datetime) -> list[Held]:
    """Spans rooms were held overlapping [start, end), by start."""
    until = held_until()
    query = (
        select(R.room_id, R.start_at, until.label("until"), R.party_size)
        .where(held_the_room(), R.start_at < end, until > start)
        .order_by(R.start_at, R.id)
    )
    return [Held(r.room_id, r.start_at, r.until, r.party_size) for r in session.execute(query)]


def outcomes_between(session: Session, start: datetime, end: datetime) -> list[Outcomes]:
    """Per room: bookings that started in [start, end) and held the room; checked in; released."""
    query = (
        select(
            R.room_id,
            func.count(),
            func.sum(case((R.checked_in_at.is_not(None), 1), else_=0)),
            func.sum(case((R.cancelled_by == NO_SHOW, 1), else_=0)),
        )
        .where(held_the_room(), R.start_at >= start, R.start_at < end)
        .group_by(R.room_id)
        .order_by(R.room_id)
    )
    return [
        Outcomes(room, int(booked), int(checked or 0), int(released or 0))
        for room, booked, checked, released in session.execute(query)
    ]
