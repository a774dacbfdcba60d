"""The reminder DM (with Check in / Release buttons) and the texts around it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from booking.model import Reservation, Room
from bot.slack.blocks import describe, mrkdwn, plain

CHECK_IN_ACTION = "check_in"
RELEASE_ACTION = "release_room"

TEXTS = {
    "reminder": {"ja": "⏰ まもなく開始します: {what}", "en": "⏰ Starting soon: {what}"},
    "check_in": {"ja": "チェックイン", "en": "Check in"},
    "release": {"ja": "部屋を解放", "en": "Release the room"},
    "no_show": {
        "ja": "開始から{minutes}分たってもチェックインがなかったため、予約を解放しました: {what}",
        "en": "No check-in {minutes} minutes after the start, so the room was released: {what}",
    },
    "digest": {
        "ja": "おはようございます。今日の会議室の予約です。",
        "en": "Good morning. Today's room bookings:",
    },
}


def say(key: str, lang: str, **values: object) -> str:
    """A reminder text in the language (Japanese unless English)."""
    return TEXTS[key].get(lang, TEXTS[key]["ja"]).format(**values)


def reminder_blocks(
    r: Reservation, rooms: dict[str, Room], tz: ZoneInfo, lang: str
) -> list[dict[str, Any]]:
    """The reminder: what and when, with Check in and Release buttons for the booker."""
    value = f"{r.id}:{lang}"
    return [
        mrkdwn(say("reminder", lang, what=describe(r, rooms, tz, lang))),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": CHECK_IN_ACTION,
                    "text": plain(say("check_in", lang)),
                    "style": "primary",
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": RELEASE_ACTION,
                    "text": plain(say("release", lang)),
                    "style": "danger",
                    "value": value,
                },
            ],
        },
    ]
