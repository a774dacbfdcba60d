"""What the Slack listeners do, behind one call each: act through the desk, render Block Kit."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from slack_sdk import WebClient

from booking.clock import at
from booking.errors import BookingError, SlotTaken
from booking.model import PENDING, Reservation
from bot.conversation.desk import Desk
from bot.conversation.formats import describe
from bot.conversation.i18n import t
from bot.conversation.types import Action
from bot.slack import blocks, home_blocks, kit, modal_blocks
from bot.slack.identity import actor

log = logging.getLogger(__name__)
Blocks = list[dict[str, Any]]
MODAL_FIELDS = {"room": "room", "date": "date", "end": "end"}  # domain field → modal block
LEAD = timedelta(minutes=10)  # Check in is offered this long before a start (REMINDER_LEAD_MINUTES)


def check_in(desk: Desk, lead: timedelta = LEAD) -> blocks.CheckIn:
    """Which reservations offer Check in now."""
    return blocks.CheckIn(desk.clock(), lead)


def error_text(error: BookingError, lang: str) -> str:
    """A domain error in the user's language."""
    return error.message if lang == "en" else error.message_ja


def schedule_blocks(desk: Desk, room_text: str, lang: str) -> Blocks:
    """/today [room]: the schedule for today, all rooms or one."""
    try:
        days = desk.schedule(room_text.strip() or None)
    except BookingError as error:
        return [kit.mrkdwn(error_text(error, lang))]
    return blocks.schedule(days, desk.today(), desk.policy.tz, lang)


def my_bookings_blocks(desk: Desk, user: str, lang: str, lead: timedelta = LEAD) -> Blocks:
    """/mybookings: upcoming reservations with Cancel (and Check in when near), the calendar link."""
    mine = desk.upcoming(actor(user))
    return home_blocks.my_bookings(
        mine, desk.rooms(), desk.policy.tz, lang, check_in(desk, lead),
        calendar_blocks(desk, user, lang), desk.rules.series_of(mine),
    )  # fmt: skip


def calendar_blocks(desk: Desk, user: str, lang: str) -> Blocks:
    """The person's calendar link (nothing when feeds are not offered)."""
    if desk.calendar is None:
        return []
    return home_blocks.calendar_link(desk.calendar_link(actor(user)), lang)


def calendar_action(desk: Desk, user: str, change: str, lang: str) -> str:
    """New link or Turn off: what to tell the person."""
    url = desk.calendar_link(actor(user), change)
    if change == "revoke" or url is None:
        return t("calendar_revoked", lang)
    return t("calendar_rotated", lang, url=url)


def rooms_blocks(desk: Desk, lang: str) -> Blocks:
    """/rooms: rooms with capacity, equipment and whether they are free now."""
    days = desk.schedule()
    return blocks.rooms_list([d.room for d in days], blocks.now_busy(days, desk.clock()), lang)


def book_from_text(desk: Desk, user: str, text: str, lang: str) -> tuple[str, Blocks]:
    """/book <text>: book directly when room, date and times are all given."""
    try:
        made = desk.book_text(actor(user), text, lang, "slack")
    except BookingError as error:
        message = error_text(error, lang)
        return message, refusal(error, message, lang)
    return confirmed(desk, made, lang)


def refusal(error: BookingError, message: str, lang: str) -> Blocks:
    """A refusal in words; a taken slot also offers to wait for it."""
    if not isinstance(error, SlotTaken) or error.wanted is None:
        return [kit.mrkdwn(message)]
    start, end = (instant.isoformat() for instant in error.wanted)
    wait = blocks.waitlist_button(
        Action("waitlist", room_id=error.room_id, start=start, end=end), lang
    )
    return [kit.mrkdwn(message), {"type": "actions", "elements": [wait]}]


