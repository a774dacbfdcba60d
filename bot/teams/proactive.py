"""Writing into a stored Teams conversation outside any turn: post, or update a card in place.

A user is reached in their personal chat with the bot when one is known; otherwise a personal
chat is created (POST /v3/conversations) from a conversation they used. A channel (the digest) is
written to as it is. Each send runs on its own event loop, never inside another one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

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

SEND_TIMEOUT_S = 20
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com"
T = TypeVar("T")


@dataclass(frozen=True)
class Landed:
    """Where a message landed: its conversation and the activity id (to update it later)."""

    conversation: str
    activity_id: str

    @property
    def ref(self) -> str:
        """'<conversation>|<activity id>', as a notice keeps it."""
        return f"{self.conversation}|{self.activity_id}"


def parse_ref(ref: str) -> Landed | None:
    """The conversation and activity of a stored '<conversation>|<activity id>' (None if not)."""
    conversation, sep, activity_id = ref.rpartition("|")
    return Landed(conversation, activity_id) if sep and conversation and activity_id else None


class ProactiveSender:
    """Posts and updates messages in stored conversations through the connector."""

    def __init__(self, connections: Connections, app_id: str | None):
        self.adapter = CloudAdapter(connection_manager=connections)
        self.adapter.on_turn_error = None  # failures reach the caller, which decides on retries
        self.app_id = app_id

    def deliver(self, reference: dict[str, Any], activity: Activity, open_chat: bool) -> Landed:
        """Post into the reference's conversation (or a personal chat opened from it)."""

        async def send(connector: ConnectorClientBase, ref: ConversationReference) -> Landed:
            target = ref.model_copy(update={"activity_id": None})
            if open_chat:
                chat = await self._open_personal(connector, ref)
                account = ConversationAccount(
                    id=chat, conversation_type="personal", tenant_id=ref.conversation.tenant_id
                )
                target = target.model_copy(update={"conversation": account})
            activity.apply_conversation_reference(target)  # from the bot, to the user
            conversation = target.conversation.id
            sent = await connector.conversations.send_to_conversation(conversation, activity)
            return Landed(conversation, str(sent.id or ""))

        return self._run(reference, send)

    def update(self, reference: dict[str, Any], landed: Landed, activity: Activity) -> None:
        """Replace a message the bot posted earlier (PUT …/activities/{id})."""

        async def put(connector: ConnectorClientBase, ref: ConversationReference) -> None:
            account = ref.conversation.model_copy(update={"id": landed.conversation})
            target = ref.model_copy(update={"activity_id": None, "conversation": account})
            activity.apply_conversation_reference(target)
            activity.id = landed.activity_id
            await connector.conversations.update_activity(
                landed.conversation, landed.activity_id, activity
            )

        self._run(reference, put)

    def _run(
        self,
        reference: dict[str, Any],
        work: Callable[[ConnectorClientBase, ConversationReference], Awaitable[T]],
    ) -> T:
        """Run `work` with a connector for the reference's service, on a fresh event loop."""

        def run() -> T:
            return asyncio.run(asyncio.wait_for(self._continue(reference, work), SEND_TIMEOUT_S))

        if not _loop_running():
            return run()
        with ThreadPoolExecutor(max_workers=1) as pool:  # never inside another event loop
            return pool.submit(run).result()

    async def _continue(
        self,
        reference: dict[str, Any],
        work: Callable[[ConnectorClientBase, ConversationReference], Awaitable[T]],
    ) -> T:
        ref = ConversationReference.model_validate(reference)
        done: list[T] = []

        async def turn(context: TurnContext) -> None:
            connector = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
            if connector is None:
                raise RuntimeError("the adapter gave no connector client")
            done.append(await work(connector, ref))

        continuation = ref.get_continuation_activity()
        if self.app_id:
            await self.adapter.continue_conversation(self.app_id, continuation, turn)
        else:  # anonymous development: the connector is called without a token
            await self.adapter.continue_conversation_with_claims(
                ClaimsIdentity(), continuation, turn, BOT_FRAMEWORK_SCOPE
            )
        return done[0]

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


def _loop_running() -> bool:
    """True when this thread already runs an event loop (asyncio.run would refuse)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
