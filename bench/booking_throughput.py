"""Booking throughput: the service layer and POST /api/reservations against raw psycopg2 INSERTs.

    .venv/bin/python -m bench.booking_throughput --database-url postgresql://postgres@127.0.0.1/rb_bench
        [--bookings 2000] [--clients 8] [--workers 5]

Every booking goes to a distinct (room, half-hour) slot from tomorrow on, one transaction each,
into the migrated `reservations` table (exclusion constraint and indexes in place), emptied
before every mode. Four modes, same run:
  (c1) raw psycopg2: one connection, INSERT ... RETURNING id + COMMIT per booking (baseline of a);
  (a)  services.create_reservation with SqlAlchemyUnitOfWork, one caller;
  (c8) raw psycopg2: `--clients` threads, one connection each (baseline of b);
  (b)  POST /api/reservations to gunicorn (deploy/gunicorn.conf.py, bearer token, production
       settings), `--clients` threads with keep-alive connections.
Also (c1o): raw psycopg2 writing the same two rows the service layer writes (the reservation
and its calendar outbox entry) in one statement, to tell the database's extra work from ours.
Prints bookings/s per mode and the ratios a / c1, a / c1o and b / c8; checks every mode stored exactly
its bookings with no overlap.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

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


def raw_inserts(dsn: str, work: list[Slot], outbox: bool = False) -> None:
    """Insert each slot in its own transaction over one psycopg2 connection (with `outbox`,
    its calendar outbox row too, in the same statement, as the service layer writes it)."""
    conn = psycopg2.connect(dsn)
    with conn.cursor() as cur:
        for room, start, end in work:
            now = datetime.now(UTC)
            if outbox:
                cur.execute(INSERT_WITH_OUTBOX, (room, "U1", "", start, end, now, room, now))
            else:
                cur.execute(INSERT, (room, "U1", "", start, end, now))
            cur.fetchone()
            conn.commit()
    conn.close()


def service_calls(engine: Engine, work: list[Slot]) -> None:
    """Book each slot through services.create_reservation."""
    factory, policy = make_session_factory(engine), Settings().policy()
    for room, start, end in work:
        services.create_reservation(
            SqlAlchemyUnitOfWork(factory), policy, room=room, start=start, end=end,
            owner_id="U1", now=datetime.now(UTC),
        )  # fmt: skip


def http_posts(
    server_conn: Callable[[], http.client.HTTPConnection],
    work: list[Slot],
    *,
    latencies: list[float],
) -> None:
    """POST each slot on one kept-alive connection; record each request's latency."""
    conn = server_conn()
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


def measure(engine: Engine, job: Callable[[list[Slot]], None], warm: list[Slot],
            work: list[Slot], clients: int) -> float:  # fmt: skip
    """Warm up, empty the table, book `work` from `clients` threads; bookings per second."""
    in_threads([partial(job, part) for part in split(warm, clients)])
    empty(engine)
    seconds = in_threads([partial(job, part) for part in split(work, clients)])
    check(engine, len(work))
    empty(engine)
    return len(work) / seconds


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
    args = parser.parse_args()
    if is_sqlite(args.database_url):
        parser.error("--database-url must be PostgreSQL (the raw baseline is psycopg2)")
    url, engine = fresh_database(args.database_url)
    dsn, k = libpq_dsn(url), args.clients
    work, warm = slots(args.bookings), slots(20 * k, first_day_offset=80)
    rates = {
        "c1": measure(engine, partial(raw_inserts, dsn), warm, work, 1),
        "c1o": measure(engine, partial(raw_inserts, dsn, outbox=True), warm, work, 1),
        "a": measure(engine, partial(service_calls, engine), warm, work, 1),
        "c8": measure(engine, partial(raw_inserts, dsn), warm, work, k),
    }
    latencies: list[float] = []
    env = gunicorn_env(url, tempfile.mkdtemp())
    with gunicorn("bot.wsgi:app", env, args.workers, "/health/live") as server:
        post = partial(http_posts, server.connection, latencies=latencies)
        rates["b"] = measure(engine, post, warm, work, k)
        latencies[:] = latencies[len(warm) :]  # keep the measured run's only
    report(engine, args, rates, latencies)


def report(
    engine: Engine, args: argparse.Namespace, rates: dict[str, float], latencies: list[float]
) -> None:
    """Print the table of rates and ratios."""
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
    print(f"PostgreSQL {version}; {args.bookings} bookings per mode on distinct slots, one transaction each; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    rows = [("c1", "raw psycopg2 INSERT (baseline of a)", 1),
            ("c1o", "raw psycopg2 INSERT + its outbox row, 1 statement", 1),
            ("a", "services.create_reservation", 1),
            ("c8", "raw psycopg2 INSERT (baseline of b)", args.clients),
            ("b", f"POST /api/reservations, gunicorn {args.workers} workers", args.clients)]  # fmt: skip
    print(f"{'mode':<52} {'clients':>7} {'bookings/s':>11}")
    for key, name, clients in rows:
        print(f"({key:>2}) {name:<47} {clients:>7} {rates[key]:>11.0f}")
    print(f"ratio a / c1 (service layer vs raw, 1 client): {rates['a'] / rates['c1']:.2f}x")
    print(f"ratio a / c1o (same two rows written raw, 1 client): {rates['a'] / rates['c1o']:.2f}x")
    print(
        f"ratio b / c8 (HTTP API vs raw, {args.clients} clients): {rates['b'] / rates['c8']:.2f}x"
    )
    print(f"POST latency under load: p50 {statistics.median(latencies) * 1000:.1f} ms, "
          f"p95 {percentile(latencies, 95) * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
