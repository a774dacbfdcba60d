"""Block actions: the Cancel button and the 'Book a room' button."""

from __future__ import annotations

from slack_bolt import App

from bot.container import Container
from bot.listeners.actions import cancel_reservation, open_book_modal
from bot.slack.blocks import CANCEL_ACTION, OPEN_MODAL_ACTION

ACTIONS = {CANCEL_ACTION: cancel_reservation, OPEN_MODAL_ACTION: open_book_modal}


def register(app: App, c: Container) -> None:
    """Register each action's listener."""
    for action_id, module in ACTIONS.items():
        app.action(action_id)(module.handler(c))
