"""Scale-out on one machine: 1 node, 3 nodes behind nginx, 3 nodes + PgBouncer (transaction).

    .venv/bin/python -m bench.scale_out --database-url postgresql://postgres@127.0.0.1:5432/postgres
        --redis-url redis://127.0.0.1:6379/0 [--seconds 20] [--clients 24] [--rate 12]

An office of 50 rooms and 2,000 people with 100,000 reservations over a year (bench.today_query's
generator) in a database of its own. Each node is `python -m bot serve --workers 2` (production
settings, its own gunicorn master), always behind nginx (the shipped site). Per set-up:
  peak        open loop at `--rate` requests/s, half bookings (random room, day and hour: some
              conflict, as people do) and half `GET /api/reservations?date=today` (what /today
              reads): p50/p95 of each — 20,000 bookings a day over 10 hours is 0.6/s, so the
              default rate is ten times the average;
  saturation  `--clients` closed-loop clients, the same mix: requests/s, and where the CPU went
              (seconds of CPU per request in nginx, the app's processes, PostgreSQL, PgBouncer,
              Redis and the load generator, read from /proc).
Ratios are to the first set-up (1 node), measured in the same run. Then: does the scheduler's
advisory lock still exclude a second leader directly and through PgBouncer?
"""

from __future__ import annotations

import argparse
import http.client
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import redis

from bench.booking_throughput import libpq_dsn
from bench.common import percentile
from bench.pgbouncer import pgbouncer, two_leaders
from bench.proc_cpu import cpu_of, named, postgres_pids
from bench.server import request
from bench.today_query import load
from booking.clock import JST
from storage.engine import make_engine
from tests.reliability.cluster import Cluster, cluster, fresh_database

TOKEN, PEOPLE, ROOMS, HISTORY = "bench-api-token", 2000, 50, 100_000
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Sample = tuple[str, float, int]  # kind, seconds, status


def booking(rng: random.Random) -> dict[str, str]:
    """A booking someone might ask for: any room, the next 60 days, 07:00-21:00, 30 or 60 min."""
    day = datetime.now(JST).date() + timedelta(days=rng.randint(1, 60))
    start = 7 * 60 + 15 * rng.randrange(14 * 4)
    end = start + rng.choice((30, 60))
    return {"room-id": f"R{rng.randint(1, ROOMS):02d}", "date": day.isoformat(),
            "start-time": f"{start // 60:02d}:{start % 60:02d}",
            "end-time": f"{end // 60:02d}:{end % 60:02d}", "owner": f"U{rng.randrange(PEOPLE):04d}"}  # fmt: skip


def one(conn: http.client.HTTPConnection, kind: str, rng: random.Random, today: date) -> Sample:
    """Send one request of a kind; its latency and status."""
    began = time.perf_counter()
    if kind == "booking":
        status, _ = request(conn, "POST", "/api/reservations", booking(rng), AUTH)
    else:
        status, _ = request(conn, "GET", f"/api/reservations?date={today.isoformat()}", None, AUTH)
    return kind, time.perf_counter() - began, status


