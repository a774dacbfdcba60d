"""Approvals, the waitlist and series on real databases: SQLite and PostgreSQL must agree.

Races run in threads, each with its own connection, released together by a barrier: two
approvers deciding at once, several schedulers expiring requests or offering a freed slot.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.pool import NullPool

from booking import approvals, notices, rules, series, services, waitlist
from booking.clock import JST
from booking.errors import AlreadyDecided, SlotTaken
from booking.model import Reservation, TimeSlot
from booking.policy import Policy
from bot.reminders.rule_jobs import RuleJobs
from storage.engine import make_engine, make_session_factory
from storage.models import ReservationRow, RoomRow
from storage.rules_models import ApprovalDecisionRow, NoticeRow, WaitlistRow
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import NOW

POLICY = Policy()
BOSS, DEPUTY = "slack:UBOSS", "slack:UDEPUTY"
MON = date(2025, 9, 29)
DAY, HOLD = timedelta(hours=24), timedelta(minutes=10)
SCHEDULERS = 4


def jst(hour: int, minute: int = 0, day: date = MON) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    """The parametrised database with room 5 (応接室) needing BOSS's or DEPUTY's approval.

    NullPool: every unit of work (every racing thread) gets a connection of its own.
    """
    engine = make_engine(db_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(
            update(RoomRow).where(RoomRow.id == "5").values(approvers=[BOSS, DEPUTY])
        )
    yield engine
    engine.dispose()


def uow_of(engine: Engine) -> Callable[[], SqlAlchemyUnitOfWork]:
    """A unit-of-work factory on the engine."""
    factory = make_session_factory(engine)
    return lambda: SqlAlchemyUnitOfWork(factory)


def book(engine: Engine, room: str = "1", start: int = 14, owner: str = "slack:U1",
         now: datetime = NOW, minutes: int = 60) -> Reservation:  # fmt: skip
    return services.create_reservation(
        uow_of(engine)(), POLICY, room=room, start=jst(start),
        end=jst(start) + timedelta(minutes=minutes), owner_id=owner, now=now,
    )  # fmt: skip


def count(engine: Engine, query: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run the workers in threads released together; their results (or exceptions)."""
    barrier = threading.Barrier(len(workers))
    out: list[Any] = [None] * len(workers)

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = workers[i]()
        except Exception as error:  # handed to the test, which asserts on it
            out[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racing thread hung"
    return out


# ---- the guards -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "held"])
def test_the_database_refuses_an_overlap_with_a_pending_or_held_slot(
    db: Engine, status: str
) -> None:
    """The constraint (PostgreSQL) and the triggers (SQLite) cover every slot-holding status."""
    first = Reservation("1", "slack:U1", TimeSlot(jst(14), jst(15)), created_at=NOW, status=status)
    with uow_of(db)() as uow:
        uow.reservations.add(first)
        uow.commit()
    for other in ("active", "pending", "held"):
        sneaky = Reservation("1", "slack:U2", TimeSlot(jst(14, 30), jst(15, 30)),
                             created_at=NOW, status=other)  # fmt: skip
        with uow_of(db)() as uow, pytest.raises(SlotTaken):
            uow.reservations.add(sneaky)
    for settled in ("cancelled", "rejected", "expired"):  # these hold nothing
        with uow_of(db)() as uow:
            uow.reservations.add(Reservation("1", "slack:U3", TimeSlot(jst(14), jst(15)),
                                             created_at=NOW, active=False, status=settled))  # fmt: skip
            uow.commit()
    assert count(db, select(func.count()).select_from(ReservationRow)) == 4


def test_a_writer_that_only_knows_active_still_frees_the_slot(db: Engine) -> None:
    """Code that cancels with `active = false` alone (status left 'active') frees the slot."""
    made = book(db)
    with db.begin() as connection:
        connection.execute(text("UPDATE reservations SET active = false WHERE id = :id"),
                           {"id": made.id})  # fmt: skip
    again = book(db, owner="slack:U2")
    assert again.status == "active"
    with uow_of(db)() as uow:
        old = uow.reservations.get(made.id or 0)
    assert old is not None and old.status == "cancelled" and not old.holds_slot


def test_pending_slots_show_in_the_schedule_and_upcoming(db: Engine) -> None:
    pending = book(db, room="5")
    day = services.day_schedule(uow_of(db)(), POLICY, day=MON, room="5")[0]
    assert [(r.id, r.status) for r in day.reservations] == [(pending.id, "pending")]
    mine = services.upcoming_for_user(uow_of(db)(), owner_id="slack:U1", now=NOW)
    assert [r.status for r in mine] == ["pending"]
    free = services.find_free_rooms(uow_of(db)(), POLICY, start=jst(14), end=jst(15), now=NOW)
    assert "5" not in {r.id for r in free}


# ---- approvals ------------------------------------------------------------------------------


def test_two_approvers_press_at_once_and_exactly_one_decision_counts(db: Engine) -> None:
    for start in (9, 11, 13, 15, 17):  # five requests, each decided by a race
        made = book(db, room="5", start=start)
        rid = made.id or 0
        outcomes = race([
            lambda rid=rid: approvals.decide(uow_of(db)(), reservation_id=rid, approver=BOSS,
                                             approve=True, now=NOW),
            lambda rid=rid: approvals.decide(uow_of(db)(), reservation_id=rid, approver=DEPUTY,
                                             approve=False, now=NOW),
        ])  # fmt: skip
        won = [o for o in outcomes if isinstance(o, tuple)]
        lost = [o for o in outcomes if isinstance(o, AlreadyDecided)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        decided, decision = won[0]
        assert lost[0].decided_by == decision.decided_by and lost[0].outcome == decision.outcome
        with uow_of(db)() as uow:
            stored = uow.reservations.get(rid)
        assert stored is not None and stored.status == decided.status
        assert stored.status == ("active" if decision.decided_by == BOSS else "rejected")
        told = select(NoticeRow.kind, NoticeRow.recipient).where(
            NoticeRow.reservation_id == rid, NoticeRow.kind != rules.REQUEST
        )
        with db.connect() as connection:
            sent = sorted(tuple(r) for r in connection.execute(told))
        loser = DEPUTY if decision.decided_by == BOSS else BOSS
        assert sent == [(rules.DECIDED, loser), (rules.RESULT, "slack:U1")]
    assert count(db, select(func.count()).select_from(ApprovalDecisionRow)) == 5


def test_expiry_happens_exactly_once_with_several_schedulers(db: Engine) -> None:
    made = [book(db, room="5", start=h, now=NOW) for h in (9, 11, 13, 15, 17, 19)]
    jobs = [RuleJobs(uow_of(db), {}, DAY, HOLD) for _ in range(SCHEDULERS)]
    expired = race([lambda j=j: j.expire_approvals(NOW + DAY) for j in jobs])
    assert sum(expired) == len(made), expired
    assert count(db, select(func.count()).select_from(ApprovalDecisionRow)) == len(made)
    results = select(func.count()).where(NoticeRow.kind == rules.RESULT)
    assert count(db, results) == len(made)
    with uow_of(db)() as uow:
        assert {uow.reservations.get(r.id or 0).status for r in made} == {"expired"}  # type: ignore[union-attr]


# ---- the waitlist ---------------------------------------------------------------------------


def held_rows(engine: Engine) -> list[tuple[str, str]]:
    query = select(ReservationRow.owner_id, ReservationRow.status).where(
        ReservationRow.status == "held"
    )
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(query)]  # type: ignore[misc]


def test_two_waiters_and_a_release_several_schedulers_offer_once_in_order(db: Engine) -> None:
    taken = book(db)
    for n, who in enumerate(("slack:U2", "slack:U3")):
        waitlist.join_waitlist(uow_of(db)(), POLICY, room="1", start=jst(14), end=jst(15),
                               owner_id=who, now=NOW + timedelta(minutes=n))  # fmt: skip
    services.cancel_reservation(uow_of(db)(), reservation_id=taken.id or 0,
                                actor_id="slack:U1", now=NOW)  # fmt: skip
    jobs = [RuleJobs(uow_of(db), {}, DAY, HOLD) for _ in range(SCHEDULERS)]
    offered = race([lambda j=j: j.offer_waitlist(NOW) for j in jobs])
    assert sum(offered) == 1, offered
    assert held_rows(db) == [("slack:U2", "held")]
    offers = select(func.count()).where(NoticeRow.kind == rules.OFFER)
    assert count(db, offers) == 1

    offered = race([lambda j=j: j.offer_waitlist(NOW + HOLD) for j in jobs])  # U2 let it lapse
    assert sum(offered) == 1 and held_rows(db) == [("slack:U3", "held")]
    assert count(db, offers) == 2
    with db.connect() as connection:
        states = dict(connection.execute(select(WaitlistRow.owner_id, WaitlistRow.status)).all())
    assert states == {"slack:U2": rules.LAPSED, "slack:U3": rules.OFFERED}
    with pytest.raises(SlotTaken):
        book(db, owner="slack:U9")  # the held slot is nobody else's


def test_an_offer_never_goes_out_for_a_slot_booked_again(db: Engine) -> None:
    taken = book(db)
    waitlist.join_waitlist(uow_of(db)(), POLICY, room="1", start=jst(14), end=jst(15),
                           owner_id="slack:U2", now=NOW)  # fmt: skip
    services.cancel_reservation(uow_of(db)(), reservation_id=taken.id or 0,
                                actor_id="slack:U1", now=NOW)  # fmt: skip
    book(db, owner="slack:U4", start=14, minutes=30)  # someone grabbed part of it first
    assert RuleJobs(uow_of(db), {}, DAY, HOLD).offer_waitlist(NOW) == 0
    assert held_rows(db) == []


# ---- series ---------------------------------------------------------------------------------


def test_a_series_on_the_database(db: Engine) -> None:
    book(db, start=10, owner="slack:U2", now=NOW)  # takes the first Monday
    made = series.book_series(uow_of(db)(), POLICY, room="1", start=jst(10), end=jst(11),
                              owner_id="slack:U1", now=NOW, repeat="weekly", count=3)  # fmt: skip
    assert made.series is not None and [r.occurrence for r in made.booked] == [1, 2]
    sid = made.series.id or 0
    found, dates = series.get_series(uow_of(db)(), series_id=sid)
    assert found.repeat == "weekly" and [r.id for r in dates] == [r.id for r in made.booked]
    done = series.cancel_series(uow_of(db)(), POLICY, series_id=sid, actor_id="slack:U1",
                                now=NOW, scope="following", day=date(2025, 10, 6))  # fmt: skip
    assert len(done) == 2
    rows = select(func.count()).where(ReservationRow.series_id == sid, ReservationRow.active)
    assert count(db, rows) == 0


def test_old_delivered_notices_are_forgotten_but_not_those_of_pending_bookings(db: Engine) -> None:
    decided = book(db, room="5", start=10)
    waiting = book(db, room="5", start=14)
    assert decided.id is not None and waiting.id is not None
    approvals.decide(uow_of(db)(), reservation_id=decided.id, approver=BOSS, approve=True, now=NOW)
    send = lambda notice, r: ("sent", "C1|1.0")  # noqa: E731
    while notices.deliver_next(uow_of(db)(), now=NOW, send=send) is not None:
        pass
    everything = select(func.count()).select_from(NoticeRow)
    before = count(db, everything)  # requests to both approvers for both, the outcome, the update
    assert before == 6
    assert notices.prune(uow_of(db)(), NOW + timedelta(days=29)) == 0
    assert notices.prune(uow_of(db)(), NOW + timedelta(days=31)) == 4
    assert notices.prune(uow_of(db)(), NOW + timedelta(days=31, hours=1)) == 0  # once a day
    left = select(NoticeRow.reservation_id).distinct()
    with db.connect() as connection:
        assert list(connection.scalars(left)) == [waiting.id]  # still pending: kept
    queued = RuleJobs(uow_of(db), {}, DAY, HOLD)
    assert "notices_prune" in dict(queued.table())
