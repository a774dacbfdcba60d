"""`/today` for a 50-room office with 100,000 reservations over a year, against the raw SQL.

    .venv/bin/python -m bench.today_query --database-url postgresql://postgres@127.0.0.1/rb_bench
        [--reservations 100000] [--rooms 50] [--runs 200]

Loads the migrated database with `--rooms` rooms and `--reservations` non-overlapping
reservations (5% cancelled) spread over 365 days, 275 in the past and 90 ahead, with COPY. Then,
for today's date in Japan, times (median and p95 over `--runs`, taken in turn, so that
a shared machine's changing load falls on all of them alike):
  baseline  the raw SQL (psycopg2) that returns the day's active reservations of every room;
  service   services.day_schedule(uow, policy, day=today): every room, reservations, free gaps;
  api       GET /api/reservations?date=today through the Flask test client (and once more
            without the client decoding the answer's JSON: the server's part alone);
prints the ratios to the baseline, and EXPLAIN (ANALYZE, BUFFERS) of the reservations query the
repository really issues (captured with a `before_cursor_execute` listener), saying whether it
uses an index.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import statistics
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import psycopg2
from sqlalchemy import Engine, text

from bench.booking_throughput import libpq_dsn
from bench.common import fresh_database, percentile, timed
from booking import services
from booking.clock import JST, day_bounds
from booking.model import Room
from bot.container import build
from bot.settings import Settings
from bot.web import create_app
from storage import raw_sql
from storage.engine import is_sqlite, make_session_factory
from storage.rooms_file import sync_rooms
from storage.uow import SqlAlchemyUnitOfWork

PAST_DAYS, FUTURE_DAYS = 275, 90
OPEN_MINUTES = 15 * 60  # 07:00-22:00
LENGTHS = [30, 30, 45, 60, 60, 60, 90, 120]
COLUMNS = "room_id, owner_id, title, start_at, end_at, active, source, created_at"
SELECT_ALL = """SELECT id, room_id, owner_id, title, start_at, end_at, active, source, created_at,
cancelled_at, cancelled_by, reminded_at, checked_in_at FROM reservations"""
HOLDING = "(active OR status IN ('pending', 'held'))"  # what holds a slot (migration 0011)
RAW_QUERY = SELECT_ALL + f" WHERE {HOLDING} AND start_at < %s AND end_at > %s ORDER BY start_at, id"
RANGE_QUERY = (
    SELECT_ALL
    + f" WHERE {HOLDING} AND tstzrange(start_at, end_at, '[)') && tstzrange(%s, %s, '[)')"
    " ORDER BY start_at, id"
)  # the same rows; can use a GiST index (the exclusion constraint's, or a dedicated one)


def office(rooms: int) -> list[Room]:
    """The rooms of the office."""
    return [
        Room(id=f"R{i:02d}", name=f"会議室{i:02d}", capacity=4 + i % 10)
        for i in range(1, rooms + 1)
    ]


def day_plan(rng: random.Random, count: int) -> list[tuple[int, int]]:
    """`count` non-overlapping (start minute, length) inside opening hours, on a 15-minute grid."""
    lengths = [rng.choice(LENGTHS) for _ in range(count)]
    slack = (OPEN_MINUTES - sum(lengths)) // 15
    cuts = sorted(rng.randint(0, slack) for _ in range(count))
    plan, cursor, used = [], 7 * 60, 0
    for length, cut in zip(lengths, cuts, strict=True):
        cursor += (cut - used) * 15
        used = cut
        plan.append((cursor, length))
        cursor += length
    return plan


def rows(rooms: list[Room], total: int, today: date, seed: int = 7) -> Iterator[str]:
    """CSV lines of `total` reservations over the year around today (non-overlapping per room)."""
    rng = random.Random(seed)
    room_days = [
        (r.id, today + timedelta(days=d)) for d in range(-PAST_DAYS, FUTURE_DAYS) for r in rooms
    ]
    base, extra = divmod(total, len(room_days))
    busier = set(rng.sample(range(len(room_days)), extra))
    for index, (room_id, day) in enumerate(room_days):
        for minute, length in day_plan(rng, base + (index in busier)):
            start = datetime.combine(day, time(*divmod(minute, 60)), JST)
            end = start + timedelta(minutes=length)
            active = "t" if rng.random() >= 0.05 else "f"
            owner, made = f"U{rng.randrange(400):04d}", start - timedelta(days=rng.randint(0, 30))
            yield f"{room_id},{owner},定例 {index % 97},{start.isoformat()},{end.isoformat()},{active},slack,{made.isoformat()}\n"


def load(engine: Engine, dsn: str, rooms: int, total: int, today: date) -> None:
    """Replace the rooms and reservations with the generated office, by COPY; then ANALYZE."""
    sync_rooms(make_session_factory(engine), office(rooms))
    buffer = io.StringIO("".join(rows(office(rooms), total, today)))
    conn = psycopg2.connect(dsn)
    with conn, conn.cursor() as cur:
        cur.execute("TRUNCATE reservations RESTART IDENTITY CASCADE")
        cur.copy_expert(f"COPY reservations ({COLUMNS}) FROM STDIN WITH (FORMAT csv)", buffer)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE reservations")
    conn.close()


def explain(dsn: str, statement: str, parameters: Any, setup: str | None = None) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a statement, optionally after `setup` (rolled back after)."""
    conn = psycopg2.connect(dsn)
    with conn.cursor() as cur:
        if setup:
            cur.execute(setup)
            cur.execute("ANALYZE reservations")
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(line for (line,) in cur.fetchall())
    conn.rollback()
    conn.close()
    return plan


