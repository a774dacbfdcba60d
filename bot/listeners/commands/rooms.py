"""/rooms: rooms with capacity and equipment, and which are free now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.container import Container
from bot.slack.language import choose_language
from bot.slack.surface import rooms_blocks


def handler(c: Container) -> Callable[..., None]:
    """The listener, bound to the container."""

    def rooms(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        lang = choose_language(command.get("text", ""), c.settings.default_language)
        rendered = rooms_blocks(c, lang)
        respond(text=rendered[0]["text"]["text"], blocks=rendered, response_type="ephemeral")

    return rooms
