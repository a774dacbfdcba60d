"""Approvals, waitlist holds and series in the iCal feeds and the CalDAV push (real Radicale).

A pending or held booking holds the room, so calendars show it as TENTATIVE until it is decided;
a series is one recurring event in the feeds (RRULE, EXDATE for the dates it does not hold, an
override for a date moved or changed), expanded here with recurring-ical-events as a subscribed
calendar would. The push writes every date as its own event, so each change is one write.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import icalendar
import pytest
import recurring_ical_events
from flask.testing import FlaskClient
from sqlalchemy import update

from booking import approvals, series, services, waitlist
from booking.calendar import reservation_uid, series_uid
from booking.model import Reservation
from bot.web import create_app
from storage.engine import make_engine
from storage.models import RoomRow
from tests.conftest import reset
from tests.integration.calendar_support import DAY, NOW, Sync, jst, make_sync

BOSS = "slack:UBOSS"
WEEK = timedelta(days=7)


@pytest.fixture
def sync(pg_url: str) -> Iterator[Sync]:
    """The sync against the session's Radicale on PostgreSQL; room 5 needs BOSS's approval."""
    engine = make_engine(pg_url)
    reset(engine)
    with engine.begin() as connection:
        connection.execute(update(RoomRow).where(RoomRow.id == "5").values(approvers=[BOSS]))
    engine.dispose()
    built = make_sync(pg_url)
    yield built
    built.container.engine.dispose()


def web(sync: Sync) -> FlaskClient:
    """The Flask app on the sync's container (public room feeds)."""
    return create_app(container=sync.container).test_client()


def feed_events(client: FlaskClient, path: str) -> list[icalendar.Event]:
    """The feed's events over the next five weeks, expanded, in order (cancelled ones hidden,
    as calendar apps hide them)."""
    cal = icalendar.Calendar.from_ical(client.get(path).data)
    found = recurring_ical_events.of(cal).between(NOW, NOW + 5 * WEEK)
    shown = [e for e in found if str(e.get("STATUS")) != "CANCELLED"]
    return sorted(shown, key=lambda e: e["DTSTART"].dt)


def times(events: list[icalendar.Event]) -> list[tuple[datetime, datetime]]:
    """(start, end) of each event."""
    return [(e["DTSTART"].dt, e["DTEND"].dt) for e in events]


def book(sync: Sync, room: str, owner: str = "slack:U1") -> Reservation:
    """A booking on the test day 10:00–11:00 through the desk."""
    return sync.container.desk.book(owner, room, jst("10:00"), jst("11:00"), "審査会", "slack")


def test_a_pending_booking_is_tentative_until_approved(sync: Sync) -> None:
    client = web(sync)
    made = book(sync, "5")
    assert made.status == "pending" and made.id is not None
    first = client.get("/ical/rooms/5.ics")
    [event] = feed_events(client, "/ical/rooms/5.ics")
    assert str(event["STATUS"]) == "TENTATIVE" and "承認待ち" in str(event["DESCRIPTION"])
    assert sync.pusher.drain(NOW) == 1
    [pushed] = sync.events("5").values()
    assert str(pushed["STATUS"]) == "TENTATIVE" and int(pushed["SEQUENCE"]) == 0

    approvals.decide(sync.container.uow(), reservation_id=made.id, approver=BOSS, approve=True,
                     now=NOW)  # fmt: skip
    etag = first.headers["ETag"]
    assert client.get("/ical/rooms/5.ics", headers={"If-None-Match": etag}).status_code == 200
    [event] = feed_events(client, "/ical/rooms/5.ics")
    assert str(event["STATUS"]) == "CONFIRMED" and int(event["SEQUENCE"]) == 1
    assert sync.pusher.drain(NOW) == 1
    [pushed] = sync.events("5").values()
    assert str(pushed["STATUS"]) == "CONFIRMED" and int(pushed["SEQUENCE"]) == 1


