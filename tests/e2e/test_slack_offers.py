"""Buttons the conversation offers in Slack: 'Book it' for a slot named without a verb, and
'Book this instead' after a conflict — each books for whoever presses it, through the real app."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import (
    TEAM_ID,
    Slack,
    active_reservations,
    add_reservation,
    buttons,
    jst,
    message,
    tomorrow,
    wait_for_response,
)
from tests.e2e.test_slack_events import assert_acked, wait_for_reply


def press(action: dict[str, Any], user: str, response: str) -> dict[str, Any]:
    """A block_actions payload: `user` pressed this button in a DM."""
    return {
        "type": "block_actions", "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "AFAKE", "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0U1"},
        "trigger_id": "trigger.offer", "channel": {"id": "D0U1", "name": "directmessage"},
        "response_url": response, "actions": [action | {"block_id": "b1",
                                                        "action_ts": "1700000001.000200"}],
    }  # fmt: skip


def test_a_slot_without_a_verb_is_offered_and_book_it_books_it(slack: Slack) -> None:
    day = tomorrow()
    event = message(f"{day:%m月%d日} 14時〜15時 会議室B", user="U1", channel="D0U1",
                    channel_type="im")  # fmt: skip
    assert_acked(slack.event(event))
    offer = wait_for_reply(slack, "D0U1", event["ts"])
    assert active_reservations(slack.engine) == []
    [book_it] = buttons(offer.blocks, "book_alternative")
    assert book_it["style"] == "primary" and book_it["text"]["text"] == "予約する"
    assert_acked(slack.interaction(press(book_it, "U1", slack.fake.response_url("o1"))))
    assert wait_for_response(slack.fake, "o1").args["text"].startswith("予約しました")
    [row] = active_reservations(slack.engine)
    assert (row.room_id, row.owner_id, row.start_at) == ("2", "slack:U1", jst(day, "14:00"))


def test_a_conflict_offers_other_rooms_and_the_button_books_one(slack: Slack) -> None:
    day = tomorrow()
    add_reservation(slack.engine, "2", "U2", jst(day, "10:00"), jst(day, "11:00"))
    event = message("明日の10時から1時間 会議室Bを予約して", user="U1", channel="D0U1",
                    channel_type="im")  # fmt: skip
    assert_acked(slack.event(event))
    reply = wait_for_reply(slack, "D0U1", event["ts"])
    offers = buttons(reply.blocks, "book_alternative")
    assert offers and all(o["value"].split("|")[0] != "2" for o in offers)
    assert_acked(slack.interaction(press(offers[0], "U1", slack.fake.response_url("o2"))))
    assert wait_for_response(slack.fake, "o2").args["text"].startswith("予約しました")
    mine = [r for r in active_reservations(slack.engine) if r.owner_id == "slack:U1"]
    assert [(r.room_id, r.start_at) for r in mine] == [
        (offers[0]["value"].split("|")[0], jst(day, "10:00"))
    ]
