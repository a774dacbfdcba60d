"""The waitlist: wait for a taken slot; when it frees, the first waiter gets it held for a while.

An offer is a reservation of the waiter's with status `held`: it holds the slot like any other
(the database refuses an overlap), so nobody is ever offered a slot that is no longer free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from booking import approvals, outbox, rules
from booking.errors import (
    NotOwner,
    OfferLapsed,
    ReservationNotFound,
    SlotFree,
    SlotTaken,
    SlotYours,
    WaitNotFound,
)
from booking.model import ACTIVE, EXPIRED, HELD, PENDING, Reservation, TimeSlot
from booking.policy import Policy
from booking.ports import AbstractUnitOfWork
from booking.rules import Notice, WaitEntry
from booking.services import resolve_room


def join_waitlist(
    uow: AbstractUnitOfWork,
    policy: Policy,
    *,
    room: str,
    start: datetime,
    end: datetime,
    owner_id: str,
    now: datetime,
    title: str = "",
    source: str = "api",
) -> tuple[WaitEntry, int]:
    """Wait for a taken slot (once per person and slot); the entry and how many are ahead."""
    slot = TimeSlot(start, end).in_utc()
    with uow:
        found = resolve_room(uow, room)
        policy.validate(slot, now)
        entry = uow.waitlist.waiting_for(owner_id, found.id, slot.start, slot.end)
        if entry is None:
            holders = uow.reservations.active_between(slot.start, slot.end, found.id)
            if not holders:
                raise SlotFree(found.id, found.name, found.label("en"))
            if all(h.owner_id == owner_id for h in holders):
                raise SlotYours(found.id, holders[0].id)
            new = WaitEntry(found.id, owner_id, slot, title.strip(), created_at=now, source=source)
            entry = uow.waitlist.add(new)
            uow.commit()
            uow.record("waitlisted", room_id=found.id, source=source)
        return entry, uow.waitlist.ahead_of(entry)


def leave_waitlist(
    uow: AbstractUnitOfWork, *, entry_id: int, actor_id: str, admins: Iterable[str] = ()
) -> WaitEntry:
    """Stop waiting (an offer already made stays the waiter's to take or let lapse)."""
    with uow:
        entry = uow.waitlist.get(entry_id, for_update=True)
        if entry is None or (actor_id != entry.owner_id and actor_id not in set(admins)):
            raise WaitNotFound(entry_id)
        if entry.status == rules.WAITING:
            entry = replace(entry, status=rules.LEFT)
            uow.waitlist.save(entry)
            uow.commit()
        return entry


def offer_freed(
    uow: AbstractUnitOfWork, *, room_id: str, now: datetime, hold: timedelta
) -> list[Reservation]:
    """One room's turn: lapse stale offers, then hold each freed slot for its first waiter.

    Exactly once across schedulers: the room's waitlist is locked for the transaction and a
    process that finds it locked skips the room until its next poll.
    """
    try:
        with uow:
            if not uow.waitlist.lock_room(room_id):
                return []
            for entry in uow.waitlist.in_room(room_id, rules.OFFERED):
                _settle_offer(uow, entry, now)
            offered = [
                held
                for entry in uow.waitlist.in_room(room_id, rules.WAITING)
                if (held := _offer(uow, entry, now, hold)) is not None
            ]
            uow.commit()
    except SlotTaken:  # someone booked a freed slot between the look and the hold
        return []  # nothing was written: the next poll looks again
    return offered


def _settle_offer(uow: AbstractUnitOfWork, entry: WaitEntry, now: datetime) -> None:
    """An offer taken, declined or past its hold: close the entry (and free a lapsed hold)."""
    held = uow.reservations.get(entry.held_id or 0, for_update=True)
    if held is None or held.status != HELD:
        taken = held is not None and held.status in (ACTIVE, PENDING)
        uow.waitlist.save(replace(entry, status=rules.BOOKED if taken else rules.DECLINED))
    elif entry.hold_until is not None and entry.hold_until <= now:
        lapsed = held.with_status(EXPIRED, now, cancelled_at=now, cancelled_by="waitlist")
        outbox.save_change(uow, held, lapsed, now)
        uow.waitlist.save(replace(entry, status=rules.LAPSED))
        uow.record("offer_lapsed", room_id=entry.room_id)


def _offer(
    uow: AbstractUnitOfWork, entry: WaitEntry, now: datetime, hold: timedelta
) -> Reservation | None:
    """Hold the entry's slot for its waiter if the whole of it is free now."""
    if entry.start <= now:
        uow.waitlist.save(replace(entry, status=rules.GONE))
        return None
    if uow.reservations.active_between(entry.start, entry.end, entry.room_id):
        return None
    wanted = Reservation(entry.room_id, entry.owner_id, entry.slot, entry.title,
                         created_at=now, source="waitlist", status=HELD)  # fmt: skip
    held = uow.reservations.add(wanted)  # SlotTaken if the slot was taken meanwhile: roll back
    outbox.record_change(uow, None, held, now)
    until = min(now + hold, entry.start)
    uow.waitlist.save(
        replace(entry, status=rules.OFFERED, offered_at=now, hold_until=until, held_id=held.id)
    )
    data = {"hold_until": until.isoformat()}
    offer = Notice(rules.OFFER, entry.owner_id, held.id or 0, data, created_at=now, due_at=now)
    uow.notices.add(offer)
    uow.record("offered", room_id=entry.room_id)
    return held


def take_offer(
    uow: AbstractUnitOfWork, *, reservation_id: int, actor_id: str, now: datetime
) -> Reservation:
    """Book the slot held for the actor (pending, if the room needs an approver's yes)."""
    with uow:
        held = uow.reservations.get(reservation_id, for_update=True)
        if held is None:
            raise ReservationNotFound(reservation_id)
        if held.owner_id != actor_id:
            raise NotOwner(reservation_id)
        if held.status in (ACTIVE, PENDING):
            return held  # pressed twice: already theirs
        entry = uow.waitlist.holding(reservation_id)
        lapsed = entry is None or entry.hold_until is None or entry.hold_until <= now
        if held.status != HELD or lapsed:
            raise OfferLapsed(reservation_id)
        room = resolve_room(uow, held.room_id)
        taken = held.with_status(approvals.initial_status(room, actor_id), now, created_at=now)
        outbox.save_change(uow, held, taken, now)
        approvals.request_approval(uow, room, taken, now)
        if entry is not None:
            uow.waitlist.save(replace(entry, status=rules.BOOKED))
        uow.commit()
        uow.record("offer_taken", room_id=held.room_id)
    return taken


def rooms_to_visit(uow: AbstractUnitOfWork) -> list[str]:
    """Rooms whose waitlist has someone waiting or an open offer."""
    with uow:
        return uow.waitlist.rooms_waited_on()
