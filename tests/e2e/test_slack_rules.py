"""Approve / Reject, Notify me / Book it and series cancellation, over real HTTP to gunicorn.

The served bot runs without its scheduler (SCHEDULER_IN_WEB=0): the test runs the jobs once,
in this process, on the same database and fake Slack, where a scheduler would have.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from booking.clock import JST
from bot.container import Container, build
from bot.settings import Settings
from storage.models import ReservationRow, RoomRow
from storage.rules_models import ApprovalDecisionRow
from tests.e2e.conftest import (
    BOT_TOKEN,
    Slack,
    active_reservations,
    add_reservation,
    buttons,
    jst,
    message,
    reservations,
    tomorrow,
    wait_for_response,
)
from tests.e2e.test_slack_events import assert_acked, wait_for_reply
from tests.e2e.test_slack_offers import press
from tests.fakes.slack_api import Call


@pytest.fixture
def jobs(slack: Slack, pg_url: str) -> Iterator[Container]:
    """A scheduler's container on the served bot's database and fake Slack; room 5 restricted."""
    with slack.engine.begin() as connection:
        connection.execute(
            update(RoomRow).where(RoomRow.id == "5").values(approvers=["UBOSS", "UDEPUTY"])
        )
    c = build(Settings(database_url=pg_url, slack_bot_token=BOT_TOKEN,
                       slack_api_url=slack.fake.url))  # fmt: skip
    yield c
    c.engine.dispose()


def tick(c: Container) -> dict[str, Any]:
    """One scheduler poll now."""
    return c.scheduler().run_jobs(datetime.now(JST))


def dms(slack: Slack, user: str) -> list[Call]:
    return [
        c for c in slack.fake.calls_to("chat.postMessage") if c.ok and c.args["channel"] == user
    ]


def test_two_approvers_press_at_once_one_decision_both_see_who(
    slack: Slack, jobs: Container
) -> None:
    assert_acked(slack.command("/book", f"応接室 {tomorrow():%m月%d日} 14:00-15:00", user="U1"))
    assert wait_for_response(slack.fake, "r1").args["text"].startswith("予約を申請しました")
    assert tick(jobs)["notices"] == 2
    asks = {u: dms(slack, u)[0] for u in ("UBOSS", "UDEPUTY")}
    approve = buttons(asks["UBOSS"].args["blocks"], "approve_reservation")[0]
    reject = buttons(asks["UDEPUTY"].args["blocks"], "reject_reservation")[0]
    presses = [
        press(approve, "UBOSS", slack.fake.response_url("boss")),
        press(reject, "UDEPUTY", slack.fake.response_url("deputy")),
    ]
    barrier = threading.Barrier(2)

    def send(payload: dict[str, Any]) -> None:
        barrier.wait()
        assert_acked(slack.interaction(payload))

    threads = [threading.Thread(target=send, args=(p,)) for p in presses]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    boss, deputy = (wait_for_response(slack.fake, n).args for n in ("boss", "deputy"))
    assert boss["replace_original"] and deputy["replace_original"]
    assert boss["text"] == deputy["text"]  # both requests now say who decided, the same one
    with slack.engine.connect() as connection:
        decisions = connection.execute(select(ApprovalDecisionRow.decided_by)).scalars().all()
    assert len(decisions) == 1
    winner = decisions[0].removeprefix("slack:")
    assert f"<@{winner}>" in boss["text"]
    [row] = reservations(slack.engine)
    assert row.status == ("active" if winner == "UBOSS" else "rejected")
    tick(jobs)
    [told] = dms(slack, "U1")
    assert told.args["text"].startswith("✅" if winner == "UBOSS" else "❌")


def test_a_non_approver_cannot_press(slack: Slack, jobs: Container) -> None:
    start = jst(tomorrow(), "14:00")
    rid = add_reservation(slack.engine, "1", "U9", start, start + timedelta(hours=1))
    action = {"type": "button", "action_id": "approve_reservation", "value": f"{rid}:ja",
              "text": {"type": "plain_text", "text": "承認する"}}  # fmt: skip
    assert_acked(slack.interaction(press(action, "U1", slack.fake.response_url("x"))))
    answer = wait_for_response(slack.fake, "x").args
    assert not answer.get("replace_original") and "承認者だけ" in answer["text"]


def test_notify_me_then_book_it(slack: Slack, jobs: Container) -> None:
    day = tomorrow()
    mine = add_reservation(slack.engine, "2", "U1", jst(day, "10:00"), jst(day, "11:00"))
    event = message("明日の10時から1時間 会議室Bを予約して", user="U2", channel="D0U2",
                    channel_type="im")  # fmt: skip
    assert_acked(slack.event(event))
    reply = wait_for_reply(slack, "D0U2", event["ts"])
    [notify] = buttons(reply.blocks, "join_waitlist")
    assert notify["text"]["text"] == "空いたら知らせる"
    assert_acked(slack.interaction(press(notify, "U2", slack.fake.response_url("w"))))
    assert (
        wait_for_response(slack.fake, "w").args["text"].startswith("キャンセル待ちに登録しました")
    )

    jobs.desk.cancel("slack:U1", mine)
    assert tick(jobs)["waitlist"] == 1
    [offer] = dms(slack, "U2")
    [book_it] = buttons(offer.args["blocks"], "take_offer")
    assert_acked(slack.interaction(press(book_it, "U2", slack.fake.response_url("b"))))
    assert wait_for_response(slack.fake, "b").args["text"].startswith("予約しました")
    [row] = active_reservations(slack.engine)
    assert (row.owner_id, row.start_at, row.status) == ("slack:U2", jst(day, "10:00"), "active")


def test_a_series_date_cancel_asks_which_and_mybookings_shows_one_line(
    slack: Slack, jobs: Container
) -> None:
    first = jst(tomorrow(), "09:00")
    made = jobs.desk.rules.book_series("slack:U1", "3", first, first + timedelta(hours=1), "定例",
                                       "slack", "weekly", 4)  # fmt: skip
    assert made.series is not None and len(made.booked) == 4
    assert_acked(slack.command("/mybookings", user="U1", response="m"))
    listing = wait_for_response(slack.fake, "m").args["blocks"]
    lines = [b for b in listing if "🔁" in str(b.get("text", ""))]
    assert len(lines) == 1 and lines[0]["accessory"]["type"] == "static_select"
    groups = lines[0]["accessory"]["option_groups"]
    following = groups[1]["options"][1]  # the second date, and the ones after it
    choice = {"type": "static_select", "action_id": "pick_series_cancel",
              "selected_option": following}  # fmt: skip
    assert_acked(slack.interaction(press(choice, "U1", slack.fake.response_url("p"))))
    assert wait_for_response(slack.fake, "p").args["text"].startswith("キャンセルしました（3件）")

    ask = {"type": "button", "action_id": "ask_series_cancel",
           "value": f"{made.series.id}|{made.booked[0].id}|ja"}  # fmt: skip
    assert_acked(slack.interaction(press(ask, "U1", slack.fake.response_url("q"))))
    question = wait_for_response(slack.fake, "q").args
    [this] = buttons(question["blocks"], "cancel_series_this")
    assert_acked(slack.interaction(press(this, "U1", slack.fake.response_url("t"))))
    assert wait_for_response(slack.fake, "t").args["text"].startswith("キャンセルしました（1件）")
    with slack.engine.connect() as connection:
        left = select(func.count()).where(ReservationRow.active)
        assert connection.execute(left).scalar_one() == 0


def test_book_command_on_a_taken_slot_offers_to_wait(slack: Slack, jobs: Container) -> None:
    day = tomorrow()
    add_reservation(slack.engine, "2", "U1", jst(day, "10:00"), jst(day, "11:00"))
    assert_acked(slack.command("/book", f"会議室B {day:%m月%d日} 10:00-11:00", user="U2"))
    answer = wait_for_response(slack.fake, "r1").args
    assert "すでに予約されています" in answer["text"]
    [notify] = buttons(answer["blocks"], "join_waitlist")
    room, start, end, lang = notify["value"].split("|")
    assert (room, lang) == ("2", "ja")
    assert datetime.fromisoformat(start) == jst(day, "10:00")
    assert datetime.fromisoformat(end) == jst(day, "11:00")
