"""The aiohttp app: POST /api/messages (Bot Framework activities) and GET /health/live.

Each request is authenticated before the SDK's adapter sees it; a malformed activity gets a 400
naming the field; the adapter's own error reply (which would show the exception) is replaced;
when Entra refuses (or cannot be reached for) the bot's outbound token, the answer is a 503.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import pydantic
from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter, start_agent_process
from microsoft_agents.hosting.core import AgentApplication, Connections, TurnContext, TurnState

from bot.teams.app import create_agent_app
from bot.teams.auth import Authenticator, service_url_matches, sign_in_problem
from bot.teams.deps import TeamsDeps

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


def refuse(status: int, message: str) -> web.Response:
    """A JSON error answer."""
    return web.json_response({"error": message}, status=status)


async def activity_problem(request: web.Request) -> str | None:
    """Why the body is not an activity the bot can answer (naming the field), or None."""
    try:
        body = await request.json()
    except ValueError:
        return "the body must be a JSON activity"
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    try:
        activity = Activity.model_validate(body)
    except pydantic.ValidationError as error:
        where = ".".join(str(p) for p in error.errors()[0]["loc"]) or "activity"
        return f"{where}: {error.errors()[0]['msg']}"
    for field, value in (("conversation.id", activity.conversation and activity.conversation.id),
                         ("serviceUrl", activity.service_url)):  # fmt: skip
        if not value:
            return f"{field} is required"
    return None


def create_web_app(
    deps: TeamsDeps, authenticator: Authenticator, connections: Connections
) -> web.Application:
    """The messaging endpoint wired to the agent application."""
    adapter = CloudAdapter(connection_manager=connections)
    adapter.on_turn_error = quiet_turn_error
    agent: AgentApplication[TurnState] = create_agent_app(deps, connections)

    async def messages(request: web.Request) -> web.StreamResponse:
        claims = await authenticator.identity(request.headers.get("Authorization"))
        if claims is None:
            return refuse(401, "invalid or missing Bot Framework token")
        problem = await activity_problem(request)
        if problem:
            return refuse(400, problem)
        body: dict[str, Any] = await request.json()
        if not service_url_matches(claims, body.get("serviceUrl")):
            return refuse(401, "serviceUrl does not match the token")
        with warnings.catch_warnings():  # the SDK's adapter reads this plain string key
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request["claims_identity"] = claims
        try:
            answer = await start_agent_process(request, agent, adapter)
        except (ValueError, OSError) as error:  # before the turn: no outbound token from Entra
            log.error("Teams activity not answered: %s", sign_in_problem(error))
            return refuse(503, "the bot could not sign in to the Bot Framework")
        return answer if answer is not None else web.Response(status=202)

    async def live(_request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/health/live", live)
    return app


async def quiet_turn_error(context: TurnContext, error: Exception) -> None:
    """A turn failed past the application's own handler: log it; tell the user nothing internal."""
    log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)
