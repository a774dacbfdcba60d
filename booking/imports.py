"""Pulling a room's calendar: external events become reservations, or are declined with a reason.

Each event is settled in one transaction (reservation, link and any decline queued together), so
a pull interrupted half-way settles the rest the next time without booking anything twice. The
bot's own events are compared with the reservation they show: the bot is the system of record,
so an edit or deletion made in the calendar is put back by the pusher.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from booking import outbox, services
from booking.calendar import CalendarLink, ExternalEvent, OutboxEntry, reservation_href
from booking.errors import BookingError, UnsupportedEvent
from booking.identity import identity
from booking.model import Reservation, Room, TimeSlot
from booking.policy import Policy
from booking.ports import AbstractUnitOfWork

SOURCE = "calendar"
UPCOMING = timedelta(days=3650)


def reason_text(error: BookingError) -> str:
    """The reason an organizer reads, in Japanese and English."""
    return f"{error.message_ja}\n{error.message}"


def owner_for(event: ExternalEvent) -> str:
    """The owner identity of an event's organizer."""
    return identity(SOURCE, (event.organizer_email or "unknown").lower())


def import_event(
    uow: AbstractUnitOfWork, policy: Policy, room: Room, event: ExternalEvent, now: datetime
) -> str:
    """Book, move, cancel or decline after one external event changed; the outcome."""
    with uow:
        link = uow.calendar_links.get(room.id, event.href)
        outcome = _settle(uow, policy, room, event, link, now)
        uow.commit()
        return outcome


def _settle(
    uow: AbstractUnitOfWork,
    policy: Policy,
    room: Room,
    event: ExternalEvent,
    link: CalendarLink | None,
    now: datetime,
) -> str:
    """Decide what one external event means for its reservation."""
    held = _held(uow, room, link)
    started = event.start is not None and event.start <= now
    if (event.end is not None and event.end <= now) or (started and held is None):
        return "past"  # history (e.g. on the first pull of a calendar) is left as it is
    if event.cancelled and not event.declined_by_bot:
        if held is not None:
            uow.reservations.save(held.cancelled(by=held.owner_id, at=now))
            _link(uow, room, event, held.id, "cancelled")
            return "cancelled"
        return "unchanged"
    same_slot = link is not None and (link.start, link.end) == (event.start, event.end)
    if same_slot and (held is not None or (link is not None and link.state == "declined")):
        return "unchanged"
    try:
        return _book_or_move(uow, policy, room, event, held, now)
    except BookingError as error:
        if held is not None:
            uow.reservations.save(held.cancelled(by=held.owner_id, at=now))
        _link(uow, room, event, None, "declined")
        uow.outbox.add(
            OutboxEntry(room.id, now, href=event.href, reason=reason_text(error))
        )  # fmt: skip
        return "declined"


def _book_or_move(
    uow: AbstractUnitOfWork,
    policy: Policy,
    room: Room,
    event: ExternalEvent,
    held: Reservation | None,
    now: datetime,
) -> str:
    """Take the event's slot: move the reservation it holds, or book a new one."""
    if event.start is None or event.end is None:
        raise UnsupportedEvent("all_day")
    if event.recurring:
        raise UnsupportedEvent("recurring")
    slot = TimeSlot(event.start, event.end)
    if held is not None:
        made = services.move(uow, policy, held, room.id, slot, now)
        outcome = "moved"
    else:
        title = event.summary.strip()[:200]
        owner = owner_for(event)
        made = services.book(uow, policy, room.id, slot, owner, now, title, SOURCE, calendar=False)
        outcome = "booked"
    if event.declined_by_bot or not made.active:  # put the accepted (or tentative) state back
        outbox.record_change(uow, None, made, now)
    _link(uow, room, event, made.id, "booked")
    return outcome


def _held(uow: AbstractUnitOfWork, room: Room, link: CalendarLink | None) -> Reservation | None:
    """The reservation a link holds in this room (active or pending approval), if any."""
    if link is None or link.reservation_id is None:
        return None
    r = uow.reservations.get(link.reservation_id, for_update=True)
    return r if r is not None and r.holds_slot and r.room_id == room.id else None


def _link(
    uow: AbstractUnitOfWork, room: Room, event: ExternalEvent, rid: int | None, state: str
) -> None:
    """Remember what became of the event."""
    link = CalendarLink(room.id, event.href, event.uid, rid, state, event.start, event.end)
    uow.calendar_links.save(link)


def event_deleted(uow: AbstractUnitOfWork, room: Room, href: str, now: datetime) -> str:
    """An external event is gone from the calendar: free its slot."""
    with uow:
        link = uow.calendar_links.get(room.id, href)
        if link is None:
            return "unknown"
        held = _held(uow, room, link)
        if held is not None:
            uow.reservations.save(held.cancelled(by=held.owner_id, at=now))
        uow.calendar_links.delete(room.id, href)
        uow.commit()
        return "cancelled" if held is not None else "forgotten"


def reconcile_own(
    uow: AbstractUnitOfWork, room: Room, rid: int, event: ExternalEvent | None, now: datetime
) -> str:
    """One of the bot's events changed or vanished in the calendar: queue it back if needed."""
    with uow:
        r = uow.reservations.get(rid)
        if r is None or r.end <= now:
            return "unchanged"
        if event is None:
            stale = r.active and r.room_id == room.id
        elif r.room_id != room.id:
            stale = True
        else:
            shown = (event.start, event.end, event.cancelled)
            stale = shown != (r.start, r.end, not r.active)
        if stale:
            uow.outbox.add(OutboxEntry(room.id, now, reservation_id=rid))
        uow.commit()
        return "restored" if stale else "unchanged"


def reconcile_missing(uow: AbstractUnitOfWork, room: Room, seen: set[str], now: datetime) -> int:
    """After a full listing: queue every upcoming reservation whose event is missing."""
    with uow:
        queued = 0
        linked = {link.reservation_id: link.href for link in uow.calendar_links.in_room(room.id)}
        for r in uow.reservations.active_between(now, now + UPCOMING, room.id):
            if r.id is not None and linked.get(r.id, reservation_href(r.id)) not in seen:
                uow.outbox.add(OutboxEntry(room.id, now, reservation_id=r.id))
                queued += 1
        uow.commit()
        return queued
