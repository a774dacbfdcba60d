"""Block actions: Cancel, Book a room, and the reminder's Check in / Release buttons."""

from __future__ import annotations

from slack_bolt import App

from bot.container import Container
from bot.listeners.actions import cancel_reservation, check_in, open_book_modal
from bot.reminders.messages import CHECK_IN_ACTION, RELEASE_ACTION
from bot.slack.blocks import CANCEL_ACTION, OPEN_MODAL_ACTION

ACTIONS = {
    CANCEL_ACTION: cancel_reservation,
    OPEN_MODAL_ACTION: open_book_modal,
    CHECK_IN_ACTION: check_in,
    RELEASE_ACTION: cancel_reservation,  # releasing the room is cancelling the booking
}


def register(app: App, c: Container) -> None:
    """Register each action's listener."""
    for action_id, module in ACTIONS.items():
        app.action(action_id)(module.handler(c))
