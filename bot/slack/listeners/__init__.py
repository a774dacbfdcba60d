"""Slack listeners, one file each, grouped like slack-samples' Bolt template."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import SlackDeps
from bot.slack.listeners import actions, commands, events, views


def register(app: App, deps: SlackDeps) -> None:
    """Register every listener on the app."""
    for package in (commands, events, actions, views):
        package.register(app, deps)
