"""Pure Adaptive Card 1.5 builders: domain values in, card JSON out (validated by the fake connector).

Buttons are `Action.Execute` (Universal Actions): Teams sends an `adaptiveCard/action` invoke with
the verb and data, and the card in the invoke response replaces the card in place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from booking.clock import local
from booking.model import Reservation, Room
from booking.services import RoomDay
from bot.conversation.formats import (
    day_text,
    describe,
    equipment_text,
    join,
    paren,
    people,
    span,
    span_text,
)
from bot.conversation.i18n import t
from bot.conversation.types import Action, Reply

Card = dict[str, Any]
Element = dict[str, Any]
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_ROWS = 20  # reservations or rooms per card
MAX_CARD_BYTES = 24 * 1024  # Teams refuses messages over 28 KB; leave room for the activity
MAX_TEXT = 2000
MAX_ALTERNATIVES = 3


@dataclass(frozen=True)
class Outcome:
    """What a button press shows: a refreshed card in place, or a refusal for the presser alone."""

    text: str
    card: Card | None = None


def card(body: list[Element], lang: str) -> Card:
    """An Adaptive Card 1.5 with this body, full width in Teams, cut to fit Teams' size limit."""
    content = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": "1.5",
        "lang": lang,
        "msteams": {"width": "Full"},
        "body": body or [text_block("…")],
    }
    return fit(content, lang)


def size(content: Card) -> int:
    """The card's size as Teams counts it: UTF-8 JSON bytes."""
    return len(json.dumps(content, ensure_ascii=False).encode("utf-8"))


def fit(content: Card, lang: str) -> Card:
    """Drop rows (Containers) from the end until the card fits, saying how many were left out."""
    body, dropped = content["body"], 0
    while size(content) > MAX_CARD_BYTES:
        rows = [i for i, item in enumerate(body) if item.get("type") == "Container"]
        if not rows:
            break  # no rows left to drop: the texts are already cut to MAX_TEXT
        del body[rows[-1]]
        dropped += 1
    if dropped:
        body.append(text_block(t("more_items", lang, n=dropped), isSubtle=True))
    return content


def text_block(text: str, **style: Any) -> Element:
    """A wrapping TextBlock."""
    return {"type": "TextBlock", "text": (text or "…")[:MAX_TEXT], "wrap": True, **style}


def title_block(text: str) -> Element:
    """A card's heading."""
    return text_block(text, size="Medium", weight="Bolder")


def button(title: str, verb: str, data: Mapping[str, Any], style: str = "default") -> Element:
    """An Action.Execute button sending the verb and data back to the bot."""
    return {"type": "Action.Execute", "title": title[:60], "verb": verb, "data": dict(data),
            "style": style}  # fmt: skip


def owner_buttons(r: Reservation, lang: str, verbs: Sequence[str], view: str) -> Element:
    """The buttons on one reservation (Cancel, Check in, Release); only its owner may press."""
    labels = {"cancel": "cancel", "check_in": "check_in", "release": "release"}
    styles = {"cancel": "destructive", "release": "destructive", "check_in": "positive"}
    data = {"reservation": r.id, "lang": lang, "view": view}
    actions = [button(t(labels[v], lang), v, data, styles[v]) for v in verbs]
    return {"type": "ActionSet", "actions": actions}


def reservation_item(
    r: Reservation, rooms: Mapping[str, Room], tz: ZoneInfo, lang: str, view: str
) -> Element:
    """One reservation with its Cancel button."""
    return {
        "type": "Container",
        "separator": True,
        "items": [
            text_block(describe(r, rooms, tz, lang)),
            owner_buttons(r, lang, ["cancel"], view),
        ],
    }


def reply_card(reply: Reply, tz: ZoneInfo) -> Card:
    """The core's reply: its text, a Cancel per booking shown, a Book button per slot offered."""
    rooms = dict(reply.rooms)
    body = [text_block(reply.text)]
    shown = [*reply.reservations, *reply.listed]  # disjoint: the core leaves made ones out
    body += [reservation_item(r, rooms, tz, reply.lang, "reply") for r in shown[:MAX_ROWS]]
    offers = [a for a in reply.actions if a.kind in ("book", "confirm")][:MAX_ALTERNATIVES]
    actions = [alternative_button(a, rooms, tz, reply.lang) for a in offers]
    actions += [waitlist_button(a, reply.lang) for a in reply.actions if a.kind == "waitlist"][:1]
    if actions:
        body.append({"type": "ActionSet", "actions": actions})
    return card(body, reply.lang)


def waitlist_button(action: Action, lang: str) -> Element:
    """'Notify me if it frees up' for the taken slot: whoever presses joins its waitlist."""
    data = {"room": action.room_id, "start": action.start, "end": action.end, "lang": lang}
    return button(t("notify_me", lang), "join_waitlist", data)


