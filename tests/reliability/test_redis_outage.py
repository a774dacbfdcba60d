"""Redis stopped, then started again on the same port.

Guarantees: /health stays 200 and says 'degraded'; /api/chat and Slack mentions are answered
(without history); a redelivered Slack event reaching another worker is still dropped (the
database holds the claim); after the restart every worker writes and reads history again.
"""

from __future__ import annotations

import json

from tests.e2e.conftest import new_event_id
from tests.reliability.harness import READY_WITHIN_S, Bot
from tests.reliability.served import wait_until

HEALTH_DEADLINE_S = 3.0
REPLY_WAIT_S = 15.0
HISTORY_KEY = "chat_history:api:{}"
HISTORY_RESUMES_S = 15.0  # the history breaker's 10 s pause plus a margin


def said(bot: Bot, marker: str) -> bool:
    """True when the latest model request carries a message containing `marker`."""
    request = bot.openai.chat_requests[-1]
    return any(marker in json.dumps(m, ensure_ascii=False) for m in request.messages)


def replied(bot: Bot, ts: str, text: str) -> bool:
    """True when the thread's placeholder was replaced by `text`."""
    return any(m.get("text") == text for m in bot.thread(ts))


def history_resumed(bot: Bot) -> bool:
    """True once every worker writes history again (each retries after its breaker pause)."""
    conns = bot.served.connection_per_worker()
    try:
        for pid, conn in conns.items():
            bot.redis.delete(HISTORY_KEY.format(f"probe{pid}"))
            assert bot.chat(f"probe{pid}", "probe", conn=conn).status == 200
        return all(bot.redis.exists(HISTORY_KEY.format(f"probe{pid}")) for pid in conns)
    finally:
        for conn in conns.values():
            conn.close()


def test_answers_without_history_while_down_and_history_resumes(bot: Bot) -> None:
    bot.redis_server.stop()

    health = bot.get("/health")
    assert health.status == 200
    assert health.elapsed < HEALTH_DEADLINE_S
    assert health.json()["status"] == "degraded"
    assert health.json()["checks"]["redis"]["status"] == "down"
    assert bot.get("/health/ready").status == 200  # Redis is optional for serving

    first = bot.chat("outage", "first message alpha")
    assert (first.status, first.json()["reply"]) == (200, "OK")
    second = bot.chat("outage", "second message beta")
    assert (second.status, second.json()["reply"]) == (200, "OK")
    assert said(bot, "beta") and not said(bot, "alpha"), "history cannot exist without Redis"

    ack, ts = bot.mention("明日の予定は？")
    assert ack.status == 200 and ack.elapsed < 3.0
    wait_until(lambda: replied(bot, ts, "OK"), REPLY_WAIT_S, "the Slack reply without Redis")

    bot.redis_server.start()
    bot.wait_healthy(READY_WITHIN_S)
    wait_until(lambda: history_resumed(bot), HISTORY_RESUMES_S, "history after Redis came back")
    a, b = bot.served.connection_per_worker().values()  # one message through each worker
    assert bot.chat("after", "gamma first", conn=a).status == 200
    assert bot.redis.exists(HISTORY_KEY.format("after"))
    assert bot.redis.ttl(HISTORY_KEY.format("after")) > 0
    assert bot.chat("after", "delta second", conn=b).status == 200
    assert said(bot, "gamma first"), "the second message does not see the first"
    assert bot.redis.llen(HISTORY_KEY.format("after")) == 2
    a.close()
    b.close()


def test_redelivery_to_another_worker_is_dropped_while_redis_is_down(bot: Bot) -> None:
    bot.redis_server.stop()
    first_worker, other_worker = bot.served.wait_workers()
    [conn] = bot.served.connect_to(first_worker)
    event_id = new_event_id()

    ack, ts = bot.mention("会議室の一覧", event_id=event_id, conn=conn)
    assert ack.status == 200 and bot.served.owner(conn) == first_worker
    conn.close()
    wait_until(lambda: replied(bot, ts, "OK"), REPLY_WAIT_S, "the first delivery's reply")

    [conn] = bot.served.connect_to(other_worker)
    again, _ = bot.mention("会議室の一覧", event_id=event_id, ts=ts, conn=conn, retry=1)
    assert again.status == 200 and bot.served.owner(conn) == other_worker
    conn.close()

    dropped = f"duplicate event {event_id} acknowledged and dropped"
    wait_until(lambda: dropped in bot.served.log(), REPLY_WAIT_S, "the duplicate to be dropped")
    assert "event de-duplication falls back to the database" in bot.served.log()
    assert len(bot.thread(ts)) == 1, "the redelivered event was answered twice"
    assert len(bot.openai.chat_requests) == 1
