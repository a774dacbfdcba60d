"""The calendar outbox: written with every change in its transaction, drained once per change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking import outbox, services
from booking.calendar import CalendarLink, reservation_href, reservation_uid
from booking.errors import SlotTaken
from tests.unit.fake_uow import FakeUnitOfWork
from tests.unit.test_services import NOW, POLICY, ROOMS, book, jst


def entries(uow: FakeUnitOfWork) -> list[tuple[str, int | None]]:
    """(room, reservation) of every undelivered entry."""
    return [(e.room_id, e.reservation_id) for e in uow.fake_outbox.rows.values() if not e.done_at]


def test_create_change_cancel_each_record_an_entry_in_their_transaction() -> None:
    uow = FakeUnitOfWork(ROOMS)
    made = book(uow)
    assert entries(uow) == [("1", made.id)]
    services.change_reservation(uow, POLICY, reservation_id=1, actor_id="U1", now=NOW, end=jst(16))
    services.cancel_reservation(uow, reservation_id=1, actor_id="U1", now=NOW)
    assert entries(uow) == [("1", 1)] * 3


def test_a_refused_booking_leaves_no_entry() -> None:
    uow = FakeUnitOfWork(ROOMS)
    book(uow)
    with pytest.raises(SlotTaken):
        book(uow, start=14, end=16, owner="U2")
    assert len(entries(uow)) == 1


def test_a_move_to_another_room_touches_both_calendars_and_check_in_neither() -> None:
    uow = FakeUnitOfWork(ROOMS)
    book(uow)
    services.change_reservation(uow, POLICY, reservation_id=1, actor_id="U1", now=NOW, room="2")
    services.check_in(uow, reservation_id=1, actor_id="U1", now=NOW)
    assert entries(uow) == [("1", 1), ("1", 1), ("2", 1)]


def test_changes_bump_the_sequence_and_the_last_modified() -> None:
    uow = FakeUnitOfWork(ROOMS)
    book(uow)
    later = NOW + timedelta(minutes=5)
    moved = services.change_reservation(uow, POLICY, reservation_id=1, actor_id="U1", now=later,
                                        start=jst(15), end=jst(16))  # fmt: skip
    assert (moved.sequence, moved.updated_at) == (1, later)
    gone = services.cancel_reservation(uow, reservation_id=1, actor_id="U1", now=later)
    assert (gone.sequence, gone.updated_at) == (2, later)


def test_pending_entries_of_one_reservation_coalesce_into_its_last_state() -> None:
    uow = FakeUnitOfWork(ROOMS)
    book(uow)
    book(uow, room="3")
    services.change_reservation(uow, POLICY, reservation_id=1, actor_id="U1", now=NOW, end=jst(16))
    services.cancel_reservation(uow, reservation_id=1, actor_id="U1", now=NOW)
    task = outbox.claim_next(uow, NOW)
    assert task is not None and task.action == "put" and len(task.entry_ids) == 3
    assert task.event is not None and task.event.cancelled and task.event.sequence == 2
    assert task.event.end == jst(16) and task.href == reservation_href(1)
    outbox.finish(uow, task, NOW)
    other = outbox.claim_next(uow, NOW)
    assert other is not None and other.room.id == "3" and len(other.entry_ids) == 1
    assert outbox.claim_next(uow, NOW) is None  # leased
    assert outbox.claim_next(uow, NOW + outbox.LEASE) is not None  # a crashed drainer's lease ends


def test_the_old_room_gets_a_remove_and_a_failure_waits_its_back_off() -> None:
    uow = FakeUnitOfWork(ROOMS)
    book(uow)
    outbox.finish(uow, outbox.claim_next(uow, NOW), NOW)  # type: ignore[arg-type]
    services.change_reservation(uow, POLICY, reservation_id=1, actor_id="U1", now=NOW, room="2")
    old = outbox.claim_next(uow, NOW)
    assert old is not None and (old.room.id, old.action) == ("1", "remove")
    retry_at = outbox.fail(uow, old, NOW, "down")
    assert retry_at == NOW + timedelta(seconds=30)
    new = outbox.claim_next(uow, NOW)
    assert new is not None and (new.room.id, new.action) == ("2", "put")
    assert outbox.claim_next(uow, retry_at - timedelta(seconds=1)) is None
    again = outbox.claim_next(uow, retry_at)
    assert again is not None and again.attempts == 1
    assert outbox.fail(uow, again, retry_at, "down") == retry_at + timedelta(seconds=60)


def test_back_off_doubles_up_to_an_hour() -> None:
    waits = [outbox.backoff(n) for n in (1, 2, 3, 4, 8, 100)]
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert waits[4:] == [timedelta(hours=1)] * 2


def test_a_calendar_reservation_is_written_back_to_the_organizers_event() -> None:
    uow = FakeUnitOfWork(ROOMS)
    made = book(uow, owner="calendar:hanako@example.com")
    uow.fake_links.save(CalendarLink("1", "abc.ics", "abc-uid", made.id, "booked"))
    task = outbox.claim_next(uow, NOW)
    assert task is not None and task.foreign and task.href == "abc.ics"
    assert task.event is not None and task.event.uid == "abc-uid"
    assert task.event.organizer == "mailto:hanako@example.com"
    assert reservation_uid(1) != task.event.uid
