"""A refusal turns the AI-app methods off per channel type for a while, logged once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.conversation.types import Reply
from bot.slack.ai_blocks import parse_feedback, stop_blocks, thread_title
from bot.slack.capabilities import Capabilities, channel_kind
from tests.fakes.blockkit import block_problem


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_refusal_turns_one_channel_type_off_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "bot.slack.capabilities")
    clock = Clock()
    caps = Capabilities(clock, retry_after=timedelta(hours=1))
    for _ in range(3):
        caps.refused("channel", "chat.startStream", "method_not_supported_for_channel_type")
    assert not caps.allows("channel") and caps.allows("im")
    assert len(caplog.records) == 1
    clock.now += timedelta(minutes=59)
    assert not caps.allows("channel")
    clock.now += timedelta(minutes=2)
    assert caps.allows("channel")  # tried again: the workspace may have enabled it


def test_passing_failures_do_not_turn_anything_off() -> None:
    caps = Capabilities(Clock())
    for code in ("ratelimited", "internal_error", None, "invalid_blocks"):
        caps.refused("im", "chat.appendStream", code)
    assert caps.allows("im")


def test_channel_kind_from_the_event_or_the_id() -> None:
    assert channel_kind({"channel_type": "mpim"}, "G1") == "mpim"
    assert [channel_kind({}, c) for c in ("D1", "C1", "G1")] == ["im", "channel", "group"]


def test_stop_blocks_are_valid_block_kit_and_end_with_feedback() -> None:
    blocks = stop_blocks(Reply("ok", "en"), ZoneInfo("Asia/Tokyo"))
    assert [b["type"] for b in blocks] == ["context_actions"]
    assert all(block_problem(b) is None for b in blocks)
    assert parse_feedback("good:en") == (1, "en") and parse_feedback("bad:xx") == (-1, "ja")
    assert parse_feedback("nonsense") is None


def test_thread_titles_are_one_short_line() -> None:
    assert thread_title("明日の10時から\n会議室Bを予約して") == "明日の10時から 会議室Bを予約して"
    assert len(thread_title("x" * 500)) == 60
