"""The calendar outbox: every reservation change, recorded in its own transaction, pushed later.

An entry says "this reservation's event in this room's calendar may be stale" (or "decline this
external event"). The pusher renders the reservation's *current* state, so entries for the same
reservation and room coalesce into one write, and a reservation changed twice while the server
was down ends in its last state. Entries are leased while pushed and marked done after, so a
crash mid-push only repeats an idempotent PUT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from booking.calendar import CalendarEvent, OutboxEntry, event_for, reservation_href
from booking.model import Reservation, Room
from booking.ports import AbstractUnitOfWork

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
LEASE = timedelta(minutes=5)
MOVED_AWAY = (
    "この予約は会議室ボットで別の会議室へ移動されたか、取り消されました。\n"
    "This booking was moved to another room or cancelled in the room bot."
)


def entries_for(before: Reservation | None, after: Reservation, now: datetime) -> list[OutboxEntry]:
    """The calendars a reservation change touches: its room's, and the old room's on a move."""
    rooms = [after.room_id]
    if before is not None and before.room_id != after.room_id:
        rooms.insert(0, before.room_id)
    return [OutboxEntry(room_id=r, created_at=now, reservation_id=after.id) for r in rooms]


def record_change(
    uow: AbstractUnitOfWork, before: Reservation | None, after: Reservation, now: datetime
) -> None:
    """Queue the calendar writes of a change in the same transaction as the change itself."""
    for entry in entries_for(before, after, now):
        uow.outbox.add(entry)


def save_change(
    uow: AbstractUnitOfWork, before: Reservation, after: Reservation, now: datetime
) -> None:
    """Save a changed reservation and queue its calendar writes, in the same transaction."""
    uow.reservations.save(after)
    record_change(uow, before, after, now)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 30 s, doubling, at most an hour."""
    wait: timedelta = FIRST_RETRY * (2 ** max(0, min(attempts - 1, 20)))
    return min(wait, LONGEST_RETRY)


@dataclass(frozen=True)
class PushTask:
    """What to send for a group of coalesced entries: put, remove or decline one event."""

    entry_ids: list[int]
    room: Room
    action: str  # 'put' | 'remove' | 'decline'
    href: str
    event: CalendarEvent | None = None
    foreign: bool = False
    reason: str = ""
    attempts: int = 0


def claim_next(
    uow: AbstractUnitOfWork,
    now: datetime,
    lease: timedelta = LEASE,
    done: PushTask | None = None,
) -> PushTask | None:
    """Lease the oldest due entry (and the pending ones it makes redundant); what to send.

    `done`: a task just delivered, marked done in the same transaction (one commit per task).
    """
    with uow:
        if done is not None:
            uow.outbox.done(done.entry_ids, now)
        while (entry := uow.outbox.next_due(now)) is not None:
            group = uow.outbox.same_target(entry)
            ids = [e.id for e in group if e.id is not None]
            task = _task(uow, entry, ids, max(e.attempts for e in group))
            if task is None:  # the room is gone: nothing to write any more
                uow.outbox.done(ids, now)
                continue
            uow.outbox.lease(ids, now + lease)
            uow.commit()
            return task
        uow.commit()
        return None


def _task(
    uow: AbstractUnitOfWork, entry: OutboxEntry, ids: list[int], attempts: int
) -> PushTask | None:
    """The write that brings the room's calendar in line with the reservation as it is now."""
    room = uow.rooms.get(entry.room_id)
    if room is None:
        return None
    if entry.reservation_id is None:
        return PushTask(
            ids, room, "decline", entry.href or "", reason=entry.reason, attempts=attempts
        )
    r = uow.reservations.get(entry.reservation_id)
    if r is None or r.id is None:
        return None
    link = uow.calendar_links.for_reservation(r.id)
    foreign = link is not None and link.room_id == room.id
    href = link.href if link is not None and foreign else reservation_href(r.id)
    if r.room_id != room.id:
        if foreign:
            return PushTask(ids, room, "decline", href, reason=MOVED_AWAY, attempts=attempts)
        return PushTask(ids, room, "remove", href, attempts=attempts)
    event = event_for(r, room, uid=link.uid if link is not None and foreign else None)
    return PushTask(ids, room, "put", href, event, foreign, attempts=attempts)


def finish(uow: AbstractUnitOfWork, task: PushTask, now: datetime) -> None:
    """Mark the task's entries delivered."""
    with uow:
        uow.outbox.done(task.entry_ids, now)
        uow.commit()


def fail(uow: AbstractUnitOfWork, task: PushTask, now: datetime, error: str) -> datetime:
    """Release the entries for a later retry (with back-off); when the next try is due."""
    attempts = task.attempts + 1
    retry_at = now + backoff(attempts)
    with uow:
        uow.outbox.failed(task.entry_ids, attempts, retry_at, error[:200])
        uow.commit()
    return retry_at


KEEP_ENDED = timedelta(days=7)
FORGET_BATCH = 5_000  # entries a transaction deletes: months of them stay within the timeout


def forget_ended(uow: AbstractUnitOfWork, now: datetime, batch: int = FORGET_BATCH) -> int:
    """Once a day, with no calendar server set up: forget the entries of reservations that ended
    over a week ago, so the outbox holds only what a later CalDAV set-up still has to push.

    The day is claimed first, on its own; then each batch is its own transaction, so a first
    run over a long-grown table makes progress even if a batch fails (the next day goes on)."""
    with uow:
        if not uow.job_runs.claim("calendar_outbox_prune", now.date().isoformat(), now):
            return 0
        uow.commit()
    gone = 0
    while True:
        with uow:
            done = uow.outbox.forget_ended(now - KEEP_ENDED, batch)
            uow.commit()
        gone += done
        if done < batch:
            return gone
