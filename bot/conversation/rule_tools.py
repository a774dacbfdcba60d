"""The assistant's tools for the waitlist and series (registered in tools.TOOLS)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from booking import series, waitlist
from booking.clock import at, local
from booking.model import Reservation
from bot.conversation import tool_args as a
from bot.conversation.context import ToolContext
from bot.conversation.formats import WEEKDAYS_EN


def _slot(ctx: ToolContext, args: a.TimeRange) -> tuple[datetime, datetime]:
    """The aware start and end instants of a tool's time range."""
    midnight = at(args.date, datetime.min.time(), ctx.policy.tz)
    return at(args.date, args.start_time, ctx.policy.tz), midnight + args.end_delta()


def brief(ctx: ToolContext, r: Reservation) -> dict[str, Any]:
    """A date of a series as the model sees it."""
    start, end = local(r.start, ctx.policy.tz), local(r.end, ctx.policy.tz)
    return {
        "id": r.id, "date": start.date().isoformat(), "weekday": WEEKDAYS_EN[start.weekday()],
        "start_time": f"{start:%H:%M}", "end_time": f"{end:%H:%M}", "status": r.status,
        "room_id": r.room_id, "room": ctx.room_name(r.room_id),
    }  # fmt: skip


def join_waitlist(ctx: ToolContext, args: a.JoinWaitlist) -> dict[str, Any]:
    start, end = _slot(ctx, args)
    entry, ahead = waitlist.join_waitlist(
        ctx.uow(), ctx.policy, room=args.room, start=start, end=end, owner_id=ctx.user_id,
        now=ctx.now, title=args.title, source="assistant",
    )  # fmt: skip
    return {
        "waitlist": {"id": entry.id, "room_id": entry.room_id, "room": ctx.room_name(entry.room_id),
                     "room_en": ctx.room_name(entry.room_id, "en"),
                     "date": args.date.isoformat(), "start_time": f"{local(start, ctx.policy.tz):%H:%M}",
                     "end_time": f"{local(end, ctx.policy.tz):%H:%M}", "waiting_ahead": ahead},
        "note": "the user will get a message with a Book it button if the slot frees up",
    }  # fmt: skip


def get_series(ctx: ToolContext, args: a.GetSeries) -> dict[str, Any]:
    found, dates = series.get_series(ctx.uow(), series_id=args.series_id)
    if found.owner_id != ctx.user_id and ctx.user_id not in ctx.admins:
        return {"series": {"id": found.id, "mine": False}}
    return {
        "series": {"id": found.id, "room_id": found.room_id, "repeat": found.repeat,
                   "count": found.count, "title": found.title, "mine": True},
        "dates": [brief(ctx, r) for r in dates],
    }  # fmt: skip


def cancel_series(ctx: ToolContext, args: a.CancelSeries) -> dict[str, Any]:
    done = series.cancel_series(
        ctx.uow(), ctx.policy, series_id=args.series_id, actor_id=ctx.user_id, now=ctx.now,
        scope=args.scope, day=args.date, admins=ctx.admins,
    )  # fmt: skip
    return {"cancelled": [brief(ctx, r) for r in done]}
