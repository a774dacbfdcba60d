"""Run a WSGI app under gunicorn (the shipped config) for a benchmark, and talk to it over HTTP."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import ROOT

START_TIMEOUT_S = 60


@dataclass(frozen=True)
class Server:
    """A running gunicorn: where it listens and its master's pid."""

    host: str
    port: int
    pid: int

    def connection(self) -> http.client.HTTPConnection:
        """A keep-alive HTTP connection to the server."""
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def worker_pids(self) -> list[int]:
        """The master's child processes (the workers)."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return sorted(int(pid) for pid in children)


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One request on a kept-alive connection; returns (status, body)."""
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json", **(headers or {})}
    conn.request(method, path, body=data, headers=sent)
    response = conn.getresponse()
    return response.status, response.read()


def wait_until_up(server: Server, path: str, process: subprocess.Popen[bytes]) -> None:
    """Poll until the app answers on path (any status)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            conn = server.connection()
            request(conn, "GET", path)
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def settings_flags(shipped: bool) -> list[str]:
    """The shipped config file, or for a baseline app the same settings without its bot hooks."""
    name = "deploy/gunicorn.conf.py" if shipped else "bench/baseline_gunicorn_conf.py"
    return ["--config", str(ROOT / name)]


@contextmanager
def gunicorn(
    app: str, env: dict[str, str], workers: int, probe: str = "/", shipped: bool = True
) -> Iterator[Server]:
    """Serve app with the shipped gunicorn settings and `workers` workers until the block ends."""
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", *settings_flags(shipped),
           "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--error-logfile", "/dev/null", app]  # fmt: skip
    process = subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = Server("127.0.0.1", port, process.pid)
    try:
        wait_until_up(server, probe, process)
        wait_for_workers(server, workers)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for_workers(server: Server, workers: int) -> None:
    """Wait until the master has forked all its workers."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while len(server.worker_pids()) < workers and time.monotonic() < deadline:
        time.sleep(0.1)
