"""The assistant's per-turn cost with a zero-latency model, against the bare use case.

    .venv/bin/python -m bench.agent_turn [--runs 200] [--database-url URL]

Prints: median time of a booking turn (two model calls: create_reservation, then the reply;
history load and save, tool dispatch, database) and of calling services.create_reservation
directly (the baseline), their ratio, the number of model calls, and the bytes sent to the model
per request (system prompt + tool schemas + history), for the 1st and the 10th turn of a thread.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import fresh_database, median_ms, timed
from booking import services
from booking.clock import JST
from bot.conversation.core import Conversation
from bot.conversation.types import Inbound
from bot.settings import Settings
from storage.engine import make_session_factory
from storage.history import MemoryChatHistory
from storage.uow import SqlAlchemyUnitOfWork

NOW = datetime(2025, 9, 1, 9, 0, tzinfo=JST)


def sent(body: dict[str, Any]) -> bytes:
    """A request body as the openai client sends it: UTF-8 JSON without spaces."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class ScriptedModel:
    """A zero-latency model: book the slot named in the message, then confirm; records sizes."""

    def __init__(self) -> None:
        self.calls = 0
        self.request_bytes: list[int] = []

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], timeout: float
    ) -> dict[str, Any]:
        self.calls += 1
        self.request_bytes.append(len(sent({"messages": messages, "tools": tools})))
        if messages[-1]["role"] == "tool":
            return {"role": "assistant", "content": "予約しました。"}
        day, hour = json.loads(messages[-1]["content"].splitlines()[-1])  # after [Now: …]
        args = {
            "room": "会議室A",
            "date": day,
            "start_time": f"{hour:02d}:00",
            "duration_minutes": 60,
        }
        call = {
            "id": f"call_{self.calls}",
            "type": "function",
            "function": {"name": "create_reservation", "arguments": json.dumps(args)},
        }
        return {"role": "assistant", "content": "", "tool_calls": [call]}


def slot(i: int) -> tuple[str, int]:
    """A distinct (date, hour) for run i: 14 slots a day from 07:00."""
    day = (NOW + timedelta(days=1 + i // 14)).date().isoformat()
    return day, 7 + i % 14


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    _, engine = fresh_database(args.database_url)
    factory = make_session_factory(engine)
    policy = Settings(booking_window_days=3650).policy()

    model, history = ScriptedModel(), MemoryChatHistory(ttl=3600)
    agent = Conversation(lambda: SqlAlchemyUnitOfWork(factory), policy, history, lambda: NOW, model)

    def turn(i: int) -> None:
        inbound = Inbound("slack", "slack:U1", f"bench:{i // 10}", json.dumps(slot(i)), "ja")
        reply = agent.reply(inbound)
        assert reply.reservations, reply.text

    def baseline(i: int) -> None:
        day, hour = slot(i)
        start = datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=JST)
        services.create_reservation(
            SqlAlchemyUnitOfWork(factory),
            policy,
            room="2",
            start=start,
            end=start + timedelta(hours=1),
            owner_id="U1",
            now=NOW,
        )

    base = timed(args.runs, baseline)
    turns = timed(args.runs, turn)
    calls_per_turn = model.calls / args.runs
    first, tenth = model.request_bytes[0], model.request_bytes[18]
    print(
        f"runs={args.runs} database={engine.dialect.name} at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"baseline services.create_reservation: median {median_ms(base):.2f} ms")
    print(f"agent booking turn (zero-latency model): median {median_ms(turns):.2f} ms")
    print(f"ratio turn / baseline: {median_ms(turns) / median_ms(base):.2f}x")
    print(f"model calls per booking turn: {calls_per_turn:.1f} (minimum possible: 2)")
    print(f"request bytes to the model: turn 1 first call {first} B; turn 10 first call {tenth} B")


if __name__ == "__main__":
    main()
