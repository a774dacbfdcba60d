"""Persistence: SQLAlchemy models, unit of work, migrations and the rooms file."""
