"""The bot under gunicorn (`python -m bot serve --workers 2`) and plain HTTP calls to it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.e2e.conftest import Reply, wait_until_up
from tests.e2e.gunicorn_support import children, paused
from tests.reliability.servers import own_port, socket_owners

WORKERS = 2
SERVING_TIMEOUT_S = 60  # a guard against a worker that never serves, not a requirement
# Variables the app reads: the suite sets them explicitly, nothing leaks in from the shell.
APP_VARIABLES = (
    "DATABASE_URL", "REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD",
    "CHAT_HISTORY_TTL", "API_TOKEN", "ADMIN_USERS", "DEFAULT_LANGUAGE", "SECRET_KEY",
    "PROMETHEUS_MULTIPROC_DIR", "LOG_LEVEL", "WEB_CONCURRENCY", "GUNICORN_THREADS",
    "GUNICORN_BIND", "BUSINESS_HOURS", "ROOMS_FILE", "TZ",
)  # fmt: skip
APP_PREFIXES = (
    "SLACK_", "OPENAI_", "ASSISTANT_", "FLASK_", "SCHEDULER_", "BOOKING_", "REMINDER_", "DIGEST_",
)  # fmt: skip
HTTPConnection = http.client.HTTPConnection
ConnectionLost = (ConnectionError, http.client.HTTPException, TimeoutError)


@dataclass
class Served:
    """One gunicorn master (the process `python -m bot serve` exec'd into) and its workers."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The pids of the live workers."""
        return sorted(children(self.process.pid))

    def wait_workers(self, count: int = WORKERS, timeout: float = 20) -> list[int]:
        """Wait until `count` workers run (e.g. after one was killed) and return their pids."""
        wait_until(lambda: len(self.workers()) == count, timeout, "gunicorn workers")
        return self.workers()

    def wait_serving(self, timeout: float = SERVING_TIMEOUT_S) -> list[int]:
        """Wait until every worker answers, and return their pids.

        A new worker accepts nothing while it imports the app (about 2 s of CPU, far longer on
        loaded cores); a test that then stops or kills the other worker would leave none.
        """
        deadline = time.monotonic() + timeout
        for pid in self.wait_workers():
            while not self.answers(pid):
                if time.monotonic() >= deadline:
                    raise AssertionError(f"worker {pid} did not answer within {timeout} s")
        return self.workers()

    def answers(self, pid: int) -> bool:
        """Whether worker `pid` accepts and answers a request within a second, the others
        paused meanwhile (short pauses: gunicorn kills a worker silent for 30 s)."""
        conn = self.connect(timeout=1)
        try:
            with paused([other for other in self.workers() if other != pid]):
                request(conn, "GET", "/health/live")
                return self.owner(conn) == pid
        except ConnectionLost:
            return False
        finally:
            conn.close()

    def log(self) -> str:
        """Everything gunicorn and the app wrote so far."""
        return self.log_path.read_text(errors="replace")

    def connect(self, timeout: float = 15) -> HTTPConnection:
        """A keep-alive connection (gunicorn serves it from one worker until it closes)."""
        return HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def owner(self, conn: HTTPConnection) -> int | None:
        """The worker serving an open connection."""
        if conn.sock is None:
            return None
        local_port = conn.sock.getsockname()[1]
        owners = socket_owners(self.workers(), local_port=self.port, remote_port=local_port)
        return owners[0] if owners else None

    def connect_to(self, pid: int, count: int = 1) -> list[HTTPConnection]:
        """`count` open keep-alive connections that worker `pid` accepted and serves."""
        # The kernel picks which worker accepts a connection, often the same one many times in
        # a row; with every other worker stopped until each connection is answered, only `pid`
        # can accept them.
        conns: list[HTTPConnection] = []
        try:
            with paused([other for other in self.workers() if other != pid]):
                for _ in range(count):
                    conns.append(self.connect())
                    request(conns[-1], "GET", "/health/live")
            owners = [self.owner(conn) for conn in conns]
            assert owners == [pid] * count, f"connections meant for worker {pid} reached {owners}"
        except BaseException:
            close_all(conns)
            raise
        return conns

    def connection_per_worker(self) -> dict[int, HTTPConnection]:
        """One open keep-alive connection to each worker, keyed by worker pid."""
        found: dict[int, HTTPConnection] = {}
        try:
            for pid in self.wait_workers():
                found[pid] = self.connect_to(pid)[0]
        except BaseException:
            close_all(found.values())
            raise
        return found

    def connections_to_one_worker(self, count: int) -> list[HTTPConnection]:
        """`count` open keep-alive connections all served by the same worker."""
        return self.connect_to(self.wait_workers()[0], count)

    def begin_stop(self) -> None:
        """Ask gunicorn for a quick shutdown (SIGINT) without waiting."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def stop(self) -> None:
        """Quick shutdown (SIGINT), then SIGKILL if the master lingers."""
        if self.process.poll() is not None:
            return
        self.begin_stop()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def app_environment(overrides: dict[str, str]) -> dict[str, str]:
    """The shell's environment without the app's variables, plus the given ones."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in APP_VARIABLES and not key.startswith(APP_PREFIXES)
    }
    return env | overrides


def serve(overrides: dict[str, str], log_dir: Path) -> Served:
    """Start `python -m bot serve --workers 2` on a free port and wait until it answers."""
    port = own_port()
    log_path = log_dir / "gunicorn.log"
    argv = [sys.executable, "-m", "bot", "serve", "--port", str(port), "--workers", str(WORKERS)]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=app_environment(overrides), stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    served = Served(process, port, log_path)
    try:
        wait_until_up(f"{served.base}/health/live", process, log_path)
        served.wait_serving()
    except BaseException:
        served.stop()
        raise
    return served


def request(
    conn: HTTPConnection,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """One HTTP exchange on a connection; any status is returned, lost connections raise."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} if data is not None else {}
    started = time.monotonic()
    conn.request(method, path, body=data, headers=sent | (headers or {}))
    response = conn.getresponse()
    return Reply(response.status, response.read(), time.monotonic() - started)


def call(
    base_port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15,
) -> Reply:
    """One HTTP exchange on a fresh connection."""
    conn = HTTPConnection("127.0.0.1", base_port, timeout=timeout)
    try:
        return request(conn, method, path, body, headers)
    finally:
        conn.close()


def close_all(conns: Iterable[HTTPConnection]) -> None:
    """Close every connection."""
    for conn in conns:
        conn.close()


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `predicate` every 50 ms until it holds, or fail naming what was awaited."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
