"""WSGI entry point for gunicorn: `gunicorn bot.wsgi:app`."""

from bot.observability import configure_logging
from bot.settings import Settings
from bot.web import create_app

settings = Settings.from_env()
configure_logging(settings)
app = create_app(settings)
