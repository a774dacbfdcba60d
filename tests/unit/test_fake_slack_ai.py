"""The fake Slack's assistant and streaming methods refuse what Slack refuses (real WebClient)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.slack.ai_blocks import feedback_block, task
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    """A running fake Slack, shared by the module (reset per test)."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def web(slack: FakeSlack) -> WebClient:
    """A real WebClient pointed at a reset fake."""
    slack.reset()
    return WebClient(token=DEFAULT_TOKEN, base_url=slack.url, timeout=5)


def error_of(call: Any) -> str:
    """Run a Web API call that must fail; return Slack's error code."""
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def test_a_stream_starts_appends_and_stops_with_validated_blocks(
    slack: FakeSlack, web: WebClient
) -> None:
    stream = web.chat_stream(channel="D1", thread_ts="1.1", buffer_size=1)
    stream.append(chunks=[task("s1", "空きを確認しています", "in_progress")])
    assert stream.ts
    stream.append(markdown_text="空いています。")
    stream.stop(blocks=[feedback_block("ja")])
    [message] = slack.messages("D1")
    assert message["text"] == "空いています。" and message["streaming"] is False
    assert message["blocks"][0]["type"] == "context_actions"
    assert [c.method for c in slack.calls] == ["chat.startStream", "chat.appendStream",
                                               "chat.stopStream"]  # fmt: skip
    with pytest.raises(SlackRequestError):  # the helper refuses a second stop itself
        stream.stop()
    late = lambda: web.chat_appendStream(channel="D1", ts=stream.ts, markdown_text="x")  # noqa: E731
    assert error_of(late) == "message_not_in_streaming_state"


def test_streams_in_channels_need_the_recipient(web: WebClient) -> None:
    start = lambda **more: web.chat_startStream(channel="C1", thread_ts="1.1", **more)  # noqa: E731
    assert error_of(start) == "missing_recipient_user_id"
    assert error_of(lambda: start(recipient_user_id="U1")) == "missing_recipient_team_id"
    assert start(recipient_user_id="U1", recipient_team_id="T1")["ts"]
    assert error_of(lambda: web.chat_startStream(channel="D1", thread_ts="")) == "invalid_arguments"


def test_bad_chunks_and_bad_stop_blocks_are_refused(web: WebClient) -> None:
    bad_status = {"type": "task_update", "id": "a", "title": "t", "status": "done"}
    assert error_of(lambda: web.chat_startStream(channel="D1", thread_ts="1.1",
                                                 chunks=[bad_status])) == "invalid_chunks"  # fmt: skip
    ts = web.chat_startStream(channel="D1", thread_ts="1.1", markdown_text="…")["ts"]
    unknown = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "bogus": 1}]
    assert error_of(lambda: web.chat_stopStream(channel="D1", ts=ts, blocks=unknown)) == (
        "invalid_blocks"
    )
    assert web.chat_stopStream(channel="D1", ts=ts)["ok"]


def test_assistant_methods_need_their_arguments(web: WebClient) -> None:
    prompts = [{"title": "a", "message": "a"}]
    assert web.assistant_threads_setSuggestedPrompts(channel_id="D1", thread_ts="1.1",
                                                     prompts=prompts)["ok"]  # fmt: skip
    assert error_of(lambda: web.assistant_threads_setSuggestedPrompts(
        channel_id="D1", thread_ts="1.1", prompts=prompts * 5)) == "invalid_arguments"  # fmt: skip
    assert error_of(lambda: web.assistant_threads_setTitle(channel_id="D1", thread_ts="1.1",
                                                           title="")) == "invalid_arguments"  # fmt: skip
    assert error_of(lambda: web.assistant_threads_setStatus(channel_id="D1", thread_ts="",
                                                            status="x")) == "invalid_arguments"  # fmt: skip
    assert web.assistant_threads_setStatus(channel_id="D1", thread_ts="1.1", status="")["ok"]


def test_a_workspace_without_the_feature_refuses_by_channel_type(
    slack: FakeSlack, web: WebClient
) -> None:
    slack.refuse_ai("method_not_supported_for_channel_type", channel_types=["channel"])
    start = lambda c: web.chat_startStream(channel=c, thread_ts="1.1", recipient_user_id="U1",  # noqa: E731
                                           recipient_team_id="T1")  # fmt: skip
    assert error_of(lambda: start("C1")) == "method_not_supported_for_channel_type"
    assert start("D1")["ok"]
    slack.reset()
    assert start("C1")["ok"]
