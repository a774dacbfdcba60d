"""How reservations read in replies, buttons and notices, on every surface."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from booking.clock import local
from booking.model import Reservation, Room


def span(r: Reservation, tz: ZoneInfo) -> str:
    """'14:00–15:00' in local time."""
    return f"{local(r.start, tz):%H:%M}–{local(r.end, tz):%H:%M}"


def describe(r: Reservation, rooms: Mapping[str, Room], tz: ZoneInfo, lang: str = "ja") -> str:
    """'#12 会議室A 2025-09-29 14:00–15:00 「title」' (the room's English name for 'en')."""
    room = rooms[r.room_id].label(lang) if r.room_id in rooms else r.room_id
    title = f" 「{r.title}」" if r.title else ""
    return f"#{r.id} {room} {local(r.start, tz):%Y-%m-%d} {span(r, tz)}{title}"
