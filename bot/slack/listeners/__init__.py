"""Slack listeners, one file each, grouped like slack-samples' Bolt template."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.capabilities import Capabilities
from bot.slack.deps import SlackDeps
from bot.slack.listeners import actions, assistant, commands, events, views
from bot.slack.locale import Locales
from bot.slack.threads import Threads


def register(app: App, deps: SlackDeps) -> None:
    """Register every listener on the app (the assistant's middleware first)."""
    threads = Threads(deps, Capabilities(deps.clock))
    locales = Locales(deps.client, deps.default_language)
    assistant.register(app, deps, threads, locales)
    commands.register(app, deps)
    events.register(app, deps, threads, locales)
    actions.register(app, deps, locales)
    views.register(app, deps, locales)
