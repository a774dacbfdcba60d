"""The assistant's tools: one table of name → argument model → function over the use cases.

The acting user, the admins and the current time come from ToolContext (the verified request),
never from the model. Domain errors become tool results so the model can recover.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import ValidationError

from booking import series, services
from booking.clock import at, local
from booking.errors import BookingError, ReservationNotFound, SlotTaken
from booking.model import Reservation, Room
from bot.conversation import rule_tools
from bot.conversation import tool_args as a
from bot.conversation.alternatives import suggest
from bot.conversation.context import ToolContext
from bot.conversation.formats import WEEKDAYS_EN
from bot.conversation.i18n import t
from bot.conversation.types import Action, Lang, Reply, Source


def describe(ctx: ToolContext, r: Reservation) -> dict[str, Any]:
    """A reservation as the model sees it, in Japan time."""
    start, end = local(r.start, ctx.policy.tz), local(r.end, ctx.policy.tz)
    return {
        "id": r.id,
        "room_id": r.room_id,
        "room": ctx.room_name(r.room_id),
        "room_en": ctx.room_name(r.room_id, "en"),
        "date": start.date().isoformat(),
        "weekday": WEEKDAYS_EN[start.weekday()],
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "title": r.title,
        "mine": r.owner_id == ctx.user_id,
        "status": r.status,  # active | pending (approval) | held (a waitlist offer) | cancelled…
        **({"series_id": r.series_id} if r.series_id is not None else {}),
    }


def room_info(room: Room) -> dict[str, Any]:
    """A room as the model sees it."""
    return {
        "id": room.id,
        "name": room.name,
        "name_en": room.label("en"),
        "aliases": list(room.aliases),
        "capacity": room.capacity,
        "equipment": list(room.equipment),
        "floor": room.floor,
    }


def slot_of(ctx: ToolContext, args: a.TimeRange) -> tuple[datetime, datetime]:
    """The aware start and end instants of a tool's time range."""
    midnight = at(args.date, datetime.min.time(), ctx.policy.tz)
    start = at(args.date, args.start_time, ctx.policy.tz)
    return start, midnight + args.end_delta()


def list_rooms(ctx: ToolContext, args: a.ListRooms) -> dict[str, Any]:
    with ctx.uow() as uow:
        return {"rooms": [room_info(r) for r in uow.rooms.list()]}


def find_free_rooms(ctx: ToolContext, args: a.FindFreeRooms) -> dict[str, Any]:
    start, end = slot_of(ctx, args)
    rooms = services.find_free_rooms(
        ctx.uow(),
        ctx.policy,
        start=start,
        end=end,
        now=ctx.now,
        capacity=args.capacity,
        equipment=args.equipment,
    )
    return {"free_rooms": [room_info(r) for r in rooms]}


def get_schedule(ctx: ToolContext, args: a.GetSchedule) -> dict[str, Any]:
    days = services.day_schedule(ctx.uow(), ctx.policy, day=args.date, room=args.room)
    ctx.list_own([r for d in days for r in d.reservations if r.end > ctx.now])
    tz = ctx.policy.tz
    return {
        "date": args.date.isoformat(),
        "weekday": WEEKDAYS_EN[args.date.weekday()],
        "rooms": [
            {
                "room": room_info(d.room),
                "reservations": [describe(ctx, r) for r in d.reservations],
                "free": [f"{local(g.start, tz):%H:%M}-{local(g.end, tz):%H:%M}" for g in d.free],
            }
            for d in days
        ],
    }


def _book(
    ctx: ToolContext, room: str, start: datetime, end: datetime, title: str, party: int | None
) -> Reservation:
    """Book for the acting user, as the assistant."""
    return services.create_reservation(
        ctx.uow(), ctx.policy, room=room, start=start, end=end, owner_id=ctx.user_id,
        now=ctx.now, title=title, source="assistant", party_size=party,
    )  # fmt: skip


def create_reservation(ctx: ToolContext, args: a.CreateReservation) -> dict[str, Any]:
    start, end = slot_of(ctx, args)
    try:
        made = _book(ctx, args.room, start, end, args.title, args.attendees)
    except SlotTaken as taken:
        mine = _same_booking_of_mine(ctx, taken, start, end)
        if mine is None:
            raise
        return {"reservation": describe(ctx, mine), "note": "already booked by you"}
    ctx.created.append(made)
    ctx.offer(Action("cancel", made.id))
    return {"reservation": describe(ctx, made)}


