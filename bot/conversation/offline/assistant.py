"""The offline assistant: understands common requests without a model and drives the same tools.

Used when OPENAI_API_KEY is absent and when the model cannot be reached. It never guesses a
missing room or time: it says what it understood and asks for the rest. When its previous reply
was a question, the next message completes the earlier request.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from bot.conversation.context import ToolContext
from bot.conversation.history import ChatHistory
from bot.conversation.offline.handler import Handler
from bot.conversation.offline.understand import Understood, is_affirmation, understand
from bot.conversation.tools import reply_from
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
        pending = _pending(past, ctx.now, rooms)
        if pending is not None and is_affirmation(inbound.text):  # "はい" to a confirmation
            heard = dataclasses.replace(pending, intent="book", lang=heard.lang)
        elif heard.intent == "wait" and heard.missing_for_booking():  # 'notify me' after a clash
            heard = merge(_last_request(past, ctx.now, rooms), heard)
        else:
            heard = merge(pending, heard)
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


def _last_request(past: list[dict[str, Any]], now: datetime, rooms: list[Any]) -> Understood | None:
    """The slot the user last asked to book, as a waitlist request ('notify me' follows it)."""
    for message in reversed(past):
        if message.get("role") == "user":
            said = understand(str(message.get("content", "")), now, rooms)
            if said.intent in ("book", "unknown") and said.room_id:
                return dataclasses.replace(said, intent="wait")
    return None


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
