"""Without CalDAV nothing drains the calendar outbox: a daily job forgets long-ended bookings'."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, select

from booking import outbox, services
from booking.clock import JST
from booking.policy import Policy
from storage.engine import make_session_factory
from storage.models import CalendarOutboxRow
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import NOW


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=JST)


def test_entries_of_bookings_ended_over_a_week_ago_go_once_a_day(engine: Engine) -> None:
    factory = make_session_factory(engine)

    def uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(factory)

    first, later = NOW.date() + timedelta(days=1), NOW.date() + timedelta(days=5)
    old = services.create_reservation(uow(), Policy(), room="1", start=at(first, 10),
                                      end=at(first, 11), owner_id="slack:U1", now=NOW)  # fmt: skip
    services.cancel_reservation(uow(), reservation_id=old.id or 0, actor_id="slack:U1", now=NOW)
    kept = services.create_reservation(uow(), Policy(), room="2", start=at(later, 10),
                                       end=at(later, 11), owner_id="slack:U1", now=NOW)  # fmt: skip

    def entries() -> dict[int, int]:
        query = select(CalendarOutboxRow.reservation_id, func.count()).group_by(
            CalendarOutboxRow.reservation_id
        )
        with engine.connect() as connection:
            return {int(r): int(n) for r, n in connection.execute(query)}

    assert entries() == {old.id: 2, kept.id: 1}
    week = at(first, 10) + timedelta(days=7)
    assert outbox.forget_ended(uow(), week) == 0  # ended less than a week ago: kept
    assert outbox.forget_ended(uow(), week + timedelta(hours=3)) == 0  # that day's run is done
    assert entries() == {old.id: 2, kept.id: 1}
    assert outbox.forget_ended(uow(), week + timedelta(days=1), batch=1) == 2  # a batch each
    assert entries() == {kept.id: 1}  # still to push once CalDAV is set up
