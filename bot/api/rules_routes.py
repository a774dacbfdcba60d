"""Routes of /api/series, /api/waitlist and approvals: repeating bookings, waiting for a taken
slot, and an approver's decision on a pending booking."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from booking.errors import SeriesNotFound
from booking.identity import parse as parse_identity
from bot.api.auth import API_USER, TokenCheck, acting_user
from bot.api.errors import InvalidInput, error_body
from bot.api.parsing import parse_date, parse_new_reservation
from bot.api.present import owner_json, reservation_json
from bot.api.rules_present import clash_json, series_json, wait_json
from bot.conversation.desk import Desk

MAX_ID = 2**63 - 1
MAX_COUNT = 52
REPEATS = ("daily", "weekly")
SCOPES = ("this", "following", "all")
DECISIONS = ("approve", "reject")


def create_blueprint(desk: Desk, auth: TokenCheck) -> Blueprint:
    """The /api/series and /api/waitlist blueprint, bound to the desk."""
    bp = Blueprint("api_rules", __name__, url_prefix="/api")
    bp.before_request(auth)
    tz = desk.policy.tz

    @bp.post("/series")
    def create_series() -> tuple[Response, int]:
        body = request.get_json(silent=True)
        new = parse_new_reservation(body, tz)
        repeat, count, weekdays = parse_repeat(body)
        owner = parse_identity(new.owner or API_USER, "api")
        made = desk.rules.book_series(
            owner, new.room, new.start, new.end, new.title, "api", repeat, count, weekdays
        )
        clashes = [clash_json(desk, slot, error) for slot, error in made.clashes]
        if made.series is None:
            body = error_body("slot_taken", "No date of the series is free.", "date", dates=clashes)
            return jsonify(body), 409
        return jsonify(series_json(made.series, made.booked, tz, clashes)), 201

    @bp.get("/series/<int:series_id>")
    def get_series(series_id: int) -> Response:
        found, dates = desk.rules.series(checked(series_id))
        return jsonify(series_json(found, dates, tz))

    @bp.delete("/series/<int:series_id>")
    def cancel_series(series_id: int) -> Response:
        scope = request.args.get("scope", "")
        if scope not in SCOPES:
            raise InvalidInput(
                "scope",
                "must be this, following or all.",
                "this / following / all のいずれかです。",
            )
        raw = request.args.get("date", "")
        if scope != "all" and not raw:
            raise InvalidInput(
                "date", "is required for this and following.", "this と following では必須です。"
            )
        day = parse_date(raw) if raw else None
        done = desk.rules.cancel_series(acting_user(), checked(series_id), scope, day)  # type: ignore[arg-type]
        found, dates = desk.rules.series(series_id)
        return jsonify({"cancelled": [r.id for r in done], **series_json(found, dates, tz)})

    @bp.post("/waitlist")
    def join_waitlist() -> tuple[Response, int]:
        new = parse_new_reservation(request.get_json(silent=True), tz)
        owner = parse_identity(new.owner or API_USER, "api")
        entry, ahead = desk.rules.join_waitlist(
            owner, new.room, new.start, new.end, new.title, "api"
        )
        return jsonify(wait_json(entry, ahead, tz)), 201

    @bp.delete("/waitlist/<int:entry_id>")
    def leave_waitlist(entry_id: int) -> Response:
        entry = desk.rules.leave_waitlist(acting_user(), entry_id if entry_id <= MAX_ID else 0)
        return jsonify(wait_json(entry, 0, tz))

    @bp.post("/reservations/<int:reservation_id>/decision")
    def decide(reservation_id: int) -> Response:
        body = request.get_json(silent=True)
        decision = body.get("decision") if isinstance(body, dict) else None
        if decision not in DECISIONS:
            raise InvalidInput(
                "decision", "must be approve or reject.", "approve か reject を指定してください。"
            )
        rid = reservation_id if reservation_id <= MAX_ID else 0
        decided, made = desk.rules.decide(acting_user(), rid, decision == "approve")
        return jsonify({**reservation_json(decided, tz), "decided-by": owner_json(made.decided_by)})

    return bp


def checked(series_id: int) -> int:
    """A series id that fits the database's integers (else: no such series)."""
    if series_id > MAX_ID:
        raise SeriesNotFound(series_id)
    return series_id


def parse_repeat(body: Any) -> tuple[Any, int, bool]:
    """'repeat' (daily | weekly), 'count' (1–52) and the optional 'weekdays-only' flag."""
    repeat = body.get("repeat")
    if repeat not in REPEATS:
        raise InvalidInput(
            "repeat", "must be daily or weekly.", "daily か weekly を指定してください。"
        )
    count = body.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise InvalidInput(
            "count", f"must be a whole number from 1 to {MAX_COUNT}.", f"1〜{MAX_COUNT}の整数です。"
        )
    weekdays = body.get("weekdays-only", False)
    if not isinstance(weekdays, bool):
        raise InvalidInput("weekdays-only", "must be true or false.", "true か false です。")
    return repeat, count, weekdays
