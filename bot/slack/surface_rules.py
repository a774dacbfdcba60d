"""What the rules' Slack listeners do, behind one call each: approve, wait, take, cancel series."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from booking.clock import local
from booking.errors import AlreadyDecided, BookingError, OfferLapsed, SlotFree
from bot.conversation.desk import Desk
from bot.conversation.formats import describe, join, slot_text
from bot.conversation.i18n import t
from bot.conversation.types import Action, Reply
from bot.slack import blocks, kit, rule_blocks
from bot.slack.identity import actor
from bot.slack.surface import error_text

Blocks = list[dict[str, Any]]


def parse_value(value: str, default_lang: str, parts: int) -> tuple[list[str], str]:
    """A button value 'a|b|…|<lang>': its first `parts` fields and its language."""
    fields = [*value.split("|"), *[""] * (parts + 1)]
    lang = fields[parts] if fields[parts] in ("ja", "en") else default_lang
    return fields[:parts], lang


def decide(
    desk: Desk, user: str, reservation_id: int | None, approve: bool, lang: str
) -> tuple[str, bool]:
    """Approve or reject: the text, and whether it replaces the request (False: only tell)."""
    if reservation_id is None:
        return t("error", lang), False
    try:
        decided, decision = desk.rules.decide(actor(user), reservation_id, approve)
    except AlreadyDecided as error:
        if error.outcome in rule_blocks.DECIDED_TEXT and error.decided_by:
            r = desk.rules.reservation(reservation_id)
            rooms, tz = desk.rooms(), desk.policy.tz
            return rule_blocks.decided_text(
                r, error.outcome, error.decided_by, rooms, tz, lang, desk.name_of
            ), True
        return error_text(error, lang), True
    except BookingError as error:
        return error_text(error, lang), False
    rooms, tz = desk.rooms(), desk.policy.tz
    return rule_blocks.decided_text(
        decided, decision.outcome, decision.decided_by, rooms, tz, lang, desk.name_of
    ), True


def join_waitlist(desk: Desk, user: str, value: str, default_lang: str) -> tuple[str, Blocks]:
    """'Notify me if it frees up': '<room>|<start>|<end>|<lang>'."""
    (room, start, end), lang = parse_value(value, default_lang, 3)
    try:
        begins, ends = datetime.fromisoformat(start), datetime.fromisoformat(end)
        entry, ahead = desk.rules.join_waitlist(actor(user), room, begins, ends, "", "slack")
    except SlotFree:
        return free_now(desk, room, begins, ends, lang)
    except (BookingError, ValueError) as error:
        text = error_text(error, lang) if isinstance(error, BookingError) else t("error", lang)
        return text, [kit.mrkdwn(text)]
    what = slot_text(entry.room_id, entry.start, entry.end, desk.rooms(), desk.policy.tz, lang)
    text = t("waitlisted", lang, what=what) + (
        t("waitlisted_ahead", lang, n=ahead) if ahead else ""
    )
    return text, [kit.mrkdwn(text)]


def free_now(
    desk: Desk, room: str, start: datetime, end: datetime, lang: str
) -> tuple[str, Blocks]:
    """The slot freed before the press: say so, with a Book it button."""
    error = SlotFree(room)
    rooms = desk.rooms()
    if room in rooms:
        error = SlotFree(room, rooms[room].name, rooms[room].label("en"))
    text = error_text(error, lang)
    action = Action("confirm", room_id=room, start=start.isoformat(), end=end.isoformat())
    reply = Reply(text, "en" if lang == "en" else "ja", actions=[action], rooms=rooms)
    return text, blocks.reply_blocks(reply, desk.policy.tz)


def take_offer(desk: Desk, user: str, reservation_id: int | None, lang: str) -> tuple[str, bool]:
    """'Book it' on an offer: the text, and whether it replaces the offer."""
    if reservation_id is None:
        return t("error", lang), False
    try:
        taken = desk.rules.take_offer(actor(user), reservation_id)
    except OfferLapsed as error:
        return error_text(error, lang), True
    except BookingError as error:
        return error_text(error, lang), False
    what = describe(taken, desk.rooms(), desk.policy.tz, lang)
    return t("requested" if taken.status == "pending" else "booked", lang, what=what), True


def series_question(desk: Desk, value: str, default_lang: str) -> tuple[str, Blocks]:
    """Cancel on a series date ('<series>|<reservation>|<lang>'): ask this / following / all."""
    (series_id, reservation_id), lang = parse_value(value, default_lang, 2)
    try:
        r = desk.rules.reservation(int(reservation_id))
    except (BookingError, ValueError):
        return t("error", lang), [kit.mrkdwn(t("error", lang))]
    day = local(r.start, desk.policy.tz).date()
    rendered = rule_blocks.series_question(int(series_id), day, lang)
    return rendered[0]["text"]["text"], rendered


def cancel_series(desk: Desk, user: str, value: str, default_lang: str) -> tuple[str, str]:
    """Cancel dates of a series ('<series>|<scope>|<date>|<lang>'): the text and its language."""
    (series_id, scope, day), lang = parse_value(value, default_lang, 3)
    if not series_id.isdigit() or scope not in ("this", "following", "all"):
        return t("error", lang), lang
    try:
        chosen = date.fromisoformat(day) if day else None
        done = desk.rules.cancel_series(actor(user), int(series_id), scope, chosen)  # type: ignore[arg-type]
    except (BookingError, ValueError) as error:
        return (
            error_text(error, lang) if isinstance(error, BookingError) else t("error", lang)
        ), lang
    if not done:
        return t("series_nothing", lang), lang
    rooms, tz = desk.rooms(), desk.policy.tz
    what = join((describe(r, rooms, tz, lang) for r in done), lang)
    return t("series_cancelled", lang, n=len(done), what=what), lang
