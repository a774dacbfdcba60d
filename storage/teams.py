"""Teams conversation references, stored when a user first talks to the bot or installs it.

Reminders need them: the Bot Framework only lets a bot write into a conversation it knows
(service URL, conversation id, tenant). Stored as the SDK's JSON, so storage knows no Teams types.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from booking.identity import surface_of
from storage.models import TeamsConversationRow
from storage.uow import reading

Clock = Callable[[], datetime]


class TeamsConversations:
    """Conversation references by owner, newest first, personal chats before channels."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock):
        self.session_factory, self.clock = session_factory, clock

    def remember(
        self, owner: str, conversation_id: str, personal: bool, reference: dict[str, Any]
    ) -> None:
        """Insert or refresh the reference of one owner's conversation."""
        for attempt in range(2):  # a concurrent first insert of the same key wins; we update
            try:
                self._upsert(owner, conversation_id, personal, reference)
                return
            except IntegrityError:
                if attempt:
                    raise

    def _upsert(
        self, owner: str, conversation_id: str, personal: bool, reference: dict[str, Any]
    ) -> None:
        with self.session_factory() as session, session.begin():
            row = session.get(TeamsConversationRow, (owner, conversation_id))
            if row is None:
                row = TeamsConversationRow(owner_id=owner, conversation_id=conversation_id)
                session.add(row)
            row.personal, row.reference, row.updated_at = personal, reference, self.clock()

    def find(self, owner: str) -> tuple[bool, dict[str, Any]] | None:
        """The owner's personal chat if known, else their latest conversation: (personal, ref)."""
        query = (
            select(TeamsConversationRow)
            .where(TeamsConversationRow.owner_id == owner)
            .order_by(TeamsConversationRow.personal.desc(), TeamsConversationRow.updated_at.desc())
            .limit(1)
        )
        with reading(self.session_factory) as session:
            row = session.scalars(query).first()
            return None if row is None else (row.personal, dict(row.reference))

    def display_name(self, owner: str) -> str | None:
        """The name Teams last sent for a Teams user (None for anyone else or unknown)."""
        if surface_of(owner) != "teams":
            return None
        found = self.find(owner)
        user = (found[1].get("user") or {}) if found is not None else {}
        name = str(user.get("name") or "").strip()
        return name[:100] or None

    def latest(self) -> dict[str, Any] | None:
        """The most recently refreshed reference of anyone (its service URL and bot account)."""
        query = (
            select(TeamsConversationRow).order_by(TeamsConversationRow.updated_at.desc()).limit(1)
        )
        with self.session_factory() as session:
            row = session.scalars(query).first()
            return None if row is None else dict(row.reference)
