"""GET /ical/rooms/<room-id>.ics and GET /ical/users/<token>.ics, with ETag / If-None-Match."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, jsonify, request

from bot.calendar.feeds import Feeds

CONTENT_TYPE = "text/calendar; charset=utf-8"
MAX_AGE_S = 300


def _error(status: int, code: str, field: str, en: str, ja: str) -> tuple[Response, int]:
    """A JSON error naming the field, in the API's shape."""
    body = {"error": {"code": code, "field": field, "message": en, "message_ja": ja}}
    return jsonify(body), status


def _feed(
    etag: str, body: Callable[[], bytes | None], name: str
) -> Response | tuple[Response, int]:
    """304 when the client has this version; else the feed with its ETag."""
    if request.if_none_match.contains(etag):
        unchanged = Response(status=304)
        unchanged.set_etag(etag)
        return unchanged
    data = body()
    if data is None:
        return _error(404, "not_found", "id", "No such calendar.", "カレンダーが見つかりません。")
    response = Response(data, content_type=CONTENT_TYPE)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"private, max-age={MAX_AGE_S}"
    response.headers["Content-Disposition"] = f'inline; filename="{name}.ics"'
    return response


def create_blueprint(feeds: Feeds) -> Blueprint:
    """The feed routes, bound to the feeds."""
    bp = Blueprint("ical", __name__)

    @bp.get("/ical/rooms/<room_id>.ics")
    def room_feed(room_id: str) -> Response | tuple[Response, int]:
        if not feeds.room_allowed(room_id, request.args.get("token")):
            return _error(403, "forbidden", "token", "This feed needs its token.",
                          "このカレンダーにはトークンが必要です。")  # fmt: skip
        etag = feeds.room_etag(room_id)
        if etag is None:
            return _error(404, "room_not_found", "room-id", f"Unknown room: {room_id!r}.",
                          f"会議室「{room_id}」が見つかりません。")  # fmt: skip
        return _feed(etag, lambda: feeds.room_body(room_id), f"room-{room_id}")

    @bp.get("/ical/users/<token>.ics")
    def user_feed(token: str) -> Response | tuple[Response, int]:
        owner = feeds.owner(token)
        if owner is None:
            return _error(404, "not_found", "token", "This calendar link is not valid (any more).",
                          "このカレンダーのリンクは無効です。")  # fmt: skip
        return _feed(feeds.user_etag(owner), lambda: feeds.user_body(owner), "bookings")

    return bp
