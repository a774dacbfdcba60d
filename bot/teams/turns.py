"""One turn of each kind: a message (command or conversation), a card button, an install.

Sync work (the conversation core, the desk, storage) runs in a worker thread so the event loop
keeps serving other requests; typing indicators go out while the turn runs.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
)
from microsoft_agents.hosting.core import TurnContext

from bot.conversation.i18n import t
from bot.conversation.types import Inbound, Progress
from bot.teams import actions, cards, commands
from bot.teams.deps import TeamsDeps
from bot.teams.identity import Caller, caller_of, session_key, tenant_of

log = logging.getLogger(__name__)
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"


def card_message(summary: str, card: cards.Card) -> Activity:
    """A message carrying one Adaptive Card (the summary shows in notifications)."""
    attachment = Attachment(content_type=cards.CARD_TYPE, content=card)
    return Activity(type=ActivityTypes.message, summary=summary[:200], attachments=[attachment])


async def remember(deps: TeamsDeps, context: TurnContext, caller: Caller) -> None:
    """Store where this user can be reached later (reminders), once per conversation."""
    activity = context.activity
    reference = activity.get_conversation_reference().model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    personal = getattr(activity.conversation, "conversation_type", None) == "personal"
    await asyncio.to_thread(
        deps.references.remember, caller.actor, activity.conversation.id, personal, reference
    )


class Turns:
    """The handlers the agent application routes activities to."""

    def __init__(self, deps: TeamsDeps):
        self.d = deps

    def caller(self, context: TurnContext) -> Caller | None:
        """The verified caller, or None for another tenant or a sender without an Entra id."""
        found = caller_of(context.activity, self.d.tenant_id)
        if found is None:
            log.info("ignoring a Teams activity without a caller of our tenant")
        return found

    async def first_time(self, context: TurnContext) -> bool:
        """False for a redelivered activity (already answered, or being answered)."""
        activity = context.activity
        key = f"{tenant_of(activity)}:{activity.conversation.id}:{activity.id}"
        if not activity.id or await asyncio.to_thread(self.d.deduper.first_time, key):
            return True
        log.info("redelivered Teams activity dropped")
        return False

    async def message(self, context: TurnContext, _state: Any) -> None:
        """A message: a command, or a question for the conversation core."""
        caller = self.caller(context)
        if caller is None or not await self.first_time(context):
            return
        await remember(self.d, context, caller)
        text = (context.activity.text or "").strip()
        command = commands.parse(text)  # a command's language is its argument's, or the locale's
        lang = caller.language(command.rest if command else text, self.d.default_language)
        await context.send_activity(Activity(type=ActivityTypes.typing))
        if command is not None:
            personal = (
                getattr(context.activity.conversation, "conversation_type", None) == "personal"
            )
            shown = await asyncio.to_thread(
                commands.run, self.d.desk, command, caller.actor, lang, personal
            )
            await context.send_activity(card_message(shown.summary, shown.card))
            return
        await self.converse(context, caller, text or "help", lang)

    async def converse(self, context: TurnContext, caller: Caller, text: str, lang: str) -> None:
        """Ask the core; a typing indicator for every step it starts; then the reply card."""
        loop, pending = asyncio.get_running_loop(), []

        def typing(step: Progress) -> None:
            if step.phase == "started":
                typing_activity = Activity(type=ActivityTypes.typing)
                coroutine = context.send_activity(typing_activity)
                pending.append(asyncio.run_coroutine_threadsafe(coroutine, loop))

        session = session_key(caller.tenant, context.activity.conversation.id)
        inbound = Inbound("teams", caller.actor, session, text, lang)  # type: ignore[arg-type]
        reply = await asyncio.to_thread(self.d.conversation.reply, inbound, typing)
        await asyncio.gather(*(asyncio.wrap_future(f) for f in pending), return_exceptions=True)
        card = cards.reply_card(reply, self.d.desk.policy.tz)
        await context.send_activity(card_message(reply.text, card))

    async def action(
        self, context: TurnContext, _state: Any, data: Any
    ) -> AdaptiveCardInvokeResponse:
        """A card button: the refreshed card in place, or a refusal for the presser alone."""
        value = context.activity.value if isinstance(context.activity.value, dict) else {}
        verb = str((value.get("action") or {}).get("verb", ""))
        caller = self.caller(context)
        lang = actions.language(data if isinstance(data, dict) else {}, self.d.default_language)
        if caller is None or not isinstance(data, dict):
            return message_response(t("error", lang))
        await remember(self.d, context, caller)
        names = self.d.desk.name_of
        done = await asyncio.to_thread(
            actions.act, self.d.desk, caller.actor, verb, data, self.d.default_language, names
        )
        if done.card is None:
            return message_response(done.text)
        return AdaptiveCardInvokeResponse(status_code=200, type=cards.CARD_TYPE, value=done.card)

    async def installed(self, context: TurnContext, _state: Any) -> None:
        """The bot was added to a chat or team: remember the installer, and say hello."""
        caller = self.caller(context)
        if caller is None or not str(context.activity.action or "").startswith("add"):
            return
        await remember(self.d, context, caller)
        lang = caller.language("", self.d.default_language)
        await context.send_activity(
            card_message(t("welcome", lang), cards.notice_card(t("welcome", lang), lang))
        )


def message_response(text: str) -> AdaptiveCardInvokeResponse:
    """An invoke answer Teams shows to the presser only; the card stays as it was."""
    return AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE_TYPE, value=text)
