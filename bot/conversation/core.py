"""The one entry of every surface: an inbound message in, a structured reply out.

The model decides when there is one and it answers; otherwise (no key, or unreachable before
any tool ran) the offline assistant does. Infrastructure failures become a polite line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from booking.policy import Policy
from booking.ports import AbstractUnitOfWork
from bot.conversation.context import ToolContext
from bot.conversation.history import ChatHistory
from bot.conversation.i18n import t
from bot.conversation.language import detect_language
from bot.conversation.model.llm import ChatModel, ModelUnavailable
from bot.conversation.model.loop import Limits, ModelLoop, Turn
from bot.conversation.offline.assistant import OfflineAssistant
from bot.conversation.types import Inbound, Lang, ProgressSink, Reply

log = logging.getLogger(__name__)


class Conversation:
    """Answers one message of a conversation, through the model or the offline assistant."""

    def __init__(
        self,
        uow: Callable[[], AbstractUnitOfWork],
        policy: Policy,
        history: ChatHistory,
        clock: Callable[[], datetime],
        model: ChatModel | None = None,
        admins: frozenset[str] = frozenset(),
        limits: Limits | None = None,
    ):
        self.uow, self.policy, self.admins, self.clock = uow, policy, admins, clock
        self.history = history
        self.loop = ModelLoop(model, history, limits) if model is not None else None
        self.offline_assistant = OfflineAssistant(history)

    @property
    def has_model(self) -> bool:
        """True when a model answers (else the offline assistant)."""
        return self.loop is not None

    def context(self, inbound: Inbound, lang: Lang, sink: ProgressSink | None) -> ToolContext:
        """The tools' view of one verified request."""
        return ToolContext(
            self.uow, self.policy, inbound.actor, self.clock(), self.admins, lang=lang, sink=sink
        )

    def reply(self, inbound: Inbound, sink: ProgressSink | None = None) -> Reply:
        """The answer to one user message (never raises for infrastructure failures)."""
        lang: Lang = inbound.lang or detect_language(inbound.text)
        if self.loop is None:
            return self.offline(inbound, lang, sink)
        turn = Turn(self.loop, inbound, self.context(inbound, lang, sink))
        try:
            return turn.run()
        except ModelUnavailable as error:
            if error.reason == "unreachable" and not turn.tools_ran:
                log.warning("model unreachable; the offline assistant answers")
                return self.offline(inbound, lang, sink)
            return turn.fail("timeout" if error.reason == "timeout" else "model_failed", error)
        except Exception as error:  # the user gets a polite line, the log gets the traceback
            log.exception("assistant turn failed")
            return turn.fail(infrastructure_key(error), error)

    def offline(self, inbound: Inbound, lang: Lang, sink: ProgressSink | None = None) -> Reply:
        """The offline assistant's answer; an infrastructure failure becomes a polite line."""
        try:
            return self.offline_assistant.reply(inbound, self.context(inbound, lang, sink))
        except Exception as error:
            log.exception("offline assistant failed")
            return Reply(t(infrastructure_key(error), lang), lang, source="error")


def infrastructure_key(error: Exception) -> str:
    """Which polite text fits an unexpected failure."""
    name = type(error).__name__
    return "database_down" if name in ("OperationalError", "TimeoutError") else "internal"
