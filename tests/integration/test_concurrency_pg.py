"""On real PostgreSQL, simultaneous bookings of one slot: exactly one wins."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.pool import NullPool

from booking import services
from booking.clock import JST
from booking.errors import SlotTaken
from booking.policy import Policy
from storage.engine import make_engine, make_session_factory
from storage.models import ReservationRow
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import NOW, reset

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
