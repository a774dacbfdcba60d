"""Slash commands, the booking modal and the Cancel button, over real HTTP to gunicorn."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

import pytest

from booking.clock import JST
from tests.e2e.conftest import (
    ACK_BUDGET_S,
    Reply,
    Slack,
    active_reservations,
    add_reservation,
    api_calls,
    block_text,
    buttons,
    jst,
    reservations,
    response_posts,
    tomorrow,
    wait_for_response,
)
from tests.fakes.slack_api import TEAM_ID

ROOM_NAMES = ("会議室A", "会議室B", "会議室C", "大会議室", "応接室", "フォンブース")


def assert_acked(reply: Reply) -> None:
    """Slack's acknowledgement: 200, an empty body, well inside the 3-second budget."""
    assert reply.status == 200, reply.body
    assert reply.body == b""
    assert reply.elapsed < ACK_BUDGET_S


def section(blocks: list[dict[str, Any]], room: str) -> str:
    """The text of the section about one room."""
    return str(next(b["text"]["text"] for b in blocks if f"*{room}*" in str(b.get("text"))))


def today_noon() -> datetime:
    """12:00 today in Japan."""
    return jst(datetime.now(JST).date(), "12:00")


# /today


def test_today_shows_every_room_with_bookings_and_free_gaps(slack: Slack) -> None:
    add_reservation(
        slack.engine, "1", "U2", today_noon(), today_noon() + timedelta(hours=1), "定例"
    )
    assert_acked(slack.command("/today"))
    answer = wait_for_response(slack.fake, "r1")
    text = block_text(answer.args["blocks"])
    assert answer.args["response_type"] == "ephemeral"
    for name in ROOM_NAMES:
        assert name in text
    room_a = section(answer.args["blocks"], "会議室A")
    assert "12:00〜13:00 <@U2> 定例" in room_a  # who booked, and the title
    assert "空き時間: 07:00〜12:00、13:00〜22:00" in room_a
    assert "終日空いています" in section(answer.args["blocks"], "会議室B")


def test_today_with_a_room_shows_only_that_room(slack: Slack) -> None:
    add_reservation(slack.engine, "1", "U2", today_noon(), today_noon() + timedelta(hours=1))
    assert_acked(slack.command("/today", "会議室A"))
    text = block_text(wait_for_response(slack.fake, "r1").args["blocks"])
    assert "会議室A" in text and "12:00〜13:00" in text
    assert not any(name in text for name in ROOM_NAMES[1:])


def test_today_with_an_unknown_room_says_so(slack: Slack) -> None:
    assert_acked(slack.command("/today", "会議室Z"))
    text = block_text(wait_for_response(slack.fake, "r1").args["blocks"])
    assert "会議室Z" in text and "見つかりません" in text


# /book


def test_book_without_text_opens_the_modal(slack: Slack) -> None:
    assert_acked(slack.command("/book"))
    [opened] = slack.wait_for_call("views.open")
    view = opened.args["view"]
    assert opened.ok and opened.args["trigger_id"].startswith("trigger.")
    assert view["callback_id"] == "book_modal" and view["private_metadata"] == "ja"
    ids = [b["block_id"] for b in view["blocks"]]
    assert ids == ["room", "date", "start", "end", "title"]
    options = view["blocks"][0]["element"]["options"]
    assert [o["value"] for o in options] == ["1", "2", "3", "4", "5", "6"]
    assert reservations(slack.engine) == []


def test_book_with_full_text_books_for_the_user(slack: Slack) -> None:
    assert_acked(slack.command("/book", "会議室A 明日 14:00-15:00", user="U1"))
    answer = wait_for_response(slack.fake, "r1")
    [row] = reservations(slack.engine)
    assert (row.room_id, row.owner_id, row.active) == ("1", "slack:U1", True)
    assert (row.start_at, row.end_at) == (jst(tomorrow(), "14:00"), jst(tomorrow(), "15:00"))
    assert answer.args["text"].startswith("予約しました")
    [cancel] = buttons(answer.args["blocks"], "cancel_reservation")
    assert cancel["value"] == f"{row.id}:ja"


def test_book_in_english_answers_in_english(slack: Slack) -> None:
    assert_acked(slack.command("/book", "Room B tomorrow 10:00 1h"))
    answer = wait_for_response(slack.fake, "r1")
    [row] = reservations(slack.engine)
    assert row.room_id == "2" and row.end_at - row.start_at == timedelta(hours=1)
    assert answer.args["text"].startswith("Booked:")
    assert buttons(answer.args["blocks"], "cancel_reservation")[0]["value"] == f"{row.id}:en"


