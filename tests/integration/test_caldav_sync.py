"""Two-way sync with each room's calendar on a real Radicale server (started by `make test`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import select

from booking import services
from booking.calendar import reservation_uid
from storage.engine import make_engine
from storage.models import CalendarOutboxRow
from tests.conftest import reset, sqlite_url
from tests.integration.calendar_support import NOW, Sync, jst, make_sync


@pytest.fixture
def sync(pg_url: str) -> Iterator[Sync]:
    """The sync against the session's Radicale, on PostgreSQL (where claims skip locked rows)."""
    engine = make_engine(pg_url)
    reset(engine)
    engine.dispose()
    built = make_sync(pg_url)
    yield built
    built.container.engine.dispose()


def test_push_and_pull_on_sqlite_too(tmp_path: Path) -> None:
    """The embedded default database runs the same outbox and links."""
    url = sqlite_url(tmp_path)
    engine = make_engine(url)
    reset(engine)
    engine.dispose()
    sqlite = make_sync(url)
    try:
        rid = book(sqlite, "1", "10:00", "11:00", "SQLite の会議")
        sqlite.put_external("2", "ext-sqlite", jst("10:00"), jst("11:00"), "外部の会議")
        assert sqlite.pusher.drain(NOW) == 1 and sqlite.puller.pull(NOW)["booked"] == 1
        assert list(sqlite.events("1")) == [reservation_uid(rid)]
    finally:
        sqlite.container.engine.dispose()


def book(
    sync: Sync, room: str, start: str, end: str, title: str = "", owner: str = "slack:U1"
) -> int:
    """Book through the desk (as every surface does); the reservation id."""
    made = sync.container.desk.book(owner, room, jst(start), jst(end), title, "slack")
    assert made.id is not None
    return made.id


def pending(sync: Sync) -> int:
    """Outbox entries not delivered yet."""
    with sync.container.uow() as uow:
        return uow.outbox.pending()


def test_create_change_cancel_reach_the_room_calendar_once_each(sync: Sync) -> None:
    rid = book(sync, "1", "10:00", "11:00", "定例会議, 第2回; 企画")
    assert pending(sync) == 1
    assert sync.pusher.drain(NOW) == 1
    [event] = sync.events("1").values()
    assert str(event["SUMMARY"]) == "定例会議, 第2回; 企画"  # Japanese, commas and semicolons
    assert (
        event["DTSTART"].dt == jst("10:00") and str(event["DTSTART"].params["TZID"]) == "Asia/Tokyo"
    )
    assert str(event["UID"]) == reservation_uid(rid) and int(event["SEQUENCE"]) == 0

    services.change_reservation(sync.container.uow(), sync.container.policy, reservation_id=rid,
                                actor_id="slack:U1", now=NOW, start=jst("13:00"), end=jst("14:00"))  # fmt: skip
    sync.container.desk.cancel("slack:U1", rid)
    assert pending(sync) == 2
    assert sync.pusher.drain(NOW) == 1  # both changes coalesce into one write of the last state
    [event] = sync.events("1").values()
    assert event["DTSTART"].dt == jst("13:00")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
    assert pending(sync) == 0 and sync.pusher.drain(NOW) == 0


def test_a_move_to_another_room_leaves_the_old_calendar(sync: Sync) -> None:
    rid = book(sync, "1", "10:00", "11:00", "移動する会議")
    sync.pusher.drain(NOW)
    services.change_reservation(sync.container.uow(), sync.container.policy, reservation_id=rid,
                                actor_id="slack:U1", now=NOW, room="2")  # fmt: skip
    assert sync.pusher.drain(NOW) == 2
    assert sync.events("1") == {}
    assert list(sync.events("2")) == [reservation_uid(rid)]


def test_an_external_event_becomes_a_reservation_of_its_organizer(sync: Sync) -> None:
    sync.put_external("3", "ext-1", jst("15:00"), jst("16:00"), "顧客との打ち合わせ")
    outcomes = sync.puller.pull(NOW)
    assert outcomes["booked"] == 1
    [made] = sync.container.desk.schedule("3", jst("15:00").date())[0].reservations
    assert made.source == "calendar" and made.owner_id == "calendar:hanako@example.com"
    assert made.title == "顧客との打ち合わせ" and (made.start, made.end) == (
        jst("15:00"),
        jst("16:00"),
    )
    assert sync.puller.pull(NOW) == {}  # incremental: nothing changed since the sync token


def test_a_clash_is_declined_in_the_calendar_with_the_reason(sync: Sync) -> None:
    rid = book(sync, "1", "10:00", "11:00", "先約")
    sync.pusher.drain(NOW)
    sync.put_external("1", "ext-clash", jst("10:30"), jst("11:30"), "後から来た予定")
    assert sync.puller.pull(NOW)["declined"] == 1
    assert sync.pusher.drain(NOW) == 1  # the decline is written through the outbox
    declined = sync.events("1")["ext-clash"]
    assert str(declined["STATUS"]) == "CANCELLED"
    assert "すでに予約されています" in str(declined["DESCRIPTION"])
    assert "already booked" in str(declined["DESCRIPTION"])
    assert str(declined["SUMMARY"]).endswith("後から来た予定")
    [kept] = sync.container.desk.schedule("1", jst("10:00").date())[0].reservations
    assert kept.id == rid
    assert sync.puller.pull(NOW).get("declined", 0) == 0  # our own decline is not news


