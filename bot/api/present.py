"""JSON shapes of rooms and reservations, with the operations guide's field names."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from booking.identity import local_id, surface_of
from booking.model import Reservation, Room


def room_json(room: Room) -> dict[str, Any]:
    """A room as the API shows it."""
    return {
        "room-id": room.id,
        "name": room.name,
        "name_en": room.name_en,
        "aliases": list(room.aliases),
        "capacity": room.capacity,
        "equipment": list(room.equipment),
        "floor": room.floor,
    }


def reservation_json(reservation: Reservation, tz: ZoneInfo) -> dict[str, Any]:
    """A reservation as the API shows it: local date and times plus ISO instants."""
    start = reservation.start.astimezone(tz).isoformat()  # 'YYYY-MM-DDTHH:MM:SS+09:00'
    end = reservation.end.astimezone(tz).isoformat()
    return {
        "id": reservation.id,
        "room-id": reservation.room_id,
        "date": start[:10],
        "start-time": start[11:16],
        "end-time": end[11:16],
        "start": start,
        "end": end,
        "title": reservation.title,
        "owner": owner_json(reservation.owner_id),
        "status": reservation.status,  # active | pending | held | cancelled | rejected | expired
        "series-id": reservation.series_id,
    }


def owner_json(owner: str) -> str:
    """An owner as the API shows it: its own callers bare ('ops'), others namespaced."""
    return local_id(owner) if surface_of(owner) == "api" else owner
