"""Slack acknowledgement time while the work behind each event is slow.

    .venv/bin/python -m bench.slack_ack [--events 200] [--in-flight 20] [--handler-seconds 2]

Runs the bot under gunicorn (the shipped config, 2 workers) with a fake OpenAI server that takes
`--handler-seconds` per answer, and a minimal Bolt app whose handler sleeps as long, under the
same gunicorn settings; sends each the same signed app_mention events with N in flight and
prints p50/p99 time to the HTTP acknowledgement and the ratio bot / minimal app.

The minimal app runs under the shipped settings without the bot's hooks
(bench/baseline_gunicorn_conf.py): the shipped post_worker_init would load the bot's modules into
it. The fake Slack and OpenAI servers run in a process of their own: in the measuring process their
work for the bot's answers (never for the minimal app, whose handler only sleeps) would hold the
GIL the clients' timers need, and count against the bot's acknowledgements.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event

from bench.common import ROOT, percentile
from bench.server import gunicorn
from tests.fakes.openai_api import Delay, FakeOpenAI, Reply
from tests.fakes.slack_api import FakeSlack

SECRET = "bench-signing-secret"
TOKEN = "xoxb-test-token"


@contextmanager
def events_url(app: str, env: dict[str, str], shipped: bool = True) -> Iterator[str]:
    """Serve app with the shipped gunicorn settings and 2 workers; yield its events URL."""
    with gunicorn(app, env, 2, shipped=shipped) as server:
        yield f"http://{server.host}:{server.port}/slack/events"


def serve_fakes(slow: float, urls: Connection, stop: Event) -> None:
    """In a process of its own: the fake Slack and OpenAI servers, until `stop` is set."""
    with (
        FakeSlack() as slack,
        FakeOpenAI(responder=lambda _body: Delay(slow, Reply("OK"))) as model,
    ):
        urls.send((slack.url, model.url))
        stop.wait()


@contextmanager
def fakes(slow: float) -> Iterator[tuple[str, str]]:
    """The fakes' URLs (Slack Web API, OpenAI) while their process runs."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    stop = context.Event()
    process = context.Process(target=serve_fakes, args=(slow, theirs, stop), daemon=True)
    process.start()
    try:
        yield ours.recv()
    finally:
        stop.set()
        process.join(timeout=30)


def send(url: str, n: int) -> float:
    """POST one signed app_mention event; seconds until the HTTP response."""
    body = json.dumps({
        "type": "event_callback", "team_id": "T1", "event_id": f"Ev{n:06d}",
        "event": {"type": "app_mention", "user": "U1", "channel": "C1", "ts": f"1700000000.{n:06d}",
                  "text": "<@UBOT> 今日の予約状況は？"},
    })  # fmt: skip
    ts = str(int(time.time()))
    signature = (
        "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    )
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature})  # fmt: skip
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        assert response.status == 200, response.status
    return time.perf_counter() - started


def measure(url: str, events: int, in_flight: int) -> list[float]:
    """Acknowledgement times of `events` events, `in_flight` at a time."""
    with ThreadPoolExecutor(in_flight) as pool:  # warm-up: every worker has served some events
        list(pool.map(lambda n: send(url, n), range(900_000, 900_000 + 2 * in_flight)))
    with ThreadPoolExecutor(in_flight) as pool:
        return list(pool.map(lambda n: send(url, n), range(events)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=20)
    parser.add_argument("--handler-seconds", type=float, default=2.0)
    args = parser.parse_args()
    slow = args.handler_seconds
    with fakes(slow) as (slack_url, model_url):
        common = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack_url,
                  "BENCH_HANDLER_SECONDS": str(slow), "SCHEDULER_IN_WEB": "false"}  # fmt: skip
        workdir = tempfile.mkdtemp(prefix="roombot-bench-")
        bot_env = {**common, "FLASK_ENV": "development", "DATABASE_URL": f"sqlite:///{workdir}/bot.db",
                   "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": model_url,
                   "LOG_DIR": f"{workdir}/logs"}  # fmt: skip
        for step in (["db", "upgrade"], ["rooms", "sync"]):
            subprocess.run(
                [sys.executable, "-m", "bot", *step],
                cwd=ROOT,
                env={**os.environ, **bot_env},
                check=True,
                capture_output=True,
            )
        with events_url("bench.minimal_bolt_app:app", common, shipped=False) as url:
            minimal = measure(url, args.events, args.in_flight)
        with events_url("bot.wsgi:app", bot_env) as url:
            bot = measure(url, args.events, args.in_flight)
    print(
        f"{args.events} signed app_mention events, {args.in_flight} in flight, handler {slow:g} s, gunicorn 2 workers"
    )
    for name, samples in (("minimal Bolt app", minimal), ("room bot", bot)):
        print(
            f"{name:>16}: ack p50 {percentile(samples, 50) * 1000:7.1f} ms   p99 {percentile(samples, 99) * 1000:7.1f} ms"
        )
    print(
        f"ratio room bot / minimal: p50 {percentile(bot, 50) / percentile(minimal, 50):.2f}x   p99 {percentile(bot, 99) / percentile(minimal, 99):.2f}x"
    )


if __name__ == "__main__":
    main()
