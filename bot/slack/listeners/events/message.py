"""message: direct messages, and replies in threads the bot takes part in, go to the assistant.

Mentions are left to app_mention (Slack sends both events for one message).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.slack.threads import Threads


def handler(threads: Threads) -> Callable[..., None]:
    """The listener, bound to the thread answerer."""

    def message(event: dict[str, Any], context: dict[str, Any]) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins, bots (ourselves included)
        bot_user = context.get("bot_user_id")
        if bot_user and f"<@{bot_user}>" in event.get("text", ""):
            return
        team = context.get("team_id") or event.get("team", "")
        if event.get("channel_type") == "im" or threads.bot_is_in_thread(event, team, bot_user):
            threads.answer(event, team)

    return message
