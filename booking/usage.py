"""Utilisation of rooms over a period: occupancy, heat maps, outcomes and fit (pure, JST-aware).

Storage answers two questions (ports): which spans reservations held their rooms, and per room
how many bookings there were, were checked in and were released as no-shows. This module turns
those answers into the figures a facilities review reads.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking.clock import at, local
from booking.model import Room

WEEKDAYS = 5  # Monday to Friday: the office's working days
MIN_PARTIES = 3  # known party sizes a room needs before it can be called too big
BUSIEST = 5


@dataclass(frozen=True)
class Held:
    """A span a reservation held its room, [start, end), with the party size when known."""

    room_id: str
    start: datetime
    end: datetime
    party_size: int | None = None


@dataclass(frozen=True)
class Outcomes:
    """One room's bookings that started in a period: made, checked in, released as no-shows."""

    room_id: str
    booked: int = 0
    checked_in: int = 0
    released: int = 0


@dataclass(frozen=True)
class Period:
    """Whole local days, first to last inclusive."""

    first: date
    last: date

    def days(self) -> list[date]:
        """Every day of the period."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as a half-open interval of instants."""
        return at(self.first, time(0), tz), at(self.last + timedelta(days=1), time(0), tz)


@dataclass(frozen=True)
class RoomUsage:
    """One room's figures over the period."""

    room: Room
    open_minutes: int
    held_minutes: float
    outcomes: Outcomes
    parties: tuple[int, ...]

    @property
    def occupancy(self) -> float:
        """Share of weekday opening hours the room was held (0..1)."""
        return self.held_minutes / self.open_minutes if self.open_minutes else 0.0

    @property
    def median_party(self) -> float | None:
        """The median party size asked for, when any is known."""
        return statistics.median(self.parties) if self.parties else None

    @property
    def too_big(self) -> bool:
        """Enough known parties, and half of them fit in half the room or less."""
        median = self.median_party
        enough = len(self.parties) >= MIN_PARTIES
        return enough and median is not None and median * 2 <= self.room.capacity


@dataclass(frozen=True)
class Busy:
    """A weekday-hour and the share of all rooms held then."""

    weekday: int
    hour: int
    share: float


@dataclass(frozen=True)
class Utilisation:
    """Every figure of the report."""

    period: Period
    hours: tuple[int, ...]
    rooms: list[RoomUsage]
    heat: dict[str, list[float]]
    weekday_heat: list[list[float]]
    busiest: list[Busy]


def open_hours(business_hours: tuple[time, time] | None) -> tuple[int, ...]:
    """The local hours the heat maps show: the business hours (whole hours), else all 24."""
    if business_hours is None:
        return tuple(range(24))
    opens, closes = business_hours
    return tuple(range(opens.hour, closes.hour + (1 if closes.minute or closes.second else 0)))


def minutes_by_hour(span: Held, tz: ZoneInfo) -> dict[tuple[date, int], float]:
    """The minutes of a span falling into each local (day, hour)."""
    out: dict[tuple[date, int], float] = {}
    cursor, end = local(span.start, tz), local(span.end, tz)
    while cursor < end:
        hour_start = cursor.replace(minute=0, second=0, microsecond=0)
        boundary = min(end, (hour_start + timedelta(hours=1)).astimezone(tz))
        key = (cursor.date(), cursor.hour)
        out[key] = out.get(key, 0.0) + (boundary - cursor) / timedelta(minutes=1)
        cursor = boundary
    return out


def compute(
    rooms: list[Room],
    held: list[Held],
    outcomes: list[Outcomes],
    period: Period,
    tz: ZoneInfo,
    business_hours: tuple[time, time] | None,
) -> Utilisation:
    """Aggregate held spans and outcomes into the report's figures."""
    hours = open_hours(business_hours)
    days = period.days()
    minutes = _bucket(held, period, tz)
    workdays = [d for d in days if d.weekday() < WEEKDAYS]
    heat = {r.id: _room_heat(minutes.get(r.id, {}), workdays, hours) for r in rooms}
    weekday_heat = _weekday_heat(minutes, days, hours, len(rooms))
    by_room = {o.room_id: o for o in outcomes}
    first, end = period.bounds(tz)
    parties: dict[str, list[int]] = defaultdict(list)
    for span in held:  # each meeting once: in the period it started in
        if span.party_size is not None and first <= span.start < end:
            parties[span.room_id].append(span.party_size)
    usage = [
        RoomUsage(
            room=r,
            open_minutes=60 * len(hours) * len(workdays),
            held_minutes=sum(heat[r.id]) * 60 * len(workdays),
            outcomes=by_room.get(r.id, Outcomes(r.id)),
            parties=tuple(parties[r.id]),
        )
        for r in rooms
    ]
    return Utilisation(period, hours, usage, heat, weekday_heat, _busiest(weekday_heat, hours))


def _bucket(
    held: list[Held], period: Period, tz: ZoneInfo
) -> dict[str, dict[tuple[date, int], float]]:
    """Held minutes per room and local (day, hour), clipped to the period."""
    start, end = period.bounds(tz)
    out: dict[str, dict[tuple[date, int], float]] = defaultdict(dict)
    for span in held:
        clipped = Held(span.room_id, max(span.start, start), min(span.end, end))
        if clipped.start >= clipped.end:
            continue
        cells = out[span.room_id]
        for key, value in minutes_by_hour(clipped, tz).items():
            cells[key] = cells.get(key, 0.0) + value
    return out


def _room_heat(
    cells: dict[tuple[date, int], float], workdays: list[date], hours: tuple[int, ...]
) -> list[float]:
    """Per hour column: the share of that hour the room was held, over the weekdays."""
    if not workdays:
        return [0.0 for _ in hours]
    return [
        min(1.0, sum(cells.get((d, h), 0.0) for d in workdays) / (60 * len(workdays)))
        for h in hours
    ]


def _weekday_heat(
    minutes: dict[str, dict[tuple[date, int], float]],
    days: list[date],
    hours: tuple[int, ...],
    room_count: int,
) -> list[list[float]]:
    """Per weekday (Monday first) and hour: the share of all rooms held, over those days."""
    grid: list[list[float]] = []
    for weekday in range(7):
        these = [d for d in days if d.weekday() == weekday]
        capacity = 60 * len(these) * room_count
        row = []
        for h in hours:
            held = sum(cells.get((d, h), 0.0) for cells in minutes.values() for d in these)
            row.append(min(1.0, held / capacity) if capacity else 0.0)
        grid.append(row)
    return grid


def _busiest(grid: list[list[float]], hours: tuple[int, ...]) -> list[Busy]:
    """The weekday-hours with the highest share of rooms held (none when nothing was)."""
    cells = [Busy(w, h, row[i]) for w, row in enumerate(grid) for i, h in enumerate(hours)]
    cells = [c for c in cells if c.share > 0]
    return sorted(cells, key=lambda c: (-c.share, c.weekday, c.hour))[:BUSIEST]
