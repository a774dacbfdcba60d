"""The board's view of rooms: texts in the reader's language, Japan time, owners and titles
shown only when the settings allow it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from booking.clock import local
from booking.identity import local_id, surface_of
from booking.model import Reservation, Room, TimeSlot
from booking.services import RoomDay
from bot.board.status import Timeline, state_at, timeline, window
from bot.conversation.i18n import t


@dataclass(frozen=True)
class Privacy:
    """What a board may show about a meeting besides its times."""

    show_owners: bool = False
    show_titles: bool = False

    def label(self, r: Reservation, lang: str) -> str:
        """Title and/or owner when allowed, else a neutral word."""
        parts = []
        if self.show_titles and r.title:
            parts.append(r.title)
        if self.show_owners:
            board = surface_of(r.owner_id) == "board"
            parts.append(t("board_walk_up_title", lang) if board else local_id(r.owner_id))
        return " · ".join(parts) or t("board_reserved", lang)


@dataclass(frozen=True)
class RoomView:
    """One room on a board."""

    room: Room
    name: str
    busy: bool
    headline: str
    detail: str
    next_meeting: str
    timeline: Timeline
    meetings: list[tuple[str, str]]
    walk_ups: list[int]


def hhmm(instant: datetime, tz: ZoneInfo) -> str:
    """'14:00' in local time."""
    return f"{local(instant, tz):%H:%M}"


def room_view(
    day: RoomDay,
    now: datetime,
    tz: ZoneInfo,
    lang: str,
    privacy: Privacy,
    hours: tuple[time, time] | None,
    walk_up: Callable[[RoomDay, int], TimeSlot | None] | None = None,
) -> RoomView:
    """A room's state now, its next meeting and today's timeline, in one language."""
    state = state_at(day.reservations, now)
    if state.busy_until is not None:
        headline = t("board_busy", lang)
        detail = t("board_busy_until", lang, time=hhmm(state.busy_until, tz))
    else:
        headline = t("board_free", lang)
        detail = (
            t("board_free_until", lang, time=hhmm(state.next.start, tz))
            if state.next
            else t("board_free_rest", lang)
        )
    nxt = state.next
    next_meeting = (
        t("board_next", lang, span=f"{hhmm(nxt.start, tz)}–{hhmm(nxt.end, tz)}")
        if nxt
        else t("board_no_next", lang)
    )
    span = window(local(now, tz).date(), tz, hours)

    def label(r: Reservation) -> str:
        return privacy.label(r, lang)

    meetings = [
        (f"{hhmm(r.start, tz)}–{hhmm(r.end, tz)}", label(r))
        for r in day.reservations
        if r.end > now
    ]
    offers = [] if walk_up is None else [m for m in (15, 30) if walk_up(day, m) is not None]
    return RoomView(
        room=day.room,
        name=day.room.label(lang),
        busy=state.busy_until is not None,
        headline=headline,
        detail=detail,
        next_meeting=next_meeting,
        timeline=timeline(day.reservations, span, now, tz, label),
        meetings=meetings,
        walk_ups=offers,
    )


def by_floor(views: list[RoomView], lang: str) -> list[tuple[str, list[RoomView]]]:
    """Rooms grouped by floor, floors in natural order, rooms without one last."""
    floors: dict[str, list[RoomView]] = {}
    for v in views:
        floors.setdefault(v.room.floor or "", []).append(v)

    def key(name: str) -> tuple[int, int, str]:
        digits = "".join(ch for ch in name if ch.isdigit())
        return (0 if name else 1, int(digits) if digits else 0, name)

    return [(f or t("board_floor_none", lang), floors[f]) for f in sorted(floors, key=key)]
