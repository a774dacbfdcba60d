"""Adaptive Cards of the booking rules and the digest: approval requests with Approve / Reject,
their settled form, the outcome for the requester, a waitlist offer with Book it, the day's digest.

Pure builders like bot.teams.cards; people are named by the caller (`who`), so no lookups here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from booking.clock import local
from booking.model import Reservation, Room
from booking.services import RoomDay
from bot.conversation.formats import describe
from bot.conversation.i18n import t
from bot.teams.cards import Card, button, card, schedule_body, text_block, title_block

APPROVE, REJECT, TAKE_OFFER = "approve", "reject", "take_offer"  # Action.Execute verbs
DECIDED = {"approved": "approved_by", "rejected": "rejected_by"}
RESULTS = {"approved": "your_approved", "rejected": "your_rejected", "expired": "your_expired"}


def approval_request_card(
    r: Reservation, who: str, rooms: Mapping[str, Room], tz: ZoneInfo, lang: str
) -> Card:
    """To an approver: who asks for what, with Approve and Reject (approvers only)."""
    text = t("approval_request", lang, who=who, what=describe(r, rooms, tz, lang))
    data = {"reservation": r.id, "lang": lang}
    actions = [
        button(t("approve", lang), APPROVE, data, "positive"),
        button(t("reject", lang), REJECT, data, "destructive"),
    ]
    return card([text_block(text), {"type": "ActionSet", "actions": actions}], lang)


def decided_text(
    r: Reservation, outcome: str, who: str, rooms: Mapping[str, Room], tz: ZoneInfo, lang: str
) -> str:
    """An approver's request once settled: who approved or rejected it, or that it expired."""
    what = describe(r, rooms, tz, lang)
    return t(DECIDED.get(outcome, "expired_unanswered"), lang, who=who, what=what)


def result_text(
    r: Reservation, outcome: str, who: str, rooms: Mapping[str, Room], tz: ZoneInfo, lang: str
) -> str:
    """What the requester is told: approved, rejected (by whom) or expired."""
    what = describe(r, rooms, tz, lang)
    return t(RESULTS.get(outcome, "your_expired"), lang, who=who, what=what)


def offer_text(
    r: Reservation, until: datetime, rooms: Mapping[str, Room], tz: ZoneInfo, lang: str
) -> str:
    """The freed slot and until when it is held."""
    what = describe(r, rooms, tz, lang)
    return t("offer", lang, what=what, until=f"{local(until, tz):%H:%M}")


def offer_card(
    r: Reservation, until: datetime, rooms: Mapping[str, Room], tz: ZoneInfo, lang: str
) -> Card:
    """To the first waiter: the slot held for them, Book it or No thanks (theirs alone)."""
    data = {"reservation": r.id, "lang": lang}
    actions = [
        button(t("book_it", lang), TAKE_OFFER, data, "positive"),
        button(t("decline", lang), "cancel", {**data, "view": "offer"}, "destructive"),
    ]
    body = [text_block(offer_text(r, until, rooms, tz, lang))]
    return card([*body, {"type": "ActionSet", "actions": actions}], lang)


def digest_card(days: Sequence[RoomDay], today: date, tz: ZoneInfo, lang: str) -> Card:
    """The morning digest: a greeting, then every room's bookings and free time today."""
    return card([title_block(t("digest", lang)), *schedule_body(days, today, tz, lang)], lang)
