"""The one entry point for messages (mentions, DMs, thread replies) into the assistant."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.assistant.conversation import ChatReply, ChatRequest
from bot.container import Container
from bot.slack import blocks
from bot.slack.language import choose_language, strip_mentions
from bot.slack.surface import rooms_by_id
from bot.slack.texts import tr

log = logging.getLogger(__name__)


def session_key(team: str, channel: str, thread_ts: str) -> str:
    """The chat-history session of a Slack thread: slack:<team>:<channel>:<thread ts>."""
    return f"slack:{team}:{channel}:{thread_ts}"


def answer(c: Container, client: WebClient, event: dict[str, Any], team: str) -> None:
    """Show progress in the thread at once, then replace it with the assistant's reply."""
    text = strip_mentions(event.get("text", ""))
    lang = choose_language(text, c.settings.default_language)
    channel, user = event["channel"], event["user"]
    thread_ts = event.get("thread_ts") or event["ts"]
    placeholder = client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=tr("thinking", lang)
    )
    c.pending_replies.add(channel, placeholder["ts"], lang, c.clock().timestamp())
    request = ChatRequest(session_key(team, channel, thread_ts), user, text or "help", lang)  # type: ignore[arg-type]
    reply = c.assistant.reply(request)
    rendered = render(c, reply)
    try:
        client.chat_update(channel=channel, ts=placeholder["ts"], text=reply.text, blocks=rendered)
    except SlackApiError as error:  # the reply must not be lost: post it instead
        log.warning("chat.update failed (%s); posting the reply", error.response.get("error"))
        client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=reply.text, blocks=rendered
        )
    c.pending_replies.done(channel, placeholder["ts"])


def render(c: Container, reply: ChatReply) -> list[dict[str, Any]]:
    """The reply with a Cancel button per booking; just the words if the rooms cannot be read."""
    try:
        return blocks.confirmation(
            reply.text, reply.created, rooms_by_id(c), c.policy.tz, reply.lang
        )
    except Exception:  # e.g. the database went away after the answer
        log.warning("could not render the reply's buttons; sending its text")
        return [blocks.mrkdwn(reply.text)]


def bot_is_in_thread(
    c: Container, client: WebClient, event: dict[str, Any], team: str, bot_user: str | None
) -> bool:
    """True when the bot has taken part in this thread (history first, then Slack's replies)."""
    thread_ts = event.get("thread_ts")
    if not thread_ts:
        return False
    if c.history.load(session_key(team, event["channel"], thread_ts)):
        return True
    try:
        replies = client.conversations_replies(channel=event["channel"], ts=thread_ts, limit=50)
    except SlackApiError:
        return False
    return any(m.get("user") == bot_user or m.get("bot_id") for m in replies.get("messages", []))
