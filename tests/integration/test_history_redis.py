"""Chat history against a real Redis: key, TTL, cap, tool pairs, encoding, atomicity, outages.

Every test works in its own Redis database number with its own session keys, and deletes the
keys it made. The in-memory store is held to the same rules with an injected clock.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

from storage.breaker import Breaker
from storage.history import (
    ChatHistory,
    MemoryChatHistory,
    RedisChatHistory,
    ResilientHistory,
    history_key,
)

pytestmark = pytest.mark.redis

TEST_DB = 9  # apart from the application's database 0
Message = dict[str, Any]
_ids = itertools.count(1)


# ---- helpers --------------------------------------------------------------------------------


def in_db(url: str, db: int) -> str:
    """The same server URL pointed at another database number."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def closed_port() -> int:
    """A local port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def said(text: str) -> list[Message]:
    """A plain turn: the user's message and the assistant's answer."""
    return [{"role": "user", "content": text}, {"role": "assistant", "content": f"re: {text}"}]


def tool_turn(n: int, calls: int = 2) -> list[Message]:
    """A turn in which the assistant called tools: user, tool_calls, results, final answer."""
    ids = [f"call_{n}_{next(_ids)}" for _ in range(calls)]
    return [
        {"role": "user", "content": f"明日の空き部屋 {n}"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": i, "type": "function", "function": {"name": "list_rooms", "arguments": "{}"}}
                for i in ids
            ],
        },
        *({"role": "tool", "tool_call_id": i, "content": '{"ok": true}'} for i in ids),
        {"role": "assistant", "content": f"空いている部屋です {n}"},
    ]


def orphans(messages: list[Message]) -> list[Message]:
    """Tool messages whose call id no earlier assistant message made."""
    called: set[str] = set()
    found = []
    for m in messages:
        called.update(c["id"] for c in m.get("tool_calls") or [])
        if m.get("role") == "tool" and m.get("tool_call_id") not in called:
            found.append(m)
    return found


def users(messages: list[Message]) -> list[str]:
    """The user messages' texts, oldest first."""
    return [str(m["content"]) for m in messages if m["role"] == "user"]


def wait_until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll until an observable state holds (fails the test at the timeout)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail("state not reached in time")
        time.sleep(0.01)


def operator_lrange(url: str, key: str) -> list[str]:
    """LRANGE key 0 -1 as the runbook's `redis-cli` prints it (raw bytes when it is absent)."""
    cli = redis_cli()
    if cli is None:
        raw = redis.Redis.from_url(url).lrange(key, 0, -1)
        return [bytes(item).decode("utf-8") for item in raw]  # type: ignore[union-attr]
    out = subprocess.run(
        [cli, "-u", url, "--raw", "LRANGE", key, "0", "-1"],
        capture_output=True,
        check=True,
        timeout=10,
    ).stdout
    return out.decode("utf-8").splitlines()


def redis_cli() -> str | None:
    """The redis-cli next to the test server, or on PATH."""
    server = os.environ.get("TEST_REDIS_SERVER_BIN")
    if server and (Path(server).parent / "redis-cli").exists():
        return str(Path(server).parent / "redis-cli")
    return shutil.which("redis-cli")


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def url(redis_url: str) -> str:
    """The test Redis, in a database the application does not use."""
    return in_db(redis_url, TEST_DB)


@pytest.fixture
def client(url: str) -> Iterator[redis.Redis]:
    """A client of the test database."""
    client = redis.Redis.from_url(url, socket_timeout=5)
    yield client
    client.close()


@pytest.fixture
def session(client: redis.Redis) -> Iterator[str]:
    """A session name no other test uses; its key is deleted afterwards."""
    name = f"test:{uuid.uuid4().hex}:C1:1700000000.000100"
    yield name
    client.delete(history_key(name))


class Switch:
    """A history that fails like an unreachable Redis while `down` is set."""

    def __init__(self, up: ChatHistory, down: ChatHistory):
        self.up, self.down_store, self.down = up, down, False

    def _store(self) -> ChatHistory:
        return self.down_store if self.down else self.up

    def load(self, session: str) -> list[Message]:
        return self._store().load(session)

    def append(self, session: str, turn: list[Message]) -> None:
        self._store().append(session, turn)


def unreachable() -> RedisChatHistory:
    """A Redis history whose server is a closed local port (client built as the app builds it)."""
    dead = redis.Redis.from_url(
        f"redis://:secret-pw@127.0.0.1:{closed_port()}/0",
        socket_timeout=1,
        socket_connect_timeout=1,
    )
    return RedisChatHistory(dead, ttl=60)


