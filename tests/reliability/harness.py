"""The handle a fault-suite test holds: the served bot, its servers and fakes, and the calls."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import redis
from sqlalchemy import Engine

from tests.e2e.conftest import Reply, event_body, mention, new_event_id, signed, tomorrow
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.reliability.served import HTTPConnection, Served, call, request, wait_until
from tests.reliability.servers import PgCluster, RedisServer

READY_WITHIN_S = 20.0  # how long PostgreSQL/Redis may take to come back after a restart
MENTION = "<@UBOT> "


@dataclass
class Bot:
    """The served bot with its servers and fakes, and the calls the scenarios make."""

    served: Served
    pg: PgCluster
    redis_server: RedisServer
    engine: Engine
    redis: redis.Redis
    slack: FakeSlack
    openai: FakeOpenAI

    def using(self, served: Served) -> Bot:
        """The same servers and fakes, talking to another served instance of the bot."""
        return replace(self, served=served)

    def get(self, path: str, timeout: float = 15) -> Reply:
        """GET on a fresh connection."""
        return call(self.served.port, "GET", path, timeout=timeout)

    def post(self, path: str, body: Any, timeout: float = 15) -> Reply:
        """POST JSON on a fresh connection."""
        return call(self.served.port, "POST", path, body, timeout=timeout)

    def book(
        self, room: str, start: str, end: str, *, day: date | None = None, owner: str = "U1"
    ) -> Reply:
        """POST /api/reservations with the operations guide's field names."""
        return self.post("/api/reservations", booking(room, start, end, day=day, owner=owner))

    def chat(
        self, session: str, message: str, conn: HTTPConnection | None = None, user: str = "api"
    ) -> Reply:
        """POST /api/chat as `user` (on a given keep-alive connection, or a fresh one)."""
        body, headers = {"message": message, "sessionId": session}, {"X-Acting-User": user}
        if conn is not None:
            return request(conn, "POST", "/api/chat", body, headers)
        return call(self.served.port, "POST", "/api/chat", body, headers, timeout=40)

    def mention(
        self,
        text: str,
        *,
        event_id: str | None = None,
        ts: str | None = None,
        conn: HTTPConnection | None = None,
        retry: int | None = None,
    ) -> tuple[Reply, str]:
        """Deliver an app_mention in channel C1; return the ack and the thread's ts."""
        event = mention(MENTION + text, ts=ts)
        raw = event_body(event, event_id or new_event_id())
        headers = signed(raw)
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        if conn is None:
            return call(self.served.port, "POST", "/slack/events", raw, headers), event["ts"]
        return request(conn, "POST", "/slack/events", raw, headers), event["ts"]

    def thread(self, ts: str, channel: str = "C1") -> list[dict[str, Any]]:
        """The bot's messages in a thread, as Slack shows them now (after updates)."""
        return [m for m in self.slack.messages(channel) if m.get("thread_ts") == ts]

    def wait_for_status(self, path: str, status: int, within: float) -> Reply:
        """Poll a GET until it answers `status`; return that answer."""
        seen: list[Reply] = []

        def answered() -> bool:
            seen.append(self.get(path, timeout=10))
            return seen[-1].status == status

        wait_until(answered, within, f"GET {path} -> {status}")
        return seen[-1]

    def wait_healthy(self, within: float = READY_WITHIN_S) -> Reply:
        """Poll /health until it reports 'healthy' (database and Redis both ok)."""
        seen: list[Reply] = []

        def healthy() -> bool:
            try:
                seen.append(self.get("/health", timeout=10))
            except OSError:  # workers replaced by SIGHUP still booting: not healthy yet
                return False
            return seen[-1].status == 200 and seen[-1].json()["status"] == "healthy"

        wait_until(healthy, within, "/health -> healthy")
        return seen[-1]


def booking(
    room: str, start: str, end: str, *, day: date | None = None, owner: str = "U1"
) -> dict[str, str]:
    """A POST /api/reservations body."""
    day = day or tomorrow()
    return {"room-id": room, "date": day.isoformat(), "start-time": start, "end-time": end,
            "owner": owner, "title": "fault suite"}  # fmt: skip
