"""/mybookings: your upcoming reservations, each with a Cancel button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.slack.deps import SlackDeps
from bot.slack.language import choose_language
from bot.slack.surface import my_bookings_blocks


def handler(deps: SlackDeps) -> Callable[..., None]:
    """The listener, bound to the desk."""
    desk, default_lang = deps.desk, deps.default_language

    def mybookings(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        lang = choose_language(command.get("text", ""), default_lang)
        rendered = my_bookings_blocks(desk, command["user_id"], lang, deps.check_in_lead)
        respond(text=rendered[0]["text"]["text"], blocks=rendered, response_type="ephemeral")

    return mybookings
