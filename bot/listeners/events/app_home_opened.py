"""app_home_opened: publish the user's Home tab (their bookings, today's schedule, Book button)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.container import Container
from bot.slack.surface import publish_home


def handler(c: Container) -> Callable[..., None]:
    """The listener, bound to the container."""

    def app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            publish_home(client, c, event["user"])

    return app_home_opened
