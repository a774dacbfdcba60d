"""The CalDAV adapter (Radicale, Nextcloud, any RFC 4791 server) behind booking's CalendarPort.

Room `<id>`'s calendar is `<CALDAV_URL>/<CALDAV_USERNAME>/room-<id>/` unless rooms.yml gives
`calendar:` (a full URL, or a path under CALDAV_URL); it is created (MKCALENDAR) when missing.
Pulls use a sync token (RFC 6578) where the server offers one and ETags otherwise.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo

from caldav.calendarobjectresource import Event
from caldav.collection import Calendar, CalendarSet
from caldav.davclient import DAVClient
from caldav.elements import dav
from caldav.lib import error
from caldav.lib.url import URL

from booking.calendar import (
    CalendarEvent,
    CalendarRejected,
    CalendarUnavailable,
    Changes,
    ExternalEvent,
)
from booking.model import Room
from bot.calendar import foreign, ical

log = logging.getLogger(__name__)
TIMEOUT_S = 10
MULTIGET_BATCH = 100
EXPIRED_TOKEN = ("{DAV:}valid-sync-token",)


T = TypeVar("T")


def _sync(value: T | Coroutine[Any, Any, T]) -> T:
    """The result of a caldav call on this synchronous client (never a coroutine)."""
    if isinstance(value, Coroutine):
        value.close()
        raise TypeError("the CalDAV client must be synchronous")
    return value


def _status(exc: BaseException) -> int | None:
    """The HTTP status of a caldav error, if it carries one."""
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


@contextlib.contextmanager
def server_errors(what: str) -> Iterator[None]:
    """Turn client and server failures into CalendarUnavailable / CalendarRejected."""
    try:
        yield
    except error.DAVError as exc:
        status = _status(exc)
        message = f"{what}: {type(exc).__name__} {status or ''}".strip()
        if status is not None and 400 <= status < 500 and status not in (401, 403, 429):
            raise CalendarRejected(message) from None
        raise CalendarUnavailable(message) from None
    except (OSError, ValueError) as exc:  # connection refused, timeouts, broken replies
        raise CalendarUnavailable(f"{what}: {type(exc).__name__}") from None
    except Exception as exc:  # niquests' errors do not share a public base with the stdlib's
        if type(exc).__module__.startswith(("niquests", "urllib3", "requests")):
            raise CalendarUnavailable(f"{what}: {type(exc).__name__}") from None
        raise


class CalDavCalendars:
    """One CalDAV account holding a calendar per room."""

    def __init__(
        self, url: str, username: str, password: str, tz: ZoneInfo, *, sync_tokens: bool = True
    ):
        self.base = url.rstrip("/") + "/"
        self.username, self.tz, self.sync_tokens = username, tz, sync_tokens
        self.client = DAVClient(
            url=self.base, username=username, password=password, timeout=TIMEOUT_S
        )
        self._ready: set[str] = set()

    def calendar_url(self, room: Room) -> str:
        """The URL of a room's calendar."""
        if room.calendar:
            return urljoin(self.base, room.calendar).rstrip("/") + "/"
        return urljoin(self.base, f"{quote(self.username)}/room-{quote(room.id)}/")

    def _calendar(self, room: Room) -> Calendar:
        return Calendar(client=self.client, url=self.calendar_url(room))

    def _object(self, room: Room, href: str) -> Event:
        url = self.calendar_url(room) + quote(href)
        return Event(self.client, url=url, parent=self._calendar(room))

    def ensure(self, room: Room) -> None:
        """Create the room's calendar (named after the room) unless it exists."""
        url = self.calendar_url(room)
        if url in self._ready:
            return
        with server_errors("calendar"):
            try:
                self._calendar(room).get_display_name()
            except error.NotFoundError:
                parent_url, _, name = url.rstrip("/").rpartition("/")
                parent = CalendarSet(client=self.client, url=parent_url + "/")
                Calendar(client=self.client, parent=parent, id=unquote(name),
                                name=room.name).save()  # fmt: skip
                log.info("created the calendar of room %s", room.id)
        self._ready.add(url)

    def put(self, room: Room, href: str, event: CalendarEvent, foreign_event: bool) -> None:
        """Write the event (patching the organizer's own object when it is theirs)."""
        self.ensure(room)
        with server_errors("put"):
            target = self._object(room, href)
            if foreign_event:
                try:
                    data = foreign.accept(_sync(target.load()).data, event, self.tz)
                except error.NotFoundError:
                    return  # the organizer deleted it: the next pull frees the slot
            else:
                data = ical.calendar([event], self.tz)
            target.save(raw_data=data)

    def remove(self, room: Room, href: str) -> None:
        """Delete the event; one already gone is fine."""
        with server_errors("remove"), contextlib.suppress(error.NotFoundError):
            self._object(room, href).delete()

    def decline(self, room: Room, href: str, reason: str) -> None:
        """Mark the organizer's event declined with the reason; one already gone is fine."""
        with server_errors("decline"):
            target = self._object(room, href)
            try:
                data = foreign.decline(_sync(target.load()).data, reason)
            except error.NotFoundError:
                return
            target.save(raw_data=data)

    def changes(self, room: Room, cursor: str | None) -> Changes:
        """What changed since the cursor: by sync token, or by comparing ETags."""
        self.ensure(room)
        with server_errors("pull"):
            if (cursor and cursor.startswith("etags:")) or not self.sync_tokens:
                return self._by_etags(room, cursor)
            token = cursor[len("sync:") :] if cursor else None
            cal = self._calendar(room)
            try:
                found = _sync(cal.get_objects_by_sync_token(token, disable_fallback=True))
            except error.DAVError as exc:
                if token and set(exc.preconditions) & set(EXPIRED_TOKEN):
                    return self.changes(room, None)  # the server forgot the token: list all
                if not token and _status(exc) not in (401, 403):
                    return self._by_etags(room, None)  # no sync-collection here: use ETags
                raise
            gone = {str(u.canonical()) for u in found.deleted_urls}
            live = [o.url for o in found if str(o.url.canonical()) not in gone]
            events = self._load(room, [_name(u) for u in live])
            deleted = [_name(u) for u in found.deleted_urls]
            return Changes(events, deleted, f"sync:{found.sync_token}", full=token is None)

    def _by_etags(self, room: Room, cursor: str | None) -> Changes:
        """Compare the calendar's ETags with the ones seen last time."""
        known: dict[str, str] = json.loads(cursor[len("etags:") :]) if cursor else {}
        url = self.calendar_url(room)
        reply = self.client.propfind(url, props=["getetag"], depth=1)
        listed = reply.expand_simple_props([dav.GetEtag()])
        etags = {
            _name(href): str(props.get(dav.GetEtag.tag) or "")
            for href, props in listed.items()
            if urlsplit(urljoin(url, href)).path.rstrip("/") != urlsplit(url).path.rstrip("/")
        }
        changed = [name for name, tag in etags.items() if known.get(name) != tag]
        deleted = [name for name in known if name not in etags]
        cursor_out = "etags:" + json.dumps(etags, sort_keys=True)
        return Changes(self._load(room, changed), deleted, cursor_out, full=cursor is None)

    def _load(self, room: Room, names: list[str]) -> list[ExternalEvent]:
        """Fetch objects in batches (calendar-multiget) and read their events."""
        cal, base = self._calendar(room), self.calendar_url(room)
        events: list[ExternalEvent] = []
        for i in range(0, len(names), MULTIGET_BATCH):
            urls = [URL.objectify(base + quote(n)) for n in names[i : i + MULTIGET_BATCH]]
            found: list[Any] = _sync(cal.multiget(urls))
            for obj in found:
                event = foreign.parse(_name(obj.url), obj.data, self.tz)
                if event is not None:
                    events.append(event)
        return events


def _name(url: object) -> str:
    """An object's name inside its calendar (the last path segment, unquoted)."""
    path = urlsplit(str(url)).path.rstrip("/")
    return unquote(path.rpartition("/")[2])
