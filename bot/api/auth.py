"""The bearer-token check of /api/* and the identity an API request acts as."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import Response, jsonify, request

from booking.identity import parse as parse_identity
from bot.api.errors import error_body

API_USER = "api"


@dataclass(frozen=True)
class TokenCheck:
    """Require the bearer API_TOKEN; without one configured, allow only in development."""

    expected: str | None
    development: bool

    def __call__(self) -> tuple[Response, int] | None:
        """None when the request may pass, else the 401 response."""
        if not self.expected:
            if self.development:
                return None
            body = error_body(
                "unauthorized", "API_TOKEN is not configured on the server.", "Authorization"
            )
            return jsonify(body), 401
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.expected.encode()
        ):
            return None
        body = error_body(
            "unauthorized", "Send 'Authorization: Bearer <API_TOKEN>'.", "Authorization"
        )
        return jsonify(body), 401


def acting_user() -> str:
    """The identity the API acts as: X-Acting-User (namespaced, or an API user), else 'api'."""
    return parse_identity(request.headers.get("X-Acting-User", "").strip() or API_USER, "api")
