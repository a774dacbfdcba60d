"""The calendar-feed link on a personal 'mybookings' card: shown, renewed or turned off there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from booking.errors import BookingError
from bot.conversation.desk import Desk
from bot.conversation.i18n import t
from bot.teams.cards import Card, Element, Outcome, button, my_bookings_card, text_block

ROTATE, REVOKE = "calendar_rotate", "calendar_revoke"
VIEW = "mine_cal"  # the view of a personal mybookings card that carries the link


def teams_text(text: str) -> str:
    """Slack's *bold* as Teams' **bold** (a single star is italic there)."""
    return text.replace("*", "**")


def section(url: str | None, owner: str, lang: str) -> list[Element]:
    """The link (or that it is off) and its buttons; only the owner's presses count."""
    data = {"owner": owner, "lang": lang}
    if url is None:
        turn_on = button(t("calendar_turn_on", lang), ROTATE, data, "positive")
        return [text_block(t("calendar_off", lang)), {"type": "ActionSet", "actions": [turn_on]}]
    buttons = [
        button(t("calendar_rotate", lang), ROTATE, data),
        button(t("calendar_revoke", lang), REVOKE, data, "destructive"),
    ]
    text = teams_text(t("calendar_link", lang, url=url))
    return [text_block(text, separator=True), {"type": "ActionSet", "actions": buttons}]


def with_link(desk: Desk, actor: str, lang: str, notice: str = "") -> Card:
    """The actor's personal mybookings card with their calendar link."""
    url = desk.calendar_link(actor) if desk.calendar else None
    return _card(desk, actor, lang, notice, section(url, actor, lang) if desk.calendar else [])


def _card(desk: Desk, actor: str, lang: str, notice: str, extra: list[Element]) -> Card:
    """The personal mybookings card with the given calendar section."""
    mine, rooms, tz = desk.upcoming(actor), desk.rooms(), desk.policy.tz
    return my_bookings_card(mine, rooms, tz, lang, notice, extra, VIEW)


def change(desk: Desk, actor: str, verb: str, data: Mapping[str, Any], lang: str) -> Outcome:
    """New link / Turn the link off, for the link's owner only (the card shows the new state
    without looking the link up again)."""
    if data.get("owner") != actor or desk.calendar is None:
        return Outcome(t("calendar_not_yours", lang))
    try:
        url = desk.calendar_link(actor, "rotate" if verb == ROTATE else "revoke")
    except BookingError:
        return Outcome(t("error", lang))
    notice = teams_text(
        t("calendar_rotated", lang, url=url) if url else t("calendar_revoked", lang)
    )
    return Outcome(notice, _card(desk, actor, lang, notice, section(url, actor, lang)))
