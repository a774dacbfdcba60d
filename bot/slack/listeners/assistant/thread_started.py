"""assistant_thread_started: greet in the user's language and suggest what to ask."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.conversation.i18n import t
from bot.slack.ai_blocks import suggested_prompts
from bot.slack.capabilities import Capabilities
from bot.slack.locale import Locales

log = logging.getLogger(__name__)


def handler(locales: Locales, capabilities: Capabilities) -> Callable[..., None]:
    """The listener, bound to the locale look-up."""

    def thread_started(
        payload: dict[str, Any], say: Any, set_suggested_prompts: Any, save_thread_context: Any
    ) -> None:
        thread = payload["assistant_thread"]
        lang = locales.lang(thread["user_id"])
        if (thread.get("context") or {}).get("channel_id"):
            save_thread_context(thread["context"])
        say(text=t("assistant_greeting", lang))
        try:
            set_suggested_prompts(prompts=suggested_prompts(lang), title=t("prompts_title", lang))
        except SlackApiError as error:
            code = error.response.get("error")
            capabilities.refused("im", "assistant.threads.setSuggestedPrompts", code)
            log.info("suggested prompts not set (%s)", code)

    return thread_started
