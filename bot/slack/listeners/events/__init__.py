"""Events: app_mention, message (DMs and thread replies), app_home_opened.

Assistant threads' events (assistant_thread_started, assistant_thread_context_changed, and
messages in DM threads) are claimed by bot.slack.listeners.assistant before these run.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import SlackDeps
from bot.slack.listeners.events import app_home_opened, app_mention, message
from bot.slack.locale import Locales
from bot.slack.threads import Threads

EVENTS = ("app_mention", "message", "app_home_opened")


def register(app: App, deps: SlackDeps, threads: Threads, locales: Locales) -> None:
    """Register each event's listener."""
    handlers = {
        "app_mention": app_mention.handler(threads),
        "message": message.handler(threads),
        "app_home_opened": app_home_opened.handler(deps, locales),
    }
    for name in EVENTS:
        app.event(name)(handlers[name])
