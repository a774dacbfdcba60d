"""app_home_opened: publish the user's Home tab (their bookings, today's schedule, Book button)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.conversation.desk import Desk
from bot.slack.surface import publish_home


def handler(desk: Desk, lang: str) -> Callable[..., None]:
    """The listener, bound to the desk."""

    def app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            publish_home(client, desk, event["user"], lang)

    return app_home_opened
