"""The 'Book a room' button (App Home): opens the booking modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.conversation.desk import Desk
from bot.slack.surface import modal


def handler(desk: Desk, lang: str) -> Callable[..., None]:
    """The listener, bound to the desk."""

    def open_book_modal(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal(desk, lang))

    return open_book_modal
