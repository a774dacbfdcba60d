"""Events read from a room's calendar (through icalendar): parse them, decline or accept them.

A declined event keeps everything the organizer wrote; the bot adds STATUS:CANCELLED, a
"[辞退 Declined]" prefix on the title, its reason at the top of the description and an
X-ROOMBOT-DECLINED property, and takes them all away again if the event is later accepted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from booking.calendar import CalendarEvent, ExternalEvent

DECLINED = "X-ROOMBOT-DECLINED"
PREFIX = "[辞退 Declined] "
SEPARATOR = "―― 会議室ボット / room bot ――"


def _master(cal: icalendar.Calendar) -> icalendar.Event | None:
    """The event itself (not an overridden occurrence)."""
    events = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e]
    return events[0] if events and isinstance(events[0], icalendar.Event) else None


def _instant(prop: object, tz: ZoneInfo) -> datetime | None:
    """An aware instant from a DTSTART/DTEND property; None for all-day dates."""
    value = getattr(prop, "dt", None)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _times(event: icalendar.Event, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """Start and end (DTEND, or DTSTART + DURATION)."""
    start = _instant(event.get("DTSTART"), tz)
    end = _instant(event.get("DTEND"), tz)
    duration = getattr(event.get("DURATION"), "dt", None)
    if end is None and start is not None and isinstance(duration, timedelta):
        end = start + duration
    return start, (end if start is not None else None)


def _email(address: object) -> str | None:
    """The email of an ORGANIZER (mailto:...)."""
    text = str(address or "").strip()
    return text[7:].strip() or None if text.lower().startswith("mailto:") else None


def parse(href: str, data: bytes | str, tz: ZoneInfo) -> ExternalEvent | None:
    """The event an object holds (None when it holds no event or cannot be read)."""
    try:
        event = _master(icalendar.Calendar.from_ical(data))
    except ValueError:
        return None
    if event is None:
        return None
    start, end = _times(event, tz)
    declined = DECLINED in event
    summary = str(event.get("SUMMARY", ""))
    return ExternalEvent(
        href=href,
        uid=str(event.get("UID", "")),
        start=start,
        end=end,
        summary=summary.removeprefix(PREFIX) if declined else summary,
        organizer_email=_email(event.get("ORGANIZER")),
        cancelled=str(event.get("STATUS", "")).upper() == "CANCELLED",
        recurring="RRULE" in event or "RDATE" in event,
        declined_by_bot=declined,
    )


def _replace(event: icalendar.Event, name: str, value: object) -> None:
    """Set a property to one value."""
    event.pop(name, None)
    event.add(name, value)


def _bump(event: icalendar.Event) -> None:
    """A new revision for the organizer's clients."""
    _replace(event, "SEQUENCE", int(event.get("SEQUENCE", 0)) + 1)


def decline(data: bytes | str, reason: str) -> bytes:
    """The object with its event marked declined and the reason the organizer will read."""
    cal = icalendar.Calendar.from_ical(data)
    event = _master(cal)
    if event is None:
        raise ValueError("no event to decline")
    _undecline(event)
    _replace(event, "SUMMARY", PREFIX + str(event.get("SUMMARY", "")))
    old = str(event.get("DESCRIPTION", ""))
    _replace(event, "DESCRIPTION", f"{reason}\n{SEPARATOR}\n{old}".rstrip())
    _replace(event, "STATUS", "CANCELLED")
    _replace(event, DECLINED, "TRUE")
    _bump(event)
    return bytes(cal.to_ical())


def _undecline(event: icalendar.Event) -> None:
    """Take the bot's decline marks off an event."""
    if event.pop(DECLINED, None) is None:
        return
    _replace(event, "SUMMARY", str(event.get("SUMMARY", "")).removeprefix(PREFIX))
    old = str(event.get("DESCRIPTION", ""))
    kept = old.split(SEPARATOR, 1)[1].lstrip("\n") if SEPARATOR in old else old
    event.pop("DESCRIPTION", None)
    if kept:
        event.add("DESCRIPTION", kept)


def accept(data: bytes | str, shown: CalendarEvent, tz: ZoneInfo) -> bytes:
    """The organizer's object with the reservation's times and status (and no decline)."""
    cal = icalendar.Calendar.from_ical(data)
    event = _master(cal)
    if event is None:
        raise ValueError("no event to update")
    _undecline(event)
    _replace(event, "DTSTART", shown.start.astimezone(tz))
    event.pop("DURATION", None)
    _replace(event, "DTEND", shown.end.astimezone(tz))
    _replace(event, "STATUS", shown.status)
    _bump(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
