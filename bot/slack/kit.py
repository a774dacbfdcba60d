"""Block Kit basics every Slack builder shares: the block type, text objects, limits, action ids."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]
MAX_MESSAGE_BLOCKS = 50
MAX_TEXT = 3000
CANCEL_ACTION = "cancel_reservation"
OPEN_MODAL_ACTION = "open_book_modal"
BOOK_MODAL = "book_modal"
CHECK_IN_ACTION = "check_in"
RELEASE_ACTION = "release_room"
BOOK_ALTERNATIVE_ACTION = "book_alternative"
CALENDAR_ROTATE_ACTION = "calendar_rotate"
CALENDAR_REVOKE_ACTION = "calendar_revoke"
MAX_ALTERNATIVES = 3
JOIN_WAITLIST_ACTION = "join_waitlist"
TAKE_OFFER_ACTION = "take_offer"
SERIES_ASK_ACTION = "ask_series_cancel"  # Cancel on a series date: which dates?
SERIES_CANCEL_ACTION = "cancel_series"  # this / following / all, chosen
SERIES_PICK_ACTION = "pick_series_cancel"  # the same choice from /mybookings' series line


def mrkdwn(text: str) -> Block:
    """A section of mrkdwn text (cut to Slack's limit)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}}


def plain(text: str) -> dict[str, Any]:
    """A plain_text object (cut to the 75 characters buttons and options allow)."""
    return {"type": "plain_text", "text": text[:75], "emoji": True}
