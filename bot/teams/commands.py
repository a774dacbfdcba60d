"""Bot commands mirroring the Slack slash commands: today, mybookings, rooms, book."""

from __future__ import annotations

from dataclasses import dataclass

from booking.errors import BookingError
from booking.model import PENDING
from bot.conversation.desk import Desk
from bot.conversation.formats import describe
from bot.conversation.i18n import t
from bot.teams import calendar_cards, cards

NAMES = ("today", "mybookings", "rooms", "book")


@dataclass(frozen=True)
class Command:
    """A command word and the text after it."""

    name: str
    rest: str


@dataclass(frozen=True)
class Rendered:
    """What to post: the card and a one-line summary (notifications, screen readers)."""

    summary: str
    card: cards.Card


def parse(text: str) -> Command | None:
    """The command the text starts with ('today 会議室A', '/book ...'), or None."""
    head, _, rest = text.strip().partition(" ")
    name = head.lstrip("/").lower()
    return Command(name, rest.strip()) if name in NAMES else None


def error_text(error: BookingError, lang: str) -> str:
    """A domain error in the user's language."""
    return error.message if lang == "en" else error.message_ja


def run(desk: Desk, command: Command, actor: str, lang: str, personal: bool = False) -> Rendered:
    """Run one command for the verified actor (a personal chat also shows the calendar link)."""
    if command.name == "today":
        return today(desk, command.rest, lang)
    if command.name == "mybookings":
        if personal:
            return Rendered(t("my_title", lang), calendar_cards.with_link(desk, actor, lang))
        card = cards.my_bookings_card(desk.upcoming(actor), desk.rooms(), desk.policy.tz, lang)
        return Rendered(t("my_title", lang), card)
    if command.name == "rooms":
        days = desk.schedule()
        card = cards.rooms_card([d.room for d in days], cards.now_busy(days, desk.clock()), lang)
        return Rendered(t("rooms_title", lang), card)
    return book(desk, command.rest, actor, lang)


def today(desk: Desk, room: str, lang: str) -> Rendered:
    """today [room]: the day's schedule, every room or one."""
    try:
        days = desk.schedule(room or None)
    except BookingError as error:
        return Rendered(error_text(error, lang), cards.notice_card(error_text(error, lang), lang))
    day = desk.today()
    title = t("schedule_title", lang, day=day.isoformat())
    return Rendered(title, cards.schedule_card(days, day, desk.policy.tz, lang))


def book(desk: Desk, text: str, actor: str, lang: str) -> Rendered:
    """book <room> <date> <start-end>: book directly when everything is given."""
    if not text:
        return Rendered(t("book_usage", lang), cards.notice_card(t("book_usage", lang), lang))
    try:
        made = desk.book_text(actor, text, lang, "teams")
    except BookingError as error:
        return Rendered(error_text(error, lang), cards.notice_card(error_text(error, lang), lang))
    rooms = desk.rooms()
    key = "requested" if made.status == PENDING else "booked"  # a room needing approval
    message = t(key, lang, what=describe(made, rooms, desk.policy.tz, lang))
    return Rendered(message, cards.confirmation_card(message, made, rooms, desk.policy.tz, lang))
