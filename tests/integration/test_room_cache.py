"""Rooms cached per process: changes made elsewhere are seen, and a dead connection is replaced.

A second engine stands for another process (its own pool and its own room cache).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select, text

from booking import services
from booking.clock import JST
from booking.errors import RoomNotFound, SlotTaken
from booking.model import PENDING, Reservation, Room, TimeSlot
from booking.policy import Policy
from storage import pg_booking
from storage.engine import make_engine, make_session_factory
from storage.models import CalendarOutboxRow
from storage.pg_booking import booking_values, insert_booking
from storage.rooms_file import load_rooms, sync_rooms
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import NOW, ROOMS_FILE, reset

POLICY = Policy()
NOTHING = Reservation("-", "-", TimeSlot(NOW, NOW))  # stands for a missing reservation


def at(hour: int, day: int = 29) -> datetime:
    """An instant on a September 2025 day in Japan time."""
    return datetime(2025, 9, day, hour, tzinfo=JST)


def book(engine: Engine, room: str, hour: int, owner: str = "slack:U1") -> Reservation:
    """Book an hour through the service layer."""
    return services.create_reservation(
        SqlAlchemyUnitOfWork(make_session_factory(engine)), POLICY, room=room,
        start=at(hour), end=at(hour + 1), owner_id=owner, now=NOW,
    )  # fmt: skip


def rooms_elsewhere(engine: Engine, change: list[Room]) -> None:
    """`rooms sync` of the given rooms, run by "another process" (its own engine)."""
    sync_rooms(make_session_factory(engine), change)


def test_rooms_changed_by_another_process_are_used_at_once(engine: Engine, db_url: str) -> None:
    """Added, retired and re-ruled rooms apply to the very next booking of a warm process."""
    book(engine, "1", 9)  # this process has cached the rooms now
    other = make_engine(db_url)
    rooms = load_rooms(ROOMS_FILE)
    first = replace(rooms[0], approvers=("slack:UBOSS",))
    added = Room("9", "会議室Z", 4, aliases=("Z",))
    rooms_elsewhere(other, [first, *rooms[2:], added])  # rooms[1] retired
    other.dispose()
    assert book(engine, "Z", 10).room_id == "9"
    assert book(engine, first.id, 11).status == PENDING  # now needs the approver's yes
    with pytest.raises(RoomNotFound):
        book(engine, rooms[1].id, 12)
    with engine.connect() as connection:
        queued = connection.execute(select(func.count()).select_from(CalendarOutboxRow))
        assert queued.scalar_one() == 3  # one calendar entry per booking, none for the refusal


def test_a_room_re_ruled_elsewhere_applies_to_the_very_next_booking(
    engine: Engine, db_url: str
) -> None:
    """A warm process books on rooms that another process re-ruled (an approver added) by the
    new rules at once, with no other change in between to refresh its cache."""
    book(engine, "1", 9)
    other = make_engine(db_url)
    rooms = load_rooms(ROOMS_FILE)
    rooms_elsewhere(other, [replace(rooms[0], approvers=("slack:UBOSS",)), *rooms[1:]])
    other.dispose()
    assert book(engine, rooms[0].id, 11).status == PENDING


def test_a_clash_names_the_booking_in_the_way_and_writes_nothing(engine: Engine) -> None:
    """The database's guard is the only overlap check; the clash is looked up after it."""
    first = book(engine, "1", 9)
    with pytest.raises(SlotTaken) as refused:
        book(engine, "1", 9, owner="slack:U2")
    assert refused.value.conflicting_id == first.id
    with engine.connect() as connection:
        queued = connection.execute(select(func.count()).select_from(CalendarOutboxRow))
        assert queued.scalar_one() == 1


def kill_pooled_connection(engine: Engine, url: str) -> None:
    """Terminate the server side of the engine's one pooled connection, as a restart would."""
    with engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = make_engine(url)
    with killer.begin() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    killer.dispose()


