"""The one entry point for Slack messages (mentions, DMs, thread replies) into the conversation."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.conversation.i18n import t
from bot.conversation.types import Inbound, Lang, Reply
from bot.slack.answer import Answer, Where
from bot.slack.capabilities import Capabilities, channel_kind
from bot.slack.deps import SlackDeps
from bot.slack.identity import actor
from bot.slack.language import choose_language, strip_mentions

log = logging.getLogger(__name__)


def session_key(team: str, channel: str, thread_ts: str) -> str:
    """The chat-history session of a Slack thread: slack:<team>:<channel>:<thread ts>."""
    return f"slack:{team}:{channel}:{thread_ts}"


class Threads:
    """Answers messages in Slack threads, streaming where Slack allows it (see bot.slack.answer)."""

    def __init__(self, deps: SlackDeps, capabilities: Capabilities | None = None):
        self.d = deps
        self.capabilities = capabilities or Capabilities(deps.clock)

    def answer(
        self,
        event: dict[str, Any],
        team: str,
        *,
        assistant: bool = False,
        context: Mapping[str, str] | None = None,
    ) -> Reply:
        """Show progress in the thread at once, then deliver the core's reply there once."""
        text = strip_mentions(event.get("text", ""))
        lang = choose_language(text, self.d.default_language)
        channel, user = event["channel"], event["user"]
        thread_ts = event.get("thread_ts") or event["ts"]
        where = Where(channel, thread_ts, user, team, channel_kind(event, channel))
        answer = Answer(self.d, self.capabilities, where, lang, assistant)
        answer.open()
        session = session_key(team, channel, thread_ts)
        hint: Lang = "en" if lang == "en" else "ja"
        inbound = Inbound("slack", actor(user), session, text or "help", hint, dict(context or {}))
        try:
            reply = self.d.conversation.reply(inbound, answer.progress)
        except Exception:  # the core answers politely itself; this is a last resort
            answer.close(Reply(t("internal", hint), hint, source="error"))
            raise
        answer.close(reply)
        return reply

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
