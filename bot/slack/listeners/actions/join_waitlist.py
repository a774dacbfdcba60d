"""'Notify me if it frees up' after a conflict: wait for the slot, first come first served."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.conversation.desk import Desk
from bot.slack.surface_rules import join_waitlist


def handler(desk: Desk, default_lang: str) -> Callable[..., None]:
    """The listener, bound to the desk."""

    def on_press(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        ack()
        text, rendered = join_waitlist(
            desk, body["user"]["id"], action.get("value", ""), default_lang
        )
        respond(text=text, blocks=rendered, response_type="ephemeral", replace_original=False)

    return on_press
