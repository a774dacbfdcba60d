"""In-memory unit of work for service tests (cosmicpython chapter 6 style)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from booking.errors import SlotTaken
from booking.model import Reservation, Room
from booking.ports import AbstractUnitOfWork


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
            if r.active
            and r.start < end
            and r.end > start
            and (room_id is None or r.room_id == room_id)
        ]
        return [replace(r) for r in sorted(found, key=lambda r: (r.start, r.id or 0))]

    def upcoming_for_owner(self, owner_id: str, now: datetime, limit: int) -> list[Reservation]:
        mine = [
            r for r in self.rows.values() if r.active and r.owner_id == owner_id and r.end > now
        ]
        return [replace(r) for r in sorted(mine, key=lambda r: r.start)[:limit]]

    def _refuse_overlap(self, reservation: Reservation) -> None:
        """Raise SlotTaken as the exclusion constraint / trigger would."""
        if not reservation.active:
            return
        for other in self.rows.values():
            if (
                other.id != reservation.id
                and other.active
                and other.room_id == reservation.room_id
                and other.slot.overlaps(reservation.slot)
            ):
                raise SlotTaken(reservation.room_id)


class FakeUnitOfWork(AbstractUnitOfWork):
    """Commit snapshots the rows; rollback (always run on exit) restores the last snapshot."""

    def __init__(self, rooms: Iterable[Room] = (), reservations: Iterable[Reservation] = ()):
        self.rooms = FakeRoomRepository(rooms)
        self.reservations = self.fake_reservations = FakeReservationRepository(reservations)
        self.committed = False
        self.commits = 0
        self._snapshot = dict(self.fake_reservations.rows)

    def commit(self) -> None:
        self._snapshot = dict(self.fake_reservations.rows)
        self.committed = True
        self.commits += 1

    def rollback(self) -> None:
        self.fake_reservations.rows = dict(self._snapshot)
