"""Properties of Policy.validate (against an independent re-statement) and TimeSlot.overlaps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from booking.clock import JST
from booking.errors import InvalidReservation
from booking.model import TimeSlot
from booking.policy import Policy
from bot.api.errors import API_FIELDS
from storage.engine import make_engine
from tests.property.restated import broken_rules, moderate, seconds_of_day

ZONES = [JST, ZoneInfo("Asia/Kolkata"), ZoneInfo("America/New_York"), ZoneInfo("UTC")]
DAY, DAY_MINUTES = timedelta(days=1), 24 * 60
# Settings accepts any granularity from 1 to 1440 minutes; common ones are drawn more often.
STEPS = st.one_of(st.sampled_from([1, 5, 10, 15, 30, 45, 60, 90, 120]), st.integers(1, DAY_MINUTES))
BASE = datetime(2025, 9, 28, 10, 0, tzinfo=JST)
EXAMPLE_TIME = re.compile(r"\b([0-9]{2}):([0-9]{2})\b")


def on_grid(minute: int, step: int) -> int:
    """The minute rounded down to the granularity."""
    return minute - minute % step


@st.composite
def hours(draw: st.DrawFn, step: int) -> tuple[time, time] | None:
    """Business hours that open before they close (on the grid where it allows), or None (24 h)."""
    if draw(st.booleans()):
        return None
    opens = on_grid(draw(st.integers(0, 22 * 60)), step)
    closes = on_grid(draw(st.integers(opens + 1, DAY_MINUTES - 1)), step)
    if closes <= opens:  # no later grid time that day: close off the grid
        closes = draw(st.integers(opens + 1, DAY_MINUTES - 1))
    return time(*divmod(opens, 60)), time(*divmod(closes, 60))


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    """Any configuration Settings can produce."""
    step = draw(STEPS)
    return Policy(
        tz=draw(st.sampled_from(ZONES)),
        max_duration=timedelta(minutes=draw(st.integers(15, 12 * 60))),
        booking_window=timedelta(days=draw(st.integers(1, 120))),
        granularity_minutes=step,
        business_hours=draw(hours(step)),
    )


@st.composite
def wild_slots(draw: st.DrawFn, policy: Policy) -> tuple[datetime, datetime]:
    """Any slot near BASE: any day, minute, second and length (most break some rule)."""
    day = BASE.astimezone(policy.tz).date() + timedelta(days=draw(st.integers(-2, 125)))
    minute = draw(st.integers(0, 24 * 60 - 1))
    second = draw(st.sampled_from([0, 0, 0, 1, 59]))
    start = datetime.combine(day, time(*divmod(minute, 60), second), tzinfo=policy.tz)
    end = start + timedelta(minutes=draw(st.integers(-60, 13 * 60)))
    return start, end


@st.composite
def plausible_slots(draw: st.DrawFn, policy: Policy) -> tuple[datetime, datetime]:
    """A slot on the grid inside the window, as long as allowed give or take one step;
    often pinned to opening or closing time, where off-by-one mistakes live."""
    step = policy.granularity_minutes
    days = draw(st.integers(0, policy.booking_window.days + 1))
    day = BASE.astimezone(policy.tz).date() + timedelta(days=days)
    opens, closes = policy.business_hours or (time(0), time(23, 55))
    first, last = opens.hour * 60 + opens.minute, closes.hour * 60 + closes.minute
    longest = int(policy.max_duration / timedelta(minutes=1))
    length = on_grid(draw(st.integers(step, longest + step)), step)
    minute = on_grid(draw(st.integers(max(first - step, 0), last)), step)
    pin = draw(st.sampled_from(["free", "opening", "closing"]))
    if pin == "opening":
        minute = first
    elif pin == "closing":
        minute = max(last - length, 0)
    start = datetime.combine(day, time(*divmod(minute, 60)), tzinfo=policy.tz)
    return start, start + timedelta(minutes=length)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Policy, datetime, datetime, datetime]:
    """(policy, start, end, now): wild or plausible; `now` sometimes exactly on a rule's edge."""
    policy = draw(policies())
    start, end = draw(st.one_of(wild_slots(policy), plausible_slots(policy)))
    edges = [BASE, start, start - policy.booking_window, start - timedelta(hours=1)]
    now = draw(st.sampled_from(edges))
    return policy, start, end, now + timedelta(seconds=draw(st.sampled_from([0, 0, -1, 1])))


@moderate(400)
@given(cases())
def test_validate_names_the_first_broken_rule_of_the_restatement(
    case: tuple[Policy, datetime, datetime, datetime],
) -> None:
    """validate accepts exactly the slots the re-statement accepts, else names its first rule."""
    policy, start, end, now = case
    expected = broken_rules(start, end, now, policy)
    event(expected[0][0] if expected else "accepted")
    try:
        policy.validate(TimeSlot(start, end), now)
    except InvalidReservation as error:
        assert expected, f"refused {error.reason} but the rules allow it"
        assert (error.reason, API_FIELDS.get(error.field or "", error.field)) == expected[0]
        assert error.message.strip() and error.message_ja.strip()
        if error.reason == "off_granularity":
            offending = start if error.field == "start" else end
            examples = example_minutes(error, policy.granularity_minutes)
            assert nearest_grid_minutes(offending, policy, examples) == sorted(examples), error
    else:
        assert not expected, f"accepted but breaks {expected}"


def example_minutes(error: InvalidReservation, step: int) -> list[int]:
    """An off-grid refusal's examples in minutes, checked: real HH:MM grid times in both texts."""
    found = EXAMPLE_TIME.findall(error.message)
    assert found and EXAMPLE_TIME.findall(error.message_ja) == found, error.message_ja
    minutes = [int(hour) * 60 + int(minute) for hour, minute in found if int(minute) < 60]
    assert len(minutes) == len(found) and all(0 <= m < DAY_MINUTES for m in minutes), found
    assert all(m % step == 0 for m in minutes), (step, found)
    return minutes


