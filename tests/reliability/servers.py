"""Processes the fault suite owns: a PostgreSQL cluster, a Redis server, a blackhole, gunicorn.

PostgreSQL and Redis are started with the binaries `scripts/test_services.py` found
(TEST_PG_BIN_DIR, TEST_REDIS_SERVER_BIN) on fresh ports, never the machine's 5432/6379 nor the
session's TEST_DATABASE_URL / TEST_REDIS_URL servers, so the tests may stop and restart them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.conftest import ROOT

RESERVED_PORTS = frozenset({5432, 6379})
STOP_GRACE_S = 15


def _load_service_tools() -> ModuleType:
    """Import scripts/test_services.py (not a package) for its server helpers."""
    path = ROOT / "scripts" / "test_services.py"
    spec = importlib.util.spec_from_file_location("roombot_test_services", path)
    assert spec is not None and spec.loader is not None, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


svc = _load_service_tools()
ServiceError: type[Exception] = svc.ServiceError


def _url_port(name: str) -> int | None:
    """The port of a service URL in the environment, if any."""
    url = os.environ.get(name)
    if not url:
        return None
    with contextlib.suppress(ValueError):
        return urllib.parse.urlsplit(url).port
    return None


def own_port() -> int:
    """A free 127.0.0.1 port that is not a well-known or session-owned server's port."""
    taken = RESERVED_PORTS | {_url_port("TEST_DATABASE_URL"), _url_port("TEST_REDIS_URL")}
    while True:
        port = int(svc.free_port())
        if port not in taken:
            return port


@dataclass
class PgCluster:
    """A private PostgreSQL cluster that tests may stop (-m fast) and start on the same port."""

    server: Any  # scripts/test_services.py's PgServer

    @property
    def url(self) -> str:
        """The test database's URL."""
        return str(self.server.url)

    def start(self) -> None:
        """Start the postmaster on the same data directory and port, waiting until it accepts."""
        svc.start_cluster(self.server)

    def stop(self) -> None:
        """`pg_ctl stop -m fast`: sessions are terminated and open transactions rolled back."""
        svc.stop_cluster(self.server)

    @property
    def running(self) -> bool:
        """True while the postmaster's pid file exists."""
        return bool((self.server.data / "postmaster.pid").exists())


def create_pg_cluster(stack: contextlib.ExitStack, bin_dir: Path) -> PgCluster:
    """initdb, start and create the test database; the stack stops and deletes it."""
    root = svc.make_pg_root(stack)
    server = svc.PgServer(bin_dir=bin_dir, root=root, port=own_port())
    svc.init_cluster(server)
    stack.callback(svc.stop_cluster, server)
    svc.start_cluster(server)
    svc.create_database(server)
    return PgCluster(server)


@dataclass
class RedisServer:
    """A private redis-server without persistence that tests may stop and start again."""

    binary: str
    root: Path
    port: int = field(default_factory=own_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """True while our redis-server process lives."""
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """Start redis-server on the same port and wait for PONG from our own process."""
        self.starts = getattr(self, "starts", 0) + 1
        log = self.root / "redis.log"
        cmd = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        cmd += ["--appendonly", "no", "--daemonize", "no", "--dir", str(self.root)]
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=self.root, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        svc.wait_for_redis(self.proc, self.port, log)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait until it has exited."""
        if self.proc is not None:
            svc.stop_process(self.proc, "Redis")


class Blackhole:
    """A TCP address that never answers: listen(0), never accept, backlog kept full."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", own_port()))
        self.listener.listen(0)
        self.port = int(self.listener.getsockname()[1])
        self.fillers: list[socket.socket] = []
        for _ in range(4):  # the first completes into the queue, the rest stall in SYN_SENT
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", self.port))
            self.fillers.append(filler)

    def hangs(self, seconds: float = 0.5) -> bool:
        """True when a new connection attempt neither succeeds nor is refused in time."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(seconds)
            try:
                probe.connect(("127.0.0.1", self.port))
            except TimeoutError:
                return True
            except OSError:
                return False
            return False

    def close(self) -> None:
        """Release every socket."""
        for sock in [*self.fillers, self.listener]:
            sock.close()


# --- processes and their sockets (Linux /proc) ------------------------------------------


def _tcp_inodes(local_port: int | None, remote_port: int | None) -> set[str]:
    """Inodes of established IPv4 TCP sockets matching the given ports."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, remote, state, inode = parts[1], parts[2], parts[3], parts[9]
        if state != "01":  # ESTABLISHED
            continue
        if local_port is not None and int(local.split(":")[1], 16) != local_port:
            continue
        if remote_port is not None and int(remote.split(":")[1], 16) != remote_port:
            continue
        inodes.add(inode)
    return inodes


def socket_owners(
    pids: list[int], local_port: int | None = None, remote_port: int | None = None
) -> list[int]:
    """Which of `pids` hold an established socket with these local/remote ports."""
    wanted = {f"socket:[{inode}]" for inode in _tcp_inodes(local_port, remote_port)}
    return [pid for pid in pids if wanted & _open_files(pid)]


def _open_files(pid: int) -> set[str]:
    """What a process's file descriptors point at (empty when it is gone)."""
    targets = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                targets.add(os.readlink(fd))
    return targets


def kill(pid: int, sig: signal.Signals = signal.SIGKILL) -> None:
    """Signal one process we started (by id)."""
    os.kill(pid, sig)
