"""Pure Block Kit builders: domain values in, Slack JSON out (validated by the fake Slack)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from booking.clock import local
from booking.model import Reservation, Room
from booking.services import RoomDay
from bot.conversation.formats import describe, span
from bot.conversation.i18n import t
from bot.conversation.types import Action, Reply

Block = dict[str, Any]
MAX_MESSAGE_BLOCKS = 50
MAX_TEXT = 3000
CANCEL_ACTION = "cancel_reservation"
OPEN_MODAL_ACTION = "open_book_modal"
BOOK_MODAL = "book_modal"
CHECK_IN_ACTION = "check_in"
RELEASE_ACTION = "release_room"
BOOK_ALTERNATIVE_ACTION = "book_alternative"
CALENDAR_ROTATE_ACTION = "calendar_rotate"
CALENDAR_REVOKE_ACTION = "calendar_revoke"
MAX_ALTERNATIVES = 3


def mrkdwn(text: str) -> Block:
    """A section of mrkdwn text (cut to Slack's limit)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}}


def plain(text: str) -> dict[str, Any]:
    """A plain_text object (cut to the 75 characters buttons and options allow)."""
    return {"type": "plain_text", "text": text[:75], "emoji": True}


def cancel_button(r: Reservation, lang: str) -> Block:
    """A Cancel button (with a confirmation) for one reservation."""
    return {
        "type": "button",
        "action_id": CANCEL_ACTION,
        "text": plain(t("cancel", lang)),
        "style": "danger",
        "value": f"{r.id}:{lang}",
        "confirm": {
            "title": plain(t("cancel_confirm_title", lang)),
            "text": plain(t("cancel_confirm_text", lang)),
            "confirm": plain(t("cancel_confirm_yes", lang)),
            "deny": plain(t("cancel_confirm_no", lang)),
        },
    }


def reservation_list(
    reservations: Sequence[Reservation], rooms: dict[str, Room], tz: ZoneInfo, lang: str
) -> list[Block]:
    """One section per reservation, each with its Cancel button."""
    blocks = [
        {**mrkdwn(describe(r, rooms, tz, lang)), "accessory": cancel_button(r, lang)}
        for r in reservations[: MAX_MESSAGE_BLOCKS - 2]
    ]
    return blocks or [mrkdwn(t("none_upcoming", lang))]


def my_bookings(
    reservations: Sequence[Reservation],
    rooms: dict[str, Room],
    tz: ZoneInfo,
    lang: str,
    extra: Sequence[Block] = (),
) -> list[Block]:
    """/mybookings: a header, the list with Cancel buttons, then any extra (the calendar link)."""
    room_for = MAX_MESSAGE_BLOCKS - 1 - len(extra)
    return [
        {"type": "header", "text": plain(t("my_title", lang))},
        *reservation_list(reservations[:room_for], rooms, tz, lang),
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


def schedule(days: Sequence[RoomDay], day: date, tz: ZoneInfo, lang: str) -> list[Block]:
    """/today: a header and one section per room with its bookings and free gaps."""
    blocks: list[Block] = [
        {"type": "header", "text": plain(t("schedule_title", lang, day=day.isoformat()))}
    ]
    shown = days[: MAX_MESSAGE_BLOCKS - 2]
    for d in shown:
        blocks.append(mrkdwn(room_day_text(d, tz, lang)))
    if len(days) > len(shown):
        n = len(days) - len(shown)
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": t("more_rooms", lang, n=n)}],
            }
        )
    return blocks


def room_day_text(d: RoomDay, tz: ZoneInfo, lang: str) -> str:
    """'*会議室A* (4人)\\n• 14:00–15:00 定例\\n空き時間: 07:00–14:00, 15:00–22:00'."""
    lines = [f"*{d.room.label(lang)}* ({t('people', lang, n=d.room.capacity)})"]
    lines += [f"• {span(r, tz)} {r.title}".rstrip() for r in d.reservations]
    if not d.reservations:
        lines.append(f"_{t('all_free', lang)}_")
    else:
        gaps = ", ".join(f"{local(g.start, tz):%H:%M}–{local(g.end, tz):%H:%M}" for g in d.free)
        lines.append(f"{t('free_label', lang)}: {gaps or '—'}")
    return "\n".join(lines)


def rooms_list(rooms: Sequence[Room], busy_now: set[str], lang: str) -> list[Block]:
    """/rooms: capacity, equipment and whether each room is free now."""
    blocks: list[Block] = [{"type": "header", "text": plain(t("rooms_title", lang))}]
    for room in rooms[: MAX_MESSAGE_BLOCKS - 1]:
        state = t("busy_now", lang) if room.id in busy_now else t("free_now", lang)
        equipment = ", ".join(room.equipment) or "—"
        floor = f" · {room.floor}" if room.floor else ""
        text = f"*{room.label(lang)}* (id {room.id}{floor}) · {t('people', lang, n=room.capacity)}\n{equipment}\n{state}"
        blocks.append(mrkdwn(text))
    return blocks


def confirmation(
    text: str, created: Sequence[Reservation], rooms: dict[str, Room], tz: ZoneInfo, lang: str
) -> list[Block]:
    """A reply, followed by a Cancel button for every reservation it made."""
    blocks = [mrkdwn(text or "…")]
    for r in created[: MAX_MESSAGE_BLOCKS - 1]:
        blocks.append({**mrkdwn(describe(r, rooms, tz, lang)), "accessory": cancel_button(r, lang)})
    return blocks


