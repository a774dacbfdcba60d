"""What the Slack surface is given by the composition root: its collaborators, bound once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from slack_sdk import WebClient

from bot.conversation.desk import Desk
from bot.conversation.history import ChatHistory
from bot.conversation.types import Converse


class Placeholders(Protocol):
    """Placeholders posted but not yet answered (so a dead worker's can be replaced)."""

    def add(self, channel: str, ts: str, lang: str, at: float) -> None:
        """Remember a placeholder until its answer is posted."""
        ...

    def done(self, channel: str, ts: str) -> None:
        """The placeholder has its answer."""
        ...


class Deduper(Protocol):
    """Slack redelivers events: answers 'is this the first time?' once per id."""

    def first_time(self, event_id: str) -> bool:
        """Claim the id; True for the first claim only."""
        ...


class Feedback(Protocol):
    """👍/👎 on answers, one per person and answer (a second press replaces the first)."""

    def record(self, session: str, turn: str, user: str, rating: int, at: datetime) -> bool:
        """Store a rating (+1 or -1) of one answer; True when it is new or changed."""
        ...


class ThreadContexts(Protocol):
    """The channel an assistant thread was opened from, per thread."""

    def save(self, channel: str, thread_ts: str, context: dict[str, str]) -> None:
        """Remember the thread's context (channel_id, team_id, enterprise_id)."""
        ...

    def find(self, channel: str, thread_ts: str) -> dict[str, str] | None:
        """The thread's context, if known."""
        ...


@dataclass(frozen=True)
class SlackDeps:
    """The Slack surface's collaborators."""

    client: WebClient
    desk: Desk
    conversation: Converse
    history: ChatHistory
    placeholders: Placeholders
    deduper: Deduper
    clock: Callable[[], datetime]
    default_language: str
    signing_secret: str | None
    bot_token: str | None
    feedback: Feedback
    thread_contexts: ThreadContexts
    check_in_lead: timedelta = timedelta(minutes=10)  # Check in shows this long before a start
