"""Pure Block Kit builders: domain values in, Slack JSON out (validated by the fake Slack)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
    paren,
    people,
    span,
    span_text,
    status_text,
)
from bot.conversation.i18n import t
from bot.conversation.types import Action, Reply
from bot.slack.identity import owner_label
from bot.slack.kit import (
    BOOK_ALTERNATIVE_ACTION,
    CANCEL_ACTION,
    CHECK_IN_ACTION,
    JOIN_WAITLIST_ACTION,
    MAX_ALTERNATIVES,
    MAX_MESSAGE_BLOCKS,
    OPEN_MODAL_ACTION,
    RELEASE_ACTION,
    SERIES_ASK_ACTION,
    TAKE_OFFER_ACTION,
    Block,
    mrkdwn,
    plain,
)
from bot.slack.series_blocks import grouped, series_line


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


@dataclass(frozen=True)
class CheckIn:
    """When a reservation offers Check in: from `lead` before its start until its end."""

    now: datetime
    lead: timedelta = timedelta(minutes=10)

    def offered(self, r: Reservation) -> bool:
        """True while the owner may check in and has not yet."""
        return r.active and r.checked_in_at is None and r.start - self.lead <= self.now < r.end


def check_in_button(r: Reservation, lang: str) -> Block:
    """A Check in button for one reservation."""
    return {
        "type": "button",
        "action_id": CHECK_IN_ACTION,
        "text": plain(t("check_in", lang)),
        "style": "primary",
        "value": f"{r.id}:{lang}",
    }


def reservation_rows(
    reservations: Sequence[Reservation],
    rooms: Mapping[str, Room],
    tz: ZoneInfo,
    lang: str,
    check_in: CheckIn | None = None,
    room_for: int = MAX_MESSAGE_BLOCKS - 2,
    series: Mapping[int, Series] | None = None,
) -> list[Block]:
    """The same buttons wherever reservations are listed: Cancel (Book it on a slot held for
    you), and Check in when it is near; a known series as one line with its dates."""
    blocks: list[Block] = []
    for item in grouped(reservations, series or {}):
        if isinstance(item, tuple):
            rows = [series_line(*item, rooms, tz, lang)]
        else:
            button = (
                take_offer_button(item, lang) if item.status == HELD else cancel_button(item, lang)
            )
            rows = [{**mrkdwn(describe(item, rooms, tz, lang)), "accessory": button}]
            if check_in is not None and check_in.offered(item):
                rows.append({"type": "actions", "elements": [check_in_button(item, lang)]})
        if len(blocks) + len(rows) > room_for:
            break
        blocks += rows
    return blocks


def reservation_list(
    reservations: Sequence[Reservation],
    rooms: Mapping[str, Room],
    tz: ZoneInfo,
    lang: str,
    check_in: CheckIn | None = None,
    series: Mapping[int, Series] | None = None,
) -> list[Block]:
    """One section per reservation with its buttons, or a line saying there are none."""
    rows = reservation_rows(reservations, rooms, tz, lang, check_in, series=series)
    return rows or [mrkdwn(t("none_upcoming", lang))]


def take_offer_button(r: Reservation, lang: str) -> Block:
    """'Book it' on a slot held for a waiter."""
    return {"type": "button", "action_id": TAKE_OFFER_ACTION, "text": plain(t("book_it", lang)),
            "style": "primary", "value": f"{r.id}:{lang}"}  # fmt: skip


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
    """A room's day: its name and size, each booking (who, what, its status), the free times."""
    lines = [f"*{d.room.label(lang)}*{paren(people(d.room.capacity, lang), lang)}"]
    lines += [
        f"• {span(r, tz, lang)} {owner_label(r.owner_id, lang)} {r.title}".rstrip()
        + status_text(r.status, lang)
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
        text = f"*{room.label(lang)}*{paren(about, lang)}\n{equipment}\n{state}"
        blocks.append(mrkdwn(text))
    return blocks


def confirmation(
    text: str,
    created: Sequence[Reservation],
    rooms: Mapping[str, Room],
    tz: ZoneInfo,
    lang: str,
    check_in: CheckIn | None = None,
) -> list[Block]:
    """A reply, followed by the buttons of every reservation it made or listed."""
    return [mrkdwn(text or "…"), *reservation_rows(created, rooms, tz, lang, check_in)]


def reply_reservations(reply: Reply) -> list[Reservation]:
    """The reservations a reply made, then the user's own ones it listed (disjoint by design)."""
    return [*reply.reservations, *reply.listed]


def action_blocks(reply: Reply, tz: ZoneInfo, check_in: CheckIn | None = None) -> list[Block]:
    """The buttons of a reply: per reservation, then one per alternative slot offered."""
    rows = reservation_rows(
        reply_reservations(reply), reply.rooms, tz, reply.lang, check_in, MAX_MESSAGE_BLOCKS - 3
    )
    offers = [a for a in reply.actions if a.kind in ("book", "confirm")][:MAX_ALTERNATIVES]
    buttons = [alternative_button(a, reply, tz) for a in offers]
    buttons += [waitlist_button(a, reply.lang) for a in reply.actions if a.kind == "waitlist"][:1]
    if buttons:
        rows.append({"type": "actions", "elements": buttons})
    return rows


def reply_blocks(reply: Reply, tz: ZoneInfo, check_in: CheckIn | None = None) -> list[Block]:
    """The core's reply: its text, then its buttons."""
    return [mrkdwn(reply.text or "…"), *action_blocks(reply, tz, check_in)][:MAX_MESSAGE_BLOCKS]


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
        check_in_button(r, lang),
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


def now_busy(days: Sequence[RoomDay], now: datetime) -> set[str]:
    """Ids of the rooms in use at this instant."""
    return {d.room.id for d in days for r in d.reservations if r.start <= now < r.end}