def reply_blocks(reply: Reply, tz: ZoneInfo) -> list[Block]:
    """The core's reply: its text, a Cancel per booking, and a button per alternative slot."""
    blocks = confirmation(reply.text, reply.reservations, dict(reply.rooms), tz, reply.lang)
    offers = [a for a in reply.actions if a.kind == "book"][:MAX_ALTERNATIVES]
    if offers:
        blocks.append(
            {"type": "actions", "elements": [alternative_button(a, reply, tz) for a in offers]}
        )
    return blocks[:MAX_MESSAGE_BLOCKS]


def alternative_button(action: Action, reply: Reply, tz: ZoneInfo) -> Block:
    """'Book 会議室B 14:00–15:00': books that free slot for whoever presses it."""
    room = reply.rooms.get(action.room_id)
    name = room.label(reply.lang) if room else action.room_id
    start, end = (local(datetime.fromisoformat(x), tz) for x in (action.start, action.end))
    label = t("book_this", reply.lang, what=f"{name} {start:%H:%M}–{end:%H:%M}")
    value = f"{action.room_id}|{action.start}|{action.end}|{reply.lang}"
    return {
        "type": "button",
        "action_id": BOOK_ALTERNATIVE_ACTION,
        "text": plain(label),
        "value": value,
    }


def reminder_blocks(r: Reservation, rooms: dict[str, Room], tz: ZoneInfo, lang: str) -> list[Block]:
    """The reminder: what and when, with Check in and Release buttons for the booker."""
    value = f"{r.id}:{lang}"
    buttons = [
        {"type": "button", "action_id": CHECK_IN_ACTION, "text": plain(t("check_in", lang)),
         "style": "primary", "value": value},
        {"type": "button", "action_id": RELEASE_ACTION, "text": plain(t("release", lang)),
         "style": "danger", "value": value},
    ]  # fmt: skip
    return [mrkdwn(t("reminder", lang, what=describe(r, rooms, tz, lang))),
            {"type": "actions", "elements": buttons}]  # fmt: skip


def book_button(lang: str) -> Block:
    """An actions block with the 'Book a room' button."""
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": OPEN_MODAL_ACTION,
                "text": plain(t("book_button", lang)),
                "style": "primary",
            }
        ],
    }


def home(
    upcoming: Sequence[Reservation],
    days: Sequence[RoomDay],
    rooms: dict[str, Room],
    today: date,
    tz: ZoneInfo,
    lang: str,
    extra: Sequence[Block] = (),
) -> dict[str, Any]:
    """The App Home tab: book button, my reservations (with Cancel), any extra, today's schedule."""
    blocks: list[Block] = [
        book_button(lang),
        *extra,
        {"type": "header", "text": plain(t("my_title", lang))},
    ]
    blocks += reservation_list(upcoming[:40], rooms, tz, lang)
    blocks += [
        {"type": "divider"},
        {"type": "header", "text": plain(t("home_today", lang) + f" ({today.isoformat()})")},
    ]
    blocks += [mrkdwn(room_day_text(d, tz, lang)) for d in days[:50]]
    return {"type": "home", "blocks": blocks[:100]}


def book_modal(
    rooms: Sequence[Room], today: date, lang: str, preset: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The booking modal: room, date, start, end, title (validated on submission)."""
    preset = preset or {}
    options = [
        {"text": plain(f"{r.label(lang)} ({t('people', lang, n=r.capacity)})"), "value": r.id}
        for r in rooms[:100]
    ]
    room_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": "room",
        "placeholder": plain(t("pick_room", lang)),
        "options": options,
    }
    chosen = [o for o in options if o["value"] == preset.get("room")]
    if chosen:
        room_select["initial_option"] = chosen[0]
    start: dict[str, Any] = {"type": "timepicker", "action_id": "start"}
    end: dict[str, Any] = {"type": "timepicker", "action_id": "end"}
    if preset.get("start"):
        start["initial_time"] = preset["start"]
    if preset.get("end"):
        end["initial_time"] = preset["end"]
    return {
        "type": "modal",
        "callback_id": BOOK_MODAL,
        "title": plain(t("modal_title", lang)),
        "submit": plain(t("modal_submit", lang)),
        "close": plain(t("modal_close", lang)),
        "private_metadata": lang,
        "blocks": [
            _input("room", t("field_room", lang), room_select),
            _input(
                "date",
                t("field_date", lang),
                {
                    "type": "datepicker",
                    "action_id": "date",
                    "initial_date": preset.get("date", today.isoformat()),
                },
            ),
            _input("start", t("field_start", lang), start),
            _input("end", t("field_end", lang), end),
            _input(
                "title",
                t("field_title", lang),
                {"type": "plain_text_input", "action_id": "title", "max_length": 200},
                optional=True,
            ),
        ],
    }


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }


def now_busy(days: Sequence[RoomDay], now: datetime) -> set[str]:
    """Ids of the rooms in use at this instant."""
    return {d.room.id for d in days for r in d.reservations if r.start <= now < r.end}
