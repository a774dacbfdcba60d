"""Where Slack refuses the AI-app methods, answers fall back to the placeholder, exactly once.

The app is served over real HTTP in this process (so its log and its per-process memory of
refusals can be read) against a fake Slack scripted to refuse as a workspace without the
feature, a token of the wrong type or an unsupported channel type would.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import metrics
from bot.container import Container
from bot.conversation.types import Inbound, ProgressSink, Reply
from tests.e2e.answers import thread_answers, wait_for_answer
from tests.e2e.conftest import (
    FORM,
    JSON,
    command_body,
    event_body,
    http_post,
    mention,
    message,
    new_event_id,
    new_ts,
    signed,
)
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, FakeSlack
from tests.integration.slack_served import serving

LOGGER = "bot.slack.capabilities"


class Recording:
    """The real conversation core, remembering every inbound message it was given."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.inbound = inner, list[Inbound]()

    def reply(self, inbound: Inbound, sink: ProgressSink | None = None) -> Reply:
        self.inbound.append(inbound)
        return self.inner.reply(inbound, sink)  # type: ignore[no-any-return]


class Served:
    """The app on a local port with its container, the fake Slack and the recorded inbound."""

    def __init__(self, container: Container, fake: FakeSlack, base: str, core: Recording):
        self.container, self.fake, self.base, self.core = container, fake, base, core

    def event(self, event: dict[str, Any]) -> None:
        body = event_body(event, new_event_id())
        reply = http_post(f"{self.base}/slack/events", body, {"Content-Type": JSON, **signed(body)})
        assert reply.status == 200, reply.body

    def post(self, body: bytes, content_type: str) -> None:
        headers = {"Content-Type": content_type, **signed(body)}
        assert http_post(f"{self.base}/slack/events", body, headers).status == 200


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A fresh app (fresh memory of refusals) on SQLite, served over HTTP, and its fake Slack."""
    cores: list[Recording] = []

    def recording(container: Container) -> None:
        cores.append(Recording(container.conversation))
        container.__dict__["conversation"] = cores[0]  # SlackDeps is built from it on first use

    with serving(tmp_path, recording) as (container, fake, base):
        yield Served(container, fake, base, cores[0])


def refusal_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def test_refused_everywhere_falls_back_to_the_placeholder_and_logs_once(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    served.fake.refuse_ai("not_allowed_token_type")
    first, second = new_ts(), new_ts()
    served.event(message("明日の10時から1時間 会議室Bを予約して", user="U1", channel="D0U1",
                         channel_type="im", thread_ts=first))  # fmt: skip
    answer = wait_for_answer(served.fake, "D0U1", first)
    assert not answer.streamed and answer.text.startswith("予約しました")
    assert answer.methods == ["chat.postMessage", "chat.update"]
    served.event(message("help", user="U1", channel="D0U1", channel_type="im", thread_ts=second))
    wait_for_answer(served.fake, "D0U1", second)
    assert len(served.fake.calls_to("assistant.threads.setStatus")) == 1  # not tried again
    assert served.fake.calls_to("chat.startStream") == []
    assert [len(thread_answers(served.fake, "D0U1", t)) for t in (first, second)] == [1, 1]
    [line] = refusal_lines(caplog)
    assert "not_allowed_token_type" in line and "im channels" in line


def test_streams_refused_in_channels_only_fall_back_there(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    served.fake.refuse_ai("method_not_supported_for_channel_type", channel_types=["channel"])
    said = mention(f"<@{BOT_USER_ID}> 明日の10時から1時間 会議室Bを予約して", channel="C1")
    served.event(said)
    answer = wait_for_answer(served.fake, "C1", said["ts"])
    assert not answer.streamed and answer.text.startswith("予約しました")
    assert [c.ok for c in served.fake.calls_to("chat.startStream")] == [False]
    dm = message("help", user="U1", channel="D0U1", channel_type="im")
    served.event(dm)
    assert wait_for_answer(served.fake, "D0U1", dm["ts"]).streamed  # DMs still stream
    assert len(refusal_lines(caplog)) == 1


def test_a_stream_that_breaks_midway_is_replaced_by_the_answer(served: Served) -> None:
    served.fake.fail_next("chat.appendStream", status=200, error="internal_error")
    thread = new_ts()
    served.event(message("明日の10時から1時間 会議室Bを予約して", user="U1", channel="D0U1",
                         channel_type="im", thread_ts=thread))  # fmt: skip
    answer = wait_for_answer(served.fake, "D0U1", thread)
    assert answer.methods[-1] == "chat.update" and answer.text.startswith("予約しました")
    [start] = served.fake.calls_to("chat.startStream")
    assert answer.calls[-1].args["ts"] == start.response["ts"]  # the stream's message, replaced
    assert served.fake.calls_to("chat.stopStream") == []
    assert len(thread_answers(served.fake, "D0U1", thread)) == 1


def test_stop_blocks_are_validated_and_a_refused_stop_still_answers(served: Served) -> None:
    served.fake.fail_next("chat.stopStream", status=200, error="invalid_blocks")
    thread = new_ts()
    served.event(message("help", user="U1", channel="D0U1", channel_type="im", thread_ts=thread))
    answer = wait_for_answer(served.fake, "D0U1", thread)
    assert answer.methods[-1] == "chat.update" and "meeting rooms" in answer.text


def test_the_thread_context_reaches_the_conversation(served: Served) -> None:
    thread = new_ts()
    started = {"type": "assistant_thread_started", "event_ts": new_ts(),
               "assistant_thread": {"user_id": "U1", "channel_id": "D0U1", "thread_ts": thread,
                                    "context": {"channel_id": "C0PROJECT", "team_id": TEAM_ID}}}  # fmt: skip
    served.event(started)
    served.fake.wait_for_call("assistant.threads.setSuggestedPrompts")
    served.event(message("help", user="U1", channel="D0U1", channel_type="im", thread_ts=thread))
    wait_for_answer(served.fake, "D0U1", thread)
    [inbound] = served.core.inbound
    assert inbound.context == {"channel": "C0PROJECT"}
    assert inbound.session == f"slack:{TEAM_ID}:D0U1:{thread}"


def test_feedback_is_counted_in_metrics(served: Served) -> None:
    def counted(rating: str) -> float:
        body, _ = metrics.exposition(None)
        line = f'roombot_answer_feedback_total{{rating="{rating}"}}'
        found = [x for x in body.decode().splitlines() if x.startswith(line)]
        return float(found[0].split()[-1]) if found else 0.0

    before = counted("good")
    press = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": TEAM_ID},
             "channel": {"id": "D0U1"}, "message": {"ts": "1700000000.000900", "thread_ts": "1.2"},
             "actions": [{"type": "feedback_buttons", "action_id": "answer_feedback",
                          "block_id": "fb", "value": "good:en"}]}  # fmt: skip
    body = urllib.parse.urlencode({"payload": json.dumps(press)}).encode()
    for _ in range(2):  # the same press twice counts once
        served.post(body, FORM)
    served.fake.wait_for_call("chat.postEphemeral", 2)
    assert counted("good") == before + 1
    assert served.container.feedback.totals() == {1: 1, -1: 0}
    assert served.fake.calls_to("chat.postEphemeral")[0].args["text"] == "Thanks for the feedback."


def test_a_failing_slash_command_answers_ephemerally_in_the_users_language(
    served: Served,
) -> None:
    with served.container.engine.begin() as db:
        db.exec_driver_sql("DROP TABLE reservations")  # the database is broken underneath
    served.post(command_body(served.fake, "/mybookings", "my bookings please", "U1", "r1"), FORM)
    served.fake.wait_for_call("response_url")
    [answer] = served.fake.calls_to("response_url")
    assert answer.args["response_type"] == "ephemeral"
    assert answer.args["text"].startswith("Sorry, the reservation system is temporarily")
