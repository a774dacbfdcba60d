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
from booking.model import PENDING, Reservation, Room
from booking.policy import Policy
from storage.engine import make_engine, make_session_factory
from storage.models import CalendarOutboxRow
from storage.rooms_file import load_rooms, sync_rooms
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import NOW, ROOMS_FILE, reset

POLICY = Policy()


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
