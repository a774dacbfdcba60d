"""Booking throughput: the service layer and POST /api/reservations against raw psycopg2 INSERTs.

    .venv/bin/python -m bench.booking_throughput --database-url postgresql://postgres@127.0.0.1/rb_bench
        [--bookings 2000] [--clients 8] [--workers 5] [--rounds 10]

Every booking goes to a distinct (room, half-hour) slot from tomorrow on, one transaction each,
into the migrated `reservations` table (exclusion constraint and indexes in place), emptied
before every mode. The modes take turns, `--rounds` times (each a tenth of the bookings by
default), so that a shared machine's changing load falls on all of them alike; connections are
opened before any timing. Modes, same run:
  (c1) raw psycopg2: one connection, INSERT ... RETURNING id + COMMIT per booking (baseline of a);
  (a)  services.create_reservation with SqlAlchemyUnitOfWork, one caller;
  (c8) raw psycopg2: `--clients` threads, one connection each (baseline of b);
  (b)  POST /api/reservations to gunicorn (deploy/gunicorn.conf.py, bearer token, production
       settings), `--clients` threads with keep-alive connections;
  (m)  the same POSTs to a WSGI app that does nothing (bench/minimal_wsgi_app.py) under the
       same gunicorn settings: the ceiling gunicorn itself puts on (b) on this machine.
Also (c1o): raw psycopg2 writing the same two rows the service layer writes (the reservation
and its calendar outbox entry) in one statement, to tell the database's extra work from ours.
Prints bookings/s per mode and the ratios a / c1, a / c1o, b / c8 and m / c8; checks every mode
stored exactly its bookings with no overlap.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import psycopg2
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bench.common import fresh_database, percentile
from bench.server import gunicorn, request
from booking import services
from booking.clock import JST
from bot.settings import Settings
from storage.engine import is_sqlite, make_session_factory, normalise_url
from storage.uow import SqlAlchemyUnitOfWork

ROOMS = ["1", "2", "3", "4", "5", "6"]
HALF_HOURS_A_DAY = 30  # 07:00-22:00
TOKEN = "bench-api-token"
INSERT = """INSERT INTO reservations (room_id, owner_id, title, start_at, end_at, active, source,
created_at) VALUES (%s, %s, %s, %s, %s, true, 'api', %s) RETURNING id"""
INSERT_WITH_OUTBOX = f"""WITH r AS ({INSERT}), o AS (INSERT INTO calendar_outbox (room_id,
reservation_id, reason, created_at, attempts) SELECT %s, r.id, '', %s, 0 FROM r) SELECT id FROM r"""
Slot = tuple[str, datetime, datetime]
T = TypeVar("T")


def slots(count: int, first_day_offset: int = 1) -> list[Slot]:
    """`count` distinct one-hour-or-less slots: (room, start, end), half-hour steps from 07:00."""
    first = datetime.now(JST).date() + timedelta(days=first_day_offset)
    made = []
    for k in range(count):
        rest = k // len(ROOMS)
        day = first + timedelta(days=rest // HALF_HOURS_A_DAY)
        start = datetime(day.year, day.month, day.day, 7, tzinfo=JST) + timedelta(
            minutes=30 * (rest % HALF_HOURS_A_DAY)
        )
        made.append((ROOMS[k % len(ROOMS)], start, start + timedelta(minutes=30)))
    return made


def libpq_dsn(url: str) -> str:
    """The SQLAlchemy URL as a libpq connection string."""
    return make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(False)


def split(items: list[T], parts: int) -> list[list[T]]:
    """Deal items round-robin into `parts` lists."""
    return [items[i::parts] for i in range(parts)]


def raw_inserts(conn: Any, work: list[Slot], outbox: bool = False) -> None:
    """Insert each slot in its own transaction over one psycopg2 connection (with `outbox`,
    its calendar outbox row too, in the same statement, as the service layer writes it)."""
    with conn.cursor() as cur:
        for room, start, end in work:
            now = datetime.now(UTC)
            if outbox:
                cur.execute(INSERT_WITH_OUTBOX, (room, "U1", "", start, end, now, room, now))
            else:
                cur.execute(INSERT, (room, "U1", "", start, end, now))
            cur.fetchone()
            conn.commit()


def service_calls(factory: Any, work: list[Slot]) -> None:
    """Book each slot through services.create_reservation."""
    policy = Settings().policy()
    for room, start, end in work:
        services.create_reservation(
            SqlAlchemyUnitOfWork(factory), policy, room=room, start=start, end=end,
            owner_id="U1", now=datetime.now(UTC),
        )  # fmt: skip


def http_posts(
    conn: http.client.HTTPConnection, work: list[Slot], *, latencies: list[float]
) -> None:
    """POST each slot on one kept-alive connection; record each request's latency."""
    conn.close()  # reopened by the first request: gunicorn drops a connection idle for 5 s
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for room, start, end in work:
        body = {"room-id": room, "date": start.date().isoformat(),
                "start-time": f"{start:%H:%M}", "end-time": f"{end:%H:%M}", "owner": "U1"}  # fmt: skip
        began = time.perf_counter()
        status, data = request(conn, "POST", "/api/reservations", body, headers)
        latencies.append(time.perf_counter() - began)
        if status != 201:
            raise RuntimeError(f"POST answered {status}: {data[:200]!r}")


