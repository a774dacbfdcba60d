"""POST /slack/events while Slack is not configured: 503 naming the missing setting (no Bolt)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify


def create_blueprint(missing: str) -> Blueprint:
    """The Request URL, answering 503 until SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are set."""
    bp = Blueprint("slack", __name__)

    @bp.post("/slack/events")
    def events() -> tuple[Response, int]:
        return jsonify({"error": f"{missing} is not configured"}), 503

    return bp
