"""storage.pg_reads makes reservations from plain rows without the dataclass's checks: the same."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone

from booking.model import PENDING, Reservation, TimeSlot
from storage.pg_reads import reservation

START = datetime(2026, 12, 2, 1, tzinfo=UTC)


def test_a_row_makes_the_reservation_the_constructor_would_with_every_field() -> None:
    tokyo = timezone(timedelta(hours=9))  # a server whose session time zone is not UTC
    row = (7, "3", "slack:U1", "定例", START.astimezone(tokyo), START + timedelta(hours=1), False,
           "slack", START, None, None, None, None, 6, 2, START, PENDING, 4, 1, 99)  # fmt: skip
    made = reservation(row)
    expected = Reservation(
        "3", "slack:U1", TimeSlot(START, START + timedelta(hours=1)), "定例", 7, False, START,
        None, None, "slack", None, None, 6, 2, START, PENDING, 4, 1,
    )  # fmt: skip
    assert made == expected and made.holds_slot and not made.active
    assert set(vars(made)) == {f.name for f in fields(Reservation)}
    assert made.start.tzinfo is UTC
