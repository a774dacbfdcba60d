"""The 'Book a room' button (App Home): opens the booking modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.container import Container
from bot.slack.surface import modal


def handler(c: Container) -> Callable[..., None]:
    """The listener, bound to the container."""

    def open_book_modal(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal(c, c.settings.default_language))

    return open_book_modal
