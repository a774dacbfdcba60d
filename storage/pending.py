"""Placeholders ("確認しています…") posted but not yet replaced by an answer.

If the worker answering a message dies, the placeholder would stay forever: Slack got its
acknowledgement, so it will not redeliver. Each placeholder is recorded in Redis until its
answer is posted; the scheduler replaces the ones left too long with an apology, exactly once
(the first to delete the entry sends it). Without Redis there is nothing to recover from.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from storage.breaker import Breaker
from storage.redis_client import redis_errors

if TYPE_CHECKING:  # loaded by whoever made the client (REDIS_URL set), not here
    import redis

log = logging.getLogger(__name__)
KEY = "slack_pending"


class PendingReplies:
    """The open placeholders, in one Redis hash: '<channel>|<ts>' → {lang, at}."""

    def __init__(self, client: redis.Redis | None):
        self.client = client
        self.breaker = Breaker()

    def add(self, channel: str, ts: str, lang: str, at: float) -> None:
        """Remember a placeholder until its answer is posted."""
        self._call(lambda r: r.hset(KEY, f"{channel}|{ts}", json.dumps({"lang": lang, "at": at})))

    def done(self, channel: str, ts: str) -> None:
        """The placeholder has its answer."""
        self._call(lambda r: r.hdel(KEY, f"{channel}|{ts}"))

    def take_stale(self, older_than: float, now: float) -> Iterator[tuple[str, str, str]]:
        """Claim the placeholders older than the cutoff: (channel, ts, lang), each exactly once."""
        entries = self._call(lambda r: r.hgetall(KEY)) or {}
        for field, raw in entries.items():
            try:
                info = json.loads(raw)
                stale = float(info["at"]) < now - older_than
            except (ValueError, KeyError, TypeError):
                stale, info = True, {}
            if stale and self._delete(field) == 1:
                channel, _, ts = (field.decode() if isinstance(field, bytes) else field).partition(
                    "|"
                )
                yield channel, ts, str(info.get("lang", "ja"))

    def _delete(self, field: Any) -> Any:
        """Delete one entry; 1 when this call removed it."""
        return self._call(lambda r: r.hdel(KEY, field))

    def _call(self, command: Callable[[redis.Redis], Any]) -> Any:
        """Run a Redis command unless Redis is absent or failing (logged, never raised)."""
        if self.client is None or self.breaker.open:
            return None
        try:
            result = command(self.client)
        except redis_errors() as error:
            self.breaker.trip()
            log.warning("pending replies unavailable: %s", type(error).__name__)
            return None
        self.breaker.reset()
        return result
