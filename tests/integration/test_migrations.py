"""The migrations create the double-booking guards on each database."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.engine import make_engine
from storage.migrate import upgrade


def test_postgres_migration_creates_exclusion_constraint(pg_url: str) -> None:
    """A fresh database gets btree_gist and the EXCLUDE constraint on active reservations."""
    name = f"migr_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    fresh = make_engine(
        make_url(make_engine(pg_url).url).set(database=name).render_as_string(False)
    )
    try:
        upgrade(fresh)
        upgrade(fresh)  # idempotent
        with fresh.connect() as connection:
            definition = connection.execute(
                text(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conname = 'reservations_no_overlap' AND contype = 'x'"
                )
            ).scalar_one()
            extension = connection.execute(
                text("SELECT count(*) FROM pg_extension WHERE extname = 'btree_gist'")
            ).scalar_one()
        assert extension == 1
        assert "EXCLUDE USING gist" in definition
        assert "tstzrange(start_at, end_at, '[)'" in definition
        assert "WHERE (active)" in definition
    finally:
        fresh.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()


def test_sqlite_migration_creates_overlap_triggers(tmp_path: Path) -> None:
    """SQLite gets insert and update triggers that refuse overlaps."""
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        names = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        ).scalars()
        assert list(names) == ["reservations_no_overlap_insert", "reservations_no_overlap_update"]
    engine.dispose()
