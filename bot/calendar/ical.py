"""iCalendar text: our events written directly (fast), others' events read and patched with icalendar.

Writing 10,000 events through icalendar's component API takes ~8 s on this machine, so the
bot's own VEVENTs are written here (RFC 5545 escaping and 75-octet folding) and only the
VTIMEZONE comes from icalendar. Everything read from a calendar server, and every change to
someone else's event, goes through icalendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from booking.calendar import CalendarEvent

PRODID = "-//roombot//Room bot//JA"
FOLD_OCTETS = 75


def escape(text: str) -> str:
    """A TEXT value escaped per RFC 5545 (backslash, semicolon, comma, newline)."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    )  # fmt: skip


def fold(line: str) -> str:
    """A content line folded at 75 octets without splitting a UTF-8 character."""
    if len(line) * 4 <= FOLD_OCTETS or len(line.encode()) <= FOLD_OCTETS:
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        limit = FOLD_OCTETS if not parts else FOLD_OCTETS - 1  # continuations start with a space
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def utc_stamp(value: datetime) -> str:
    """A UTC DATE-TIME value."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def param(value: str) -> str:
    """A parameter value, quoted (double quotes cannot be carried and are dropped)."""
    return '"' + value.replace('"', "").replace("\r", " ").replace("\n", " ") + '"'


def _uri(value: str) -> str:
    """A URI value: no line breaks may reach the text."""
    return "".join(ch for ch in value if ch not in "\r\n")


def vevent(e: CalendarEvent, tz: ZoneInfo) -> str:
    """One VEVENT, with DTSTART/DTEND in the zone (TZID) and stamps in UTC."""
    changed = e.last_modified or e.created or e.start
    tzid = str(tz.key)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape(e.uid)}",
        f"DTSTAMP:{utc_stamp(changed)}",
        f"DTSTART;TZID={tzid}:{local_stamp(e.start, tz)}",
        f"DTEND;TZID={tzid}:{local_stamp(e.end, tz)}",
    ]
    if e.recurrence_id is not None:
        lines.append(f"RECURRENCE-ID;TZID={tzid}:{local_stamp(e.recurrence_id, tz)}")
    if e.rrule:
        lines.append(f"RRULE:{_uri(e.rrule)}")
    if e.exdates:
        lines.append(f"EXDATE;TZID={tzid}:" + ",".join(local_stamp(d, tz) for d in e.exdates))
    lines += [
        f"SUMMARY:{escape(e.summary)}",
        f"LOCATION:{escape(e.location)}",
        f"ORGANIZER;CN={param(e.organizer_name)}:{_uri(e.organizer)}",
        f"SEQUENCE:{e.sequence}",
        f"STATUS:{e.status}",
        f"TRANSP:{'TRANSPARENT' if e.cancelled else 'OPAQUE'}",
        f"LAST-MODIFIED:{utc_stamp(changed)}",
    ]
    if e.created is not None:
        lines.append(f"CREATED:{utc_stamp(e.created)}")
    if e.description:
        lines.append(f"DESCRIPTION:{escape(e.description)}")
    if e.reservation_id:
        lines.append(f"X-ROOMBOT-RESERVATION:{e.reservation_id}")
    lines.append("END:VEVENT")
    return "\r\n".join(fold(line) for line in lines)


def local_stamp(value: datetime, tz: ZoneInfo) -> str:
    """A local DATE-TIME value in the zone (used with TZID)."""
    return f"{value.astimezone(tz):%Y%m%dT%H%M%S}"


@lru_cache(maxsize=8)
def vtimezone(tzid: str) -> str:
    """The VTIMEZONE of a zone (from icalendar, imported on the first feed: 3 MB a web worker
    without calendar subscribers never needs), without its trailing line break."""
    import icalendar

    text: str = icalendar.Timezone.from_tzid(tzid).to_ical().decode()
    return text.rstrip("\r\n")


def calendar(events: Iterable[CalendarEvent], tz: ZoneInfo, name: str = "") -> bytes:
    """A VCALENDAR with the zone's VTIMEZONE and the events."""
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    if name:
        head += [fold(f"X-WR-CALNAME:{escape(name)}"), f"X-WR-TIMEZONE:{tz.key}"]
    body = [*head, vtimezone(str(tz.key)), *(vevent(e, tz) for e in events), "END:VCALENDAR"]
    return ("\r\n".join(body) + "\r\n").encode()
