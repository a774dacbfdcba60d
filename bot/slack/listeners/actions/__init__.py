"""Block actions: Cancel, Release, Check in, Book this instead, and Book a room."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.blocks import (
    BOOK_ALTERNATIVE_ACTION,
    CALENDAR_REVOKE_ACTION,
    CALENDAR_ROTATE_ACTION,
    CANCEL_ACTION,
    CHECK_IN_ACTION,
    OPEN_MODAL_ACTION,
    RELEASE_ACTION,
)
from bot.slack.deps import SlackDeps
from bot.slack.listeners.actions import (
    book_alternative,
    calendar_link,
    open_book_modal,
    owner_action,
)


def register(app: App, deps: SlackDeps) -> None:
    """Register each action's listener."""
    lang = deps.default_language
    app.action(CANCEL_ACTION)(owner_action.handler(deps.desk, "cancel", lang))
    app.action(RELEASE_ACTION)(owner_action.handler(deps.desk, "release", lang))
    app.action(CHECK_IN_ACTION)(owner_action.handler(deps.desk, "check_in", lang))
    app.action(BOOK_ALTERNATIVE_ACTION)(book_alternative.handler(deps.desk, lang))
    app.action(OPEN_MODAL_ACTION)(open_book_modal.handler(deps.desk, lang))
    app.action(CALENDAR_ROTATE_ACTION)(calendar_link.handler(deps.desk, "rotate", lang))
    app.action(CALENDAR_REVOKE_ACTION)(calendar_link.handler(deps.desk, "revoke", lang))
