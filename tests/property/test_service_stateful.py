"""Create / cancel / create-again through the service layer, against a simple in-memory model.

A RuleBasedStateMachine drives `services` with a SqlAlchemyUnitOfWork on SQLite and on real
PostgreSQL, on a deliberately small calendar (three rooms, two mornings, half-hour steps) so
clashes are frequent. After every step the active rows in the database equal the model's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, delete, select

from booking import services
from booking.clock import JST
from booking.errors import AlreadyCancelled, NotOwner, ReservationNotFound, SlotTaken
from booking.policy import Policy
from storage.engine import make_engine, make_session_factory
from storage.models import ReservationRow
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import NOW
from tests.property.restated import moderate

POLICY = Policy()
ROOMS = ["1", "2", "3"]
OWNERS = ["U1", "U2"]
ADMIN = "ADMIN"
DAYS = [NOW.date() + timedelta(days=d) for d in (1, 2)]


@dataclass
class Booked:
    """The model's view of one reservation."""

    id: int
    room: str
    start: datetime
    end: datetime
    owner: str
    active: bool = True

    def clashes(self, room: str, start: datetime, end: datetime) -> bool:
        """True when active in the same room over an intersecting half-open interval."""
        return self.active and self.room == room and self.start < end and start < self.end


def slot(day: date, step: int, halves: int) -> tuple[datetime, datetime]:
    """[09:00 + 30 min * step, + 30 min * halves) on a JST day."""
    start = datetime.combine(day, time(9), JST) + timedelta(minutes=30 * step)
    return start, start + timedelta(minutes=30 * halves)


class Calendar(RuleBasedStateMachine):
    """The services on a real database, shadowed by a list of Booked."""

    bookings = Bundle("bookings")

    def __init__(self, engine: Engine):
        super().__init__()
        with engine.begin() as connection:  # rooms stay; ids keep counting (the model learns them)
            connection.execute(delete(ReservationRow))
        self.engine = engine
        self.factory = make_session_factory(engine)
        self.model: dict[int, Booked] = {}

    def uow(self) -> SqlAlchemyUnitOfWork:
        """A fresh unit of work."""
        return SqlAlchemyUnitOfWork(self.factory)

    def book(self, room: str, start: datetime, end: datetime, owner: str) -> list[int]:
        """Book through the service; the model says whether it must succeed."""
        clash = any(b.clashes(room, start, end) for b in self.model.values())
        try:
            made = services.create_reservation(
                self.uow(), POLICY, room=room, start=start, end=end, owner_id=owner, now=NOW
            )
        except SlotTaken:
            assert clash, f"refused {room} {start}-{end} but the model has it free"
            return []
        assert not clash, f"booked {room} {start}-{end} over an active reservation"
        assert made.id is not None and made.id not in self.model
        assert (made.room_id, made.start, made.end, made.owner_id) == (room, start, end, owner)
        self.model[made.id] = Booked(made.id, room, start, end, owner)
        return [made.id]

    @rule(
        target=bookings,
        room=st.sampled_from(ROOMS),
        day=st.sampled_from(DAYS),
        step=st.integers(0, 7),
        halves=st.integers(1, 4),
        owner=st.sampled_from(OWNERS),
    )
    def create(self, room: str, day: date, step: int, halves: int, owner: str) -> object:
        return multiple(*self.book(room, *slot(day, step, halves), owner))

    @rule(target=bookings, booked=bookings, owner=st.sampled_from(OWNERS))
    def create_again(self, booked: int, owner: str) -> object:
        """Ask for exactly the slot of an earlier booking (free again only if it was cancelled)."""
        old = self.model[booked]
        return multiple(*self.book(old.room, old.start, old.end, owner))

    @rule(booked=bookings, actor=st.sampled_from([*OWNERS, ADMIN]))
    def cancel(self, booked: int, actor: str) -> None:
        """Cancel as the owner, someone else or an admin; the model predicts the outcome."""
        entry = self.model[booked]
        expected: type[Exception] | None = None
        if actor not in (entry.owner, ADMIN):
            expected = NotOwner
        elif not entry.active:
            expected = AlreadyCancelled
        try:
            services.cancel_reservation(
                self.uow(), reservation_id=booked, actor_id=actor, now=NOW, admins=[ADMIN]
            )
        except (NotOwner, AlreadyCancelled) as error:
            assert type(error) is expected, (type(error), expected)
            return
        assert expected is None, f"cancel by {actor} should raise {expected}"
        entry.active = False

    @rule(reservation_id=st.integers(2**31 - 10, 2**31 - 1))
    def cancel_unknown(self, reservation_id: int) -> None:
        with pytest.raises(ReservationNotFound):
            services.cancel_reservation(
                self.uow(), reservation_id=reservation_id, actor_id="U1", now=NOW
            )

    @rule(day=st.sampled_from(DAYS))
    def schedule_matches(self, day: date) -> None:
        """day_schedule lists the model's active bookings, and free gaps complement them."""
        days = services.day_schedule(self.uow(), POLICY, day=day)
        listed = {r.id for d in days for r in d.reservations}
        expected = {b.id for b in self.model.values() if b.active and b.start.date() == day}
        assert {i for i in listed if self.model[i].room in ROOMS} == expected
        assert set(ROOMS) <= {room_day.room.id for room_day in days}
        for room_day in days:
            busy = sum((r.end - r.start for r in room_day.reservations), timedelta())
            free = sum((g.end - g.start for g in room_day.free), timedelta())
            assert busy + free == timedelta(hours=15)  # 07:00-22:00, nothing crosses it here

    @invariant()
    def database_equals_model(self) -> None:
        query = select(
            ReservationRow.id, ReservationRow.room_id, ReservationRow.start_at,
            ReservationRow.end_at, ReservationRow.owner_id,
        ).where(ReservationRow.active)  # fmt: skip
        with self.engine.connect() as connection:
            stored = {tuple(r) for r in connection.execute(query)}
        active = {(b.id, b.room, b.start, b.end, b.owner) for b in self.model.values() if b.active}
        assert stored == active


@pytest.fixture
def calendar_engine(db_url: str) -> Iterator[Engine]:
    """An engine on the parametrised database (the rooms are loaded; each run empties reservations)."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def test_services_behave_like_the_model(calendar_engine: Engine) -> None:
    """Interleaved create / cancel / create-again keep the database equal to the model."""
    run_state_machine_as_test(
        lambda: Calendar(calendar_engine), settings=moderate(25, stateful_step_count=25)
    )
