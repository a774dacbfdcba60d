"""Turns of the real conversation core against a local server, and what its tool calls did."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from bench.llama_server import LlamaServer
from booking.clock import JST
from bot.conversation.core import Conversation
from bot.conversation.model.loop import Limits
from bot.conversation.types import Inbound
from bot.openai_model import OpenAIChatModel
from bot.settings import Settings
from storage.engine import make_session_factory
from storage.history import MemoryChatHistory
from storage.models import ReservationRow
from storage.uow import SqlAlchemyUnitOfWork

NOW = datetime(2025, 9, 1, 9, 0, tzinfo=JST)  # a Monday morning
TURNS = (
    "明日14時から15時まで会議室Aを予約して",
    "Book Room B tomorrow from 10:00 to 11:00",
    "会議室の一覧を見せて",
    "What do I have booked?",
    "明日の予定を教えて",
    "Cancel reservation 1",
)
PREFILL, GENERATED = "prompt_tokens_total", "tokens_predicted_total"


class Capture:
    """A model that keeps the first request it is sent and answers 'OK'."""

    def __init__(self) -> None:
        self.sent: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], timeout: float
    ) -> dict[str, Any]:
        self.sent.append((json.loads(json.dumps(messages)), tools))
        return {"role": "assistant", "content": "OK"}


def first_requests(settings: Settings) -> list[dict[str, Any]]:
    """The first request of two turns, as the bot builds them: other time, user, language."""
    from bench.common import fresh_database

    _, engine = fresh_database(None)
    factory, capture = make_session_factory(engine), Capture()
    clock = [NOW]
    core = Conversation(lambda: SqlAlchemyUnitOfWork(factory), settings.policy(),
                        MemoryChatHistory(3600), lambda: clock[0], capture)  # fmt: skip
    core.reply(Inbound("slack", "slack:U1", "a", TURNS[0], "ja"))
    clock[0] = NOW + timedelta(hours=3, minutes=17)
    core.reply(Inbound("api", "api:bench", "b", TURNS[1], "en"))
    return [{"model": settings.openai_model, "messages": m, "tools": t} for m, t in capture.sent]


def reservations(engine: Engine) -> int:
    """How many active reservations the database holds."""
    with engine.connect() as connection:
        query = select(func.count()).select_from(ReservationRow).where(ReservationRow.active)
        return int(connection.execute(query).scalar_one())


def tool_outcomes(messages: list[dict[str, Any]]) -> list[str]:
    """Each tool call of a turn and what became of it: ran, refused by a rule, or unparsed."""
    names = {c["id"]: c["function"]["name"] for m in messages for c in m.get("tool_calls") or []}
    outcomes = []
    for message in messages:
        if message["role"] == "tool":
            result = json.loads(message["content"])
            error = result.get("error", {})
            code = "ran" if result.get("ok") else error.get("code", "?")
            why = f" ({error.get('message', '')[:60]})" if code == "invalid_arguments" else ""
            outcomes.append(f"{names.get(message['tool_call_id'], '?')}→{code}{why}")
    return outcomes


def run_turn(
    server: LlamaServer, settings: Settings, engine: Engine, text: str, base: float
) -> str:
    """One turn through the conversation core and the bot's OpenAI adapter; a report line."""
    s = settings
    model = OpenAIChatModel("sk-local", s.openai_model, server.url, s.openai_timeout_seconds,
                            s.openai_max_retries, s.openai_max_tokens)  # fmt: skip
    calls: list[dict[str, Any]] = []

    class Counting:
        def complete(self, *a: Any) -> dict[str, Any]:
            calls.append(model.complete(*a))
            return calls[-1]

    history, factory = MemoryChatHistory(3600), make_session_factory(engine)
    core = Conversation(lambda: SqlAlchemyUnitOfWork(factory), s.policy(), history, lambda: NOW,
                        Counting(), limits=Limits(deadline_s=s.assistant_turn_deadline_seconds))  # fmt: skip
    before, booked = server.metrics(), reservations(engine)
    started = time.perf_counter()
    reply = core.reply(Inbound("api", "api:bench", f"bench-{text}", text))
    took = time.perf_counter() - started
    after = server.metrics()
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in (PREFILL, GENERATED)}
    returned = sum(len(c.get("tool_calls") or []) for c in calls)
    return (
        f"turn {text!r}: {took:.2f} s ({took / base:.1f}x baseline TTFT); reply from "
        f"{reply.source}; {len(calls)} model calls; {delta[PREFILL]:.0f} prompt tokens computed, "
        f"{delta[GENERATED]:.0f} generated; tool calls returned {returned}: "
        f"{', '.join(tool_outcomes(history.load(f'bench-{text}'))) or '-'}; "
        f"reservations made {reservations(engine) - booked}; reply {reply.text[:70]!r}"
    )
