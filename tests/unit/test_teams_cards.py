"""Every card the Teams surface builds passes the fake connector's checks (schema 1.5, Teams'
validator, 28 KB), even at its largest; the checks refuse what Teams refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from booking.clock import JST
from booking.model import Reservation, Room, TimeSlot
from booking.policy import Policy
from booking.services import RoomDay
from bot.conversation.types import Action, Reply
from bot.teams import calendar_cards, cards, commands, notice_cards
from tests.fakes.adaptive import activity_problem, card_problem

TZ = Policy().tz
ROOMS = {
    str(i): Room(id=str(i), name=f"会議室{i}" * 5, capacity=8, equipment=["プロジェクター", "ホワイトボード"],
                 floor="3F", name_en=f"Room {i}")
    for i in range(1, 31)
}  # fmt: skip


def reservation(i: int, title: str = "") -> Reservation:
    """A reservation of room i on the 1st of October, an hour from 09:00 + i minutes."""
    start = datetime(2025, 10, 1, 9, i % 60, tzinfo=JST)
    return Reservation(
        str(i % 30 + 1), "teams:t:u", TimeSlot(start, start + timedelta(hours=1)), title, id=i
    )


def every_card(lang: str) -> list[dict[str, Any]]:
    """The largest card of every kind the surface writes."""
    long_title = "長い件名" * 50
    many = [reservation(i, long_title) for i in range(1, 40)]
    days = [RoomDay(room, many[:8], []) for room in ROOMS.values()]
    offers = [Action("book", room_id=str(i), start=many[0].start.isoformat(), end=many[0].end.isoformat())
              for i in range(1, 6)]  # fmt: skip
    reply = Reply("予約が重なっています。" * 40, lang, many, offers, rooms=ROOMS)  # type: ignore[arg-type]
    return [
        cards.reply_card(reply, TZ),
        cards.my_bookings_card(many, ROOMS, TZ, lang, "取り消しました"),
        cards.my_bookings_card([], ROOMS, TZ, lang),
        cards.my_bookings_card(
            many,
            ROOMS,
            TZ,
            lang,
            "",
            calendar_cards.section(
                "https://rooms.example.jp/ical/users/" + "x" * 43 + ".ics", "teams:t:u", lang
            ),
            calendar_cards.VIEW,
        ),
        cards.my_bookings_card(
            [], ROOMS, TZ, lang, "", calendar_cards.section(None, "teams:t:u", lang)
        ),
        cards.schedule_card(days, date(2025, 10, 1), TZ, lang),
        cards.rooms_card(list(ROOMS.values()), {"1"}, lang),
        cards.reminder_card(many[0], ROOMS, TZ, lang),
        cards.confirmation_card("予約しました", many[0], ROOMS, TZ, lang),
        cards.notice_card("", lang),
        notice_cards.approval_request_card(many[0], "申請者" * 40, ROOMS, TZ, lang),
        notice_cards.offer_card(many[0], many[0].start, ROOMS, TZ, lang),
        notice_cards.digest_card(days, date(2025, 10, 1), TZ, lang),
    ]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_card_is_valid_for_teams_even_at_its_largest(lang: str) -> None:
    for card in every_card(lang):
        assert card_problem(card) is None, card_problem(card)
        message = {
            "type": "message",
            "attachments": [{"contentType": cards.CARD_TYPE, "content": card}],
        }
        assert activity_problem(message) is None


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ({"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlok", "text": "x"}]}, "schema"),
        ({"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock"}]}, "schema"),
        ({"type": "AdaptiveCard", "version": "1.6", "body": []}, "newer"),
        ({"type": "AdaptiveCard", "version": "1.5", "msteams": {"width": "Wide"}, "body": []}, "msteams"),
        ({"type": "AdaptiveCard", "version": "1.0",
          "body": [{"type": "ActionSet", "actions": [{"type": "Action.Execute", "title": "x"}]}]}, "version"),
        ({"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "x" * 29000}]}, "28 KB"),
    ],
)  # fmt: skip
def test_the_fake_refuses_cards_teams_refuses(card: dict[str, Any], expected: str) -> None:
    problem = card_problem(card)
    assert problem is not None and expected in problem


def test_a_message_over_28_kb_is_too_big() -> None:
    big = {"type": "message", "text": "あ" * 10000}
    assert activity_problem(big) == (413, activity_problem(big)[1])  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("today", ("today", "")), ("today 会議室A", ("today", "会議室A")), ("/mybookings", ("mybookings", "")),
     ("Book 会議室A 明日 14:00-15:00", ("book", "会議室A 明日 14:00-15:00")), ("明日の予定", None)],
)  # fmt: skip
def test_commands_are_the_first_word(text: str, expected: tuple[str, str] | None) -> None:
    found = commands.parse(text)
    assert (found.name, found.rest) == expected if found else expected is None


def test_alternative_buttons_carry_the_slot_and_read_in_jst() -> None:
    start = datetime(2025, 10, 1, 5, 0, tzinfo=UTC)  # 14:00 JST
    action = Action(
        "book", room_id="2", start=start.isoformat(), end=(start + timedelta(hours=1)).isoformat()
    )
    button = cards.alternative_button(action, ROOMS, TZ, "en")
    assert "Room 2 14:00–15:00" in button["title"]
    assert button["data"] == {"room": "2", "start": action.start, "end": action.end, "lang": "en"}


def test_rule_cards_carry_their_verbs_and_the_reservation() -> None:
    r = reservation(7)
    request = notice_cards.approval_request_card(r, "Asker", ROOMS, TZ, "en")
    actions = request["body"][-1]["actions"]
    assert [(a["verb"], a["data"]) for a in actions] == [
        ("approve", {"reservation": 7, "lang": "en"}),
        ("reject", {"reservation": 7, "lang": "en"}),
    ]
    assert "Approval needed: Asker" in request["body"][0]["text"]
    offer = notice_cards.offer_card(r, r.start, ROOMS, TZ, "ja")
    verbs = [a["verb"] for a in offer["body"][-1]["actions"]]
    assert verbs == ["take_offer", "cancel"] and "09:07まで" in offer["body"][0]["text"]


def test_a_taken_slot_offers_notify_me_on_teams_too() -> None:
    start, end = reservation(1).start.isoformat(), reservation(1).end.isoformat()
    wait = Action("waitlist", room_id="2", start=start, end=end)
    card = cards.reply_card(Reply("埋まっています", "ja", actions=[wait], rooms=ROOMS), TZ)
    (button,) = card["body"][-1]["actions"]
    assert (button["verb"], button["title"]) == ("join_waitlist", "空いたら知らせる")
    assert button["data"] == {"room": "2", "start": start, "end": end, "lang": "ja"}