def plan_facts(plan: str) -> str:
    """The access path, rows thrown away, buffers and time of a plan, on one line."""
    scans = [
        ln.strip().lstrip("-> ").split("  (cost")[0] for ln in plan.splitlines() if "Scan" in ln
    ]
    scan = next((x for x in scans if "Index" in x), scans[0] if scans else "?")
    removed = re.search(r"Rows Removed by Filter: (\d+)", plan)
    buffers = re.search(r"Buffers: shared hit=(\d+)", plan)
    took = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return (f"{scan}; rows removed by filter {removed.group(1) if removed else 0}; "
            f"buffers {buffers.group(1) if buffers else '?'}; {took.group(1) if took else '?'} ms")  # fmt: skip


def verdict(plan: str) -> str:
    """Say whether the plan reads far more rows than the day has."""
    removed = re.search(r"Rows Removed by Filter: (\d+)", plan)
    returned = re.search(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+)", plan)
    if "Seq Scan on reservations" in plan:
        return "PLAN PROBLEM: sequential scan of reservations."
    if removed and returned and int(removed.group(1)) > 10 * max(1, int(returned.group(1))):
        return (f"PLAN PROBLEM: the index scan keeps {returned.group(1)} rows and throws away "
                f"{removed.group(1)}: `start_at < day_end` alone bounds it (all of the past).")  # fmt: skip
    return "OK: an index bounds the scan to the day."


def summary(name: str, samples: list[float], baseline: list[float]) -> str:
    """One line: median, p95 and the ratios to the baseline."""
    med, p95 = statistics.median(samples), percentile(samples, 95)
    ratio = f"{med / statistics.median(baseline):6.2f}x {p95 / percentile(baseline, 95):6.2f}x"
    return f"{name:<52} {med * 1000:8.2f} {p95 * 1000:8.2f}   {ratio}"