def test_a_dead_pooled_connection_is_replaced_without_a_ping(pg_url: str) -> None:
    """PostgreSQL drops the pooled connection; the next read, then the next booking, still work
    (the first statement runs again on a fresh connection)."""
    engine = make_engine(pg_url)
    reset(engine)
    book(engine, "1", 9)
    kill_pooled_connection(engine, pg_url)
    day = services.day_schedule(
        SqlAlchemyUnitOfWork(make_session_factory(engine)), POLICY, day=at(9).date()
    )
    assert [r.room_id for d in day for r in d.reservations] == ["1"]
    kill_pooled_connection(engine, pg_url)
    assert book(engine, "2", 10).id is not None
    engine.dispose()


def schedule(engine: Engine, day: int = 29, room: str | None = None) -> list[services.RoomDay]:
    """One day's schedule through the service layer."""
    uow = SqlAlchemyUnitOfWork(make_session_factory(engine))
    return services.day_schedule(uow, POLICY, day=at(9, day).date(), room=room)


def test_rooms_changed_elsewhere_show_in_the_next_schedule(engine: Engine, db_url: str) -> None:
    """A warm process reads the day on its cached rooms, checked by the same statement: rooms
    added and retired elsewhere show at once, on a busy day and on an empty one."""
    book(engine, "1", 9)
    assert len(schedule(engine)) == len(load_rooms(ROOMS_FILE))  # cached now
    other = make_engine(db_url)
    rooms = load_rooms(ROOMS_FILE)
    rooms_elsewhere(other, [*rooms[1:], Room("9", "会議室Z", 4, aliases=("Z",))])  # rooms[0] out
    other.dispose()
    for day in (29, 30):  # 30: nothing booked, so the version is read on its own
        ids = [d.room.id for d in schedule(engine, day)]
        assert "9" in ids and rooms[0].id not in ids
    assert [d.room.id for d in schedule(engine, room="Z")] == ["9"]


def test_a_reading_unit_of_work_refuses_to_commit(engine: Engine) -> None:
    """A unit of work opened with reading() cannot write."""
    uow = SqlAlchemyUnitOfWork(make_session_factory(engine))
    with uow.reading(), pytest.raises(RuntimeError, match="cannot commit"):
        uow.commit()


@pytest.mark.parametrize("before", ["schedule", "booking"])
def test_a_connection_reused_after_a_read_or_a_booking_opens_transactions_again(
    pg_url: str, before: str
) -> None:
    """Reads and lone bookings run without a transaction on the pooled connection; the next
    unit of work on the same connection writes nothing it does not commit."""
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    reset(engine)
    book(engine, "1", 9)
    if before == "schedule":
        assert schedule(engine)[0].reservations
    else:
        book(engine, "2", 9)
    with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
        uow.reservations.save(replace(uow.reservations.get(1) or NOTHING, title="uncommitted"))
    with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
        assert (uow.reservations.get(1) or NOTHING).title == ""
    engine.dispose()


def test_a_lone_booking_whose_answer_was_lost_is_found_not_refused(pg_url: str) -> None:
    """After a lone booking's connection died, the booking is made once more in a transaction;
    when the first did commit before its answer was lost, its row is the booking (not a clash),
    and anyone else's row in the way is still a clash."""
    engine = make_engine(pg_url)
    reset(engine)
    factory = make_session_factory(engine)
    mine = Reservation("1", "slack:U1", TimeSlot(at(9), at(10)), created_at=NOW)
    sql, values = booking_values(mine, None, None)
    with factory() as session:
        first = insert_booking(session, sql, values, alone=True)
    with factory() as session:
        assert pg_booking._once_more(session, sql, values) == first  # the answer was lost
    later = {**values, "created_at": datetime(2025, 9, 1, 12, tzinfo=JST)}  # someone else's
    with factory() as session, pytest.raises(SlotTaken):
        pg_booking._once_more(session, sql, later)
    engine.dispose()
