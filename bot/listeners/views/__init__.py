"""View submissions: the booking modal."""

from __future__ import annotations

from slack_bolt import App

from bot.container import Container
from bot.listeners.views import book_modal
from bot.slack.blocks import BOOK_MODAL


def register(app: App, c: Container) -> None:
    """Register each view's listener."""
    app.view(BOOK_MODAL)(book_modal.handler(c))