def peak(port: int, rate: float, seconds: float) -> list[Sample]:
    """Open loop: a request every 1/rate s (alternating kinds), each on its own thread."""
    samples: list[Sample] = []
    lock, threads, today = threading.Lock(), [], datetime.now(JST).date()

    def fire(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        got = one(conn, ("booking", "today")[i % 2], random.Random(i), today)
        conn.close()
        with lock:
            samples.append(got)

    began = time.perf_counter()
    for i in range(int(rate * seconds)):
        time.sleep(max(0.0, began + i / rate - time.perf_counter()))
        threads.append(threading.Thread(target=fire, args=(i,)))
        threads[-1].start()
    for thread in threads:
        thread.join()
    return samples


def saturate(port: int, clients: int, seconds: float) -> tuple[list[Sample], float]:
    """Closed loop: `clients` keep-alive clients, each alternating kinds, for `seconds`."""
    samples: list[Sample] = []
    lock, stop, today = threading.Lock(), time.perf_counter() + seconds, datetime.now(JST).date()

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        rng, mine = random.Random(n), list[Sample]()
        while time.perf_counter() < stop:
            mine.append(one(conn, ("booking", "today")[len(mine) % 2], rng, today))
        conn.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - began


@contextmanager
def setup(nodes: int, url: str, redis_url: str, bouncer: bool) -> Iterator[Cluster]:
    """`nodes` nodes behind nginx, on PostgreSQL directly or through PgBouncer."""
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin")
    if nginx is None:
        raise SystemExit("nginx not found: apt-get install nginx-light")
    with ExitStack() as stack:
        db = stack.enter_context(pgbouncer(url)) if bouncer else url
        env = {"DATABASE_URL": db, "REDIS_URL": redis_url, "FLASK_ENV": "production",
               "SECRET_KEY": "bench-secret-key", "API_TOKEN": TOKEN, "SCHEDULER_IN_WEB": "false"}  # fmt: skip
        yield stack.enter_context(
            cluster(nginx, env, nodes, Path(tempfile.mkdtemp(prefix="rb-scale-")))
        )


def groups(made: Cluster, url: str, redis_url: str) -> dict[str, Callable[[], list[int]]]:
    """The processes whose CPU is counted, by role (re-read at each measurement)."""
    server = int(redis.Redis.from_url(redis_url).info("server")["process_id"])
    return {
        "nginx": lambda: [made.nginx.process.pid],
        "app (gunicorn)": lambda: [p for n in made.nodes for p in (n.process.pid, *n.workers())],
        "PostgreSQL": lambda: postgres_pids(url),
        "PgBouncer": lambda: named("pgbouncer"),
        "Redis": lambda: [server],
    }


def run_setup(
    name: str, nodes: int, bouncer: bool, args: argparse.Namespace, url: str
) -> dict[str, Any]:
    """Measure one set-up: peak latencies, saturation rate and CPU split."""
    with setup(nodes, url, args.redis_url, bouncer) as made:
        peak(made.port, args.rate, 3)  # warm every worker up
        latencies = peak(made.port, args.rate, args.seconds)
        roles = groups(made, url, args.redis_url)
        with cpu_of(roles) as cpu:
            samples, took = saturate(made.port, args.clients, args.seconds)
    errors = [s for s in latencies + samples if s[2] >= 500]
    return {"name": name, "peak": latencies, "rate": len(samples) / took, "cpu": cpu,
            "requests": len(samples), "errors": len(errors)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", required=True, help="any database on the PostgreSQL server to use"
    )
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--rate", type=float, default=12)
    args = parser.parse_args()
    url = fresh_database(args.database_url, "rb_scale")
    engine = make_engine(url)
    load(engine, libpq_dsn(url), ROOMS, HISTORY, datetime.now(JST).date())
    engine.dispose()
    results = [
        run_setup("1 node", 1, False, args, url),
        run_setup("3 nodes", 3, False, args, url),
        run_setup("3 nodes + PgBouncer", 3, True, args, url),
    ]
    report(results, args)
    with pgbouncer(url, pool=1) as through:
        print(f"\nscheduler lock, two processes: directly {'two leaders' if two_leaders(url) else 'one leader'}; "
              f"through PgBouncer (transaction) {'TWO LEADERS' if two_leaders(through) else 'one leader'}")  # fmt: skip


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Print latency, saturation and CPU tables."""
    print(f"50 rooms, {PEOPLE} people, {HISTORY} reservations; each node gunicorn 2 workers x 4 threads; "
          f"peak {args.rate:g} req/s for {args.seconds:g} s; saturation {args.clients} clients; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    base = results[0]["rate"]
    print(
        f"{'set-up':<22} {'booking p50/p95 ms':>19} {'today p50/p95 ms':>17} {'req/s sat.':>10} {'ratio':>6} {'5xx':>4}"
    )
    for r in results:
        cells = []
        for kind in ("booking", "today"):
            xs = [s[1] for s in r["peak"] if s[0] == kind]
            cells.append(f"{statistics.median(xs) * 1000:7.1f} /{percentile(xs, 95) * 1000:7.1f}")
        print(
            f"{r['name']:<22} {cells[0]:>19} {cells[1]:>17} {r['rate']:10.0f} {r['rate'] / base:5.2f}x {r['errors']:4d}"
        )
    print("\nCPU per request at saturation (ms), by process:")
    roles = list(results[0]["cpu"])
    print(f"{'set-up':<22} " + " ".join(f"{role:>15}" for role in roles))
    for r in results:
        print(
            f"{r['name']:<22} "
            + " ".join(f"{r['cpu'][role] * 1000 / r['requests']:15.2f}" for role in roles)
        )


if __name__ == "__main__":
    main()
