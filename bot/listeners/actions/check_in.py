"""The reminder's 'Check in' button: the booker confirms they are using the room."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.container import Container
from bot.slack.surface import check_in, parse_cancel_value


def handler(c: Container) -> Callable[..., None]:
    """The listener, bound to the container."""

    def check_in_button(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        ack()
        reservation_id, lang = parse_cancel_value(
            action.get("value", ""), c.settings.default_language
        )
        respond(text=check_in(c, body["user"]["id"], reservation_id, lang), replace_original=False)

    return check_in_button
