"""The pull job: read each room's calendar incrementally and settle what changed in it.

Someone else's new event becomes a reservation (source `calendar`, owner the organizer) or is
declined with the reason; a moved or deleted one moves or frees its slot; the bot's own events
are put back when edited in the calendar. The cursor advances only after every change of the
room was settled, so an interrupted pull repeats (idempotently) instead of losing changes.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from booking import imports
from booking.calendar import (
    CalendarPort,
    CalendarRejected,
    CalendarUnavailable,
    Changes,
    own_reservation_id,
    reservation_href,
)
from booking.model import Room
from booking.policy import Policy
from booking.ports import AbstractUnitOfWork

log = logging.getLogger(__name__)


class Puller:
    """Pulls every room's calendar through a calendar adapter."""

    def __init__(self, uow: Callable[[], AbstractUnitOfWork], port: CalendarPort, policy: Policy):
        self.uow, self.port, self.policy = uow, port, policy

    def pull(self, now: datetime) -> Counter[str]:
        """Settle the changes of every room's calendar; what happened, by outcome."""
        with self.uow() as uow:
            rooms = uow.rooms.list()
        outcomes: Counter[str] = Counter()
        for room in rooms:
            try:
                outcomes.update(self.pull_room(room, now))
            except (CalendarUnavailable, CalendarRejected) as exc:
                log.warning("calendar pull of room %s failed: %s", room.id, exc)
                outcomes["failed"] += 1
                if isinstance(exc, CalendarUnavailable):
                    break  # the server is down: the next tick tries every room again
        return outcomes

    def pull_room(self, room: Room, now: datetime) -> Counter[str]:
        """Settle one room's changes, then remember where the pull stopped."""
        with self.uow() as uow:
            cursor = uow.calendar_links.cursor(room.id)
        changes = self.port.changes(room, cursor)
        outcomes = self.settle(room, changes, now)
        with self.uow() as uow:
            uow.calendar_links.set_cursor(room.id, changes.cursor, now)
            uow.commit()
        return outcomes

    def settle(self, room: Room, changes: Changes, now: datetime) -> Counter[str]:
        """Apply each changed and deleted event (the bot's own, or someone else's)."""
        outcomes: Counter[str] = Counter()
        for event in changes.events:
            own = own_reservation_id(event.uid)
            if own is not None:
                outcomes[imports.reconcile_own(self.uow(), room, own, event, now)] += 1
            else:
                outcomes[imports.import_event(self.uow(), self.policy, room, event, now)] += 1
        for href in changes.deleted:
            own = _own_href(href)
            if own is not None:
                outcomes[imports.reconcile_own(self.uow(), room, own, None, now)] += 1
            else:
                outcomes[imports.event_deleted(self.uow(), room, href, now)] += 1
        if changes.full:
            seen = {e.href for e in changes.events}
            for link in _links(self.uow(), room):
                if link not in seen:
                    outcomes[imports.event_deleted(self.uow(), room, link, now)] += 1
            outcomes["queued"] += imports.reconcile_missing(self.uow(), room, seen, now)
        return outcomes


def _own_href(href: str) -> int | None:
    """The reservation id behind one of the bot's own resource names."""
    head = href.removesuffix(".ics")
    rid = head.removeprefix("roombot-")
    return (
        int(rid) if head != rid and rid.isdigit() and reservation_href(int(rid)) == href else None
    )


def _links(uow: AbstractUnitOfWork, room: Room) -> list[str]:
    """The hrefs of the external events known in a room."""
    with uow:
        return [link.href for link in uow.calendar_links.in_room(room.id)]
