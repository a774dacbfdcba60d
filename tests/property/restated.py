"""An independent re-statement of the booking rules, written from the documented rules (README.md
"Booking rules", ../shared/DESIGN.md §3), not from booking/policy.py.

The property tests compare `Policy.validate` with this, and check every row the API created
against it, so a rule that drifts in one place shows up as a disagreement.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from hypothesis import HealthCheck, settings

from booking.policy import Policy

SECOND = timedelta(seconds=1)


def moderate(examples: int, **extra: object) -> settings:
    """Reproducible hypothesis settings: fixed examples, no deadline, no example database."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
        **extra,  # type: ignore[arg-type]
    )


def seconds_of_day(clock: time) -> float:
    """Seconds since midnight of a wall-clock time, fractions included."""
    return clock.hour * 3600 + clock.minute * 60 + clock.second + clock.microsecond / 1e6


def on_step(instant: datetime, policy: Policy, end: bool = False) -> bool:
    """True when the local wall time is a whole multiple of the granularity after midnight."""
    seconds = seconds_of_day(instant.astimezone(policy.tz).time())
    if end and seconds == 0:  # an end at midnight is 24:00 of the day before: 1440 minutes
        seconds = 24 * 3600
    return seconds % (policy.granularity_minutes * 60) == 0


def inside_hours(start: datetime, end: datetime, policy: Policy) -> tuple[bool, bool]:
    """(start not before opening, end not after closing on the start's own local day)."""
    if policy.business_hours is None:
        return True, True
    opens, closes = policy.business_hours
    local_start, local_end = start.astimezone(policy.tz), end.astimezone(policy.tz)
    midnight = datetime.combine(local_start.date(), time(0))
    wall_end = (local_end.replace(tzinfo=None) - midnight).total_seconds()
    return (
        seconds_of_day(local_start.time()) >= seconds_of_day(opens),
        wall_end <= seconds_of_day(closes),
    )


def broken_rules(
    start: datetime, end: datetime, now: datetime, policy: Policy
) -> list[tuple[str, str]]:
    """Every (reason, field) the slot breaks, in the order the rules are documented."""
    broken: list[tuple[str, str]] = []
    if end <= start:
        broken.append(("end_before_start", "end-time"))
    if start < now:
        broken.append(("in_past", "start-time"))
    if end - start > policy.max_duration:
        broken.append(("too_long", "end-time"))
    if start - now > policy.booking_window:
        broken.append(("too_far_ahead", "date"))
    if not (on_step(start, policy) and on_step(end, policy, end=True)):
        broken.append(
            ("off_granularity", "start-time" if not on_step(start, policy) else "end-time")
        )
    opens_ok, closes_ok = inside_hours(start, end, policy)
    if not (opens_ok and closes_ok):
        broken.append(("outside_hours", "start-time" if not opens_ok else "end-time"))
    return broken
