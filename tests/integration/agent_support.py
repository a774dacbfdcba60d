"""Helpers for the assistant's integration tests (test_agent.py, test_agent_faults.py).

The agent is built the way production builds it (Settings → container → assistant), pointed
at a `tests.fakes.openai_api.FakeOpenAI`; these helpers build it, talk to it and read back
the rows it wrote. The fixtures that use them live in conftest.py.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

from sqlalchemy import select

from booking import services
from booking.clock import JST, at
from bot.container import Container, build
from bot.conversation.core import Conversation
from bot.conversation.model.loop import Limits
from bot.conversation.types import Inbound, Reply
from bot.openai_model import OpenAIChatModel
from bot.settings import Settings
from storage.models import ReservationRow
from tests.conftest import NOW
from tests.fakes.openai_api import ApiRequest

USER = "slack:U_ALICE"
TOMORROW = "2025-09-29"
ROOM_A = {"room": "会議室A", "date": TOMORROW, "start_time": "14:00", "end_time": "15:00"}

Row = tuple[int, str, str, datetime, datetime, bool, str]


def make_container(db_url: str, openai_url: str, redis_url: str | None) -> Container:
    """The production container on db_url, its model at openai_url, the clock at NOW."""
    settings = Settings(
        database_url=db_url,
        flask_env="development",
        openai_api_key="sk-test",
        openai_base_url=openai_url,
        redis_url=redis_url,
    )
    return build(settings, clock=lambda: NOW)


def custom_agent(
    container: Container, *, timeout: float, max_retries: int, limits: Limits | None = None
) -> Conversation:
    """A conversation wired like Container.conversation, with short model timeouts and retries."""
    s = container.settings
    model = OpenAIChatModel(
        s.openai_api_key or "",
        s.openai_model,
        s.openai_base_url,
        timeout=timeout,
        max_retries=max_retries,
    )
    return Conversation(
        container.uow, container.policy, container.history, container.clock, model,
        container.settings.admins, limits,
    )  # fmt: skip


def ask(agent: Conversation, session: str, text: str, user: str = USER) -> Reply:
    """One user message to the conversation core."""
    return agent.reply(Inbound("slack", user, session, text))


def rows(container: Container) -> list[Row]:
    """Every reservation row: id, room, owner, start, end, active, title."""
    r = ReservationRow
    query = select(r.id, r.room_id, r.owner_id, r.start_at, r.end_at, r.active, r.title)
    with container.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query.order_by(r.id))]  # type: ignore[misc]


def book(container: Container, owner: str, room: str, start: str, end: str, title: str = "") -> int:
    """A reservation made directly through the service (someone else's, usually)."""
    day = datetime.fromisoformat(TOMORROW).date()
    made = services.create_reservation(
        container.uow(),
        container.policy,
        room=room,
        start=at(day, time.fromisoformat(start), JST),
        end=at(day, time.fromisoformat(end), JST),
        owner_id=owner,
        now=NOW,
        title=title,
    )
    assert made.id is not None
    return made.id


def tool_results(request: ApiRequest) -> dict[str, dict[str, Any]]:
    """The tool messages of a recorded request, by tool_call_id, their JSON parsed."""
    return {
        m["tool_call_id"]: json.loads(m["content"]) for m in request.messages if m["role"] == "tool"
    }


def slot(hour_from: int, hour_to: int) -> tuple[datetime, datetime]:
    """Tomorrow's slot in JST."""
    return datetime(2025, 9, 29, hour_from, tzinfo=JST), datetime(2025, 9, 29, hour_to, tzinfo=JST)
