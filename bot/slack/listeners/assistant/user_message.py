"""A user's message in an assistant thread: status, streamed steps and answer; a title first time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.slack.ai_blocks import thread_title
from bot.slack.deps import SlackDeps
from bot.slack.threads import Threads, session_key

log = logging.getLogger(__name__)


def handler(deps: SlackDeps, threads: Threads) -> Callable[..., None]:
    """The listener, bound to the thread answerer."""

    def user_message(
        payload: dict[str, Any], context: dict[str, Any], set_title: Any, get_thread_context: Any
    ) -> None:
        if payload.get("bot_id") or not payload.get("user"):
            return
        team = context.get("team_id") or payload.get("team", "")
        first = not deps.history.load(session_key(team, payload["channel"], payload["thread_ts"]))
        found = get_thread_context()
        about = {"channel": found.channel_id} if found is not None else {}
        threads.answer(payload, team, assistant=True, context=about)
        if first and payload.get("text") and threads.capabilities.allows("im"):
            try:
                set_title(thread_title(payload["text"]))
            except SlackApiError as error:
                code = error.response.get("error")
                threads.capabilities.refused("im", "assistant.threads.setTitle", code)
                log.info("assistant thread title not set (%s)", code)

    return user_message
