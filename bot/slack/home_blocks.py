"""/mybookings, App Home and the calendar link: the lists people open to see their bookings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from booking.model import Reservation, Room
from booking.rules import Series
from booking.services import RoomDay
from bot.conversation.formats import day_text
from bot.conversation.i18n import t
from bot.slack.blocks import CheckIn, book_button, reservation_list, room_day_text
from bot.slack.kit import (
    CALENDAR_REVOKE_ACTION,
    CALENDAR_ROTATE_ACTION,
    MAX_MESSAGE_BLOCKS,
    Block,
    mrkdwn,
    plain,
)


def my_bookings(
    reservations: Sequence[Reservation],
    rooms: Mapping[str, Room],
    tz: ZoneInfo,
    lang: str,
    check_in: CheckIn | None = None,
    extra: Sequence[Block] = (),
    series: Mapping[int, Series] | None = None,
) -> list[Block]:
    """/mybookings: a header, the list with its buttons (a series as one line), then any extra."""
    room_for = MAX_MESSAGE_BLOCKS - 1 - len(extra)
    return [
        {"type": "header", "text": plain(t("my_title", lang))},
        *reservation_list(reservations[:room_for], rooms, tz, lang, check_in, series),
        *extra,
    ]


def _confirmed_button(action_id: str, label: str, lang: str, style: str = "") -> Block:
    """A button that asks before it acts."""
    button: Block = {
        "type": "button", "action_id": action_id, "text": plain(label), "value": lang,
        "confirm": {
            "title": plain(label), "text": plain(t("calendar_rotate_confirm", lang)),
            "confirm": plain(t("confirm_yes", lang)), "deny": plain(t("cancel_confirm_no", lang)),
        },
    }  # fmt: skip
    if style:
        button["style"] = style
    return button


def calendar_link(url: str | None, lang: str) -> list[Block]:
    """The person's calendar-feed link with New link / Turn off buttons (or Turn on)."""
    if url is None:
        turn_on = {"type": "button", "action_id": CALENDAR_ROTATE_ACTION, "value": lang,
                   "text": plain(t("calendar_turn_on", lang))}  # fmt: skip
        return [mrkdwn(t("calendar_off", lang)), {"type": "actions", "elements": [turn_on]}]
    buttons = [
        _confirmed_button(CALENDAR_ROTATE_ACTION, t("calendar_rotate", lang), lang),
        _confirmed_button(CALENDAR_REVOKE_ACTION, t("calendar_revoke", lang), lang, "danger"),
    ]
    return [mrkdwn(t("calendar_link", lang, url=url)), {"type": "actions", "elements": buttons}]


def home(
    upcoming: Sequence[Reservation],
    days: Sequence[RoomDay],
    rooms: Mapping[str, Room],
    today: date,
    tz: ZoneInfo,
    lang: str,
    check_in: CheckIn | None = None,
    extra: Sequence[Block] = (),
    series: Mapping[int, Series] | None = None,
) -> dict[str, Any]:
    """The App Home tab: book button, my reservations (with Cancel), any extra, today's schedule."""
    blocks: list[Block] = [
        book_button(lang),
        *extra,
        {"type": "header", "text": plain(t("my_title", lang))},
    ]
    blocks += reservation_list(upcoming[:40], rooms, tz, lang, check_in, series)[:44]
    blocks += [
        {"type": "divider"},
        {"type": "header", "text": plain(t("home_today", lang, day=day_text(today, lang)))},
    ]
    blocks += [mrkdwn(room_day_text(d, tz, lang)) for d in days[:50]]
    return {"type": "home", "blocks": blocks[:100]}
