"""The rules' card buttons: Approve / Reject (approvers only, the first decision wins), Notify me
on a taken slot, and Book it on a waitlist offer (its waiter only), through the booking verbs.

A decision, or a press on a request someone already settled, turns the card into who decided;
a refusal (not an approver, not yours) is shown to the presser alone and the card stays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from booking.errors import AlreadyDecided, OfferLapsed, SlotFree
from booking.model import PENDING
from bot.conversation.desk import Desk
from bot.conversation.formats import describe, slot_text
from bot.conversation.i18n import t
from bot.conversation.types import Action, Reply
from bot.teams import cards, notice_cards
from bot.teams.cards import Outcome
from bot.teams.commands import error_text

Names = Callable[[str], str]  # an identity as the card names it


def decide(
    desk: Desk, actor: str, data: Mapping[str, Any], approve: bool, lang: str, names: Names
) -> Outcome:
    """Approve or reject for a verified approver; the settled card either way."""
    reservation = int(data["reservation"])
    rooms, tz = desk.rooms(), desk.policy.tz
    try:
        decided, decision = desk.rules.decide(actor, reservation, approve)
    except AlreadyDecided as error:
        if error.outcome in notice_cards.DECIDED and error.decided_by:
            r = desk.rules.reservation(reservation)
            who = names(error.decided_by)
            text = notice_cards.decided_text(r, error.outcome, who, rooms, tz, lang)
        else:
            text = error_text(error, lang)
        return Outcome(text, cards.notice_card(text, lang))
    who = names(decision.decided_by)
    text = notice_cards.decided_text(decided, decision.outcome, who, rooms, tz, lang)
    return Outcome(text, cards.notice_card(text, lang))


def take_offer(desk: Desk, actor: str, data: Mapping[str, Any], lang: str) -> Outcome:
    """Book it: the held slot becomes the waiter's booking (pending where approval is needed)."""
    try:
        taken = desk.rules.take_offer(actor, int(data["reservation"]))
    except OfferLapsed as error:
        text = error_text(error, lang)
        return Outcome(text, cards.notice_card(text, lang))
    rooms, tz = desk.rooms(), desk.policy.tz
    key = "requested" if taken.status == PENDING else "booked"
    text = t(key, lang, what=describe(taken, rooms, tz, lang))
    return Outcome(text, cards.confirmation_card(text, taken, rooms, tz, lang))


def join_waitlist(desk: Desk, actor: str, data: Mapping[str, Any], lang: str) -> Outcome:
    """Notify me: wait for the taken slot (told to the presser; the reply card stays)."""
    room = str(data["room"])
    start, end = (datetime.fromisoformat(str(data[k])) for k in ("start", "end"))
    rooms, tz = desk.rooms(), desk.policy.tz
    try:
        entry, ahead = desk.rules.join_waitlist(actor, room, start, end, "", "teams")
    except SlotFree as error:  # freed before the press: offer to book it right away
        action = Action("confirm", room_id=room, start=start.isoformat(), end=end.isoformat())
        text = error_text(error, lang)
        reply = Reply(text, "en" if lang == "en" else "ja", actions=[action], rooms=rooms)
        return Outcome(text, cards.reply_card(reply, tz))
    what = slot_text(entry.room_id, entry.start, entry.end, rooms, tz, lang)
    return Outcome(t("waitlisted", lang, what=what) + (
        t("waitlisted_ahead", lang, n=ahead) if ahead else ""
    ))  # fmt: skip