def test_book_with_incomplete_text_names_what_is_missing(slack: Slack) -> None:
    assert_acked(slack.command("/book", "会議室A 明日"))
    text = wait_for_response(slack.fake, "r1").args["text"]
    assert "開始" in text and "終了" in text and "指定してください" in text
    assert "/book" in text  # with an example to copy
    assert reservations(slack.engine) == []


def test_book_a_taken_slot_is_refused_politely(slack: Slack) -> None:
    day = tomorrow()
    add_reservation(slack.engine, "1", "U2", jst(day, "14:00"), jst(day, "15:00"))
    assert_acked(slack.command("/book", "会議室A 明日 14:30-15:30"))
    text = wait_for_response(slack.fake, "r1").args["text"]
    assert "すでに予約されています" in text
    assert len(reservations(slack.engine)) == 1


# /mybookings and /rooms


def test_mybookings_lists_only_mine_with_cancel_buttons(slack: Slack) -> None:
    day = tomorrow()
    mine = [
        add_reservation(slack.engine, "1", "U1", jst(day, "10:00"), jst(day, "11:00"), "朝会"),
        add_reservation(slack.engine, "3", "U1", jst(day, "15:00"), jst(day, "16:00")),
    ]
    theirs = add_reservation(slack.engine, "2", "U2", jst(day, "10:00"), jst(day, "11:00"))
    assert_acked(slack.command("/mybookings", user="U1"))
    blocks = wait_for_response(slack.fake, "r1").args["blocks"]
    values = [b["value"] for b in buttons(blocks, "cancel_reservation")]
    assert values == [f"{mine[0]}:ja", f"{mine[1]}:ja"]
    assert f"#{theirs} " not in block_text(blocks)
    assert "朝会" in block_text(blocks)


def calendar_click(action_id: str, user: str, response: str) -> dict[str, Any]:
    """A block_actions payload: `user` clicked New link / Turn off under /mybookings."""
    payload = cancel_click(0, user, response)
    payload["actions"][0] |= {"action_id": action_id, "value": "ja"}
    return payload


def test_mybookings_calendar_link_serves_my_feed_and_rotates(slack: Slack) -> None:
    day = tomorrow()
    add_reservation(slack.engine, "1", "U1", jst(day, "10:00"), jst(day, "11:00"), "朝会")
    add_reservation(slack.engine, "2", "U2", jst(day, "10:00"), jst(day, "11:00"), "他人の会議")
    assert_acked(slack.command("/mybookings", user="U1"))
    blocks = wait_for_response(slack.fake, "r1").args["blocks"]
    assert [b["action_id"] for b in buttons(blocks, "calendar_rotate")] == ["calendar_rotate"]
    [link] = re.findall(r"http://127\.0\.0\.1:\d+/ical/users/[\w-]+\.ics", block_text(blocks))
    with urllib.request.urlopen(link, timeout=10) as feed:
        assert feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
        body = feed.read().decode()
    assert "SUMMARY:朝会" in body and "他人の会議" not in body and "TZID=Asia/Tokyo" in body
    assert_acked(
        slack.interaction(calendar_click("calendar_rotate", "U1", slack.fake.response_url("k1")))
    )
    text = wait_for_response(slack.fake, "k1").args["text"]
    [new_link] = re.findall(r"http://\S+\.ics", text)
    assert new_link != link
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(link, timeout=10)
    assert gone.value.code == 404
    urllib.request.urlopen(new_link, timeout=10).close()


def test_mybookings_when_there_are_none(slack: Slack) -> None:
    assert_acked(slack.command("/mybookings", user="U9"))
    blocks = wait_for_response(slack.fake, "r1").args["blocks"]
    assert buttons(blocks, "cancel_reservation") == []
    assert "今後の予約はありません" in block_text(blocks)


def test_rooms_shows_capacity_equipment_and_who_is_free_now(slack: Slack) -> None:
    now = datetime.now(JST)
    add_reservation(slack.engine, "2", "U2", now - timedelta(minutes=5), now + timedelta(hours=1))
    assert_acked(slack.command("/rooms"))
    blocks = wait_for_response(slack.fake, "r1").args["blocks"]
    sections = {name: section(blocks, name) for name in ROOM_NAMES}
    assert "使用中" in sections["会議室B"]
    assert all("いま空いています" in sections[n] for n in ROOM_NAMES if n != "会議室B")
    assert "6人" in sections["会議室B"] and "Webカメラ" in sections["会議室B"]


# the booking modal


