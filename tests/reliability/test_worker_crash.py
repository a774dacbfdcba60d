"""A gunicorn worker killed (SIGKILL) in the middle of a conversation or a booking.

Guarantees chosen (and asserted):
- Slack: the event is acknowledged before the work starts, so Slack never redelivers it, and
  its id is claimed right after the ack, before the work, so a redelivery would be dropped
  anyway: delivery is at-most-once. The thread keeps the "確認しています…" placeholder and
  gets no answer.
- API: the client sees its connection drop and may retry the same request. A booking is
  written in one transaction, so a kill before COMMIT leaves nothing. A retried /api/chat turn
  after a committed booking gets "already booked by you" (same owner, same slot); a repeated
  POST /api/reservations gets 409. Either way exactly one reservation exists.
- gunicorn replaces the killed worker; the other worker keeps serving.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.container import build
from bot.conversation.i18n import t as tr
from bot.settings import Settings
from bot.slack.notify import LOST_REPLY_AFTER_S, apologise_for_lost_replies
from storage.pending import KEY as PENDING_KEY
from tests.e2e.conftest import BOT_TOKEN, new_event_id, tomorrow
from tests.e2e.conftest import Reply as EReply
from tests.fakes.openai_api import Delay, Reply, ToolCalls, tool_calls
from tests.reliability.checks import active_count, assert_database_consistent
from tests.reliability.harness import Bot, booking
from tests.reliability.served import ConnectionLost, Served, wait_until
from tests.reliability.servers import kill, socket_owners

HOLD_S = 8.0  # how long the fake model (or a lock) holds the request while we kill its worker
WAIT_S = 15.0


def kill_worker(served: Served, **ports: int) -> int:
    """SIGKILL the worker holding a connection with these ports; wait for its replacement."""
    found: list[int] = []

    def located() -> bool:
        found[:] = socket_owners(served.workers(), **ports)
        return len(found) == 1

    wait_until(located, WAIT_S, f"the worker with a connection {ports}")
    kill(found[0])
    wait_until(
        lambda: found[0] not in served.workers() and len(served.workers()) == 2,
        WAIT_S,
        "gunicorn to replace the killed worker",
    )
    return found[0]


def openai_port(bot: Bot) -> int:
    """The fake OpenAI server's port."""
    return int(bot.openai.url.rsplit(":", 1)[1].split("/")[0])


def book_call(day: date) -> ToolCalls:
    """The model's call booking room 1 from 10:00 to 11:00."""
    args = {"room": "1", "date": day.isoformat(), "start_time": "10:00", "end_time": "11:00"}
    return tool_calls(("create_reservation", args))


class Pending:
    """A request running in a thread; what it got (a reply, or a dropped connection)."""

    def __init__(self, send: Callable[[], EReply]) -> None:
        self.outcome: EReply | Exception | None = None
        self.thread = threading.Thread(target=self._run, args=(send,))
        self.thread.start()

    def _run(self, send: Callable[[], EReply]) -> None:
        try:
            self.outcome = send()
        except ConnectionLost as error:
            self.outcome = error

    def result(self) -> EReply | Exception | None:
        """Wait for the request to end."""
        self.thread.join(timeout=WAIT_S)
        assert not self.thread.is_alive(), "the request never ended"
        return self.outcome


def test_slack_delivery_is_at_most_once_when_the_worker_dies(bot: Bot) -> None:
    bot.openai.script(Delay(HOLD_S, Reply("late answer")))
    event_id = new_event_id()
    ack, ts = bot.mention("明日10時から会議室Aを予約して", event_id=event_id)
    assert ack.status == 200  # acknowledged: Slack will not redeliver
    bot.openai.wait_for_requests(1, timeout=WAIT_S)

    kill_worker(bot.served, remote_port=openai_port(bot))

    assert [m["text"] for m in bot.thread(ts)] == [tr("thinking", "ja")]
    again, _ = bot.mention("明日10時から会議室Aを予約して", event_id=event_id, ts=ts, retry=1)
    assert again.status == 200
    dropped = f"duplicate event {event_id} acknowledged and dropped"
    wait_until(lambda: dropped in bot.served.log(), WAIT_S, "the redelivery to be dropped")
    assert [m["text"] for m in bot.thread(ts)] == [tr("thinking", "ja")]
    assert active_count(bot.engine) == 0
    # The placeholder is still recorded as pending, so the scheduler's sweep apologises in its
    # place once it is older than the cutoff (time passed in, as the scheduler would see it).
    assert bot.redis.hlen(PENDING_KEY) == 1
    later = datetime.now(UTC) + timedelta(seconds=LOST_REPLY_AFTER_S + 1)
    sweeper = build(Settings(database_url=bot.pg.url, redis_url=bot.redis_server.url,
                             slack_bot_token=BOT_TOKEN, slack_api_url=bot.slack.url))  # fmt: skip
    assert apologise_for_lost_replies(sweeper.pending_replies, sweeper.slack_client, later) == 1
    assert [m["text"] for m in bot.thread(ts)] == [tr("interrupted", "ja")]
    sweeper.engine.dispose()


