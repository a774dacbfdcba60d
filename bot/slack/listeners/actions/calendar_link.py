"""New link / Turn off on the calendar link: rotate or revoke the presser's own feed token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.conversation.desk import Desk
from bot.slack.surface import calendar_action, publish_home


def handler(desk: Desk, change: str, default_lang: str) -> Callable[..., None]:
    """The listener for 'rotate' or 'revoke'."""

    def on_press(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any, client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        value = str(action.get("value") or "")
        lang = value if value in ("ja", "en") else default_lang
        text = calendar_action(desk, user, change, lang)
        if body.get("response_url") or body.get("container", {}).get("type") == "message":
            respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=user, text=text)
        publish_home(client, desk, user, lang)

    return on_press
