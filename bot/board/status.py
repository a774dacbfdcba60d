"""What a board says about a room now: free or busy until when, the next meeting, the timeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking.clock import at, local
from booking.model import Reservation

TICK_HOURS = 1


@dataclass(frozen=True)
class Block:
    """A reservation on the timeline: minutes from the window's start, its times and label."""

    x: float
    width: float
    start: str
    end: str
    label: str
    current: bool


@dataclass(frozen=True)
class Timeline:
    """Today's opening window in minutes, the meetings in it, hour ticks and the now line."""

    minutes: float
    blocks: list[Block]
    ticks: list[tuple[float, str]]
    now_x: float | None


@dataclass(frozen=True)
class Now:
    """A room's state at an instant."""

    busy_until: datetime | None
    next: Reservation | None
    current: Reservation | None


def busy_until(reservations: list[Reservation], now: datetime) -> datetime | None:
    """The end of the run of back-to-back reservations holding the room now (None: free)."""
    until: datetime | None = None
    for r in sorted(reservations, key=lambda r: r.start):
        if until is None and r.start <= now < r.end:
            until = r.end
        elif until is not None and r.start <= until:
            until = max(until, r.end)
    return until


def state_at(reservations: list[Reservation], now: datetime) -> Now:
    """Free or busy now, until when, and the next meeting after that."""
    until = busy_until(reservations, now)
    current = next((r for r in reservations if r.start <= now < r.end), None)
    after = until or now
    upcoming = sorted((r for r in reservations if r.start >= after), key=lambda r: r.start)
    return Now(until, upcoming[0] if upcoming else None, current)


def window(day: date, tz: ZoneInfo, hours: tuple[time, time] | None) -> tuple[datetime, datetime]:
    """The part of the day the timeline shows: business hours, else the whole day."""
    if hours is None:
        return at(day, time(0), tz), at(day + timedelta(days=1), time(0), tz)
    return at(day, hours[0], tz), at(day, hours[1], tz)


def timeline(
    reservations: list[Reservation],
    span: tuple[datetime, datetime],
    now: datetime,
    tz: ZoneInfo,
    label: Callable[[Reservation], str],
) -> Timeline:
    """Geometry of today's timeline (in minutes), ready for an SVG."""
    start, end = span
    total = (end - start) / timedelta(minutes=1)

    def offset(instant: datetime) -> float:
        return max(0.0, min(total, (instant - start) / timedelta(minutes=1)))

    blocks = [
        Block(
            offset(r.start),
            offset(r.end) - offset(r.start),
            f"{local(r.start, tz):%H:%M}",
            f"{local(r.end, tz):%H:%M}",
            label(r),
            r.start <= now < r.end,
        )
        for r in reservations
        if r.end > start and r.start < end
    ]
    first = local(start, tz).replace(minute=0, second=0, microsecond=0)
    ticks = []
    tick = first if first >= local(start, tz) else first + timedelta(hours=1)
    while tick <= local(end, tz):
        ticks.append((offset(tick), f"{tick:%H}"))
        tick += timedelta(hours=TICK_HOURS)
    now_x = offset(now) if start <= now <= end else None
    return Timeline(total, blocks, ticks, now_x)
