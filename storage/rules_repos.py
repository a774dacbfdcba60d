"""Repositories of series and the waitlist (approval decisions and notices: approval_repos)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking.model import Reservation, TimeSlot
from booking.rules import Series, WaitEntry
from storage.models import ReservationRow, RoomRow
from storage.rules_models import SeriesRow, WaitlistRow

ToDomain = Callable[[Any], Reservation]  # storage.uow.reservation_from_row, handed in
OPEN = ("waiting", "offered")


class SqlSeriesRepository:
    """Series in the database."""

    def __init__(self, session: Session, to_domain: ToDomain):
        self.session, self.to_domain = session, to_domain

    def add(self, series: Series) -> Series:
        row = SeriesRow(
            room_id=series.room_id, owner_id=series.owner_id, title=series.title,
            repeat=series.repeat, count=series.count, weekdays_only=series.weekdays_only,
            start_at=series.first.start, end_at=series.first.end,
            created_at=series.created_at, source=series.source,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return series_from_row(row)

    def get(self, series_id: int) -> Series | None:
        row = self.session.get(SeriesRow, series_id)
        return series_from_row(row) if row is not None else None

    def dates(self, series_id: int, *, for_update: bool = False) -> list[Reservation]:
        query = (
            select(ReservationRow)
            .where(ReservationRow.series_id == series_id)
            .order_by(ReservationRow.occurrence, ReservationRow.id)
        )
        if for_update:
            query = query.with_for_update()
        return [self.to_domain(r) for r in self.session.scalars(query)]


def series_from_row(row: SeriesRow) -> Series:
    """Domain series from its row."""
    return Series(
        room_id=row.room_id, owner_id=row.owner_id, first=TimeSlot(row.start_at, row.end_at),
        repeat="weekly" if row.repeat == "weekly" else "daily", count=row.count,
        title=row.title, weekdays_only=row.weekdays_only, id=row.id,
        created_at=row.created_at, source=row.source,
    )  # fmt: skip


class SqlWaitlistRepository:
    """Waitlist entries in the database."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, entry: WaitEntry) -> WaitEntry:
        row = WaitlistRow(room_id=entry.room_id, owner_id=entry.owner_id, title=entry.title)
        _copy(row, entry)
        row.created_at, row.source = entry.created_at, entry.source  # type: ignore[assignment]
        self.session.add(row)
        self.session.flush()
        return wait_from_row(row)

    def get(self, entry_id: int, *, for_update: bool = False) -> WaitEntry | None:
        query = select(WaitlistRow).where(WaitlistRow.id == entry_id)
        row = self.session.scalars(query.with_for_update() if for_update else query).first()
        return wait_from_row(row) if row is not None else None

    def save(self, entry: WaitEntry) -> None:
        _copy(self.session.get_one(WaitlistRow, entry.id), entry)
        self.session.flush()

    def waiting_for(
        self, owner_id: str, room_id: str, start: datetime, end: datetime
    ) -> WaitEntry | None:
        query = select(WaitlistRow).where(
            WaitlistRow.owner_id == owner_id, WaitlistRow.room_id == room_id,
            WaitlistRow.start_at == start, WaitlistRow.end_at == end,
            WaitlistRow.status.in_(OPEN),
        )  # fmt: skip
        row = self.session.scalars(query.order_by(WaitlistRow.id)).first()
        return wait_from_row(row) if row is not None else None

    def ahead_of(self, entry: WaitEntry) -> int:
        query = select(func.count()).where(
            WaitlistRow.room_id == entry.room_id, WaitlistRow.status == "waiting",
            WaitlistRow.id < (entry.id or 0),
            WaitlistRow.start_at < entry.end, WaitlistRow.end_at > entry.start,
        )  # fmt: skip
        return int(self.session.execute(query).scalar_one())

    def rooms_waited_on(self) -> list[str]:
        query = select(WaitlistRow.room_id).where(WaitlistRow.status.in_(OPEN)).distinct()
        return sorted(self.session.scalars(query))

    def lock_room(self, room_id: str) -> bool:
        """FOR NO KEY UPDATE SKIP LOCKED on the room's row: bookings (which take KEY SHARE
        on it) go on, a second scheduler skips the room. SQLite serialises writers anyway."""
        query = (
            select(RoomRow.id)
            .where(RoomRow.id == room_id)
            .with_for_update(skip_locked=True, key_share=True)
        )
        return self.session.scalars(query).first() is not None

    def in_room(self, room_id: str, status: str) -> list[WaitEntry]:
        query = (
            select(WaitlistRow)
            .where(WaitlistRow.room_id == room_id, WaitlistRow.status == status)
            .order_by(WaitlistRow.created_at, WaitlistRow.id)
        )
        return [wait_from_row(r) for r in self.session.scalars(query)]

    def holding(self, reservation_id: int) -> WaitEntry | None:
        query = select(WaitlistRow).where(WaitlistRow.held_id == reservation_id)
        row = self.session.scalars(query.order_by(WaitlistRow.id.desc())).first()
        return wait_from_row(row) if row is not None else None


def _copy(row: WaitlistRow, entry: WaitEntry) -> None:
    """Copy an entry's changeable fields onto its row."""
    row.start_at, row.end_at, row.status = entry.start, entry.end, entry.status
    row.offered_at, row.hold_until, row.held_id = entry.offered_at, entry.hold_until, entry.held_id


def wait_from_row(row: WaitlistRow) -> WaitEntry:
    """Domain waitlist entry from its row."""
    return WaitEntry(
        room_id=row.room_id, owner_id=row.owner_id, slot=TimeSlot(row.start_at, row.end_at),
        title=row.title, id=row.id, status=row.status, created_at=row.created_at,
        source=row.source, offered_at=row.offered_at, hold_until=row.hold_until,
        held_id=row.held_id,
    )  # fmt: skip