def in_threads(jobs: list[Callable[[], None]]) -> float:
    """Run the jobs in parallel threads; seconds until the last one finished."""
    errors: list[BaseException] = []

    def guard(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=guard, args=(job,)) for job in jobs]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - began


def empty(engine: Engine) -> None:
    """Remove every reservation (between modes)."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE reservations RESTART IDENTITY CASCADE"))


def check(engine: Engine, expected: int) -> None:
    """Exactly `expected` active rows, no two of a room overlapping."""
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM reservations WHERE active")).scalar_one()
        overlaps = conn.execute(text(
            "SELECT count(*) FROM reservations a JOIN reservations b ON a.room_id = b.room_id"
            " AND a.id < b.id AND a.active AND b.active"
            " AND tstzrange(a.start_at, a.end_at, '[)') && tstzrange(b.start_at, b.end_at, '[)')"
        )).scalar_one()  # fmt: skip
    if (count, overlaps) != (expected, 0):
        raise RuntimeError(f"stored {count} rows (expected {expected}), {overlaps} overlaps")


Job = Callable[[int, list[Slot]], None]  # (client number, its slots)


@dataclass(frozen=True)
class Mode:
    """A way of booking: the job each client runs, how many clients, whether rows result."""

    job: Job
    clients: int
    books: bool = True


def run(engine: Engine, mode: Mode, work: list[Slot]) -> float:
    """Book `work` from the mode's clients into the empty table, check and empty it; seconds."""
    parts = enumerate(split(work, mode.clients))
    seconds = in_threads([partial(mode.job, i, part) for i, part in parts])
    check(engine, len(work) if mode.books else 0)
    empty(engine)
    return seconds


def measure(
    engine: Engine, modes: dict[str, Mode], warm: list[Slot], work: list[Slot], rounds: int
) -> dict[str, float]:
    """Bookings per second of each mode: warmed up, then `rounds` rounds in which every mode
    books its share of `work` in turn, so that a shared machine's changing load falls on all
    of them alike."""
    empty(engine)
    for mode in modes.values():
        run(engine, mode, warm)
    seconds = dict.fromkeys(modes, 0.0)
    for part in (work[i::rounds] for i in range(rounds)):
        for name, mode in modes.items():
            seconds[name] += run(engine, mode, part)
    return {name: len(work) / took for name, took in seconds.items()}