def nearest_grid_minutes(instant: datetime, policy: Policy, examples: list[int]) -> list[int]:
    """The grid times of the instant's day nearest to it, as many as there are examples."""
    minutes = seconds_of_day(instant.astimezone(policy.tz).time()) / 60
    minutes = minutes or DAY_MINUTES  # only an end can be off the grid at midnight: 24:00
    grid = range(0, DAY_MINUTES, policy.granularity_minutes)
    return sorted(sorted(grid, key=lambda m: abs(m - minutes))[: len(examples)])


def test_every_granularity_counts_its_grid_from_midnight() -> None:
    """For every step from 1 to 1440, times on and beside the grid get the restatement's verdict."""
    midnight = datetime.combine(BASE.date() + timedelta(days=1), time(0), tzinfo=JST)
    for step in range(1, DAY_MINUTES + 1):
        policy = Policy(granularity_minutes=step, business_hours=None, max_duration=2 * DAY)
        near_grid = {m + d for m in range(0, DAY_MINUTES, step) for d in (-1, 0, 1)}
        for minute in sorted(m for m in near_grid if 0 <= m < DAY_MINUTES):
            start = midnight + timedelta(minutes=minute)
            for end in (start + timedelta(minutes=step), midnight + DAY):
                expected = broken_rules(start, end, BASE, policy)
                assert verdict_and_field(policy, TimeSlot(start, end), BASE) == (
                    expected[0] if expected else None
                ), (step, start, end)


@moderate(200)
@given(cases(), st.sampled_from(ZONES))
def test_validate_does_not_depend_on_the_zone_the_slot_is_written_in(
    case: tuple[Policy, datetime, datetime, datetime], zone: ZoneInfo
) -> None:
    """The same two instants written in another zone get the same verdict."""
    policy, start, end, now = case
    assert verdict(policy, TimeSlot(start, end), now) == verdict(
        policy, TimeSlot(start.astimezone(zone), end.astimezone(zone)), now.astimezone(UTC)
    )


def verdict(policy: Policy, slot: TimeSlot, now: datetime) -> str | None:
    """The reason validate refuses the slot, or None."""
    found = verdict_and_field(policy, slot, now)
    return found[0] if found else None


def verdict_and_field(policy: Policy, slot: TimeSlot, now: datetime) -> tuple[str, str] | None:
    """(reason, field) of validate's refusal, or None; off-grid examples are checked."""
    try:
        policy.validate(slot, now)
    except InvalidReservation as error:
        if error.reason == "off_granularity":
            example_minutes(error, policy.granularity_minutes)
        return error.reason, API_FIELDS.get(error.field or "", str(error.field))
    return None


# TimeSlot.overlaps

minutes = st.integers(-3000, 3000)


def slot(start: int, length: int, tz: ZoneInfo = JST) -> TimeSlot:
    """The slot [BASE + start min, BASE + start + length min) written in tz."""
    begin = (BASE + timedelta(minutes=start)).astimezone(tz)
    return TimeSlot(begin, begin + timedelta(minutes=length))


@moderate(300)
@given(minutes, st.integers(1, 600), minutes, st.integers(1, 600))
def test_overlaps_is_symmetric_and_means_a_shared_minute(a: int, la: int, b: int, lb: int) -> None:
    """Non-empty slots overlap iff they share a minute of the grid; the relation is symmetric."""
    first, second = slot(a, la), slot(b, lb)
    shares = bool(set(range(a, a + la)) & set(range(b, b + lb)))
    assert first.overlaps(second) == second.overlaps(first) == shares


@moderate(200)
@given(minutes, st.integers(1, 600), st.integers(1, 600), st.sampled_from(ZONES))
def test_touching_slots_do_not_overlap_but_one_second_more_does(
    start: int, first: int, second: int, zone: ZoneInfo
) -> None:
    """[a, b) and [b, c) are compatible (half-open), also across zones; [a, b+1s) is not."""
    left, right = slot(start, first), slot(start + first, second, zone)
    assert not left.overlaps(right) and not right.overlaps(left)
    longer = TimeSlot(left.start, left.end + timedelta(seconds=1))
    assert longer.overlaps(right) and right.overlaps(longer)
    assert left.overlaps(left) and left.in_utc().overlaps(left)


@pytest.fixture(scope="module")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """One engine on the test PostgreSQL for the whole module."""
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@moderate(60)
@given(
    st.lists(
        st.tuples(minutes, st.integers(1, 600), minutes, st.integers(1, 600)),
        min_size=1,
        max_size=20,
    )
)
def test_overlaps_agrees_with_postgresql_range_overlap(
    pg_engine: Engine, pairs: list[tuple[int, int, int, int]]
) -> None:
    """The domain's test and PostgreSQL's `tstzrange(s, e, '[)') &&` agree on non-empty slots."""
    with pg_engine.connect() as connection:
        for a, la, b, lb in pairs:
            first, second = slot(a, la), slot(b, lb)
            database = connection.execute(
                text("SELECT tstzrange(:a, :b, '[)') && tstzrange(:c, :d, '[)')"),
                {"a": first.start, "b": first.end, "c": second.start, "d": second.end},
            ).scalar_one()
            assert first.overlaps(second) == database, (first, second)


def test_an_empty_slot_overlaps_nothing() -> None:
    """The empty interval shares no instant with anything."""
    assert not slot(60, 0).overlaps(slot(0, 120))
