"""Events: app_mention, message (DMs and thread replies), app_home_opened."""

from __future__ import annotations

from slack_bolt import App

from bot.container import Container
from bot.listeners.events import app_home_opened, app_mention, message

EVENTS = {"app_mention": app_mention, "message": message, "app_home_opened": app_home_opened}


def register(app: App, c: Container) -> None:
    """Register each event's listener."""
    for name, module in EVENTS.items():
        app.event(name)(module.handler(c))
