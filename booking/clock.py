"""Japan-time helpers: converting dates and wall-clock times to instants and back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def at(day: date, wall: time, tz: ZoneInfo = JST) -> datetime:
    """The aware instant of a wall-clock time on a day in the given zone."""
    return datetime.combine(day, wall, tzinfo=tz)


def day_bounds(day: date, tz: ZoneInfo = JST) -> tuple[datetime, datetime]:
    """The half-open UTC interval covering one calendar day in the given zone."""
    start = at(day, time(0), tz)
    end = at(day + timedelta(days=1), time(0), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_date(instant: datetime, tz: ZoneInfo = JST) -> date:
    """The calendar date of an instant as seen in the given zone."""
    return instant.astimezone(tz).date()


def local(instant: datetime, tz: ZoneInfo = JST) -> datetime:
    """The instant expressed in the given zone."""
    return instant.astimezone(tz)


def format_range(start: datetime, end: datetime, tz: ZoneInfo = JST) -> str:
    """Human form of a slot in local time, e.g. '2025-09-29 14:00–15:00'."""
    s, e = local(start, tz), local(end, tz)
    end_text = e.strftime("%H:%M") if s.date() == e.date() else e.strftime("%Y-%m-%d %H:%M")
    return f"{s:%Y-%m-%d %H:%M}–{end_text}"
