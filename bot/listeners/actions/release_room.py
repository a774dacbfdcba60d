"""The reminder's 'Release the room' button: cancels the booking so others can use the room."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.container import Container
from bot.slack.surface import cancel, parse_cancel_value, publish_home


def handler(c: Container) -> Callable[..., None]:
    """The listener, bound to the container."""

    def release_room(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any, client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        reservation_id, lang = parse_cancel_value(
            action.get("value", ""), c.settings.default_language
        )
        respond(text=cancel(c, user, reservation_id, lang), replace_original=False)
        publish_home(client, c, user)

    return release_room
