"""The 'Book this instead' button on a conflict: books the offered free slot for the clicker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.conversation.desk import Desk
from bot.slack.surface import book_slot


def handler(desk: Desk, default_lang: str) -> Callable[..., None]:
    """The listener, bound to the desk."""

    def book_alternative(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        ack()
        text, rendered = book_slot(desk, body["user"]["id"], action.get("value", ""), default_lang)
        respond(text=text, blocks=rendered, response_type="ephemeral", replace_original=False)

    return book_alternative
