"""One scheduler process for the parallel reminder tests: warm up, wait for "go", run the jobs once.

Run as `python -m tests.integration.reminder_worker NOW_ISO [--digest-channel C]` with
DATABASE_URL, SLACK_API_URL and SLACK_BOT_TOKEN in the environment. It prints `ready` once
connected, waits for a line on stdin (so the test releases every process at the same moment),
runs `ReminderScheduler.run_jobs(now)` at the fixed instant and prints one JSON line:
`{"pid": ..., "results": {...}}`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime

from bot.container import build
from bot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Run the jobs once at the given instant, after the go signal on stdin."""
    parser = argparse.ArgumentParser()
    parser.add_argument("now", type=datetime.fromisoformat)
    parser.add_argument("--digest-channel", default=None)
    args = parser.parse_args(argv)
    now: datetime = args.now
    settings = Settings(
        database_url=os.environ["DATABASE_URL"],
        slack_bot_token=os.environ["SLACK_BOT_TOKEN"],
        slack_api_url=os.environ["SLACK_API_URL"],
        digest_channel=args.digest_channel,
    )
    c = build(settings, clock=lambda: now)
    scheduler = c.scheduler()
    c.check_database()  # connect before the start signal, so every process starts level
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 2
    results = scheduler.run_jobs(now)
    print(json.dumps({"pid": os.getpid(), "results": results}), flush=True)
    c.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
