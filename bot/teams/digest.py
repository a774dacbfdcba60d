"""The morning digest in a Teams channel: today's schedule as an Adaptive Card.

The channel is TEAMS_DIGEST_CHANNEL (its `19:…@thread.tacv2` id); the bot must be added to its
team. The service URL is TEAMS_SERVICE_URL when set, else the one Teams last sent the bot (every
stored conversation carries it), else Microsoft's public global endpoint for proactive messages.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from booking.services import RoomDay
from bot.conversation.i18n import t
from bot.teams.notice_cards import digest_card
from bot.teams.proactive import ProactiveSender
from bot.teams.turns import card_message

PUBLIC_GLOBAL_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


class LatestReference(Protocol):
    """The newest conversation reference Teams gave the bot (any user's)."""

    def latest(self) -> dict[str, Any] | None:
        """The stored reference most recently refreshed, or None before anyone wrote."""
        ...


class TeamsDigest:
    """Posts today's schedule into one Teams channel."""

    def __init__(
        self,
        sender: ProactiveSender,
        references: LatestReference,
        channel: str,
        lang: str,
        tz: ZoneInfo,
        tenant_id: str | None = None,
        service_url: str | None = None,
    ):
        self.sender, self.references, self.channel = sender, references, channel
        self.lang, self.tz, self.tenant_id, self.service_url = lang, tz, tenant_id, service_url

    def digest(self, days: list[RoomDay], today: date) -> None:
        """Post it (a refusal or failure raises, so a later poll tries again within the grace)."""
        head = t("digest", self.lang)
        card = digest_card(days, today, self.tz, self.lang)
        self.sender.deliver(self.reference(), card_message(head, card), open_chat=False)

    def reference(self) -> dict[str, Any]:
        """The channel as a conversation reference: where to post and as which bot."""
        learned = self.references.latest() or {}
        conversation = learned.get("conversation") or {}
        tenant = self.tenant_id or conversation.get("tenantId")
        service = self.service_url or learned.get("serviceUrl") or PUBLIC_GLOBAL_SERVICE_URL
        return {
            "serviceUrl": service,
            "channelId": "msteams",
            "bot": learned.get("bot") or {"id": f"28:{self.sender.app_id or 'roombot'}"},
            "conversation": {
                "id": self.channel, "conversationType": "channel", "isGroup": True,
                **({"tenantId": tenant} if tenant else {}),
            },
        }  # fmt: skip
