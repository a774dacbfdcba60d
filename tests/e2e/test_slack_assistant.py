"""Slack's AI-app surface over real HTTP to gunicorn: assistant threads, streamed steps, feedback.

Signed `assistant_thread_started` and `message.im` events go to the served bot; the fake Slack
refuses what Slack refuses for assistant and streaming methods and records the calls.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from booking.clock import JST
from tests.e2e.answers import answered_channels, wait_for_answer
from tests.e2e.conftest import (
    ACK_BUDGET_S,
    Slack,
    add_reservation,
    buttons,
    jst,
    message,
    new_ts,
    reservations,
    tomorrow,
)
from tests.fakes.slack_api import TEAM_ID, Call

AI_CALLS = ("assistant.threads.setStatus", "chat.startStream", "chat.appendStream",
            "chat.stopStream")  # fmt: skip


def thread_started(
    user: str, channel: str, thread_ts: str, about: str = "C0PROJECT"
) -> dict[str, Any]:
    """An assistant_thread_started event: the user opened the assistant while in `about`."""
    context = {"channel_id": about, "team_id": TEAM_ID} if about else {}
    return {"type": "assistant_thread_started", "event_ts": new_ts(),
            "assistant_thread": {"user_id": user, "channel_id": channel, "thread_ts": thread_ts,
                                 "context": context}}  # fmt: skip


def in_assistant_thread(text: str, user: str, channel: str, thread_ts: str) -> dict[str, Any]:
    """A message.im event the user wrote in an assistant thread."""
    return message(text, user=user, channel=channel, channel_type="im", thread_ts=thread_ts)


def acked(slack: Slack, event: dict[str, Any]) -> None:
    """Deliver an event and check it was acknowledged at once."""
    reply = slack.event(event)
    assert reply.status == 200 and reply.elapsed < ACK_BUDGET_S, reply.body


def ai_calls(slack: Slack, channel: str) -> list[Call]:
    """The status and stream calls into one channel, in order."""
    wanted = [c for c in slack.fake.calls if c.method in AI_CALLS]
    return [c for c in wanted if channel in (c.args.get("channel"), c.args.get("channel_id"))]


def test_thread_started_greets_and_suggests_prompts_in_the_users_language(slack: Slack) -> None:
    slack.fake.locales["U0ENGLISH"] = "en-US"
    thread = new_ts()
    acked(slack, thread_started("U0ENGLISH", "D0EN", thread))
    [prompts] = slack.wait_for_call("assistant.threads.setSuggestedPrompts")
    assert prompts.ok and prompts.args["thread_ts"] == thread
    assert [p["title"] for p in prompts.args["prompts"]][:2] == [
        "Any room for 6 this afternoon?", "Book Room B every Monday at 10",
    ]  # fmt: skip
    [greeting] = [c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == "D0EN"]
    assert greeting.args["thread_ts"] == thread and greeting.args["text"].startswith("Hi!")
    [looked_up] = slack.fake.calls_to("users.info")
    assert looked_up.args["user"] == "U0ENGLISH" and looked_up.args["include_locale"] in ("1", True)
    stored = json.loads(slack.redis.get(f"assistant_thread:D0EN:{thread}") or "{}")
    assert stored == {"channel_id": "C0PROJECT", "team_id": TEAM_ID}


def test_japanese_user_gets_japanese_prompts(slack: Slack) -> None:
    acked(slack, thread_started("U0JAPANESE", "D0JA", new_ts(), about=""))
    [prompts] = slack.wait_for_call("assistant.threads.setSuggestedPrompts")
    titles = [p["title"] for p in prompts.args["prompts"]]
    assert titles[:2] == ["今日の午後、6人で空いている部屋は？", "毎週月曜10時に会議室Bを予約"]


def test_a_message_in_an_assistant_thread_streams_steps_then_stops_with_buttons(
    slack: Slack,
) -> None:
    thread = new_ts()
    acked(slack, thread_started("U1", "D0U1", thread))
    slack.wait_for_call("assistant.threads.setSuggestedPrompts")
    acked(slack, in_assistant_thread("明日の10時から1時間 会議室Bを予約して", "U1", "D0U1", thread))
    answer = wait_for_answer(slack.fake, "D0U1", thread)
    methods = [c.method for c in ai_calls(slack, "D0U1")]
    assert methods[:2] == ["assistant.threads.setStatus", "chat.startStream"]
    assert methods[-1] == "chat.stopStream" and set(methods[2:-1]) == {"chat.appendStream"}
    status = ai_calls(slack, "D0U1")[0]
    assert status.args["status"] and len(status.args["loading_messages"]) == 3
    assert [(c["status"], c["title"]) for c in answer.chunks if c["type"] == "task_update"] == [
        ("in_progress", "予約しています"),
        ("complete", f"予約しました: 会議室B {tomorrow().isoformat()} 10:00–11:00"),
    ]
    assert answer.text.startswith("予約しました")
    [row] = reservations(slack.engine)
    assert [b["value"] for b in buttons(answer.blocks, "cancel_reservation")] == [f"{row.id}:ja"]
    feedback = answer.blocks[-1]["elements"][0]
    assert (feedback["type"], feedback["action_id"]) == ("feedback_buttons", "answer_feedback")
    [title] = slack.wait_for_call("assistant.threads.setTitle")
    assert title.args["title"] == "明日の10時から1時間 会議室Bを予約して"


def test_a_dm_thread_message_is_answered_once_by_the_assistant_only(slack: Slack) -> None:
    """Bolt's Assistant claims message.im with thread_ts; the DM listener never answers it too."""
    thread = new_ts()
    acked(slack, in_assistant_thread("今日の予約状況", "U1", "D0ONCE", thread))
    wait_for_answer(slack.fake, "D0ONCE", thread)
    top = message("help", user="U1", channel="D0ONCE", channel_type="im")  # not in a thread
    acked(slack, top)
    wait_for_answer(slack.fake, "D0ONCE", top["ts"])
    assert answered_channels(slack.fake) == ["D0ONCE", "D0ONCE"]
    statuses = slack.fake.calls_to("assistant.threads.setStatus")
    assert [c.args["thread_ts"] for c in statuses] == [thread]  # only the assistant sets status
    assert len(slack.fake.calls_to("chat.stopStream")) == 2
    assert not any(c.args.get("text") == "確認しています…" for c in slack.fake.calls)


