"""GET /board (every room, by floor) and /board/<room-id> (a door tablet); POST .../book."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from booking.boards import WALK_UP_MINUTES
from booking.clock import local
from booking.errors import BookingError, RoomNotFound
from booking.services import RoomDay
from bot.board.present import Privacy, RoomView, by_floor, room_view
from bot.board.security import BOARD_CSP, asset_url, with_csp
from bot.conversation.desk import Desk
from bot.conversation.i18n import t

log = logging.getLogger(__name__)
LANGUAGES = ("ja", "en")
NOTICES = ("booked", "taken", "invalid", "token")


@dataclass(frozen=True)
class BoardConfig:
    """How boards look and behave (BOARD_* settings and DEFAULT_LANGUAGE)."""

    privacy: Privacy
    refresh_seconds: int
    default_language: str


def create_blueprint(desk: Desk, config: BoardConfig) -> Blueprint:
    """The /board blueprint, bound to the desk."""
    bp = Blueprint("board", __name__, template_folder="templates")
    tz = desk.policy.tz

    def language() -> str:
        asked = (request.values.get("lang") or "").strip().lower()
        return asked if asked in LANGUAGES else config.default_language

    def view(day: RoomDay, lang: str, bookable: bool) -> RoomView:
        walk_up = desk.walk_up if bookable else None
        hours = desk.policy.business_hours
        return room_view(day, desk.clock(), tz, lang, config.privacy, hours, walk_up)

    def page(template: str, part: str, lang: str, **values: Any) -> Response:
        now = local(desk.clock(), tz)
        context = dict(values, lang=lang, t=t, now=f"{now:%H:%M}", today=now.date())
        name = f"board/_{template}.html" if part == "main" else f"board/{template}.html"
        response = make_response(render_template(name, asset=asset_url, config=config, **context))
        response.headers["Cache-Control"] = "no-cache"
        response.add_etag()
        response.make_conditional(request)  # 304 when the poller already has this version
        return with_csp(response, BOARD_CSP)

    @bp.get("/board")
    def all_rooms() -> Response:
        lang = language()
        views = [view(d, lang, False) for d in desk.schedule()]
        refresh = url_for("board.all_rooms", lang=lang, part="main")
        other = url_for("board.all_rooms", lang=_other(lang))
        return page("all", request.args.get("part", ""), lang, floors=by_floor(views, lang),
                    refresh=refresh, other=other)  # fmt: skip

    @bp.get("/board/<room_id>")
    def one_room(room_id: str) -> Response:
        lang, token_text = language(), request.args.get("token", "")
        day = desk.schedule(room_id)[0]
        token = desk.board_token(day.room.id, token_text) if token_text else None
        notice = request.args.get("notice", "")
        if token_text and token is None:
            notice = "token"
        args: dict[str, Any] = {"token": token_text} if token_text else {}
        return page(
            "room", request.args.get("part", ""), lang, room=view(day, lang, token is not None),
            token=token_text if token else "", notice=notice if notice in NOTICES else "",
            refresh=url_for("board.one_room", room_id=room_id, lang=lang, part="main", **args),
            other=url_for("board.one_room", room_id=room_id, lang=_other(lang), **args),
        )  # fmt: skip

    @bp.post("/board/<room_id>/book")
    def book(room_id: str) -> WerkzeugResponse:
        lang, token_text = language(), request.form.get("token", "")
        day = desk.schedule(room_id)[0]
        token = desk.board_token(day.room.id, token_text)
        minutes = request.form.get("minutes", "")
        if token is None:
            notice = "token"
        elif minutes not in {str(m) for m in WALK_UP_MINUTES}:
            notice = "invalid"
        else:
            notice = _book(desk, token, int(minutes), lang)
        back = url_for(
            "board.one_room", room_id=room_id, lang=lang, token=token_text, notice=notice
        )
        return redirect(back, code=303)

    @bp.errorhandler(BookingError)
    def booking_error(error: BookingError) -> tuple[Response, int]:
        lang = language()
        if isinstance(error, RoomNotFound):
            return _error_page(t("board_unknown_room", lang, room=error.room), lang, 404)
        return _error_page(error.message if lang == "en" else error.message_ja, lang, 400)

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        lang = language()
        text = t("not_found_page", lang) if error.code == 404 else (error.description or "")
        return _error_page(text, lang, error.code or 400)

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        log.warning("board unavailable: %s", type(error).__name__)
        return _error_page(t("unavailable", language()), language(), 503)

    return bp


def _book(desk: Desk, token: Any, minutes: int, lang: str) -> str:
    """Book now through the desk; the notice to show."""
    try:
        desk.book_now(token, minutes, lang)
    except BookingError as error:
        return "taken" if error.code == "slot_taken" else "invalid"
    return "booked"


def _other(lang: str) -> str:
    """The other language."""
    return "en" if lang == "ja" else "ja"


def _error_page(text: str, lang: str, status: int) -> tuple[Response, int]:
    """A small HTML page saying what went wrong, in the reader's language."""
    html = render_template("board/error.html", lang=lang, t=t, message=text, asset=asset_url)
    return with_csp(make_response(html), BOARD_CSP), status
