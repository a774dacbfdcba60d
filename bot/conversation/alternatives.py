"""Suggestions after a conflict: other free rooms at that time, nearest free times in that room."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from booking import services
from booking.clock import local
from booking.errors import BookingError
from booking.policy import Policy
from booking.ports import AbstractUnitOfWork

MAX_SUGGESTIONS = 3


def suggest(
    uow: Callable[[], AbstractUnitOfWork],
    policy: Policy,
    room_id: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> dict[str, Any]:
    """Free rooms for the same slot, and the free slots of the same length nearest to it."""
    try:
        rooms = services.find_free_rooms(uow(), policy, start=start, end=end, now=now)
    except BookingError:
        rooms = []
    return {
        "free_rooms": [
            {"id": r.id, "name": r.name, "name_en": r.label("en"), "capacity": r.capacity}
            for r in rooms
        ][:MAX_SUGGESTIONS],
        "free_times_same_room": nearest_times(uow, policy, room_id, start, end, now),
    }


def nearest_times(
    uow: Callable[[], AbstractUnitOfWork],
    policy: Policy,
    room_id: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[str]:
    """Up to three free slots of the same length in the room on that day, nearest first."""
    length = end - start
    day = local(start, policy.tz).date()
    schedule = services.day_schedule(uow(), policy, day=day, room=room_id)
    candidates: set[datetime] = set()
    for gap in schedule[0].free if schedule else []:
        if gap.end - gap.start >= length:
            candidates.update({gap.start, gap.end - length})
    ranked = sorted((c for c in candidates if c >= now), key=lambda c: abs(c - start))
    tz = policy.tz
    return [f"{local(c, tz):%H:%M}-{local(c + length, tz):%H:%M}" for c in ranked[:MAX_SUGGESTIONS]]
