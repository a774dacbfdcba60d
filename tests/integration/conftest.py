"""Fixtures for the assistant's integration tests: a fake OpenAI server and a container on it.

A test module that defines a fixture of the same name (test_reminders.py's `fake`,
test_history_redis.py's `session`) overrides the one here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from bot.container import Container
from tests.fakes.openai_api import FakeOpenAI
from tests.integration.agent_support import make_container


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """A fake OpenAI server; an unscripted request fails fast (500, no retry)."""
    with FakeOpenAI(default_reply=None) as server:
        yield server


@pytest.fixture
def container(db_url: str, fake: FakeOpenAI, redis_url: str) -> Iterator[Container]:
    """The production container, pointed at the fake, real Redis and the test database."""
    built = make_container(db_url, fake.url, redis_url)
    yield built
    built.engine.dispose()


@pytest.fixture
def session() -> str:
    """A fresh session key (Redis is shared by every test)."""
    return f"test:{uuid.uuid4().hex}"
