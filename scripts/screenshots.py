#!/usr/bin/env python3
"""Write the README's screenshots of the room board and the utilisation report.

Usage: .venv/bin/python scripts/screenshots.py [--out docs/images] [--chromium /usr/bin/chromium]

Builds a throwaway SQLite database with the example rooms, a morning of bookings and a month
of history (made through the same use cases the bot uses, with a fixed clock), serves the app
on a free local port and photographs it with headless Chromium (Playwright).
"""

from __future__ import annotations

import argparse
import logging
import random
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path

from playwright.sync_api import HttpCredentials, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from booking import boards, services  # noqa: E402
from booking.clock import JST, at  # noqa: E402
from booking.errors import BookingError  # noqa: E402
from bot.container import Container, build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.web import create_app  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.rooms_file import load_rooms, sync_rooms  # noqa: E402

TODAY = date(2026, 12, 2)  # a Wednesday
NOW = at(TODAY, time(10, 12), JST)
TOKEN = "screenshot-board-token"
ADMIN = "screenshot-admin-token"
TODAYS = [("1", "09:30", "10:30", "定例", 4), ("2", "10:00", "12:00", "設計レビュー", 5),
          ("1", "13:00", "14:00", "1on1", 2), ("3", "15:00", "16:30", "採用面接", 3),
          ("4", "11:00", "12:00", "全体会", 18), ("6", "10:00", "10:30", "", 1),
          ("5", "14:00", "15:00", "来客", 3), ("2", "16:00", "17:00", "", 6)]  # fmt: skip


class Clock:
    """The app's clock, set by this script."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def seed_today(c: Container, clock: Clock) -> None:
    """This morning's bookings, made at 07:00."""
    clock.now = at(TODAY, time(7), JST)
    for room, start, end, title, party in TODAYS:
        s, e = (at(TODAY, time.fromisoformat(x), JST) for x in (start, end))
        c.desk.book("slack:U0DEMO", room, s, e, title, "slack", party)
    clock.now = NOW


def seed_month(c: Container, clock: Clock, first: date, days: int, seed: int = 7) -> None:
    """A month of history: bookings, check-ins and no-shows, through the use cases."""
    rng = random.Random(seed)
    rooms = c.desk.rooms()
    for day in (first + timedelta(days=n) for n in range(days)):
        if day.weekday() >= 5:
            continue
        for room in rooms.values():
            for _ in range(rng.randint(1, 5)):
                book_one(c, clock, room.id, room.capacity, day, rng)
    clock.now = NOW


def book_one(c: Container, clock: Clock, room: str, capacity: int, day: date,
             rng: random.Random) -> None:  # fmt: skip
    """One historic booking, and what happened to it."""
    start = at(day, time(rng.choice(range(9, 19)), rng.choice((0, 30))), JST)
    end = start + timedelta(minutes=rng.choice((30, 60, 60, 90, 120)))
    clock.now = start - timedelta(days=1)
    big = room == "4"  # the large room mostly hosts small meetings: the report should say so
    party = rng.randint(2, 8) if big else rng.randint(max(1, capacity // 2 + 1), capacity)
    try:
        made = c.desk.book("slack:U0DEMO", room, start, end, "", "slack", party)
    except BookingError:
        return
    clock.now = start + timedelta(minutes=5)
    if rng.random() < 0.75:
        c.desk.check_in("slack:U0DEMO", made.id or 0)
    else:
        clock.now = start + timedelta(minutes=15)
        services.release_next_no_show(c.uow(), now=clock.now, grace=timedelta(minutes=10))


@contextmanager
def served(c: Container) -> Iterator[str]:
    """The app on a free local port."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, create_app(container=c), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def shoot(base: str, out: Path, chromium: str) -> list[Path]:
    """Photograph the boards and the report."""
    shots = [
        ("board.png", "/board", 1024, 600, True),
        ("board-room.png", f"/board/5?token={TOKEN}", 1024, 600, False),
        ("board-room-phone-en.png", "/board/1?lang=en", 390, 844, False),
        ("report.png", "/reports/utilisation?from=2026-11-01&to=2026-11-30", 1100, 900, True),
    ]
    admin = HttpCredentials(username="facilities", password=ADMIN)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        for name, path, width, height, full in shots:
            context = browser.new_context(
                viewport={"width": width, "height": height},
                http_credentials=admin if path.startswith("/reports") else None,
            )
            page = context.new_page()
            page.goto(base + path)
            page.screenshot(path=str(out / name), full_page=full)
            context.close()
            written.append(out / name)
        browser.close()
    return written


def main() -> int:
    """Build the demo, serve it, and write the screenshots."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    options = args.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        clock = Clock()
        settings = Settings(database_url=f"sqlite:///{tmp}/demo.db", api_token=ADMIN,
                            secret_key="screenshots", log_dir=tmp, scheduler_in_web=False)  # fmt: skip
        c = build(settings, clock=clock)
        upgrade(c.engine)
        sync_rooms(c.session_factory, load_rooms(ROOT / "rooms.yml"))
        seed_month(c, clock, date(2026, 11, 1), 30)
        seed_today(c, clock)
        boards.issue_token(c.uow(), room="5", token=TOKEN, label="door", now=NOW)
        with served(c) as base:
            for path in shoot(base, options.out, options.chromium):
                print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        c.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
