"""Slack redelivers an event up to 3 times: answer each event id once across workers and nodes.

The first delivery that arrives claims the id, so a retry whose original never arrived is
still handled; a retry of a delivery already claimed is acknowledged and dropped. Claims go to
Redis (SET NX) and to the database (a row per id, insert-or-nothing), which every worker and
node share: while Redis is down the database alone decides, and since every first claim is
also written there, a retry is dropped across an outage's start or end too. Only with both
unreachable does a per-process memory decide. The database gets a short deadline, so a hanging
one never holds up the answer for long (the web app claims after Slack's acknowledgement).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import SQLAlchemyError

from storage.breaker import Breaker
from storage.redis_client import redis_errors

if TYPE_CHECKING:  # loaded by whoever made the client (REDIS_URL set), not here
    import redis

log = logging.getLogger(__name__)
KEY_PREFIX = "slack_event:"
TTL_S = 3600
LOCAL_CAPACITY = 50_000
DATABASE_DEADLINE_S = 1.0


class Claims(Protocol):
    """A shared store of claimed ids (storage.event_claims.DatabaseClaims)."""

    def claim(self, event_id: str) -> bool:
        """Claim the id; True for the first claim only."""
        ...


class LocalClaims:
    """Claims remembered by this process only (the last resort)."""

    def __init__(self, ttl: int = TTL_S, capacity: int = LOCAL_CAPACITY):
        self.ttl, self.capacity = ttl, capacity
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, event_id: str) -> bool:
        """Claim the id; True for the first claim only (within this process)."""
        now = time.monotonic()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now:
                self._seen.popitem(last=False)
            if event_id in self._seen:
                return False
            self._seen[event_id] = now + self.ttl
            if len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return True


class EventDeduper:
    """Answers 'is this the first time this event id is seen?' exactly once per id."""

    def __init__(
        self,
        client: redis.Redis | None,
        claims: Claims | None = None,
        ttl: int = TTL_S,
        database_deadline: float = DATABASE_DEADLINE_S,
        prefix: str = KEY_PREFIX,  # Teams activities: "teams_activity:"
    ):
        self.client, self.claims, self.ttl, self.prefix = client, claims, ttl, prefix
        self.database_deadline = database_deadline
        self.breaker = Breaker()  # a hanging Redis is skipped for a while, not waited on per event
        self.database_breaker = Breaker()
        self.local = LocalClaims(ttl)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dedupe")

    def first_time(self, event_id: str) -> bool:
        """Claim the id; True for the first claim only."""
        key = self.prefix + event_id  # one namespace per kind of delivery, in every store
        in_redis = self._claim_in_redis(key)
        if in_redis is False:
            return False
        in_database = self._claim_in_database(key)
        if in_database is not None:
            return in_database
        return in_redis if in_redis is not None else self.local.claim(key)

    def _claim_in_redis(self, event_id: str) -> bool | None:
        """SET NX in Redis; None when Redis is absent or failing."""
        if self.client is None or self.breaker.open:
            return None
        try:
            return bool(self.client.set(event_id, "1", nx=True, ex=self.ttl))
        except redis_errors() as error:
            self.breaker.trip()
            fallback = "the database" if self.claims is not None else "this process"
            log.warning("event de-duplication falls back to %s: %s", fallback, type(error).__name__)
            return None

    def _claim_in_database(self, event_id: str) -> bool | None:
        """Insert-or-nothing in the database, within the deadline; None when it fails."""
        if self.claims is None or self.database_breaker.open:
            return None
        future = self._pool.submit(self.claims.claim, event_id)
        try:
            first = future.result(timeout=self.database_deadline)
        except FutureTimeout:
            why = f"no answer within {self.database_deadline:g} s"
        except SQLAlchemyError as error:
            why = type(error).__name__
        else:
            return first
        self.database_breaker.trip()
        log.warning("event de-duplication cannot use the database: %s", why)
        return None
