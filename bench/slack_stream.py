"""What a Slack user sees, and when, while the model takes 2 s: status, first chunk, final answer.

    .venv/bin/python -m bench.slack_stream [--events 100] [--in-flight 10] [--model-seconds 2]

Runs the bot under gunicorn (the shipped config, 2 workers) against a fake Slack that records
when each call arrives and a fake OpenAI whose every answer takes `--model-seconds`, with signed
`message.im` events in assistant threads (each its own thread):

1. a burst of `--events`, `--in-flight` at a time, to the bot and to the minimal Bolt app
   (`bench/minimal_bolt_app.py`, an Assistant whose handler sleeps as long): the HTTP
   acknowledgement, p50/p99, and the ratio bot / minimal;
2. `--users` people each sending `--rounds` messages, one after the other's answer: from the
   moment each event was delivered, the first thing the user sees (the assistant status, a
   stream's first chunk or a placeholder) and the final answer (the stream stopped, or the
   placeholder replaced), p50/p99.
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
from bench.slack_ack import SECRET, TOKEN, events_url
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


def burst(url: str, events: int, in_flight: int) -> list[float]:
    """Ack times of `events` events, `in_flight` at a time."""
    send(url, 999_999)  # warm-up
    with ThreadPoolExecutor(in_flight) as pool:
        return [ack for _, ack in pool.map(lambda n: send(url, n), range(events))]


def finals(slack: FakeSlack) -> int:
    """How many answers have been completed so far."""
    return sum(c.method in FINAL and c.ok for c in slack.calls)


def conversations(
    url: str, slack: FakeSlack, users: int, rounds: int, first: int
) -> dict[str, float]:
    """`users` people, each sending a message once their previous answer came; when each was sent."""
    sent: dict[str, float] = {}

    def person(u: int) -> None:
        for r in range(rounds):
            n = first + u * rounds + r
            sent[f"1700000000.{n:06d}"] = send(url, n)[0]
            slack.wait_for(lambda n=n: answered(slack, n), 60)  # type: ignore[misc]

    with ThreadPoolExecutor(users) as pool:
        list(pool.map(person, range(users)))
    return sent


def answered(slack: FakeSlack, n: int) -> bool:
    """True once event n's thread has its final answer."""
    calls = slack.calls
    streams = {str(c.response.get("ts")): str(c.args.get("thread_ts")) for c in calls
               if c.ok and c.method in ("chat.startStream", "chat.postMessage")}  # fmt: skip
    thread = f"1700000000.{n:06d}"
    return any(c.ok and c.method in FINAL and thread_of(c, streams) == thread for c in calls)


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
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
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
        with events_url("bench.minimal_bolt_app:app", common) as url:
            minimal = burst(url, args.events, args.in_flight)
        slack.reset()
        with events_url("bot.wsgi:app", bot_env) as url:
            bot = burst(url, args.events, args.in_flight)
            slack.wait_for(lambda: finals(slack) > args.events, 300)  # the burst is answered
            sent = conversations(url, slack, args.users, args.rounds, 200_000)
        first, final = seen(slack.calls, sent)
    print(f"burst: {args.events} signed message.im events in assistant threads, {args.in_flight} "
          f"in flight; then {args.users} people x {args.rounds} messages, each after the last "
          f"answer; model {slow:g} s per answer; gunicorn 2 workers")  # fmt: skip
    for name, samples in (("ack, minimal Bolt app", minimal), ("ack, room bot", bot),
                          ("first visible (status)", first), ("final answer (stopStream)", final)):  # fmt: skip
        print(f"{name:>26}: p50 {ms(samples, 50)}   p99 {ms(samples, 99)}")
    print(f"ack ratio room bot / minimal: p50 {percentile(bot, 50) / percentile(minimal, 50):.2f}x"
          f"   p99 {percentile(bot, 99) / percentile(minimal, 99):.2f}x")  # fmt: skip
    print(f"first visible / final answer: p50 {percentile(first, 50) / percentile(final, 50):.3f}"
          f"   p99 {percentile(first, 99) / percentile(final, 99):.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
