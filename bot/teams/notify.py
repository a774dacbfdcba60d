"""Reminders, no-show notices and the rules' notices for Teams users, sent through the connector.

Approvers get a card with Approve / Reject, whose place is kept ('<conversation>|<activity id>')
so that once someone decides it is updated in place to say who; waiters get a card with Book it.
Each card is written in the recipient's Teams language when known (else DEFAULT_LANGUAGE).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, TypeVar

import aiohttp
from microsoft_agents.activity import Activity

from booking import rules
from booking.model import Reservation
from booking.rules import Notice
from bot.conversation.desk import Desk
from bot.conversation.formats import describe
from bot.conversation.i18n import t
from bot.teams import cards, notice_cards
from bot.teams.deps import References
from bot.teams.proactive import Landed, ProactiveSender, parse_ref, personal_reference
from bot.teams.turns import card_message

log = logging.getLogger(__name__)
Outcome = Literal["sent", "retry", "refused", "skipped"]
T = TypeVar("T")


def language_of(reference: dict[str, Any], default: str) -> str:
    """The language of the user's Teams client, from the stored reference's locale."""
    locale = str(reference.get("locale") or "").lower()
    return "en" if locale.startswith("en") else "ja" if locale.startswith("ja") else default


class TeamsNotifier:
    """Tells Teams users about bookings: reminders, releases, approvals and offers."""

    def __init__(self, sender: ProactiveSender, references: References, desk: Desk, lang: str):
        self.sender, self.references, self.desk, self.lang = sender, references, desk, lang

    def remind(self, r: Reservation) -> Outcome:
        """Post the reminder card: 'sent', 'retry' (temporary failure) or 'refused'."""
        rooms, tz = self.desk.rooms(), self.desk.policy.tz

        def message(lang: str) -> Activity:
            text = t("reminder", lang, what=describe(r, rooms, tz, lang))
            return card_message(text, cards.reminder_card(r, rooms, tz, lang))

        return self._post(r.owner_id, r, message)[0]

    def released(self, r: Reservation, minutes: int) -> None:
        """Tell the owner their no-show booking was released (a failure is logged)."""
        rooms, tz = self.desk.rooms(), self.desk.policy.tz

        def message(lang: str) -> Activity:
            what = describe(r, rooms, tz, lang)
            text = t("no_show", lang, minutes=minutes, what=what)
            return card_message(text, cards.notice_card(text, lang))

        self._post(r.owner_id, r, message)

    def notify(self, notice: Notice, r: Reservation) -> tuple[Outcome, str]:
        """An approval request (kept to update), its settled form, an outcome, or an offer."""
        if notice.kind == rules.DECIDED:
            return self._update(notice, r), notice.ref
        outcome, landed = self._post(notice.recipient, r, lambda lang: self.card(notice, r, lang))
        return outcome, landed.ref if landed is not None else ""

    def card(self, notice: Notice, r: Reservation, lang: str) -> Activity:
        """The message of one notice, in the recipient's language."""
        rooms, tz = self.desk.rooms(), self.desk.policy.tz
        if notice.kind == rules.REQUEST:
            who = self.desk.name_of(r.owner_id)
            card = notice_cards.approval_request_card(r, who, rooms, tz, lang)
            what = describe(r, rooms, tz, lang)
            return card_message(t("approval_request", lang, who=who, what=what), card)
        if notice.kind == rules.OFFER:
            until = datetime.fromisoformat(notice.data.get("hold_until") or r.start.isoformat())
            card = notice_cards.offer_card(r, until, rooms, tz, lang)
            return card_message(notice_cards.offer_text(r, until, rooms, tz, lang), card)
        who = self.desk.name_of(notice.decided_by) if notice.decided_by else ""
        text = (notice_cards.decided_text if notice.kind == rules.DECIDED else
                notice_cards.result_text)(r, notice.outcome_told, who, rooms, tz, lang)  # fmt: skip
        return card_message(text, cards.notice_card(text, lang))

    def _post(
        self, to: str, r: Reservation, message: Callable[[str], Activity]
    ) -> tuple[Outcome, Landed | None]:
        """Write to the person's stored conversation (a personal chat, opened if need be)."""
        found = self.references.find(to)
        if found is None:
            log.warning("no Teams conversation known for a recipient about #%s; not sent", r.id)
            return "refused", None
        personal, reference = found
        activity = message(language_of(reference, self.lang))
        outcome, landed = attempt(r, lambda: self.sender.deliver(reference, activity, not personal))
        if landed is not None and not personal:
            self.references.remember(
                to, landed.conversation, True, personal_reference(reference, landed.conversation)
            )
        return outcome, landed

    def _update(self, notice: Notice, r: Reservation) -> Outcome:
        """Rewrite an approver's request in place to say who decided."""
        landed, found = parse_ref(notice.ref), self.references.find(notice.recipient)
        if landed is None or found is None:
            log.warning("approval request for #%s cannot be found to update; not sent", r.id)
            return "refused"
        reference = found[1]
        activity = self.card(notice, r, language_of(reference, self.lang))
        return attempt(r, lambda: self.sender.update(reference, landed, activity))[0]


def attempt(r: Reservation, send: Callable[[], T]) -> tuple[Outcome, T | None]:
    """Run one connector call: 'sent' with its result, 'retry' (temporary) or 'refused'."""
    try:
        return "sent", send()
    except aiohttp.ClientResponseError as error:
        if error.status == 429 or error.status >= 500:
            log.warning("Teams message for #%s not sent (%s); retried", r.id, error.status)
            return "retry", None
        log.warning("Teams message for #%s refused (%s); not retried", r.id, error.status)
        return "refused", None
    except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as error:
        log.warning("Teams message for #%s not sent (%s); retried", r.id, type(error).__name__)
        return "retry", None
