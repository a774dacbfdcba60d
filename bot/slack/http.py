"""POST /slack/events: one Request URL for events, slash commands and interactivity."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, jsonify, request
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


def create_blueprint(deps: SlackDeps) -> Blueprint:
    """Verify Slack's signature (v0, 5-minute window), then hand the request to Bolt."""
    bp = Blueprint("slack", __name__)
    secret = deps.signing_secret
    verifier = SignatureVerifier(secret, clock=AppClock(deps.clock)) if secret else None
    # Built with the app (no network: token verification is off), not on a worker's first event,
    # which would otherwise wait for the whole Bolt app to be assembled before its ack.
    handler = SlackRequestHandler(create_bolt_app(deps)) if verifier and deps.bot_token else None

    @bp.post("/slack/events")
    def events() -> Response | tuple[Response, int]:
        if verifier is None or handler is None:
            missing = "SLACK_SIGNING_SECRET" if verifier is None else "SLACK_BOT_TOKEN"
            return jsonify({"error": f"{missing} is not configured"}), 503
        body = request.get_data()
        if not _valid(verifier, body, dict(request.headers)):
            log.warning("rejected a Slack request with a missing, stale or invalid signature")
            return jsonify({"error": "invalid_signature"}), 401
        return handler.handle(request)

    return bp
