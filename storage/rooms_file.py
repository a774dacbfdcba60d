"""The rooms file (rooms.yml) and its idempotent sync into the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from booking.identity import parse as parse_identity
from booking.model import Room
from storage.models import RoomRow


class RoomsFileError(ValueError):
    """The rooms file is missing or malformed."""


@dataclass(frozen=True)
class SyncResult:
    """What a sync changed."""

    added: int
    updated: int
    unchanged: int
    retired: int


def load_rooms(path: str | Path) -> list[Room]:
    """Read and validate the rooms file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RoomsFileError(f"cannot read rooms file {path}: {error}") from None
    entries = data.get("rooms") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise RoomsFileError(f"{path}: expected a non-empty list under 'rooms'")
    rooms = [_room(entry, index) for index, entry in enumerate(entries)]
    ids = [r.id for r in rooms]
    if len(set(ids)) != len(ids):
        raise RoomsFileError(f"{path}: room ids must be unique")
    return rooms


def _room(entry: Any, index: int) -> Room:
    """One validated room entry."""
    if not isinstance(entry, dict) or "id" not in entry or "name" not in entry:
        raise RoomsFileError(f"room #{index + 1}: 'id' and 'name' are required")
    try:
        capacity = int(entry.get("capacity", 1))
    except (TypeError, ValueError):
        raise RoomsFileError(f"room {entry['id']}: capacity must be a number") from None
    if capacity < 1:
        raise RoomsFileError(f"room {entry['id']}: capacity must be at least 1")
    return Room(
        id=str(entry["id"]),
        name=str(entry["name"]),
        capacity=capacity,
        aliases=tuple(str(a) for a in entry.get("aliases") or ()),
        equipment=tuple(str(e) for e in entry.get("equipment") or ()),
        floor=str(entry["floor"]) if entry.get("floor") is not None else None,
        name_en=str(entry["name_en"]) if entry.get("name_en") else None,
        calendar=str(entry["calendar"]) if entry.get("calendar") else None,
        approvers=_approvers(entry),
    )


def _approvers(entry: dict[str, Any]) -> tuple[str, ...]:
    """`approvers:` as namespaced identities (bare Slack ids are Slack's, as in ADMIN_USERS)."""
    raw = entry.get("approvers") or ()
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    if not isinstance(raw, list | tuple):
        raise RoomsFileError(f"room {entry['id']}: approvers must be a list of user ids")
    return tuple(dict.fromkeys(parse_identity(str(a), "slack") for a in raw if str(a).strip()))


def sync_rooms(session_factory: sessionmaker[Session], rooms: list[Room]) -> SyncResult:
    """Make the rooms table match the file: add, update, retire; never delete."""
    added = updated = unchanged = retired = 0
    wanted = {r.id: r for r in rooms}
    with session_factory() as session, session.begin():
        existing = {row.id: row for row in session.scalars(select(RoomRow))}
        for room in rooms:
            row = existing.get(room.id)
            if row is None:
                session.add(_row(room))
                added += 1
            elif _apply(row, room):
                updated += 1
            else:
                unchanged += 1
        for row_id, row in existing.items():
            if row_id not in wanted and not row.retired:
                row.retired = True
                retired += 1
    return SyncResult(added, updated, unchanged, retired)


def _row(room: Room) -> RoomRow:
    """A new row for a room."""
    row = RoomRow(id=room.id)
    _apply(row, room)
    return row


def _apply(row: RoomRow, room: Room) -> bool:
    """Copy the room's fields onto the row; True when anything changed."""
    values = {
        "name": room.name,
        "capacity": room.capacity,
        "aliases": list(room.aliases),
        "equipment": list(room.equipment),
        "floor": room.floor,
        "name_en": room.name_en,
        "calendar": room.calendar,
        "approvers": list(room.approvers),
        "retired": False,
    }
    changed = any(getattr(row, key, None) != value for key, value in values.items())
    for key, value in values.items():
        setattr(row, key, value)
    return changed
