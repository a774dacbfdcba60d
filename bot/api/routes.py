"""Routes of /api/rooms and /api/reservations."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from flask import Blueprint, Response, jsonify, request

from booking.errors import ReservationNotFound
from booking.identity import parse as parse_identity
from bot.api.auth import API_USER, TokenCheck, acting_user
from bot.api.parsing import optional, parse_date, parse_new_reservation
from bot.api.present import day_json, reservation_json, room_json
from bot.conversation.desk import Desk

MAX_ID = 2**63 - 1
BY_START_AND_ROOM = attrgetter("slot.start", "room_id")


def create_blueprint(desk: Desk, auth: TokenCheck) -> Blueprint:
    """The /api blueprint, bound to the desk."""
    bp = Blueprint("api", __name__, url_prefix="/api")
    bp.before_request(auth)
    tz = desk.policy.tz

    @bp.get("/rooms")
    def rooms() -> Response:
        return jsonify({"rooms": [room_json(r) for r in desk.rooms().values()]})

    @bp.get("/reservations")
    def list_reservations() -> Response:
        args: dict[str, Any] = request.args.to_dict()
        day = parse_date(args["date"]) if args.get("date") else desk.today()
        room, owner = optional(args, "room-id", 100), optional(args, "owner", 100)
        who = parse_identity(owner, "api") if owner else None
        days = desk.schedule(room, day)
        found = [r for d in days for r in d.reservations if who in (None, r.owner_id)]
        found.sort(key=BY_START_AND_ROOM)
        return Response(day_json(day, found, tz), mimetype="application/json")

    @bp.post("/reservations")
    def create() -> tuple[Response, int]:
        new = parse_new_reservation(request.get_json(silent=True), tz)
        owner = parse_identity(new.owner or API_USER, "api")
        made = desk.book(owner, new.room, new.start, new.end, new.title, "api", new.party_size)
        return jsonify(reservation_json(made, tz)), 201

    @bp.delete("/reservations/<int:reservation_id>")
    def cancel(reservation_id: int) -> Response:
        if reservation_id > MAX_ID:  # no such row, and too big for SQLite's integers
            raise ReservationNotFound(reservation_id)
        return jsonify(reservation_json(desk.cancel(acting_user(), reservation_id), tz))

    return bp
