"""JSON shapes of series, their clashes and waitlist entries (the guide's field names)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from booking.clock import local
from booking.errors import BookingError, SlotTaken
from booking.model import Reservation, TimeSlot
from booking.rules import Series, WaitEntry
from bot.api.errors import API_FIELDS
from bot.api.present import owner_json, reservation_json
from bot.conversation.alternatives import suggest
from bot.conversation.desk import Desk


def series_json(
    series: Series,
    dates: list[Reservation],
    tz: ZoneInfo,
    clashes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A series with, per planned date, its reservation (or the clash that kept it unbooked)."""
    start, end = local(series.first.start, tz), local(series.first.end, tz)
    by_place = {r.occurrence: r for r in dates}
    clash_by_day = {c["date"]: c for c in clashes or []}
    planned: list[dict[str, Any]] = []
    for place, slot in enumerate(series.slots(tz)):
        day = local(slot.start, tz).date().isoformat()
        r = by_place.get(place)
        if r is not None:
            planned.append({"date": day, "reservation": reservation_json(r, tz)})
        else:
            planned.append({"date": day, "reservation": None, "clash": clash_by_day.get(day)})
    return {
        "id": series.id, "room-id": series.room_id, "owner": owner_json(series.owner_id),
        "title": series.title, "repeat": series.repeat, "count": series.count,
        "weekdays-only": series.weekdays_only, "start-time": f"{start:%H:%M}",
        "end-time": f"{end:%H:%M}", "dates": planned,
    }  # fmt: skip


def clash_json(desk: Desk, slot: TimeSlot, error: BookingError) -> dict[str, Any]:
    """Why one date of a series could not be booked, with free alternatives for a taken slot."""
    body = error.to_dict()
    body["field"] = API_FIELDS.get(body["field"] or "", body["field"])
    clash: dict[str, Any] = {"date": local(slot.start, desk.policy.tz).date().isoformat(), **body}
    if isinstance(error, SlotTaken):
        now = desk.clock()
        clash["alternatives"] = suggest(
            desk.uow, desk.policy, error.room_id, slot.start, slot.end, now
        )
    return clash


def wait_json(entry: WaitEntry, ahead: int, tz: ZoneInfo) -> dict[str, Any]:
    """A waitlist entry: the slot waited for, its status and how many wait ahead."""
    start, end = local(entry.start, tz), local(entry.end, tz)
    return {
        "id": entry.id, "room-id": entry.room_id, "date": start.date().isoformat(),
        "start-time": f"{start:%H:%M}", "end-time": f"{end:%H:%M}", "title": entry.title,
        "owner": owner_json(entry.owner_id), "status": entry.status, "ahead": ahead,
        "held-reservation-id": entry.held_id,
        "hold-until": local(entry.hold_until, tz).isoformat() if entry.hold_until else None,
    }  # fmt: skip
