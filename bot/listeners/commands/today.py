"""/today [room]: today's schedule (JST), every room or one, with free gaps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.container import Container
from bot.slack.language import choose_language
from bot.slack.surface import schedule_blocks


def handler(c: Container) -> Callable[..., None]:
    """The listener, bound to the container."""

    def today(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        text = command.get("text", "")
        lang = choose_language(text, c.settings.default_language)
        rendered = schedule_blocks(c, text, lang)
        respond(text=rendered[0]["text"]["text"], blocks=rendered, response_type="ephemeral")

    return today
