"""OpenAI answering 429 (with retry-after-ms) to many requests and ~1 s late to the others,
under 20 concurrent conversations on /api/chat.

Guarantees: every user gets HTTP 200 with a reply — the model's answer or one of the fixed
polite failures — within the 25 s turn deadline plus margin; no slot is booked twice, and
every reservation made is reported to the user whose turn made it.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.conversation.model.loop import TURN_DEADLINE_S
from tests.e2e.conftest import Reply as EReply
from tests.e2e.conftest import tomorrow
from tests.fakes.openai_api import Delay, HttpError, Reply, Step, tool_calls
from tests.reliability.checks import assert_database_consistent, is_polite_failure
from tests.reliability.harness import Bot

CONVERSATIONS = 20
SLOTS = 10  # conversation k and k + 10 ask for the same slot
MARGIN_S = 5.0
RATE_LIMITED = 0.45  # share of model requests answered 429
SLOT_RE = re.compile(r"slot (\d+)")


class StormyModel:
    """A responder: many 429s with retry-after-ms, every other answer about a second late."""

    def __init__(self, seed: int = 7) -> None:
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.limited = 0

    def __call__(self, body: dict[str, Any]) -> Step:
        with self.lock:
            limited = self.random.random() < RATE_LIMITED
            wait_ms = self.random.randint(100, 600)
            delay = self.random.uniform(0.7, 1.3)
            self.limited += limited
        if limited:
            return HttpError(429, retry_after_ms=wait_ms)
        return Delay(delay, self.answer(body["messages"]))

    @staticmethod
    def answer(messages: list[dict[str, Any]]) -> Step:
        """Book the slot the user named; after the tool result, confirm in words."""
        if messages[-1]["role"] == "tool":
            result = json.loads(messages[-1]["content"])
            return Reply("booked" if result.get("ok") else "that slot is taken")
        k = int(SLOT_RE.findall(str(messages[-1]["content"]))[-1])
        hour = 8 + k
        args = {"room": "1", "date": tomorrow().isoformat(), "start_time": f"{hour}:00",
                "end_time": f"{hour}:30"}  # fmt: skip
        return tool_calls(("create_reservation", args))


def converse(bot: Bot, k: int) -> EReply:
    """User k's turn: book slot k % SLOTS (users k and k + SLOTS compete for it)."""
    return bot.chat(f"storm-{k}", f"Please book slot {k % SLOTS} for me", user=f"U{k:03d}")


def test_every_user_gets_an_answer_in_time_and_nothing_is_booked_twice(bot: Bot) -> None:
    model = StormyModel()
    bot.openai.responder = model
    started = time.monotonic()
    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        replies = list(pool.map(lambda k: converse(bot, k), range(CONVERSATIONS)))
    took = time.monotonic() - started

    assert model.limited >= CONVERSATIONS // 2, "the storm did not rate-limit enough requests"
    for k, reply in enumerate(replies):
        assert reply.status == 200, (k, reply.body)
        assert reply.elapsed < TURN_DEADLINE_S + MARGIN_S, (k, reply.elapsed)
        text = reply.json()["reply"]
        assert text in ("booked", "that slot is taken") or is_polite_failure(text), (k, text)
    assert took < TURN_DEADLINE_S + 2 * MARGIN_S

    reported = [r for reply in replies for r in reply.json()["reservations"]]
    rows = bot.get(f"/api/reservations?date={tomorrow().isoformat()}").json()["reservations"]
    assert sorted(r["id"] for r in reported) == sorted(r["id"] for r in rows), (
        "a reservation was made that no user was told about (or told and not made)"
    )
    starts = [r["start-time"] for r in rows]
    assert len(starts) == len(set(starts)), f"a slot was booked twice: {starts}"
    assert_database_consistent(bot.engine)
