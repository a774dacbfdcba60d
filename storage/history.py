"""Chat history per conversation: Redis (`chat_history:<session>`) or in-process memory.

Each list element is one whole turn — the user's message, the assistant's tool calls, the tool
results and the reply — as one JSON object. Capping the list by turns therefore never separates
a tool result from the assistant message that called it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from storage.breaker import Breaker
from storage.redis_client import redis_errors

if TYPE_CHECKING:  # loaded by whoever made the client (REDIS_URL set), not here
    import redis

log = logging.getLogger(__name__)
KEY_PREFIX = "chat_history:"
DEFAULT_MAX_TURNS = 20

Message = dict[str, Any]


def history_key(session: str) -> str:
    """The Redis key of a session, as the operations guide names it."""
    return KEY_PREFIX + session


class ChatHistory(Protocol):
    """Where conversations are remembered between turns."""

    def load(self, session: str) -> list[Message]:
        """The messages of the remembered turns, oldest first."""
        ...

    def append(self, session: str, turn: list[Message]) -> None:
        """Remember one more turn (and refresh the session's time to live)."""
        ...


def flatten(turns: list[str | bytes]) -> list[Message]:
    """Messages from stored turns; unreadable entries are dropped rather than failing a reply."""
    messages: list[Message] = []
    for raw in turns:
        try:
            turn = json.loads(raw)
        except (TypeError, ValueError):
            continue
        if isinstance(turn, dict) and isinstance(turn.get("messages"), list):
            messages.extend(m for m in turn["messages"] if isinstance(m, dict))
    return messages


def encode_turn(turn: list[Message], at: float) -> str:
    """One stored turn: its messages and when it was saved."""
    return json.dumps({"at": round(at, 3), "messages": turn}, ensure_ascii=False)


class RedisChatHistory:
    """History in a Redis list per session; push, trim and expire in one transaction."""

    def __init__(self, client: redis.Redis, ttl: int, max_turns: int = DEFAULT_MAX_TURNS):
        self.client, self.ttl, self.max_turns = client, ttl, max_turns

    def load(self, session: str) -> list[Message]:
        raw: list[bytes] = self.client.lrange(history_key(session), 0, -1)  # type: ignore[assignment]
        return flatten(list(raw))

    def append(self, session: str, turn: list[Message]) -> None:
        key = history_key(session)
        pipe = self.client.pipeline(transaction=True)
        pipe.rpush(key, encode_turn(turn, time.time()))
        pipe.ltrim(key, -self.max_turns, -1)
        pipe.expire(key, self.ttl)
        pipe.execute()


class MemoryChatHistory:
    """History in this process, with the same cap and time to live (the embedded default)."""

    def __init__(
        self,
        ttl: int,
        max_turns: int = DEFAULT_MAX_TURNS,
        max_sessions: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.ttl, self.max_turns, self.max_sessions = ttl, max_turns, max_sessions
        self.clock = clock
        self._data: OrderedDict[str, tuple[float, list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, session: str) -> list[Message]:
        with self._lock:
            expires, turns = self._data.get(session, (0.0, []))
            if expires <= self.clock():
                self._data.pop(session, None)
                return []
            return flatten(list(turns))

    def append(self, session: str, turn: list[Message]) -> None:
        with self._lock:
            expires, turns = self._data.pop(session, (0.0, []))
            if expires <= self.clock():  # expired but not yet read: start afresh, as Redis does
                turns = []
            turns = [*turns, encode_turn(turn, time.time())][-self.max_turns :]
            self._data[session] = (self.clock() + self.ttl, turns)
            while len(self._data) > self.max_sessions:
                self._data.popitem(last=False)


class ResilientHistory:
    """Wraps a history so a Redis outage costs the conversation its memory, not its reply.

    Logs one warning when the store fails and one line when it works again; after a failure it
    does not try the store again for a few seconds, so a hanging Redis slows no reply.
    """

    def __init__(self, inner: ChatHistory, breaker: Breaker | None = None):
        self.inner = inner
        self.breaker = breaker or Breaker()
        self.failing = False

    def load(self, session: str) -> list[Message]:
        if self.breaker.open:
            return []
        try:
            messages = self.inner.load(session)
        except redis_errors() as error:
            self._failed(error)
            return []
        self._recovered()
        return messages

    def append(self, session: str, turn: list[Message]) -> None:
        if self.breaker.open:
            return
        try:
            self.inner.append(session, turn)
        except redis_errors() as error:
            self._failed(error)
            return
        self._recovered()

    def _failed(self, error: Exception) -> None:
        self.breaker.trip()
        if not self.failing:
            log.warning("chat history unavailable, answering without it: %s", type(error).__name__)
        self.failing = True

    def _recovered(self) -> None:
        self.breaker.reset()
        if self.failing:
            log.info("chat history available again")
        self.failing = False
