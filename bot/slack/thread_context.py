"""Bolt's assistant thread-context store, kept by the store the composition root gives us."""

from __future__ import annotations

from slack_bolt.context.assistant.thread_context import AssistantThreadContext
from slack_bolt.context.assistant.thread_context_store.store import AssistantThreadContextStore

from bot.slack.deps import ThreadContexts


class StoredThreadContexts(AssistantThreadContextStore):
    """Saves the channel an assistant thread is about where every worker can read it."""

    def __init__(self, store: ThreadContexts):
        self.store = store

    def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        """Remember a thread's context."""
        self.store.save(channel_id, thread_ts, dict(context or {}))

    def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        """A thread's context, if one was saved."""
        found = self.store.find(channel_id, thread_ts)
        return AssistantThreadContext(found) if found and found.get("channel_id") else None
