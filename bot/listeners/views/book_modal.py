"""The booking modal's submission: errors on the fields, or book and confirm by DM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.container import Container
from bot.slack.surface import publish_home, submit_modal
from bot.slack.texts import tr


def handler(c: Container) -> Callable[..., None]:
    """The listener, bound to the container."""

    def book_modal(ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        try:
            errors, confirmation, rendered = submit_modal(c, user, view)
        except Exception:  # e.g. the database is down: say so on the form instead of failing it
            unavailable = tr("unavailable", c.settings.default_language)
            ack(response_action="errors", errors={"room": unavailable})
            raise
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        client.chat_postMessage(channel=user, text=confirmation, blocks=rendered)
        publish_home(client, c, user)

    return book_modal
