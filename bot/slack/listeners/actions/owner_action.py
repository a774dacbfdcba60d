"""Cancel, Release and Check in buttons: act if the clicker owns the booking; refresh App Home."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.slack.deps import SlackDeps
from bot.slack.locale import Locales
from bot.slack.surface import owner_action, parse_cancel_value, publish_home


def handler(deps: SlackDeps, verb: str, locales: Locales) -> Callable[..., None]:
    """The listener for one owner-only verb."""
    desk = deps.desk

    def on_press(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any, client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        reservation_id, lang = parse_cancel_value(action.get("value", ""), deps.default_language)
        result = owner_action(desk, verb, user, reservation_id, lang)
        if body.get("response_url") or body.get("container", {}).get("type") == "message":
            respond(text=result, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=user, text=result)
        publish_home(client, desk, user, locales.lang(user), deps.check_in_lead)

    return on_press
