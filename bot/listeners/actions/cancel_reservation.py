"""The Cancel and Release buttons: cancel the reservation if the clicker owns it; refresh App Home."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.container import Container
from bot.slack.surface import cancel, parse_cancel_value, publish_home


def handler(c: Container) -> Callable[..., None]:
    """The listener, bound to the container."""

    def cancel_reservation(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any, client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        reservation_id, lang = parse_cancel_value(
            action.get("value", ""), c.settings.default_language
        )
        result = cancel(c, user, reservation_id, lang)
        if body.get("response_url") or body.get("container", {}).get("type") == "message":
            respond(text=result, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=user, text=result)
        publish_home(client, c, user)

    return cancel_reservation
