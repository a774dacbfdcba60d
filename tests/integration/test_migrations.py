"""The migrations create the double-booking guards on each database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from storage.engine import make_engine
from storage.migrate import upgrade
from tests.conftest import reset


@contextmanager
def fresh_postgres(pg_url: str, prefix: str) -> Iterator[Engine]:
    """An engine on a new, empty PostgreSQL database, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    fresh = make_engine(
        make_url(make_engine(pg_url).url).set(database=name).render_as_string(False)
    )
    try:
        yield fresh
    finally:
        fresh.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()


@contextmanager
def sqlite_file(path: Path) -> Iterator[Engine]:
    """An engine on a new SQLite file, disposed afterwards."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


def test_postgres_migration_creates_exclusion_constraint(pg_url: str) -> None:
    """A fresh database gets btree_gist and the EXCLUDE constraint on slot-holding reservations."""
    with fresh_postgres(pg_url, "migr") as fresh:
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
        assert "WHERE ((active OR" in definition and "'pending'" in definition
        assert "'held'" in definition


def test_sqlite_migration_creates_overlap_triggers(tmp_path: Path) -> None:
    """SQLite gets insert and update triggers that refuse overlaps."""
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        names = connection.execute(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'reservations' ORDER BY name"
            )
        ).scalars()
        assert list(names) == ["reservations_no_overlap_insert", "reservations_no_overlap_update"]
    engine.dispose()


LEGACY = [("U0SLACK1", None), ("api", "U0SLACK1"), ("ops-team", "no-show"), ("W0GRID", "api")]
NAMESPACED = [
    ("slack:U0SLACK1", None),
    ("api:api", "slack:U0SLACK1"),
    ("api:ops-team", "no-show"),
    ("slack:W0GRID", "api:api"),
]


def legacy_owners_become_namespaced(engine: Engine) -> None:
    """Rows written before 0005 keep their owners, now namespaced by surface."""
    upgrade(engine, "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO rooms (id, name, capacity, aliases, equipment)"
                " VALUES ('1', 'A', 4, '[]', '[]')"
            )
        )
        for day, (owner, by) in enumerate(LEGACY, start=1):
            connection.execute(
                text(
                    "INSERT INTO reservations (room_id, owner_id, start_at, end_at, title, active,"
                    " source, cancelled_by, created_at)"
                    " VALUES ('1', :owner, :start, :end, '', :active, 'api', :by, :start)"
                ),
                {"owner": owner, "by": by, "active": by is None,
                 "start": datetime(2025, 10, day, 1, tzinfo=UTC),
                 "end": datetime(2025, 10, day, 2, tzinfo=UTC)},
            )  # fmt: skip
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT owner_id, cancelled_by FROM reservations ORDER BY start_at")
        ).all()
    assert [tuple(r) for r in rows] == NAMESPACED


def test_sqlite_migration_namespaces_owners(tmp_path: Path) -> None:
    """On SQLite, legacy Slack and API owners get their surface."""
    with sqlite_file(tmp_path / "owners.db") as engine:
        legacy_owners_become_namespaced(engine)


def test_postgres_migration_namespaces_owners(pg_url: str) -> None:
    """On PostgreSQL too (and the owner column is wide enough for a Teams identity)."""
    with fresh_postgres(pg_url, "owners") as fresh:
        legacy_owners_become_namespaced(fresh)
        with fresh.connect() as connection:
            width = connection.execute(
                text(
                    "SELECT character_maximum_length FROM information_schema.columns "
                    "WHERE table_name = 'reservations' AND column_name = 'owner_id'"
                )
            ).scalar_one()
        assert width == 255


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to a revision (the way storage.migrate upgrades)."""
    from alembic import command
    from alembic.config import Config

    from storage.migrate import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def statuses_and_guards_round_trip(engine: Engine) -> None:
    """0011 gives old rows their status and guards pending/held slots; it can be undone."""
    upgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO rooms (id, name, capacity, aliases, equipment)"
                                " VALUES ('1', 'A', 4, '[]', '[]')"))  # fmt: skip
        for day, active in ((1, True), (2, False)):
            connection.execute(
                text("INSERT INTO reservations (room_id, owner_id, start_at, end_at, title,"
                     " active, source, created_at) VALUES ('1', 'api:x', :s, :e, '', :a, 'api', :s)"),
                {"s": datetime(2025, 10, day, 1, tzinfo=UTC),
                 "e": datetime(2025, 10, day, 2, tzinfo=UTC), "a": active},
            )  # fmt: skip
    upgrade(engine)
    pending = text(
        "INSERT INTO reservations (room_id, owner_id, start_at, end_at, title, active, source,"
        " created_at, status) VALUES ('1', 'api:y', :s, :e, '', false, 'api', :s, 'pending')"
    )
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT status FROM reservations ORDER BY id")).scalars()
        assert list(rows) == ["active", "cancelled"]
    with pytest.raises(DBAPIError), engine.begin() as connection:  # overlaps the active one
        connection.execute(pending, {"s": datetime(2025, 10, 1, 1, 30, tzinfo=UTC),
                                     "e": datetime(2025, 10, 1, 3, tzinfo=UTC)})  # fmt: skip
    with engine.begin() as connection:  # the cancelled one's slot is free
        connection.execute(pending, {"s": datetime(2025, 10, 2, 1, tzinfo=UTC),
                                     "e": datetime(2025, 10, 2, 2, tzinfo=UTC)})  # fmt: skip
    downgrade(engine, "0005")
    with engine.begin() as connection:  # the old guard is back: active rows only
        columns = connection.execute(text("SELECT * FROM reservations")).keys()
        assert "status" not in columns
        with pytest.raises(DBAPIError), connection.begin_nested():
            connection.execute(
                text("INSERT INTO reservations (room_id, owner_id, start_at, end_at, title,"
                     " active, source, created_at) VALUES ('1', 'api:z', :s, :e, '', true, 'api', :s)"),
                {"s": datetime(2025, 10, 1, 1, 30, tzinfo=UTC),
                 "e": datetime(2025, 10, 1, 3, tzinfo=UTC)},
            )  # fmt: skip
    upgrade(engine)  # and forward again


