"""PostgreSQL stopped (pg_ctl stop -m fast) mid-run, then started again on the same port.

Guarantees: during the outage the API answers 503 JSON with a clear message (never 500),
readiness goes 503 within its check deadline, the assistant apologises; after the restart the
same gunicorn workers (no restart) book again, and no reservation is half-written.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from booking.clock import JST
from bot.conversation import i18n as messages
from storage.models import ReservationRow
from tests.e2e.conftest import jst, reservations, tomorrow
from tests.reliability.checks import (
    active_count,
    assert_database_consistent,
    assert_overlap_refused,
    is_polite_failure,
)
from tests.reliability.harness import READY_WITHIN_S, Bot, booking
from tests.reliability.served import ConnectionLost, request, wait_until

HEALTH_DEADLINE_S = 3.0  # /health and /health/ready answer within this, whatever the DB does
API_DEADLINE_S = 5.0  # a request during the outage fails this fast (connect timeout 2 s)
REPLY_WAIT_S = 15.0


def test_outage_answers_503_and_the_pool_recovers_without_restart(bot: Bot) -> None:
    assert bot.book("1", "09:00", "10:00").status == 201
    workers = bot.served.workers()

    bot.pg.stop()

    ready = bot.wait_for_status("/health/ready", 503, within=HEALTH_DEADLINE_S * 2)
    assert ready.elapsed < HEALTH_DEADLINE_S
    assert ready.json()["ready"] is False
    assert ready.json()["checks"]["database"]["status"] in ("down", "timeout")
    assert str(bot.pg.server.port) not in ready.body.decode()  # no DSN or host leaks

    failed = bot.book("1", "10:00", "11:00")
    assert failed.status == 503, failed.body
    assert failed.elapsed < API_DEADLINE_S
    error = failed.json()["error"]
    assert error["code"] == "database_unavailable"
    assert "temporarily unavailable" in error["message"]
    listing = bot.get(f"/api/reservations?date={tomorrow().isoformat()}")
    assert listing.status == 503
    assert listing.json()["error"]["code"] == "database_unavailable"

    chat = bot.chat("pg-outage", "明日10時から会議室Aを予約して")
    assert chat.status == 200
    assert chat.json()["reply"] == messages.t("database_down", "ja")

    bot.pg.start()
    bot.wait_for_status("/health/ready", 200, within=READY_WITHIN_S)
    for hour, conn in enumerate(bot.served.connection_per_worker().values(), start=11):
        made = request(conn, "POST", "/api/reservations", booking("1", f"{hour}:00", f"{hour}:30"))
        assert made.status == 201, made.body  # each worker's own pool recovered
        assert request(conn, "GET", "/health/ready").status == 200
        conn.close()
    assert bot.served.workers() == workers, "gunicorn workers were restarted"
    assert active_count(bot.engine) == 3
    assert_database_consistent(bot.engine)


def test_slack_mention_during_outage_gets_a_polite_reply(bot: Bot) -> None:
    bot.pg.stop()
    bot.wait_for_status("/health/ready", 503, within=HEALTH_DEADLINE_S * 2)

    ack, ts = bot.mention("明日10時から会議室Aを予約して")
    assert ack.status == 200
    assert ack.elapsed < 3.0  # Slack's acknowledgement limit

    def apologised() -> bool:
        return any(is_polite_failure(m.get("text", "")) for m in bot.thread(ts))

    try:
        wait_until(apologised, REPLY_WAIT_S, "a polite reply in the thread")
    except AssertionError:
        pytest.fail(f"no polite reply; the thread shows {[m['text'] for m in bot.thread(ts)]}")


@dataclass
class Load:
    """Clients booking distinct slots until told to stop; what each request got."""

    bot: Bot
    clients: int = 6
    stop: threading.Event = field(default_factory=threading.Event)
    results: list[tuple[int, int, int | None]] = field(default_factory=list)  # slot, status, id
    lock: threading.Lock = field(default_factory=threading.Lock)

    def slot(self, k: int) -> tuple[str, str, str]:
        """Slot k: a room and a 5-minute interval of tomorrow, all distinct."""
        room, index = str(k % 5 + 1), k // 5
        start = jst(tomorrow(), "07:00") + timedelta(minutes=5 * index)
        return room, start.strftime("%H:%M"), (start + timedelta(minutes=5)).strftime("%H:%M")

    def run(self, client: int) -> None:
        """Book slots client, client + clients, ... one after another."""
        k = client
        while not self.stop.is_set() and k < 5 * 160:
            try:
                reply = self.bot.book(*self.slot(k))
                status, made = reply.status, reply.json().get("id")
            except ConnectionLost:
                status, made = 0, None
            with self.lock:
                self.results.append((k, status, made))
            k += self.clients

    def count(self, status: int) -> int:
        """How many requests got this status so far."""
        with self.lock:
            return sum(1 for _, s, _ in self.results if s == status)


def test_writes_interrupted_by_the_outage_are_all_or_nothing(bot: Bot) -> None:
    load = Load(bot)
    threads = [threading.Thread(target=load.run, args=(i,)) for i in range(load.clients)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: load.count(201) >= 12, 20, "bookings before the outage")
        bot.pg.stop()
        wait_until(lambda: load.count(503) >= 6, 20, "refusals during the outage")
        bot.pg.start()
        before = load.count(201)
        wait_until(lambda: load.count(201) >= before + 12, 30, "bookings after the restart")
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=30)

    statuses = Counter(status for _, status, _ in load.results)
    assert set(statuses) <= {201, 503}, f"unexpected answers: {statuses}"
    rows = {r.id: r for r in reservations(bot.engine)}
    confirmed = {made for _, status, made in load.results if status == 201}
    assert confirmed <= set(rows), "a confirmed booking is missing"
    refused = {load.slot(k) for k, status, _ in load.results if status != 201}
    for extra in set(rows) - confirmed:  # committed, but the client heard 503: only if ambiguous
        row = rows[extra]
        assert (row.room_id, *_hhmm(row)) in refused, f"reservation {extra} nobody asked for"
    assert_database_consistent(bot.engine)
    first = rows[min(confirmed)]
    assert_overlap_refused(bot.engine, first.room_id, first.start_at, first.end_at)


def _hhmm(row: ReservationRow) -> tuple[str, str]:
    """A row's start and end as JST HH:MM."""
    return row.start_at.astimezone(JST).strftime("%H:%M"), row.end_at.astimezone(JST).strftime(
        "%H:%M"
    )
