"""GET /ical/rooms/<id>.ics and /ical/users/<token>.ics through the Flask app, on both databases.

Feeds are parsed back with icalendar and expanded with recurring-ical-events, as a calendar
app subscribed to them would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import icalendar
import pytest
import recurring_ical_events
from flask.testing import FlaskClient
from sqlalchemy import insert

from booking import services
from booking.feeds import token_hash
from bot.container import Container, build
from bot.settings import Settings
from bot.web import create_app
from storage.models import FeedTokenRow
from tests.conftest import reset, wait_for_a_lock_waiter
from tests.integration.calendar_support import NOW, Clock, jst


def app_for(db_url: str, clock: Clock, **options: Any) -> tuple[Container, FlaskClient]:
    """The app on the database, with a moving clock."""
    settings = Settings(database_url=db_url, flask_env="development", secret_key="feed-secret",
                        public_url="https://rooms.example.jp", **options)  # fmt: skip
    container = build(settings, clock=clock)
    return container, create_app(container=container).test_client()


@pytest.fixture
def clock() -> Clock:
    """A clock the test moves."""
    return Clock()


@pytest.fixture
def app(db_url: str, clock: Clock) -> Iterator[tuple[Container, FlaskClient]]:
    """Public room feeds (the default)."""
    container, client = app_for(db_url, clock)
    yield container, client
    container.engine.dispose()


def events(body: bytes, days: int = 3) -> list[icalendar.Event]:
    """The feed's events in the next days, expanded as a subscribed calendar would."""
    cal = icalendar.Calendar.from_ical(body)
    return list(recurring_ical_events.of(cal).between(NOW, NOW + timedelta(days=days)))


def test_a_room_feed_shows_each_reservation_once_in_japan_time(
    app: tuple[Container, FlaskClient],
) -> None:
    container, client = app
    desk = container.desk
    made = desk.book("slack:U1", "1", jst("10:00"), jst("11:00"), "定例会議; 企画, 第3回", "slack")
    desk.book("slack:U2", "1", jst("14:00"), jst("15:30"), "", "slack")
    desk.book("slack:U2", "2", jst("10:00"), jst("11:00"), "別の部屋", "slack")
    reply = client.get("/ical/rooms/1.ics")
    assert reply.status_code == 200 and reply.content_type == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(reply.data)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    first, second = sorted(events(reply.data), key=lambda e: e["DTSTART"].dt)
    assert str(first["SUMMARY"]) == "定例会議; 企画, 第3回"
    assert str(second["SUMMARY"]) == "会議室A"  # no title: the room
    assert first["DTSTART"].dt == jst("10:00") and str(first["DTSTART"].dt.tzinfo) == "Asia/Tokyo"
    assert first["DTEND"].dt == jst("11:00")
    assert str(first["UID"]) == f"roombot-{made.id}@roombot"
    assert str(first["LOCATION"]) == "会議室A (Room A) · 3F"
    assert "slack:U1" in str(first["ORGANIZER"]) and int(first["SEQUENCE"]) == 0
    assert all(len(line) <= 75 for line in reply.data.split(b"\r\n"))