def test_the_second_message_keeps_the_title_and_the_history(slack: Slack) -> None:
    thread = new_ts()
    acked(slack, in_assistant_thread("明日 会議室Cを予約したい", "U1", "D0TWO", thread))
    question = wait_for_answer(slack.fake, "D0TWO", thread)
    assert question.text.rstrip().endswith(("?", "？"))
    acked(slack, in_assistant_thread("15時から1時間で", "U1", "D0TWO", thread))
    assert wait_for_answer(slack.fake, "D0TWO", thread, 2).text.startswith("予約しました")
    assert len(slack.fake.calls_to("assistant.threads.setTitle")) == 1
    assert [(r.room_id, r.start_at) for r in reservations(slack.engine)] == [
        ("3", jst(tomorrow(), "15:00"))
    ]


def test_context_changed_is_stored_for_the_thread(slack: Slack) -> None:
    thread = new_ts()
    changed = thread_started("U1", "D0CTX", thread, about="C0OTHER")
    changed["type"] = "assistant_thread_context_changed"
    acked(slack, changed)
    key = f"assistant_thread:D0CTX:{thread}"
    slack.wait_for(lambda: slack.redis.exists(key) == 1)
    assert json.loads(slack.redis.get(key) or "{}")["channel_id"] == "C0OTHER"


def test_feedback_is_stored_with_the_session_and_answer_and_thanked(slack: Slack) -> None:
    thread = new_ts()
    acked(slack, in_assistant_thread("help", "U1", "D0FB", thread))
    answer = wait_for_answer(slack.fake, "D0FB", thread)
    turn = answer.calls[0].response["ts"]
    press = {"type": "block_actions", "user": {"id": "U1", "team_id": TEAM_ID},
             "team": {"id": TEAM_ID}, "channel": {"id": "D0FB"},
             "container": {"type": "message", "message_ts": turn, "channel_id": "D0FB"},
             "message": {"ts": turn, "thread_ts": thread},
             "actions": [{"type": "feedback_buttons", "action_id": "answer_feedback",
                          "block_id": "fb", "value": "bad:ja"}]}  # fmt: skip
    assert slack.interaction(press).status == 200
    [thanks] = slack.wait_for_call("chat.postEphemeral")
    assert thanks.ok and thanks.args["text"] == "フィードバックありがとうございます。"
    with slack.engine.connect() as db:
        rows = db.exec_driver_sql("SELECT session, turn, user_id, rating FROM answer_feedback")
        assert list(rows) == [(f"slack:{TEAM_ID}:D0FB:{thread}", turn, "slack:U1", -1)]


def test_app_home_renders_in_the_viewers_locale(slack: Slack) -> None:
    slack.fake.locales["U0HOMEEN"] = "en-GB"
    event = {"type": "app_home_opened", "user": "U0HOMEEN", "channel": "D0H", "tab": "home",
             "event_ts": new_ts()}  # fmt: skip
    acked(slack, event)
    [home] = slack.wait_for_call("views.publish")
    headers = [b["text"]["text"] for b in home.args["view"]["blocks"] if b["type"] == "header"]
    assert headers[0] == "Your upcoming bookings"


def test_a_reply_listing_my_reservations_offers_cancel_and_check_in_when_near(
    slack: Slack,
) -> None:
    soon = datetime.now(JST).replace(second=0, microsecond=0) + timedelta(minutes=5)
    near = add_reservation(slack.engine, "1", "U1", soon, soon + timedelta(minutes=30))
    later = add_reservation(
        slack.engine, "2", "U1", jst(tomorrow(), "10:00"), jst(tomorrow(), "11:00")
    )
    add_reservation(slack.engine, "3", "U2", jst(tomorrow(), "10:00"), jst(tomorrow(), "11:00"))
    thread = new_ts()
    acked(slack, in_assistant_thread("私の予約を見せて", "U1", "D0MINE", thread))
    answer = wait_for_answer(slack.fake, "D0MINE", thread)
    cancels = [b["value"] for b in buttons(answer.blocks, "cancel_reservation")]
    assert cancels == [f"{near}:ja", f"{later}:ja"]
    assert [b["value"] for b in buttons(answer.blocks, "check_in")] == [f"{near}:ja"]