def alternative_button(
    action: Action, rooms: Mapping[str, Room], tz: ZoneInfo, lang: str
) -> Element:
    """'会議室B 14:00–15:00 を予約': books that free slot for whoever presses it."""
    room = rooms.get(action.room_id)
    name = room.label(lang) if room else action.room_id
    start, end = (local(datetime.fromisoformat(x), tz) for x in (action.start, action.end))
    label = t("book_this", lang, what=f"{name} {span_text(start.time(), end.time(), lang)}")
    if action.kind == "confirm":
        label = t("book_it", lang)
    data = {"room": action.room_id, "start": action.start, "end": action.end, "lang": lang}
    return button(label, "book", data, "positive")


def confirmation_card(
    text: str, made: Reservation, rooms: Mapping[str, Room], tz: ZoneInfo, lang: str
) -> Card:
    """A new booking, with its Cancel button."""
    return card([text_block(text), reservation_item(made, rooms, tz, lang, "reply")], lang)


def notice_card(text: str, lang: str) -> Card:
    """Just a line of text (a result, a refusal, an error)."""
    return card([text_block(text)], lang)


def my_bookings_card(
    mine: Sequence[Reservation],
    rooms: Mapping[str, Room],
    tz: ZoneInfo,
    lang: str,
    notice: str = "",
    extra: Sequence[Element] = (),
    view: str = "mine",
) -> Card:
    """mybookings: the upcoming reservations, each with Cancel (refreshed after each action),
    then any extra (a personal chat's calendar link)."""
    body = [text_block(notice, weight="Bolder")] if notice else []
    body.append(title_block(t("my_title", lang)))
    body += [reservation_item(r, rooms, tz, lang, view) for r in mine[:MAX_ROWS]]
    if not mine:
        body.append(text_block(t("none_upcoming", lang)))
    if len(mine) > MAX_ROWS:
        body.append(text_block(t("more_items", lang, n=len(mine) - MAX_ROWS), isSubtle=True))
    return card([*body, *extra], lang)


def schedule_card(days: Sequence[RoomDay], day: date, tz: ZoneInfo, lang: str) -> Card:
    """today: every room (or one) with its bookings and free gaps."""
    return card(schedule_body(days, day, tz, lang), lang)


def schedule_body(days: Sequence[RoomDay], day: date, tz: ZoneInfo, lang: str) -> list[Element]:
    """A day's heading and one row per room (the schedule and the digest)."""
    body = [title_block(t("schedule_title", lang, day=day_text(day, lang)))]
    body += [room_day(d, tz, lang) for d in days[:MAX_ROWS]]
    if len(days) > MAX_ROWS:
        body.append(text_block(t("more_rooms", lang, n=len(days) - MAX_ROWS), isSubtle=True))
    return body


def room_day(d: RoomDay, tz: ZoneInfo, lang: str) -> Element:
    """One room's day: name and capacity, its bookings, its free gaps."""
    items = [text_block(f"**{d.room.label(lang)}**{paren(people(d.room.capacity, lang), lang)}")]
    items += [
        text_block(f"{span(r, tz, lang)} {r.title}".rstrip(), spacing="None")
        for r in d.reservations
    ]
    if not d.reservations:
        items.append(text_block(t("all_free", lang), spacing="None", isSubtle=True))
    else:
        gaps = join((span_text(local(g.start, tz).time(), local(g.end, tz).time(), lang) for g in d.free), lang)  # fmt: skip
        items.append(
            text_block(f"{t('free_label', lang)}: {gaps or '—'}", spacing="None", isSubtle=True)
        )
    return {"type": "Container", "separator": True, "items": items}


def rooms_card(rooms: Sequence[Room], busy_now: set[str], lang: str) -> Card:
    """rooms: capacity, equipment and whether each room is free now."""
    body = [title_block(t("rooms_title", lang))]
    for room in rooms[:MAX_ROWS]:
        state = t("busy_now", lang) if room.id in busy_now else t("free_now", lang)
        about = join([people(room.capacity, lang), *([room.floor] if room.floor else [])], lang)
        head = f"**{room.label(lang)}**{paren(about, lang)}"
        facts = f"{equipment_text(room.equipment, lang) or '—'} · {state}"
        body.append({"type": "Container", "separator": True,
                     "items": [text_block(head), text_block(facts, spacing="None")]})  # fmt: skip
    return card(body, lang)


def reminder_card(r: Reservation, rooms: Mapping[str, Room], tz: ZoneInfo, lang: str) -> Card:
    """The reminder: what and when, with Check in and Release for the booker."""
    text = t("reminder", lang, what=describe(r, rooms, tz, lang))
    return card(
        [text_block(text), owner_buttons(r, lang, ["check_in", "release"], "reminder")], lang
    )


def now_busy(days: Sequence[RoomDay], now: datetime) -> set[str]:
    """Ids of the rooms in use at this instant."""
    return {d.room.id for d in days for r in d.reservations if r.start <= now < r.end}
