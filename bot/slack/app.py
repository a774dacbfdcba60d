"""Build the Bolt app: a Web API client with retries, de-duplication, listeners."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import listeners
from bot.container import Container
from bot.slack.dedupe import EventDeduper

log = logging.getLogger(__name__)
WEB_API_TIMEOUT_S = 10


def web_client(token: str | None, base_url: str) -> WebClient:
    """The Web API client, retrying 429 (honouring Retry-After), 5xx and connection errors."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=WEB_API_TIMEOUT_S,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def create_bolt_app(c: Container) -> App:
    """The Bolt app with every listener; request signatures are checked by the caller."""
    s = c.settings
    app = App(
        client=web_client(s.slack_bot_token, s.slack_api_url),
        signing_secret=s.slack_signing_secret or "unused",
        token_verification_enabled=False,  # no network call at start-up
        request_verification_enabled=False,  # bot.slack.http verifies with the app's clock
        process_before_response=False,  # ack first; listeners continue in Bolt's thread pool
    )
    deduper = EventDeduper(c.redis)

    @app.middleware
    def drop_redelivered_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not deduper.first_time(str(event_id)):
            log.info("duplicate event %s acknowledged and dropped", event_id)
            return BoltResponse(status=200, body="")
        return next()  # type: ignore[no-any-return]

    listeners.register(app, c)
    return app
