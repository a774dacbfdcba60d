"""Alembic migrations (run with `python -m bot db upgrade`)."""
