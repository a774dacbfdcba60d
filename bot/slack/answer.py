"""One answer in a Slack thread: streamed with visible steps where Slack allows, else a placeholder.

Streamed: in an assistant thread the status ("is checking the rooms…") shows at once and the
stream starts with the first step; elsewhere the stream starts at once with a "reading your
request" step. Each tool call is a task step; the text follows; the stream stops with the
reply's buttons and 👍/👎. Refused (see capabilities): the placeholder ("確認しています…") is
posted and later replaced. Whatever fails part-way, the user gets exactly one answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.messages.chunk import Chunk, MarkdownTextChunk
from slack_sdk.web.chat_stream import ChatStream

from bot.conversation.i18n import t
from bot.conversation.types import Progress, Reply
from bot.slack import ai_blocks, blocks, kit
from bot.slack.capabilities import Capabilities
from bot.slack.deps import SlackDeps

log = logging.getLogger(__name__)
MAX_MARKDOWN = 12_000
TURN_TASK = "turn"


@dataclass(frozen=True)
class Where:
    """The thread an answer goes to, whom it is for, and the channel type."""

    channel: str
    thread_ts: str
    user: str
    team: str
    kind: str


def error_code(error: Exception) -> str | None:
    """Slack's error code of a failed call (None for a connection failure)."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or "") or None
    return None


