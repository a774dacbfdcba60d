"""Cancel on a series date asks 'this date / this and following / all'; the answer cancels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.conversation.desk import Desk
from bot.slack.surface import publish_home
from bot.slack.surface_rules import cancel_series, series_question


def ask(desk: Desk, default_lang: str) -> Callable[..., None]:
    """The Cancel button of a series date: ask which dates."""

    def on_press(ack: Any, action: dict[str, Any], respond: Any) -> None:
        ack()
        text, rendered = series_question(desk, action.get("value", ""), default_lang)
        respond(text=text, blocks=rendered, response_type="ephemeral", replace_original=False)

    return on_press


def answer(desk: Desk, default_lang: str) -> Callable[..., None]:
    """A choice (a button of the question, or /mybookings' select): cancel those dates."""

    def on_choice(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any, client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        value = action.get("value") or (action.get("selected_option") or {}).get("value", "")
        text, lang = cancel_series(desk, user, value, default_lang)
        respond(text=text, response_type="ephemeral", replace_original=False)
        publish_home(client, desk, user, lang)

    return on_choice
