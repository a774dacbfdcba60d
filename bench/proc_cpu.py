"""CPU seconds spent by groups of processes during a block, read from /proc (Linux)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg2

from bench.booking_throughput import libpq_dsn

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (empty when gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def cpu_seconds(pid: int) -> float:
    """User + system time of a process and of its children it has reaped."""
    fields = stat(pid)
    return sum(int(f) for f in fields[11:15]) / TICK if fields else 0.0


def children(parent: int) -> list[int]:
    """The live processes whose parent is `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := stat(int(entry.name))) and int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


def postgres_pids(url: str) -> list[int]:
    """The postmaster of url's server and its processes (backends, writer, WAL, ...)."""
    conn = psycopg2.connect(libpq_dsn(url))
    with conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        row = cur.fetchone()
    conn.close()
    postmaster = int(stat(int(row[0]))[1]) if row else 0
    return [postmaster, *children(postmaster)]


def named(command: str) -> list[int]:
    """Processes whose command name is `command`."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == command:
                found.append(int(entry.name))
    return found


def total(pids: list[int]) -> float:
    """CPU seconds of these processes."""
    return sum(cpu_seconds(pid) for pid in pids)


@contextlib.contextmanager
def cpu_of(groups: dict[str, Callable[[], list[int]]]) -> Iterator[dict[str, float]]:
    """Fill a dict, role -> CPU seconds used during the block (plus 'load generator': us)."""
    used: dict[str, float] = {}
    before = {role: total(pids()) for role, pids in groups.items()}
    ours = os.times()
    yield used
    for role, pids in groups.items():
        used[role] = max(0.0, total(pids()) - before[role])
    now = os.times()
    used["load generator"] = now.user + now.system - ours.user - ours.system
