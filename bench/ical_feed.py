"""The iCal feed of a room with 10,000 past reservations (a year of history) and 300 ahead.

    .venv/bin/python -m bench.ical_feed [--database-url postgresql://...] [--past 10000] [--runs 20]

Loads room 1 with `--past` non-overlapping reservations spread over the last 365 days (5%
cancelled) and 300 in the next 30 days, then times (median over `--runs`):
  baseline  the raw SQL of the rows the feed shows (SQLAlchemy Core, no objects);
  feed      GET /ical/rooms/1.ics through the Flask test client (query, VEVENTs, ETag);
  304       the same GET with If-None-Match (the version query only);
  all       the whole year (every row, 10,300 events) written by bot.calendar.ical;
  library   the same 10,300 events built and serialised with icalendar's component API;
and prints the ratios to the baseline.
"""

from __future__ import annotations

import argparse
import random
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
from sqlalchemy import Engine, insert, select

from bench.common import fresh_database, timed
from booking.calendar import event_for
from booking.clock import JST
from booking.feeds import window
from booking.model import Room
from bot.calendar import ical
from bot.container import build
from bot.settings import Settings
from bot.web import create_app
from storage.models import ReservationRow
from storage.uow import RESERVATIONS, reservation_from_row

FUTURE = 300


def load(engine: Engine, past: int, now: datetime) -> None:
    """Room 1's history: `past` reservations over a year, `FUTURE` in the coming month."""
    rng, rows = random.Random(7), []

    def add(start: datetime, index: int) -> None:
        active = rng.random() >= 0.05
        rows.append({"room_id": "1", "owner_id": f"slack:U{rng.randrange(300):04d}",
                     "title": f"定例 {index % 97}, 第{index}回" if index % 3 else "",
                     "start_at": start, "end_at": start + timedelta(minutes=30), "active": active,
                     "source": "slack", "created_at": start - timedelta(days=3), "sequence": 0,
                     "cancelled_at": None if active else start - timedelta(days=1)})  # fmt: skip

    first = (now - timedelta(days=365)).replace(hour=7, minute=0, second=0, microsecond=0)
    per_day = -(-past // 365)
    for i in range(past):
        day, slot = divmod(i, per_day)
        add(first + timedelta(days=day, minutes=30 * slot), i)
    start = (now + timedelta(days=1)).replace(hour=7, minute=0, second=0, microsecond=0)
    for i in range(FUTURE):
        day, slot = divmod(i, 10)
        add(start + timedelta(days=day, minutes=30 * slot), past + i)
    with engine.begin() as connection:
        for chunk in range(0, len(rows), 2000):
            connection.execute(insert(ReservationRow), rows[chunk : chunk + 2000])


def median_ms(samples: list[float]) -> float:
    """The median in milliseconds."""
    return statistics.median(samples) * 1000


def library_render(events: list[Any]) -> bytes:
    """The same events through icalendar's component API (the library's own writer)."""
    cal = icalendar.Calendar()
    cal.add("prodid", ical.PRODID)
    cal.add("version", "2.0")
    for e in events:
        vevent = icalendar.Event()
        for name, value in (("uid", e.uid), ("dtstamp", e.last_modified), ("dtstart", e.start.astimezone(JST)),
                            ("dtend", e.end.astimezone(JST)), ("summary", e.summary),
                            ("location", e.location), ("sequence", e.sequence),
                            ("status", "CANCELLED" if e.cancelled else "CONFIRMED")):  # fmt: skip
            vevent.add(name, value)
        vevent.add("organizer", e.organizer, parameters={"CN": e.organizer_name})
        cal.add_component(vevent)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def main() -> None:
    """Load, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--past", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    now = datetime.now(UTC)
    url, engine = fresh_database(args.database_url)
    load(engine, args.past, now)
    container = build(Settings(database_url=url, flask_env="development"), clock=lambda: now)
    client = create_app(container=container).test_client()
    since, kept = window(now)
    shown = select(RESERVATIONS).where(ReservationRow.room_id == "1",
                                       ReservationRow.start_at >= since,
                                       ReservationRow.active | (ReservationRow.cancelled_at >= kept))  # fmt: skip

    def raw(_: int) -> None:
        with engine.connect() as connection:
            connection.execute(shown.order_by(ReservationRow.start_at)).all()

    first = client.get("/ical/rooms/1.ics")
    assert first.status_code == 200
    etag, size, count = first.headers["ETag"], len(first.data), first.data.count(b"BEGIN:VEVENT")
    base = timed(args.runs, raw)
    feed = timed(args.runs, lambda _: client.get("/ical/rooms/1.ics"))
    same = timed(
        args.runs, lambda _: client.get("/ical/rooms/1.ics", headers={"If-None-Match": etag})
    )
    with engine.connect() as connection:
        every = [reservation_from_row(r) for r in connection.execute(select(RESERVATIONS))]
    room = Room("1", "会議室A", 4, floor="3F", name_en="Room A")
    events = [event_for(r, room) for r in every]
    whole = timed(max(3, args.runs // 4), lambda _: ical.calendar(events, JST, "会議室A"))
    library = timed(1, lambda _: library_render(events))
    backend = url.split(":", 1)[0]
    print(f"{backend}: room 1 with {args.past} past + {FUTURE} upcoming reservations; "
          f"the feed shows {count} events ({size / 1024:.0f} KiB), medians of {args.runs} runs")  # fmt: skip
    b = median_ms(base)
    for name, samples in (("baseline raw SQL", base), ("feed GET 200", feed), ("feed GET 304", same),
                          (f"all {len(events)} events written", whole),
                          (f"all {len(events)} via icalendar API", library)):  # fmt: skip
        ms = median_ms(samples)
        print(f"  {name:34s} {ms:9.1f} ms   {ms / b:7.1f}x baseline")
    engine.dispose()


if __name__ == "__main__":
    main()
