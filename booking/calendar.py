"""Calendars: what a reservation looks like as an event, and the adapter interface (the port).

The bot is the system of record; a calendar server (CalDAV here; Google Workspace or Microsoft
365 through another adapter) mirrors each room's reservations and may propose new ones. An
adapter implements `CalendarPort`; everything else speaks these values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from booking.identity import local_id, surface_of
from booking.model import Reservation, Room

UID_DOMAIN = "roombot"
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
    cancelled: bool
    created: datetime | None
    last_modified: datetime | None
    reservation_id: int
    description: str = ""


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
        cancelled=not r.active,
        created=r.created_at,
        last_modified=r.updated_at or r.created_at,
        reservation_id=r.id,
        description=f"#{r.id} · {room.name}",
    )


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
