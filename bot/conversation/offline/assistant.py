"""The offline assistant: understands common requests without a model and drives the same tools.

Used when OPENAI_API_KEY is absent and when the model cannot be reached. It never guesses a
missing room or time: it says what it understood and asks for the rest. When its previous reply
was a question, the next message completes the earlier request.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from bot.conversation.history import ChatHistory
from bot.conversation.offline import replies as t
from bot.conversation.offline.understand import Understood, understand
from bot.conversation.tools import ToolContext, reply_from, run_tool
from bot.conversation.types import Inbound, Reply


class OfflineAssistant:
    """Rule-based understanding of booking requests in Japanese and English."""

    def __init__(self, history: ChatHistory):
        self.history = history

    def reply(self, inbound: Inbound, ctx: ToolContext) -> Reply:
        """Understand, act through the tools, answer in the user's language."""
        with ctx.uow() as uow:
            rooms = uow.rooms.list()
        ctx.rooms = {r.id: r for r in rooms}
        past = self.history.load(inbound.session)
        heard = understand(inbound.text, ctx.now, rooms)
        heard = merge(_pending(past, ctx.now, rooms), heard)
        text = Handler(ctx, heard, ctx.lang).answer()
        turn = [{"role": "user", "content": inbound.text}, {"role": "assistant", "content": text}]
        self.history.append(inbound.session, turn)
        return reply_from(ctx, text, "offline")


def _pending(past: list[dict[str, Any]], now: datetime, rooms: list[Any]) -> Understood | None:
    """The request being completed: every user message answered by a question, merged in order."""
    asked: list[str] = []
    for user, reply in zip(past[-2::-2], past[::-2], strict=False):  # newest (user, reply) first
        if (
            user.get("role") != "user"
            or reply.get("role") != "assistant"
            or not _is_question(reply)
        ):
            break
        asked.insert(0, str(user.get("content", "")))
    request: Understood | None = None
    for text in asked:
        request = merge(request, understand(text, now, rooms))
    return request


def _is_question(message: dict[str, Any]) -> bool:
    """True when the assistant's reply asked something."""
    return str(message.get("content", "")).rstrip().endswith(("?", "？"))


def merge(earlier: Understood | None, now: Understood) -> Understood:
    """Complete an earlier request with what the new message adds (new values win)."""
    if earlier is None or now.intent not in ("unknown", earlier.intent):
        return now
    changes = {
        f.name: getattr(now, f.name)
        for f in dataclasses.fields(now)
        if getattr(now, f.name) not in (None, (), "unknown") and f.name not in ("lang", "day_said")
    }
    if not now.day_said and earlier.day is not None:  # a bare time keeps the day said before
        changes.pop("day", None)
    if now.end is not None or now.duration is not None:  # a new end replaces both old forms
        changes.setdefault("end", None)
        changes.setdefault("duration", None)
    return dataclasses.replace(earlier, **changes, lang=now.lang)


class Handler:
    """Turns one understood request into tool calls and a reply."""

    def __init__(self, ctx: ToolContext, heard: Understood, lang: str):
        self.ctx, self.heard, self.lang = ctx, heard, lang

    def call(self, name: str, **args: Any) -> dict[str, Any]:
        """Run a tool exactly as the model would."""
        clean = {k: v for k, v in args.items() if v is not None}
        return run_tool(self.ctx, name, json.dumps(clean, default=str))

    def answer(self) -> str:
        """The reply for the understood intent."""
        handlers = {
            "book": self.book,
            "free": self.free,
            "schedule": self.schedule,
            "mine": self.mine,
            "cancel": self.cancel,
        }
        return handlers.get(self.heard.intent, self.help)()

    def times(self) -> dict[str, Any]:
        """The time arguments of the request."""
        h = self.heard
        end = h.end_time()
        return {
            "date": h.day,
            "start_time": h.start,
            "end_time": end.strftime("%H:%M") if end else None,
        }

    def book(self) -> str:
        missing = self.heard.missing_for_booking()
        if not missing and self._too_small():
            missing = ["room"]  # the named room does not seat them: offer ones that do
        if missing == ["room"]:
            found = self.call("find_free_rooms", **self.times(), **self._needs())
            return t.pick_room(self.lang, self.heard, found)
        if missing:
            return t.ask(self.lang, self.heard, missing)
        h = self.heard
        result = self.call(
            "create_reservation", room=h.room_id, **self.times(), title=h.title,
            attendees=h.capacity,
        )  # fmt: skip
        return t.booked(self.lang, result)

    def free(self) -> str:
        missing = [m for m in self.heard.missing_for_booking() if m != "room"]
        if missing:
            return t.ask(self.lang, self.heard, missing)
        found = self.call("find_free_rooms", **self.times(), **self._needs())
        return t.free_rooms(self.lang, self.heard, found)

    def schedule(self) -> str:
        day = self.heard.day or self.ctx.now.astimezone(self.ctx.policy.tz).date()
        return t.schedule(self.lang, self.call("get_schedule", date=day, room=self.heard.room_id))

    def mine(self) -> str:
        return t.mine(self.lang, self.call("list_my_reservations"))

    def cancel(self) -> str:
        if self.heard.reservation_id is None:
            return t.which_to_cancel(self.lang, self.call("list_my_reservations"))
        return t.cancelled(
            self.lang, self.call("cancel_reservation", reservation_id=self.heard.reservation_id)
        )

    def help(self) -> str:
        return t.help_text(self.lang, self.heard)

    def _too_small(self) -> bool:
        """True when the named room seats fewer people than the request asks for."""
        h = self.heard
        room = self.ctx.rooms.get(h.room_id or "") if self.ctx.rooms else None
        return bool(h.capacity and room is not None and room.capacity < h.capacity)

    def _needs(self) -> dict[str, Any]:
        return {"capacity": self.heard.capacity, "equipment": list(self.heard.equipment) or None}
