"""The Flask application factory: blueprints for /health and /api, JSON errors."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

import health
from bot import __version__, metrics, observability
from bot.api import errors as api_errors
from bot.api.auth import TokenCheck
from bot.api.chat import create_blueprint as chat_blueprint
from bot.api.routes import create_blueprint as api_blueprint
from bot.api.rules_routes import create_blueprint as rules_blueprint
from bot.board.present import Privacy
from bot.board.report import create_blueprint as report_blueprint
from bot.board.security import AdminCheck
from bot.board.views import BoardConfig
from bot.board.views import create_blueprint as board_blueprint
from bot.calendar.http import create_blueprint as ical_blueprint
from bot.container import Container, build
from bot.settings import Settings
from bot.slack.unconfigured import create_blueprint as slack_unconfigured_blueprint
from storage.locks import LeaderLock

log = logging.getLogger(__name__)
# gunicorn's graceful_timeout (25 s) bounds a stopping worker; the drain ends before it kills.
DRAIN_S = 20.0
SLACK_LISTENERS = "roombot_slack_listeners"  # app.extensions: bot.slack.executor's pool
STATIC = Path(__file__).resolve().parent.parent / "static"  # nginx serves it as /static/


class NoSessions(SecureCookieSessionInterface):
    """The bot keeps no cookie sessions: none is opened (no signer built per request) or saved."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        return None  # Flask then hands out its null session, which refuses to be written


def create_app(settings: Settings | None = None, container: Container | None = None) -> Flask:
    """Build the web app from settings (or a ready container, as tests do)."""
    if container is None:
        settings = settings or Settings.from_env()
        settings.check_production()
        container = build(settings)
    metrics.configure(container.settings.metrics_dir)
    app = Flask("bot", static_folder=str(STATIC), static_url_path="/static")
    app.config.update(
        SECRET_KEY=container.settings.secret_key or "development-only",
        JSON_AS_ASCII=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.session_interface = NoSessions()
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.compact = True  # type: ignore[attr-defined]  # also in debug: indenting is pure Python
    app.extensions["roombot"] = container
    observability.install(app, container.settings)
    api_errors.register(app)
    app.register_blueprint(
        health.create_blueprint(
            container.check_database,
            container.check_redis if container.redis is not None else None,
            __version__,
            container.policy.tz,
            extra=lambda: {"scheduler": scheduler_state(app)},
        )
    )
    auth = TokenCheck(container.settings.api_token, container.settings.is_development)
    app.register_blueprint(api_blueprint(container.desk, auth))
    app.register_blueprint(rules_blueprint(container.desk, auth))
    app.register_blueprint(chat_blueprint(container.conversation, container.policy.tz, auth))
    register_slack(app, container)
    register_boards(app, container)
    app.register_blueprint(ical_blueprint(container.feeds))
    return app


def register_slack(app: Flask, container: Container) -> None:
    """POST /slack/events: Slack Bolt and the Slack SDK are imported only when Slack is set up."""
    s = container.settings
    for name, value in (("SLACK_SIGNING_SECRET", s.slack_signing_secret),
                        ("SLACK_BOT_TOKEN", s.slack_bot_token)):  # fmt: skip
        if not value:
            app.register_blueprint(slack_unconfigured_blueprint(name))
            return
    from bot.slack.executor import DrainingExecutor
    from bot.slack.http import create_blueprint  # Bolt, slack_sdk: about 4 MB per worker

    listeners = DrainingExecutor()  # acknowledged work a worker finishes before it exits
    app.register_blueprint(create_blueprint(container.slack, listeners))
    app.extensions[SLACK_LISTENERS] = listeners


def register_boards(app: Flask, container: Container) -> None:
    """The room boards and the utilisation report."""
    s = container.settings
    privacy = Privacy(s.board_show_owners, s.board_show_titles)
    config = BoardConfig(privacy, s.board_refresh_seconds, s.default_language)
    app.register_blueprint(board_blueprint(container.desk, config))
    admin = AdminCheck(s.api_token, s.is_development)
    app.register_blueprint(report_blueprint(container.desk, admin, s.default_language))


def start_background(app: Flask) -> None:
    """Start this worker's leader-elected scheduler (called by gunicorn after the fork)."""
    c: Container | None = getattr(app, "extensions", {}).get("roombot")
    if c is None or not c.settings.scheduler_in_web or not has_jobs(c):
        return
    scheduler = c.scheduler(lock=LeaderLock(c.engine))
    app.extensions["roombot_scheduler"] = scheduler
    scheduler.start()


def stop_background(app: Flask, drain_s: float = DRAIN_S) -> None:
    """Stop the scheduler (freeing the leader lock), then let acknowledged work finish.

    Called by gunicorn as a worker exits (a stop, a reload, its max_requests recycle): Slack
    does not redeliver an event it saw acknowledged, so an answer cut off here is lost for good.
    """
    extensions = getattr(app, "extensions", {})
    scheduler = extensions.pop("roombot_scheduler", None)
    if scheduler is not None:
        scheduler.stop()
    listeners = extensions.pop(SLACK_LISTENERS, None)
    left = listeners.drain(drain_s) if listeners is not None else 0
    if left:
        log.warning("worker exits with %d acknowledged Slack tasks unfinished", left)


def has_jobs(c: Container) -> bool:
    """Whether there is scheduled work: Slack or Teams reminders, or the CalDAV sync."""
    s = c.settings
    return bool(s.slack_bot_token or s.teams_enabled or s.caldav_url)


def scheduler_state(app: Flask) -> dict[str, object]:
    """This process's scheduler role for /health (it never fails readiness)."""
    scheduler = app.extensions.get("roombot_scheduler")
    if scheduler is None:
        c: Container = app.extensions["roombot"]
        why = (
            "SCHEDULER_IN_WEB is off"
            if not c.settings.scheduler_in_web
            else "no SLACK_BOT_TOKEN, TEAMS_APP_ID or CALDAV_URL"
        )
        return {"role": "off", "reason": why}
    return scheduler.state()  # type: ignore[no-any-return]
