"""View submissions: the booking modal."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import SlackDeps
from bot.slack.kit import BOOK_MODAL
from bot.slack.listeners.views import book_modal
from bot.slack.locale import Locales


def register(app: App, deps: SlackDeps, locales: Locales) -> None:
    """Register each view's listener."""
    app.view(BOOK_MODAL)(book_modal.handler(deps, locales))