def modal_submission(
    *,
    room: str | None,
    day: str | None,
    start: str | None,
    end: str | None,
    title: str = "",
    lang: str = "ja",
) -> dict[str, Any]:
    """A view_submission payload shaped like Slack's, for the booking modal."""
    values = {
        "room": {"room": {"type": "static_select", "selected_option": None if room is None else {
            "text": {"type": "plain_text", "text": room}, "value": room}}},
        "date": {"date": {"type": "datepicker", "selected_date": day}},
        "start": {"start": {"type": "timepicker", "selected_time": start}},
        "end": {"end": {"type": "timepicker", "selected_time": end}},
        "title": {"title": {"type": "plain_text_input", "value": title or None}},
    }  # fmt: skip
    view = {
        "id": "V0MODAL", "type": "modal", "callback_id": "book_modal", "private_metadata": lang,
        "team_id": TEAM_ID, "app_id": "AFAKE", "bot_id": "BBOT", "hash": "1.fakehash",
        "state": {"values": values}, "blocks": [],
    }  # fmt: skip
    return {
        "type": "view_submission", "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": "U1", "username": "u1", "team_id": TEAM_ID}, "api_app_id": "AFAKE",
        "token": "legacy-verification-token", "trigger_id": "trigger.modal", "view": view,
        "response_urls": [],
    }  # fmt: skip


def test_modal_submission_books_confirms_by_dm_and_refreshes_home(slack: Slack) -> None:
    day = tomorrow().isoformat()
    payload = modal_submission(room="3", day=day, start="09:00", end="10:30", title="採用面接")
    assert_acked(slack.interaction(payload))
    [row] = reservations(slack.engine)
    assert (row.room_id, row.owner_id, row.title) == ("3", "slack:U1", "採用面接")
    assert (row.start_at, row.end_at) == (jst(tomorrow(), "09:00"), jst(tomorrow(), "10:30"))
    [dm] = slack.wait_for_call("chat.postMessage")
    assert dm.ok and dm.args["channel"] == "U1" and dm.args["text"].startswith("予約しました")
    [home] = slack.wait_for_call("views.publish")
    assert home.ok and home.args["user_id"] == "U1"
    assert [b["value"] for b in buttons(home.args["view"]["blocks"], "cancel_reservation")] == [
        f"{row.id}:ja"
    ]


def errors_of(reply: Reply) -> dict[str, str]:
    """The field errors of a view_submission answer."""
    assert reply.status == 200 and reply.elapsed < ACK_BUDGET_S
    body = reply.json()
    assert body["response_action"] == "errors"
    return dict(body["errors"])


INVALID = {
    "missing room": (dict(room=None, start="09:00", end="10:00"), "room", "入力してください"),
    "missing date": (
        dict(room="1", day=None, start="09:00", end="10:00"),
        "date",
        "入力してください",
    ),
    "missing end": (dict(room="1", start="09:00", end=None), "end", "入力してください"),
    "end before start": (dict(room="1", start="11:00", end="10:00"), "end", "終了時刻"),
    "unknown room": (dict(room="99", start="09:00", end="10:00"), "room", "見つかりません"),
    "in the past": (dict(room="1", day="2020-01-06", start="09:00", end="10:00"), "start", "過去"),
    "too long": (dict(room="1", start="08:00", end="13:00"), "end", "最長"),
    "too far ahead": (dict(room="1", day="2099-01-05", start="09:00", end="10:00"), "date", "日先"),
}


@pytest.mark.parametrize("case", INVALID.values(), ids=INVALID.keys())
def test_invalid_modal_shows_the_error_on_the_right_field(
    slack: Slack, case: tuple[dict[str, Any], str, str]
) -> None:
    fields, block_id, words = case
    payload = modal_submission(**({"day": tomorrow().isoformat()} | fields))
    errors = errors_of(slack.interaction(payload))
    assert set(errors) == {block_id} and words in errors[block_id]
    assert reservations(slack.engine) == []
    assert api_calls(slack.fake) == []


def test_modal_for_a_taken_slot_shows_the_error_on_the_start_field(slack: Slack) -> None:
    day = tomorrow()
    add_reservation(slack.engine, "1", "U2", jst(day, "10:00"), jst(day, "11:00"))
    payload = modal_submission(room="1", day=day.isoformat(), start="10:30", end="11:30")
    errors = errors_of(slack.interaction(payload))
    assert set(errors) == {"start"} and "すでに予約されています" in errors["start"]
    assert len(reservations(slack.engine)) == 1
    assert api_calls(slack.fake) == []


def test_modal_errors_in_english_for_an_english_modal(slack: Slack) -> None:
    payload = modal_submission(
        room="1", day=tomorrow().isoformat(), start="11:00", end="10:00", lang="en"
    )
    assert errors_of(slack.interaction(payload)) == {
        "end": "The end time must be after the start time (e.g. 14:00–15:00)."
    }


