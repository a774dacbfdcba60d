"""The chat-history port: where a conversation's turns are remembered (storage satisfies it)."""

from __future__ import annotations

from typing import Any, Protocol

Message = dict[str, Any]


class ChatHistory(Protocol):
    """Remembers conversations between turns."""

    def load(self, session: str) -> list[Message]:
        """The messages of the remembered turns, oldest first."""
        ...

    def append(self, session: str, turn: list[Message]) -> None:
        """Remember one more turn (and refresh the session's time to live)."""
        ...
