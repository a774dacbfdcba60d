"""Approvals, the waitlist and series interleaved with bookings, on SQLite and real PostgreSQL.

A RuleBasedStateMachine books, sneaks rows past the services, decides, cancels, waits, offers,
takes offers, lets time pass and books series, on a small calendar (two rooms, one needing an
approver, two mornings, half-hour steps) so clashes are frequent. Every refusal must be
justified by a row holding the slot, every success must have found none, and after every step
no two reservations holding a slot (active, pending or held) overlap in a room.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, bindparam, text, update

from booking import approvals, series, services, waitlist
from booking.clock import JST
from booking.errors import (
    AlreadyCancelled,
    AlreadyDecided,
    NotApprover,
    NotOwner,
    OfferLapsed,
    SlotFree,
    SlotTaken,
    SlotYours,
)
from booking.model import Reservation, TimeSlot
from booking.policy import Policy
from storage.engine import make_engine, make_session_factory
from storage.models import RoomRow, UTCDateTime
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import NOW, RULE_TABLES
from tests.property.restated import moderate

POLICY = Policy()
ROOMS = ["1", "5"]  # 5 needs BOSS's approval
BOSS = "slack:UBOSS"
OWNERS = ["slack:U1", "slack:U2", BOSS]
DAYS = [NOW.date() + timedelta(days=d) for d in (1, 2)]
STATUSES = ["active", "pending", "held", "cancelled", "expired"]
HOLD, TIMEOUT = timedelta(minutes=10), timedelta(minutes=45)
HOLDING = "(active OR status IN ('pending', 'held'))"
OVERLAPS = text(
    f"SELECT count(*) FROM reservations WHERE room_id = :room AND {HOLDING}"
    " AND start_at < :end AND end_at > :start AND owner_id <> :owner"
).bindparams(bindparam("start", type_=UTCDateTime), bindparam("end", type_=UTCDateTime))
PAIRS = text(
    "SELECT count(*) FROM reservations a JOIN reservations b"
    " ON a.room_id = b.room_id AND a.id < b.id"
    f" WHERE {HOLDING.replace('active', 'a.active').replace('status', 'a.status')}"
    f" AND {HOLDING.replace('active', 'b.active').replace('status', 'b.status')}"
    " AND a.start_at < b.end_at AND b.start_at < a.end_at"
)
TOLD_APART = text(
    "SELECT count(*) FROM reservations"
    " WHERE (active AND status <> 'active') OR (NOT active AND status = 'active')"
)


def slot(day: date, step: int, halves: int) -> tuple[datetime, datetime]:
    """[09:00 + 30 min * step, + 30 min * halves) on a JST day."""
    start = datetime.combine(day, time(9), JST) + timedelta(minutes=30 * step)
    return start, start + timedelta(minutes=30 * halves)


class Rules(RuleBasedStateMachine):
    """The rules' use cases on a real database; the database itself is the model."""

    reservations = Bundle("reservations")
    pending = Bundle("pending")
    held = Bundle("held")

    def __init__(self, engine: Engine):
        super().__init__()
        with engine.begin() as connection:  # rooms stay; ids keep counting
            for table in (*RULE_TABLES, "reservations", "series"):
                connection.execute(text(f"DELETE FROM {table}"))
        self.engine, self.factory = engine, make_session_factory(engine)
        self.now = NOW

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.factory)

    def holds(self, room: str, start: datetime, end: datetime, other_than: str = "") -> bool:
        """True when some reservation (of someone other than `other_than`) holds part of
        [start, end) in the room."""
        with self.engine.connect() as connection:
            args = {"room": room, "start": start, "end": end, "owner": other_than}
            return bool(connection.execute(OVERLAPS, args).scalar_one())

    @rule(target=reservations, room=st.sampled_from(ROOMS), day=st.sampled_from(DAYS),
          step=st.integers(0, 5), halves=st.integers(1, 3), owner=st.sampled_from(OWNERS))  # fmt: skip
    def book(self, room: str, day: date, step: int, halves: int, owner: str) -> object:
        start, end = slot(day, step, halves)
        clash = self.holds(room, start, end)
        try:
            made = services.create_reservation(self.uow(), POLICY, room=room, start=start,
                                               end=end, owner_id=owner, now=self.now)  # fmt: skip
        except SlotTaken:
            assert clash, f"refused {room} {start:%d %H:%M}-{end:%H:%M} though nothing holds it"
            event("booking refused: slot held")
            return multiple()
        assert not clash, f"booked {room} {start:%d %H:%M}-{end:%H:%M} over a held slot"
        assert made.status == ("pending" if room == "5" and owner != BOSS else "active")
        return made.id

    @rule(target=reservations, room=st.sampled_from(ROOMS), day=st.sampled_from(DAYS),
          step=st.integers(0, 5), halves=st.integers(1, 3), status=st.sampled_from(STATUSES))  # fmt: skip
    def sneak(self, room: str, day: date, step: int, halves: int, status: str) -> object:
        """A row written past the services: only the database's guard stands in the way."""
        start, end = slot(day, step, halves)
        clash = self.holds(room, start, end)
        row = Reservation(room, "slack:U9", TimeSlot(start, end).in_utc(), created_at=self.now,
                          active=status == "active", status=status)  # fmt: skip
        try:
            with self.uow() as uow:
                made = uow.reservations.add(row)
                uow.commit()
        except SlotTaken:
            assert clash and row.holds_slot, f"guard refused a {status} row wrongly"
            event(f"guard refused a {status} row")
            return multiple()
        assert not (clash and row.holds_slot), f"guard let a {status} row overlap"
        return made.id

    @rule(target=pending, day=st.sampled_from(DAYS), step=st.integers(0, 5),
          halves=st.integers(1, 3), owner=st.sampled_from(OWNERS[:2]))  # fmt: skip
    def request(self, day: date, step: int, halves: int, owner: str) -> object:
        """A booking of the room that needs BOSS's approval."""
        return self.book("5", day, step, halves, owner)

    @rule(booked=st.one_of(pending, reservations),
          approver=st.sampled_from([BOSS, BOSS, "slack:U1"]),
          approve=st.booleans())  # fmt: skip
    def decide(self, booked: int, approver: str, approve: bool) -> None:
        try:
            approvals.decide(self.uow(), reservation_id=booked, approver=approver,
                             approve=approve, now=self.now)  # fmt: skip
        except (NotApprover, AlreadyDecided) as refused:
            event(f"decide refused: {refused.code}")
            return
        event("decided")

    def stored(self, reservation_id: int) -> Reservation:
        with self.uow() as uow:
            found = uow.reservations.get(reservation_id)
        assert found is not None
        return found

    @rule(booked=reservations, as_owner=st.booleans())
    def cancel(self, booked: int, as_owner: bool) -> None:
        actor = self.stored(booked).owner_id if as_owner else "slack:U2"
        with contextlib.suppress(NotOwner, AlreadyCancelled):
            services.cancel_reservation(self.uow(), reservation_id=booked, actor_id=actor,
                                        now=self.now)  # fmt: skip
            event("cancelled")

    @rule(booked=reservations, owner=st.sampled_from(OWNERS))
    def wait_for(self, booked: int, owner: str) -> None:
        """Wait for exactly the slot of an earlier booking (taken unless it was freed)."""
        r = self.stored(booked)
        clash = self.holds(r.room_id, r.start, r.end)
        try:
            waitlist.join_waitlist(self.uow(), POLICY, room=r.room_id, start=r.start, end=r.end,
                                   owner_id=owner, now=self.now)  # fmt: skip
        except SlotFree:
            assert not clash
            return
        except SlotYours:  # nothing to wait for: only the waiter holds it
            assert clash and not self.holds(r.room_id, r.start, r.end, other_than=owner)
            return
        assert clash
        event("waiting")

    @rule(target=held, booked=st.one_of(reservations, pending),
          waiter=st.sampled_from(["", *OWNERS]))  # fmt: skip
    def release(self, booked: int, waiter: str) -> object:
        """Someone (maybe) waits for a booking's slot; its owner cancels; the room's waitlist
        gets its turn."""
        if waiter:
            self.wait_for(booked, waiter)
        r = self.stored(booked)
        with contextlib.suppress(AlreadyCancelled):
            services.cancel_reservation(self.uow(), reservation_id=booked, actor_id=r.owner_id,
                                        now=self.now)  # fmt: skip
        return multiple(*self.offer(r.room_id))

    def offer(self, room: str) -> list[int]:
        """The room's waitlist gets its turn (as a scheduler poll would give it)."""
        made = waitlist.offer_freed(self.uow(), room_id=room, now=self.now, hold=HOLD)
        assert all(r.status == "held" for r in made)
        event(f"offered {len(made)}")
        return [r.id or 0 for r in made]

    @rule(offered=held, as_owner=st.booleans())
    def take(self, offered: int, as_owner: bool) -> None:
        actor = self.stored(offered).owner_id if as_owner else "slack:U9"
        try:
            taken = waitlist.take_offer(self.uow(), reservation_id=offered, actor_id=actor,
                                        now=self.now)  # fmt: skip
        except (NotOwner, OfferLapsed) as refused:
            event(f"take refused: {refused.code}")
            return
        assert taken.status in ("active", "pending")
        event(f"offer taken: {taken.status}")

    @rule(target=held, minutes=st.integers(1, 30))
    def time_passes(self, minutes: int) -> object:
        """A scheduler poll later: undecided requests expire, waitlists get their turn."""
        self.now += timedelta(minutes=minutes)
        while approvals.expire_next(self.uow(), now=self.now, timeout=TIMEOUT) is not None:
            event("expired")
        return multiple(*(i for room in ROOMS for i in self.offer(room)))

    @rule(target=reservations, room=st.sampled_from(ROOMS), day=st.sampled_from(DAYS),
          step=st.integers(0, 5), repeat=st.sampled_from(["daily", "weekly"]),
          count=st.integers(1, 3), owner=st.sampled_from(OWNERS))  # fmt: skip
    def book_series(self, room: str, day: date, step: int, repeat: str, count: int,
                    owner: str) -> object:  # fmt: skip
        start, end = slot(day, step, 2)
        made = series.book_series(self.uow(), POLICY, room=room, start=start, end=end,
                                  owner_id=owner, now=self.now, repeat=repeat,  # type: ignore[arg-type]
                                  count=count)  # fmt: skip
        assert len(made.booked) + len(made.clashes) == count
        for _, error in made.clashes:
            assert isinstance(error, SlotTaken)
        return multiple(*(r.id for r in made.booked))

    @invariant()
    def no_two_holding_reservations_overlap(self) -> None:
        with self.engine.connect() as connection:
            assert connection.execute(PAIRS).scalar_one() == 0
            assert connection.execute(TOLD_APART).scalar_one() == 0


@pytest.fixture
def rules_engine(db_url: str) -> Iterator[Engine]:
    """The parametrised database with room 5 needing BOSS's approval."""
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(update(RoomRow).where(RoomRow.id == "5").values(approvers=[BOSS]))
    yield engine
    engine.dispose()


def test_no_two_slot_holders_ever_overlap(rules_engine: Engine) -> None:
    """Interleaved rules keep every refusal justified and every held slot to one reservation."""
    run_state_machine_as_test(
        lambda: Rules(rules_engine), settings=moderate(30, stateful_step_count=30)
    )
