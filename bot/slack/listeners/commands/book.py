"""/book: no text opens the booking modal; '/book 会議室A 14:00-15:00' books directly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.slack.deps import SlackDeps
from bot.slack.language import choose_language
from bot.slack.surface import book_from_text, modal


def handler(deps: SlackDeps) -> Callable[..., None]:
    """The listener, bound to the desk."""
    desk, default_lang = deps.desk, deps.default_language

    def book(ack: Any, command: dict[str, Any], respond: Any, client: WebClient) -> None:
        ack()
        text = command.get("text", "").strip()
        lang = choose_language(text, default_lang)
        if not text:
            client.views_open(trigger_id=command["trigger_id"], view=modal(desk, lang))
            return
        message, rendered = book_from_text(desk, command["user_id"], text, lang)
        respond(text=message, blocks=rendered, response_type="ephemeral")

    return book
