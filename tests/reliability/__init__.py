"""Fault suite: the bot under gunicorn while PostgreSQL, Redis, OpenAI and workers fail."""