# the Cancel button


def cancel_click(reservation_id: int, user: str, response: str) -> dict[str, Any]:
    """A block_actions payload: `user` clicked Cancel on an ephemeral message."""
    return {
        "type": "block_actions", "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "AFAKE", "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000100",
                      "channel_id": "C0GENERAL", "is_ephemeral": True},
        "trigger_id": "trigger.cancel", "channel": {"id": "C0GENERAL", "name": "general"},
        "response_url": "", "actions": [{
            "type": "button", "action_id": "cancel_reservation", "block_id": "b1",
            "text": {"type": "plain_text", "text": "キャンセル"}, "style": "danger",
            "value": f"{reservation_id}:ja", "action_ts": "1700000001.000200"}],
    } | {"response_url": response}  # fmt: skip


def test_cancel_button_cancels_my_own_booking(slack: Slack) -> None:
    day = tomorrow()
    rid = add_reservation(slack.engine, "1", "U1", jst(day, "10:00"), jst(day, "11:00"))
    assert_acked(slack.interaction(cancel_click(rid, "U1", slack.fake.response_url("c1"))))
    answer = wait_for_response(slack.fake, "c1")
    assert answer.args["text"].startswith("キャンセルしました") and f"#{rid}" in answer.args["text"]
    assert answer.args["response_type"] == "ephemeral"
    [row] = reservations(slack.engine)
    assert not row.active and row.cancelled_by == "slack:U1"
    [home] = slack.wait_for_call("views.publish")
    assert home.args["user_id"] == "U1"
    assert buttons(home.args["view"]["blocks"], "cancel_reservation") == []


def test_cancel_button_on_someone_elses_booking_is_refused(slack: Slack) -> None:
    day = tomorrow()
    rid = add_reservation(slack.engine, "1", "U2", jst(day, "10:00"), jst(day, "11:00"))
    assert_acked(slack.interaction(cancel_click(rid, "U1", slack.fake.response_url("c1"))))
    answer = wait_for_response(slack.fake, "c1")
    assert "本人だけ" in answer.args["text"]
    slack.wait_for_call("views.publish")  # the listener has finished
    assert [(r.id, r.active, r.owner_id) for r in active_reservations(slack.engine)] == [
        (rid, True, "slack:U2")
    ]


def test_cancel_button_in_app_home_confirms_by_dm_and_refreshes_home(slack: Slack) -> None:
    day = tomorrow()
    rid = add_reservation(slack.engine, "1", "U1", jst(day, "10:00"), jst(day, "11:00"))
    click = cancel_click(rid, "U1", "") | {
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {"id": "V0HOME", "type": "home", "team_id": TEAM_ID, "app_id": "AFAKE"},
    }
    del click["response_url"], click["channel"]
    assert_acked(slack.interaction(click))
    [dm] = slack.wait_for_call("chat.postMessage")
    assert dm.ok and dm.args["channel"] == "U1" and dm.args["text"].startswith("キャンセルしました")
    [home] = slack.wait_for_call("views.publish")
    assert home.args["user_id"] == "U1"
    assert not reservations(slack.engine)[0].active


def test_cancel_button_twice_says_it_is_already_cancelled(slack: Slack) -> None:
    day = tomorrow()
    rid = add_reservation(slack.engine, "1", "U1", jst(day, "10:00"), jst(day, "11:00"))
    for name in ("c1", "c2"):
        assert_acked(slack.interaction(cancel_click(rid, "U1", slack.fake.response_url(name))))
        wait_for_response(slack.fake, name)
    assert "すでにキャンセルされています" in response_posts(slack.fake, "c2")[0].args["text"]
    slack.wait_for_call("views.publish", count=2)


def test_book_a_room_button_in_app_home_opens_the_modal(slack: Slack) -> None:
    click = {
        "type": "block_actions", "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": "U1", "username": "u1", "team_id": TEAM_ID}, "api_app_id": "AFAKE",
        "token": "legacy-verification-token", "trigger_id": "trigger.home",
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {"id": "V0HOME", "type": "home", "team_id": TEAM_ID, "app_id": "AFAKE"},
        "actions": [{"type": "button", "action_id": "open_book_modal", "block_id": "b0",
                     "text": {"type": "plain_text", "text": "会議室を予約"},
                     "action_ts": "1700000001.000300"}],
    }  # fmt: skip
    assert_acked(slack.interaction(click))
    [opened] = slack.wait_for_call("views.open")
    assert opened.ok and opened.args["trigger_id"] == "trigger.home"
    assert opened.args["view"]["callback_id"] == "book_modal"