def test_moving_or_deleting_an_external_event_moves_or_frees_its_slot(sync: Sync) -> None:
    href = sync.put_external("2", "ext-move", jst("10:00"), jst("11:00"), "動く予定")
    sync.puller.pull(NOW)
    sync.put_external("2", "ext-move", jst("17:00"), jst("18:00"), "動く予定")
    assert sync.puller.pull(NOW)["moved"] == 1
    [moved] = sync.container.desk.schedule("2", jst("10:00").date())[0].reservations
    assert (moved.start, moved.end) == (jst("17:00"), jst("18:00"))
    sync.delete_external("2", href)
    assert sync.puller.pull(NOW)["cancelled"] == 1
    assert sync.container.desk.schedule("2", jst("10:00").date())[0].reservations == []


def test_a_declined_event_moved_to_a_free_slot_is_accepted(sync: Sync) -> None:
    book(sync, "4", "10:00", "11:00")
    sync.put_external("4", "ext-retry", jst("10:00"), jst("11:00"), "再調整")
    sync.puller.pull(NOW)
    sync.pusher.drain(NOW)
    assert "X-ROOMBOT-DECLINED" in sync.events("4")["ext-retry"]
    start, end = jst("12:00"), jst("13:00")
    # the organizer edits only the time: the decline marks stay, as in a calendar app
    sync.put_raw("4", "ext-retry.ics", _with_marks(sync, "4", start, end))
    assert sync.puller.pull(NOW)["booked"] == 1
    sync.pusher.drain(NOW)
    accepted = sync.events("4")["ext-retry"]
    assert str(accepted["STATUS"]) == "CONFIRMED" and str(accepted["SUMMARY"]) == "再調整"
    assert "X-ROOMBOT-DECLINED" not in accepted


def _with_marks(sync: Sync, room: str, start: object, end: object) -> str:
    """The declined object as stored, with new times."""
    obj = next(o for o in sync.calendar(room).search() if "ext-retry" in o.data)  # type: ignore[union-attr]
    cal = icalendar.Calendar.from_ical(obj.data)
    event = next(iter(cal.walk("VEVENT")))
    for name, value in (("DTSTART", start), ("DTEND", end)):
        event.pop(name)
        event.add(name, value)
    return str(cal.to_ical().decode())


def test_the_bots_events_edited_in_the_calendar_are_put_back(sync: Sync) -> None:
    rid = book(sync, "5", "10:00", "11:00", "戻るべき予定")
    sync.pusher.drain(NOW)
    sync.puller.pull(NOW)  # the first pull sees our own event: nothing to do
    uid = reservation_uid(rid)
    edited = sync.events("5")[uid]
    data = str(_calendar_of(edited).to_ical().decode()).replace(
        "T100000", "T190000").replace("T110000", "T200000")  # fmt: skip
    sync.put_raw("5", f"roombot-{rid}.ics", data)  # someone drags it to the evening
    assert sync.puller.pull(NOW)["restored"] == 1
    sync.pusher.drain(NOW)
    assert sync.events("5")[uid]["DTSTART"].dt == jst("10:00")
    sync.delete_external("5", f"roombot-{rid}.ics")  # and then deletes it
    assert sync.puller.pull(NOW)["restored"] == 1
    sync.pusher.drain(NOW)
    assert sync.events("5")[uid]["DTSTART"].dt == jst("10:00")


def _calendar_of(event: icalendar.Event) -> icalendar.Calendar:
    """A VCALENDAR holding one event (and its zone)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Test//EN")
    cal.add("version", "2.0")
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal


def test_pull_by_etags_where_there_is_no_sync_token(pg_url: str) -> None:
    engine = make_engine(pg_url)
    reset(engine)
    engine.dispose()
    sync = make_sync(pg_url, sync_tokens=False)
    try:
        href = sync.put_external("6", "ext-etag", jst("09:00"), jst("09:30"), "ETag で同期")
        assert sync.puller.pull(NOW)["booked"] == 1
        assert sync.puller.pull(NOW) == {}
        sync.delete_external("6", href)
        assert sync.puller.pull(NOW)["cancelled"] == 1
    finally:
        sync.container.engine.dispose()


def test_a_first_pull_queues_reservations_made_before_the_sync_was_on(sync: Sync) -> None:
    rid = book(sync, "2", "09:00", "10:00", "前からある予約")
    with sync.container.engine.begin() as connection:  # as if CalDAV was configured later
        connection.execute(CalendarOutboxRow.__table__.delete())
    assert sync.puller.pull(NOW)["queued"] >= 1
    sync.pusher.drain(NOW)
    assert reservation_uid(rid) in sync.events("2")


def test_a_crash_mid_drain_loses_nothing_and_duplicates_nothing(sync: Sync) -> None:
    ids = [book(sync, "3", f"{h:02d}:00", f"{h:02d}:30", f"会議{h}") for h in range(9, 14)]

    class Crash(BaseException):
        """The process dies (not an error the pusher handles)."""

    sent: list[str] = []
    real_put = sync.calendars.put

    def put_then_die(*args: object) -> None:
        real_put(*args)  # type: ignore[arg-type]
        sent.append("put")
        if len(sent) == 3:
            raise Crash

    sync.calendars.put = put_then_die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        sync.pusher.drain(NOW)
    sync.calendars.put = real_put  # type: ignore[method-assign]
    assert pending(sync) == 3  # the third was written but not marked: its lease holds it
    assert sync.pusher.drain(NOW) == 2  # before the lease expires only the others go
    assert sync.pusher.drain(NOW + timedelta(minutes=10)) == 1  # the restart repeats the write
    assert sorted(sync.events("3")) == sorted(reservation_uid(i) for i in ids)
    with sync.container.engine.connect() as connection:
        undone = connection.execute(
            select(CalendarOutboxRow).where(CalendarOutboxRow.done_at.is_(None))
        )
        assert list(undone) == []
