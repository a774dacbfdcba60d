"""The bounded tool loop: model → tools → model …, capped in calls and in time per turn."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from booking.model import Room
from bot.assistant import messages
from bot.assistant.conversation import ChatReply, ChatRequest
from bot.assistant.llm import ChatModel, Message, ModelUnavailable
from bot.assistant.prompt import system_prompt
from bot.assistant.tools import TOOLS, ToolContext, describe, run_tool
from bot.assistant.understand import detect_language
from storage.history import ChatHistory

log = logging.getLogger(__name__)
MAX_MODEL_CALLS = 6
MAX_TOOL_CALLS_PER_MESSAGE = 8
TURN_DEADLINE_S = 25.0


class Fallback(Protocol):
    """The offline assistant, used when the model is absent or unreachable."""

    def reply(self, request: ChatRequest, lang: str) -> ChatReply: ...


@dataclass
class Limits:
    """How much one turn may cost."""

    max_model_calls: int = MAX_MODEL_CALLS
    deadline_s: float = TURN_DEADLINE_S


class Agent:
    """Answers one message of a conversation, using the model when there is one."""

    def __init__(
        self,
        model: ChatModel | None,
        history: ChatHistory,
        context: Callable[[str, datetime], ToolContext],
        fallback: Fallback,
        clock: Callable[[], datetime],
        limits: Limits | None = None,
    ):
        self.model, self.history, self.context = model, history, context
        self.fallback, self.clock, self.limits = fallback, clock, limits or Limits()
        self.schemas = [tool.schema() for tool in TOOLS.values()]
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="model")

    def reply(self, request: ChatRequest) -> ChatReply:
        """The answer to one user message (never raises for infrastructure failures)."""
        lang = request.lang or detect_language(request.text)
        if self.model is None:
            return self.offline(request, lang)
        turn = Turn(self, request, lang)
        try:
            return turn.run()
        except ModelUnavailable as error:
            if error.reason == "unreachable" and not turn.tools_ran:
                log.warning("model unreachable; the offline assistant answers")
                return self.offline(request, lang)
            return turn.fail("timeout" if error.reason == "timeout" else "model_failed", error)
        except Exception as error:  # the user gets a polite line, the log gets the traceback
            log.exception("assistant turn failed")
            return turn.fail(_infrastructure_key(error), error)

    def offline(self, request: ChatRequest, lang: str) -> ChatReply:
        """The offline assistant's answer; an infrastructure failure becomes a polite line."""
        try:
            return self.fallback.reply(request, lang)
        except Exception as error:
            log.exception("offline assistant failed")
            reply_lang = "en" if lang == "en" else "ja"
            return ChatReply(
                messages.text(_infrastructure_key(error), lang), reply_lang, [], "error"
            )

    def call_model(self, messages_: list[Message], deadline: float) -> Message:
        """One model call that returns by the deadline, whatever the server does."""
        assert self.model is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ModelUnavailable("timeout")
        future = self._pool.submit(self.model.complete, messages_, self.schemas, remaining)
        try:
            return future.result(timeout=remaining)
        except FutureTimeout:
            raise ModelUnavailable("timeout") from None


def _infrastructure_key(error: Exception) -> str:
    """Which polite text fits an unexpected failure."""
    name = type(error).__name__
    return "database_down" if name in ("OperationalError", "TimeoutError") else "internal"


class Turn:
    """The state of one turn: the messages so far and what the tools did."""

    def __init__(self, agent: Agent, request: ChatRequest, lang: str):
        self.agent, self.request, self.lang = agent, request, lang
        self.deadline = time.monotonic() + agent.limits.deadline_s
        self.now = agent.clock()
        self.ctx = agent.context(request.user_id, self.now)
        self.messages: list[Message] = [{"role": "user", "content": request.text}]
        self.tools_ran = False

    def run(self) -> ChatReply:
        """Loop model → tools until the model answers in words or a limit is hit."""
        prompt = self._prompt()
        past = self.agent.history.load(self.request.session)
        for _ in range(self.agent.limits.max_model_calls):
            message = self.agent.call_model([prompt, *past, *self.messages], self.deadline)
            self.messages.append(message)
            calls = message.get("tool_calls") or []
            if not calls:
                return self._finish(message.get("content") or "", "model")
            self._run_tools(calls)
        return self._finish(messages.text("too_many_steps", self.lang), "error")

    def fail(self, key: str, error: Exception) -> ChatReply:
        """Close the turn with a polite line (naming what was booked); keep the history valid."""
        log.warning("assistant turn ended early (%s): %s", key, type(error).__name__)
        text = messages.text(key, self.lang)
        if self.ctx.created:
            booked = [describe(self.ctx, r) for r in self.ctx.created]
            lines = [
                f"• #{b['id']} {b['room']} {b['date']} {b['start_time']}–{b['end_time']}"
                for b in booked
            ]
            text = "\n".join([messages.text("failed_after_booking", self.lang), *lines])
        return self._finish(text, "error")

    def _prompt(self) -> Message:
        with self.ctx.uow() as uow:
            rooms: list[Room] = uow.rooms.list()
        self.ctx.rooms = {r.id: r for r in rooms}  # the tools' replies reuse them this turn
        content = system_prompt(self.now, self.ctx.policy, rooms, self.lang)
        return {"role": "system", "content": content}

    def _run_tools(self, calls: list[dict[str, Any]]) -> None:
        """Answer every call id (OpenAI requires it); run at most the cap, in order."""
        for index, call in enumerate(calls):
            function = call.get("function", {})
            if index < MAX_TOOL_CALLS_PER_MESSAGE:
                self.tools_ran = True
                result = run_tool(self.ctx, function.get("name", ""), function.get("arguments", ""))
            else:
                result = {"ok": False, "error": {"code": "too_many_calls", "message": "Skipped."}}
            content = json.dumps(result, ensure_ascii=False, default=str)
            self.messages.append(
                {"role": "tool", "tool_call_id": call.get("id", ""), "content": content}
            )

    def _finish(self, text: str, source: str) -> ChatReply:
        """Save the turn (ending in an assistant message) and build the reply."""
        last = self.messages[-1]
        if last["role"] != "assistant" or last.get("tool_calls") or last.get("content") != text:
            self.messages.append({"role": "assistant", "content": text})
        self.agent.history.append(self.request.session, _complete_pairs(self.messages))
        lang = "en" if self.lang == "en" else "ja"
        return ChatReply(text, lang, list(self.ctx.created), source)  # type: ignore[arg-type]


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
