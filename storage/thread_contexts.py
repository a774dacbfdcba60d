"""Which channel an assistant thread was opened from: Redis, or this process's memory.

Slack sends the context with `assistant_thread_started` and `assistant_thread_context_changed`;
the messages of the thread do not carry it, so it is kept here for the thread's life (a week),
shared by every worker. While Redis is down, contexts live in this process (a bounded memory).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from storage.breaker import Breaker
from storage.redis_client import redis_errors

if TYPE_CHECKING:  # loaded by whoever made the client (REDIS_URL set), not here
    import redis

log = logging.getLogger(__name__)
KEY_PREFIX = "assistant_thread:"
TTL_S = 7 * 86400
LOCAL_CAPACITY = 10_000
FIELDS = ("channel_id", "team_id", "enterprise_id")


def _clean(context: dict[str, str]) -> dict[str, str]:
    """Only the fields Slack documents, as strings."""
    return {k: str(context[k]) for k in FIELDS if context.get(k)}


class ThreadContextStore:
    """Saves and finds the context of assistant threads."""

    def __init__(self, client: redis.Redis | None, ttl: int = TTL_S):
        self.client, self.ttl = client, ttl
        self.breaker = Breaker()
        self._local: OrderedDict[str, dict[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def save(self, channel: str, thread_ts: str, context: dict[str, str]) -> None:
        """Remember the thread's context (the last one saved wins)."""
        key, value = f"{KEY_PREFIX}{channel}:{thread_ts}", _clean(context)
        with self._lock:
            self._local[key] = value
            self._local.move_to_end(key)
            if len(self._local) > LOCAL_CAPACITY:
                self._local.popitem(last=False)
        if self.client is not None and not self.breaker.open:
            try:
                self.client.set(key, json.dumps(value), ex=self.ttl)
            except redis_errors() as error:
                self.breaker.trip()
                log.warning(
                    "assistant thread contexts kept in this process: %s", type(error).__name__
                )

    def find(self, channel: str, thread_ts: str) -> dict[str, str] | None:
        """The thread's context, if any worker saved one."""
        key = f"{KEY_PREFIX}{channel}:{thread_ts}"
        if self.client is not None and not self.breaker.open:
            try:
                raw = self.client.get(key)
            except redis_errors() as error:
                self.breaker.trip()
                log.warning(
                    "assistant thread contexts read from this process: %s", type(error).__name__
                )
            else:
                return _decode(raw) if raw is not None else self._local.get(key)
        with self._lock:
            return self._local.get(key)


def _decode(raw: bytes | str) -> dict[str, str] | None:
    """A stored context, or None when it is unreadable."""
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return _clean(value) if isinstance(value, dict) else None
