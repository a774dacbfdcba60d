"""Every rule of Policy.validate, with its edges, and parse_business_hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from booking.clock import JST
from booking.errors import InvalidReservation
from booking.model import TimeSlot
from booking.policy import Policy, parse_business_hours

NOW = datetime(2025, 9, 28, 10, 0, tzinfo=JST)
DAY = (2025, 9, 29)


def jst(
    hour: int, minute: int = 0, second: int = 0, *, day: tuple[int, int, int] = DAY
) -> datetime:
    """An instant on a JST wall clock (default: the day after NOW)."""
    return datetime(*day, hour, minute, second, tzinfo=JST)


def refusal(policy: Policy, start: datetime, end: datetime) -> InvalidReservation:
    """The InvalidReservation the policy raises for [start, end)."""
    with pytest.raises(InvalidReservation) as info:
        policy.validate(TimeSlot(start, end), NOW)
    return info.value


def test_ordinary_slot_is_allowed() -> None:
    Policy().validate(TimeSlot(jst(14), jst(15)), NOW)


@pytest.mark.parametrize("end_hour", [14, 13], ids=["equal", "before"])
def test_end_not_after_start_is_refused(end_hour: int) -> None:
    error = refusal(Policy(), jst(14), jst(end_hour))
    assert (error.reason, error.field) == ("end_before_start", "end")
    assert error.to_dict()["reason"] == "end_before_start"


def test_start_one_minute_in_the_past_is_refused() -> None:
    error = refusal(Policy(), NOW - timedelta(minutes=1), NOW + timedelta(hours=1))
    assert (error.reason, error.field) == ("in_past", "start")


def test_start_exactly_now_is_allowed() -> None:
    Policy().validate(TimeSlot(NOW, NOW + timedelta(hours=1)), NOW)


def test_exactly_max_duration_is_allowed() -> None:
    Policy().validate(TimeSlot(jst(10), jst(14)), NOW)


def test_longer_than_max_duration_is_refused() -> None:
    error = refusal(Policy(), jst(10), jst(14, 5))
    assert (error.reason, error.field) == ("too_long", "end")
    assert "4 hours" in error.message


def test_max_duration_is_configurable() -> None:
    policy = Policy(max_duration=timedelta(hours=1, minutes=30))
    policy.validate(TimeSlot(jst(10), jst(11, 30)), NOW)
    error = refusal(policy, jst(10), jst(11, 35))
    assert error.reason == "too_long"
    assert "1.5 hours" in error.message


def test_exactly_at_the_booking_window_is_allowed() -> None:
    start = NOW + timedelta(days=90)
    Policy().validate(TimeSlot(start, start + timedelta(hours=1)), NOW)


@pytest.mark.parametrize("beyond", [timedelta(minutes=5), timedelta(days=1)])
def test_beyond_the_booking_window_is_refused(beyond: timedelta) -> None:
    start = NOW + timedelta(days=90) + beyond
    error = refusal(Policy(), start, start + timedelta(hours=1))
    assert (error.reason, error.field) == ("too_far_ahead", "date")
    assert "90 days" in error.message


def test_booking_window_is_configurable() -> None:
    start = NOW + timedelta(days=8)
    error = refusal(Policy(booking_window=timedelta(days=7)), start, start + timedelta(hours=1))
    assert error.reason == "too_far_ahead"
    assert "7 days" in error.message


def test_on_granularity_is_allowed() -> None:
    Policy().validate(TimeSlot(jst(14, 5), jst(14, 55)), NOW)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (jst(14, 3), jst(15), "start"),
        (jst(14), jst(15, 3), "end"),
        (jst(14, 0, 30), jst(15), "start"),
        (jst(14), jst(14, 59, 59), "end"),
        (jst(14).replace(microsecond=1), jst(15), "start"),
    ],
    ids=["start-minute", "end-minute", "start-seconds", "end-seconds", "microseconds"],
)
def test_off_granularity_is_refused(start: datetime, end: datetime, field: str) -> None:
    error = refusal(Policy(), start, end)
    assert (error.reason, error.field) == ("off_granularity", field)


def test_granularity_is_configurable() -> None:
    policy = Policy(granularity_minutes=15)
    policy.validate(TimeSlot(jst(14, 15), jst(14, 45)), NOW)
    error = refusal(policy, jst(14, 5), jst(15))
    assert (error.reason, error.field) == ("off_granularity", "start")
    assert "15-minute" in error.message


def test_a_90_minute_grid_is_counted_from_midnight() -> None:
    """13:30 is 9 × 90 minutes after midnight; 14:00 is on no 90-minute grid."""
    policy = Policy(granularity_minutes=90)
    policy.validate(TimeSlot(jst(13, 30), jst(15)), NOW)
    error = refusal(policy, jst(14), jst(15))
    assert (error.reason, error.field) == ("off_granularity", "start")
    assert "90-minute grid" in error.message and "(e.g. 13:30, 15:00)" in error.message
    assert "例: 13:30、15:00" in error.message_ja


def test_a_90_minute_grid_refuses_an_end_at_14_00() -> None:
    error = refusal(Policy(granularity_minutes=90), jst(12), jst(14))
    assert (error.reason, error.field) == ("off_granularity", "end")
    assert "(e.g. 13:30, 15:00)" in error.message


def test_a_45_minute_grid_allows_14_15_and_names_it_for_14_00() -> None:
    policy = Policy(granularity_minutes=45)
    policy.validate(TimeSlot(jst(14, 15), jst(15)), NOW)
    error = refusal(policy, jst(14), jst(15))
    assert (error.reason, error.field) == ("off_granularity", "start")
    assert "(e.g. 13:30, 14:15)" in error.message


@pytest.mark.parametrize(
    ("step", "start", "allowed"),
    [(90, jst(22, 30), True), (60, jst(23), True), (7, jst(23, 55), False)],
)
def test_an_end_at_midnight_is_1440_minutes_after_midnight(
    step: int, start: datetime, allowed: bool
) -> None:
    """24:00 is on the grid only when the step divides a day (7 does not: 23:55 is its last)."""
    policy = Policy(granularity_minutes=step, business_hours=None)
    end = jst(0, day=(2025, 9, 30))
    if allowed:
        policy.validate(TimeSlot(start, end), NOW)
    else:
        error = refusal(policy, start, end)
        assert (error.reason, error.field) == ("off_granularity", "end")
        assert "(e.g. 23:48, 23:55)" in error.message


def test_the_examples_stay_inside_the_day() -> None:
    error = refusal(Policy(business_hours=None), jst(23, 58), jst(0, day=(2025, 9, 30)))
    assert "(e.g. 23:50, 23:55)" in error.message


@pytest.mark.parametrize(
    ("start", "end"), [(jst(7), jst(8)), (jst(21), jst(22)), (jst(7), jst(11))]
)
def test_inside_business_hours_is_allowed(start: datetime, end: datetime) -> None:
    Policy().validate(TimeSlot(start, end), NOW)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (jst(6, 55), jst(8), "start"),
        (jst(21), jst(22, 5), "end"),
        (jst(22), jst(23), "end"),
        (jst(23), jst(1, day=(2025, 9, 30)), "end"),
        (jst(21), jst(0, day=(2025, 9, 30)), "end"),
    ],
    ids=["early-start", "late-end", "after-close", "across-midnight", "to-midnight"],
)
def test_outside_business_hours_is_refused(start: datetime, end: datetime, field: str) -> None:
    error = refusal(Policy(), start, end)
    assert (error.reason, error.field) == ("outside_hours", field)
    assert "between 07:00 and 22:00" in error.message and "07:00〜22:00" in error.message_ja


def test_across_midnight_is_allowed_around_the_clock() -> None:
    policy = Policy(business_hours=None)
    policy.validate(TimeSlot(jst(23), jst(1, day=(2025, 9, 30))), NOW)
    policy.validate(TimeSlot(jst(5), jst(6)), NOW)


def test_business_hours_are_judged_in_japan_time_for_utc_slots() -> None:
    """22:00Z is 07:00 JST the next morning; 13:00Z is 22:00 JST."""
    Policy().validate(
        TimeSlot(datetime(2025, 9, 29, 22, tzinfo=UTC), datetime(2025, 9, 29, 23, tzinfo=UTC)), NOW
    )
    error = refusal(
        Policy(), datetime(2025, 9, 29, 13, tzinfo=UTC), datetime(2025, 9, 29, 14, tzinfo=UTC)
    )
    assert error.reason == "outside_hours"


def test_first_broken_rule_is_named() -> None:
    """A slot both in the past and off granularity is reported as in the past."""
    error = refusal(Policy(), NOW - timedelta(minutes=3), NOW + timedelta(minutes=2))
    assert error.reason == "in_past"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:00-22:00", (time(7), time(22))),
        (" 09:30 - 18:00 ", (time(9, 30), time(18))),
        ("", None),
        ("  ", None),
        ("24h", None),
        ("24H", None),
    ],
)
def test_parse_business_hours(text: str, expected: tuple[time, time] | None) -> None:
    assert parse_business_hours(text) == expected


@pytest.mark.parametrize(
    "text", ["abc", "07:00", "07:00~22:00", "7am-10pm", "25:00-26:00", "22:00-07:00", "09:00-09:00"]
)
def test_parse_business_hours_refuses_malformed_or_reversed(text: str) -> None:
    with pytest.raises(ValueError):
        parse_business_hours(text)
