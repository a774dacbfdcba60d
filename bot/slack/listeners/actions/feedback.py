"""👍/👎 under a streamed answer: store it with the thread's session and the answer, thank."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.conversation.i18n import t
from bot.slack.ai_blocks import parse_feedback
from bot.slack.deps import SlackDeps
from bot.slack.identity import actor
from bot.slack.threads import session_key


def handler(deps: SlackDeps) -> Callable[..., None]:
    """The listener, bound to the feedback store."""

    def feedback(ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        parsed = parse_feedback(str(action.get("value", "")))
        message, container = body.get("message") or {}, body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        turn = message.get("ts") or container.get("message_ts")
        if parsed is None or not channel or not turn:
            return
        rating, lang = parsed
        user = body["user"]["id"]
        team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
        thread = message.get("thread_ts") or container.get("thread_ts") or turn
        deps.feedback.record(session_key(team, channel, thread), turn, actor(user), rating,
                             deps.clock())  # fmt: skip
        client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=thread, text=t("feedback_thanks", lang)
        )

    return feedback
