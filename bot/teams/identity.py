"""Teams users as owners: 'teams:<tenant>:<aad object id>', never equal to a Slack identity."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from booking.identity import identity
from bot.conversation.language import detect_language
from bot.conversation.types import Lang

WORDS = re.compile(r"[A-Za-z]{2,}|[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


@dataclass(frozen=True)
class Caller:
    """Who sent an activity, as the (authenticated) Bot Framework says: tenant and Entra id."""

    tenant: str
    aad_object_id: str
    locale: str = ""

    @property
    def actor(self) -> str:
        """The namespaced owner identity."""
        return identity("teams", self.tenant, self.aad_object_id)

    def language(self, text: str, default: str) -> Lang:
        """The language of the words in the text, else the Teams client's locale, else default."""
        if WORDS.search(text or ""):
            return detect_language(text)
        hint = (self.locale or default).lower()
        return "en" if hint.startswith("en") else "ja"


def session_key(tenant: str, conversation_id: str) -> str:
    """The chat-history session of a Teams conversation (a channel's reply chain included)."""
    return f"teams:{tenant}:{conversation_id}"


def tenant_of(activity: Any) -> str:
    """The tenant of an activity: conversation.tenantId, else channelData.tenant.id."""
    conversation = getattr(activity, "conversation", None)
    tenant = getattr(conversation, "tenant_id", None) if conversation else None
    if tenant:
        return str(tenant)
    data = getattr(activity, "channel_data", None)
    found = (data.get("tenant") or {}).get("id") if isinstance(data, dict) else None
    return str(found or "")


def caller_of(activity: Any, allowed_tenant: str | None) -> Caller | None:
    """The caller of an activity, or None (no Entra id, or another tenant than ours)."""
    sender = getattr(activity, "from_property", None)
    aad = getattr(sender, "aad_object_id", None) if sender else None
    tenant = tenant_of(activity)
    if not aad or not tenant:
        return None
    if allowed_tenant and tenant.lower() != allowed_tenant.lower():
        return None
    return Caller(tenant, str(aad), str(getattr(activity, "locale", "") or ""))
