"""Approval DMs, their decisions and expiry, waitlist offers and series vs reminders, through
the scheduled jobs and the app's own Slack client against the fake Slack, on both databases.

Time is passed in (every job takes `now`, containers get a fixed clock); the instants are in
2025, so a real-clock scheduler elsewhere in the session never touches these rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text, update

from booking import services
from booking.clock import JST
from bot.container import Container, build
from bot.settings import Settings
from storage.engine import make_engine
from storage.models import RoomRow
from tests.fakes.slack_api import Call, FakeSlack
from tests.integration.test_reminders import GatedClient, in_thread, lock_waiters, wait_until

BOT_TOKEN = "xoxb-test-token"
MON = date(2025, 9, 29)
BEFORE = datetime(2025, 9, 28, 10, 0, tzinfo=JST)
LEAD = timedelta(minutes=10)


def jst(hour: int, minute: int = 0, day: date = MON) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(tokens=[BOT_TOKEN]) as server:
        yield server


@pytest.fixture
def slack(fake: FakeSlack) -> FakeSlack:
    fake.reset()
    return fake


@pytest.fixture
def make(db_url: str, slack: FakeSlack) -> Iterator[Callable[..., Container]]:
    """Containers (one per simulated process) on the database, room 5 needing an approver."""
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(
            update(RoomRow).where(RoomRow.id == "5").values(approvers=["UBOSS", "slack:UDEPUTY"])
        )
    engine.dispose()
    made: list[Container] = []

    def factory(now: datetime = BEFORE, **overrides: Any) -> Container:
        settings = Settings(database_url=db_url, slack_bot_token=BOT_TOKEN,
                            slack_api_url=slack.url, **overrides)  # fmt: skip
        c = build(settings, clock=lambda: now)
        made.append(c)
        return c

    yield factory
    for c in made:
        c.engine.dispose()


def book(c: Container, room: str, owner: str, start: datetime, now: datetime = BEFORE) -> int:
    made = services.create_reservation(
        c.uow(), c.policy, room=room, start=start, end=start + timedelta(minutes=30),
        owner_id=owner, now=now,
    )  # fmt: skip
    assert made.id is not None
    return made.id


def posts(fake: FakeSlack, channel: str | None = None) -> list[Call]:
    calls = [c for c in fake.calls_to("chat.postMessage") if c.ok]
    return [c for c in calls if channel is None or c.args["channel"] == channel]


def buttons(call: Call) -> dict[str, str]:
    return {
        e["action_id"]: e["value"]
        for b in call.args.get("blocks", [])
        if b.get("type") == "actions"
        for e in b["elements"]
    }


def tick(c: Container, now: datetime) -> dict[str, Any]:
    """One scheduler poll at `now` (every job, through the app's Slack client)."""
    return c.scheduler().run_jobs(now)


def test_approvers_are_asked_the_decision_updates_the_other_and_tells_the_requester(
    make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    rid = book(c, "5", "slack:U1", jst(14))
    assert tick(c, BEFORE)["notices"] == 2
    asks = {p.args["channel"]: p for p in posts(slack)}
    assert set(asks) == {"UBOSS", "UDEPUTY"}
    assert buttons(asks["UBOSS"]) == {
        "approve_reservation": f"{rid}:ja", "reject_reservation": f"{rid}:ja"
    }  # fmt: skip
    assert "<@U1>さん" in asks["UBOSS"].args["text"] and "承認待ち" in asks["UBOSS"].args["text"]

    c.desk.rules.decide("slack:UBOSS", rid, True)
    assert tick(c, BEFORE)["notices"] == 2
    [told] = posts(slack, "U1")
    assert told.args["text"].startswith("✅ 予約が承認されました")
    [updated] = [u for u in slack.calls_to("chat.update") if u.ok]
    deputy_dm = asks["UDEPUTY"].response
    assert (updated.args["channel"], updated.args["ts"]) == (deputy_dm["channel"], deputy_dm["ts"])
    assert "<@UBOSS>さんが承認しました" in updated.args["text"]
    assert tick(c, BEFORE)["notices"] == 0  # each once


def test_reminders_ignore_a_pending_booking_until_it_is_approved(
    make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make(no_show_release_minutes=10)
    rid = book(c, "5", "slack:U1", jst(14))
    tick(c, BEFORE)
    slack.reset()
    assert c.jobs().send_due_reminders(jst(14) - LEAD) == 0
    assert c.jobs().release_no_shows(jst(14, 20)) == 0  # pending: no no-show release either
    c.desk.rules.decide("slack:UDEPUTY", rid, True)
    assert c.jobs().send_due_reminders(jst(13, 55)) == 1


def test_an_undecided_request_expires_and_everyone_is_told(
    make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    book(c, "5", "slack:U1", jst(14))
    tick(c, BEFORE)
    results = tick(c, BEFORE + timedelta(hours=24))
    assert (results["approvals"], results["notices"]) == (1, 3)
    [told] = posts(slack, "U1")
    assert "期限までに承認されなかった" in told.args["text"]
    updates = [u.args["text"] for u in slack.calls_to("chat.update") if u.ok]
    assert len(updates) == 2 and all(u.startswith("⌛") for u in updates)
    assert tick(c, BEFORE + timedelta(hours=25))["approvals"] == 0


def test_a_freed_slot_is_offered_to_the_waiter_who_books_it(
    make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    rid = book(c, "1", "slack:U1", jst(14))
    c.desk.rules.join_waitlist("slack:U2", "1", jst(14), jst(14, 30), "", "slack")
    c.desk.cancel("slack:U1", rid)
    assert tick(c, BEFORE)["waitlist"] == 1
    [offer] = posts(slack, "U2")
    assert offer.args["text"].startswith("🎉 空きが出ました") and "10:10まで" in offer.args["text"]
    held = int(buttons(offer)["take_offer"].split(":")[0])
    assert buttons(offer)["cancel_reservation"] == f"{held}:ja"
    taken = c.desk.rules.take_offer("slack:U2", held)
    assert (taken.status, taken.owner_id) == ("active", "slack:U2")
    assert tick(c, BEFORE + timedelta(minutes=30))["waitlist"] == 0


def test_a_slack_outage_leaves_notices_for_the_next_poll_which_sends_each_once(
    make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    book(c, "5", "slack:U1", jst(14))
    slack.fail_next("chat.postMessage", status=500, times=3)  # every attempt of the client
    assert tick(c, BEFORE)["notices"] == 0
    assert tick(c, BEFORE + timedelta(minutes=1))["notices"] == 2
    assert sorted(p.args["channel"] for p in posts(slack)) == ["UBOSS", "UDEPUTY"]


def test_a_series_cancelled_while_a_reminder_for_one_of_its_dates_is_sent(
    make: Callable[..., Container], slack: FakeSlack, db_url: str
) -> None:
    c = make()
    made = c.desk.rules.book_series("slack:U1", "1", jst(14), jst(14, 30), "定例", "slack",
                                    "weekly", 3)  # fmt: skip
    assert made.series is not None and len(made.booked) == 3
    gate = GatedClient(c.slack_client)
    reminding, sent = in_thread(lambda: c.jobs(gate.as_client()).send_due_reminders(jst(13, 50)))
    assert gate.entered.wait(15), "the reminder never reached Slack"
    started = threading.Event()

    def cancel() -> Any:
        started.set()
        return c.desk.rules.cancel_series("slack:U1", made.series.id or 0, "all", None)  # type: ignore[union-attr]

    cancelling, cancelled = in_thread(cancel)
    assert started.wait(15)
    if db_url.startswith("postgresql"):  # the cancel waits on the row the reminder holds
        wait_until(lambda: lock_waiters(c.engine) >= 1, 10, "the cancel to wait on the reminder")
    gate.proceed.set()
    reminding.join(20)
    cancelling.join(20)
    assert sent == [1] and len(cancelled) == 1 and len(cancelled[0]) == 3, (sent, cancelled)
    assert len(posts(slack, "U1")) == 1
    with c.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT status, reminded_at IS NOT NULL FROM reservations ORDER BY start_at"
        )).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        ("cancelled", True),
        ("cancelled", False),
        ("cancelled", False),
    ]
    assert c.jobs().send_due_reminders(jst(13, 55)) == 0


def test_a_teams_requester_is_named_by_their_teams_name_in_slack(
    make: Callable[..., Container], slack: FakeSlack
) -> None:
    c = make()
    teams_user = "teams:tenant-1:aad-hanako"
    c.teams_references.remember(teams_user, "a:chat-hanako", True,
                                {"user": {"id": "29:aad-hanako", "name": "山田 花子"}})  # fmt: skip
    book(c, "5", teams_user, jst(15))
    tick(c, BEFORE)
    asked = posts(slack, "UBOSS")[0].args["text"]
    assert "山田 花子" in asked and "aad-hanako" not in asked
    stranger = "teams:tenant-1:aad-unknown"  # never talked to the bot: their id, as before
    book(c, "5", stranger, jst(16))
    tick(c, BEFORE)
    assert "aad-unknown" in posts(slack, "UBOSS")[-1].args["text"]
