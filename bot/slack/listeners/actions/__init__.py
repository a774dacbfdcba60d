"""Block actions: Cancel, Release, Check in, Book this instead, Book a room, feedback, the
calendar link; Approve / Reject, Notify me if it frees up, Book it (an offer), series dates."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.slack.ai_blocks import FEEDBACK_ACTION
from bot.slack.deps import SlackDeps
from bot.slack.kit import (
    BOOK_ALTERNATIVE_ACTION,
    CALENDAR_REVOKE_ACTION,
    CALENDAR_ROTATE_ACTION,
    CANCEL_ACTION,
    CHECK_IN_ACTION,
    JOIN_WAITLIST_ACTION,
    OPEN_MODAL_ACTION,
    RELEASE_ACTION,
    SERIES_ASK_ACTION,
    SERIES_CANCEL_ACTION,
    SERIES_PICK_ACTION,
    TAKE_OFFER_ACTION,
)
from bot.slack.listeners.actions import (
    approval,
    book_alternative,
    calendar_link,
    feedback,
    join_waitlist,
    open_book_modal,
    owner_action,
    series_cancel,
    take_offer,
)
from bot.slack.locale import Locales
from bot.slack.rule_blocks import APPROVE_ACTION, REJECT_ACTION


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
    register_rules(app, deps)


def register_rules(app: App, deps: SlackDeps) -> None:
    """Register the listeners of approvals, the waitlist and series."""
    desk, lang = deps.desk, deps.default_language
    app.action(APPROVE_ACTION)(approval.handler(desk, True, lang))
    app.action(REJECT_ACTION)(approval.handler(desk, False, lang))
    app.action(JOIN_WAITLIST_ACTION)(join_waitlist.handler(desk, lang))
    app.action(TAKE_OFFER_ACTION)(take_offer.handler(desk, lang))
    app.action(SERIES_ASK_ACTION)(series_cancel.ask(desk, lang))
    chosen = re.compile(
        rf"^(?:{SERIES_CANCEL_ACTION}_(?:this|following|all)|{SERIES_PICK_ACTION})$"
    )
    app.action(chosen)(series_cancel.answer(desk, lang))
