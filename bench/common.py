"""Helpers shared by the benchmarks: a fresh database and timing."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

from storage.engine import is_sqlite, make_engine, make_session_factory
from storage.migrate import upgrade
from storage.rooms_file import load_rooms, sync_rooms

ROOT = Path(__file__).resolve().parent.parent


def fresh_database(url: str | None) -> tuple[str, Engine]:
    """A migrated database with the example rooms (a temporary SQLite file by default)."""
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='roombot-bench-')}/bench.db"
    engine = make_engine(url)
    upgrade(engine)
    tables = ("notices", "approval_decisions", "waitlist", "reservations", "series")
    with engine.begin() as connection:  # a given database starts empty of reservations
        if is_sqlite(url):
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))  # children first
        else:  # a reused database's 100,000 rows outlast the statement timeout of a DELETE
            connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
    sync_rooms(make_session_factory(engine), load_rooms(ROOT / "rooms.yml"))
    return url, engine


def timed(runs: int, work: Callable[[int], object]) -> list[float]:
    """Seconds taken by each of `runs` calls of work(i)."""
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        work(i)
        samples.append(time.perf_counter() - started)
    return samples


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0-100) of the samples."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median_ms(samples: list[float]) -> float:
    """The median in milliseconds."""
    return statistics.median(samples) * 1000
