"""Block actions: Cancel, Release, Check in, Book this instead, Book a room, and feedback."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.ai_blocks import FEEDBACK_ACTION
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
    feedback,
    open_book_modal,
    owner_action,
)
from bot.slack.locale import Locales


def register(app: App, deps: SlackDeps, locales: Locales) -> None:
    """Register each action's listener."""
    lang = deps.default_language
    for action_id, verb in ((CANCEL_ACTION, "cancel"), (RELEASE_ACTION, "release"),
                            (CHECK_IN_ACTION, "check_in")):  # fmt: skip
        app.action(action_id)(owner_action.handler(deps, verb, locales))
    app.action(BOOK_ALTERNATIVE_ACTION)(book_alternative.handler(deps.desk, lang))
    app.action(OPEN_MODAL_ACTION)(open_book_modal.handler(deps.desk, lang))
    app.action(FEEDBACK_ACTION)(feedback.handler(deps))
    app.action(CALENDAR_ROTATE_ACTION)(calendar_link.handler(deps.desk, "rotate", lang))
    app.action(CALENDAR_REVOKE_ACTION)(calendar_link.handler(deps.desk, "revoke", lang))
