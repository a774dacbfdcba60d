"""In-memory unit of work for service tests (cosmicpython chapter 6 style)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from booking.errors import SlotTaken
from booking.model import NO_SHOW, BoardToken, Reservation, Room
from booking.ports import AbstractUnitOfWork
from booking.usage import Held, Outcomes


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

    def held_between(self, start: datetime, end: datetime) -> list[Held]:
        spans = []
        for r in sorted(self.rows.values(), key=lambda r: (r.start, r.id or 0)):
            until = held_until(r)
            if until is not None and r.start < end and until > start:
                spans.append(Held(r.room_id, r.start, until, r.party_size))
        return spans

    def outcomes_between(self, start: datetime, end: datetime) -> list[Outcomes]:
        counts: dict[str, list[int]] = {}
        for r in self.rows.values():
            if held_until(r) is not None and start <= r.start < end:
                room = counts.setdefault(r.room_id, [0, 0, 0])
                room[0] += 1
                room[1] += r.checked_in_at is not None
                room[2] += r.cancelled_by == NO_SHOW
        return [Outcomes(room, *counts[room]) for room in sorted(counts)]

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


def held_until(r: Reservation) -> datetime | None:
    """The end of the span a reservation held its room (None: cancelled before it began)."""
    if r.active:
        return r.end
    if r.cancelled_at is None or r.cancelled_at <= r.start:
        return None
    return min(r.end, r.cancelled_at)


class FakeBoardTokens:
    """Board tokens held in a dict; hashes are unique like the database's index."""

    def __init__(self) -> None:
        self.rows: dict[int, BoardToken] = {}

    def add(self, token: BoardToken) -> BoardToken:
        if any(t.token_hash == token.token_hash for t in self.rows.values()):
            raise ValueError("duplicate token hash")
        stored = replace(token, id=len(self.rows) + 1)
        self.rows[stored.id] = stored  # type: ignore[index]
        return stored

    def get(self, token_id: int) -> BoardToken | None:
        return self.rows.get(token_id)

    def find(self, token_hash: str) -> BoardToken | None:
        return next((t for t in self.rows.values() if t.token_hash == token_hash), None)

    def list(self) -> list[BoardToken]:
        return [self.rows[k] for k in sorted(self.rows)]

    def save(self, token: BoardToken) -> None:
        if token.id not in self.rows:
            raise KeyError(token.id)
        self.rows[token.id] = token


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
        self.board_tokens = self.fake_board_tokens = FakeBoardTokens()
        self.committed = False
        self.commits = 0
        self.commit()
        self.committed, self.commits = False, 0

    def commit(self) -> None:
        self._snapshot = dict(self.fake_reservations.rows)
        self._runs_snapshot = set(self.fake_job_runs.runs)
        self._tokens_snapshot = dict(self.fake_board_tokens.rows)
        self.committed = True
        self.commits += 1

    def rollback(self) -> None:
        self.fake_reservations.rows = dict(self._snapshot)
        self.fake_job_runs.runs = set(self._runs_snapshot)
        self.fake_board_tokens.rows = dict(self._tokens_snapshot)