def test_sqlite_0011_statuses_guards_and_downgrade(tmp_path: Path) -> None:
    with sqlite_file(tmp_path / "rules.db") as engine:
        statuses_and_guards_round_trip(engine)


def test_postgres_0011_statuses_guards_and_downgrade(pg_url: str) -> None:
    with fresh_postgres(pg_url, "rules") as fresh:
        statuses_and_guards_round_trip(fresh)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_rooms_version_moves_with_every_change_to_rooms(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """0012: insert, update, delete (and TRUNCATE on PostgreSQL) of rooms bump rooms_version."""
    url = (
        f"sqlite:///{tmp_path / 'v.db'}" if kind == "sqlite" else request.getfixturevalue("pg_url")
    )
    engine = make_engine(url)
    upgrade(engine)
    version = text("SELECT version FROM rooms_version")
    changes = [
        "INSERT INTO rooms (id, name, capacity, aliases, equipment, approvers, retired)"
        " VALUES ('v1', 'V', 2, '[]', '[]', '[]', false)",
        "UPDATE rooms SET capacity = 3 WHERE id = 'v1'",
        "DELETE FROM rooms WHERE id = 'v1'",
    ]
    if kind == "postgres":
        changes += [changes[0], "TRUNCATE rooms CASCADE"]
    seen = []
    for change in changes:
        with engine.begin() as connection:
            before = connection.execute(version).scalar_one()
            connection.execute(text(change))
            seen.append(connection.execute(version).scalar_one() - before)
    assert seen == [1] * len(changes)
    if kind == "postgres":
        reset(engine)
    engine.dispose()
