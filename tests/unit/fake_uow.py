"""In-memory unit of work for service tests (cosmicpython chapter 6 style)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from booking.calendar import CalendarLink, FeedToken, OutboxEntry
from booking.errors import SlotTaken
from booking.model import NO_SHOW, BoardToken, Reservation, Room
from booking.ports import AbstractUnitOfWork
from booking.usage import Held, Outcomes
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
        self.outbox: FakeOutbox | None = None  # where add() writes the entries it is given
        for reservation in reservations:
            self.add(reservation)

    def add(
        self, reservation: Reservation, outbox: Sequence[OutboxEntry] = (), alone: bool = False
    ) -> Reservation:
        self._refuse_overlap(reservation)
        stored = replace(reservation, id=self._next_id)
        self._next_id += 1
        self.rows[stored.id] = stored  # type: ignore[index]
        for entry in outbox:
            assert self.outbox is not None, "outbox entries given to a repository without one"
            self.outbox.add(replace(entry, reservation_id=stored.id))
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

    def for_feed(
        self,
        since: datetime,
        cancelled_since: datetime,
        *,
        room_id: str | None = None,
        owner_id: str | None = None,
    ) -> list[Reservation]:
        shown = [
            r for r in self.rows.values()
            if r.start >= since
            and (r.holds_slot or (r.cancelled_at is not None and r.cancelled_at >= cancelled_since))
            and room_id in (None, r.room_id) and owner_id in (None, r.owner_id)
        ]  # fmt: skip
        return [replace(r) for r in sorted(shown, key=lambda r: (r.start, r.id or 0))]

    def feed_version(
        self,
        since: datetime,
        cancelled_since: datetime,
        *,
        room_id: str | None = None,
        owner_id: str | None = None,
    ) -> str:
        rows = self.for_feed(since, cancelled_since, room_id=room_id, owner_id=owner_id)
        changes = [r.updated_at or r.created_at for r in rows if r.updated_at or r.created_at]
        last = max((r.id or 0 for r in rows), default=None)
        revision = sum(r.sequence for r in rows)
        ids = {r.series_id for r in rows if r.series_id is not None}
        dates = [r for r in self.rows.values() if r.series_id in ids]
        stamps = [r.updated_at or r.created_at for r in dates if r.updated_at or r.created_at]
        series = f"{len(dates)}:{sum(r.sequence for r in dates)}:{max(stamps, default=None)}"
        return f"{len(rows)}:{last}:{max(changes, default=None)}:{revision}:{series}"

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


class FakeOutbox:
    """The outbox as a dict of entries by id (no other drainer to skip)."""

    def __init__(self) -> None:
        self.rows: dict[int, OutboxEntry] = {}
        self.reservations: dict[int, Reservation] = {}  # the unit of work's, for forget_ended

    def add(self, entry: OutboxEntry) -> None:
        new_id = max(self.rows, default=0) + 1
        self.rows[new_id] = replace(entry, id=new_id)

    def next_due(self, now: datetime) -> OutboxEntry | None:
        due = [
            e for e in self.rows.values()
            if e.done_at is None and (e.leased_until is None or e.leased_until <= now)
            and (e.next_attempt_at is None or e.next_attempt_at <= now)
        ]  # fmt: skip
        return replace(min(due, key=lambda e: e.id or 0)) if due else None

    def same_target(self, entry: OutboxEntry) -> list[OutboxEntry]:
        return [
            replace(e) for _, e in sorted(self.rows.items())
            if e.done_at is None and e.room_id == entry.room_id
            and (e.leased_until is None or e.id == entry.id)
            and (e.reservation_id, e.href if e.reservation_id is None else None)
            == (entry.reservation_id, entry.href if entry.reservation_id is None else None)
        ]  # fmt: skip

    def _set(self, ids: list[int], **values: object) -> None:
        for i in ids:
            self.rows[i] = replace(self.rows[i], **values)  # type: ignore[arg-type]

    def lease(self, ids: list[int], until: datetime) -> None:
        self._set(ids, leased_until=until)

    def done(self, ids: list[int], now: datetime) -> None:
        self._set(ids, done_at=now, leased_until=None, last_error=None)

    def failed(self, ids: list[int], attempts: int, retry_at: datetime, error: str) -> None:
        self._set(ids, attempts=attempts, next_attempt_at=retry_at, leased_until=None,
                  last_error=error)  # fmt: skip

    def pending(self) -> int:
        return sum(1 for e in self.rows.values() if e.done_at is None)

    def prune(self, before: datetime) -> int:
        old = [i for i, e in self.rows.items() if e.done_at is not None and e.done_at < before]
        for i in old:
            del self.rows[i]
        return len(old)

    def forget_ended(self, before: datetime, limit: int) -> int:
        ended = {r.id for r in self.reservations.values() if r.end < before}
        old = [i for i, e in self.rows.items() if e.reservation_id in ended][:limit]
        for i in old:
            del self.rows[i]
        return len(old)


class FakeCalendarLinks:
    """Links and cursors held in dicts."""

    def __init__(self) -> None:
        self.links: dict[tuple[str, str], CalendarLink] = {}
        self.cursors: dict[str, str | None] = {}

    def get(self, room_id: str, href: str) -> CalendarLink | None:
        link = self.links.get((room_id, href))
        return replace(link) if link is not None else None

    def for_reservation(self, reservation_id: int) -> CalendarLink | None:
        found = [x for x in self.links.values() if x.reservation_id == reservation_id]
        return replace(found[0]) if found else None

    def in_room(self, room_id: str) -> list[CalendarLink]:
        return [replace(x) for x in self.links.values() if x.room_id == room_id]

    def save(self, link: CalendarLink) -> None:
        self.links[(link.room_id, link.href)] = replace(link)

    def delete(self, room_id: str, href: str) -> None:
        self.links.pop((room_id, href), None)

    def cursor(self, room_id: str) -> str | None:
        return self.cursors.get(room_id)

    def set_cursor(self, room_id: str, cursor: str | None, now: datetime) -> None:
        self.cursors[room_id] = cursor


class FakeFeedTokens:
    """Feed token records by owner."""

    def __init__(self) -> None:
        self.records: dict[str, FeedToken] = {}

    def get(self, owner_id: str) -> FeedToken | None:
        record = self.records.get(owner_id)
        return replace(record) if record is not None else None

    def save(self, token: FeedToken) -> None:
        self.records[token.owner_id] = replace(token)

    def owner_of(self, token_hash: str) -> str | None:
        found = [r.owner_id for r in self.records.values() if r.token_hash == token_hash]
        return found[0] if found else None


class FakeUnitOfWork(AbstractUnitOfWork):
    """Commit snapshots the rows; rollback (always run on exit) restores the last snapshot."""

    def __init__(self, rooms: Iterable[Room] = (), reservations: Iterable[Reservation] = ()):
        self.rooms = FakeRoomRepository(rooms)
        self.reservations = self.fake_reservations = FakeReservationRepository(reservations)
        self.job_runs = self.fake_job_runs = FakeJobRuns()
        self.board_tokens = self.fake_board_tokens = FakeBoardTokens()
        self.outbox = self.fake_outbox = FakeOutbox()
        self.fake_reservations.outbox = self.fake_outbox
        self.fake_outbox.reservations = self.fake_reservations.rows
        self.calendar_links = self.fake_links = FakeCalendarLinks()
        self.feed_tokens = self.fake_feed_tokens = FakeFeedTokens()
        rows = self.fake_reservations.rows
        self.series = self.fake_series = FakeSeriesRepository(rows)
        self.waitlist = self.fake_waitlist = FakeWaitlistRepository()
        self.notices = self.fake_notices = FakeNoticeRepository()
        self.fake_notices.reservations = rows
        self.approvals = self.fake_approvals = FakeApprovalRepository(rows)
        self.committed = False
        self.commits = 0
        self.reads_only = False
        self._snapshot = self._state()

    def _state(self) -> dict[str, Any]:
        """Copies of every store, to restore on rollback."""
        return {
            "reservations": dict(self.fake_reservations.rows),
            "runs": set(self.fake_job_runs.runs),
            "outbox": dict(self.fake_outbox.rows),
            "links": dict(self.fake_links.links),
            "cursors": dict(self.fake_links.cursors),
            "feed_tokens": dict(self.fake_feed_tokens.records),
            "boards": dict(self.fake_board_tokens.rows),
            "series": dict(self.fake_series.rows),
            "waitlist": dict(self.fake_waitlist.rows),
            "notices": dict(self.fake_notices.rows),
            "approvals": dict(self.fake_approvals.rows),
        }

    def __enter__(self) -> FakeUnitOfWork:
        self.optimistic = False  # the fake has no cache: trying() changes nothing
        self.reads_only, self.read_only = self.read_only, False
        return self

    def commit(self) -> None:
        if self.reads_only:
            raise RuntimeError("a reading unit of work cannot commit")
        self._snapshot = self._state()
        self.committed = True
        self.commits += 1

    def rollback(self) -> None:
        saved = self._snapshot
        reservations = dict(saved["reservations"])
        self.fake_reservations.rows = reservations
        self.fake_series.reservations = self.fake_approvals.reservations = reservations
        self.fake_notices.reservations = reservations
        self.fake_job_runs.runs = set(saved["runs"])
        self.fake_outbox.rows, self.fake_links.links = dict(saved["outbox"]), dict(saved["links"])
        self.fake_links.cursors = dict(saved["cursors"])
        self.fake_feed_tokens.records = dict(saved["feed_tokens"])
        self.fake_board_tokens.rows = dict(saved["boards"])
        self.fake_series.rows, self.fake_waitlist.rows = (
            dict(saved["series"]),
            dict(saved["waitlist"]),
        )
        self.fake_notices.rows = dict(saved["notices"])
        self.fake_approvals.rows = dict(saved["approvals"])
