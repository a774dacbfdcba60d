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


class Deduper(Protocol):
    """The Bot Framework redelivers an activity it got no answer for: first time per id?"""

    def first_time(self, event_id: str) -> bool:
        """Claim the id; True for the first claim only."""
        ...


@dataclass(frozen=True)
class TeamsDeps:
    """The Teams surface's collaborators and settings."""

    desk: Desk
    conversation: Converse
    references: References
    deduper: Deduper
    default_language: str
    app_id: str | None  # None: anonymous development (no Azure Bot registration)
    tenant_id: str | None  # activities from other tenants are ignored
