"""GET /reports/utilisation?from=&to= (admin token): the page, and each chart and table alone."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, make_response, request, url_for
from werkzeug.exceptions import HTTPException, NotFound

from booking.errors import BookingError
from booking.usage import Utilisation
from bot.board.figures import TABLES, csv_text
from bot.board.reporting import CHARTS, chart, period_of, render_page
from bot.board.security import REPORT_CSP, SVG_CSP, AdminCheck, asset_url, with_csp
from bot.conversation.desk import Desk
from bot.conversation.i18n import t

log = logging.getLogger(__name__)


def create_blueprint(desk: Desk, admin: AdminCheck, default_language: str) -> Blueprint:
    """The /reports blueprint, bound to the desk and the admin token."""
    bp = Blueprint("report", __name__)

    def language() -> str:
        asked = (request.args.get("lang") or "").strip().lower()
        return asked if asked in ("ja", "en") else default_language

    def figures() -> tuple[Utilisation, dict[str, Any]]:
        period = period_of(request.args.get("from"), request.args.get("to"), desk.today())
        args: dict[str, Any] = {"from": period.first.isoformat(), "to": period.last.isoformat()}
        return desk.utilisation(period), args

    @bp.before_request
    def require_admin() -> Response | None:
        if admin.allows(request.headers.get("Authorization", "")):
            return None
        response = _text(t("report_unauthorized", language()), 401, "text/plain")
        response.headers["WWW-Authenticate"] = 'Basic realm="reports", charset="UTF-8"'
        return response

    @bp.get("/reports/utilisation")
    def page() -> Response:
        lang = language()
        u, args = figures()
        svgs = {name: chart(u, name, lang) for name in CHARTS}

        def link(name: str, ext: str) -> str:
            return url_for(f"report.{ext}", name=name, lang=lang, **args)

        html = render_page(u, lang, svgs, link, asset_url, url_for("report.page"))
        return with_csp(_text(html, 200, "text/html"), REPORT_CSP)

    @bp.get("/reports/utilisation/<name>.csv")
    def csv(name: str) -> Response:
        if name not in TABLES:
            raise NotFound()
        lang = language()
        u, args = figures()
        response = _text(csv_text(TABLES[name](u, lang)), 200, "text/csv")
        filename = f"utilisation-{args['from']}-{args['to']}-{name}.csv"
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @bp.get("/reports/utilisation/<name>.svg")
    def svg(name: str) -> Response:
        if name not in CHARTS:
            raise NotFound()
        u, _ = figures()
        return with_csp(_text(chart(u, name, language()), 200, "image/svg+xml"), SVG_CSP)

    @bp.errorhandler(BookingError)
    def bad_input(error: BookingError) -> Response:
        message = error.message if language() == "en" else error.message_ja
        return _text(message, 400, "text/plain")

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        text = t("not_found_page", language()) if error.code == 404 else error.name
        return _text(text, error.code or 400, "text/plain")

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.warning("report unavailable: %s", type(error).__name__)
        return _text(t("unavailable", language()), 503, "text/plain")

    return bp


def _text(body: str, status: int, mimetype: str) -> Response:
    """A private, uncached response in UTF-8."""
    response = make_response(body, status)
    response.content_type = f"{mimetype}; charset=utf-8"
    response.headers["Cache-Control"] = "private, no-store"
    return response
