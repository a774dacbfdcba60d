"""/health, /health/live and /health/ready against real and unreachable servers."""

from __future__ import annotations

import socket
import time

from bot.container import build
from bot.settings import Settings
from bot.web import create_app


def closed_port() -> int:
    """A local port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(settings: Settings, path: str) -> tuple[int, dict[str, object], float]:
    """Status, JSON body and seconds taken for one GET."""
    client = create_app(container=build(settings)).test_client()
    started = time.monotonic()
    response = client.get(path)
    return response.status_code, response.json or {}, time.monotonic() - started


def test_healthy_with_database_and_redis(pg_url: str, redis_url: str) -> None:
    """Both up: 200 with the guide's fields and both checks ok."""
    status, body, _ = get(Settings(database_url=pg_url, redis_url=redis_url), "/health")
    assert status == 200 and body["status"] == "healthy"
    assert body["timezone"] == "JST" and str(body["timestamp"]).endswith("+09:00")
    assert {"version", "checks"} <= body.keys()
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["database"]["status"] == "ok" and checks["redis"]["status"] == "ok"


def test_database_on_closed_port_is_503_quickly() -> None:
    """An unreachable database is 503 within 2 s, and the body leaks no DSN."""
    url = f"postgresql://roombot:s3cret-pw@127.0.0.1:{closed_port()}/meeting_rooms"
    status, body, took = get(Settings(database_url=url), "/health")
    assert status == 503 and body["status"] == "unhealthy" and took < 2
    text = str(body)
    assert "s3cret-pw" not in text and "127.0.0.1" not in text and "meeting_rooms" not in text
    assert get(Settings(database_url=url), "/health/ready")[0] == 503


def test_redis_down_is_degraded_not_down(pg_url: str) -> None:
    """Redis unreachable: still 200, status degraded."""
    settings = Settings(database_url=pg_url, redis_url=f"redis://:pw@127.0.0.1:{closed_port()}/0")
    status, body, took = get(settings, "/health")
    assert status == 200 and body["status"] == "degraded" and took < 2
    assert "pw@" not in str(body)


def test_live_does_no_io() -> None:
    """Liveness answers even when every dependency is unreachable."""
    url = f"postgresql://u@127.0.0.1:{closed_port()}/x"
    status, body, _ = get(Settings(database_url=url), "/health/live")
    assert status == 200 and body["status"] == "alive"
