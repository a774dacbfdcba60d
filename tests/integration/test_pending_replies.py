"""A placeholder whose worker died is replaced by an apology, exactly once (real Redis)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import redis

from booking.clock import JST
from bot.container import Container, build
from bot.conversation.i18n import t as tr
from bot.settings import Settings
from bot.slack.notify import LOST_REPLY_AFTER_S, apologise_for_lost_replies
from storage.pending import KEY, PendingReplies
from tests.fakes.slack_api import FakeSlack

TOKEN = "xoxb-test-token"
POSTED = datetime(2025, 9, 29, 10, 0, tzinfo=JST)


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    """A Redis client with the pending-replies hash cleared."""
    r = redis.Redis.from_url(redis_url)
    r.delete(KEY)
    yield r
    r.delete(KEY)
    r.close()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """The fake Slack Web API."""
    with FakeSlack(tokens=[TOKEN]) as fake:
        yield fake


def container(redis_url: str, slack: FakeSlack, tmp_url: str) -> Container:
    """A container on Redis and the fake Slack."""
    settings = Settings(
        database_url=tmp_url, redis_url=redis_url, slack_bot_token=TOKEN, slack_api_url=slack.url
    )
    return build(settings, clock=lambda: POSTED)


def placeholder(c: Container, lang: str = "ja") -> tuple[str, str]:
    """Post a placeholder as the bot does and record it as pending."""
    channel = "C" + uuid.uuid4().hex[:8].upper()
    posted = c.slack_client.chat_postMessage(channel=channel, text=tr("thinking", lang))
    c.pending_replies.add(channel, posted["ts"], lang, POSTED.timestamp())
    return channel, str(posted["ts"])


def test_stale_entries_are_claimed_once(client: redis.Redis) -> None:
    """Nothing before the cutoff; after it, each entry is handed out exactly once."""
    pending = PendingReplies(client)
    pending.add("C1", "1.000100", "en", 1000.0)
    assert list(pending.take_stale(60, 1059.0)) == []
    assert list(pending.take_stale(60, 1061.0)) == [("C1", "1.000100", "en")]
    assert list(pending.take_stale(60, 5000.0)) == []


def test_answered_placeholders_are_forgotten(client: redis.Redis) -> None:
    """done() removes the entry, so a finished answer is never apologised for."""
    pending = PendingReplies(client)
    pending.add("C1", "1.000100", "ja", 1000.0)
    pending.done("C1", "1.000100")
    assert list(pending.take_stale(60, 9999.0)) == [] and not client.exists(KEY)


def test_a_lost_reply_gets_one_apology_in_its_language(
    client: redis.Redis, redis_url: str, slack: FakeSlack, tmp_path: object
) -> None:
    """The scheduler job replaces a placeholder left past the cutoff, once, in its language."""
    c = container(redis_url, slack, f"sqlite:///{tmp_path}/x.db")
    channel, ts = placeholder(c, "en")
    early = POSTED + timedelta(seconds=LOST_REPLY_AFTER_S - 1)
    assert apologise_for_lost_replies(c.pending_replies, c.slack_client, early) == 0
    late = POSTED + timedelta(seconds=LOST_REPLY_AFTER_S + 1)
    assert apologise_for_lost_replies(c.pending_replies, c.slack_client, late) == 1
    assert apologise_for_lost_replies(c.pending_replies, c.slack_client, late) == 0
    [update] = slack.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (channel, ts)
    assert update.args["text"] == tr("interrupted", "en")


def test_two_schedulers_apologise_once(
    client: redis.Redis, redis_url: str, slack: FakeSlack, tmp_path: object
) -> None:
    """Two processes sweeping the same moment send one apology between them."""
    first = container(redis_url, slack, f"sqlite:///{tmp_path}/a.db")
    second = container(redis_url, slack, f"sqlite:///{tmp_path}/b.db")
    placeholder(first)
    late = POSTED + timedelta(seconds=LOST_REPLY_AFTER_S + 5)
    sent = apologise_for_lost_replies(first.pending_replies, first.slack_client, late)
    sent += apologise_for_lost_replies(second.pending_replies, second.slack_client, late)
    assert sent == 1 and len(slack.calls_to("chat.update")) == 1


def test_redis_down_is_harmless() -> None:
    """Without a reachable Redis nothing raises and nothing is claimed."""
    pending = PendingReplies(redis.Redis(port=1, socket_connect_timeout=0.2))
    pending.add("C1", "1.0", "ja", 0.0)
    pending.done("C1", "1.0")
    assert list(pending.take_stale(0, 10**9)) == []


def test_a_stream_whose_worker_died_is_ended_with_the_apology(
    client: redis.Redis, redis_url: str, slack: FakeSlack, tmp_path: object
) -> None:
    """A stream left open: replaced like a placeholder, or (when Slack refuses that) stopped."""
    c = container(redis_url, slack, f"sqlite:///{tmp_path}/x.db")
    for refuse_update in (False, True):
        channel = "D" + uuid.uuid4().hex[:8].upper()
        ts = str(
            c.slack_client.chat_startStream(channel=channel, thread_ts="1.1", markdown_text="…")[
                "ts"
            ]
        )
        c.pending_replies.add(channel, ts, "ja", POSTED.timestamp())
        if refuse_update:
            slack.fail_next("chat.update", status=200, error="cant_update_message")
        late = POSTED + timedelta(seconds=LOST_REPLY_AFTER_S + 1)
        assert apologise_for_lost_replies(c.pending_replies, c.slack_client, late) == 1
        [message] = slack.messages(channel)
        assert message["text"].endswith(tr("interrupted", "ja"))
        stopped = [s for s in slack.calls_to("chat.stopStream") if s.args["channel"] == channel]
        assert len(stopped) == (1 if refuse_update else 0)