def _same_booking_of_mine(
    ctx: ToolContext, taken: SlotTaken, start: datetime, end: datetime
) -> Reservation | None:
    """The user's own identical reservation (a repeated create books once)."""
    with ctx.uow() as uow:
        held = uow.reservations.active_between(start, end, taken.room_id)
    same = [r for r in held if r.owner_id == ctx.user_id and (r.start, r.end) == (start, end)]
    return same[0] if same else None


def cancel_reservation(ctx: ToolContext, args: a.CancelReservation) -> dict[str, Any]:
    done = services.cancel_reservation(
        ctx.uow(),
        reservation_id=args.reservation_id,
        actor_id=ctx.user_id,
        now=ctx.now,
        admins=ctx.admins,
    )
    ctx.listed[:] = [r for r in ctx.listed if r.id != done.id]  # no Cancel on what is gone
    ctx.actions[:] = [a for a in ctx.actions if a != Action("cancel", done.id)]
    return {"cancelled": describe(ctx, done)}


def list_my_reservations(ctx: ToolContext, args: a.ListMyReservations) -> dict[str, Any]:
    mine = services.upcoming_for_user(ctx.uow(), owner_id=ctx.user_id, now=ctx.now)
    ctx.list_own(mine)
    return {"reservations": [describe(ctx, r) for r in mine]}


def change_reservation(ctx: ToolContext, args: a.ChangeReservation) -> dict[str, Any]:
    with ctx.uow() as uow:
        current = uow.reservations.get(args.reservation_id)
    if current is None:
        raise ReservationNotFound(args.reservation_id)
    start, end = _moved(ctx, current, args)
    moved = services.change_reservation(
        ctx.uow(),
        ctx.policy,
        reservation_id=args.reservation_id,
        actor_id=ctx.user_id,
        now=ctx.now,
        start=start,
        end=end,
        room=args.room,
        admins=ctx.admins,
    )
    return {"reservation": describe(ctx, moved)}


def _moved(
    ctx: ToolContext, current: Reservation, args: a.ChangeReservation
) -> tuple[datetime, datetime]:
    """The new slot: given fields replace the old ones; a move keeps the length unless told."""
    tz = ctx.policy.tz
    old_start = local(current.start, tz)
    day = args.date or old_start.date()
    start = at(day, args.start_time or old_start.time(), tz)
    if args.duration_minutes is not None:
        return start, start + timedelta(minutes=args.duration_minutes)
    if args.end_time is not None:
        end = at(day, args.end_time, tz)
        return start, end if end > start else end + timedelta(days=1)
    return start, start + current.slot.duration


def book_series(ctx: ToolContext, args: a.BookSeries) -> dict[str, Any]:
    start, end = slot_of(ctx, args)
    made = series.book_series(
        ctx.uow(), ctx.policy, room=args.room, start=start, end=end, owner_id=ctx.user_id,
        now=ctx.now, repeat=args.frequency, count=args.count,
        weekdays_only=args.weekdays_only and args.frequency == "daily", title=args.title,
        source="assistant",
    )  # fmt: skip
    for r in made.booked:
        ctx.created.append(r)
        ctx.offer(Action("cancel", r.id))
    conflicts = [
        {"date": local(slot.start, ctx.policy.tz).date().isoformat(), "error": error.to_dict(),
         **_alternatives(ctx, error, slot.start, slot.end, wait=False)}
        for slot, error in made.clashes
    ]  # fmt: skip
    series_id = made.series.id if made.series else None
    return {"series_id": series_id, "booked": [describe(ctx, r) for r in made.booked],
            "conflicts": conflicts}  # fmt: skip


def _alternatives(
    ctx: ToolContext, error: BookingError, start: datetime, end: datetime, wait: bool = True
) -> dict[str, Any]:
    """For a conflict: free rooms at that time, the nearest free times in that room, and
    (unless told not to) waiting for the slot itself."""
    if not isinstance(error, SlotTaken):
        return {}
    found = suggest(ctx.uow, ctx.policy, error.room_id, start, end, ctx.now)
    for room in found["free_rooms"]:
        ctx.offer(Action("book", room_id=room["id"], start=start.isoformat(), end=end.isoformat()))
    if wait:
        ctx.offer(
            Action("waitlist", room_id=error.room_id, start=start.isoformat(), end=end.isoformat())
        )
    return {"alternatives": found, "can_wait": wait}


