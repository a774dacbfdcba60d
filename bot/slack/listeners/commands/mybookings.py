"""/mybookings: your upcoming reservations, each with a Cancel button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.conversation.desk import Desk
from bot.slack.language import choose_language
from bot.slack.surface import my_bookings_blocks


def handler(desk: Desk, default_lang: str) -> Callable[..., None]:
    """The listener, bound to the desk."""

    def mybookings(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        lang = choose_language(command.get("text", ""), default_lang)
        rendered = my_bookings_blocks(desk, command["user_id"], lang)
        respond(text=rendered[0]["text"]["text"], blocks=rendered, response_type="ephemeral")

    return mybookings
