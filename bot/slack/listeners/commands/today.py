"""/today [room]: today's schedule (JST), every room or one, with free gaps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.conversation.desk import Desk
from bot.slack.language import choose_language
from bot.slack.surface import schedule_blocks


def handler(desk: Desk, default_lang: str) -> Callable[..., None]:
    """The listener, bound to the desk."""

    def today(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        lang = choose_language(command.get("text", ""), default_lang)
        rendered = schedule_blocks(desk, command.get("text", ""), lang)
        respond(text=rendered[0]["text"]["text"], blocks=rendered, response_type="ephemeral")

    return today