def history_records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    """Records of storage.history at exactly this level."""
    return [r for r in caplog.records if r.name == "storage.history" and r.levelno == level]


# ---- Redis: key and time to live ------------------------------------------------------------


def test_key_is_chat_history_and_the_session(client: redis.Redis, session: str) -> None:
    RedisChatHistory(client, ttl=60).append(session, said("hello"))
    assert history_key(session) == f"chat_history:{session}"
    assert client.type(f"chat_history:{session}") in (b"list", "list")
    assert client.keys(f"*{session}*") == [f"chat_history:{session}".encode()]


def test_ttl_on_first_write_is_the_configured_ttl(client: redis.Redis, session: str) -> None:
    RedisChatHistory(client, ttl=86400).append(session, said("hello"))
    assert 86399 <= int(client.ttl(history_key(session))) <= 86400  # type: ignore[arg-type]


def test_each_write_refreshes_the_ttl(client: redis.Redis, session: str) -> None:
    history = RedisChatHistory(client, ttl=120)
    history.append(session, said("first"))
    client.expire(history_key(session), 5)
    assert int(client.ttl(history_key(session))) <= 5  # type: ignore[arg-type]
    history.append(session, said("second"))
    assert 119 <= int(client.ttl(history_key(session))) <= 120  # type: ignore[arg-type]


def test_load_does_not_create_the_key(client: redis.Redis, session: str) -> None:
    assert RedisChatHistory(client, ttl=60).load(session) == []
    assert not client.exists(history_key(session))


# ---- Redis: cap and tool pairs --------------------------------------------------------------


def test_cap_keeps_the_last_turns(client: redis.Redis, session: str) -> None:
    history = RedisChatHistory(client, ttl=60, max_turns=3)
    for n in range(1, 6):
        history.append(session, said(f"turn {n}"))
    assert client.llen(history_key(session)) == 3
    assert users(history.load(session)) == ["turn 3", "turn 4", "turn 5"]


def test_cap_counts_turns_not_messages_and_never_splits_a_tool_turn(
    client: redis.Redis, session: str
) -> None:
    history = RedisChatHistory(client, ttl=60, max_turns=2)
    for n in range(1, 7):
        history.append(session, tool_turn(n, calls=1 + n % 3))
        loaded = history.load(session)
        assert orphans(loaded) == []
        assert client.llen(history_key(session)) == min(n, 2)
    loaded = history.load(session)
    assert users(loaded) == ["明日の空き部屋 5", "明日の空き部屋 6"]
    assert loaded == tool_turn_shape(loaded)
    assert len(loaded) == len(tool_turn(5, calls=3)) + len(tool_turn(6, calls=1))


def tool_turn_shape(messages: list[Message]) -> list[Message]:
    """The messages, after checking each tool call is followed by exactly its results."""
    checked = 0
    for index, m in enumerate(messages):
        for offset, call in enumerate(m.get("tool_calls") or [], start=1):
            assert messages[index + offset]["tool_call_id"] == call["id"]
            checked += 1
    assert checked, "no tool call to check"
    return messages


def test_unreadable_elements_are_skipped_whole(client: redis.Redis, session: str) -> None:
    history = RedisChatHistory(client, ttl=60, max_turns=5)
    history.append(session, tool_turn(1))
    client.rpush(history_key(session), "not json", '{"role": "tool", "tool_call_id": "x"}')
    history.append(session, tool_turn(2))
    loaded = history.load(session)
    assert orphans(loaded) == [] and users(loaded) == ["明日の空き部屋 1", "明日の空き部屋 2"]
    assert loaded == tool_turn_shape(loaded)  # the whole turns' tool messages are still there


# ---- Redis: what the operator sees, and atomicity -------------------------------------------


def test_each_element_is_utf8_json_readable_with_redis_cli(
    client: redis.Redis, url: str, session: str
) -> None:
    history = RedisChatHistory(client, ttl=60)
    history.append(session, said("明日の14時に会議室Aを予約して"))
    history.append(session, tool_turn(2))
    raw = client.lrange(history_key(session), 0, -1)
    assert len(raw) == 2  # type: ignore[arg-type]
    for item in raw:  # type: ignore[union-attr]
        text = bytes(item).decode("utf-8")
        assert "\\u" not in text
        assert isinstance(json.loads(text)["messages"], list)
    lines = operator_lrange(url, history_key(session))
    assert len(lines) == 2
    assert "明日の14時に会議室Aを予約して" in lines[0]
    assert [json.loads(line)["messages"][0]["role"] for line in lines] == ["user", "user"]


