"""Reminders and no-show notices for Teams owners, sent proactively through the connector.

A user is reached in their personal chat with the bot when one is known; otherwise a personal
chat is created (POST /v3/conversations) from a conversation they used, and remembered.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Literal

import aiohttp
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ClaimsIdentity, Connections, TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from booking import rules
from booking.clock import local
from booking.identity import local_id
from booking.model import Reservation
from booking.rules import Notice
from bot.conversation.desk import Desk
from bot.conversation.formats import describe
from bot.conversation.i18n import t
from bot.teams import cards
from bot.teams.deps import References
from bot.teams.turns import card_message

log = logging.getLogger(__name__)
Outcome = Literal["sent", "retry", "refused", "skipped"]
SEND_TIMEOUT_S = 20
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com"


class ProactiveSender:
    """Writes into a stored conversation outside any turn (one event loop per send)."""

    def __init__(self, connections: Connections, app_id: str | None):
        self.adapter = CloudAdapter(connection_manager=connections)
        self.adapter.on_turn_error = None  # failures reach the caller, which decides on retries
        self.app_id = app_id

    def deliver(self, personal: bool, reference: dict[str, Any], activity: Activity) -> str:
        """Send; returns the conversation id it went to (raises on failure)."""

        def run() -> str:
            sending = self._deliver(personal, reference, activity)
            return asyncio.run(asyncio.wait_for(sending, SEND_TIMEOUT_S))

        if not _loop_running():
            return run()
        with ThreadPoolExecutor(max_workers=1) as pool:  # never inside another event loop
            return pool.submit(run).result()

    async def _deliver(self, personal: bool, reference: dict[str, Any], activity: Activity) -> str:
        ref = ConversationReference.model_validate(reference)
        sent: list[str] = []

        async def send(context: TurnContext) -> None:
            connector = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
            if connector is None:
                raise RuntimeError("the adapter gave no connector client")
            target = ref.model_copy(update={"activity_id": None})
            if not personal:
                chat = await self._open_personal(connector, ref)
                account = ConversationAccount(
                    id=chat, conversation_type="personal", tenant_id=ref.conversation.tenant_id
                )
                target = target.model_copy(update={"conversation": account})
            activity.apply_conversation_reference(target)  # from the bot, to the user
            await connector.conversations.send_to_conversation(target.conversation.id, activity)
            sent.append(target.conversation.id)

        continuation = ref.get_continuation_activity()
        if self.app_id:
            await self.adapter.continue_conversation(self.app_id, continuation, send)
        else:  # anonymous development: the connector is called without a token
            await self.adapter.continue_conversation_with_claims(
                ClaimsIdentity(), continuation, send, BOT_FRAMEWORK_SCOPE
            )
        return sent[0]

    async def _open_personal(
        self, connector: ConnectorClientBase, ref: ConversationReference
    ) -> str:
        """Create (or get back) the 1:1 chat between the bot and the user."""
        tenant = ref.conversation.tenant_id or ""
        user = ChannelAccount(id=ref.user.id if ref.user else "")
        params = ConversationParameters(
            is_group=False, bot=ref.agent, members=[user], tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )  # fmt: skip
        created = await connector.conversations.create_conversation(params)
        return str(created.id)


def personal_reference(reference: dict[str, Any], conversation_id: str) -> dict[str, Any]:
    """A stored reference moved to the personal chat it led to."""
    conversation = dict(reference.get("conversation") or {})
    conversation.update(id=conversation_id, conversationType="personal", isGroup=False)
    return {
        k: v for k, v in {**reference, "conversation": conversation}.items() if k != "activityId"
    }


class TeamsNotifier:
    """Tells Teams owners about their bookings: reminders and no-show releases."""

    def __init__(self, sender: ProactiveSender, references: References, desk: Desk, lang: str):
        self.sender, self.references, self.desk, self.lang = sender, references, desk, lang

    def remind(self, r: Reservation) -> Outcome:
        """Post the reminder card: 'sent', 'retry' (temporary failure) or 'refused'."""
        rooms, tz = self.desk.rooms(), self.desk.policy.tz
        text = t("reminder", self.lang, what=describe(r, rooms, tz, self.lang))
        return self._send(r, card_message(text, cards.reminder_card(r, rooms, tz, self.lang)))

    def released(self, r: Reservation, minutes: int) -> None:
        """Tell the owner their no-show booking was released (a failure is logged)."""
        what = describe(r, self.desk.rooms(), self.desk.policy.tz, self.lang)
        text = t("no_show", self.lang, minutes=minutes, what=what)
        self._send(r, card_message(text, cards.notice_card(text, self.lang)))

    def notify(self, notice: Notice, r: Reservation) -> tuple[Outcome, str]:
        """Approval requests, decisions and offers, as text (their buttons are Slack's so far)."""
        text = notice_text(notice, r, self.desk, self.lang)
        activity = card_message(text, cards.notice_card(text, self.lang))
        return self._send(r, activity, notice.recipient), ""

    def _send(self, r: Reservation, activity: Activity, recipient: str = "") -> Outcome:
        """Write to the recipient's stored conversation (the owner's by default)."""
        to = recipient or r.owner_id
        found = self.references.find(to)
        if found is None:
            log.warning("no Teams conversation known for the owner of #%s; not sent", r.id)
            return "refused"
        personal, reference = found
        try:
            conversation = self.sender.deliver(personal, reference, activity)
        except aiohttp.ClientResponseError as error:
            if error.status == 429 or error.status >= 500:
                log.warning("Teams message for #%s not sent (%s); retried", r.id, error.status)
                return "retry"
            log.warning("Teams message for #%s refused (%s); not retried", r.id, error.status)
            return "refused"
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as error:
            log.warning("Teams message for #%s not sent (%s); retried", r.id, type(error).__name__)
            return "retry"
        if not personal:
            self.references.remember(
                to, conversation, True, personal_reference(reference, conversation)
            )
        return "sent"


def notice_text(notice: Notice, r: Reservation, desk: Desk, lang: str) -> str:
    """What a notice says: who asks for what, who decided, the outcome, or the offer."""
    tz = desk.policy.tz
    what = describe(r, desk.rooms(), tz, lang)
    by = local_id(notice.decided_by) if notice.decided_by else ""
    if notice.kind == rules.REQUEST:
        return t("approval_request", lang, who=local_id(r.owner_id), what=what)
    if notice.kind == rules.OFFER:
        until = datetime.fromisoformat(notice.data.get("hold_until") or r.start.isoformat())
        return t("offer", lang, what=what, until=f"{local(until, tz):%H:%M}")
    outcome = notice.outcome_told
    keys = DECIDED if notice.kind == rules.DECIDED else RESULTS
    return t(keys.get(outcome, "your_expired"), lang, who=by, what=what)


DECIDED = {"approved": "approved_by", "rejected": "rejected_by", "expired": "expired_unanswered"}
RESULTS = {"approved": "your_approved", "rejected": "your_rejected", "expired": "your_expired"}


def _loop_running() -> bool:
    """True when this thread already runs an event loop (asyncio.run would refuse)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
