"""What the Teams surface is given by the composition root: its collaborators, bound once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.conversation.desk import Desk
from bot.conversation.types import Converse


class References(Protocol):
    """Where the bot can reach each Teams user later (stored on first contact)."""

    def remember(
        self, owner: str, conversation_id: str, personal: bool, reference: dict[str, Any]
    ) -> None:
        """Insert or refresh one owner's conversation reference."""
        ...

    def find(self, owner: str) -> tuple[bool, dict[str, Any]] | None:
        """The owner's personal chat if known, else their latest conversation."""
        ...


@dataclass(frozen=True)
class TeamsDeps:
    """The Teams surface's collaborators and settings."""

    desk: Desk
    conversation: Converse
    references: References
    default_language: str
    app_id: str | None  # None: anonymous development (no Azure Bot registration)
    tenant_id: str | None  # activities from other tenants are ignored
