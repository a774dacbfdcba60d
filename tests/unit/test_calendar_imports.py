"""What a pulled calendar event does to reservations (in-memory unit of work)."""

from __future__ import annotations

from dataclasses import replace

from booking import imports
from booking.calendar import ExternalEvent
from tests.unit.fake_uow import FakeUnitOfWork
from tests.unit.test_services import NOW, POLICY, ROOMS, book, jst

ROOM = ROOMS[0]
EVENT = ExternalEvent("e1.ics", "e1", jst(10), jst(11), "顧客訪問", "Hanako@Example.com")


def settle(uow: FakeUnitOfWork, event: ExternalEvent = EVENT) -> str:
    """Pull one event into room 1."""
    return imports.import_event(uow, POLICY, ROOM, event, NOW)


def active(uow: FakeUnitOfWork) -> list[tuple[str, object, object, str]]:
    """(owner, start, end, source) of the active reservations."""
    rows = uow.fake_reservations.rows.values()
    return [(r.owner_id, r.start, r.end, r.source) for r in rows if r.active]


def declines(uow: FakeUnitOfWork) -> list[str]:
    """The reasons of queued declines."""
    return [e.reason for e in uow.fake_outbox.rows.values() if e.reservation_id is None]


def test_a_new_event_books_for_its_organizer_without_echoing_it_back() -> None:
    uow = FakeUnitOfWork(ROOMS)
    assert settle(uow) == "booked"
    assert active(uow) == [("calendar:hanako@example.com", jst(10), jst(11), "calendar")]
    assert uow.fake_reservations.rows[1].title == "顧客訪問"
    assert uow.fake_outbox.rows == {}  # the calendar already shows it
    assert settle(uow) == "unchanged"


def test_a_clash_is_declined_with_the_reason_in_both_languages() -> None:
    uow = FakeUnitOfWork(ROOMS)
    book(uow, start=10, end=12)
    before = len(uow.fake_outbox.rows)
    assert settle(uow) == "declined"
    [reason] = declines(uow)
    assert "すでに予約されています" in reason and "already booked" in reason
    assert len(uow.fake_outbox.rows) == before + 1 and len(active(uow)) == 1
    assert settle(uow, replace(EVENT, cancelled=True, declined_by_bot=True)) == "unchanged"


def test_rules_apply_to_calendar_events_too() -> None:
    uow = FakeUnitOfWork(ROOMS)
    late = replace(EVENT, start=jst(22), end=jst(23))
    assert settle(uow, late) == "declined"
    assert "22:00" in declines(uow)[0] or "営業" in declines(uow)[0] or "hours" in declines(uow)[0]
    assert settle(uow, replace(EVENT, href="r.ics", recurring=True)) == "declined"
    assert "繰り返し" in declines(uow)[1]
    assert settle(uow, replace(EVENT, href="d.ics", start=None, end=None)) == "declined"
    assert "終日" in declines(uow)[2]
    assert settle(uow, replace(EVENT, href="p.ics", start=jst(8, day=NOW.date()),
                               end=jst(9, day=NOW.date()))) == "past"  # fmt: skip
    under_way = replace(
        EVENT, href="u.ics", start=jst(9, day=NOW.date()), end=jst(11, day=NOW.date())
    )
    assert settle(uow, under_way) == "past"  # not declined: it began before the bot saw it
    assert active(uow) == []


def test_moving_cancelling_and_deleting_the_event() -> None:
    uow = FakeUnitOfWork(ROOMS)
    settle(uow)
    assert settle(uow, replace(EVENT, start=jst(15), end=jst(16))) == "moved"
    assert active(uow)[0][1:3] == (jst(15), jst(16))
    assert settle(uow, replace(EVENT, start=jst(15), end=jst(16), cancelled=True)) == "cancelled"
    assert active(uow) == []
    settle(uow, replace(EVENT, href="e2.ics", uid="e2"))
    assert imports.event_deleted(uow, ROOM, "e2.ics", NOW) == "cancelled"
    assert active(uow) == [] and imports.event_deleted(uow, ROOM, "e2.ics", NOW) == "unknown"


def test_a_move_into_a_clash_frees_the_old_slot_and_declines() -> None:
    uow = FakeUnitOfWork(ROOMS)
    settle(uow)
    book(uow, start=14, end=15, owner="U2")
    assert settle(uow, replace(EVENT, start=jst(14), end=jst(15))) == "declined"
    assert [a[0] for a in active(uow)] == ["U2"]


def test_a_declined_event_moved_to_a_free_slot_is_booked_and_accepted() -> None:
    uow = FakeUnitOfWork(ROOMS)
    book(uow, start=10, end=11, owner="U2")
    settle(uow)
    marked = replace(EVENT, cancelled=True, declined_by_bot=True)
    assert settle(uow, replace(marked, start=jst(12), end=jst(13))) == "booked"
    accepted = [e for e in uow.fake_outbox.rows.values() if e.reservation_id == 2]
    assert len(accepted) == 1  # the pusher puts STATUS:CONFIRMED back on the organizer's event


def test_the_bots_own_events_are_compared_with_their_reservation() -> None:
    uow = FakeUnitOfWork(ROOMS)
    made = book(uow, start=10, end=11)
    assert made.id is not None
    shown = ExternalEvent("roombot-1.ics", "roombot-1@roombot", jst(10), jst(11))
    queued = len(uow.fake_outbox.rows)
    assert imports.reconcile_own(uow, ROOM, made.id, shown, NOW) == "unchanged"
    dragged = replace(shown, start=jst(18), end=jst(19))
    assert imports.reconcile_own(uow, ROOM, made.id, dragged, NOW) == "restored"
    assert imports.reconcile_own(uow, ROOM, made.id, None, NOW) == "restored"
    assert len(uow.fake_outbox.rows) == queued + 2
    assert imports.reconcile_own(uow, ROOM, 99, shown, NOW) == "unchanged"
