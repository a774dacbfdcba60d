"""In-memory series, waitlist, approval decisions and notices for the fake unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from booking.model import PENDING, Reservation
from booking.rules import Decision, Notice, Series, WaitEntry

OPEN = ("waiting", "offered")


class FakeSeriesRepository:
    """Series in a dict; their dates are read from the reservations."""

    def __init__(self, reservations: dict[int, Reservation]):
        self.rows: dict[int, Series] = {}
        self.reservations = reservations  # the fake reservation store's dict (swapped on rollback)

    def add(self, series: Series) -> Series:
        stored = replace(series, id=len(self.rows) + 1)
        self.rows[stored.id] = stored  # type: ignore[index]
        return stored

    def get(self, series_id: int) -> Series | None:
        return self.rows.get(series_id)

    def dates(self, series_id: int, *, for_update: bool = False) -> list[Reservation]:
        mine = [r for r in self.reservations.values() if r.series_id == series_id]
        return [replace(r) for r in sorted(mine, key=lambda r: (r.occurrence or 0, r.id or 0))]


class FakeWaitlistRepository:
    """Waitlist entries in a dict, first come first served by (created_at, id)."""

    def __init__(self) -> None:
        self.rows: dict[int, WaitEntry] = {}
        self.locked: set[str] = set()  # rooms another "process" holds

    def add(self, entry: WaitEntry) -> WaitEntry:
        stored = replace(entry, id=len(self.rows) + 1)
        self.rows[stored.id] = stored  # type: ignore[index]
        return stored

    def get(self, entry_id: int, *, for_update: bool = False) -> WaitEntry | None:
        return self.rows.get(entry_id)

    def save(self, entry: WaitEntry) -> None:
        if entry.id not in self.rows:
            raise KeyError(entry.id)
        self.rows[entry.id] = entry

    def waiting_for(
        self, owner_id: str, room_id: str, start: datetime, end: datetime
    ) -> WaitEntry | None:
        same = [
            e for e in self.rows.values()
            if (e.owner_id, e.room_id, e.start, e.end) == (owner_id, room_id, start, end)
            and e.status in OPEN
        ]  # fmt: skip
        return same[0] if same else None

    def ahead_of(self, entry: WaitEntry) -> int:
        return sum(
            1 for e in self.rows.values()
            if e.room_id == entry.room_id and e.status == "waiting" and (e.id or 0) < (entry.id or 0)
            and e.slot.overlaps(entry.slot)
        )  # fmt: skip

    def rooms_waited_on(self) -> list[str]:
        return sorted({e.room_id for e in self.rows.values() if e.status in OPEN})

    def lock_room(self, room_id: str) -> bool:
        return room_id not in self.locked

    def in_room(self, room_id: str, status: str) -> list[WaitEntry]:
        found = [e for e in self.rows.values() if e.room_id == room_id and e.status == status]
        return sorted(found, key=lambda e: (e.created_at or datetime.min, e.id or 0))

    def holding(self, reservation_id: int) -> WaitEntry | None:
        found = [e for e in self.rows.values() if e.held_id == reservation_id]
        return found[-1] if found else None


class FakeNoticeRepository:
    """The notice outbox in a dict."""

    def __init__(self) -> None:
        self.rows: dict[int, Notice] = {}
        self.reservations: dict[int, Reservation] = {}

    def prune(self, before: datetime) -> int:
        pending = {i for i, r in self.reservations.items() if r.status == "pending"}
        gone = [
            i for i, n in self.rows.items()
            if n.sent_at is not None and n.sent_at < before and n.reservation_id not in pending
        ]  # fmt: skip
        for i in gone:
            del self.rows[i]
        return len(gone)

    def add(self, notice: Notice) -> None:
        nid = len(self.rows) + 1
        self.rows[nid] = replace(notice, id=nid, due_at=notice.due_at or notice.created_at)

    def claim_next(self, now: datetime) -> Notice | None:
        due = [n for n in self.rows.values() if n.sent_at is None and n.due_at and n.due_at <= now]
        due.sort(key=lambda n: (n.due_at or now, n.id or 0))
        return due[0] if due else None

    def mark(self, notice_id: int, now: datetime, outcome: str, ref: str) -> None:
        self.rows[notice_id] = replace(self.rows[notice_id], sent_at=now, outcome=outcome, ref=ref)

    def defer(self, notice_id: int, until: datetime) -> None:
        self.rows[notice_id] = replace(self.rows[notice_id], due_at=until)

    def request_to(self, reservation_id: int, recipient: str) -> Notice | None:
        found = [
            n for n in self.rows.values()
            if (n.reservation_id, n.recipient, n.kind) == (reservation_id, recipient, "approval_request")
        ]  # fmt: skip
        return found[-1] if found else None


class FakeApprovalRepository:
    """Decisions in a dict keyed by reservation (the first one wins)."""

    def __init__(self, reservations: dict[int, Reservation]):
        self.rows: dict[int, Decision] = {}
        self.reservations = reservations

    def decide(self, decision: Decision) -> bool:
        if decision.reservation_id in self.rows:
            return False
        self.rows[decision.reservation_id] = decision
        return True

    def get(self, reservation_id: int) -> Decision | None:
        return self.rows.get(reservation_id)

    def claim_expired(self, now: datetime, timeout: timedelta, limit: int) -> list[Reservation]:
        due = [
            r for r in self.reservations.values()
            if r.status == PENDING and ((r.created_at or r.start) <= now - timeout or r.start <= now)
        ]  # fmt: skip
        return [replace(r) for r in sorted(due, key=lambda r: (r.start, r.id or 0))[:limit]]
