"""Map domain and infrastructure errors to JSON responses; never a traceback in a body."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from booking import errors

log = logging.getLogger(__name__)

STATUS = {
    errors.InvalidInput: 400,
    errors.InvalidReservation: 400,
    errors.RoomNotFound: 404,
    errors.ReservationNotFound: 404,
    errors.SlotTaken: 409,
    errors.AlreadyCancelled: 409,
    errors.NotOwner: 403,
}


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"error": {"code": code, "field": field, "message": message, **extra}}


def register(app: Flask) -> None:
    """Install JSON error handlers on the app."""

    @app.errorhandler(errors.BookingError)
    def booking_error(error: errors.BookingError) -> tuple[Response, int]:
        return jsonify({"error": error.to_dict()}), STATUS.get(type(error), 400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        code = (error.name or "error").lower().replace(" ", "_")
        return jsonify(error_body(code, error.description or code)), error.code or 500

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_down(error: Exception) -> tuple[Response, int]:
        log.warning("database unavailable: %s", type(error).__name__)
        body = error_body(
            "database_unavailable",
            "The reservation database is temporarily unavailable; please retry shortly.",
            message_ja="予約データベースに一時的に接続できません。しばらくしてから再度お試しください。",
        )
        return jsonify(body), 503

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        body = error_body("internal_error", "Something went wrong on our side.")
        return jsonify(body), 500
