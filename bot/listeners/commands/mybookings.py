"""/mybookings: your upcoming reservations, each with a Cancel button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.container import Container
from bot.slack.language import choose_language
from bot.slack.surface import my_bookings_blocks


def handler(c: Container) -> Callable[..., None]:
    """The listener, bound to the container."""

    def mybookings(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        lang = choose_language(command.get("text", ""), c.settings.default_language)
        rendered = my_bookings_blocks(c, command["user_id"], lang)
        respond(text=rendered[0]["text"]["text"], blocks=rendered, response_type="ephemeral")

    return mybookings