@pytest.mark.parametrize("killed", ["before_the_booking", "after_the_booking"])
def test_api_chat_retry_after_a_killed_worker_books_once(bot: Bot, killed: str) -> None:
    day = tomorrow()
    if killed == "before_the_booking":
        bot.openai.script(Delay(HOLD_S, book_call(day)))
    else:
        bot.openai.script(book_call(day), Delay(HOLD_S, Reply("予約しました")))
    bot.openai.script(book_call(day), Reply("予約を確認しました"))  # the retried turn
    message = "明日10時から11時まで会議室Aを予約して"

    pending = Pending(lambda: bot.chat("crash", message))
    bot.openai.wait_for_requests(1 if killed == "before_the_booking" else 2, timeout=WAIT_S)
    kill_worker(bot.served, remote_port=openai_port(bot))
    assert isinstance(pending.result(), ConnectionLost), "the client should see the drop"
    assert active_count(bot.engine) == (1 if killed == "after_the_booking" else 0)

    retried = bot.chat("crash", message)
    assert retried.status == 200
    assert retried.json()["reply"] == "予約を確認しました"
    result = json.loads(bot.openai.chat_requests[-1].messages[-1]["content"])
    assert result["ok"] is True  # the model sees the booking, not a conflict
    if killed == "after_the_booking":
        assert result["note"] == "already booked by you"
    assert active_count(bot.engine) == 1
    assert_database_consistent(bot.engine)


def test_api_booking_killed_before_commit_leaves_nothing(bot: Bot) -> None:
    with bot.engine.connect() as blocker:
        blocker.begin()
        blocker.execute(text("LOCK TABLE reservations IN SHARE MODE"))  # INSERTs wait
        pending = Pending(lambda: bot.book("1", "10:00", "11:00"))
        client_port = _waiting_insert_port(bot)
        kill_worker(bot.served, local_port=client_port, remote_port=bot.pg.server.port)
        assert isinstance(pending.result(), ConnectionLost)
        blocker.rollback()

    wait_until(lambda: _backend_gone(bot, client_port), WAIT_S, "the dead worker's session")
    assert active_count(bot.engine) == 0
    retried = bot.book("1", "10:00", "11:00")
    assert retried.status == 201
    assert bot.post("/api/reservations", booking("1", "10:00", "11:00")).status == 409
    assert active_count(bot.engine) == 1
    assert_database_consistent(bot.engine)


def _waiting_insert_port(bot: Bot) -> int:
    """The client port of the app's session waiting on our lock."""
    sql = (
        "SELECT client_port FROM pg_stat_activity WHERE application_name = 'roombot' "
        "AND wait_event_type = 'Lock'"
    )
    ports: list[int] = []

    def waiting() -> bool:
        with bot.engine.connect() as connection:
            ports[:] = list(connection.execute(text(sql)).scalars())
        return len(ports) == 1

    wait_until(waiting, WAIT_S, "the booking to wait on the lock")
    return ports[0]


def _backend_gone(bot: Bot, client_port: int) -> bool:
    """True once PostgreSQL has ended the session of that client port."""
    sql = "SELECT count(*) FROM pg_stat_activity WHERE client_port = :port"
    with bot.engine.connect() as connection:
        return connection.execute(text(sql), {"port": client_port}).scalar_one() == 0
