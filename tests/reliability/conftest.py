"""Fault-suite fixtures: private PostgreSQL and Redis, fake Slack and OpenAI, the bot under gunicorn.

The servers belong to this suite (see `servers.py`), so tests may stop and restart them. The
`bot` fixture hands each test a clean state — both servers running, rooms loaded, no
reservations, Redis empty, fakes reset — and the app ready. Without the server binaries the
tests skip, except under CI, where they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import redis
from sqlalchemy import Engine

from storage.engine import make_engine
from storage.migrate import upgrade
from tests.conftest import reset
from tests.e2e.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.reliability.harness import Bot
from tests.reliability.served import Served, serve
from tests.reliability.servers import (
    Blackhole,
    PgCluster,
    RedisServer,
    ServiceError,
    create_pg_cluster,
    svc,
)


def fresh_workers(served: Served) -> None:
    """Replace every gunicorn worker (SIGHUP) and wait for the new ones."""
    old = set(served.workers())
    served.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = set(served.workers())
        if len(now) >= len(old) and not now & old:
            served.wait_serving()
            return
        time.sleep(0.05)
    raise AssertionError("gunicorn did not replace its workers after SIGHUP")


def unavailable(reason: str) -> NoReturn:
    """A server the suite needs cannot be started: fail under CI, skip elsewhere."""
    message = f"fault suite: {reason}"
    pytest.fail(message, pytrace=False) if os.environ.get("CI") else pytest.skip(message)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A private PostgreSQL cluster with the migrated test database."""
    bin_dir = os.environ.get("TEST_PG_BIN_DIR") or svc.find_pg_bin_dir()
    if not bin_dir or not svc.has_pg_tools(Path(bin_dir)):
        unavailable("PostgreSQL binaries not found (set TEST_PG_BIN_DIR)")
    with contextlib.ExitStack() as stack:
        try:
            cluster = create_pg_cluster(stack, Path(bin_dir))
        except ServiceError as error:
            unavailable(str(error))
        engine = make_engine(cluster.url)
        upgrade(engine)
        engine.dispose()
        yield cluster


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private Redis server."""
    binary = os.environ.get("TEST_REDIS_SERVER_BIN") or shutil.which("redis-server")
    if not binary:
        unavailable("redis-server not found (set TEST_REDIS_SERVER_BIN)")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    try:
        server.start()
    except ServiceError as error:
        server.stop()
        unavailable(str(error))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def slack_api() -> Iterator[FakeSlack]:
    """The fake Slack Web API."""
    with FakeSlack(tokens=[BOT_TOKEN]) as fake:
        yield fake


@pytest.fixture(scope="session")
def openai_api() -> Iterator[FakeOpenAI]:
    """The fake OpenAI API (answers 'OK' unless a test scripts it)."""
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="session")
def db_engine(pg_cluster: PgCluster) -> Iterator[Engine]:
    """An engine on the private test database (its pool survives restarts: pre-ping, which the
    app's own engines no longer do — they retry a statement that found its connection dead)."""
    engine = make_engine(pg_cluster.url, pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app_env(
    pg_cluster: PgCluster,
    redis_server: RedisServer,
    slack_api: FakeSlack,
    openai_api: FakeOpenAI,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    """The served bot's environment: private servers, fakes, development mode, no scheduler."""
    return {
        "DATABASE_URL": pg_cluster.url,
        "REDIS_URL": redis_server.url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack_api.url,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": openai_api.url,
        "FLASK_ENV": "development",
        "SCHEDULER_IN_WEB": "0",
        "LOG_DIR": str(tmp_path_factory.mktemp("app-logs")),
    }


@pytest.fixture(scope="session")
def serve_app(
    pg_cluster: PgCluster, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Served]]:
    """Start the bot under gunicorn with an environment; every server is stopped at the end,
    before PostgreSQL and Redis (a worker shutting down on stopped servers waits on them)."""
    started: list[Served] = []

    def start(env: dict[str, str]) -> Served:
        served = serve(env, tmp_path_factory.mktemp("gunicorn"))
        started.append(served)
        return served

    yield start
    for served in started:
        served.begin_stop()  # all at once: each may take seconds to finish its threads
    for served in started:
        served.stop()


@pytest.fixture(scope="session")
def served(
    serve_app: Callable[[dict[str, str]], Served], app_env: dict[str, str], db_engine: Engine
) -> Served:
    """The bot on the private PostgreSQL and Redis (shared by the suite; workers may die)."""
    return serve_app(app_env)


@pytest.fixture(scope="module")
def blackhole() -> Iterator[Blackhole]:
    """An address that accepts no connection (checked to hang, not refuse)."""
    hole = Blackhole()
    if not hole.hangs():
        hole.close()
        pytest.fail("the blackhole socket refused or accepted a connection instead of hanging")
    yield hole
    hole.close()


@pytest.fixture
def bot(
    served: Served,
    pg_cluster: PgCluster,
    redis_server: RedisServer,
    db_engine: Engine,
    slack_api: FakeSlack,
    openai_api: FakeOpenAI,
) -> Iterator[Bot]:
    """A clean start: both servers up, rooms loaded, nothing booked or remembered, app ready."""
    if not pg_cluster.running:
        pg_cluster.start()
    if not redis_server.running:
        redis_server.start()
    reset(db_engine)
    client = redis.Redis.from_url(redis_server.url, socket_timeout=5)
    client.flushdb()
    slack_api.reset()
    # A workspace without the AI-app feature: these scenarios exercise the placeholder path
    # (Slack refuses streams, so the bot posts "確認しています…" and replaces it).
    slack_api.refuse_ai()
    openai_api.reset()
    openai_api.responder = None
    served.wait_serving()  # both workers, not only one: tests stop or kill one of them
    ready = Bot(served, pg_cluster, redis_server, db_engine, client, slack_api, openai_api)
    ready.wait_healthy()
    redis_starts = redis_server.starts
    yield ready
    client.close()
    if not redis_server.running or redis_server.starts != redis_starts:
        if not redis_server.running:
            redis_server.start()
        fresh_workers(served)  # workers remember an outage (circuit breakers): start clean