class Answer:
    """Shows progress in one thread and delivers the reply there exactly once."""

    def __init__(
        self, d: SlackDeps, caps: Capabilities, where: Where, lang: str, assistant: bool
    ) -> None:
        self.d, self.caps, self.w, self.lang, self.assistant = d, caps, where, lang, assistant
        self.stream: ChatStream | None = None
        self.broken = False  # a started stream that failed: the reply replaces it
        self.placeholder: str | None = None
        self.recorded: str | None = None  # the ts noted as awaiting its answer
        self.open_tasks: dict[str, str] = {}
        self.steps = 0

    # opening

    def open(self) -> None:
        """Show at once that the bot is working: status, a first step, or the placeholder."""
        if not self.caps.allows(self.w.kind):
            self._post_placeholder()
        elif self.assistant:  # a refused status posts the placeholder (see _failed)
            if self._call("assistant.threads.setStatus", self._set_status):
                self.stream = self._new_stream()  # starts with the first step or the text
        else:
            self.stream = self._new_stream()
            self._send(
                "chat.startStream",
                [ai_blocks.task(TURN_TASK, self._t("step_thinking"), "in_progress")],
            )

    def _set_status(self) -> None:
        self.d.client.assistant_threads_setStatus(
            channel_id=self.w.channel,
            thread_ts=self.w.thread_ts,
            status=self._t("status_working"),
            loading_messages=ai_blocks.loading_messages(self.lang),
        )

    def _new_stream(self) -> ChatStream:
        return self.d.client.chat_stream(
            channel=self.w.channel,
            thread_ts=self.w.thread_ts,
            recipient_user_id=self.w.user,
            recipient_team_id=self.w.team or None,
            buffer_size=1,  # every append is sent at once: steps are live
        )

    def _post_placeholder(self) -> None:
        posted = self.d.client.chat_postMessage(
            channel=self.w.channel, thread_ts=self.w.thread_ts, text=self._t("thinking")
        )
        self.placeholder = str(posted["ts"])
        self._record(self.placeholder)

    # progress

    def progress(self, event: Progress) -> None:
        """A tool started, finished or failed: its task step (never raises into the turn)."""
        if self.stream is None or self.broken:
            return
        if event.phase == "started":
            self.steps += 1
            self.open_tasks[event.tool] = f"step{self.steps}"
        task_id = self.open_tasks.get(event.tool) or f"step{self.steps}"
        if event.phase != "started":
            self.open_tasks.pop(event.tool, None)
        method = "chat.appendStream" if self.stream.ts else "chat.startStream"
        try:
            self._send(method, [ai_blocks.step_chunk(task_id, event)])
        except (SlackClientError, OSError) as error:  # even the placeholder failed: close() posts
            log.warning("could not show progress (%s)", error_code(error) or type(error).__name__)

    # closing

    def close(self, reply: Reply) -> None:
        """Deliver the reply: stop the stream with its buttons, or replace the placeholder."""
        if self.stream is not None and not self.broken and self._stop(reply):
            self._done()
            return
        self._deliver(reply)
        self._done()

    def _stop(self, reply: Reply) -> bool:
        """Stream the text and stop with the buttons; False when the reply must go another way."""
        chunks: list[Chunk] = []
        if not self.assistant:
            chunks.append(ai_blocks.task(TURN_TASK, self._t("step_answered"), "complete"))
        chunks.append(MarkdownTextChunk(text=(reply.text or "…")[:MAX_MARKDOWN]))
        method = "chat.appendStream" if self.stream and self.stream.ts else "chat.startStream"
        if not self._send(method, chunks) or self.stream is None:
            return False
        stream = self.stream
        rendered = ai_blocks.stop_blocks(reply, self.d.desk.policy.tz, self._check_in())
        return self._call("chat.stopStream", lambda: stream.stop(blocks=rendered))

    def _deliver(self, reply: Reply) -> None:
        """Replace the placeholder (or a broken stream) with the reply; post it if that fails."""
        rendered = self.render(reply)
        target = self.placeholder or (self.stream.ts if self.stream is not None else None)
        client = self.d.client
        if target:
            try:
                client.chat_update(
                    channel=self.w.channel, ts=target, text=reply.text, blocks=rendered
                )
                return
            except SlackApiError as error:  # the reply must not be lost: post it instead
                log.warning("chat.update failed (%s); posting the reply", error_code(error))
        client.chat_postMessage(
            channel=self.w.channel, thread_ts=self.w.thread_ts, text=reply.text, blocks=rendered
        )

    def render(self, reply: Reply) -> list[dict[str, Any]]:
        """The reply with its buttons; just the words if they cannot be built."""
        try:
            return blocks.reply_blocks(reply, self.d.desk.policy.tz, self._check_in())
        except Exception:
            log.warning("could not render the reply's buttons; sending its text")
            return [kit.mrkdwn(reply.text)]

    # plumbing

    def _send(self, method: str, chunks: list[Chunk]) -> bool:
        """Append chunks (the first append starts the stream); on failure, change course."""
        stream = self.stream
        if stream is None:
            return False
        return self._call(method, lambda: stream.append(chunks=chunks))

    def _call(self, method: str, call: Callable[[], Any]) -> bool:
        """Make one AI-app call; a failure switches this answer to a path that still works."""
        try:
            call()
        except (SlackClientError, OSError) as error:
            self._failed(method, error)
            return False
        if self.stream is not None and self.stream.ts and self.recorded is None:
            self._record(str(self.stream.ts))
        return True

    def _failed(self, method: str, error: Exception) -> None:
        """Remember a refusal; before anything was streamed use the placeholder, after it update."""
        code = error_code(error)
        self.caps.refused(self.w.kind, method, code)
        if self.stream is not None and self.stream.ts:
            log.warning("%s failed (%s); the reply replaces the stream", method, code)
            self.broken = True
            return
        if method != "assistant.threads.setStatus":
            log.info("%s failed (%s); answering with a placeholder", method, code)
        self.stream = None
        if self.placeholder is None:
            self._post_placeholder()

    def _record(self, ts: str) -> None:
        self.recorded = ts
        self.d.placeholders.add(self.w.channel, ts, self.lang, self.d.clock().timestamp())

    def _done(self) -> None:
        if self.recorded is not None:
            self.d.placeholders.done(self.w.channel, self.recorded)

    def _check_in(self) -> blocks.CheckIn:
        return blocks.CheckIn(self.d.clock(), self.d.check_in_lead)

    def _t(self, key: str) -> str:
        return t(key, self.lang)
