"""The booking modal's submission: errors on the fields, or book and confirm by DM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.conversation.i18n import t
from bot.slack.deps import SlackDeps
from bot.slack.locale import Locales
from bot.slack.surface import publish_home, submit_modal


def handler(deps: SlackDeps, locales: Locales) -> Callable[..., None]:
    """The listener, bound to the desk."""
    desk, default_lang = deps.desk, deps.default_language

    def book_modal(ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        try:
            errors, confirmation, rendered = submit_modal(desk, user, view, default_lang)
        except Exception:  # e.g. the database is down: say so on the form instead of failing it
            ack(response_action="errors", errors={"room": t("unavailable", default_lang)})
            raise
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        client.chat_postMessage(channel=user, text=confirmation, blocks=rendered)
        publish_home(client, desk, user, locales.lang(user), deps.check_in_lead)

    return book_modal
