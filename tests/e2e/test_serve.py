"""From the outside: `python -m bot db upgrade / rooms sync / serve` and the guide's curl calls."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from booking.clock import JST
from tests.conftest import ROOT


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    """One HTTP request with a JSON body; returns status and JSON."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    """Poll until the server answers (or fail if it exits); 60 s is a guard, not a requirement
    (see tests/e2e/conftest.wait_until_up)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"server exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("server did not come up within 60 s")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The bot as `make run` starts it, on SQLite in tmp_path, under gunicorn."""
    env = {**os.environ, "FLASK_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db"}
    env.pop("API_TOKEN", None)
    for args in (["db", "upgrade"], ["rooms", "sync"]):
        subprocess.run(
            [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_until_up(f"{base}/health/live", process)
    yield base
    process.terminate()
    process.wait(timeout=30)


def test_guide_calls_work_against_the_served_app(server: str) -> None:
    """The guide's health check and reservation POST (with a future date) succeed over HTTP."""
    status, health = call("GET", f"{server}/health")
    assert status == 200 and health["status"] == "healthy" and health["timezone"] == "JST"
    tomorrow = (datetime.now(JST) + timedelta(days=1)).date().isoformat()
    body = {"room-id": "1", "date": tomorrow, "start-time": "14:00", "end-time": "15:00"}
    status, made = call("POST", f"{server}/api/reservations", body)
    assert status == 201 and made["date"] == tomorrow
    status, clash = call("POST", f"{server}/api/reservations", body)
    assert status == 409 and clash["error"]["code"] == "slot_taken"
    status, past = call("POST", f"{server}/api/reservations", {**body, "date": "2025-09-29"})
    assert status == 400 and past["error"]["reason"] == "in_past"
    status, listed = call("GET", f"{server}/api/reservations?date={tomorrow}")
    assert [r["id"] for r in listed["reservations"]] == [made["id"]]
