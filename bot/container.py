"""Composition root: builds the real adapters from Settings, once, and hands them down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from sqlalchemy import Engine, text

from booking.policy import Policy
from bot.settings import Settings
from storage.engine import make_engine, make_session_factory
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
        """A fresh unit of work."""
        return SqlAlchemyUnitOfWork(self.session_factory)

    def __post_init__(self) -> None:
        self.session_factory = make_session_factory(self.engine)

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
