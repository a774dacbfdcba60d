"""Slash commands: /today, /book, /mybookings, /rooms."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import SlackDeps
from bot.slack.listeners.commands import book, mybookings, rooms, today

COMMANDS = {"/today": today, "/book": book, "/mybookings": mybookings, "/rooms": rooms}


def register(app: App, deps: SlackDeps) -> None:
    """Register each command's listener."""
    for name, module in COMMANDS.items():
        app.command(name)(module.handler(deps))
