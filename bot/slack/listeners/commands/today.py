"""/today [room]: today's schedule (JST), every room or one, with free gaps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.slack.deps import SlackDeps
from bot.slack.language import choose_language
from bot.slack.surface import schedule_blocks


def handler(deps: SlackDeps) -> Callable[..., None]:
    """The listener, bound to the desk."""
    desk, default_lang = deps.desk, deps.default_language

    def today(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        lang = choose_language(command.get("text", ""), default_lang)
        rendered = schedule_blocks(desk, command.get("text", ""), lang)
        respond(text=rendered[0]["text"]["text"], blocks=rendered, response_type="ephemeral")

    return today
