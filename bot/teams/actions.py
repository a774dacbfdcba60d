"""Card buttons (Action.Execute): Cancel, Check in, Release, Book this. Owner-only where it matters.

Each returns the refreshed card on success, or a refusal (shown only to whoever pressed) and
no card, so a stranger's press never changes the card the owner sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from booking.errors import BookingError
from bot.conversation.desk import Desk
from bot.conversation.formats import describe
from bot.conversation.i18n import t
from bot.teams import cards
from bot.teams.commands import error_text


@dataclass(frozen=True)
class Outcome:
    """A refreshed card to show in place, or a refusal text for the presser alone."""

    text: str
    card: cards.Card | None = None


def language(data: Mapping[str, Any], default: str) -> str:
    """The language the card was written in."""
    lang = data.get("lang")
    return lang if lang in ("ja", "en") else default


def act(desk: Desk, actor: str, verb: str, data: Mapping[str, Any], default_lang: str) -> Outcome:
    """Carry out one button press for the verified actor."""
    lang = language(data, default_lang)
    try:
        if verb == "book":
            return book(desk, actor, data, lang)
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
    if data.get("view") == "mine":
        return Outcome(text, cards.my_bookings_card(desk.upcoming(actor), rooms, tz, lang, text))
    return Outcome(text, cards.notice_card(text, lang))


def book(desk: Desk, actor: str, data: Mapping[str, Any], lang: str) -> Outcome:
    """Book the offered free slot for whoever pressed."""
    start, end = (datetime.fromisoformat(str(data[k])) for k in ("start", "end"))
    made = desk.book(actor, str(data["room"]), start, end, "", "teams")
    rooms, tz = desk.rooms(), desk.policy.tz
    text = t("booked", lang, what=describe(made, rooms, tz, lang))
    return Outcome(text, cards.confirmation_card(text, made, rooms, tz, lang))
