"""Composition root: builds the real adapters from Settings, once, and hands each its collaborators."""

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
from bot.conversation.core import Conversation
from bot.conversation.desk import Desk
from bot.conversation.model.llm import ChatModel
from bot.conversation.model.loop import Limits
from bot.openai_model import OpenAIChatModel
from bot.reminders.jobs import JobConfig, Jobs
from bot.reminders.scheduler import Lock, ReminderScheduler
from bot.settings import Settings
from bot.slack.client import web_client
from bot.slack.deps import SlackDeps
from bot.slack.notify import SlackDigest, SlackNotifier, apologise_for_lost_replies
from storage.dedupe import EventDeduper
from storage.engine import make_engine, make_session_factory
from storage.event_claims import DatabaseClaims
from storage.history import ChatHistory, MemoryChatHistory, RedisChatHistory, ResilientHistory
from storage.pending import PendingReplies
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

    def __post_init__(self) -> None:
        self.session_factory = make_session_factory(self.engine)

    def uow(self) -> SqlAlchemyUnitOfWork:
        """A fresh unit of work whose recorded events feed the metrics."""
        uow = SqlAlchemyUnitOfWork(self.session_factory)
        uow.observer = metrics.observe
        return uow

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
        return OpenAIChatModel(
            s.openai_api_key,
            s.openai_model,
            s.openai_base_url,
            timeout=s.openai_timeout_seconds,
            max_retries=s.openai_max_retries,
            max_tokens=s.openai_max_tokens,
        )

    @cached_property
    def conversation(self) -> Conversation:
        """The conversation core every surface talks to."""
        s = self.settings
        limits = Limits(deadline_s=s.assistant_turn_deadline_seconds)
        return Conversation(
            self.uow, self.policy, self.history, self.clock, self.model, s.admins, limits
        )

    @cached_property
    def desk(self) -> Desk:
        """Bookings for commands, buttons and forms."""
        return Desk(self.uow, self.policy, self.clock, self.settings.admins)

    @cached_property
    def slack_client(self) -> WebClient:
        """The Slack Web API client (lazy: no request until first use)."""
        return web_client(self.settings.slack_bot_token, self.settings.slack_api_url)

    @cached_property
    def pending_replies(self) -> PendingReplies:
        """Slack placeholders awaiting their answer (so a crash never leaves one forever)."""
        return PendingReplies(self.redis)

    @cached_property
    def deduper(self) -> EventDeduper:
        """Slack event ids claimed in Redis and the database: a retry is answered once."""
        return EventDeduper(self.redis, DatabaseClaims(self.engine))

    @cached_property
    def slack(self) -> SlackDeps:
        """The Slack surface's collaborators."""
        s = self.settings
        return SlackDeps(
            client=self.slack_client, desk=self.desk, conversation=self.conversation,
            history=self.history, placeholders=self.pending_replies,
            deduper=self.deduper, clock=self.clock,
            default_language=s.default_language, signing_secret=s.slack_signing_secret,
            bot_token=s.slack_bot_token,
        )  # fmt: skip

    def jobs(self, client: WebClient | None = None) -> Jobs:
        """The scheduled jobs, telling Slack owners through the client."""
        s, client = self.settings, client or self.slack_client
        lang = s.default_language
        digest = (
            SlackDigest(client, s.digest_channel, lang, self.policy.tz)
            if s.digest_channel
            else None
        )
        config = JobConfig(
            s.reminder_lead_minutes,
            s.no_show_release_minutes,
            s.digest_time,
            s.digest_grace_minutes,
        )
        notifiers = {"slack": SlackNotifier(client, self.desk, lang)}
        return Jobs(self.uow, self.policy, config, notifiers, digest, metrics.count_reminder)

    def scheduler(
        self, client: WebClient | None = None, lock: Lock | None = None
    ) -> ReminderScheduler:
        """The reminder scheduler: every job, plus Slack's lost-reply apologies."""
        client = client or self.slack_client
        table = [
            *self.jobs(client).table(),
            (
                "lost_replies",
                lambda now: apologise_for_lost_replies(self.pending_replies, client, now),
            ),
        ]
        poll = self.settings.scheduler_poll_seconds
        return ReminderScheduler(table, self.clock, self.policy.tz, poll, lock)

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
