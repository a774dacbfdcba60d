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

API_FIELDS = {"room": "room-id", "start": "start-time", "end": "end-time"}


class InvalidInput(errors.BookingError):
    """A request field is missing or malformed (named as the API names it)."""

    code = "invalid_input"

    def __init__(self, field: str, message: str, message_ja: str):
        super().__init__(f"{field}: {message}", f"{field}: {message_ja}", field)


STATUS = {
    InvalidInput: 400,
    errors.InvalidReservation: 400,
    errors.RoomNotFound: 404,
    errors.ReservationNotFound: 404,
    errors.SlotTaken: 409,
    errors.AlreadyCancelled: 409,
    errors.NotOwner: 403,
    errors.NotSeriesOwner: 403,
    errors.NotApprover: 403,
    errors.SeriesNotFound: 404,
    errors.SeriesDateNotFound: 404,
    errors.WaitNotFound: 404,
    errors.SlotFree: 409,
    errors.SlotYours: 409,
    errors.OfferLapsed: 409,
    errors.AlreadyDecided: 409,
}


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"error": {"code": code, "field": field, "message": message, **extra}}


def register(app: Flask) -> None:
    """Install JSON error handlers on the app."""

    @app.errorhandler(errors.BookingError)
    def booking_error(error: errors.BookingError) -> tuple[Response, int]:
        body = error.to_dict()
        if not isinstance(error, InvalidInput):
            body["field"] = API_FIELDS.get(body["field"] or "", body["field"])
        return jsonify({"error": body}), STATUS.get(type(error), 400)

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