def book_slot(desk: Desk, user: str, value: str, default_lang: str) -> tuple[str, Blocks]:
    """A 'Book this instead' button: '<room>|<start>|<end>|<lang>'."""
    room, start, end, lang = ([*value.split("|"), "", "", "", ""])[:4]
    lang = lang if lang in ("ja", "en") else default_lang
    try:
        made = desk.book(
            actor(user),
            room,
            datetime.fromisoformat(start),
            datetime.fromisoformat(end),
            "",
            "slack",
        )
    except BookingError as error:
        message = error_text(error, lang)
        return message, refusal(error, message, lang)
    except ValueError:
        return t("error", lang), [kit.mrkdwn(t("error", lang))]
    return confirmed(desk, made, lang)


def confirmed(desk: Desk, made: Reservation, lang: str) -> tuple[str, Blocks]:
    """The confirmation of a new booking, with its Cancel button."""
    rooms = desk.rooms()
    key = "requested" if made.status == PENDING else "booked"
    message = t(key, lang, what=describe(made, rooms, desk.policy.tz, lang))
    rendered = blocks.confirmation(message, [made], rooms, desk.policy.tz, lang, check_in(desk))
    return message, rendered


def parse_cancel_value(value: str, default_lang: str) -> tuple[int | None, str]:
    """A Cancel button's value '<id>:<lang>'."""
    raw_id, _, lang = value.partition(":")
    return (int(raw_id) if raw_id.isdigit() else None), (
        lang if lang in ("ja", "en") else default_lang
    )


def owner_action(desk: Desk, verb: str, user: str, reservation_id: int | None, lang: str) -> str:
    """Cancel, release or check in one reservation: only the owner (or an admin) may."""
    if reservation_id is None:
        return t("error", lang)
    act = desk.check_in if verb == "check_in" else desk.cancel
    try:
        done = act(actor(user), reservation_id)
    except BookingError as error:
        return error_text(error, lang)
    key = "checked_in" if verb == "check_in" else "cancelled"
    return t(key, lang, what=describe(done, desk.rooms(), desk.policy.tz, lang))


def modal(desk: Desk, lang: str, preset: dict[str, Any] | None = None) -> dict[str, Any]:
    """The booking modal with today's date and the rooms."""
    return modal_blocks.book_modal(list(desk.rooms().values()), desk.today(), lang, preset)


def modal_values(view: dict[str, Any]) -> dict[str, str | None]:
    """The room, date, start, end and title a modal submission carries."""
    state: dict[str, Any] = {
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
    desk: Desk, user: str, view: dict[str, Any], default_lang: str
) -> tuple[dict[str, str], str, Blocks]:
    """Validate and book a modal submission: field errors, or the confirmation with Cancel."""
    lang = view.get("private_metadata") or default_lang
    v = modal_values(view)
    errors = {k: t("missing_field", lang) for k in ("room", "date", "start", "end") if not v[k]}
    if errors:
        return errors, "", []
    day = date.fromisoformat(str(v["date"]))
    tz = desk.policy.tz
    start, end = (at(day, time.fromisoformat(str(v[k])), tz) for k in ("start", "end"))
    try:
        made = desk.book(
            actor(user), str(v["room"]), start, end, (v["title"] or "").strip(), "slack"
        )
    except BookingError as error:
        return {MODAL_FIELDS.get(error.field or "", "start"): error_text(error, lang)}, "", []
    text, rendered = confirmed(desk, made, lang)
    return {}, text, rendered


def publish_home(
    client: WebClient, desk: Desk, user: str, lang: str, lead: timedelta = LEAD
) -> None:
    """Render and publish a user's App Home in their language."""
    mine, tz = desk.upcoming(actor(user)), desk.policy.tz
    view = home_blocks.home(mine, desk.schedule(), desk.rooms(), desk.today(), tz, lang,
                       check_in(desk, lead), calendar_blocks(desk, user, lang),
                       desk.rules.series_of(mine))  # fmt: skip
    client.views_publish(user_id=user, view=view)
