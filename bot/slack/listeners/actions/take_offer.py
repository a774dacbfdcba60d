"""'Book it' on a waitlist offer: the held slot becomes the waiter's booking."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.conversation.desk import Desk
from bot.slack.surface import parse_cancel_value, publish_home
from bot.slack.surface_rules import take_offer


def handler(desk: Desk, default_lang: str) -> Callable[..., None]:
    """The listener, bound to the desk."""

    def on_press(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any, client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        reservation_id, lang = parse_cancel_value(action.get("value", ""), default_lang)
        text, settled = take_offer(desk, user, reservation_id, lang)
        if settled:
            respond(text=text, blocks=[], replace_original=True)
        else:
            respond(text=text, response_type="ephemeral", replace_original=False)
        publish_home(client, desk, user, lang)

    return on_press
