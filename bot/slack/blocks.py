"""Pure Block Kit builders: domain values in, Slack JSON out (validated by the fake Slack)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from booking.clock import local
from booking.model import HELD, Reservation, Room
from booking.rules import Series
from booking.services import RoomDay
from bot.conversation.formats import (
    day_text,
    describe,
    equipment_text,
    join,
    people,
    repeat_text,
    span,
    span_text,
    status_text,
    title_text,
)
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
MAX_ALTERNATIVES = 3
JOIN_WAITLIST_ACTION = "join_waitlist"
TAKE_OFFER_ACTION = "take_offer"
SERIES_ASK_ACTION = "ask_series_cancel"  # Cancel on a series date: which dates?
SERIES_CANCEL_ACTION = "cancel_series"  # this / following / all, chosen
SERIES_PICK_ACTION = "pick_series_cancel"  # the same choice from /mybookings' series line
SHOWN_DATES = 8


def mrkdwn(text: str) -> Block:
    """A section of mrkdwn text (cut to Slack's limit)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}}


def plain(text: str) -> dict[str, Any]:
    """A plain_text object (cut to the 75 characters buttons and options allow)."""
    return {"type": "plain_text", "text": text[:75], "emoji": True}


def cancel_button(r: Reservation, lang: str) -> Block:
    """A Cancel button (with a confirmation) for one reservation; a series date asks which."""
    if r.series_id is not None:
        return {"type": "button", "action_id": SERIES_ASK_ACTION, "text": plain(t("cancel", lang)),
                "style": "danger", "value": f"{r.series_id}|{r.id}|{lang}"}  # fmt: skip
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


def take_offer_button(r: Reservation, lang: str) -> Block:
    """'Book it' on a slot held for a waiter."""
    return {"type": "button", "action_id": TAKE_OFFER_ACTION, "text": plain(t("book_it", lang)),
            "style": "primary", "value": f"{r.id}:{lang}"}  # fmt: skip


def reservation_list(
    reservations: Sequence[Reservation],
    rooms: dict[str, Room],
    tz: ZoneInfo,
    lang: str,
    series: Mapping[int, Series] | None = None,
) -> list[Block]:
    """One section per reservation with its button; a known series as one line with its dates."""
    blocks: list[Block] = []
    for item in _grouped(reservations, series or {}):
        if isinstance(item, tuple):
            blocks.append(series_line(*item, rooms, tz, lang))
            continue
        button = take_offer_button(item, lang) if item.status == HELD else cancel_button(item, lang)
        blocks.append({**mrkdwn(describe(item, rooms, tz, lang)), "accessory": button})
    return blocks[: MAX_MESSAGE_BLOCKS - 2] or [mrkdwn(t("none_upcoming", lang))]


def _grouped(
    reservations: Sequence[Reservation], series: Mapping[int, Series]
) -> list[Reservation | tuple[Series, list[Reservation]]]:
    """The reservations in order, each known series' dates gathered where its first one is."""
    items: list[Reservation | tuple[Series, list[Reservation]]] = []
    dates: dict[int, list[Reservation]] = {}
    for r in reservations:
        known = series.get(r.series_id) if r.series_id is not None else None
        if known is None:
            items.append(r)
        elif r.series_id in dates:
            dates[r.series_id].append(r)
        else:
            dates[r.series_id] = [r]  # type: ignore[index]
            items.append((known, dates[r.series_id]))  # type: ignore[index]
    return items


def series_line(
    series: Series, dates: list[Reservation], rooms: dict[str, Room], tz: ZoneInfo, lang: str
) -> Block:
    """'🔁 会議室A 毎週月曜 10:00〜11:00「定例」' and its dates, with a choice of what to cancel."""
    first = dates[0]
    room = rooms[first.room_id].label(lang) if first.room_id in rooms else first.room_id
    days = [day_text(local(r.start, tz).date(), lang) + status_text(r.status, lang) for r in dates]
    shown = ("; " if lang == "en" else "、").join(days[:SHOWN_DATES])
    shown += "…" if len(days) > SHOWN_DATES else ""
    head = f"🔁 *{room}* {repeat_text(series, tz, lang)} {span(first, tz, lang)}"
    text = f"{head}{title_text(series.title, lang)}\n{shown}"
    return {**mrkdwn(text), "accessory": series_picker(series, dates, tz, lang)}


def series_picker(series: Series, dates: list[Reservation], tz: ZoneInfo, lang: str) -> Block:
    """A select of what to cancel: one date, it and the following ones, or every date."""
    groups = []
    for r in dates[:SHOWN_DATES]:
        day = local(r.start, tz).date()
        options = [
            {"text": plain(t(f"series_{scope}", lang)),
             "value": f"{series.id}|{scope}|{day.isoformat()}|{lang}"}
            for scope in ("this", "following")
        ]  # fmt: skip
        groups.append({"label": plain(day_text(day, lang)), "options": options})
    everything = {"text": plain(t("series_all", lang)), "value": f"{series.id}|all||{lang}"}
    groups.append({"label": plain(t("series_whole", lang)), "options": [everything]})
    return {
        "type": "static_select", "action_id": SERIES_PICK_ACTION,
        "placeholder": plain(t("series_pick", lang)), "option_groups": groups,
        "confirm": {"title": plain(t("cancel_confirm_title", lang)),
                    "text": plain(t("series_confirm_text", lang)),
                    "confirm": plain(t("cancel_confirm_yes", lang)),
                    "deny": plain(t("cancel_confirm_no", lang))},
    }  # fmt: skip


def my_bookings(
    reservations: Sequence[Reservation],
    rooms: dict[str, Room],
    tz: ZoneInfo,
    lang: str,
    series: Mapping[int, Series] | None = None,
) -> list[Block]:
    """/mybookings: a header and the list with Cancel buttons (a series as one line)."""
    return [
        {"type": "header", "text": plain(t("my_title", lang))},
        *reservation_list(reservations, rooms, tz, lang, series),
    ]


def schedule(days: Sequence[RoomDay], day: date, tz: ZoneInfo, lang: str) -> list[Block]:
    """/today: a header and one section per room with its bookings and free gaps."""
    blocks: list[Block] = [
        {"type": "header", "text": plain(t("schedule_title", lang, day=day_text(day, lang)))}
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
    """A room's day: its name and size, each booking, and the free times between them."""
    lines = [f"*{d.room.label(lang)}*{_paren(people(d.room.capacity, lang), lang)}"]
    lines += [
        f"• {span(r, tz, lang)} {r.title}".rstrip() + status_text(r.status, lang)
        for r in d.reservations
    ]
    if not d.reservations:
        lines.append(f"_{t('all_free', lang)}_")
    else:
        spans = (
            span_text(local(g.start, tz).time(), local(g.end, tz).time(), lang) for g in d.free
        )
        lines.append(f"{t('free_label', lang)}: {join(spans, lang) or '—'}")
    return "\n".join(lines)


def rooms_list(rooms: Sequence[Room], busy_now: set[str], lang: str) -> list[Block]:
    """/rooms: capacity, equipment and whether each room is free now."""
    blocks: list[Block] = [{"type": "header", "text": plain(t("rooms_title", lang))}]
    for room in rooms[: MAX_MESSAGE_BLOCKS - 1]:
        state = t("busy_now", lang) if room.id in busy_now else t("free_now", lang)
        equipment = equipment_text(room.equipment, lang) or "—"
        about = join([people(room.capacity, lang), *([room.floor] if room.floor else [])], lang)
        text = f"*{room.label(lang)}*{_paren(about, lang)}\n{equipment}\n{state}"
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


def _paren(text: str, lang: str) -> str:
    """Text in brackets: full-width in Japanese （…）, ' (…)' in English."""
    return f" ({text})" if lang == "en" else f"（{text}）"


def reply_blocks(reply: Reply, tz: ZoneInfo) -> list[Block]:
    """The core's reply: its text, a Cancel per booking shown, a button per slot offered."""
    shown = [*reply.reservations, *reply.listed]
    blocks = confirmation(reply.text, shown, dict(reply.rooms), tz, reply.lang)
    offers = [a for a in reply.actions if a.kind in ("book", "confirm")][:MAX_ALTERNATIVES]
    buttons = [alternative_button(a, reply, tz) for a in offers]
    buttons += [waitlist_button(a, reply.lang) for a in reply.actions if a.kind == "waitlist"][:1]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return blocks[:MAX_MESSAGE_BLOCKS]


def waitlist_button(action: Action, lang: str) -> Block:
    """'Notify me if it frees up' for a taken slot: '<room>|<start>|<end>|<lang>'."""
    value = f"{action.room_id}|{action.start}|{action.end}|{lang}"
    return {"type": "button", "action_id": JOIN_WAITLIST_ACTION,
            "text": plain(t("notify_me", lang)), "value": value}  # fmt: skip


def alternative_button(action: Action, reply: Reply, tz: ZoneInfo) -> Block:
    """'会議室B 14:00〜15:00 を予約' (an alternative) or '予約する' (confirm what was asked)."""
    room = reply.rooms.get(action.room_id)
    name = room.label(reply.lang) if room else action.room_id
    start, end = (local(datetime.fromisoformat(x), tz) for x in (action.start, action.end))
    label = t("book_this", reply.lang, what=f"{name} {start:%H:%M}–{end:%H:%M}")
    if action.kind == "confirm":
        label = t("book_it", reply.lang)
    value = f"{action.room_id}|{action.start}|{action.end}|{reply.lang}"
    button = {
        "type": "button",
        "action_id": BOOK_ALTERNATIVE_ACTION,
        "text": plain(label),
        "value": value,
    }
    return {**button, "style": "primary"} if action.kind == "confirm" else button


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
    series: Mapping[int, Series] | None = None,
) -> dict[str, Any]:
    """The App Home tab: book button, my reservations (with Cancel), today's schedule."""
    blocks: list[Block] = [
        book_button(lang),
        {"type": "header", "text": plain(t("my_title", lang))},
    ]
    blocks += reservation_list(upcoming[:40], rooms, tz, lang, series)
    blocks += [
        {"type": "divider"},
        {"type": "header", "text": plain(t("home_today", lang, day=day_text(today, lang)))},
    ]
    blocks += [mrkdwn(room_day_text(d, tz, lang)) for d in days[:50]]
    return {"type": "home", "blocks": blocks[:100]}


def book_modal(
    rooms: Sequence[Room], today: date, lang: str, preset: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The booking modal: room, date, start, end, title (validated on submission)."""
    preset = preset or {}
    options = [
        {"text": plain(f"{r.label(lang)}{_paren(people(r.capacity, lang), lang)}"), "value": r.id}
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
