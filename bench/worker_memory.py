"""Memory per gunicorn worker after warm-up, against a bare interpreter and a minimal Flask app.

    .venv/bin/python -m bench.worker_memory --database-url postgresql://postgres@127.0.0.1/rb_bench
        [--workers 4] [--requests 400] [--clients 8] [--preload]

Starts the bot (`bot.wsgi:app`, deploy/gunicorn.conf.py, production settings, a fake Slack Web
API) with `--workers` workers, sends `--requests` mixed requests from `--clients` threads
(health, rooms, listings, bookings, conflicts, cancellations, /api/chat through the offline
assistant, /metrics, signed Slack /today commands and app_mention events), waits until the
Slack work behind them has reached the fake Slack, and reads VmRSS and RssAnon of every worker
from /proc/<pid>/status, PSS and USS from /proc/<pid>/smaps_rollup. Baselines measured in the
same run: `python -c 'import time; time.sleep(60)'`, and a minimal Flask app
(bench/minimal_flask_app.py) under the same gunicorn settings (bench/baseline_gunicorn_conf.py),
warmed with as many requests. `--preload` runs both apps with GUNICORN_PRELOAD=true (the master
loads the app, the workers share it copy-on-write); without it, both without.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench.booking_throughput import in_threads, split
from bench.common import fresh_database
from bench.server import Server, gunicorn, request
from booking.clock import JST
from storage.engine import is_sqlite
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack

SECRET, TOKEN = "bench-signing-secret", "bench-api-token"
RUN = secrets.token_hex(4).upper()
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Step = Callable[[Any, int], None]


def status_of(pid: int) -> dict[str, int]:
    """VmRSS and RssAnon (/proc/<pid>/status), PSS and USS (smaps_rollup) of a process, in kB.

    RSS counts every page the process maps, shared or not; PSS divides each shared page among
    the processes sharing it (the workers' PSS add up to what they take together); USS is the
    pages only this process has (what one more worker costs).
    """
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon"):
            fields[name] = int(value.split()[0])
    rollup = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, value = line.partition(":")
        rollup[name] = int(value.split()[0])
    fields["Pss"] = rollup["Pss"]
    fields["Uss"] = rollup["Private_Clean"] + rollup["Private_Dirty"]
    return fields


def bare_python() -> dict[str, int]:
    """RSS of an interpreter that only sleeps."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(1.0)  # nothing observable to wait for: the interpreter has started by then
        return status_of(process.pid)
    finally:
        process.kill()
        process.wait()


def signed(body: bytes, content_type: str) -> dict[str, str]:
    """Slack's v0 signature headers for a body."""
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": "v0=" + digest.hexdigest()}  # fmt: skip


def slack(conn: Any, body: bytes, content_type: str) -> None:
    """POST a signed body to /slack/events; Slack requires a 200 acknowledgement."""
    conn.request("POST", "/slack/events", body=body, headers=signed(body, content_type))
    response = conn.getresponse()
    response.read()
    assert response.status == 200, response.status


def today_command(fake: FakeSlack) -> Step:
    """A /today slash command, form-encoded as Slack sends it."""

    def step(conn: Any, i: int) -> None:
        form = {"team_id": "T0FAKE", "channel_id": "C0GENERAL", "user_id": "U1", "command": "/today",
                "text": "", "response_url": fake.response_url(f"r{i}"), "trigger_id": f"t.{i}"}  # fmt: skip
        slack(conn, urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded")

    return step


def mention(conn: Any, i: int) -> None:
    """An app_mention event asking for today's schedule."""
    event = {"type": "app_mention", "user": "U1", "channel": "C0GENERAL",
             "ts": f"{int(time.time())}.{i:06d}", "text": "<@UBOT> 今日の予約状況は？"}  # fmt: skip
    body = {
        "type": "event_callback",
        "team_id": "T0FAKE",
        "event_id": f"EvMem{RUN}{i:06d}",  # a database claims ids for an hour: new ones per run
        "event": event,
    }
    slack(conn, json.dumps(body, ensure_ascii=False).encode(), "application/json")


def api(method: str, path: Callable[[int], str], body: Callable[[int], Any] = lambda i: None,
        ok: tuple[int, ...] = (200,)) -> Step:  # fmt: skip
    """A JSON API request with the bearer token."""

    def step(conn: Any, i: int) -> None:
        status, data = request(conn, method, path(i), body(i), AUTH)
        assert status in ok, (method, path(i), status, data[:200])

    return step


def booking(i: int) -> dict[str, str]:
    """A distinct one-hour booking for request i (room 1-6, 07:00-21:00, from tomorrow)."""
    day = datetime.now(JST).date() + timedelta(days=1 + i // 84)
    hour = 7 + (i // 6) % 14
    return {"room-id": str(1 + i % 6), "date": day.isoformat(), "start-time": f"{hour:02d}:00",
            "end-time": f"{hour + 1:02d}:00", "owner": "api"}  # fmt: skip


def mix(fake: FakeSlack) -> list[Step]:
    """One of each kind of request; request i runs mix[i % len(mix)]."""
    tomorrow = (datetime.now(JST).date() + timedelta(days=1)).isoformat()
    return [
        api("GET", lambda i: "/health"),
        api("GET", lambda i: "/health/live"),
        api("GET", lambda i: "/api/rooms"),
        api("GET", lambda i: f"/api/reservations?date={tomorrow}"),
        api("POST", lambda i: "/api/reservations", booking, (201, 409)),
        api("POST", lambda i: "/api/reservations", lambda i: booking(i - 1), (201, 409)),
        api("DELETE", lambda i: f"/api/reservations/{i // 11 + 1}", ok=(200, 404, 409)),
        api("POST", lambda i: "/api/chat", lambda i: {"message": "今日の予約状況は？", "sessionId": f"m{i}"}),
        api("GET", lambda i: "/metrics"),
        today_command(fake),
        mention,
    ]  # fmt: skip


def warm_up(server: Server, steps: list[Step], requests: int, clients: int) -> None:
    """Send `requests` requests, request i being steps[i % len(steps)], from `clients` threads."""

    def client(indices: list[int]) -> None:
        conn = server.connection()
        for i in indices:
            steps[i % len(steps)](conn, i)
        conn.close()

    in_threads([partial(client, part) for part in split(list(range(requests)), clients)])


def worker_rss(server: Server) -> list[dict[str, int]]:
    """VmRSS and RssAnon of every worker."""
    return [status_of(pid) for pid in server.worker_pids()]


def bot_env(url: str, fake: FakeSlack) -> dict[str, str]:
    """Production settings for the bot, Slack pointed at the fake."""
    return {"DATABASE_URL": url, "FLASK_ENV": "production", "SECRET_KEY": "bench-secret-key",
            "API_TOKEN": TOKEN, "SLACK_BOT_TOKEN": DEFAULT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url, "SCHEDULER_IN_WEB": "false", "LOG_DIR": tempfile.mkdtemp(),
            "OPENAI_API_KEY": ""}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to use")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--preload", action="store_true", help="GUNICORN_PRELOAD=true for both")
    args = parser.parse_args()
    preload = {"GUNICORN_PRELOAD": "true" if args.preload else "false"}
    if is_sqlite(args.database_url):
        parser.error("--database-url must be PostgreSQL (as in production)")
    url, _ = fresh_database(args.database_url)
    bare = bare_python()
    with gunicorn("bench.minimal_flask_app:app", preload, args.workers, shipped=False) as server:
        warm_up(server, [api("GET", lambda i: "/")], args.requests, args.clients)
        minimal = worker_rss(server)
    with (
        FakeSlack() as fake,
        gunicorn(
            "bot.wsgi:app", bot_env(url, fake) | preload, args.workers, "/health/live"
        ) as server,
    ):
        warm_up(server, mix(fake), args.requests, args.clients)
        slack_work = args.requests // len(mix(fake))
        fake.wait_for_call("response_url", count=slack_work, timeout=60)
        fake.wait_for_call("chat.stopStream", count=slack_work, timeout=60)  # mentions stream
        bot, master = worker_rss(server), status_of(server.pid)
    report(args, bare, minimal, bot, master)


KINDS = ("VmRSS", "RssAnon", "Pss", "Uss")


def mb(kb: float) -> str:
    """kB as MB text."""
    return f"{kb / 1024:7.1f}"


def report(args: argparse.Namespace, bare: dict[str, int], minimal: list[dict[str, int]],
           bot: list[dict[str, int]], master: dict[str, int]) -> None:  # fmt: skip
    """Print RSS, PSS and USS per process kind and the ratios."""
    print(f"{args.workers} gunicorn workers (gthread), preload {'on' if args.preload else 'off'}, "
          f"{args.requests} requests from {args.clients} clients; "
          f"Python {sys.version.split()[0]}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    print(
        f"{'process (median of workers), MB':<40} {'VmRSS':>7} {'RssAnon':>8} {'PSS':>7} {'USS':>7}"
    )
    rows = [("python -c 'time.sleep(60)' (bare)", [bare]), ("minimal Flask app worker", minimal),
            ("room bot worker", bot), ("room bot gunicorn master", [master])]  # fmt: skip
    for name, samples in rows:
        cells = [mb(statistics.median(s[k] for s in samples)) for k in KINDS]
        print(f"{name:<40} " + " ".join(f"{c:>7}" for c in cells))
    for kind in KINDS:
        ours, theirs = (statistics.median(s[kind] for s in group) for group in (bot, minimal))
        print(f"ratio bot worker / minimal Flask worker, {kind:<7}: {ours / theirs:.2f}x")
    bot_rss = statistics.median(s["VmRSS"] for s in bot)
    print(f"ratio bot worker / bare python, VmRSS:            {bot_rss / bare['VmRSS']:.2f}x")
    for kind in ("VmRSS", "Pss"):
        total = sum(s[kind] for s in bot) + master[kind]
        print(f"bot total (master + {args.workers} workers), {kind}: {mb(total).strip()} MB")


if __name__ == "__main__":
    main()
