"""Japan-time helpers in booking.clock and the half-open TimeSlot."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.clock import JST, at, day_bounds, format_range, local, local_date
from booking.model import TimeSlot

NEW_YORK = ZoneInfo("America/New_York")


def every_day_of(year: int) -> list[date]:
    """All calendar days of a year."""
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def jst(hour: int, minute: int = 0, *, day: int = 29) -> datetime:
    """An instant on a JST wall clock in September 2025."""
    return datetime(2025, 9, day, hour, minute, tzinfo=JST)


def test_at_builds_an_aware_jst_instant() -> None:
    instant = at(date(2025, 9, 29), time(14))
    assert instant.utcoffset() == timedelta(hours=9)
    assert instant.astimezone(UTC) == datetime(2025, 9, 29, 5, tzinfo=UTC)


def test_day_bounds_of_a_jst_day_in_utc() -> None:
    start, end = day_bounds(date(2025, 9, 29))
    assert start == datetime(2025, 9, 28, 15, tzinfo=UTC)
    assert end == datetime(2025, 9, 29, 15, tzinfo=UTC)
    assert start.utcoffset() == end.utcoffset() == timedelta(0)


def test_late_utc_evening_is_the_next_jst_day() -> None:
    assert local_date(datetime(2025, 9, 28, 23, 59, tzinfo=UTC)) == date(2025, 9, 29)


@pytest.mark.parametrize(
    ("utc_time", "expected"),
    [(time(14, 59), date(2025, 9, 29)), (time(15, 0), date(2025, 9, 30))],
)
def test_jst_date_changes_at_15_utc(utc_time: time, expected: date) -> None:
    instant = datetime.combine(date(2025, 9, 29), utc_time, tzinfo=UTC)
    assert local_date(instant) == expected


def test_local_expresses_an_instant_in_jst() -> None:
    shown = local(datetime(2025, 9, 29, 5, tzinfo=UTC))
    assert (shown.hour, shown.minute, shown.utcoffset()) == (14, 0, timedelta(hours=9))


@pytest.mark.parametrize("wall", [time(0, 30), time(2, 30), time(10), time(23, 55)])
def test_adding_24_hours_keeps_the_jst_wall_clock_all_year(wall: time) -> None:
    """Asia/Tokyo has no DST: 24 real hours later is always the same wall-clock time."""
    for day in every_day_of(2025):
        instant = at(day, wall)
        later = (instant.astimezone(UTC) + timedelta(hours=24)).astimezone(JST)
        assert (later.date(), later.time()) == (day + timedelta(days=1), wall), day
        assert later.utcoffset() == timedelta(hours=9)


def test_every_jst_day_lasts_exactly_24_hours() -> None:
    lengths = {end - start for start, end in map(day_bounds, every_day_of(2025))}
    assert lengths == {timedelta(hours=24)}


def test_a_dst_zone_would_break_that_arithmetic() -> None:
    """The contrast: in New York, 24 h after 10:00 on 8 March 2025 is 11:00 the next day."""
    instant = at(date(2025, 3, 8), time(10), NEW_YORK)
    later = (instant.astimezone(UTC) + timedelta(hours=24)).astimezone(NEW_YORK)
    assert later.time() == time(11)
    start, end = day_bounds(date(2025, 3, 9), NEW_YORK)
    assert end - start == timedelta(hours=23)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (jst(14), jst(15), "2025-09-29 14:00–15:00"),
        (
            datetime(2025, 9, 29, 5, tzinfo=UTC),
            datetime(2025, 9, 29, 6, 30, tzinfo=UTC),
            "2025-09-29 14:00–15:30",
        ),
        (jst(23), jst(1, day=30), "2025-09-29 23:00–2025-09-30 01:00"),
        (jst(22), jst(0, day=30), "2025-09-29 22:00–2025-09-30 00:00"),
    ],
    ids=["same-day", "utc-input", "cross-midnight", "to-midnight"],
)
def test_format_range(start: datetime, end: datetime, expected: str) -> None:
    assert format_range(start, end) == expected


def test_back_to_back_slots_do_not_overlap() -> None:
    first, second = TimeSlot(jst(10), jst(11)), TimeSlot(jst(11), jst(12))
    assert not first.overlaps(second)
    assert not second.overlaps(first)


@pytest.mark.parametrize(
    ("other_start", "other_end"),
    [
        ((10, 30), (11, 30)),  # overlaps the end
        ((9, 30), (10, 30)),  # overlaps the start
        ((10, 15), (10, 45)),  # contained
        ((9, 0), (12, 0)),  # contains
        ((10, 0), (11, 0)),  # identical
    ],
    ids=["end", "start", "contained", "contains", "identical"],
)
def test_overlapping_slots_overlap(
    other_start: tuple[int, int], other_end: tuple[int, int]
) -> None:
    slot, other = TimeSlot(jst(10), jst(11)), TimeSlot(jst(*other_start), jst(*other_end))
    assert slot.overlaps(other)
    assert other.overlaps(slot)


def test_overlap_compares_instants_across_zones() -> None:
    jst_slot = TimeSlot(jst(14), jst(15))
    assert jst_slot.overlaps(
        TimeSlot(datetime(2025, 9, 29, 5, 30, tzinfo=UTC), datetime(2025, 9, 29, 6, tzinfo=UTC))
    )
    assert not jst_slot.overlaps(
        TimeSlot(datetime(2025, 9, 29, 6, tzinfo=UTC), datetime(2025, 9, 29, 7, tzinfo=UTC))
    )


@pytest.mark.parametrize(
    ("start", "end", "name"),
    [
        (datetime(2025, 9, 29, 14), jst(15), "start"),
        (jst(14), datetime(2025, 9, 29, 15), "end"),
    ],
)
def test_naive_datetimes_are_refused(start: datetime, end: datetime, name: str) -> None:
    with pytest.raises(ValueError, match=f"{name} must be timezone-aware"):
        TimeSlot(start, end)


def test_duration_and_in_utc() -> None:
    slot = TimeSlot(jst(14), jst(15, 30))
    utc = slot.in_utc()
    assert slot.duration == timedelta(minutes=90)
    assert utc == slot
    assert utc.start.tzinfo is UTC
    assert utc.start == datetime(2025, 9, 29, 5, tzinfo=UTC)
