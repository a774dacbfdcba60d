"""Composition root: builds the real adapters from Settings, once, and hands each its collaborators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text

from booking import outbox
from booking.policy import Policy
from bot import metrics
from bot.calendar.feeds import Feeds
from bot.calendar.pull import Puller
from bot.calendar.push import Pusher
from bot.conversation.core import Conversation
from bot.conversation.desk import Desk
from bot.conversation.model.llm import ChatModel
from bot.conversation.model.loop import Limits
from bot.openai_model import OpenAIChatModel
from bot.reminders.jobs import Job, JobConfig, Jobs
from bot.settings import Settings
from storage.dedupe import EventDeduper
from storage.engine import make_engine, make_session_factory, once_more_if_dead
from storage.event_claims import DatabaseClaims
from storage.feedback import FeedbackStore
from storage.history import ChatHistory, MemoryChatHistory, RedisChatHistory, ResilientHistory
from storage.pending import PendingReplies
from storage.teams import TeamsConversations
from storage.thread_contexts import ThreadContextStore
from storage.uow import SqlAlchemyUnitOfWork

if TYPE_CHECKING:  # Slack, the Teams SDK, CalDAV, Redis, APScheduler load only where used
    import redis
    from aiohttp import web
    from microsoft_agents.hosting.core import AgentAuthConfiguration, Connections
    from slack_sdk import WebClient

    from bot.calendar.adapters.caldav_client import CalDavCalendars
    from bot.reminders.notify import DigestPoster, Notifier
    from bot.reminders.scheduler import Lock, ReminderScheduler
    from bot.slack.deps import SlackDeps
    from bot.teams.deps import TeamsDeps

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
        return Desk(self.uow, self.policy, self.clock, self.settings.admins, self.feeds,
                    self.teams_references.display_name)  # fmt: skip

    @cached_property
    def slack_client(self) -> WebClient:
        """The Slack Web API client (lazy: no request until first use)."""
        from bot.slack.client import web_client

        return web_client(self.settings.slack_bot_token, self.settings.slack_api_url)

    @cached_property
    def pending_replies(self) -> PendingReplies:
        """Slack placeholders awaiting their answer (so a crash never leaves one forever)."""
        return PendingReplies(self.redis)

    @cached_property
    def feedback(self) -> FeedbackStore:
        """Ratings of the assistant's answers, counted in /metrics."""
        return FeedbackStore(self.session_factory, metrics.count_feedback)

    @cached_property
    def deduper(self) -> EventDeduper:
        """Slack event ids claimed in Redis and the database: a retry is answered once."""
        return EventDeduper(self.redis, DatabaseClaims(self.engine))

    @cached_property
    def slack(self) -> SlackDeps:
        """The Slack surface's collaborators."""
        from bot.slack.deps import SlackDeps

        s = self.settings
        return SlackDeps(
            client=self.slack_client, desk=self.desk, conversation=self.conversation,
            history=self.history, placeholders=self.pending_replies,
            deduper=self.deduper, clock=self.clock,
            default_language=s.default_language, signing_secret=s.slack_signing_secret,
            bot_token=s.slack_bot_token, feedback=self.feedback,
            thread_contexts=ThreadContextStore(self.redis),
            check_in_lead=timedelta(minutes=s.reminder_lead_minutes),
        )  # fmt: skip

    @cached_property
    def feeds(self) -> Feeds:
        """The iCal feeds and the calendar links people are shown."""
        s = self.settings
        return Feeds(self.uow, self.clock, self.policy.tz, s.feed_secret, s.public_url,
                     s.ical_room_feeds)  # fmt: skip

    @cached_property
    def calendars(self) -> CalDavCalendars | None:
        """The CalDAV adapter, when CALDAV_URL is set (no request until first use)."""
        s = self.settings
        if not s.caldav_url:
            return None
        from bot.calendar.adapters.caldav_client import CalDavCalendars  # 17 MB: CalDAV only

        return CalDavCalendars(s.caldav_url, s.caldav_username or "", s.caldav_password or "",
                               self.policy.tz)  # fmt: skip

    def calendar_jobs(self) -> list[tuple[str, Job]]:
        """Push the outbox, pull the room calendars, prune delivered entries (CalDAV); without
        CalDAV, forget the entries of long-ended reservations (nothing pushes them)."""
        if self.calendars is None:
            return [("calendar_outbox_prune", lambda now: outbox.forget_ended(self.uow(), now))]
        pusher = Pusher(self.uow, self.calendars)
        puller = Puller(self.uow, self.calendars, self.policy)
        return [("calendar_push", pusher.drain), ("calendar_pull", puller.pull),
                ("calendar_prune", pusher.prune)]  # fmt: skip

    def jobs(self, client: WebClient | None = None) -> Jobs:
        """The scheduled jobs, telling Slack owners through the client and Teams users (if set)."""
        s, lang = self.settings, self.settings.default_language
        config = JobConfig(
            s.reminder_lead_minutes,
            s.no_show_release_minutes,
            s.digest_time,
            s.digest_grace_minutes,
            approval_timeout_hours=s.approval_timeout_hours,
            waitlist_hold_minutes=s.waitlist_hold_minutes,
        )
        notifiers: dict[str, Notifier] = {}
        digests: dict[str, DigestPoster] = {}
        if client is not None or s.slack_bot_token:
            from bot.slack.notify import SlackDigest, SlackNotifier

            slack = client or self.slack_client
            notifiers["slack"] = SlackNotifier(slack, self.desk, lang)
            if s.digest_channel:
                digests["digest"] = SlackDigest(slack, s.digest_channel, lang, self.policy.tz)
        if s.teams_enabled:
            notifiers["teams"] = self.teams_notifier()
            if s.teams_digest_channel:
                digests["digest_teams"] = self.teams_digest()
        return Jobs(self.uow, self.policy, config, notifiers, digests, metrics.count_reminder)

    def scheduler(
        self, client: WebClient | None = None, lock: Lock | None = None
    ) -> ReminderScheduler:
        """The scheduler: the booking jobs (Slack and/or Teams), and the calendar sync (CalDAV)."""
        from bot.reminders.scheduler import ReminderScheduler

        slack = client or (self.slack_client if self.settings.slack_bot_token else None)
        table: list[tuple[str, Job]] = []
        if slack is not None or self.settings.teams_enabled:
            table += self.jobs(slack).table()
        if slack is not None:
            from bot.slack.notify import apologise_for_lost_replies

            placeholders = self.pending_replies
            table.append(
                ("lost_replies", lambda now: apologise_for_lost_replies(placeholders, slack, now))
            )
        table += self.calendar_jobs()
        poll = self.settings.scheduler_poll_seconds
        return ReminderScheduler(table, self.clock, self.policy.tz, poll, lock)

    @cached_property
    def teams_references(self) -> TeamsConversations:
        """Where Teams users can be reached later (reminders)."""
        return TeamsConversations(self.session_factory, self.clock)

    @cached_property
    def teams_auth(self) -> AgentAuthConfiguration:
        """The Azure Bot's credentials, or anonymous development."""
        from bot.teams.auth import auth_configuration

        s = self.settings
        return auth_configuration(
            s.teams_app_id, s.teams_app_password, s.teams_certificate_file, s.teams_tenant_id,
            s.teams_anonymous,
        )  # fmt: skip

    @cached_property
    def teams_connections(self) -> Connections:
        """Outbound credentials for the Bot Framework connector (MSAL)."""
        from bot.teams.auth import connections

        return connections(self.teams_auth)

    @cached_property
    def teams(self) -> TeamsDeps:
        """The Teams surface's collaborators."""
        from bot.teams.deps import TeamsDeps

        s = self.settings
        return TeamsDeps(
            desk=self.desk, conversation=self.conversation, references=self.teams_references,
            deduper=EventDeduper(
                self.redis, DatabaseClaims(self.engine), prefix="teams_activity:"
            ),
            default_language=s.default_language, app_id=s.teams_app_id,
            tenant_id=s.teams_tenant_id,
        )  # fmt: skip

    def teams_app(self, connections: Connections | None = None) -> web.Application:
        """The Teams messaging endpoint (aiohttp), authenticating with the SDK's validator."""
        from bot.teams.auth import Authenticator, OpenIdKeys
        from bot.teams.http import create_web_app

        metadata = self.settings.teams_openid_metadata
        authenticator = Authenticator(self.teams_auth, OpenIdKeys(metadata) if metadata else None)
        return create_web_app(self.teams, authenticator, connections or self.teams_connections)

    def teams_notifier(self, connections: Connections | None = None) -> Notifier:
        """Reminders and no-show notices for Teams owners, through the connector."""
        from bot.teams.notify import TeamsNotifier
        from bot.teams.proactive import ProactiveSender

        sender = ProactiveSender(connections or self.teams_connections, self.settings.teams_app_id)
        lang = self.settings.default_language
        return TeamsNotifier(sender, self.teams_references, self.desk, lang)

    def teams_digest(self, connections: Connections | None = None) -> DigestPoster:
        """The morning digest in TEAMS_DIGEST_CHANNEL, through the connector."""
        from bot.teams.digest import TeamsDigest
        from bot.teams.proactive import ProactiveSender

        s = self.settings
        sender = ProactiveSender(connections or self.teams_connections, s.teams_app_id)
        return TeamsDigest(
            sender, self.teams_references, s.teams_digest_channel or "", s.default_language,
            self.policy.tz, s.teams_tenant_id, s.teams_service_url,
        )  # fmt: skip

    def check_database(self) -> None:
        """Run a trivial query; raises when the database is unreachable."""

        def ping() -> None:
            """One round trip on a pooled connection."""
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))

        once_more_if_dead(ping)  # a pooled connection found dead (no pre-ping): once more

    def check_redis(self) -> None:
        """Ping Redis; raises when it is unreachable."""
        if self.redis is not None:
            self.redis.ping()


def build(settings: Settings, clock: Clock = system_clock) -> Container:
    """Build the container; nothing connects until first use."""
    client = None
    if settings.redis_url:
        import redis  # 8 MB: only in processes configured with Redis

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
