"""JSON shapes of rooms and reservations, with the operations guide's field names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
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


def day_json(day: date, reservations: Iterable[Reservation], tz: ZoneInfo) -> bytes:
    """A day's list as Flask's jsonify writes it (keys sorted, compact, UTF-8, a newline), by
    orjson: the list is hundreds of objects, and the standard encoder took longer than the query."""
    import orjson  # 2 MB: loaded only by the processes that serve the list

    body = {"date": day.isoformat(), "reservations": reservations_json(reservations, tz)}
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


def reservation_json(reservation: Reservation, tz: ZoneInfo) -> dict[str, Any]:
    """A reservation as the API shows it: local date and times plus ISO instants."""
    return reservations_json([reservation], tz)[0]


def reservations_json(reservations: Iterable[Reservation], tz: ZoneInfo) -> list[dict[str, Any]]:
    """Reservations as the API shows them; each instant and owner written once (a day's list
    repeats the same few start and end times and people)."""
    local: dict[datetime, str] = {}
    owners: dict[str, str] = {}
    shown = []
    for r in reservations:
        slot = r.slot
        start = local.get(slot.start) or local.setdefault(
            slot.start,
            slot.start.astimezone(tz).isoformat(),  # 'YYYY-MM-DDTHH:MM:SS+09:00'
        )
        end = local.get(slot.end) or local.setdefault(slot.end, slot.end.astimezone(tz).isoformat())
        owner = owners.get(r.owner_id) or owners.setdefault(r.owner_id, owner_json(r.owner_id))
        shown.append(
            {  # keys in sorted order: the JSON encoder's sort then finds them in place
                "date": start[:10],
                "end": end,
                "end-time": end[11:16],
                "id": r.id,
                "owner": owner,
                "room-id": r.room_id,
                "series-id": r.series_id,
                "start": start,
                "start-time": start[11:16],
                "status": r.status,  # active | pending | held | cancelled | rejected | expired
                "title": r.title,
            }
        )
    return shown


def owner_json(owner: str) -> str:
    """An owner as the API shows it: its own callers bare ('ops'), others namespaced."""
    return local_id(owner) if surface_of(owner) == "api" else owner
