"""Build the agent application: the routes of every activity kind, and the polite failure."""

from __future__ import annotations

import logging
import re

from microsoft_agents.activity import Activity, ActivityTypes, InvokeResponse
from microsoft_agents.hosting.core import (
    AgentApplication,
    Connections,
    MemoryStorage,
    TurnContext,
    TurnState,
)

from bot.conversation.i18n import t
from bot.teams.deps import TeamsDeps
from bot.teams.turns import Turns, message_response

log = logging.getLogger(__name__)
VERBS = re.compile(
    r"^(cancel|check_in|release|book|approve|reject|take_offer|join_waitlist|calendar_rotate"
    r"|calendar_revoke)$"
)


def create_agent_app(deps: TeamsDeps, connections: Connections) -> AgentApplication[TurnState]:
    """The agent application with every route; requests are authenticated by the caller."""
    app = AgentApplication[TurnState](
        storage=MemoryStorage(),  # turn state is unused: history lives in the conversation core
        connection_manager=connections,
        start_typing_timer=False,  # the turns send typing themselves, once per step
        remove_recipient_mention=True,
    )
    turns = Turns(deps)
    app.message()(turns.message)
    app.adaptive_card.action_execute(VERBS)(turns.action)
    app.installation_update()(turns.installed)

    @app.error
    async def polite_failure(context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)
        key = "unavailable" if type(error).__name__ == "OperationalError" else "error"
        text = t(key, deps.default_language)
        if context.activity.type == ActivityTypes.invoke:
            await context.send_activity(invoke_answer(text))
        else:
            await context.send_activity(text)

    return app


def invoke_answer(text: str) -> Activity:
    """The invoke response activity carrying a message for the presser."""
    body = message_response(text).model_dump(mode="json", by_alias=True, exclude_none=True)
    return Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))
