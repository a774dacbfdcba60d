"""PostgreSQL or Redis at an address that accepts no connection (it hangs: no refusal, no answer).

Guarantees: /health/live answers at once; /health and /health/ready answer within 3 s (each
check has a 1.5 s deadline); API calls fail with 503 within the 2 s connect timeout plus
margin; the assistant and Slack answer within their deadlines, politely when the database is
the dark one, normally (without history) when Redis is.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.conversation import i18n as messages
from tests.reliability.checks import is_polite_failure
from tests.reliability.harness import Bot
from tests.reliability.served import Served, request, wait_until
from tests.reliability.servers import Blackhole

HEALTH_DEADLINE_S = 3.0
PROBES = 4  # gunicorn's threads per worker (GUNICORN_THREADS default): no request queues
LIVE_DEADLINE_S = 0.5
API_DEADLINE_S = 5.0  # connect timeout (2 s) plus margin
CHAT_DEADLINE_S = 10.0  # well inside the 25 s turn deadline
ACK_DEADLINE_S = 3.0  # Slack gives up on an acknowledgement after 3 s
REPLY_WAIT_S = 15.0


@pytest.fixture(scope="module")
def dark_database(
    serve_app: Callable[[dict[str, str]], Served], app_env: dict[str, str], blackhole: Blackhole
) -> Served:
    """The bot with DATABASE_URL pointing at the blackhole."""
    url = f"postgresql://postgres@127.0.0.1:{blackhole.port}/roombot_test"
    return serve_app(app_env | {"DATABASE_URL": url})


@pytest.fixture(scope="module")
def dark_redis(
    serve_app: Callable[[dict[str, str]], Served], app_env: dict[str, str], blackhole: Blackhole
) -> Served:
    """The bot with REDIS_URL pointing at the blackhole."""
    return serve_app(app_env | {"REDIS_URL": f"redis://127.0.0.1:{blackhole.port}/0"})


@pytest.fixture(scope="module")
def dark_both(
    serve_app: Callable[[dict[str, str]], Served], app_env: dict[str, str], blackhole: Blackhole
) -> Served:
    """The bot cut off from both (a network partition): the checks' deadlines add up."""
    url = f"postgresql://postgres@127.0.0.1:{blackhole.port}/roombot_test"
    redis_url = f"redis://127.0.0.1:{blackhole.port}/0"
    return serve_app(app_env | {"DATABASE_URL": url, "REDIS_URL": redis_url})


def assert_health_in_time(bot: Bot, status: int, dark_check: str) -> None:
    """Liveness at once; /health and /health/ready within 3 s, as many at once as a worker
    has threads, all on one worker (its checks then share one worker's health pool)."""
    live = bot.get("/health/live")
    assert live.status == 200 and live.elapsed < LIVE_DEADLINE_S
    paths = ["/health", "/health/ready"] * (PROBES // 2)
    conns = bot.served.connections_to_one_worker(len(paths))
    with ThreadPoolExecutor(len(paths)) as pool:
        replies = list(pool.map(lambda c, p: request(c, "GET", p), conns, paths))
    for conn in conns:
        conn.close()
    for reply in replies:
        assert reply.status == status, reply.body
        assert reply.json()["checks"][dark_check]["status"] in ("timeout", "down")
        assert reply.elapsed < HEALTH_DEADLINE_S, f"health took {reply.elapsed:.2f} s"


def test_health_answers_in_time_with_a_dark_database(bot: Bot, dark_database: Served) -> None:
    assert_health_in_time(bot.using(dark_database), 503, "database")


def test_requests_fail_politely_in_time_with_a_dark_database(
    bot: Bot, dark_database: Served
) -> None:
    dark = bot.using(dark_database)
    booked = dark.book("1", "10:00", "11:00")
    assert booked.status == 503, booked.body
    assert booked.elapsed < API_DEADLINE_S
    assert booked.json()["error"]["code"] == "database_unavailable"

    chat = dark.chat("dark-db", "明日10時から会議室Aを予約して")
    assert chat.status == 200 and chat.elapsed < CHAT_DEADLINE_S
    assert chat.json()["reply"] == messages.t("database_down", "ja")

    ack, ts = dark.mention("明日10時から会議室Aを予約して")
    assert ack.status == 200 and ack.elapsed < ACK_DEADLINE_S

    def apologised() -> bool:
        return any(is_polite_failure(m.get("text", "")) for m in dark.thread(ts))

    wait_until(apologised, REPLY_WAIT_S, "a polite Slack reply with the database dark")


def test_health_answers_in_time_with_a_dark_redis(bot: Bot, dark_redis: Served) -> None:
    assert_health_in_time(bot.using(dark_redis), 200, "redis")
    assert bot.using(dark_redis).get("/health").json()["status"] == "degraded"


def test_requests_are_answered_in_time_with_a_dark_redis(bot: Bot, dark_redis: Served) -> None:
    dark = bot.using(dark_redis)
    chat = dark.chat("dark-redis", "hello")
    assert chat.status == 200 and chat.elapsed < CHAT_DEADLINE_S
    assert chat.json()["reply"] == "OK"
    assert dark.book("1", "10:00", "11:00").status == 201

    ack, ts = dark.mention("明日の予定は？")
    assert ack.status == 200 and ack.elapsed < ACK_DEADLINE_S
    wait_until(
        lambda: any(m.get("text") == "OK" for m in dark.thread(ts)),
        REPLY_WAIT_S,
        "the Slack reply with Redis dark",
    )


def test_health_answers_in_time_with_both_dark(bot: Bot, dark_both: Served) -> None:
    assert_health_in_time(bot.using(dark_both), 503, "database")
