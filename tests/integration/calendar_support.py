"""Helpers for the calendar tests: a container on the test database and a real CalDAV server.

`make test` starts Radicale (scripts/test_services.py) and passes TEST_CALDAV_URL,
TEST_CALDAV_USERNAME and TEST_CALDAV_PASSWORD; a test needing it fails when they are missing.
Each test gets calendars of its own (rooms' `calendar:` set to a fresh path), so tests sharing
the server never see each other's events.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import icalendar
import pytest
from caldav.collection import Calendar
from caldav.davclient import DAVClient
from sqlalchemy import Engine, text

from booking.clock import JST
from booking.model import Room
from bot.calendar.adapters.caldav_client import CalDavCalendars
from bot.calendar.pull import Puller
from bot.calendar.push import Pusher
from bot.container import Container, build
from bot.settings import Settings

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=JST)  # a Monday, far from the machine's clock
DAY = NOW.date() + timedelta(days=1)


def jst(hhmm: str, day: Any = DAY) -> datetime:
    """An instant on the test day, in Japan."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


def caldav_settings() -> tuple[str, str, str]:
    """The CalDAV server `make test` started (fails the test when there is none)."""
    names = ("TEST_CALDAV_URL", "TEST_CALDAV_USERNAME", "TEST_CALDAV_PASSWORD")
    values = [os.environ.get(n, "") for n in names]
    if not all(values):
        pytest.fail(
            "TEST_CALDAV_URL is not set: run the suite with `make test` (it starts Radicale)"
        )
    return values[0], values[1], values[2]


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Sync:
    """The container, its CalDAV adapter, the jobs and a direct client to check the server."""

    container: Container
    calendars: CalDavCalendars
    pusher: Pusher
    puller: Puller
    clock: Clock
    client: DAVClient

    def room(self, room_id: str) -> Room:
        """A room as the bot sees it (with its test calendar)."""
        with self.container.uow() as uow:
            room = uow.rooms.get(room_id)
        assert room is not None
        return room

    def calendar(self, room_id: str) -> Calendar:
        """The room's calendar on the server, through a client of the test's own."""
        return Calendar(client=self.client, url=self.calendars.calendar_url(self.room(room_id)))

    def events(self, room_id: str) -> dict[str, icalendar.Event]:
        """Every event in the room's calendar, by UID (one object each, checked)."""
        found: dict[str, icalendar.Event] = {}
        for obj in self.calendar(room_id).search():  # type: ignore[union-attr]
            [event] = list(icalendar.Calendar.from_ical(obj.data).walk("VEVENT"))
            uid = str(event["UID"])
            assert uid not in found, f"two objects carry UID {uid}"
            found[uid] = event
        return found

    def put_external(self, room_id: str, uid: str, start: datetime, end: datetime,
                     summary: str, organizer: str = "hanako@example.com") -> str:  # fmt: skip
        """Create (or replace) an event the way a calendar app would; its resource name."""
        cal = icalendar.Calendar()
        cal.add("prodid", "-//Test//Outlook-ish//EN")
        cal.add("version", "2.0")
        event = icalendar.Event()
        for name, value in (("uid", uid), ("dtstamp", NOW), ("dtstart", start), ("dtend", end),
                            ("summary", summary)):  # fmt: skip
            event.add(name, value)
        event.add("organizer", f"mailto:{organizer}")
        cal.add_component(event)
        cal.add_missing_timezones()
        return self.put_raw(room_id, f"{uid}.ics", cal.to_ical().decode())

    def put_raw(self, room_id: str, href: str, data: str) -> str:
        """Store an object in the room's calendar (created first, as it would exist)."""
        room = self.room(room_id)
        self.calendars.ensure(room)
        url = self.calendars.calendar_url(room) + href
        reply = self.client.put(url, data, {"Content-Type": "text/calendar; charset=utf-8"})
        assert reply.status in (201, 204), reply.status
        return href

    def delete_external(self, room_id: str, href: str) -> None:
        """Delete an event from the room's calendar directly."""
        self.client.delete(self.calendars.calendar_url(self.room(room_id)) + href)


def unique_calendars(engine: Engine) -> str:
    """Point every room at calendars no other test uses; the prefix."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    _, user, _ = caldav_settings()
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE rooms SET calendar = :user || '/' || :prefix || '-room-' || id || '/'"),
            {"user": user, "prefix": prefix},
        )
    return prefix


def make_sync(
    db_url: str, server: tuple[str, str, str] | None = None, *, sync_tokens: bool = True
) -> Sync:
    """A container on the database and a CalDAV server (the session's unless given)."""
    url, user, password = server or caldav_settings()
    clock = Clock()
    settings = Settings(database_url=db_url, caldav_url=url, caldav_username=user,
                        caldav_password=password)  # fmt: skip
    container = build(settings, clock=clock)
    calendars = CalDavCalendars(url, user, password, container.policy.tz, sync_tokens=sync_tokens)
    unique_calendars(container.engine)
    return Sync(
        container, calendars, Pusher(container.uow, calendars),
        Puller(container.uow, calendars, container.policy), clock,
        DAVClient(url=url, username=user, password=password, timeout=10),
    )  # fmt: skip