def test_etag_answers_304_until_the_room_changes(app: tuple[Container, FlaskClient]) -> None:
    container, client = app
    made = container.desk.book("slack:U1", "1", jst("10:00"), jst("11:00"), "", "slack")
    first = client.get("/ical/rooms/1.ics")
    etag = first.headers["ETag"]
    again = client.get("/ical/rooms/1.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    container.desk.book("slack:U1", "2", jst("10:00"), jst("11:00"), "", "slack")  # other room
    assert client.get("/ical/rooms/1.ics", headers={"If-None-Match": etag}).status_code == 304
    assert made.id is not None
    services.change_reservation(container.uow(), container.policy, reservation_id=made.id,
                                actor_id="slack:U1", now=NOW, end=jst("11:30"))  # fmt: skip
    changed = client.get("/ical/rooms/1.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    [event] = events(changed.data)
    assert event["DTEND"].dt == jst("11:30") and int(event["SEQUENCE"]) == 1


def test_a_cancellation_stays_in_the_feed_for_a_while(
    app: tuple[Container, FlaskClient], clock: Clock
) -> None:
    container, client = app
    made = container.desk.book("slack:U1", "3", jst("10:00"), jst("11:00"), "中止", "slack")
    assert made.id is not None
    container.desk.cancel("slack:U1", made.id)
    [event] = icalendar.Calendar.from_ical(client.get("/ical/rooms/3.ics").data).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    clock.now = NOW + timedelta(days=31)
    assert icalendar.Calendar.from_ical(client.get("/ical/rooms/3.ics").data).walk("VEVENT") == []


def test_unknown_rooms_and_tokens_are_404_naming_the_field(
    app: tuple[Container, FlaskClient],
) -> None:
    _, client = app
    room = client.get("/ical/rooms/99.ics")
    assert room.status_code == 404 and room.json["error"]["field"] == "room-id"  # type: ignore[index]
    user = client.get("/ical/users/not-a-token.ics")
    assert user.status_code == 404 and user.json["error"]["field"] == "token"  # type: ignore[index]


def test_token_protected_room_feeds(db_url: str, clock: Clock) -> None:
    container, client = app_for(db_url, clock, ical_room_feeds="token")
    try:
        refused = client.get("/ical/rooms/1.ics")
        assert refused.status_code == 403 and refused.json["error"]["field"] == "token"  # type: ignore[index]
        assert client.get("/ical/rooms/1.ics?token=guess").status_code == 403
        link = container.feeds.room_link("1")
        assert link.startswith("https://rooms.example.jp/ical/rooms/1.ics?token=")
        assert client.get(link.removeprefix("https://rooms.example.jp")).status_code == 200
        other = container.feeds.room_link("2").partition("?")[2]
        assert client.get(f"/ical/rooms/1.ics?{other}").status_code == 403  # per room
    finally:
        container.engine.dispose()


def test_a_persons_feed_follows_their_token(app: tuple[Container, FlaskClient]) -> None:
    container, client = app
    desk = container.desk
    desk.book("slack:U1", "1", jst("10:00"), jst("11:00"), "私の会議", "slack")
    desk.book("slack:U1", "4", jst("13:00"), jst("14:00"), "", "slack")
    desk.book("slack:U2", "2", jst("10:00"), jst("11:00"), "他人の会議", "slack")
    link = desk.calendar_link("slack:U1")
    assert link is not None and link == desk.calendar_link("slack:U1")  # shown again, same
    path = link.removeprefix("https://rooms.example.jp")
    mine = client.get(path)
    assert mine.status_code == 200
    assert sorted(str(e["SUMMARY"]) for e in events(mine.data)) == ["大会議室", "私の会議"]
    assert client.get(path, headers={"If-None-Match": mine.headers["ETag"]}).status_code == 304
    rotated = desk.calendar_link("slack:U1", "rotate")
    assert rotated != link and client.get(path).status_code == 404
    new_path = str(rotated).removeprefix("https://rooms.example.jp")
    assert client.get(new_path).status_code == 200
    assert desk.calendar_link("slack:U1", "revoke") is None
    assert client.get(new_path).status_code == 404 and desk.calendar_link("slack:U1") is None
    with container.uow() as uow:  # only a hash is stored, never the token
        record = uow.feed_tokens.get("slack:U1")
        assert record is not None and record.token_hash is None


def test_a_first_link_asked_for_twice_at_once_is_issued_once(pg_url: str) -> None:
    """Two App Home renders at once (a second click while the first still publishes): the one
    that finds no token inserts while the other's first token is not yet committed. It waits,
    then takes that row over instead of failing on the unique key (the Home was not published)."""
    container, _ = app_for(pg_url, Clock())
    reset(container.engine)
    links: list[str | None] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            links.append(container.feeds.user_link("slack:U1"))
        except BaseException as error:
            errors.append(error)

    with container.engine.connect() as first:
        row = {"owner_id": "slack:U1", "version": 1, "token_hash": "0" * 64, "created_at": NOW}
        first.execute(insert(FeedTokenRow).values(**row))
        second = threading.Thread(target=ask)
        second.start()
        wait_for_a_lock_waiter(
            container.engine, 20, "the second request never waited for the first's row"
        )
        first.commit()
    second.join(timeout=30)
    assert errors == [] and len(links) == 1 and links[0] is not None
    token = links[0].rsplit("/", 1)[1].removesuffix(".ics")
    with container.uow() as uow:
        assert uow.feed_tokens.owner_of(token_hash(token)) == "slack:U1"
    assert container.feeds.user_link("slack:U1") == links[0]
    container.engine.dispose()
