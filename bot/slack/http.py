"""POST /slack/events: one Request URL for events, slash commands and interactivity.

An Events API callback is acknowledged as soon as its signature checks out; Bolt's dispatch of
it (its middleware, the claim of the event id that drops Slack's redeliveries, the listener)
runs on Bolt's listener threads after the acknowledgement. Slash commands and interactive payloads
go through Bolt on the request, as their acknowledgement can carry an answer (view errors).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from datetime import datetime

from flask import Blueprint, Response, jsonify, request
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk.signature import Clock, SignatureVerifier

from bot.slack.app import create_bolt_app
from bot.slack.deps import SlackDeps

log = logging.getLogger(__name__)


class AppClock(Clock):
    """Slack's signature clock reading the application's clock (tests fix it)."""

    def __init__(self, clock: Callable[[], datetime]):
        self.clock = clock

    def now(self) -> float:
        return self.clock().timestamp()


def _valid(verifier: SignatureVerifier, body: bytes, headers: dict[str, str]) -> bool:
    """The signature check; malformed input (odd timestamps, non-ASCII, non-UTF-8) is invalid."""
    try:
        return verifier.is_valid_request(body, headers)
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError):
        return False


def is_event_callback(mimetype: str, body: bytes) -> bool:
    """Whether the body is an Events API callback (JSON whose type is event_callback)."""
    if mimetype != "application/json":
        return False  # slash commands and interactivity are form-encoded
    try:
        payload = json.loads(body)
    except ValueError:  # not JSON, or not UTF-8: Bolt answers it as before
        return False
    return isinstance(payload, dict) and payload.get("type") == "event_callback"


class EventDispatcher:
    """Runs Bolt's dispatch of acknowledged events on Bolt's own listener threads."""

    # No pool of its own: more threads would only compete for the GIL with the requests. A
    # dispatch queued before its listener runs first, so claims are not held up by answers.
    def __init__(self, bolt: App):
        self.bolt = bolt
        self.pool = bolt.listener_runner.listener_executor

    def submit(self, body: bytes, headers: dict[str, str]) -> None:
        """Queue an event whose signature was checked; returns at once."""
        self.pool.submit(self.dispatch, body, headers)

    def dispatch(self, body: bytes, headers: dict[str, str]) -> None:
        """Bolt's middleware (the redelivery claim included) and the event's listener."""
        try:
            copied: dict[str, str | Sequence[str]] = {**headers}
            bolt_request = BoltRequest(body=body.decode("utf-8", "replace"), headers=copied)
            response = self.bolt.dispatch(bolt_request)
        except Exception as error:  # Bolt handles its own errors; anything else is logged here
            log.error("Slack event dispatch failed: %s", type(error).__name__, exc_info=error)
            return
        if response.status != 200:
            log.warning("Slack event not handled after the ack: status %s", response.status)


def create_blueprint(deps: SlackDeps, listener_executor: Executor | None = None) -> Blueprint:
    """Verify Slack's signature (v0, 5-minute window), then hand the request to Bolt.

    `listener_executor` runs what Bolt does after an acknowledgement (bot.slack.executor).
    """
    if not deps.signing_secret or not deps.bot_token:  # see bot.slack.unconfigured
        raise ValueError("the Slack blueprint needs SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN")
    bp = Blueprint("slack", __name__)
    verifier = SignatureVerifier(deps.signing_secret, clock=AppClock(deps.clock))
    # Built with the app (no network: token verification is off), not on a worker's first event,
    # which would otherwise wait for the whole Bolt app to be assembled before its ack.
    bolt = create_bolt_app(deps, listener_executor)
    handler, dispatcher = SlackRequestHandler(bolt), EventDispatcher(bolt)

    @bp.post("/slack/events")
    def events() -> Response | tuple[Response, int]:
        body, headers = request.get_data(), dict(request.headers)
        if not _valid(verifier, body, headers):
            log.warning("rejected a Slack request with a missing, stale or invalid signature")
            return jsonify({"error": "invalid_signature"}), 401
        if is_event_callback(request.mimetype, body):
            dispatcher.submit(body, headers)
            return Response(b"", status=200, content_type="text/plain;charset=utf-8")
        return handler.handle(request)

    return bp
