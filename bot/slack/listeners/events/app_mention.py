"""app_mention: someone wrote @bot in a channel; the assistant answers in the thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.slack.threads import Threads


def handler(threads: Threads) -> Callable[..., None]:
    """The listener, bound to the thread answerer."""

    def app_mention(event: dict[str, Any], context: dict[str, Any]) -> None:
        if event.get("bot_id") or not event.get("user"):
            return
        threads.answer(event, context.get("team_id") or event.get("team", ""))

    return app_mention
