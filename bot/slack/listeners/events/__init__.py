"""Events: app_mention, message (DMs and thread replies), app_home_opened."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import SlackDeps
from bot.slack.listeners.events import app_home_opened, app_mention, message
from bot.slack.threads import Threads

EVENTS = ("app_mention", "message", "app_home_opened")


def register(app: App, deps: SlackDeps) -> None:
    """Register each event's listener."""
    threads = Threads(deps)
    handlers = {
        "app_mention": app_mention.handler(threads),
        "message": message.handler(threads),
        "app_home_opened": app_home_opened.handler(deps.desk, deps.default_language),
    }
    for name in EVENTS:
        app.event(name)(handlers[name])
