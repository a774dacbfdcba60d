"""What the Slack listeners do, behind one call each: read, act through the use cases, render."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from slack_sdk import WebClient

from booking import services
from booking.clock import at
from booking.errors import BookingError
from booking.model import Room
from bot.assistant.understand import understand
from bot.container import Container
from bot.slack import blocks
from bot.slack.texts import tr

log = logging.getLogger(__name__)
Blocks = list[dict[str, Any]]


def error_text(error: BookingError, lang: str) -> str:
    """A domain error in the user's language."""
    return error.message if lang == "en" else error.message_ja


def rooms_by_id(c: Container) -> dict[str, Room]:
    """Every room, by id."""
    with c.uow() as uow:
        return {r.id: r for r in uow.rooms.list()}


def today(c: Container) -> date:
    """Today's date in the office's zone."""
    return c.clock().astimezone(c.policy.tz).date()


def schedule_blocks(c: Container, room_text: str, lang: str) -> Blocks:
    """/today [room]: the schedule for today, all rooms or one."""
    try:
        days = services.day_schedule(
            c.uow(), c.policy, day=today(c), room=room_text.strip() or None
        )
    except BookingError as error:
        return [blocks.mrkdwn(error_text(error, lang))]
    return blocks.schedule(days, today(c), c.policy.tz, lang)


def my_bookings_blocks(c: Container, user: str, lang: str) -> Blocks:
    """/mybookings: upcoming reservations with Cancel buttons."""
    mine = services.upcoming_for_user(c.uow(), owner_id=user, now=c.clock())
    return blocks.my_bookings(mine, rooms_by_id(c), c.policy.tz, lang)


def rooms_blocks(c: Container, lang: str) -> Blocks:
    """/rooms: rooms with capacity, equipment and whether they are free now."""
    days = services.day_schedule(c.uow(), c.policy, day=today(c))
    return blocks.rooms_list([d.room for d in days], blocks.now_busy(days, c.clock()), lang)


def book_from_text(c: Container, user: str, text: str, lang: str) -> tuple[str, Blocks]:
    """/book <text>: book directly when room, date and times are all given."""
    rooms = list(rooms_by_id(c).values())
    heard = understand(text, c.clock(), rooms)
    missing = heard.missing_for_booking()
    end = heard.end_time()
    if missing or heard.day is None or heard.start is None or end is None or heard.room_id is None:
        names = ", ".join(tr("field_" + m.replace("day", "date"), lang) for m in missing) or "?"
        message = tr("book_missing", lang, what=names)
        return message, [blocks.mrkdwn(message)]
    start = at(heard.day, heard.start, c.policy.tz)
    finish = at(
        heard.day + timedelta(days=1) if end <= heard.start else heard.day, end, c.policy.tz
    )
    return create(c, user, heard.room_id, start, finish, heard.title or "", lang)


def create(
    c: Container, user: str, room: str, start: datetime, end: datetime, title: str, lang: str
) -> tuple[str, Blocks]:
    """Create a reservation and render the confirmation with its Cancel button."""
    try:
        made = services.create_reservation(
            c.uow(),
            c.policy,
            room=room,
            start=start,
            end=end,
            owner_id=user,
            now=c.clock(),
            title=title,
            source="slack",
        )
    except BookingError as error:
        message = error_text(error, lang)
        return message, [blocks.mrkdwn(message)]
    rooms = rooms_by_id(c)
    message = tr("booked", lang, what=blocks.describe(made, rooms, c.policy.tz, lang))
    return message, blocks.confirmation(message, [made], rooms, c.policy.tz, lang)


def parse_cancel_value(value: str, default_lang: str) -> tuple[int | None, str]:
    """A Cancel button's value '<id>:<lang>'."""
    raw_id, _, lang = value.partition(":")
    return (int(raw_id) if raw_id.isdigit() else None), (
        lang if lang in ("ja", "en") else default_lang
    )


def cancel(c: Container, user: str, reservation_id: int | None, lang: str) -> str:
    """The Cancel / Release button: only the owner (or an admin) may."""
    return _owner_action(c, services.cancel_reservation, "cancelled", user, reservation_id, lang)


def check_in(c: Container, user: str, reservation_id: int | None, lang: str) -> str:
    """The reminder's Check in button: only the booker (or an admin) may."""
    return _owner_action(c, services.check_in, "checked_in", user, reservation_id, lang)


def _owner_action(
    c: Container, action: Any, done_key: str, user: str, reservation_id: int | None, lang: str
) -> str:
    """Run an owner-only use case on one reservation and say what happened."""
    if reservation_id is None:
        return tr("error", lang)
    try:
        done = action(
            c.uow(),
            reservation_id=reservation_id,
            actor_id=user,
            now=c.clock(),
            admins=c.settings.admins,
        )
    except BookingError as error:
        return error_text(error, lang)
    return tr(done_key, lang, what=blocks.describe(done, rooms_by_id(c), c.policy.tz, lang))


def modal(c: Container, lang: str, preset: dict[str, Any] | None = None) -> dict[str, Any]:
    """The booking modal with today's date and the rooms."""
    return blocks.book_modal(list(rooms_by_id(c).values()), today(c), lang, preset)


def modal_values(view: dict[str, Any]) -> dict[str, str | None]:
    """The room, date, start, end and title a modal submission carries."""
    state = {
        b: next(iter(v.values()), {}) for b, v in view.get("state", {}).get("values", {}).items()
    }
    return {
        "room": (state.get("room", {}).get("selected_option") or {}).get("value"),
        "date": state.get("date", {}).get("selected_date"),
        "start": state.get("start", {}).get("selected_time"),
        "end": state.get("end", {}).get("selected_time"),
        "title": state.get("title", {}).get("value"),
    }


def submit_modal(
    c: Container, user: str, view: dict[str, Any]
) -> tuple[dict[str, str], str, Blocks]:
    """Validate and book a modal submission: field errors, or the confirmation with Cancel."""
    lang = view.get("private_metadata") or c.settings.default_language
    v = modal_values(view)
    errors = {k: tr("missing_field", lang) for k in ("room", "date", "start", "end") if not v[k]}
    if errors:
        return errors, "", []
    day = date.fromisoformat(str(v["date"]))
    start, end = (at(day, time.fromisoformat(str(v[k])), c.policy.tz) for k in ("start", "end"))
    try:
        made = services.create_reservation(
            c.uow(), c.policy, room=str(v["room"]), start=start, end=end, owner_id=user,
            now=c.clock(), title=(v["title"] or "").strip(), source="slack",
        )  # fmt: skip
    except BookingError as error:
        field = {"room-id": "room", "date": "date", "end-time": "end"}.get(
            error.field or "", "start"
        )
        return {field: error_text(error, lang)}, "", []
    rooms = rooms_by_id(c)
    text = tr("booked", lang, what=blocks.describe(made, rooms, c.policy.tz, lang))
    return {}, text, blocks.confirmation(text, [made], rooms, c.policy.tz, lang)


def publish_home(client: WebClient, c: Container, user: str) -> None:
    """Render and publish a user's App Home."""
    lang = c.settings.default_language
    mine = services.upcoming_for_user(c.uow(), owner_id=user, now=c.clock())
    days = services.day_schedule(c.uow(), c.policy, day=today(c))
    view = blocks.home(mine, days, rooms_by_id(c), today(c), c.policy.tz, lang)
    client.views_publish(user_id=user, view=view)
