"""On real PostgreSQL, simultaneous bookings of one slot: exactly one wins."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.pool import NullPool

from booking import services
from booking.clock import JST
from booking.errors import SlotTaken
from booking.model import Reservation, TimeSlot
from booking.policy import Policy
from storage.engine import make_engine, make_session_factory
from storage.models import ReservationRow
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import NOW, reset, wait_for_a_lock_waiter

THREADS = 50


def test_fifty_threads_one_slot_exactly_one_booking(pg_url: str) -> None:
    """50 connections released by a barrier: 1 success, 49 SlotTaken, one row."""
    engine = make_engine(pg_url, poolclass=NullPool)  # every thread gets its own connection
    reset(engine)
    factory = make_session_factory(engine)
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()
    start, end = datetime(2025, 9, 29, 14, tzinfo=JST), datetime(2025, 9, 29, 15, tzinfo=JST)

    def attempt(n: int) -> None:
        uow = SqlAlchemyUnitOfWork(factory)
        with factory() as session:  # open the connection before the race starts
            session.execute(text("SELECT 1"))
        barrier.wait()
        try:
            services.create_reservation(
                uow, Policy(), room="1", start=start, end=end, owner_id=f"U{n}", now=NOW
            )
            result = "booked"
        except SlotTaken:
            result = "taken"
        except Exception as error:  # any other outcome is a failure of the guarantee
            result = f"error:{type(error).__name__}:{error}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(set(outcomes)) == ["booked", "taken"], outcomes
    assert outcomes.count("booked") == 1 and outcomes.count("taken") == THREADS - 1
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(ReservationRow)).scalar_one()
    assert rows == 1
    engine.dispose()


def test_writers_deadlocked_on_the_exclusion_constraint_are_told_the_slot_is_taken(
    pg_url: str,
) -> None:
    """A series (two rows in one transaction) and a single booking overlapping both: without the
    per-room booking lock they wait for each other's uncommitted rows and PostgreSQL aborts one
    (deadlock); with it the single booking waits for the series' transaction. Either way one
    hears SlotTaken, never a database error, and the other commits."""
    engine = make_engine(pg_url, poolclass=NullPool)
    reset(engine)
    factory = make_session_factory(engine)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2025, 9, 29, hour, minute, tzinfo=JST)

    def row(owner: str, start: datetime, end: datetime) -> Reservation:
        return Reservation("1", owner, TimeSlot(start, end))

    outcomes: dict[str, str] = {}
    first_written, single_waiting = threading.Event(), threading.Event()

    def series() -> None:
        try:
            with SqlAlchemyUnitOfWork(factory) as uow:
                uow.reservations.add(row("slack:USERIES", at(10), at(11)))
                first_written.set()
                assert single_waiting.wait(20)  # the single booking now waits for this row
                uow.reservations.add(row("slack:USERIES", at(11, 15), at(12)))  # ... and it for it
                uow.commit()
            outcomes["series"] = "booked"
        except SlotTaken:
            outcomes["series"] = "taken"

    def single() -> None:
        assert first_written.wait(20)
        try:
            with SqlAlchemyUnitOfWork(factory) as uow:
                uow.reservations.add(row("slack:USINGLE", at(10, 30), at(11, 30)))
                uow.commit()
            outcomes["single"] = "booked"
        except SlotTaken:
            outcomes["single"] = "taken"

    threads = [threading.Thread(target=series), threading.Thread(target=single)]
    for thread in threads:
        thread.start()
    wait_for_a_lock_waiter(engine, 10, "the single booking never waited for the series' row")
    single_waiting.set()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["booked", "taken"], outcomes
    with engine.connect() as connection:
        owners = connection.execute(select(ReservationRow.owner_id).distinct()).scalars().all()
    winner = next(name for name, outcome in outcomes.items() if outcome == "booked")
    assert owners == [f"slack:U{winner.upper()}"]
    engine.dispose()
