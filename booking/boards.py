"""Room boards: the tokens that let a door tablet book its room, and walk-up bookings ("now").

A token is shown once when issued and stored only as its SHA-256 (it is a long random string,
so a fast hash is enough: nothing to guess). A walk-up booking starts on the grid step that
contains `now` and is checked in at once: the person is standing at the door.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from datetime import datetime, timedelta

from booking.clock import local
from booking.errors import BookingError, SlotTaken
from booking.identity import identity
from booking.model import BoardToken, Reservation, TimeSlot
from booking.policy import Policy
from booking.ports import AbstractUnitOfWork
from booking.services import resolve_room

WALK_UP_MINUTES = (15, 30)


class TokenNotFound(BookingError):
    """No board token has this id."""

    code = "token_not_found"

    def __init__(self, token_id: int):
        super().__init__(
            f"No board token #{token_id}.", f"ボードトークン #{token_id} はありません。"
        )


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    uow: AbstractUnitOfWork, *, room: str, token: str, label: str, now: datetime
) -> BoardToken:
    """Store a new token (its hash) for a room; the caller shows the token once."""
    with uow:
        found = resolve_room(uow, room)
        saved = uow.board_tokens.add(BoardToken(found.id, hash_token(token), label.strip(), now))
        uow.commit()
    return saved


def token_opens(uow: AbstractUnitOfWork, *, room_id: str, token: str) -> BoardToken | None:
    """The live token for this room matching `token`, else None."""
    if not token:
        return None
    with uow:
        found = uow.board_tokens.find(hash_token(token))
    if found is None or found.revoked_at is not None or found.room_id != room_id:
        return None
    return found


def list_tokens(uow: AbstractUnitOfWork) -> list[BoardToken]:
    """Every token, live and revoked, by id."""
    with uow:
        return uow.board_tokens.list()


def revoke_token(uow: AbstractUnitOfWork, *, token_id: int, now: datetime) -> BoardToken:
    """Revoke a token (idempotent); its board turns read-only."""
    with uow:
        found = uow.board_tokens.get(token_id)
        if found is None:
            raise TokenNotFound(token_id)
        revoked = found if found.revoked_at else replace(found, revoked_at=now)
        uow.board_tokens.save(revoked)
        uow.commit()
    return revoked


def walk_up_slot(policy: Policy, now: datetime, minutes: int) -> TimeSlot:
    """From the grid step containing now to the first grid time at least `minutes` later."""
    step = timedelta(minutes=policy.granularity_minutes)
    wall = local(now, policy.tz)
    midnight = wall.replace(hour=0, minute=0, second=0, microsecond=0)
    since = wall - midnight
    start = midnight + step * math.floor(since / step)
    end = midnight + step * math.ceil((since + timedelta(minutes=minutes)) / step)
    return TimeSlot(start, end).in_utc()


def walk_up_allowed(
    policy: Policy, now: datetime, minutes: int, booked: list[Reservation]
) -> TimeSlot | None:
    """The walk-up slot when the rules allow it and none of `booked` (the room's) overlaps."""
    slot = walk_up_slot(policy, now, minutes)
    try:
        policy.validate(slot, now=slot.start)  # it starts on the step now is in: not "past"
    except BookingError:
        return None
    if any(r.active and r.slot.overlaps(slot) for r in booked):
        return None
    return slot


def book_now(
    uow: AbstractUnitOfWork,
    policy: Policy,
    *,
    token: BoardToken,
    minutes: int,
    now: datetime,
    title: str,
) -> Reservation:
    """Book the token's room from now for `minutes` (15 or 30), checked in, owned by the board."""
    if minutes not in WALK_UP_MINUTES:
        raise ValueError(f"walk-up bookings last {WALK_UP_MINUTES} minutes, not {minutes}")
    slot = walk_up_slot(policy, now, minutes)
    policy.validate(slot, now=slot.start)
    with uow:
        room = resolve_room(uow, token.room_id)
        if uow.reservations.active_between(slot.start, slot.end, room.id):
            uow.record("conflict", room_id=room.id, source="board")
            raise SlotTaken(room.id, room_name=room.name, room_name_en=room.label("en"))
        owner = identity("board", str(token.id))
        made = Reservation(room.id, owner, slot, title, created_at=now, source="board")
        saved = uow.reservations.add(replace(made, checked_in_at=now))
        uow.commit()
        uow.record("booked", room_id=room.id, source="board")
    return saved
