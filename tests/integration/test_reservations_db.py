"""The booking service on a real database: SQLite and PostgreSQL must agree."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from booking import services
from booking.clock import JST
from booking.errors import NotOwner, SlotTaken
from booking.model import Reservation, TimeSlot
from booking.policy import Policy
from storage.engine import make_session_factory
from storage.models import ReservationRow
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import NOW

POLICY = Policy()


def uow_for(engine: Engine) -> SqlAlchemyUnitOfWork:
    """A unit of work on the engine."""
    return SqlAlchemyUnitOfWork(make_session_factory(engine))


def jst(hour: int, minute: int = 0, day: int = 29) -> datetime:
    """An instant on a September 2025 day in Japan time."""
    return datetime(2025, 9, day, hour, minute, tzinfo=JST)


def book(
    engine: Engine, room: str, start: datetime, end: datetime, owner: str = "U1"
) -> Reservation:
    """Create a reservation through the service layer."""
    return services.create_reservation(
        uow_for(engine), POLICY, room=room, start=start, end=end, owner_id=owner, now=NOW
    )


def active_rows(engine: Engine) -> int:
    """How many active reservations the database holds."""
    with engine.connect() as connection:
        query = select(func.count()).select_from(ReservationRow).where(ReservationRow.active)
        return int(connection.execute(query).scalar_one())


def test_booking_is_stored_in_utc_and_read_back(engine: Engine) -> None:
    """Instants round-trip as aware UTC values denoting the same JST wall time."""
    made = book(engine, "1", jst(14), jst(15))
    with uow_for(engine) as uow:
        stored = uow.reservations.get(made.id or 0)
    assert stored is not None
    assert stored.start == jst(14) and stored.start.utcoffset() == timedelta(0)
    assert stored.start.astimezone(JST).hour == 14


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (jst(14), jst(15)),  # identical
        (jst(14, 30), jst(15, 30)),  # overlaps the end
        (jst(13, 30), jst(14, 5)),  # overlaps the start
        (jst(14, 15), jst(14, 45)),  # inside
        (jst(13), jst(16)),  # around
    ],
)
def test_partial_overlaps_conflict(engine: Engine, start: datetime, end: datetime) -> None:
    """Any shared minute is a conflict, and nothing is written."""
    book(engine, "1", jst(14), jst(15))
    with pytest.raises(SlotTaken):
        book(engine, "1", start, end, owner="U2")
    assert active_rows(engine) == 1


def test_adjacent_slots_and_other_rooms_succeed(engine: Engine) -> None:
    """Half-open intervals: back-to-back bookings and other rooms never clash."""
    book(engine, "1", jst(14), jst(15))
    book(engine, "1", jst(13), jst(14))
    book(engine, "1", jst(15), jst(16))
    book(engine, "2", jst(14), jst(15))
    assert active_rows(engine) == 4


def test_cancelled_slot_can_be_booked_again(engine: Engine) -> None:
    """Only active reservations hold a slot."""
    first = book(engine, "1", jst(14), jst(15))
    services.cancel_reservation(
        uow_for(engine), reservation_id=first.id or 0, actor_id="U1", now=NOW
    )
    again = book(engine, "1", jst(14), jst(15), owner="U2")
    assert again.id != first.id and active_rows(engine) == 1


def test_database_refuses_overlap_even_without_the_service_check(engine: Engine) -> None:
    """The constraint (PostgreSQL) or trigger (SQLite) is the last line: SlotTaken either way."""
    book(engine, "1", jst(14), jst(15))
    sneaky = Reservation(room_id="1", owner_id="U2", slot=TimeSlot(jst(14, 30), jst(15, 30)))
    with uow_for(engine) as uow, pytest.raises(SlotTaken):
        uow.reservations.add(sneaky)
    assert active_rows(engine) == 1


def test_database_refuses_reactivating_into_an_overlap(engine: Engine) -> None:
    """Updates are guarded too: moving or reviving a reservation cannot create a clash."""
    first = book(engine, "1", jst(14), jst(15))
    services.cancel_reservation(
        uow_for(engine), reservation_id=first.id or 0, actor_id="U1", now=NOW
    )
    book(engine, "1", jst(14), jst(15), owner="U2")
    with uow_for(engine) as uow:
        revived = uow.reservations.get(first.id or 0)
        assert revived is not None
        revived.active = True
        with pytest.raises(SlotTaken):
            uow.reservations.save(revived)
    assert active_rows(engine) == 1


def test_cancel_by_someone_else_leaves_the_row_unchanged(engine: Engine) -> None:
    """NotOwner is raised before anything is written."""
    made = book(engine, "1", jst(14), jst(15))
    with pytest.raises(NotOwner):
        services.cancel_reservation(
            uow_for(engine), reservation_id=made.id or 0, actor_id="U2", now=NOW
        )
    assert active_rows(engine) == 1


def test_schedule_and_upcoming_read_from_the_database(engine: Engine) -> None:
    """A JST day's schedule includes an early-morning booking whose UTC date is the day before."""
    early = book(engine, "2", jst(7), jst(8))
    book(engine, "1", jst(14), jst(15), owner="U2")
    day = services.day_schedule(uow_for(engine), POLICY, day=jst(0).date(), room="会議室B")
    assert [r.id for r in day[0].reservations] == [early.id]
    assert early.start.date().day == 28  # 07:00 JST on the 29th is 22:00 UTC on the 28th
    mine = services.upcoming_for_user(uow_for(engine), owner_id="U2", now=NOW)
    assert [r.room_id for r in mine] == ["1"]
    free = services.find_free_rooms(
        uow_for(engine), POLICY, start=jst(14), end=jst(15), now=NOW, capacity=6
    )
    assert "1" not in {r.id for r in free} and {"2", "3", "4"} <= {r.id for r in free}
