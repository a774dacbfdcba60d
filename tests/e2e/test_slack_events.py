"""Events over real HTTP to gunicorn: App Home, mentions, DMs, thread replies, retries, 429.

Answers stream (chat.startStream … stopStream) where Slack allows it; tests/e2e/answers.py reads
an answer the same way whichever path the bot took.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from tests.e2e.answers import Answer, answered_channels, wait_for_answer
from tests.e2e.conftest import (
    ACK_BUDGET_S,
    Reply,
    Slack,
    add_reservation,
    api_calls,
    buttons,
    jst,
    mention,
    message,
    new_event_id,
    new_ts,
    reservations,
    tomorrow,
)
from tests.fakes.slack_api import BOT_ID, BOT_USER_ID, TEAM_ID, Call

BOOK_B_JA = f"<@{BOT_USER_ID}> 明日の10時から1時間 会議室Bを予約して"
BOOK_C_EN = f"<@{BOT_USER_ID}> book Room C tomorrow 15:00-16:00"


def assert_acked(reply: Reply) -> None:
    """The event was acknowledged at once."""
    assert reply.status == 200, reply.body
    assert reply.elapsed < ACK_BUDGET_S


def in_thread(slack: Slack, method: str, channel: str, thread_ts: str) -> list[Call]:
    """The calls of one method posting into one thread."""
    return [
        c
        for c in slack.fake.calls_to(method)
        if c.args.get("channel") == channel and c.args.get("thread_ts") == thread_ts
    ]


def wait_for_reply(slack: Slack, channel: str, thread_ts: str, count: int = 1) -> Answer:
    """Wait for the `count`-th answer in a thread (streamed, or a placeholder replaced)."""
    return wait_for_answer(slack.fake, channel, thread_ts, count)


def dm_sentinel(slack: Slack) -> Answer:
    """Send a DM and wait for its answer: every earlier request has been decided by then."""
    event = message("help", user="U7", channel="D0SENTINEL", channel_type="im")
    assert_acked(slack.event(event))
    return wait_for_reply(slack, "D0SENTINEL", event["ts"])


def test_url_verification_echoes_the_challenge(slack: Slack) -> None:
    body = b'{"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}'
    reply = slack.send(body, "application/json")
    assert reply.status == 200
    assert b"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in reply.body


def test_app_home_opened_publishes_home_with_book_button_and_my_bookings(slack: Slack) -> None:
    day = tomorrow()
    mine = add_reservation(slack.engine, "1", "U1", jst(day, "10:00"), jst(day, "11:00"))
    add_reservation(slack.engine, "2", "U2", jst(day, "10:00"), jst(day, "11:00"))
    event = {"type": "app_home_opened", "user": "U1", "channel": "D0HOME", "tab": "home",
             "event_ts": new_ts()}  # fmt: skip
    assert_acked(slack.event(event))
    [home] = slack.wait_for_call("views.publish")
    assert home.ok and home.args["user_id"] == "U1"
    blocks = home.args["view"]["blocks"]
    assert home.args["view"]["type"] == "home"
    assert len(buttons(blocks, "open_book_modal")) == 1
    assert [b["value"] for b in buttons(blocks, "cancel_reservation")] == [f"{mine}:ja"]


def test_mention_books_and_answers_in_the_thread(slack: Slack) -> None:
    event = mention(BOOK_B_JA, user="U1", channel="C1")
    assert_acked(slack.event(event))
    answer = wait_for_reply(slack, "C1", event["ts"])
    [start] = in_thread(slack, "chat.startStream", "C1", event["ts"])
    assert (start.args["recipient_user_id"], start.args["recipient_team_id"]) == ("U1", TEAM_ID)
    first = start.args["chunks"][0]
    assert (first["type"], first["status"], first["title"]) == (
        "task_update", "in_progress", "リクエストを確認しています",
    )  # fmt: skip
    assert answer.streamed and answer.text.startswith("予約しました")
    steps = [c for c in answer.chunks if c["type"] == "task_update" and c["id"] != "turn"]
    assert [(c["id"], c["status"], c["title"]) for c in steps] == [
        ("step1", "in_progress", "予約しています"),
        ("step1", "complete", f"予約しました: 会議室B {tomorrow().isoformat()} 10:00–11:00"),
    ]
    [row] = reservations(slack.engine)
    assert (row.room_id, row.owner_id) == ("2", "slack:U1")
    assert (row.start_at, row.end_at) == (jst(tomorrow(), "10:00"), jst(tomorrow(), "11:00"))
    assert [b["value"] for b in buttons(answer.blocks, "cancel_reservation")] == [f"{row.id}:ja"]
    assert answer.blocks[-1]["type"] == "context_actions"  # 👍/👎


def test_mention_in_english_gets_an_english_reply(slack: Slack) -> None:
    event = mention(BOOK_C_EN, user="U1", channel="C1")
    assert_acked(slack.event(event))
    answer = wait_for_reply(slack, "C1", event["ts"])
    [start] = in_thread(slack, "chat.startStream", "C1", event["ts"])
    assert start.args["chunks"][0]["title"] == "Reading your request"
    assert answer.text.startswith("Booked:")
    [row] = reservations(slack.engine)
    assert row.room_id == "3" and row.end_at - row.start_at == timedelta(hours=1)
    assert buttons(answer.blocks, "cancel_reservation")[0]["value"] == f"{row.id}:en"


def test_mention_delivered_also_as_a_message_event_is_answered_once(slack: Slack) -> None:
    """Slack sends app_mention and message.channels for one mention: one reply."""
    event = mention(BOOK_B_JA, user="U1", channel="C1")
    twin = message(BOOK_B_JA, user="U1", channel="C1", ts=event["ts"])
    assert_acked(slack.event(twin))
    assert_acked(slack.event(event))
    wait_for_reply(slack, "C1", event["ts"])
    dm_sentinel(slack)
    assert len(in_thread(slack, "chat.startStream", "C1", event["ts"])) == 1
    assert len(reservations(slack.engine)) == 1


def test_direct_message_is_answered(slack: Slack) -> None:
    event = message("明日の会議室の予定は？", user="U1", channel="D0U1", channel_type="im")
    assert_acked(slack.event(event))
    answer = wait_for_reply(slack, "D0U1", event["ts"])
    assert answer.streamed and answer.text and "会議室" in answer.text
    [start] = in_thread(slack, "chat.startStream", "D0U1", event["ts"])
    assert start.args["chunks"][0]["status"] == "in_progress"


def test_reply_in_a_thread_the_bot_is_part_of_is_answered(slack: Slack) -> None:
    first = mention(f"<@{BOT_USER_ID}> 明日 会議室Cを予約したい", user="U1", channel="C1")
    assert_acked(slack.event(first))
    question = wait_for_reply(slack, "C1", first["ts"])
    assert question.text.rstrip().endswith(("?", "？"))  # it asks for the time
    follow_up = message("明日の15時から1時間でお願いします", user="U1", channel="C1",
                        thread_ts=first["ts"])  # fmt: skip
    assert_acked(slack.event(follow_up))
    answer = wait_for_reply(slack, "C1", first["ts"], count=2)
    assert answer.text.startswith("予約しました")
    [row] = reservations(slack.engine)
    assert (row.room_id, row.owner_id) == ("3", "slack:U1")
    assert (row.start_at, row.end_at) == (jst(tomorrow(), "15:00"), jst(tomorrow(), "16:00"))


def test_thread_follow_up_with_only_the_time_keeps_the_day_asked_for(slack: Slack) -> None:
    """'21時から1時間' completes '明日 会議室C…' for tomorrow, not today (history is per thread)."""
    first = mention(f"<@{BOT_USER_ID}> 明日 会議室Cを予約したい", user="U1", channel="C1")
    assert_acked(slack.event(first))
    wait_for_reply(slack, "C1", first["ts"])
    follow_up = message("21時から1時間", user="U1", channel="C1", thread_ts=first["ts"])
    assert_acked(slack.event(follow_up))
    wait_for_reply(slack, "C1", first["ts"], count=2)
    assert [(r.room_id, r.start_at) for r in reservations(slack.engine)] == [
        ("3", jst(tomorrow(), "21:00"))
    ]


def test_reply_in_a_thread_known_only_to_slack_is_answered(slack: Slack) -> None:
    """No chat history (e.g. expired), but conversations.replies shows the bot in the thread."""
    root = slack.fake.add_message("C3", "会議室どこか空いてる？", user="U1")
    slack.fake.add_message("C3", "どの時間ですか？", user=BOT_USER_ID, thread_ts=root)
    event = message("明日の予定を見せて", user="U1", channel="C3", thread_ts=root)
    assert_acked(slack.event(event))
    assert wait_for_reply(slack, "C3", root).text


def test_reply_in_a_thread_without_the_bot_is_ignored(slack: Slack) -> None:
    root = slack.fake.add_message("C2", "ランチどうする？", user="U2")
    slack.fake.add_message("C2", "そば屋で", user="U3", thread_ts=root)
    event = message("明日の10時から1時間 会議室Bを予約して", user="U1", channel="C2",
                    thread_ts=root)  # fmt: skip
    assert_acked(slack.event(event))
    slack.wait_for_call("conversations.replies")
    dm_sentinel(slack)
    assert answered_channels(slack.fake) == ["D0SENTINEL"]
    assert reservations(slack.engine) == []


def test_bot_messages_are_ignored(slack: Slack) -> None:
    text = "明日の10時から1時間 会議室Bを予約して"
    other_bot = message(
        text, user="U0OTHERBOT", channel="D0U1", channel_type="im", bot_id="B0OTHER"
    )
    subtype = message(text, channel="D0U1", channel_type="im", subtype="bot_message",
                      bot_id="B0OTHER")  # fmt: skip
    subtype.pop("user")
    ourselves = message(text, user=BOT_USER_ID, channel="D0U1", channel_type="im", bot_id=BOT_ID)
    bot_mention = mention(f"<@{BOT_USER_ID}> {text}", user="U0OTHERBOT") | {"bot_id": "B0OTHER"}
    for event in (other_bot, subtype, ourselves, bot_mention):
        assert_acked(slack.event(event))
    dm_sentinel(slack)
    assert answered_channels(slack.fake) == ["D0SENTINEL"]
    assert reservations(slack.engine) == []


def test_edits_and_plain_channel_messages_are_not_answered(slack: Slack) -> None:
    text = "明日の10時から1時間 会議室Bを予約して"
    edited = {"type": "message", "subtype": "message_changed", "channel": "D0U1",
              "channel_type": "im", "ts": new_ts(), "event_ts": new_ts(), "hidden": True,
              "message": {"type": "message", "user": "U1", "text": text, "ts": new_ts()}}  # fmt: skip
    top_level = message(text, user="U1", channel="C4")  # no mention, not in a thread
    for event in (edited, top_level):
        assert_acked(slack.event(event))
    dm_sentinel(slack)
    assert answered_channels(slack.fake) == ["D0SENTINEL"]
    assert reservations(slack.engine) == []


# retries


def deliver_at_once(
    slack: Slack, event: dict[str, object], event_id: str, retries: list[int | None]
) -> list[Reply]:
    """Deliver one event several times at the same moment (threads released by a barrier)."""
    barrier = threading.Barrier(len(retries))
    replies: list[Reply | None] = [None] * len(retries)

    def deliver(i: int) -> None:
        barrier.wait()
        replies[i] = slack.event(event, event_id=event_id, retry=retries[i])

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(len(retries))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=15)
    assert all(r is not None for r in replies)
    return [r for r in replies if r is not None]


def test_an_event_delivered_four_times_is_answered_once(slack: Slack) -> None:
    event, event_id = mention(BOOK_B_JA, user="U1", channel="C1"), new_event_id()
    for reply in deliver_at_once(slack, event, event_id, [None, 1]):
        assert_acked(reply)
    for retry in (2, 3):
        assert_acked(slack.event(event, event_id=event_id, retry=retry))
    wait_for_reply(slack, "C1", event["ts"])
    dm_sentinel(slack)
    assert len(in_thread(slack, "chat.startStream", "C1", event["ts"])) == 1
    assert (
        len([c for c in slack.fake.calls_to("chat.stopStream") if c.args["channel"] == "C1"]) == 1
    )
    assert len(reservations(slack.engine)) == 1
    assert slack.redis.exists(f"slack_event:{event_id}")


def test_a_retry_whose_first_delivery_never_arrived_is_answered(slack: Slack) -> None:
    event = mention(BOOK_B_JA, user="U1", channel="C1")
    assert_acked(slack.event(event, retry=1))
    assert wait_for_reply(slack, "C1", event["ts"]).text.startswith("予約しました")
    assert len(reservations(slack.engine)) == 1


def test_rate_limited_web_api_call_is_retried_after_the_ack(slack: Slack) -> None:
    slack.fake.fail_next("chat.startStream", status=429, retry_after=1)
    event = mention(BOOK_B_JA, user="U1", channel="C1")
    reply = slack.event(event)
    assert_acked(reply)
    assert not any(c.ok for c in slack.fake.calls_to("chat.startStream"))  # acked before the work
    answer = wait_for_reply(slack, "C1", event["ts"])
    assert answer.streamed and answer.text.startswith("予約しました")
    starts = in_thread(slack, "chat.startStream", "C1", event["ts"])
    assert [p.status for p in starts] == [429, 200]
    assert len(reservations(slack.engine)) == 1
    assert api_calls(slack.fake)[0].header("Authorization") == "Bearer xoxb-test-token"
