"""WSGI entry point for gunicorn: `gunicorn bot.wsgi:app`."""

from bot.web import create_app

app = create_app()
