"""Run the app under gunicorn with `deploy/gunicorn.conf.py`, observe its workers and its output.

Used by the operations tests: each test starts its own server (so signals, logs and metrics
belong to that test alone), with every setting the app reads given explicitly.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import free_port

CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
START_TIMEOUT_S = 60.0  # a guard, not a requirement: see tests/e2e/conftest.wait_until_up
POLL_S = 0.05
PAUSE_TIMEOUT_S = 5.0
NOT_RUNNING = ("T", "Z", "X", None)  # stopped, exited or gone: none of them can accept
# Every variable Settings reads: blanked unless a test sets it, so neither the runner's
# environment nor a developer's .env file changes what the served app does.
APP_VARIABLES = (
    "DATABASE_URL", "REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD",
    "CHAT_HISTORY_TTL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "SECRET_KEY", "FLASK_ENV",
    "API_TOKEN", "ROOMS_FILE", "LOG_DIR", "ADMIN_USERS", "DEFAULT_LANGUAGE", "SCHEDULER_IN_WEB",
    "LOG_LEVEL",
)  # fmt: skip
# Removed rather than blanked: prometheus_client turns multi-process mode on when the variable
# merely exists, and would then write its files into the working directory.
UNSET_VARIABLES = ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")
GUNICORN_VARIABLES = ("WEB_CONCURRENCY", "GUNICORN_BIND", "GUNICORN_THREADS", "GUNICORN_CMD_ARGS",
                      "GUNICORN_PRELOAD", "GUNICORN_ACCESS_LOG")  # fmt: skip


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, headers and body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", errors="replace")


def http(
    method: str,
    url: str,
    body: bytes | dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15.0,
) -> Answer:
    """One HTTP request over a fresh connection; any status is returned, not raised."""
    all_headers = dict(headers or {})
    if isinstance(body, dict):
        body = json.dumps(body, ensure_ascii=False).encode()
        all_headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=body, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers.items()), error.read())


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `predicate` until it holds; fail naming `what` when it never does."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_S)


def children(pid: int) -> set[int]:
    """The live (non-zombie) child processes of `pid`, read from /proc."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "(comm)": state, ppid, ...
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def process_state(pid: int) -> str | None:
    """A process's state letter from /proc (R, S, T when stopped, ...), None once it is gone."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


@contextmanager
def paused(pids: Iterable[int]) -> Iterator[None]:
    """Stop processes (SIGSTOP) for the block, from when /proc shows each stopped; then SIGCONT."""
    stopped: list[int] = []
    try:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
        wait_until(
            lambda: all(process_state(pid) in NOT_RUNNING for pid in stopped),
            PAUSE_TIMEOUT_S,
            f"processes {stopped} to stop",
        )
        yield
    finally:
        for pid in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def app_env(**values: str) -> dict[str, str]:
    """The runner's environment with every app variable blanked, then `values` applied."""
    env = {k: v for k, v in os.environ.items() if k not in GUNICORN_VARIABLES + UNSET_VARIABLES}
    env |= dict.fromkeys(APP_VARIABLES, "")
    env |= {"PYTHONUNBUFFERED": "1", "SCHEDULER_IN_WEB": "false", "FLASK_ENV": "development"}
    return env | values


@dataclass
class Served:
    """A running gunicorn master, where it listens, and the files its output goes to."""

    process: subprocess.Popen[bytes]
    base: str
    stdout: Path
    stderr: Path

    @property
    def pid(self) -> int:
        """The master's process id."""
        return self.process.pid

    def workers(self) -> set[int]:
        """The master's current worker processes."""
        return children(self.pid)

    def output(self) -> str:
        """Everything the processes wrote to stdout and stderr so far."""
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")

    def signal(self, sig: signal.Signals) -> None:
        """Send a signal to the master."""
        self.process.send_signal(sig)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM the master (if still running) and return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            raise


@contextmanager
def gunicorn(env: dict[str, str], workdir: Path, workers: int = 2) -> Iterator[Served]:
    """`python -m gunicorn --config deploy/gunicorn.conf.py bot.wsgi:app`, up and answering."""
    port = free_port()
    out, err = workdir / "gunicorn.out", workdir / "gunicorn.err"
    control = tempfile.mkdtemp(prefix="gctl")  # gunicorn's control socket: one per server
    env = env | {"XDG_RUNTIME_DIR": control}
    argv = [sys.executable, "-m", "gunicorn", "--config", str(CONFIG),
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "bot.wsgi:app"]  # fmt: skip
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    served = Served(process, f"http://127.0.0.1:{port}", out, err)
    try:
        wait_until_serving(served, workers)
        yield served
    finally:
        if process.poll() is None:
            served.stop()
        shutil.rmtree(control, ignore_errors=True)


def wait_until_serving(served: Served, workers: int) -> None:
    """Wait until /health/live answers and all workers are running; fail with the output."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"gunicorn exited {served.process.returncode}:\n{served.output()}")
        try:
            up = http("GET", f"{served.base}/health/live", timeout=1).status == 200
        except OSError:
            up = False
        if up and len(served.workers()) == workers:
            return
        time.sleep(POLL_S)
    served.stop()
    pytest.fail(f"gunicorn did not come up in {START_TIMEOUT_S} s:\n{served.output()}")