def test_push_trim_expire_run_in_one_transaction(
    client: redis.Redis, url: str, session: str
) -> None:
    """MONITOR on a second connection sees MULTI, RPUSH, LTRIM, EXPIRE, EXEC from one client."""
    key = history_key(session)
    watcher = redis.Redis.from_url(url, socket_timeout=5)
    with watcher.monitor() as monitor:
        RedisChatHistory(client, ttl=77, max_turns=4).append(session, said("hi"))
        seen: list[dict[str, Any]] = []
        while not seen or not seen[-1]["command"].startswith("EXEC"):
            seen.append(monitor.next_command())
    port = next(c["client_port"] for c in seen if key in c["command"])
    mine = [c["command"].split(" ")[0] for c in seen if c["client_port"] == port]
    assert mine[-5:] == ["MULTI", "RPUSH", "LTRIM", "EXPIRE", "EXEC"]
    assert any(c["command"] == f"LTRIM {key} -4 -1" for c in seen)
    assert any(c["command"] == f"EXPIRE {key} 77" for c in seen)
    watcher.close()


def test_expired_session_starts_afresh(client: redis.Redis, session: str) -> None:
    history = RedisChatHistory(client, ttl=60)
    history.append(session, said("old"))
    client.pexpire(history_key(session), 1)
    wait_until(lambda: not client.exists(history_key(session)))
    history.append(session, said("new"))
    assert users(history.load(session)) == ["new"]


# ---- ResilientHistory -----------------------------------------------------------------------


def test_unreachable_redis_degrades_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="storage.history")
    history = ResilientHistory(unreachable())
    for n in range(3):
        assert history.load("api:s1") == []
        history.append("api:s1", said(f"lost {n}"))  # does not raise
    warnings = history_records(caplog, logging.WARNING)
    assert len(warnings) == 1
    assert "secret-pw" not in caplog.text
    assert history_records(caplog, logging.INFO) == []


def test_recovery_is_logged_once_and_history_works_again(
    client: redis.Redis, session: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="storage.history")
    switch = Switch(RedisChatHistory(client, ttl=60), unreachable())
    clock = Clock()
    history = ResilientHistory(switch, Breaker(pause=10, clock=clock))
    history.append(session, said("before"))
    switch.down = True
    for _ in range(3):
        assert history.load(session) == []
        history.append(session, said("during"))
    switch.down = False
    history.append(session, said("skipped"))  # within the pause: the store is not tried
    clock.now += 10
    history.append(session, said("after"))
    assert users(history.load(session)) == ["before", "after"]
    assert len(history_records(caplog, logging.WARNING)) == 1
    recovered = history_records(caplog, logging.INFO)
    assert len(recovered) == 1 and "again" in recovered[0].getMessage()
    switch.down = True
    history.load(session)
    assert len(history_records(caplog, logging.WARNING)) == 2  # a new outage is reported


# ---- MemoryChatHistory with an injected clock -----------------------------------------------


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_ttl_expires_and_is_refreshed_by_writes() -> None:
    clock = Clock()
    history = MemoryChatHistory(ttl=10, clock=clock)
    history.append("s", said("one"))
    clock.now += 8
    history.append("s", said("two"))
    clock.now += 9  # 17 s after the first write, 9 s after the second
    assert users(history.load("s")) == ["one", "two"]
    clock.now += 1  # the ttl since the last write has passed
    assert history.load("s") == []


def test_memory_cap_keeps_the_last_turns_and_whole_tool_turns() -> None:
    history = MemoryChatHistory(ttl=60, max_turns=2, clock=Clock())
    for n in range(1, 6):
        history.append("s", tool_turn(n))
        assert orphans(history.load("s")) == []
    loaded = history.load("s")
    assert users(loaded) == ["明日の空き部屋 4", "明日の空き部屋 5"]
    assert loaded == tool_turn_shape(loaded)


def test_memory_sessions_are_separate() -> None:
    history = MemoryChatHistory(ttl=60, clock=Clock())
    history.append("api:a", said("for a"))
    history.append("api:b", said("for b"))
    assert users(history.load("api:a")) == ["for a"]


def test_memory_expired_session_starts_afresh() -> None:
    """An expired conversation never comes back, as with Redis's expired key."""
    clock = Clock()
    history = MemoryChatHistory(ttl=10, clock=clock)
    history.append("s", said("old"))
    clock.now += 11
    history.append("s", said("new"))
    assert users(history.load("s")) == ["new"]
