"""Routes of /api/rooms and /api/reservations."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, jsonify, request

from booking import services
from booking.errors import ReservationNotFound
from bot.api.errors import error_body
from bot.api.parsing import optional, parse_date, parse_new_reservation
from bot.api.present import reservation_json, room_json
from bot.container import Container

API_USER = "api"
MAX_ID = 2**63 - 1


def create_blueprint(container: Container) -> Blueprint:
    """The /api blueprint, bound to the container's services."""
    bp = Blueprint("api", __name__, url_prefix="/api")
    tz = container.policy.tz

    @bp.before_request
    def authenticate() -> tuple[Response, int] | None:
        return check_token(container)

    @bp.get("/rooms")
    def rooms() -> Response:
        with container.uow() as uow:
            found = uow.rooms.list()
        return jsonify({"rooms": [room_json(r) for r in found]})

    @bp.get("/reservations")
    def list_reservations() -> Response:
        args: dict[str, Any] = request.args.to_dict()
        day = (
            parse_date(args["date"])
            if args.get("date")
            else container.clock().astimezone(tz).date()
        )
        room, owner = optional(args, "room-id", 100), optional(args, "owner", 100)
        days = services.day_schedule(container.uow(), container.policy, day=day, room=room)
        found = [r for d in days for r in d.reservations if owner in (None, r.owner_id)]
        found.sort(key=lambda r: (r.start, r.room_id))
        return jsonify(
            {"date": day.isoformat(), "reservations": [reservation_json(r, tz) for r in found]}
        )

    @bp.post("/reservations")
    def create() -> tuple[Response, int]:
        new = parse_new_reservation(request.get_json(silent=True), tz)
        reservation = services.create_reservation(
            container.uow(),
            container.policy,
            room=new.room,
            start=new.start,
            end=new.end,
            owner_id=new.owner or API_USER,
            title=new.title,
            now=container.clock(),
            source="api",
        )
        return jsonify(reservation_json(reservation, tz)), 201

    @bp.delete("/reservations/<int:reservation_id>")
    def cancel(reservation_id: int) -> Response:
        if reservation_id > MAX_ID:  # no such row, and too big for SQLite's integers
            raise ReservationNotFound(reservation_id)
        reservation = services.cancel_reservation(
            container.uow(),
            reservation_id=reservation_id,
            actor_id=request.headers.get("X-Acting-User", API_USER).strip() or API_USER,
            now=container.clock(),
            admins=container.settings.admins,
        )
        return jsonify(reservation_json(reservation, tz))

    return bp


def check_token(container: Container) -> tuple[Response, int] | None:
    """Require the bearer API_TOKEN; without one configured, allow only in development."""
    expected = container.settings.api_token
    if not expected:
        if container.settings.is_development:
            return None
        body = error_body(
            "unauthorized", "API_TOKEN is not configured on the server.", "Authorization"
        )
        return jsonify(body), 401
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        return None
    body = error_body("unauthorized", "Send 'Authorization: Bearer <API_TOKEN>'.", "Authorization")
    return jsonify(body), 401
