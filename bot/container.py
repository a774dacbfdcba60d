"""Composition root: builds the real adapters from Settings, once, and hands them down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import redis
from slack_sdk import WebClient
from sqlalchemy import Engine, text

from booking.policy import Policy
from bot import metrics
from bot.assistant.agent import Agent
from bot.assistant.llm import ChatModel, OpenAIChatModel
from bot.assistant.offline import OfflineAssistant
from bot.assistant.tools import ToolContext
from bot.settings import Settings
from bot.slack.client import web_client
from bot.slack.pending import PendingReplies
from storage.engine import make_engine, make_session_factory
from storage.history import ChatHistory, MemoryChatHistory, RedisChatHistory, ResilientHistory
from storage.uow import SqlAlchemyUnitOfWork

Clock = Callable[[], datetime]
REDIS_TIMEOUT_S = 1.0


def system_clock() -> datetime:
    """The current instant (UTC)."""
    return datetime.now(UTC)


@dataclass
class Container:
    """The application's collaborators, built from settings."""

    settings: Settings
    engine: Engine
    policy: Policy
    clock: Clock
    redis: redis.Redis | None

    def uow(self) -> SqlAlchemyUnitOfWork:
        """A fresh unit of work whose recorded events feed the metrics."""
        uow = SqlAlchemyUnitOfWork(self.session_factory)
        uow.observer = metrics.observe
        return uow

    def __post_init__(self) -> None:
        self.session_factory = make_session_factory(self.engine)

    def tool_context(self, user_id: str, now: datetime) -> ToolContext:
        """The tools' view of one verified request."""
        return ToolContext(self.uow, self.policy, user_id, now, self.settings.admins)

    @cached_property
    def history(self) -> ChatHistory:
        """Chat history: Redis when configured, else in this process; outages degrade softly."""
        ttl = self.settings.chat_history_ttl
        inner = RedisChatHistory(self.redis, ttl) if self.redis else MemoryChatHistory(ttl)
        return ResilientHistory(inner)

    @cached_property
    def model(self) -> ChatModel | None:
        """The LLM, when an API key is configured."""
        s = self.settings
        if not s.openai_api_key:
            return None
        return OpenAIChatModel(s.openai_api_key, s.openai_model, s.openai_base_url)

    @cached_property
    def slack_client(self) -> WebClient:
        """The Slack Web API client (lazy: no request until first use)."""
        return web_client(self.settings.slack_bot_token, self.settings.slack_api_url)

    @cached_property
    def pending_replies(self) -> PendingReplies:
        """Slack placeholders awaiting their answer (so a crash never leaves one forever)."""
        return PendingReplies(self.redis)

    @cached_property
    def assistant(self) -> Agent:
        """The assistant every surface talks to."""
        offline = OfflineAssistant(self.tool_context, self.clock, self.history)
        return Agent(self.model, self.history, self.tool_context, offline, self.clock)

    def check_database(self) -> None:
        """Run a trivial query; raises when the database is unreachable."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def check_redis(self) -> None:
        """Ping Redis; raises when it is unreachable."""
        if self.redis is not None:
            self.redis.ping()


def build(settings: Settings, clock: Clock = system_clock) -> Container:
    """Build the container; nothing connects until first use."""
    client = None
    if settings.redis_url:
        client = redis.Redis.from_url(
            settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            health_check_interval=30,
        )
    return Container(
        settings=settings,
        engine=make_engine(settings.database_url),
        policy=settings.policy(),
        clock=clock,
        redis=client,
    )
