"""Push 500 reservation changes to, and pull 500 external events from, a local Radicale.

    .venv/bin/python -m bench.calendar_sync [--database-url postgresql://...] [--count 500]

Starts a private Radicale on 127.0.0.1 (scripts/radicale_service.py, as `make test` does) and a
fresh database (a temporary SQLite file by default). Then, each once (seconds):
  push baseline  `--count` PUTs of pre-written events with the same caldav client into six
                 calendars, spread as the bookings are (no database, no outbox);
  push           `--count` bookings made through the services (each with its outbox entry),
                 then Pusher.drain until the outbox is empty (lease, render, PUT, mark done);
  pull baseline  one sync-collection REPORT and calendar-multiget of `--count` external events;
  pull           Puller.pull over the same calendar: every event settled into a reservation;
and prints the ratios to the baselines, checking every event arrived exactly once.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

from caldav.calendarobjectresource import Event
from caldav.collection import Calendar
from sqlalchemy import text

from bench.common import ROOT, fresh_database
from booking.calendar import CalendarEvent
from booking.clock import JST
from booking.model import Room
from bot.calendar import ical
from bot.calendar.adapters.caldav_client import CalDavCalendars
from bot.calendar.pull import Puller
from bot.calendar.push import Pusher
from bot.container import build
from bot.settings import Settings


def radicale_tools() -> ModuleType:
    """scripts/radicale_service.py, loaded by path."""
    spec = importlib.util.spec_from_file_location(
        "radicale_service", ROOT / "scripts" / "radicale_service.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def slots(count: int, first: datetime) -> list[tuple[str, datetime]]:
    """`count` (room, start) pairs of 30 minutes, 20 a day in each of the six rooms."""
    return [
        (str(1 + i % 6), first + timedelta(days=(i // 6) // 20, minutes=30 * ((i // 6) % 20)))
        for i in range(count)
    ]


def timed(work: object) -> float:
    """Seconds one call takes."""
    started = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - started


def push_baseline(calendars: CalDavCalendars, count: int, first: datetime) -> float:
    """PUT pre-written events into six calendars of their own (as the rooms), with the client."""
    bodies = []
    for i, (room_id, start) in enumerate(slots(count, first)):
        room = Room(room_id, "基準", 1, calendar=f"{calendars.username}/bench-base-{room_id}/")
        calendars.ensure(room)
        event = CalendarEvent(f"base-{i}@bench", start, start + timedelta(minutes=30), f"会議 {i}",
                              "基準", "urn:x", "x", 0, "CONFIRMED", first, first, i)  # fmt: skip
        url = calendars.calendar_url(room)
        bodies.append((url, f"{url}base-{i}.ics", ical.calendar([event], JST)))

    def put_all() -> None:
        for cal_url, url, body in bodies:
            cal = Calendar(client=calendars.client, url=cal_url)
            Event(calendars.client, url=url, parent=cal).save(raw_data=body)

    return timed(put_all)


def main() -> None:
    """Start Radicale, measure, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    tools = radicale_tools()
    server = tools.RadicaleServer()
    server.start()
    try:
        run(args.database_url, args.count, server.url, tools.USERNAME, server.password)
    finally:
        server.remove()


def run(database_url: str | None, count: int, url: str, user: str, password: str) -> None:
    """The four measurements."""
    now = datetime.now(UTC).replace(microsecond=0)
    first = (now + timedelta(days=1)).astimezone(JST).replace(hour=7, minute=0, second=0)
    db, engine = fresh_database(database_url)
    settings = Settings(database_url=db, caldav_url=url, caldav_username=user, caldav_password=password,
                        booking_window_days=3650)  # fmt: skip
    c = build(settings, clock=lambda: now)
    calendars = c.calendars
    assert calendars is not None
    pusher, puller = Pusher(c.uow, calendars), Puller(c.uow, calendars, c.policy)
    base_push = push_baseline(calendars, count, first)
    for room_id, start in slots(count, first):
        c.desk.book("slack:U1", room_id, start, start + timedelta(minutes=30), "定例会議", "slack")
    push = timed(lambda: pusher.drain(now))
    with c.uow() as uow:
        assert uow.outbox.pending() == 0
    pushed = 0
    for r in c.desk.rooms().values():
        found: Any = Calendar(client=calendars.client, url=calendars.calendar_url(r)).search()
        pushed += len(found)
    assert pushed == count, pushed
    with engine.begin() as connection:  # an empty office whose calendars fill from outside
        connection.execute(text("DELETE FROM reservations"))
        connection.execute(text(f"UPDATE rooms SET calendar = '{user}/pull-' || id || '/'"))
    rooms = c.desk.rooms()
    for room in rooms.values():
        calendars.ensure(room)
    for i, (room_id, start) in enumerate(slots(count, first)):
        event = CalendarEvent(f"ext-{i}", start, start + timedelta(minutes=30), f"外部 {i}", "",
                              "mailto:hanako@example.com", "Hanako", 0, "CONFIRMED", now, now, i)  # fmt: skip
        cal = Calendar(client=calendars.client, url=calendars.calendar_url(rooms[room_id]))
        Event(calendars.client, url=f"{cal.url}ext-{i}.ics", parent=cal).save(
            raw_data=ical.calendar([event], JST)
        )

    def raw_pull() -> None:
        for room in rooms.values():
            cal = Calendar(client=calendars.client, url=calendars.calendar_url(room))
            found = cal.get_objects_by_sync_token(None, disable_fallback=True)
            cal.multiget([o.url for o in found])  # type: ignore[union-attr]

    base_pull = timed(raw_pull)
    outcomes: dict[str, int] = {}
    pull = timed(lambda: outcomes.update(puller.pull(now)))
    assert outcomes.get("booked") == count, outcomes
    print(f"{db.split(':', 1)[0]}: {count} changes against Radicale on 127.0.0.1 (seconds)")
    for name, base, ours in (("push", base_push, push), ("pull", base_pull, pull)):
        print(f"  {name}: baseline {base:6.2f} s   bot {ours:6.2f} s   {ours / base:5.2f}x   "
              f"{count / ours:6.1f} events/s")  # fmt: skip
    c.engine.dispose()
    engine.dispose()


if __name__ == "__main__":
    main()
