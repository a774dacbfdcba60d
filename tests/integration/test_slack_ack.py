"""Events API callbacks are acknowledged before the claim of their id and their answer.

The app is served over real HTTP in this process against a fake Slack; the claim store is
wrapped in a gate the test opens, so an acknowledgement that waited for the claim would hang.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.container import Container
from bot.slack.deps import Deduper
from bot.slack.http import is_event_callback
from tests.e2e.answers import thread_answers, wait_for_answer
from tests.e2e.conftest import (
    FORM,
    JSON,
    Reply,
    event_body,
    http_post,
    mention,
    new_event_id,
    signed,
)
from tests.fakes.slack_api import BOT_USER_ID, FakeSlack
from tests.integration.slack_served import serving

GATE_S = 10.0  # how long a claim waits for the test to open the gate


class Gate:
    """The real claims, each held until the test opens the gate."""

    def __init__(self, inner: Deduper) -> None:
        self.inner = inner
        self.opened, self.entered = threading.Event(), threading.Event()
        self.claims: list[tuple[str, bool]] = []

    def first_time(self, event_id: str) -> bool:
        self.entered.set()
        assert self.opened.wait(GATE_S), "the gate was never opened"
        first = self.inner.first_time(event_id)
        self.claims.append((event_id, first))
        return first


class Served:
    """The app on a local port, its fake Slack and the gated claims."""

    def __init__(self, container: Container, fake: FakeSlack, base: str, gate: Gate):
        self.container, self.fake, self.base, self.gate = container, fake, base, gate

    def post(self, body: bytes, content_type: str = JSON) -> Reply:
        headers = {"Content-Type": content_type, **signed(body)}
        return http_post(f"{self.base}/slack/events", body, headers)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A fresh app on SQLite, served over HTTP, its claims gated."""
    gates: list[Gate] = []

    def gated(container: Container) -> None:
        gates.append(Gate(container.deduper))
        container.__dict__["deduper"] = gates[0]  # SlackDeps is built from it on first use

    with serving(tmp_path, gated) as (container, fake, base):
        try:
            yield Served(container, fake, base, gates[0])
        finally:
            gates[0].opened.set()
            container.engine.dispose()


def test_an_event_is_acknowledged_before_its_id_is_claimed(served: Served) -> None:
    said = mention(f"<@{BOT_USER_ID}> 明日の10時から1時間 会議室Bを予約して")
    body = event_body(said, new_event_id())
    reply = served.post(body)
    assert (reply.status, reply.body) == (200, b"")  # Slack's acknowledgement, gate still shut
    assert served.gate.entered.wait(GATE_S)  # the claim began after the ack and waits
    assert served.gate.claims == [] and served.fake.calls_to("chat.startStream") == []
    again = served.post(body)  # Slack's retry, also acknowledged at once
    assert (again.status, again.body) == (200, b"")
    served.gate.opened.set()
    assert wait_for_answer(served.fake, "C1", said["ts"]).text.startswith("予約しました")
    served.fake.wait_for(lambda: len(served.gate.claims) == 2, GATE_S)
    assert sorted(first for _, first in served.gate.claims) == [False, True]
    assert len(thread_answers(served.fake, "C1", said["ts"])) == 1


def test_url_verification_is_answered_by_bolt_on_the_request(served: Served) -> None:
    challenge = b'{"token": "t", "challenge": "c-42", "type": "url_verification"}'
    reply = served.post(challenge)
    assert reply.status == 200 and b"c-42" in reply.body
    assert not served.gate.entered.is_set()  # nothing to claim


def test_only_json_event_callbacks_take_the_early_acknowledgement() -> None:
    event = event_body(mention("hi"), new_event_id())
    assert is_event_callback(JSON, event)
    assert not is_event_callback(FORM, event)  # commands and interactivity are forms
    assert not is_event_callback(JSON, b'{"type": "url_verification", "challenge": "c"}')
    assert not is_event_callback(JSON, b"[1, 2]")
    assert not is_event_callback(JSON, b"\xff\xfe not json")