def test_a_rejected_or_expired_booking_is_cancelled_in_the_calendar(sync: Sync) -> None:
    rejected = book(sync, "5")
    lapsed = sync.container.desk.book("slack:U2", "5", jst("13:00"), jst("14:00"), "", "slack")
    assert rejected.id is not None and lapsed.id is not None and lapsed.status == "pending"
    approvals.decide(sync.container.uow(), reservation_id=rejected.id, approver=BOSS,
                     approve=False, now=NOW)  # fmt: skip
    later = NOW + timedelta(hours=25)
    expired = approvals.expire_next(sync.container.uow(), now=later, timeout=timedelta(hours=24))
    assert expired is not None and expired.id == lapsed.id
    assert sync.pusher.drain(later) == 2
    for rid in (rejected.id, lapsed.id):
        event = sync.events("5")[reservation_uid(rid)]
        assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1


def test_a_waitlist_hold_is_tentative_and_confirmed_once_taken(sync: Sync) -> None:
    desk, uow, policy = sync.container.desk, sync.container.uow, sync.container.policy
    taken = book(sync, "1")
    waitlist.join_waitlist(uow(), policy, room="1", start=jst("10:00"), end=jst("11:00"),
                           owner_id="slack:U2", now=NOW)  # fmt: skip
    assert taken.id is not None
    desk.cancel("slack:U1", taken.id)
    [held] = waitlist.offer_freed(uow(), room_id="1", now=NOW, hold=timedelta(minutes=10))
    assert held.id is not None
    sync.pusher.drain(NOW)
    assert str(sync.events("1")[reservation_uid(held.id)]["STATUS"]) == "TENTATIVE"
    [event] = feed_events(web(sync), "/ical/rooms/1.ics")
    assert str(event["UID"]) == reservation_uid(held.id) and str(event["STATUS"]) == "TENTATIVE"

    waitlist.take_offer(uow(), reservation_id=held.id, actor_id="slack:U2", now=NOW)
    assert sync.pusher.drain(NOW) == 1
    pushed = sync.events("1")[reservation_uid(held.id)]
    assert str(pushed["STATUS"]) == "CONFIRMED" and int(pushed["SEQUENCE"]) == 1


def weekly(sync: Sync, count: int = 4) -> tuple[int, list[Reservation]]:
    """A weekly series in room 1 on the test day's weekday, 10:00–11:00; its id and dates."""
    made = series.book_series(sync.container.uow(), sync.container.policy, room="1",
                              start=jst("10:00"), end=jst("11:00"), owner_id="slack:U1", now=NOW,
                              repeat="weekly", count=count, title="週次定例")  # fmt: skip
    assert made.series is not None and made.series.id is not None and not made.clashes
    return made.series.id, made.booked