def gunicorn_env(url: str, logs: str) -> dict[str, str]:
    """Production-like settings for the bot under gunicorn."""
    return {"DATABASE_URL": url, "FLASK_ENV": "production", "SECRET_KEY": "bench-secret-key",
            "API_TOKEN": TOKEN, "SCHEDULER_IN_WEB": "false", "LOG_DIR": logs}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to use")
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--workers", type=int, default=5, help="gunicorn workers (shipped: 2*CPU+1)"
    )
    parser.add_argument("--rounds", type=int, default=10, help="rounds the modes take in turn")
    args = parser.parse_args()
    if is_sqlite(args.database_url):
        parser.error("--database-url must be PostgreSQL (the raw baseline is psycopg2)")
    url, engine = fresh_database(args.database_url)
    dsn, k = libpq_dsn(url), args.clients
    work, warm = slots(args.bookings), slots(20 * k, first_day_offset=80)
    raw = [psycopg2.connect(dsn) for _ in range(k)]  # connections opened before any timing
    factory = make_session_factory(engine)
    latencies: list[float] = []
    env = gunicorn_env(url, tempfile.mkdtemp())
    ceiling = gunicorn("bench.minimal_wsgi_app:app", {}, args.workers, shipped=False)
    with gunicorn("bot.wsgi:app", env, args.workers, "/health/live") as server, ceiling as bare:
        http = [server.connection() for _ in range(k)]
        bare_http = [bare.connection() for _ in range(k)]
        modes = {
            "c1": Mode(lambda i, part: raw_inserts(raw[i], part), 1),
            "c1o": Mode(lambda i, part: raw_inserts(raw[i], part, outbox=True), 1),
            "a": Mode(lambda i, part: service_calls(factory, part), 1),
            "c8": Mode(lambda i, part: raw_inserts(raw[i], part), k),
            "b": Mode(lambda i, part: http_posts(http[i], part, latencies=latencies), k),
            "m": Mode(lambda i, part: http_posts(bare_http[i], part, latencies=[]), k, False),
        }
        rates = measure(engine, modes, warm, work, args.rounds)
        latencies[:] = latencies[len(warm) :]  # keep the measured runs' only
    for conn in raw:
        conn.close()
    report(engine, args, rates, latencies)


def report(
    engine: Engine, args: argparse.Namespace, rates: dict[str, float], latencies: list[float]
) -> None:
    """Print the table of rates and ratios."""
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
    print(f"PostgreSQL {version}; {args.bookings} bookings per mode on distinct slots, one transaction each, "
          f"in {args.rounds} rounds; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    rows = [("c1", "raw psycopg2 INSERT (baseline of a)", 1),
            ("c1o", "raw psycopg2 INSERT + its outbox row, 1 statement", 1),
            ("a", "services.create_reservation", 1),
            ("c8", "raw psycopg2 INSERT (baseline of b)", args.clients),
            ("b", f"POST /api/reservations, gunicorn {args.workers} workers", args.clients),
            ("m", "POST to a do-nothing WSGI app, same gunicorn", args.clients)]  # fmt: skip
    print(f"{'mode':<52} {'clients':>7} {'bookings/s':>11}")
    for key, name, clients in rows:
        print(f"({key:>2}) {name:<47} {clients:>7} {rates[key]:>11.0f}")
    print(f"ratio a / c1 (service layer vs raw, 1 client): {rates['a'] / rates['c1']:.2f}x")
    print(f"ratio a / c1o (same two rows written raw, 1 client): {rates['a'] / rates['c1o']:.2f}x")
    print(
        f"ratio b / c8 (HTTP API vs raw, {args.clients} clients): {rates['b'] / rates['c8']:.2f}x"
    )
    print(
        f"ratio m / c8 (gunicorn's own ceiling, {args.clients} clients): {rates['m'] / rates['c8']:.2f}x"
    )
    print(f"POST latency under load: p50 {statistics.median(latencies) * 1000:.1f} ms, "
          f"p95 {percentile(latencies, 95) * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
