"""app_home_opened: publish the user's Home tab (their bookings, today's schedule, Book button).

It renders in the viewer's Slack locale (users.info), not the workspace's default language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.slack.deps import SlackDeps
from bot.slack.locale import Locales
from bot.slack.surface import publish_home


def handler(deps: SlackDeps, locales: Locales) -> Callable[..., None]:
    """The listener, bound to the desk and the locale look-up."""

    def app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            user = event["user"]
            publish_home(client, deps.desk, user, locales.lang(user), deps.check_in_lead)

    return app_home_opened
