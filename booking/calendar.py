"""Calendars: what a reservation looks like as an event, and the adapter interface (the port).

The bot is the system of record; a calendar server (CalDAV here; Google Workspace or Microsoft
365 through another adapter) mirrors each room's reservations and may propose new ones. An
adapter implements `CalendarPort`; everything else speaks these values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from booking.identity import local_id, surface_of
from booking.model import HELD, PENDING, Reservation, Room, TimeSlot
from booking.rules import Series

UID_DOMAIN = "roombot"
CONFIRMED, TENTATIVE, CANCELLED = "CONFIRMED", "TENTATIVE", "CANCELLED"  # iCalendar STATUS
WAITING_NOTE = {
    PENDING: "承認待ち / pending approval",
    HELD: "空き待ちの方のため仮押さえ中 / held for someone on the waitlist",
}
SERIES_NOTE = "繰り返し予約 / repeating booking"
OWN_UID = re.compile(rf"^roombot-(\d+)@{UID_DOMAIN}$")
MAX_TITLE = 200


def reservation_uid(reservation_id: int) -> str:
    """The stable iCalendar UID of a reservation the bot publishes."""
    return f"roombot-{reservation_id}@{UID_DOMAIN}"


def reservation_href(reservation_id: int) -> str:
    """The resource name of a reservation's event inside a room's calendar."""
    return f"roombot-{reservation_id}.ics"


def own_reservation_id(uid: str) -> int | None:
    """The reservation id behind one of the bot's own UIDs (None for anyone else's)."""
    match = OWN_UID.match(uid.strip())
    return int(match.group(1)) if match else None


def location(room: Room) -> str:
    """'会議室A (Room A) · 3F': the room in both languages and its floor."""
    name = (
        f"{room.name} ({room.name_en})" if room.name_en and room.name_en != room.name else room.name
    )
    return f"{name} · {room.floor}" if room.floor else name


def organizer(owner_id: str) -> tuple[str, str]:
    """The ORGANIZER address and display name of an owner identity."""
    if surface_of(owner_id) == "calendar":
        email = local_id(owner_id)
        return f"mailto:{email}", email
    return f"urn:roombot:{owner_id}", local_id(owner_id)


@dataclass(frozen=True)
class CalendarEvent:
    """One reservation as a VEVENT (the inputs of the mapping; the adapter writes the text)."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str
    organizer: str
    organizer_name: str
    sequence: int
    status: str  # CONFIRMED | TENTATIVE (pending approval, held) | CANCELLED
    created: datetime | None
    last_modified: datetime | None
    reservation_id: int
    description: str = ""
    rrule: str = ""  # a series' master: its recurrence rule (RFC 5545 RECUR value)
    exdates: tuple[datetime, ...] = ()  # a series' dates that are not (or no longer) booked
    recurrence_id: datetime | None = None  # a series date that differs from its rule

    @property
    def cancelled(self) -> bool:
        """True when the event no longer holds the room."""
        return self.status == CANCELLED


def event_for(r: Reservation, room: Room, uid: str | None = None) -> CalendarEvent:
    """The event a reservation shows as: title (else the room), room and floor, organizer."""
    if r.id is None:
        raise ValueError("an unsaved reservation has no event")
    address, name = organizer(r.owner_id)
    return CalendarEvent(
        uid=uid or reservation_uid(r.id),
        start=r.start,
        end=r.end,
        summary=r.title or room.name,
        location=location(room),
        organizer=address,
        organizer_name=name,
        sequence=r.sequence,
        status=event_status(r),
        created=r.created_at,
        last_modified=r.updated_at or r.created_at,
        reservation_id=r.id,
        description=" · ".join(x for x in (f"#{r.id}", room.name, WAITING_NOTE.get(r.status)) if x),
    )


def series_uid(series_id: int) -> str:
    """The stable UID of a series' recurring event in the feeds."""
    return f"roombot-series-{series_id}@{UID_DOMAIN}"


def rrule(series: Series) -> str:
    """The series' recurrence rule: daily (weekdays only, if so) or weekly, `count` dates."""
    if series.repeat == "daily" and series.weekdays_only:
        return f"FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT={series.count}"
    return f"FREQ={series.repeat.upper()};COUNT={series.count}"


