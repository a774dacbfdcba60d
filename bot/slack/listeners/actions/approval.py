"""Approve / Reject in an approver's DM: only the room's approvers; the first decision wins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.conversation.desk import Desk
from bot.slack.surface import parse_cancel_value
from bot.slack.surface_rules import decide


def handler(desk: Desk, approve: bool, default_lang: str) -> Callable[..., None]:
    """The listener for one of the two decisions."""

    def on_press(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        ack()
        reservation_id, lang = parse_cancel_value(action.get("value", ""), default_lang)
        text, settled = decide(desk, body["user"]["id"], reservation_id, approve, lang)
        if settled:  # the request now says who decided (the other approvers' follow)
            respond(text=text, blocks=[], replace_original=True)
        else:
            respond(text=text, response_type="ephemeral", replace_original=False)

    return on_press