def test_a_series_is_one_recurring_event_with_exdates_and_overrides(sync: Sync) -> None:
    client, uow, policy = web(sync), sync.container.uow, sync.container.policy
    sid, dates = weekly(sync)
    cal = icalendar.Calendar.from_ical(client.get("/ical/rooms/1.ics").data)
    [master] = cal.walk("VEVENT")
    assert str(master["UID"]) == series_uid(sid)
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=4"
    assert times(feed_events(client, "/ical/rooms/1.ics")) == [
        (jst("10:00", DAY + n * WEEK), jst("11:00", DAY + n * WEEK)) for n in range(4)
    ]
    etags = {client.get("/ical/rooms/1.ics").headers["ETag"]}

    series.cancel_series(uow(), policy, series_id=sid, actor_id="slack:U1", now=NOW,
                         scope="this", day=DAY + WEEK)  # fmt: skip
    etags.add(client.get("/ical/rooms/1.ics").headers["ETag"])
    third, fourth = dates[2], dates[3]
    assert third.id is not None and fourth.id is not None
    services.change_reservation(uow(), policy, reservation_id=third.id, actor_id="slack:U1",
                                now=NOW, start=third.start + timedelta(hours=1),
                                end=third.end + timedelta(hours=1))  # fmt: skip
    etags.add(client.get("/ical/rooms/1.ics").headers["ETag"])
    services.change_reservation(uow(), policy, reservation_id=fourth.id, actor_id="slack:U1",
                                now=NOW, room="2")  # fmt: skip
    etags.add(client.get("/ical/rooms/1.ics").headers["ETag"])
    assert len(etags) == 4  # every change shows

    assert times(feed_events(client, "/ical/rooms/1.ics")) == [
        (jst("10:00"), jst("11:00")),
        (jst("11:00", DAY + 2 * WEEK), jst("12:00", DAY + 2 * WEEK)),
    ]
    [moved] = feed_events(client, "/ical/rooms/2.ics")
    assert moved["DTSTART"].dt == jst("10:00", DAY + 3 * WEEK)
    assert str(moved["LOCATION"]).startswith("会議室B")
    mine = sync.container.feeds.user_link("slack:U1")
    assert mine is not None
    path = mine.removeprefix(sync.container.feeds.public_url)
    assert [str(e["LOCATION"])[:4] for e in feed_events(client, path)] == ["会議室A", "会議室A",
                                                                          "会議室B"]  # fmt: skip

    series.cancel_series(uow(), policy, series_id=sid, actor_id="slack:U1", now=NOW, scope="all")
    [gone] = icalendar.Calendar.from_ical(client.get("/ical/rooms/1.ics").data).walk("VEVENT")
    assert str(gone["STATUS"]) == "CANCELLED" and str(gone["UID"]) == series_uid(sid)


def test_series_dates_are_pushed_and_cancelled_one_event_each(sync: Sync) -> None:
    sid, dates = weekly(sync, count=3)
    assert sync.pusher.drain(NOW) == 3
    assert set(sync.events("1")) == {reservation_uid(r.id or 0) for r in dates}
    series.cancel_series(sync.container.uow(), sync.container.policy, series_id=sid,
                         actor_id="slack:U1", now=NOW, scope="following",
                         day=DAY + WEEK)  # fmt: skip
    assert sync.pusher.drain(NOW) == 2
    status = {uid: str(e["STATUS"]) for uid, e in sync.events("1").items()}
    assert sorted(status.values()) == ["CANCELLED", "CANCELLED", "CONFIRMED"]
    assert status[reservation_uid(dates[0].id or 0)] == "CONFIRMED"


def test_an_event_put_in_a_room_that_needs_approval_waits_for_it(sync: Sync) -> None:
    href = sync.put_external("5", "ext-board", jst("15:00"), jst("16:00"), "取締役会")
    assert sync.puller.pull(NOW)["booked"] == 1
    [made] = _room_bookings(sync, "5")
    assert made.status == "pending" and made.owner_id == "calendar:hanako@example.com"
    assert sync.pusher.drain(NOW) == 1  # the organizer's event now says it is tentative
    [event] = sync.events("5").values()
    assert str(event["UID"]) == "ext-board" and str(event["STATUS"]) == "TENTATIVE"

    sync.put_external("5", "ext-board", jst("15:30"), jst("16:30"), "取締役会")  # moved by them
    assert sync.puller.pull(NOW)["moved"] == 1
    [moved] = _room_bookings(sync, "5")
    assert moved.id == made.id and moved.start == jst("15:30") and moved.status == "pending"

    assert made.id is not None
    approvals.decide(sync.container.uow(), reservation_id=made.id, approver=BOSS, approve=True,
                     now=NOW)  # fmt: skip
    sync.pusher.drain(NOW)
    [event] = sync.events("5").values()
    assert str(event["STATUS"]) == "CONFIRMED" and event["DTSTART"].dt == jst("15:30")
    sync.delete_external("5", href)
    assert sync.puller.pull(NOW)["cancelled"] == 1 and _room_bookings(sync, "5") == []


def _room_bookings(sync: Sync, room: str) -> list[Reservation]:
    """The bookings holding a slot in the room on the test day."""
    with sync.container.uow() as uow:
        found = uow.reservations.active_between(jst("00:00"), jst("23:59"), room)
    return list(found)