def series_events(
    series: Series, shown: list[Reservation], every: list[Reservation], rooms: dict[str, Room],
    tz: ZoneInfo,
) -> list[CalendarEvent]:  # fmt: skip
    """A series in a feed: one recurring event, EXDATE for each date the feed does not hold,
    and an override (RECURRENCE-ID) for each held date that differs from the rule.

    `shown` are the series' reservations in this feed, `every` all of them (for SEQUENCE).
    """
    if series.id is None:
        raise ValueError("an unsaved series has no event")
    planned = series.slots(tz)
    live = {r.occurrence: r for r in shown if r.holds_slot and r.occurrence is not None}
    room = rooms.get(series.room_id) or Room(series.room_id, series.room_id, 1)
    status = CONFIRMED if any(r.active for r in live.values()) else TENTATIVE
    address, name = organizer(series.owner_id)
    changed = [t for r in every if (t := r.updated_at or r.created_at) is not None]
    uid = series_uid(series.id)
    master = CalendarEvent(
        uid=uid, start=planned[0].start, end=planned[0].end,
        summary=series.title or room.name, location=location(room), organizer=address,
        organizer_name=name, sequence=sum(r.sequence for r in every),
        status=status if live else CANCELLED, created=series.created_at,
        last_modified=max(changed, default=series.created_at), reservation_id=0,
        description=f"{room.name} · {SERIES_NOTE}", rrule=rrule(series),
        exdates=tuple(p.start for o, p in enumerate(planned) if o not in live) if live else (),
    )  # fmt: skip
    overrides = [
        replace(event_for(r, rooms.get(r.room_id) or room, uid), recurrence_id=planned[o].start)
        for o, r in sorted(live.items())
        if o < len(planned) and _differs(r, planned[o], series, status)
    ]
    return [master, *overrides]


def _differs(r: Reservation, slot: TimeSlot, series: Series, status: str) -> bool:
    """True when a series date is not what its rule says (moved, other room, title, status)."""
    return (
        (r.start, r.end) != (slot.start, slot.end)
        or r.room_id != series.room_id
        or r.title != series.title
        or event_status(r) != status
    )


def event_status(r: Reservation) -> str:
    """CONFIRMED when active, TENTATIVE while pending approval or held, else CANCELLED."""
    if r.active:
        return CONFIRMED
    return TENTATIVE if r.holds_slot else CANCELLED


@dataclass(frozen=True)
class ExternalEvent:
    """An event as read from a room's calendar (someone's, or one of the bot's own)."""

    href: str
    uid: str
    start: datetime | None  # None for an all-day or unreadable event
    end: datetime | None
    summary: str = ""
    organizer_email: str | None = None
    cancelled: bool = False
    recurring: bool = False
    declined_by_bot: bool = False


@dataclass(frozen=True)
class Changes:
    """What changed in a calendar since the cursor; `full` when every event is listed."""

    events: list[ExternalEvent]
    deleted: list[str]
    cursor: str
    full: bool = False


class CalendarUnavailable(Exception):
    """The calendar server cannot be reached or refuses us (down, 5xx, wrong password)."""


class CalendarRejected(Exception):
    """The server refused this one request (4xx): other events may still go through."""


class CalendarPort(Protocol):
    """The adapter interface: one calendar per room on some calendar server."""

    def ensure(self, room: Room) -> None:
        """Make sure the room's calendar exists (create it when missing)."""
        ...

    def put(self, room: Room, href: str, event: CalendarEvent, foreign: bool) -> None:
        """Create or replace the event at href; a foreign (organizer's) event is patched."""
        ...

    def remove(self, room: Room, href: str) -> None:
        """Delete the event at href (already gone is fine)."""
        ...

    def decline(self, room: Room, href: str, reason: str) -> None:
        """Mark someone's event declined / cancelled, with the reason the organizer will read."""
        ...

    def changes(self, room: Room, cursor: str | None) -> Changes:
        """Events added, changed or deleted since the cursor (every event when None)."""
        ...


@dataclass
class CalendarLink:
    """An external event the bot has seen in a room's calendar, and what became of it."""

    room_id: str
    href: str
    uid: str
    reservation_id: int | None
    state: str  # 'booked' | 'declined'
    start: datetime | None = None
    end: datetime | None = None


@dataclass
class OutboxEntry:
    """One pending calendar write: sync (reservation, room), or decline an external event."""

    room_id: str
    created_at: datetime
    reservation_id: int | None = None
    href: str | None = None  # for a decline: the external event
    reason: str = ""
    id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    leased_until: datetime | None = None
    done_at: datetime | None = None
    last_error: str | None = None


@dataclass
class FeedToken:
    """A person's calendar-feed token: only its hash is stored; rotating bumps the version."""

    owner_id: str
    version: int
    token_hash: str | None  # None once revoked
    created_at: datetime
