"""iCal feeds: which reservations a feed shows, and the per-person feed tokens.

A person's token is HMAC(secret, owner and version): the link can be shown again at any time
without storing it, only its SHA-256 is stored (to find the owner), rotating bumps the version
(the old link stops working) and revoking forgets the hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from booking.calendar import FeedToken
from booking.model import Reservation, Room
from booking.ports import AbstractUnitOfWork
from booking.rules import Series

FEED_PAST = timedelta(days=90)  # history a feed carries
CANCELLED_KEPT = timedelta(days=30)  # a cancellation stays (STATUS:CANCELLED) this long


@dataclass(frozen=True)
class Feed:
    """What one feed shows: its reservations and the rooms they are in."""

    name: str
    reservations: list[Reservation]
    rooms: dict[str, Room]
    series: dict[int, tuple[Series, list[Reservation]]] = field(default_factory=dict)


def _sign(secret: str, message: str) -> str:
    """An unguessable URL-safe token for a message."""
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    """What is stored of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def room_token(secret: str, room_id: str) -> str:
    """The token of a room's feed when ICAL_ROOM_FEEDS=token."""
    return _sign(secret, f"room-feed:{room_id}")


def room_token_ok(secret: str, room_id: str, given: str) -> bool:
    """True when the token opens the room's feed (compared in constant time)."""
    return hmac.compare_digest(room_token(secret, room_id), given)


def user_token(uow: AbstractUnitOfWork, secret: str, owner: str, now: datetime) -> str | None:
    """The owner's feed token, issued on first use; None once they turned it off."""
    with uow:
        record = uow.feed_tokens.get(owner)
        if record is not None:
            return (
                _sign(secret, f"user-feed:{owner}:{record.version}") if record.token_hash else None
            )
        token = _issue(uow, secret, owner, 1, now)
        uow.commit()
        return token


def rotate_user_token(uow: AbstractUnitOfWork, secret: str, owner: str, now: datetime) -> str:
    """A new token for the owner (the old link stops working); also turns a revoked one on."""
    with uow:
        record = uow.feed_tokens.get(owner)
        token = _issue(uow, secret, owner, (record.version + 1) if record else 1, now)
        uow.commit()
        return token


def revoke_user_token(uow: AbstractUnitOfWork, owner: str, now: datetime) -> None:
    """Turn the owner's feed off: the link stops working and no new one is issued by itself."""
    with uow:
        record = uow.feed_tokens.get(owner)
        version = record.version if record else 0
        uow.feed_tokens.save(FeedToken(owner, version, None, now))
        uow.commit()


def _issue(uow: AbstractUnitOfWork, secret: str, owner: str, version: int, now: datetime) -> str:
    """Store the hash of the owner's token of this version; the token."""
    token = _sign(secret, f"user-feed:{owner}:{version}")
    uow.feed_tokens.save(FeedToken(owner, version, token_hash(token), now))
    return token


def owner_of_token(uow: AbstractUnitOfWork, token: str) -> str | None:
    """Whose feed a token opens (None for an unknown, rotated or revoked token)."""
    with uow:
        return uow.feed_tokens.owner_of(token_hash(token))


def window(now: datetime) -> tuple[datetime, datetime]:
    """(since, cancelled_since): reservations ending after since; cancellations kept since."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)  # stable through the day
    return day - FEED_PAST, day - CANCELLED_KEPT


def room_feed_version(uow: AbstractUnitOfWork, room_id: str, now: datetime) -> str | None:
    """The version of a room's feed (None: no such room)."""
    with uow:
        room = uow.rooms.get(room_id)
        if room is None:
            return None
        since, kept = window(now)
        rooms = uow.rooms.list()  # a series' recurring event names the series' own room
        version = uow.reservations.feed_version(since, kept, room_id=room.id)
        return f"{rooms!r}|{since:%F}|{version}"


def room_feed(uow: AbstractUnitOfWork, room_id: str, now: datetime) -> Feed | None:
    """A room's feed (None: no such room)."""
    with uow:
        room = uow.rooms.get(room_id)
        if room is None:
            return None
        since, kept = window(now)
        found = uow.reservations.for_feed(since, kept, room_id=room.id)
        return Feed(room.name, found, {r.id: r for r in uow.rooms.list()}, _series(uow, found))


def user_feed_version(uow: AbstractUnitOfWork, owner: str, now: datetime) -> str:
    """The version of a person's feed (their reservations and the rooms they are in)."""
    with uow:
        since, kept = window(now)
        rooms = uow.rooms.list()
        return f"{rooms!r}|{since:%F}|" + uow.reservations.feed_version(since, kept, owner_id=owner)


def user_feed(uow: AbstractUnitOfWork, owner: str, now: datetime, name: str) -> Feed:
    """A person's feed."""
    with uow:
        since, kept = window(now)
        found = uow.reservations.for_feed(since, kept, owner_id=owner)
        return Feed(name, found, {r.id: r for r in uow.rooms.list()}, _series(uow, found))


def _series(
    uow: AbstractUnitOfWork, found: list[Reservation]
) -> dict[int, tuple[Series, list[Reservation]]]:
    """The series the feed's reservations belong to, each with all of its dates."""
    ids = sorted({r.series_id for r in found if r.series_id is not None})
    return {i: (s, uow.series.dates(i)) for i in ids if (s := uow.series.get(i)) is not None}
