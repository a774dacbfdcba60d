"""app_mention: someone wrote @bot in a channel; the assistant answers in the thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.container import Container
from bot.slack.conversation import answer


def handler(c: Container) -> Callable[..., None]:
    """The listener, bound to the container."""

    def app_mention(event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
        if event.get("bot_id") or not event.get("user"):
            return
        answer(c, client, event, context.get("team_id") or event.get("team", ""))

    return app_mention