def issued_query(engine: Engine, today: date) -> tuple[str, Any]:
    """The reservations SELECT that day_schedule sends (straight to psycopg2: storage.raw_sql)."""
    seen: list[tuple[str, Any]] = []
    sent = raw_sql.fetch

    def remember(session: Any, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        seen.append((sql, params))
        return sent(session, sql, params)

    raw_sql.fetch = remember
    try:
        uow = SqlAlchemyUnitOfWork(make_session_factory(engine))
        services.day_schedule(uow, Settings().policy(), day=today)
    finally:
        raw_sql.fetch = sent
    return next((s, p) for s, p in seen if "FROM reservations" in s)


def measure(url: str, engine: Engine, dsn: str, today: date, runs: int) -> dict[str, list[float]]:
    """Latencies of the raw queries, day_schedule and the API for one day."""
    policy, factory = Settings().policy(), make_session_factory(engine)
    client = create_app(
        container=build(Settings(database_url=url, flask_env="development"))
    ).test_client()
    start, end = day_bounds(today)
    raw = psycopg2.connect(dsn)

    def sql(query: str, params: tuple[datetime, datetime]) -> Callable[[int], None]:
        def run(_: int) -> None:
            with raw.cursor() as cur:
                cur.execute(query, params)
                cur.fetchall()
            raw.rollback()

        return run

    def api(_: int) -> None:
        response = client.get(f"/api/reservations?date={today.isoformat()}")
        assert response.status_code == 200 and response.get_json()["reservations"]

    def api_undecoded(_: int) -> None:  # without the test client decoding the answer's JSON
        assert client.get(f"/api/reservations?date={today.isoformat()}").status_code == 200

    work: dict[str, Callable[[int], object]] = {
        "baseline": sql(RANGE_QUERY, (start, end)),
        "service": lambda _: services.day_schedule(
            SqlAlchemyUnitOfWork(factory), policy, day=today
        ),
        "api": api,
        "api_undecoded": api_undecoded,
    }
    for job in work.values():
        timed(10, job)  # warm-up: connections, statement caches
    results: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(runs):  # interleaved: a shared machine's load moves all of them alike
        for name, job in work.items():
            results[name] += timed(1, job)
    results["plain"] = timed(runs, sql(RAW_QUERY, (end, start)))  # for comparison only, apart
    raw.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to fill")
    parser.add_argument("--reservations", type=int, default=100_000)
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    if is_sqlite(args.database_url):
        parser.error("--database-url must be PostgreSQL")
    url, engine = fresh_database(args.database_url)
    dsn, today = libpq_dsn(url), datetime.now(JST).date()
    load(engine, dsn, args.rooms, args.reservations, today)
    results = measure(url, engine, dsn, today, args.runs)
    report(engine, dsn, args, today, results)


def report(
    engine: Engine, dsn: str, args: argparse.Namespace, today: date, results: dict[str, list[float]]
) -> None:
    """Print the latency table, the captured query, its plan and the what-if plans."""
    start, end = day_bounds(today)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
        count = conn.execute(text(RAW_QUERY.replace("%s", ":end", 1).replace("%s", ":start", 1)),
                             {"start": start, "end": end}).all()  # fmt: skip
    print(f"PostgreSQL {version}; {args.rooms} rooms, {args.reservations} reservations over 365 days "
          f"({PAST_DAYS} past, {FUTURE_DAYS} ahead); day {today} ({len(count)} active); {args.runs} runs; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    print(f"{'what':<52} {'p50 ms':>8} {'p95 ms':>8}   {'ratio p50/p95':>14}")
    base = results["baseline"]
    print(summary("raw SQL, the repository's range predicate (baseline)", base, base))
    print(summary("services.day_schedule (all rooms)", results["service"], base))
    print(summary("GET /api/reservations?date= (test client)", results["api"], base))
    print(
        summary("  the same, the answer not decoded by the client", results["api_undecoded"], base)
    )
    print(summary("raw SQL, plain start/end comparison (before 0003)", results["plain"], base))
    statement, parameters = issued_query(engine, today)
    plan = explain(dsn, statement, parameters)
    print("\nquery issued by SqlReservationRepository.active_between:\n" + statement)
    print("\nEXPLAIN (ANALYZE, BUFFERS):\n" + plan + "\n\n" + verdict(plan))
    print("\nplans compared:")
    print("  as issued (range predicate, ix_reservations_holding_period): " + plan_facts(plan))
    plain = explain(dsn, RAW_QUERY, (end, start))
    print("  plain start/end comparison (the query before 0003):        " + plan_facts(plain))


if __name__ == "__main__":
    main()
