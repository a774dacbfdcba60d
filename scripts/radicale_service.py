"""A throwaway Radicale CalDAV server on 127.0.0.1, for `scripts/test_services.py` and the tests.

Radicale comes from requirements-dev.txt (`python -m radicale`); it runs with htpasswd (plain)
authentication for one user, owner-only rights and its collections in a temporary directory
(on /dev/shm when there is one: its fsync per write is then cheap). The calendar tests that stop
and restart a server use `RadicaleServer` directly, on a port of their own.
"""

from __future__ import annotations

import importlib.util
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

USERNAME = "roombot"
START_TIMEOUT_S = 30
CONFIG = """[server]
hosts = 127.0.0.1:{port}
max_connections = 20
[auth]
type = htpasswd
htpasswd_filename = {users}
htpasswd_encryption = plain
delay = 0.05
[rights]
type = owner_only
[storage]
filesystem_folder = {data}
[logging]
level = warning
"""


class RadicaleError(Exception):
    """Radicale could not be started; the message says why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is currently free."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def installed() -> bool:
    """Whether the radicale package can be run with this Python."""
    return importlib.util.find_spec("radicale") is not None


@dataclass
class RadicaleServer:
    """One Radicale process over one data directory; it may be stopped and started again."""

    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    root: Path = field(
        default_factory=lambda: Path(
            tempfile.mkdtemp(
                prefix="roombot-radicale-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None
            )
        )
    )
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL (CALDAV_URL)."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.root / "radicale.log"

    def start(self) -> None:
        """Write the config and start the server; return once it answers HTTP."""
        if not installed():
            raise RadicaleError("the radicale package is not installed (requirements-dev.txt)")
        (self.root / "users").write_text(f"{USERNAME}:{self.password}\n")
        config = self.root / "config"
        config.write_text(
            CONFIG.format(port=self.port, users=self.root / "users", data=self.root / "data")
        )
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "radicale", "--config", str(config)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Poll until the server answers (any HTTP status), or fail with its log."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RadicaleError(f"Radicale exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                urllib.request.urlopen(self.url, timeout=1).close()
                return
            except urllib.error.HTTPError:
                return  # it answers: 401 without credentials is an answer
            except OSError:
                time.sleep(0.05)
        raise RadicaleError(f"Radicale did not answer within {START_TIMEOUT_S}s:\n{self.tail()}")

    def tail(self, lines: int = 20) -> str:
        """The last lines of the log."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop the server (its data stays for a restart)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def remove(self) -> None:
        """Stop the server and delete its data."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
