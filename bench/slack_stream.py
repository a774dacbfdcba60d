"""What a Slack user sees, and when, while the model takes 2 s: status, first chunk, final answer.

    .venv/bin/python -m bench.slack_stream [--events 100] [--in-flight 10] [--model-seconds 2]

Runs the bot under gunicorn (the shipped config, 2 workers) against a fake Slack that records
when each call arrives and a fake OpenAI whose every answer takes `--model-seconds`. Sends signed
`message.im` events in assistant threads (each its own thread), N in flight, and prints, from the
moment each event was delivered: the HTTP acknowledgement, the first thing the user sees (the
assistant status, or a stream's first chunk, or a placeholder) and the final answer (the stream
stopped, or the placeholder replaced), p50/p99. The acknowledgement is compared with the minimal
Bolt app (`bench/minimal_bolt_app.py`, an Assistant whose handler sleeps as long) in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from bench.common import ROOT, percentile
from bench.slack_ack import SECRET, TOKEN, gunicorn
from tests.fakes.openai_api import Delay, FakeOpenAI, Reply
from tests.fakes.slack_api import Call, FakeSlack

FIRST = ("assistant.threads.setStatus", "chat.startStream", "chat.postMessage")
FINAL = ("chat.stopStream", "chat.update")


def send(url: str, n: int) -> tuple[float, float]:
    """POST one signed message.im in its own assistant thread; (sent at, ack seconds)."""
    thread = f"1700000000.{n:06d}"
    body = json.dumps({
        "type": "event_callback", "team_id": "T1", "event_id": f"EvS{n:06d}",
        "event": {"type": "message", "channel_type": "im", "channel": "D0BENCH", "user": "U1",
                  "text": "今日の予約状況は？", "ts": f"1700000001.{n:06d}", "thread_ts": thread},
    })  # fmt: skip
    ts = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={mac}"})  # fmt: skip
    sent = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        assert response.status == 200, response.status
    return sent, time.perf_counter() - sent


def thread_of(call: Call, streams: dict[str, str]) -> str | None:
    """The assistant thread a call belongs to (stream calls name the stream's ts)."""
    thread = call.args.get("thread_ts")
    return str(thread) if thread else streams.get(str(call.args.get("ts")))


def seen(calls: list[Call], sent: dict[str, float]) -> tuple[list[float], list[float]]:
    """Seconds from delivery to the first visible call and to the final one, per thread."""
    streams = {str(c.response.get("ts")): str(c.args.get("thread_ts")) for c in calls
               if c.ok and c.method in ("chat.startStream", "chat.postMessage")}  # fmt: skip
    first: dict[str, float] = {}
    final: dict[str, float] = {}
    for c in sorted(calls, key=lambda c: c.at):
        thread = thread_of(c, streams)
        if thread not in sent or not c.ok:
            continue
        if c.method in FIRST:
            first.setdefault(thread, c.at - sent[thread])
        if c.method in FINAL:
            final.setdefault(thread, c.at - sent[thread])
    assert len(first) == len(final) == len(sent), (len(first), len(final), len(sent))
    return list(first.values()), list(final.values())


def measure(url: str, events: int, in_flight: int) -> tuple[list[float], dict[str, float]]:
    """Ack times, and when each thread's event was delivered."""
    send(url, 999_999)  # warm-up
    with ThreadPoolExecutor(in_flight) as pool:
        results = list(pool.map(lambda n: send(url, n), range(events)))
    sent = {f"1700000000.{n:06d}": at for n, (at, _) in enumerate(results)}
    return [ack for _, ack in results], sent


def prepare(env: dict[str, str]) -> None:
    """Migrate the bot's database and load the rooms."""
    for step in (["db", "upgrade"], ["rooms", "sync"]):
        subprocess.run([sys.executable, "-m", "bot", *step], cwd=ROOT, env={**os.environ, **env},
                       check=True, capture_output=True)  # fmt: skip


def ms(samples: list[float], p: float) -> str:
    """A percentile in milliseconds."""
    return f"{percentile(samples, p) * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--model-seconds", type=float, default=2.0)
    args = parser.parse_args()
    slow = args.model_seconds
    answer = "本日の予約状況です。会議室Aは14時から空いています。"
    with FakeSlack() as slack, FakeOpenAI(responder=lambda _b: Delay(slow, Reply(answer))) as model:
        common = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.url,
                  "BENCH_HANDLER_SECONDS": str(slow), "SCHEDULER_IN_WEB": "false"}  # fmt: skip
        workdir = tempfile.mkdtemp(prefix="roombot-bench-")
        bot_env = {**common, "FLASK_ENV": "development", "DATABASE_URL": f"sqlite:///{workdir}/bot.db",
                   "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": model.url}  # fmt: skip
        prepare(bot_env)
        with gunicorn("bench.minimal_bolt_app:app", common) as url:
            minimal, _ = measure(url, args.events, args.in_flight)
        slack.reset()
        with gunicorn("bot.wsgi:app", bot_env) as url:
            bot, sent = measure(url, args.events, args.in_flight)
            slack.wait_for(lambda: sum(c.method in FINAL for c in slack.calls) > args.events, 120)
        first, final = seen(slack.calls, sent)
    print(f"{args.events} signed message.im events in assistant threads, {args.in_flight} in flight, "
          f"model {slow:g} s per answer, gunicorn 2 workers")  # fmt: skip
    for name, samples in (("ack, minimal Bolt app", minimal), ("ack, room bot", bot),
                          ("first visible (status)", first), ("final answer (stopStream)", final)):  # fmt: skip
        print(f"{name:>26}: p50 {ms(samples, 50)}   p99 {ms(samples, 99)}")
    print(f"ack ratio room bot / minimal: p50 {percentile(bot, 50) / percentile(minimal, 50):.2f}x"
          f"   p99 {percentile(bot, 99) / percentile(minimal, 99):.2f}x")  # fmt: skip
    print(f"first visible / final answer: p50 {percentile(first, 50) / percentile(final, 50):.3f}"
          f"   p99 {percentile(first, 99) / percentile(final, 99):.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