@dataclass(frozen=True)
class Tool:
    """One entry of the tool table."""

    name: str
    args: type[a.Args]
    run: Callable[[ToolContext, Any], dict[str, Any]]

    def schema(self) -> dict[str, Any]:
        """The Chat Completions tool definition, generated from the argument model."""
        parameters = a.parameters(self.args)
        description = (self.args.__doc__ or self.name).strip()
        return {
            "type": "function",
            "function": {"name": self.name, "description": description, "parameters": parameters},
        }


TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        Tool("list_rooms", a.ListRooms, list_rooms),
        Tool("find_free_rooms", a.FindFreeRooms, find_free_rooms),
        Tool("get_schedule", a.GetSchedule, get_schedule),
        Tool("create_reservation", a.CreateReservation, create_reservation),
        Tool("cancel_reservation", a.CancelReservation, cancel_reservation),
        Tool("list_my_reservations", a.ListMyReservations, list_my_reservations),
        Tool("change_reservation", a.ChangeReservation, change_reservation),
        Tool("book_series", a.BookSeries, book_series),
        Tool("join_waitlist", a.JoinWaitlist, rule_tools.join_waitlist),
        Tool("get_series", a.GetSeries, rule_tools.get_series),
        Tool("cancel_series", a.CancelSeries, rule_tools.cancel_series),
    )
}


def run_tool(ctx: ToolContext, name: str, raw_arguments: str) -> dict[str, Any]:
    """Run one tool call as a visible step; every refusal is a result the model can read."""
    label = t(f"step_{name}" if name in TOOLS else "step_unknown", ctx.lang)
    ctx.step(name, "started", label)
    result = _run(ctx, name, raw_arguments)
    if result.get("ok"):
        ctx.step(name, "finished", _summary(ctx, result) or label)
    else:
        error = result.get("error", {})
        why = error.get("message" if ctx.lang == "en" else "message_ja") or error.get("code", "")
        ctx.step(name, "failed", t("step_failed", ctx.lang, why=why))
    return result


def _summary(ctx: ToolContext, result: dict[str, Any]) -> str:
    """A one-line summary of a successful tool result."""
    if "free_rooms" in result:
        return t("step_free_rooms", ctx.lang, n=len(result["free_rooms"]))
    made = result.get("reservation")
    if isinstance(made, dict):
        room = made["room_en"] if ctx.lang == "en" else made["room"]
        what = f"{room} {made['date']} {made['start_time']}–{made['end_time']}"
        return t("step_booked", ctx.lang, what=what)
    return t("step_done", ctx.lang)


def _run(ctx: ToolContext, name: str, raw_arguments: str) -> dict[str, Any]:
    """Validate the arguments and run the tool; refusals become results."""
    tool = TOOLS.get(name)
    if tool is None:
        return _error("unknown_tool", f"No tool named {name!r}. Tools: {', '.join(TOOLS)}.")
    try:
        args = tool.args.model_validate(json.loads(raw_arguments or "{}"))
    except json.JSONDecodeError:
        return _error("invalid_arguments", "The arguments are not valid JSON.")
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in error.errors()
        )
        return _error("invalid_arguments", problems)
    try:
        return {"ok": True, **tool.run(ctx, args)}
    except BookingError as error:
        start_end = slot_of(ctx, args) if isinstance(args, a.TimeRange) else None
        extra = _alternatives(ctx, error, *start_end) if start_end else {}
        return {"ok": False, "error": error.to_dict(), **extra}


def _error(code: str, message: str) -> dict[str, Any]:
    """A tool result describing a refused call."""
    return {"ok": False, "error": {"code": code, "message": message}}


def reply_from(ctx: ToolContext, text: str, source: str) -> Reply:
    """The structured reply of a turn whose tools ran in this context."""
    lang: Lang = "en" if ctx.lang == "en" else "ja"
    kind = cast(Source, source)
    made = {r.id for r in ctx.created}
    listed = [r for r in ctx.listed if r.id not in made]
    return Reply(
        text, lang, reservations=list(ctx.created), actions=list(ctx.actions),
        progress=list(ctx.steps), source=kind, rooms=dict(ctx.rooms), listed=listed,
    )  # fmt: skip
