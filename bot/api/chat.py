"""POST /api/chat: the assistant over JSON, one conversation per sessionId."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, request

from bot.api.auth import TokenCheck, acting_user
from bot.api.errors import InvalidInput
from bot.api.present import reservation_json
from bot.conversation.types import Converse, Inbound, Reply

SESSION_RE = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")
MAX_MESSAGE = 4000


def confirm_json(reply: Reply, tz: ZoneInfo) -> dict[str, str] | None:
    """What the reply offers to book when told yes (send "yes" / "はい" to book it), or None."""
    offered = next((a for a in reply.actions if a.kind == "confirm"), None)
    if offered is None:
        return None
    start, end = (datetime.fromisoformat(x).astimezone(tz) for x in (offered.start, offered.end))
    return {
        "room-id": offered.room_id,
        "date": start.date().isoformat(),
        "start-time": f"{start:%H:%M}",
        "end-time": f"{end:%H:%M}",
    }


def create_blueprint(conversation: Converse, tz: ZoneInfo, auth: TokenCheck) -> Blueprint:
    """The /api/chat blueprint."""
    bp = Blueprint("chat", __name__, url_prefix="/api")
    bp.before_request(auth)

    @bp.post("/chat")
    def chat() -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise InvalidInput("body", "send a JSON object.", "JSON オブジェクトを送ってください。")
        message, session = body.get("message"), body.get("sessionId")
        if not isinstance(message, str) or not message.strip():
            raise InvalidInput("message", "is required.", "必須項目です。")
        if len(message) > MAX_MESSAGE:
            raise InvalidInput(
                "message",
                f"must be at most {MAX_MESSAGE} characters.",
                f"{MAX_MESSAGE}文字以内です。",
            )
        if not isinstance(session, str) or not SESSION_RE.match(session):
            raise InvalidInput(
                "sessionId",
                "is required: 1-128 letters, digits or _ . : @ -.",
                "必須です（英数字と _ . : @ - で1〜128文字）。",
            )
        inbound = Inbound("api", acting_user(), f"api:{session}", message.strip())
        reply = conversation.reply(inbound)
        return jsonify(
            {
                "reply": reply.text,
                "sessionId": session,
                "language": reply.lang,
                "source": reply.source,
                "reservations": [reservation_json(r, tz) for r in reply.reservations],
                "confirm": confirm_json(reply, tz),
            }
        )

    return bp
