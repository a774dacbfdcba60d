"""The one entry point for Slack messages (mentions, DMs, thread replies) into the conversation."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.conversation.i18n import t
from bot.conversation.types import Inbound, Reply
from bot.slack import blocks
from bot.slack.deps import SlackDeps
from bot.slack.identity import actor
from bot.slack.language import choose_language, strip_mentions

log = logging.getLogger(__name__)


def session_key(team: str, channel: str, thread_ts: str) -> str:
    """The chat-history session of a Slack thread: slack:<team>:<channel>:<thread ts>."""
    return f"slack:{team}:{channel}:{thread_ts}"


class Threads:
    """Answers messages in Slack threads: a placeholder at once, replaced by the reply."""

    def __init__(self, deps: SlackDeps):
        self.d = deps

    def answer(self, event: dict[str, Any], team: str) -> None:
        """Show progress in the thread at once, then replace it with the core's reply."""
        d, client = self.d, self.d.client
        text = strip_mentions(event.get("text", ""))
        lang = choose_language(text, d.default_language)
        channel, user = event["channel"], event["user"]
        thread_ts = event.get("thread_ts") or event["ts"]
        placeholder = client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=t("thinking", lang)
        )
        d.placeholders.add(channel, placeholder["ts"], lang, d.clock().timestamp())
        session = session_key(team, channel, thread_ts)
        reply = d.conversation.reply(Inbound("slack", actor(user), session, text or "help", lang))  # type: ignore[arg-type]
        rendered = self.render(reply)
        try:
            client.chat_update(
                channel=channel, ts=placeholder["ts"], text=reply.text, blocks=rendered
            )
        except SlackApiError as error:  # the reply must not be lost: post it instead
            log.warning("chat.update failed (%s); posting the reply", error.response.get("error"))
            client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=reply.text, blocks=rendered
            )
        d.placeholders.done(channel, placeholder["ts"])

    def render(self, reply: Reply) -> list[dict[str, Any]]:
        """The reply with its buttons; just the words if they cannot be built."""
        try:
            return blocks.reply_blocks(reply, self.d.desk.policy.tz)
        except Exception:
            log.warning("could not render the reply's buttons; sending its text")
            return [blocks.mrkdwn(reply.text)]

    def bot_is_in_thread(self, event: dict[str, Any], team: str, bot_user: str | None) -> bool:
        """True when the bot has taken part in this thread (history first, then Slack's replies)."""
        thread_ts = event.get("thread_ts")
        if not thread_ts:
            return False
        if self.d.history.load(session_key(team, event["channel"], thread_ts)):
            return True
        try:
            replies = self.d.client.conversations_replies(
                channel=event["channel"], ts=thread_ts, limit=50
            )
        except SlackApiError:
            return False
        messages: list[dict[str, Any]] = replies.get("messages", [])
        return any(m.get("user") == bot_user or m.get("bot_id") for m in messages)
