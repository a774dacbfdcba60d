"""Build the Bolt app: the shared Web API client, event de-duplication, every listener."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltResponse

from bot.conversation.i18n import t
from bot.slack import listeners
from bot.slack.deps import SlackDeps
from bot.slack.language import choose_language

log = logging.getLogger(__name__)


def create_bolt_app(deps: SlackDeps, listener_executor: Executor | None = None) -> App:
    """The Bolt app with every listener; request signatures are checked by the caller."""
    app = App(
        client=deps.client,
        listener_executor=listener_executor,  # None: Bolt's own pool
        signing_secret=deps.signing_secret or "unused",
        token_verification_enabled=False,  # no network call at start-up
        request_verification_enabled=False,  # bot.slack.http verifies with the app's clock
        process_before_response=False,  # ack first; listeners continue in Bolt's thread pool
    )

    # Events reach Bolt after their acknowledgement (bot.slack.http): this claim, one round trip
    # to Redis and/or the database, runs on the dispatch thread, off Slack's 3-second path.
    @app.middleware
    def drop_redelivered_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not deps.deduper.first_time(str(event_id)):
            log.info("duplicate event %s acknowledged and dropped", event_id)
            return BoltResponse(status=200, body="")
        return next()  # type: ignore[no-any-return]

    @app.error
    def polite_failure(error: Exception, body: dict[str, Any], respond: Any) -> None:
        """Tell only the person who asked (ephemeral), in the language they wrote in."""
        log.error("Slack listener failed: %s", type(error).__name__, exc_info=error)
        key = "unavailable" if type(error).__name__ == "OperationalError" else "error"
        text = t(key, choose_language(str(body.get("text") or ""), deps.default_language))
        if respond is None or not (body.get("response_url") or body.get("response_urls")):
            return
        try:
            respond(text=text, response_type="ephemeral", replace_original=False)
        except Exception as failed:  # an expired response_url: the log already has the cause
            log.warning("could not tell the user about the failure: %s", type(failed).__name__)

    listeners.register(app, deps)
    return app
