"""Block Kit of the booking rules: approval requests and decisions, offers, series questions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from booking.clock import local
from booking.identity import local_id, surface_of
from booking.model import Reservation, Room
from bot.conversation.formats import day_text, describe
from bot.conversation.i18n import t
from bot.slack.kit import (
    CANCEL_ACTION,
    SERIES_CANCEL_ACTION,
    TAKE_OFFER_ACTION,
    Block,
    mrkdwn,
    plain,
)

APPROVE_ACTION, REJECT_ACTION = "approve_reservation", "reject_reservation"
DECIDED_TEXT = {"approved": "approved_by", "rejected": "rejected_by"}
RESULT_TEXT = {"approved": "your_approved", "rejected": "your_rejected", "expired": "your_expired"}


Names = Callable[[str], str]


def who(owner: str, name: Names = local_id) -> str:
    """A person as Slack shows them: a mention for Slack users, else their name (a Teams user's
    display name when known) or id."""
    return f"<@{local_id(owner)}>" if surface_of(owner) == "slack" else name(owner)


def approval_request(
    r: Reservation, rooms: dict[str, Room], tz: ZoneInfo, lang: str, name: Names = local_id
) -> list[Block]:
    """The DM to an approver: who asks for what, with Approve and Reject."""
    what = describe(r, rooms, tz, lang)
    text = t("approval_request", lang, who=who(r.owner_id, name), what=what)
    value = f"{r.id}:{lang}"
    buttons = [
        {"type": "button", "action_id": APPROVE_ACTION, "text": plain(t("approve", lang)),
         "style": "primary", "value": value},
        {"type": "button", "action_id": REJECT_ACTION, "text": plain(t("reject", lang)),
         "style": "danger", "value": value},
    ]  # fmt: skip
    return [mrkdwn(text), {"type": "actions", "elements": buttons}]


def decided_text(
    r: Reservation, outcome: str, by: str, rooms: dict[str, Room], tz: ZoneInfo, lang: str,
    name: Names = local_id,
) -> str:  # fmt: skip
    """What an approver's request reads once settled: who approved or rejected it, or expiry."""
    what = describe(r, rooms, tz, lang)
    return t(DECIDED_TEXT.get(outcome, "expired_unanswered"), lang, who=who(by, name), what=what)


def result_text(
    r: Reservation, outcome: str, by: str, rooms: dict[str, Room], tz: ZoneInfo, lang: str,
    name: Names = local_id,
) -> str:  # fmt: skip
    """What the requester is told: approved, rejected (by whom) or expired."""
    what = describe(r, rooms, tz, lang)
    return t(RESULT_TEXT.get(outcome, "your_expired"), lang, who=who(by, name), what=what)


def offer(
    r: Reservation, until: datetime, rooms: dict[str, Room], tz: ZoneInfo, lang: str
) -> list[Block]:
    """The DM to the first waiter: the freed slot, held until when, Book it or No thanks."""
    text = t("offer", lang, what=describe(r, rooms, tz, lang), until=f"{local(until, tz):%H:%M}")
    value = f"{r.id}:{lang}"
    buttons = [
        {"type": "button", "action_id": TAKE_OFFER_ACTION, "text": plain(t("book_it", lang)),
         "style": "primary", "value": value},
        {"type": "button", "action_id": CANCEL_ACTION, "text": plain(t("decline", lang)),
         "value": value},
    ]  # fmt: skip
    return [mrkdwn(text), {"type": "actions", "elements": buttons}]


def series_question(series_id: int, day: date, lang: str) -> list[Block]:
    """Cancel on a series date: this date, this and the following ones, or all of them."""
    iso = day.isoformat()
    buttons = [
        {"type": "button", "action_id": f"{SERIES_CANCEL_ACTION}_{scope}", "style": "danger",
         "text": plain(t(f"series_{scope}", lang)),
         "value": f"{series_id}|{scope}|{iso if scope != 'all' else ''}|{lang}"}
        for scope in ("this", "following", "all")
    ]  # fmt: skip
    text = t("series_ask", lang, day=day_text(day, lang))
    return [mrkdwn(text), {"type": "actions", "elements": buttons}]
