"""In-memory unit of work for service tests (cosmicpython chapter 6 style)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from booking.errors import SlotTaken
from booking.model import Reservation, Room
from booking.ports import AbstractUnitOfWork
from tests.unit.fake_rules import (
    FakeApprovalRepository,
    FakeNoticeRepository,
    FakeSeriesRepository,
    FakeWaitlistRepository,
)


class FakeRoomRepository:
    """Rooms held in a dict, listed by id."""

    def __init__(self, rooms: Iterable[Room] = ()):
        self._rooms = {room.id: room for room in rooms}

    def list(self) -> list[Room]:
        return [self._rooms[key] for key in sorted(self._rooms)]

    def get(self, room_id: str) -> Room | None:
        return self._rooms.get(room_id)


class FakeReservationRepository:
    """Reservations held in a dict; refuses overlapping active rows like the database."""

    def __init__(self, reservations: Iterable[Reservation] = ()):
        self.rows: dict[int, Reservation] = {}
        self._next_id = 1
        for reservation in reservations:
            self.add(reservation)

    def add(self, reservation: Reservation) -> Reservation:
        self._refuse_overlap(reservation)
        stored = replace(reservation, id=self._next_id)
        self._next_id += 1
        self.rows[stored.id] = stored  # type: ignore[index]
        return replace(stored)

    def get(self, reservation_id: int, *, for_update: bool = False) -> Reservation | None:
        row = self.rows.get(reservation_id)
        return replace(row) if row is not None else None

    def save(self, reservation: Reservation) -> None:
        if reservation.id not in self.rows:
            raise KeyError(reservation.id)
        self._refuse_overlap(reservation)
        self.rows[reservation.id] = replace(reservation)

    def active_between(
        self, start: datetime, end: datetime, room_id: str | None = None
    ) -> list[Reservation]:
        found = [
            r
            for r in self.rows.values()
            if r.holds_slot
            and r.start < end
            and r.end > start
            and (room_id is None or r.room_id == room_id)
        ]
        return [replace(r) for r in sorted(found, key=lambda r: (r.start, r.id or 0))]

    def upcoming_for_owner(self, owner_id: str, now: datetime, limit: int) -> list[Reservation]:
        mine = [
            r for r in self.rows.values() if r.holds_slot and r.owner_id == owner_id and r.end > now
        ]
        return [replace(r) for r in sorted(mine, key=lambda r: r.start)[:limit]]

    def claim_due_reminders(self, now: datetime, lead: timedelta, limit: int) -> list[Reservation]:
        due = [
            r
            for r in self.rows.values()
            if r.active and r.reminded_at is None and now < r.start <= now + lead
        ]
        return [replace(r) for r in sorted(due, key=lambda r: r.start)[:limit]]

    def claim_no_shows(self, now: datetime, grace: timedelta, limit: int) -> list[Reservation]:
        late = [
            r
            for r in self.rows.values()
            if r.active and r.checked_in_at is None and r.start <= now - grace and r.end > now
        ]
        return [replace(r) for r in sorted(late, key=lambda r: r.start)[:limit]]

    def _refuse_overlap(self, reservation: Reservation) -> None:
        """Raise SlotTaken as the exclusion constraint / trigger would."""
        if not reservation.holds_slot:
            return
        for other in self.rows.values():
            if (
                other.id != reservation.id
                and other.holds_slot
                and other.room_id == reservation.room_id
                and other.slot.overlaps(reservation.slot)
            ):
                raise SlotTaken(reservation.room_id)


class FakeJobRuns:
    """Once-only job runs held in a set."""

    def __init__(self) -> None:
        self.runs: set[tuple[str, str]] = set()

    def claim(self, name: str, run_key: str, now: datetime) -> bool:
        if (name, run_key) in self.runs:
            return False
        self.runs.add((name, run_key))
        return True


class FakeUnitOfWork(AbstractUnitOfWork):
    """Commit snapshots the rows; rollback (always run on exit) restores the last snapshot."""

    def __init__(self, rooms: Iterable[Room] = (), reservations: Iterable[Reservation] = ()):
        self.rooms = FakeRoomRepository(rooms)
        self.reservations = self.fake_reservations = FakeReservationRepository(reservations)
        self.job_runs = self.fake_job_runs = FakeJobRuns()
        rows = self.fake_reservations.rows
        self.series = self.fake_series = FakeSeriesRepository(rows)
        self.waitlist = self.fake_waitlist = FakeWaitlistRepository()
        self.notices = self.fake_notices = FakeNoticeRepository()
        self.approvals = self.fake_approvals = FakeApprovalRepository(rows)
        self.committed = False
        self.commits = 0
        self._snapshot = self._state()
        self._runs_snapshot = set(self.fake_job_runs.runs)

    def _state(self) -> tuple[dict[int, Any], ...]:
        """Copies of every store, to restore on rollback."""
        stores = (self.fake_reservations, self.fake_series, self.fake_waitlist,
                  self.fake_notices, self.fake_approvals)  # fmt: skip
        return tuple(dict(s.rows) for s in stores)

    def commit(self) -> None:
        self._snapshot = self._state()
        self._runs_snapshot = set(self.fake_job_runs.runs)
        self.committed = True
        self.commits += 1

    def rollback(self) -> None:
        reservations, series, waitlist, notices, approvals = (dict(s) for s in self._snapshot)
        self.fake_reservations.rows = reservations
        self.fake_series.reservations = self.fake_approvals.reservations = reservations
        self.fake_series.rows, self.fake_waitlist.rows = series, waitlist
        self.fake_notices.rows, self.fake_approvals.rows = notices, approvals
        self.fake_job_runs.runs = set(self._runs_snapshot)
