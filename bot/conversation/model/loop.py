"""The bounded tool loop: model → tools → model …, capped in calls and in time per turn."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from booking.model import Room
from bot.conversation.context import ToolContext
from bot.conversation.history import ChatHistory
from bot.conversation.i18n import t
from bot.conversation.model.llm import ChatModel, Message, ModelUnavailable
from bot.conversation.model.prompt import system_prompt, user_turn
from bot.conversation.tools import TOOLS, describe, reply_from, run_tool
from bot.conversation.types import Inbound, Reply

log = logging.getLogger(__name__)
MAX_MODEL_CALLS = 6
MAX_TOOL_CALLS_PER_MESSAGE = 8
TURN_DEADLINE_S = 25.0


@dataclass
class Limits:
    """How much one turn may cost."""

    max_model_calls: int = MAX_MODEL_CALLS
    deadline_s: float = TURN_DEADLINE_S


class ModelLoop:
    """The model, its tool schemas and the limits every turn runs under."""

    def __init__(self, model: ChatModel, history: ChatHistory, limits: Limits | None = None):
        self.model, self.history, self.limits = model, history, limits or Limits()
        self.schemas = [tool.schema() for tool in TOOLS.values()]
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="model")

    def call_model(self, messages: list[Message], deadline: float) -> Message:
        """One model call that returns by the deadline, whatever the server does."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ModelUnavailable("timeout")
        future = self._pool.submit(self.model.complete, messages, self.schemas, remaining)
        try:
            return future.result(timeout=remaining)
        except FutureTimeout:
            raise ModelUnavailable("timeout") from None


class Turn:
    """The state of one turn: the messages so far and what the tools did."""

    def __init__(self, loop: ModelLoop, inbound: Inbound, ctx: ToolContext):
        self.loop, self.inbound, self.ctx = loop, inbound, ctx
        self.deadline = time.monotonic() + loop.limits.deadline_s
        self.messages: list[Message] = [{"role": "user", "content": inbound.text}]
        self.tools_ran = False

    def run(self) -> Reply:
        """Loop model → tools until the model answers in words or a limit is hit."""
        prompt = self._prompt()
        past = self.loop.history.load(self.inbound.session)
        latest = user_turn(self.ctx.now, self.ctx.policy, self.ctx.lang, self.inbound.text)
        asked: Message = {"role": "user", "content": latest}  # sent; history keeps the words
        for _ in range(self.loop.limits.max_model_calls):
            sent = [prompt, *past, asked, *self.messages[1:]]
            message = self.loop.call_model(sent, self.deadline)
            self.messages.append(message)
            calls = message.get("tool_calls") or []
            if not calls:
                return self._finish(message.get("content") or "", "model")
            self._run_tools(calls)
        return self._finish(t("too_many_steps", self.ctx.lang), "error")

    def fail(self, key: str, error: Exception) -> Reply:
        """Close the turn with a polite line (naming what was booked); keep the history valid."""
        log.warning("assistant turn ended early (%s): %s", key, type(error).__name__)
        text = t(key, self.ctx.lang)
        if self.ctx.created:
            booked = [describe(self.ctx, r) for r in self.ctx.created]
            lines = [
                f"• #{b['id']} {b['room']} {b['date']} {b['start_time']}–{b['end_time']}"
                for b in booked
            ]
            text = "\n".join([t("failed_after_booking", self.ctx.lang), *lines])
        return self._finish(text, "error")

    def _prompt(self) -> Message:
        with self.ctx.uow() as uow:
            rooms: list[Room] = uow.rooms.list()
        self.ctx.rooms = {r.id: r for r in rooms}  # the tools' replies reuse them this turn
        return {"role": "system", "content": system_prompt(self.ctx.policy, rooms)}

    def _run_tools(self, calls: list[dict[str, Any]]) -> None:
        """Answer every call id (OpenAI requires it); run at most the cap, in order."""
        for index, call in enumerate(calls):
            function = call.get("function", {})
            if index < MAX_TOOL_CALLS_PER_MESSAGE:
                self.tools_ran = True
                result = run_tool(self.ctx, function.get("name", ""), function.get("arguments", ""))
            else:
                result = {"ok": False, "error": {"code": "too_many_calls", "message": "Skipped."}}
            if not _is_json_object(function.get("arguments", "")):
                function["arguments"] = "{}"  # servers that parse the history refuse broken JSON
            content = json.dumps(result, ensure_ascii=False, default=str)
            self.messages.append(
                {"role": "tool", "tool_call_id": call.get("id", ""), "content": content}
            )

    def _finish(self, text: str, source: str) -> Reply:
        """Save the turn (ending in an assistant message) and build the reply."""
        last = self.messages[-1]
        if last["role"] != "assistant" or last.get("tool_calls") or last.get("content") != text:
            self.messages.append({"role": "assistant", "content": text})
        self.loop.history.append(self.inbound.session, _complete_pairs(self.messages))
        return reply_from(self.ctx, text, source)


def _is_json_object(text: str) -> bool:
    """True when a tool call's arguments are a JSON object (what every server accepts back)."""
    try:
        return isinstance(json.loads(text or "null"), dict)
    except json.JSONDecodeError:
        return False


def _complete_pairs(turn: list[Message]) -> list[Message]:
    """Keep only complete call/result pairs, so a turn cut short never stores an orphan."""
    answered = {m.get("tool_call_id") for m in turn if m["role"] == "tool"}
    kept = [
        m
        for m in turn
        if not m.get("tool_calls") or all(c.get("id") in answered for c in m["tool_calls"])
    ]
    called = {c.get("id") for m in kept for c in m.get("tool_calls") or []}
    return [m for m in kept if m["role"] != "tool" or m.get("tool_call_id") in called]
