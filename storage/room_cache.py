"""Rooms cached per process and engine, kept current by the rooms table's version number.

A trigger bumps `rooms_version` on every change to `rooms` (migration 0012), whoever makes it:
`rooms sync` here or in another process, plain SQL, TRUNCATE. A unit of work reads that one
number (or, when booking, lets the INSERT check it) and reloads the rooms only when it moved.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from booking.identity import parse as parse_identity
from booking.model import Room
from storage import raw_sql
from storage.models import RoomRow

VERSION_SQL = "SELECT version FROM rooms_version"
VERSION = text(VERSION_SQL)
LIVE_ROOMS = select(RoomRow).where(~RoomRow.retired).order_by(RoomRow.id)


def room_from_row(row: RoomRow) -> Room:
    """Domain room from its row."""
    return Room(
        id=row.id,
        name=row.name,
        capacity=row.capacity,
        aliases=tuple(row.aliases or ()),
        equipment=tuple(row.equipment or ()),
        floor=row.floor,
        name_en=row.name_en,
        calendar=row.calendar,
        approvers=tuple(parse_identity(str(a), "slack") for a in row.approvers or ()),
    )


@dataclass(frozen=True)
class Rooms:
    """The live (not retired) rooms as of one version of the rooms table."""

    version: int
    ordered: tuple[Room, ...]
    by_id: dict[str, Room] = field(compare=False)


class RoomCache:
    """The last rooms one engine's sessions loaded; shared by the threads of a process."""

    def __init__(self) -> None:
        self.current: Rooms | None = None

    def latest(self) -> Rooms | None:
        """The cached rooms, whatever their version (the caller checks it)."""
        return self.current

    def forget(self) -> None:
        """Drop the cached rooms (their version was found stale)."""
        self.current = None

    def at(self, session: Session, version: int) -> Rooms:
        """The rooms at `version` (read by the caller in this transaction): cached or loaded."""
        cached = self.current
        if cached is not None and cached.version == version:
            return cached
        ordered = tuple(room_from_row(r) for r in session.scalars(LIVE_ROOMS))
        # loaded after the version was read: at least as new as it, so safe to label with it
        loaded = Rooms(version, ordered, {r.id: r for r in ordered})
        self.current = loaded  # a racing older load only costs the next caller a reload
        return loaded

    def checked(self, session: Session) -> Rooms:
        """The rooms, after reading the table's version in the session's transaction."""
        return self.at(session, self.version(session))

    def version(self, session: Session) -> int:
        """The rooms table's version number, read in the session's transaction."""
        if session.get_bind().dialect.name == "postgresql":  # the hot path: no SQL compiling
            return int(raw_sql.fetch(session, VERSION_SQL, {})[0][0])
        return int(session.execute(VERSION).scalar_one())


_CACHES: weakref.WeakKeyDictionary[Engine, RoomCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_for(engine: Engine) -> RoomCache:
    """The room cache of an engine (one per engine, so one per database and process)."""
    cache = _CACHES.get(engine)
    if cache is None:
        with _CACHES_LOCK:
            cache = _CACHES.setdefault(engine, RoomCache())
    return cache


class SqlRoomRepository:
    """Rooms (retired ones hidden) from the process's cache, checked once per unit of work.

    Optimistic (a use case that can run again): the cached rooms are used unchecked, and the
    booking's INSERT checks their version itself (`unchecked` says which), so no extra query.
    """

    def __init__(self, session: Session, cache: RoomCache, optimistic: bool = False):
        self.session, self.cache, self.optimistic = session, cache, optimistic
        self.seen: Rooms | None = None
        self.unchecked: int | None = None  # the cached version used without reading the table's

    def _rooms(self) -> Rooms:
        """The rooms this unit of work sees (the same ones for all of its reads)."""
        if self.seen is None:
            cached = self.cache.latest()
            if self.optimistic and cached is not None:
                self.seen, self.unchecked = cached, cached.version
            else:
                self.seen = self.cache.checked(self.session)
        return self.seen

    def list(self) -> list[Room]:
        return list(self._rooms().ordered)

    def get(self, room_id: str) -> Room | None:
        return self._rooms().by_id.get(room_id)
