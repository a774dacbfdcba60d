"""The bot's answers in a Slack thread, read from the calls the fake Slack received.

An answer is a stream that stopped (its markdown and the blocks it stopped with), a placeholder
("確認しています…") replaced by `chat.update`, a broken stream replaced the same way, or a reply
posted directly. Tests wait for answers the same way whichever path the bot took.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakes.slack_api import Call, FakeSlack

THINKING = ("確認しています…", "Checking…")
STREAM = ("chat.startStream", "chat.appendStream", "chat.stopStream")
WAIT_S = 10.0


@dataclass(frozen=True)
class Answer:
    """One finished answer in a thread."""

    text: str
    blocks: list[dict[str, Any]]
    streamed: bool
    at: float
    calls: list[Call] = field(default_factory=list)

    @property
    def chunks(self) -> list[dict[str, Any]]:
        """Every chunk streamed, in order."""
        return [c for call in self.calls for c in call.args.get("chunks") or []]

    @property
    def methods(self) -> list[str]:
        """The methods that made this answer, in order."""
        return [c.method for c in self.calls]


def markdown(calls: list[Call]) -> str:
    """The markdown a stream's calls added, in order."""
    parts: list[str] = []
    for call in calls:
        parts.append(str(call.args.get("markdown_text") or ""))
        parts += [
            str(c["text"])
            for c in call.args.get("chunks") or []
            if c.get("type") == "markdown_text"
        ]
    return "".join(parts)


def _stream_answer(calls: list[Call], start: Call) -> Answer | None:
    """The answer a started stream became: stopped, or replaced by chat.update."""
    ts, channel = start.response["ts"], start.args["channel"]
    own = [c for c in calls if c.method in STREAM and c.ok and c.args.get("channel") == channel
           and ts in (c.response.get("ts"), c.args.get("ts"))]  # fmt: skip
    stops = [c for c in own if c.method == "chat.stopStream"]
    if stops:
        return Answer(markdown(own), stops[0].args.get("blocks") or [], True, stops[0].at, own)
    return _updated(calls, channel, ts, own)


def _updated(calls: list[Call], channel: str, ts: str, before: list[Call]) -> Answer | None:
    """The chat.update that replaced a message with the answer, if any."""
    updates = [c for c in calls if c.method == "chat.update" and c.ok
               and c.args.get("channel") == channel and c.args.get("ts") == ts]  # fmt: skip
    if not updates:
        return None
    u = updates[0]
    return Answer(
        str(u.args.get("text") or ""), u.args.get("blocks") or [], False, u.at, [*before, u]
    )


def thread_answers(fake: FakeSlack, channel: str, thread_ts: str) -> list[Answer]:
    """The finished answers in one thread, oldest first."""
    calls, found = fake.calls, []
    for c in calls:
        if not c.ok or c.args.get("channel") != channel or c.args.get("thread_ts") != thread_ts:
            continue
        answer: Answer | None = None
        if c.method == "chat.startStream":
            answer = _stream_answer(calls, c)
        elif c.method == "chat.postMessage" and c.args.get("text") in THINKING:
            answer = _updated(calls, channel, c.response["ts"], [c])
        elif c.method == "chat.postMessage" and c.args.get("blocks"):
            answer = Answer(str(c.args.get("text") or ""), c.args["blocks"], False, c.at, [c])
        if answer is not None:
            found.append(answer)
    return sorted(found, key=lambda a: a.at)


def wait_for_answer(fake: FakeSlack, channel: str, thread_ts: str, count: int = 1) -> Answer:
    """Wait for the `count`-th answer in a thread and return it."""
    fake.wait_for(lambda: len(thread_answers(fake, channel, thread_ts)) >= count, WAIT_S)
    return thread_answers(fake, channel, thread_ts)[count - 1]


def answered_channels(fake: FakeSlack) -> list[str]:
    """The channels the bot began answering in (a stream or a message), in order."""
    began = [c for c in fake.calls if c.method in ("chat.startStream", "chat.postMessage")]
    return [str(c.args.get("channel")) for c in began]
