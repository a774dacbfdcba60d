"""Slack redelivers an event up to 3 times: remember event ids across workers (Redis SET NX).

The first delivery that arrives claims the id, so a retry whose original never arrived is
still handled; a retry of a delivery already claimed is acknowledged and dropped. Without
Redis (or while it is down) an in-process memory does the same for this worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

import redis

from storage.breaker import Breaker

log = logging.getLogger(__name__)
KEY_PREFIX = "slack_event:"
TTL_S = 3600
LOCAL_CAPACITY = 50_000


class EventDeduper:
    """Answers 'is this the first time this event id is seen?' exactly once per id."""

    def __init__(self, client: redis.Redis | None, ttl: int = TTL_S, prefix: str = KEY_PREFIX):
        self.client, self.ttl, self.prefix = client, ttl, prefix  # Teams: "teams_activity:"
        self.breaker = Breaker()  # a hanging Redis is skipped for a while, not waited on per event
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        """Claim the id; True for the first claim only."""
        if self.client is not None and not self.breaker.open:
            try:
                return bool(self.client.set(self.prefix + event_id, "1", nx=True, ex=self.ttl))
            except redis.RedisError as error:
                self.breaker.trip()
                log.warning(
                    "event de-duplication falls back to this process: %s", type(error).__name__
                )
        return self._first_locally(event_id)

    def _first_locally(self, event_id: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now:
                self._seen.popitem(last=False)
            if event_id in self._seen:
                return False
            self._seen[event_id] = now + self.ttl
            if len(self._seen) > LOCAL_CAPACITY:
                self._seen.popitem(last=False)
            return True
