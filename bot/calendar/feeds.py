"""The iCal feeds and the calendar links people are shown (Slack's /mybookings, App Home).

Room feeds are public or need the room's token (ICAL_ROOM_FEEDS=public|token); a person's feed
is reached only through their own token, which they can rotate or turn off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from booking import feeds
from booking.calendar import event_for, series_events
from booking.feeds import Feed
from booking.identity import local_id
from booking.model import Room
from booking.ports import AbstractUnitOfWork
from bot.calendar import ical

Clock = Callable[[], datetime]


def etag_of(version: str) -> str:
    """A strong ETag for a feed version."""
    return hashlib.sha256(version.encode()).hexdigest()[:32]


def render(feed: Feed, tz: ZoneInfo) -> bytes:
    """A feed as iCalendar text in the zone's VTIMEZONE: one VEVENT per reservation, and a
    series as one recurring event (RRULE, EXDATE, overrides)."""
    events = []
    for r in feed.reservations:
        if r.series_id in feed.series:
            continue
        room = feed.rooms.get(r.room_id) or Room(id=r.room_id, name=r.room_id, capacity=1)
        events.append(event_for(r, room))
    for series_id, (series, every) in feed.series.items():
        shown = [r for r in feed.reservations if r.series_id == series_id]
        events += series_events(series, shown, every, feed.rooms, tz)
    return ical.calendar(events, tz, feed.name)


class Feeds:
    """Feeds and feed links, bound to storage, the clock, the secret and the public URL."""

    def __init__(
        self,
        uow: Callable[[], AbstractUnitOfWork],
        clock: Clock,
        tz: ZoneInfo,
        secret: str,
        public_url: str,
        room_feeds: str = "public",
    ):
        self.uow, self.clock, self.tz, self.secret = uow, clock, tz, secret
        self.public_url, self.room_feeds = public_url.rstrip("/"), room_feeds

    def room_allowed(self, room_id: str, token: str | None) -> bool:
        """Whether the request may read the room's feed."""
        if self.room_feeds == "public":
            return True
        return token is not None and feeds.room_token_ok(self.secret, room_id, token)

    def room_etag(self, room_id: str) -> str | None:
        """The room feed's ETag (None: no such room)."""
        version = feeds.room_feed_version(self.uow(), room_id, self.clock())
        return etag_of(version) if version is not None else None

    def room_body(self, room_id: str) -> bytes | None:
        """The room's feed (None: no such room)."""
        feed = feeds.room_feed(self.uow(), room_id, self.clock())
        return render(feed, self.tz) if feed is not None else None

    def owner(self, token: str) -> str | None:
        """Whose feed a token opens."""
        return feeds.owner_of_token(self.uow(), token)

    def user_etag(self, owner: str) -> str:
        """A person's feed's ETag."""
        return etag_of(feeds.user_feed_version(self.uow(), owner, self.clock()))

    def user_body(self, owner: str) -> bytes:
        """A person's feed."""
        name = f"会議室の予約 / Room bookings ({local_id(owner)})"
        return render(feeds.user_feed(self.uow(), owner, self.clock(), name), self.tz)

    def room_link(self, room_id: str) -> str:
        """The URL of a room's feed (with its token when room feeds need one)."""
        url = f"{self.public_url}/ical/rooms/{quote(room_id, safe='')}.ics"
        if self.room_feeds == "token":
            url += "?token=" + feeds.room_token(self.secret, room_id)
        return url

    def user_link(self, owner: str) -> str | None:
        """The URL of a person's feed, issued on first use; None when they turned it off."""
        token = feeds.user_token(self.uow(), self.secret, owner, self.clock())
        return self._user_url(token) if token else None

    def rotate(self, owner: str) -> str:
        """A new URL for the person's feed (the old one stops working)."""
        return self._user_url(feeds.rotate_user_token(self.uow(), self.secret, owner, self.clock()))

    def revoke(self, owner: str) -> None:
        """Turn the person's feed off."""
        feeds.revoke_user_token(self.uow(), owner, self.clock())

    def _user_url(self, token: str) -> str:
        return f"{self.public_url}/ical/users/{token}.ics"
