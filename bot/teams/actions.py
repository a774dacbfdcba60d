"""Card buttons (Action.Execute): Cancel, Check in, Release, Book this, and the rules' Approve,
Reject and Book it (bot.teams.rule_actions). Owner- or approver-only where it matters.

Each returns the refreshed card on success, or a refusal (shown only to whoever pressed) and
no card, so a stranger's press never changes the card the owner sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from booking.errors import BookingError
from booking.identity import local_id
from booking.model import PENDING
from bot.conversation.desk import Desk
from bot.conversation.formats import describe
from bot.conversation.i18n import t
from bot.teams import calendar_cards, cards, notice_cards, rule_actions
from bot.teams.cards import Outcome
from bot.teams.commands import error_text


def language(data: Mapping[str, Any], default: str) -> str:
    """The language the card was written in."""
    lang = data.get("lang")
    return lang if lang in ("ja", "en") else default


def act(
    desk: Desk,
    actor: str,
    verb: str,
    data: Mapping[str, Any],
    default_lang: str,
    names: rule_actions.Names = local_id,
) -> Outcome:
    """Carry out one button press for the verified actor (`names` names people on cards)."""
    lang = language(data, default_lang)
    try:
        if verb == "book":
            return book(desk, actor, data, lang)
        if verb in (notice_cards.APPROVE, notice_cards.REJECT):
            approve = verb == notice_cards.APPROVE
            return rule_actions.decide(desk, actor, data, approve, lang, names)
        if verb == notice_cards.TAKE_OFFER:
            return rule_actions.take_offer(desk, actor, data, lang)
        if verb == "join_waitlist":
            return rule_actions.join_waitlist(desk, actor, data, lang)
        if verb in (calendar_cards.ROTATE, calendar_cards.REVOKE):
            return calendar_cards.change(desk, actor, verb, data, lang)
        return on_reservation(desk, actor, verb, data, lang)
    except BookingError as error:
        return Outcome(error_text(error, lang))
    except (
        KeyError,
        TypeError,
        ValueError,
    ):  # a card we did not write (or an old one): say so politely
        return Outcome(t("error", lang))


def on_reservation(
    desk: Desk, actor: str, verb: str, data: Mapping[str, Any], lang: str
) -> Outcome:
    """Cancel, release or check in: the desk refuses anyone but the owner or an admin."""
    reservation = int(data["reservation"])
    done = (
        desk.check_in(actor, reservation) if verb == "check_in" else desk.cancel(actor, reservation)
    )
    key = "checked_in" if verb == "check_in" else "cancelled"
    rooms, tz = desk.rooms(), desk.policy.tz
    text = t(key, lang, what=describe(done, rooms, tz, lang))
    if data.get("view") == calendar_cards.VIEW:
        return Outcome(text, calendar_cards.with_link(desk, actor, lang, text))
    if data.get("view") == "mine":
        return Outcome(text, cards.my_bookings_card(desk.upcoming(actor), rooms, tz, lang, text))
    return Outcome(text, cards.notice_card(text, lang))


def book(desk: Desk, actor: str, data: Mapping[str, Any], lang: str) -> Outcome:
    """Book the offered free slot for whoever pressed."""
    start, end = (datetime.fromisoformat(str(data[k])) for k in ("start", "end"))
    made = desk.book(actor, str(data["room"]), start, end, "", "teams")
    rooms, tz = desk.rooms(), desk.policy.tz
    key = "requested" if made.status == PENDING else "booked"  # a room needing approval
    text = t(key, lang, what=describe(made, rooms, tz, lang))
    return Outcome(text, cards.confirmation_card(text, made, rooms, tz, lang))
